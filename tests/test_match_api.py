"""POST /api/match: the errors in a log and the spells that fix them, from the live spellbook."""

from __future__ import annotations

import pytest

from grimoire_bot.app import create_app
from grimoire_bot.db import advice as db_advice
from grimoire_bot.db import installations as db_installations
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


async def create_spell(client, headers: dict[str, str], **fields) -> int:
    """A curator's new spell through the API; its id."""
    created = await client.post("/api/spells", json=fields, headers=headers)
    assert created.status == 201, await created.text()
    return (await created.json())["id"]


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
    spell_id = await create_spell(
        client,
        headers,
        title="Widget explosion",
        error_pattern=r"grimoire-widget exploded while (\w+)",
        solution_code="pin the flux capacitor",
    )
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


TWO_FITTING_SPELLS_LOG = "src/a.py:3:1: error: widget frobnication failed\n"


async def install(pool, full_name: str, repository_id: int, *, private: bool = False) -> None:
    async with pool.acquire() as conn:
        await db_installations.upsert_installation(conn, {"id": 4242, "account": {"login": "o"}})
        await db_installations.add_repositories(
            conn, 4242, [{"id": repository_id, "full_name": full_name, "private": private}]
        )


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=2) as pool:
        yield pool


async def two_fitting_spells(pool) -> dict[str, int]:
    for key, pattern in (
        ("test.general", r"widget frobnication failed"),
        ("test.specific", r"error: widget frobnication failed"),
    ):
        await pool.execute(
            "INSERT INTO spells (key, title, error_pattern, solution_code) VALUES ($1, $1, $2, 'x')",
            key,
            pattern,
        )
    return {r["key"]: r["id"] for r in await pool.fetch("SELECT key, id FROM spells")}


async def ranked_ids(client, **body) -> list[int]:
    response = await client.post("/api/match", json={"log": TWO_FITTING_SPELLS_LOG, **body})
    assert response.status == 200, await response.text()
    return [m["spell"]["id"] for m in (await response.json())["matches"]]


async def test_a_repositorys_votes_move_its_ranking_and_no_other(client, pool):
    ids = await two_fitting_spells(pool)
    await install(pool, "octo/app", 501)
    await install(pool, "octo/other", 502)
    before = await ranked_ids(client)
    assert await ranked_ids(client, repository="octo/app") == before
    async with pool.acquire() as conn:
        for voter in (1, 2, 3):
            await db_advice.record_vote(
                conn,
                spell_id=before[0],
                repository_id=501,
                voter_id=voter,
                voter_login=f"voter{voter}",
                vote=-1,
                check_run_id=None,
            )
    assert await ranked_ids(client, repository="OCTO/app") == before[::-1]
    # Elsewhere, votes from octo/app weigh too little to overturn the ranking.
    assert await ranked_ids(client, repository="octo/other") == before
    assert await ranked_ids(client) == before
    assert set(before) == set(ids.values())


async def test_the_repositorys_threshold_applies_unless_the_request_sets_one(client, pool):
    await two_fitting_spells(pool)
    await install(pool, "octo/app", 501)
    async with pool.acquire() as conn:
        await db_installations.save_settings(
            conn, 501, {**db_installations.SETTINGS_DEFAULTS, "min_score": 0.99}, None
        )
    assert await ranked_ids(client, repository="octo/app") == []
    assert len(await ranked_ids(client, repository="octo/app", min_score=0.5)) == 2


async def test_the_repositorys_name_marks_where_its_checkout_starts_in_a_local_path(client, pool):
    # A traceback from someone's machine: only the repository's name says where it starts.
    log = (
        "Traceback (most recent call last):\n"
        '  File "/home/ana/Desktop/opensrc/oppia/core/domain/story_services_test.py", line 665, in t\n'
        "    self.assertEqual(index, 1)\n"
        "AssertionError: 0 != 1\n"
    )
    await install(pool, "oppia/oppia", 503)
    places = []
    for body in ({}, {"repository": "oppia/oppia"}):
        response = await client.post("/api/match", json={"log": log, **body})
        assert response.status == 200, await response.text()
        places.append([(e["file"], e["line"]) for e in (await response.json())["errors"]])
    assert places[0] != places[1]
    assert places[1] == [("core/domain/story_services_test.py", 665)]


async def test_a_malformed_repository_is_a_422_naming_the_field(client, pool):
    for bad in ("not a repository", "a/b/c", "octo/app\n"):
        response = await client.post(
            "/api/match", json={"log": TWO_FITTING_SPELLS_LOG, "repository": bad}
        )
        assert response.status == 422, bad
        [problem] = (await response.json())["detail"]
        assert problem["loc"] == ["body", "repository"]


async def test_a_well_formed_repository_grimoire_is_not_installed_on_is_404(client, pool):
    """Valid by the schema, so not a 422: a name of nothing, as a missing spell id is."""
    response = await client.post(
        "/api/match", json={"log": TWO_FITTING_SPELLS_LOG, "repository": "octo/nowhere"}
    )
    assert response.status == 404
    assert await response.json() == {
        "detail": "Grimoire is not installed on a repository named octo/nowhere"
    }


