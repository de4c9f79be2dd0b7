"""The command line, run as users run it."""

from __future__ import annotations

import json

import asyncpg
import pytest

from grimoire_bot.db.migrations import MIGRATIONS_DIR
from tests.payloads import official_payload
from tests.processes import environment, run

LOGS = "tests/data/logs"


@pytest.fixture
def env(fresh_database_url):
    return environment(DATABASE_URL=fresh_database_url, SEED_SPELLBOOK="false")


async def test_migrate_is_idempotent(template_database):
    from tests.conftest import _admin, database_url

    name = "grimoire_cli_migrate"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = environment(DATABASE_URL=database_url(name))
        code, output = await run("migrate", env=env)
        assert code == 0, output
        # Every migration, however many branches add: each is a .sql file beside its rollback.
        count = len([p for p in MIGRATIONS_DIR.glob("*.sql") if ".rollback." not in p.name])
        assert f"Applied {count} migration(s)" in output
        code, output = await run("migrate", env=env)
        assert "Applied 0 migration(s)" in output
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    ("variables", "needle"),
    [
        ({"PORT": "eighty"}, "PORT: must be a whole number"),
        ({"APP_ENV": "production"}, "SECRET_KEY is required when APP_ENV=production"),
        ({"APP_ENV": "staging"}, "APP_ENV: must be one of development, test, production"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY: must be at least 32 characters"),
        ({"APP_ID": "123"}, "APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) must be set together"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ],
)
async def test_a_bad_setting_stops_the_service_with_a_clear_message(env, variables, needle):
    code, output = await run("migrate", env={**env, **variables})
    assert code == 2
    assert needle in output
    assert "Traceback" not in output


async def test_export_then_import_round_trips_and_never_duplicates(
    env, tmp_path, fresh_database_url
):
    starter = tmp_path / "starter.json"
    # Import the starter book from its own files, then export and re-import the export.
    from grimoire_bot.spellbook.io import FORMAT, starter_spellbook

    starter.write_text(json.dumps({"format": FORMAT, "spells": starter_spellbook()}))
    code, output = await run("spells", "import", str(starter), env=env)
    assert code == 0, output
    created = int(output.split(" created")[0].split()[-1])
    assert created >= 120

    exported = tmp_path / "export.json"
    code, output = await run("spells", "export", "-o", str(exported), env=env)
    assert code == 0, output
    book = json.loads(exported.read_text())
    assert book["format"] == FORMAT
    assert len(book["spells"]) == created

    code, output = await run("spells", "import", str(exported), env=env)
    assert f"0 created, 0 updated, {created} unchanged, 0 failed" in output

    book["spells"][0]["title"] = "A better title"
    book["spells"][1]["error_pattern"] = "(unclosed"
    book["spells"].append({"title": "no key"})
    exported.write_text(json.dumps(book))
    code, output = await run("spells", "import", str(exported), env=env)
    assert code == 1
    assert "0 created, 1 updated" in output
    assert "2 failed" in output
    assert "spell #2" in output and "invalid RE2 pattern" in output
    assert "key" in output
    conn = await asyncpg.connect(fresh_database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM spells") == created
    finally:
        await conn.close()


async def test_import_of_a_file_that_is_not_a_spellbook_says_why(env, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"spells": []}')
    code, output = await run("spells", "import", str(bad), env=env)
    assert code == 2
    assert "grimoire-spellbook/1" in output


async def test_match_prints_the_errors_and_ranked_spells(fresh_database_url):
    env = environment(DATABASE_URL=fresh_database_url)
    code, output = await run("match", f"{LOGS}/tsc.log", env=env)
    assert code == 0, output
    assert "src/api/client.ts:12" in output
    assert "TS2307" in output
    code, output = await run("match", "-", env=env, stdin=b"nothing to see here\n")
    assert code == 1
    assert "no spell matched" in output
    code, output = await run("match", f"{LOGS}/tsc.log", "--repository", "octo/nope", env=env)
    assert code == 2
    assert "not installed on a repository named octo/nope" in output


async def test_receive_dry_run_prints_the_check_run_without_github(fresh_database_url, tmp_path):
    payload = official_payload("workflow_job.completed", installation_id=1)
    path = tmp_path / "workflow_job.completed.json"
    path.write_text(json.dumps(payload))
    # GHE_HOST points nowhere: a dry run must not try to reach GitHub at all.
    env = environment(DATABASE_URL=fresh_database_url, GHE_HOST="127.0.0.1:9", GHE_PROTOCOL="http")
    code, output = await run(
        "receive",
        "-e",
        "workflow_job",
        "-p",
        str(path),
        "--dry-run",
        "--log",
        f"{LOGS}/rust-borrow.log",
        env=env,
    )
    assert code == 0, output
    body = json.loads(output[output.index("{") : output.index("\n}") + 2])
    assert body["name"] == "Grimoire"
    assert body["conclusion"] == "neutral"
    assert body["head_sha"] == payload["workflow_job"]["head_sha"]
    assert [(a["path"], a["start_line"]) for a in body["output"]["annotations"]] == [
        ("src/main.rs", 27)
    ]
    assert "advise_on_failed_job: ok" in output


async def test_receive_refuses_a_payload_that_is_not_json(env, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{nope")
    code, output = await run("receive", "-e", "check_run", "-p", str(path), "--dry-run", env=env)
    assert code == 2
    assert "is not JSON" in output


async def test_receive_logs_carry_the_replayed_delivery_id(fresh_database_url, tmp_path):
    """Lines written while a replay was handled (the spellbook compile, deep in matching)
    carried no delivery id, unlike the same lines in a worker."""
    payload = official_payload("workflow_job.completed", installation_id=1)
    path = tmp_path / "workflow_job.completed.json"
    path.write_text(json.dumps(payload))
    env = environment(
        DATABASE_URL=fresh_database_url,
        GHE_HOST="127.0.0.1:9",
        GHE_PROTOCOL="http",
        LOG_FORMAT="json",
        LOG_LEVEL="info",
    )
    code, output = await run(
        "receive", "-e", "workflow_job", "-p", str(path), "--dry-run",
        "--log", f"{LOGS}/rust-borrow.log", env=env,
    )  # fmt: skip
    assert code == 0, output
    records = [json.loads(line) for line in output.splitlines() if line.startswith('{"')]
    compiled = [r for r in records if "spellbook compiled" in r.get("message", "")]
    assert compiled, output
    assert all(r.get("delivery_id", "").startswith("receive-") for r in compiled), compiled
