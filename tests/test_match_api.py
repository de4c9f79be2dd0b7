"""POST /api/match: the errors in a log and the spells that fix them, from the live spellbook."""

from __future__ import annotations

import pytest

from grimoire_bot.app import create_app
from grimoire_bot.db import open_pool
from grimoire_bot.spellbook import io as spellbook_io
from tests.conftest import make_settings
from tests.support import token_for

TRACEBACK = """\
2024-05-01T10:00:00.0000000Z ##[group]Run pytest
2024-05-01T10:00:01.0000000Z ============================= test session starts ==============================
2024-05-01T10:00:02.0000000Z ImportError while importing test module '/home/runner/work/app/app/tests/test_api.py'.
2024-05-01T10:00:02.0000000Z Traceback:
2024-05-01T10:00:02.0000000Z tests/test_api.py:3: in <module>
2024-05-01T10:00:02.0000000Z     import requests
2024-05-01T10:00:02.0000000Z E   ModuleNotFoundError: No module named 'requests'
2024-05-01T10:00:03.0000000Z ##[error]Process completed with exit code 2.
"""
GREEN = "collected 12 items\n\ntests/test_a.py ............ [100%]\n\n12 passed in 0.40s\n"


@pytest.fixture
async def seeded(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=2) as pool, pool.acquire() as conn:
        report = await spellbook_io.seed_if_empty(conn)
    assert report is not None and not report.errors


async def test_a_failing_log_gets_its_errors_and_ranked_spells(client, seeded):
    response = await client.post("/api/match", json={"log": TRACEBACK, "limit": 3})
    assert response.status == 200, await response.text()
    body = await response.json()
    error = body["errors"][body["matches"][0]["error_index"]]
    assert error["error_type"] == "ModuleNotFoundError"
    assert error["file"] == "tests/test_api.py"
    assert error["line"] == 3
    assert error["fingerprint"]
    best = body["matches"][0]
    assert best["reason"] == "pattern"
    assert 0 < best["score"] <= 1
    assert "ModuleNotFoundError" in best["spell"]["error_pattern"]
    assert {"id", "title", "solution_code", "tags", "status"} <= set(best["spell"])
    scores = [m["score"] for m in body["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert len(body["matches"]) <= 3


async def test_a_green_log_gets_no_spell(client, seeded):
    body = await (await client.post("/api/match", json={"log": GREEN})).json()
    assert body["matches"] == []


async def test_a_new_spell_is_matched_by_every_process_at_once(
    aiohttp_client, client, fresh_database_url
):
    other_process = await aiohttp_client(create_app(make_settings(), fresh_database_url))
    log = "fatal: grimoire-widget exploded while frobnicating the flux capacitor\n"
    assert (await (await other_process.post("/api/match", json={"log": log})).json())[
        "matches"
    ] == []

    headers = await token_for(client)
    created = await client.post(
        "/api/spells",
        json={
            "title": "Widget explosion",
            "error_pattern": r"grimoire-widget exploded while (\w+)",
            "solution_code": "pin the flux capacitor",
        },
        headers=headers,
    )
    spell_id = (await created.json())["id"]
    body = await (await other_process.post("/api/match", json={"log": log})).json()
    assert [m["spell"]["id"] for m in body["matches"]] == [spell_id]

    await client.delete(f"/api/spells/{spell_id}", headers=headers)
    body = await (await other_process.post("/api/match", json={"log": log})).json()
    assert body["matches"] == []


async def test_match_validates_its_input(client):
    for bad in ({"log": ""}, {"log": "x", "limit": 0}, {"log": "x", "limit": 51}, {"limit": 3}):
        response = await client.post("/api/match", json=bad)
        assert response.status == 422, bad
    response = await client.post(
        "/api/match", data=b"{log", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400


async def test_a_log_over_10_mb_is_413(client):
    response = await client.post("/api/match", json={"log": "x" * (10 * 1024 * 1024 + 1)})
    assert response.status == 413
    assert "too large" in (await response.json())["detail"]


MSBUILD_LOG = (
    "Controllers\\OrdersController.cs(42,13): error CS1061: 'Order' does not contain a "
    "definition for 'Totl' [D:\\a\\1\\s\\src\\Shop.Api\\Shop.Api.csproj]\n"
    "Program.cs(3,1): error CS1002: ; expected\n"
)


async def test_files_resolve_each_errors_path_to_a_repository_file(client, seeded):
    files = [
        "src/Shop.Api/Controllers/OrdersController.cs",
        "src/Shop.Api/Program.cs",
        "src/Shop.Worker/Program.cs",
    ]
    response = await client.post("/api/match", json={"log": MSBUILD_LOG, "files": files})
    assert response.status == 200, await response.text()
    errors = (await response.json())["errors"]
    assert [(e["file"], e["line"], e["path_status"]) for e in errors] == [
        ("src/Shop.Api/Controllers/OrdersController.cs", 42, "found"),
        ("Program.cs", 3, "ambiguous"),  # two projects have one: the text is kept
    ]


async def test_without_files_paths_are_left_unchecked(client, seeded):
    errors = (await (await client.post("/api/match", json={"log": MSBUILD_LOG})).json())["errors"]
    assert len(errors) == 2
    assert {e["path_status"] for e in errors} == {"unchecked"}


@pytest.mark.parametrize("files", ["src/a.py", [3], ["x" * 5000]])
async def test_bad_files_are_refused_with_422_naming_the_field(client, seeded, files):
    response = await client.post("/api/match", json={"log": MSBUILD_LOG, "files": files})
    assert response.status == 422
    assert any("files" in map(str, problem["loc"]) for problem in (await response.json())["detail"])
