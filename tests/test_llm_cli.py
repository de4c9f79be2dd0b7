"""`python -m grimoire_bot draft`, run as a user runs it, against the fake OpenAI."""

from __future__ import annotations

import asyncpg
import pytest

from tests.fakes.openai import FakeOpenAI
from tests.processes import environment, run

LOG = b"""\
2024-05-01T10:00:00.0000000Z Run ./tools/build.sh
2024-05-01T10:00:01.0000000Z building widgets
2024-05-01T10:00:02.0000000Z fatal: frobnicator quota exhausted for widget 'alpha' (code FQX-17)
2024-05-01T10:00:03.0000000Z ##[error]Process completed with exit code 1.
"""
KNOWN = b"E   ModuleNotFoundError: No module named 'yaml'\n"


@pytest.fixture
async def fake():
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
def env(fresh_database_url, fake):
    return environment(
        DATABASE_URL=fresh_database_url,
        LLM_PROVIDER="openai",
        OPENAI_API_KEY=fake.api_key,
        OPENAI_BASE_URL=fake.base_url,
    )


async def rows(database_url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(query)
    finally:
        await conn.close()


async def test_draft_prints_a_draft_and_stores_nothing_without_save(
    env, fake, tmp_path, fresh_database_url
):
    log = tmp_path / "build.log"
    log.write_bytes(LOG)
    code, output = await run("draft", str(log), env=env)
    assert code == 0, output
    assert "previewed: drafted; not stored" in output
    assert '"error_pattern": "fatal: frobnicator quota exhausted' in output
    assert "run again with --save" in output
    assert await rows(fresh_database_url, "SELECT id FROM spells WHERE auto_generated") == []
    calls = await rows(fresh_database_url, "SELECT outcome::text AS o FROM llm_calls")
    assert [call["o"] for call in calls] == ["previewed"]
    # The Actions wrapper line has its starter spell: only the unknown error was drafted.
    assert len(fake.requests) == 1


async def test_draft_save_stores_once_and_reuses_after(env, fake, fresh_database_url):
    code, output = await run("draft", "-", "--save", env=env, stdin=LOG)
    assert code == 0, output
    [spell] = await rows(
        fresh_database_url,
        "SELECT id, status::text AS status FROM spells WHERE auto_generated",
    )
    assert spell["status"] == "draft"
    assert f"review it: POST /api/spells/{spell['id']}/approve" in output
    code, output = await run("draft", "-", "--save", env=env, stdin=LOG)
    assert code == 0, output
    assert "reused: reused spell" in output
    assert len(fake.requests) == 1


async def test_a_log_whose_errors_all_have_spells_asks_nothing(env, fake):
    code, output = await run("draft", "-", env=env, stdin=KNOWN)
    assert code == 1
    assert "each with an approved spell; nothing to draft" in output
    assert fake.requests == []


async def test_draft_needs_a_provider(fresh_database_url):
    env = environment(DATABASE_URL=fresh_database_url)
    code, output = await run("draft", "-", env=env, stdin=LOG)
    assert code == 2
    assert "drafting needs LLM_PROVIDER" in output
    assert "Traceback" not in output


async def test_model_text_cannot_drive_the_terminal(env, fake):
    fake.answer(
        {
            "title": "Boom\x1b]0;pwned\x07\x1b[2J",
            "description": "d",
            "error_type": "E",
            "error_pattern": r"frobnicator quota exhausted",
            "solution_code": "echo \x1b[31mred",
            "tags": ["x"],
            "confidence": 0.5,
        }
    )
    code, output = await run("draft", "-", env=env, stdin=LOG)
    assert code == 0, output
    assert "\x1b" not in output and "\x07" not in output