async def test_a_private_repository_is_only_known_to_signed_in_callers(client, pool):
    """Anyone could learn which private repositories have Grimoire installed."""
    await two_fitting_spells(pool)
    await install(pool, "octo/secret", 503, private=True)
    body = {"log": TWO_FITTING_SPELLS_LOG, "repository": "octo/secret"}
    anonymous = await client.post("/api/match", json=body)
    unknown = await client.post("/api/match", json={**body, "repository": "octo/nowhere"})
    assert anonymous.status == unknown.status == 404
    assert (await anonymous.json())["detail"].replace("secret", "nowhere") == (
        await unknown.json()
    )["detail"]
    signed_in = await client.post("/api/match", json=body, headers=await token_for(client))
    assert signed_in.status == 200, await signed_in.text()
    assert len((await signed_in.json())["matches"]) == 2
    forged = await client.post(
        "/api/match", json=body, headers={"Authorization": "Bearer not-a-token"}
    )
    assert forged.status == 401


async def test_a_private_repository_ranks_only_for_callers_github_lets_see_it(
    aiohttp_client, fake_github, fresh_database_url
):
    """Any signed-in account could rank with a private repository's votes and threshold,
    learning that Grimoire is installed there, whatever GitHub let it see."""
    from tests.github_sign_in import bearer_for, install, login_client

    client = await login_client(aiohttp_client, fake_github, fresh_database_url)
    ids = await install(fake_github, fresh_database_url)
    async with open_pool(fresh_database_url, max_size=2) as pool:
        await two_fitting_spells(pool)
    admin = await token_for(client, "admin@example.com")
    contributor = await token_for(client, "contributor@example.com")
    fake_github.grant("mona", "octo-org/secret-sauce", "read")
    fake_github.add_user("nina")
    mona = await bearer_for(client, fake_github, "mona")
    nina = await bearer_for(client, fake_github, "nina")
    body = {"log": TWO_FITTING_SPELLS_LOG, "repository": "octo-org/secret-sauce"}
    assert ids["octo-org/secret-sauce"]

    for who, headers in (("admin", admin), ("reader on GitHub", mona)):
        allowed = await client.post("/api/match", json=body, headers=headers)
        assert allowed.status == 200, (who, await allowed.text())
        assert len((await allowed.json())["matches"]) == 2
    unknown = await client.post(
        "/api/match", json={**body, "repository": "octo-org/nowhere"}, headers=admin
    )
    for who, headers in (("no GitHub identity", contributor), ("not on GitHub", nina), ("", {})):
        refused = await client.post("/api/match", json=body, headers=headers)
        assert refused.status == 404, (who, await refused.text())
        # Told exactly what a repository that is not installed gets: its existence stays private.
        assert (await refused.json())["detail"].replace("secret-sauce", "nowhere") == (
            await unknown.json()
        )["detail"]
    # A public repository needs nobody's permission.
    public = await client.post(
        "/api/match", json={**body, "repository": "octo-org/widgets"}, headers=contributor
    )
    assert public.status == 200


async def test_a_spell_is_found_for_another_wording_when_the_tool_prints_its_fix(client):
    spell_id = await create_spell(
        client,
        await token_for(client),
        title="git refuses a repository owned by another user",
        error_type="git",
        error_pattern=r"detected dubious ownership in repository at '[^']+'",
        solution_code='git config --global --add safe.directory "$GITHUB_WORKSPACE"',
        tags="git,containers",
    )
    # git 2.35.2 words it otherwise, and prints the same fix under it
    log = (
        "fatal: unsafe repository ('/github/workspace' is owned by someone else)\n"
        "To add an exception for this directory, call:\n\n"
        "\tgit config --global --add safe.directory /github/workspace\n"
    )
    body = await (await client.post("/api/match", json={"log": log})).json()
    assert [(m["spell"]["id"], m["reason"]) for m in body["matches"]] == [(spell_id, "similar")]


async def test_a_spell_written_for_gccs_wording_is_offered_for_clangs(client):
    spell_id = await create_spell(
        client,
        await token_for(client),
        title="A header file cannot be found",
        error_pattern=r"fatal error: [\w./+-]+\.h: No such file or directory",
        solution_code="apt-get install libssl-dev",
    )
    log = (
        "/Users/runner/work/app/app/src/tls.c:3:10: fatal error: 'openssl/ssl.h' file not found\n"
        "#include <openssl/ssl.h>\n         ^~~~~~~~~~~~~~~\n1 error generated.\n"
    )
    body = await (await client.post("/api/match", json={"log": log})).json()
    best = body["matches"][0]
    assert best["spell"]["id"] == spell_id
    assert best["reason"] == "similar"
    assert body["errors"][best["error_index"]]["file"] == "src/tls.c"
