"""Who may see and configure a repository: Grimoire admins, and people GitHub says may."""

from __future__ import annotations

import asyncpg
import pytest

from tests.github_sign_in import bearer_for, install, login_client
from tests.support import token_for

WIDGETS = "octo-org/widgets"
SECRET = "octo-org/secret-sauce"


@pytest.fixture
async def client(aiohttp_client, fake_github, fresh_database_url):
    return await login_client(aiohttp_client, fake_github, fresh_database_url)


@pytest.fixture
async def ids(fake_github, fresh_database_url):
    return await install(fake_github, fresh_database_url)


async def execute(database_url: str, sql: str, *args) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


def user_requests(fake, path: str) -> int:
    return len(fake.requests_to("GET", path))


async def test_accounts_see_only_the_repositories_github_lets_them_see(client, fake_github, ids):
    """Any account could read every installed repository, private names included."""
    admin = await token_for(client, "admin@example.com")
    curator = await token_for(client, "curator@example.com")
    fake_github.grant("mona", WIDGETS, "write")
    mona = await bearer_for(client, fake_github, "mona")

    everything = await client.get("/api/repos", headers=admin)
    assert everything.headers["X-Total-Count"] == "3"
    # An account without a GitHub identity sees nothing at all.
    nothing = await client.get("/api/repos", headers=curator)
    assert (await nothing.json(), nothing.headers["X-Total-Count"]) == ([], "0")
    visible = await client.get("/api/repos", headers=mona)
    assert [r["full_name"] for r in await visible.json()] == [WIDGETS]
    assert visible.headers["X-Total-Count"] == "1"

    hidden = await client.get(f"/api/repos/{SECRET}", headers=mona)
    missing = await client.get("/api/repos/octo-org/no-such-repo", headers=mona)
    # The same answer for "private" and "not installed": the name is not confirmed.
    assert (hidden.status, missing.status) == (404, 404)
    assert "not visible to you" in (await hidden.json())["detail"]
    assert (await client.get(f"/api/repos/{WIDGETS}", headers=mona)).status == 200


async def test_only_admins_and_github_repository_admins_change_settings(client, fake_github, ids):
    """Any account could switch Grimoire off for any repository."""
    admin = await token_for(client, "admin@example.com")
    curator = await token_for(client, "curator@example.com")
    fake_github.grant("writer", WIDGETS, "maintain")
    fake_github.grant("owner", WIDGETS, "admin")
    writer = await bearer_for(client, fake_github, "writer")
    owner = await bearer_for(client, fake_github, "owner")
    change = {"enabled": False}

    assert (await client.put(f"/api/repos/{WIDGETS}", json=change, headers=curator)).status == 404
    refused = await client.put(f"/api/repos/{WIDGETS}", json=change, headers=writer)
    assert refused.status == 403
    assert "needs admin permission" in (await refused.json())["detail"]
    assert "maintain" in (await refused.json())["detail"]
    allowed = await client.put(f"/api/repos/{WIDGETS}", json=change, headers=owner)
    assert allowed.status == 200, await allowed.text()
    assert (await allowed.json())["settings"]["enabled"] is False
    assert (await client.put(f"/api/repos/{SECRET}", json=change, headers=owner)).status == 404
    assert (await client.put(f"/api/repos/{SECRET}", json=change, headers=admin)).status == 200


async def test_permissions_are_cached_for_minutes_then_asked_again(
    client, fake_github, fresh_database_url, ids
):
    fake_github.grant("owner", WIDGETS, "admin")
    owner = await bearer_for(client, fake_github, "owner")
    asked = user_requests(fake_github, "/user/installations")
    for _ in range(3):
        assert (await client.get(f"/api/repos/{WIDGETS}", headers=owner)).status == 200
    assert user_requests(fake_github, "/user/installations") == asked

    fake_github.revoke("owner", WIDGETS)
    # Within the cache's age GitHub is not asked again (every process reads the same rows)...
    assert (await client.get(f"/api/repos/{WIDGETS}", headers=owner)).status == 200
    # ...and once it is old, the next request asks GitHub and follows its answer.
    await execute(
        fresh_database_url,
        "UPDATE github_identities SET permissions_checked_at = now() - interval '6 minutes'",
    )
    assert (await client.get(f"/api/repos/{WIDGETS}", headers=owner)).status == 404
    assert user_requests(fake_github, "/user/installations") == asked + 1


async def test_an_expired_user_token_is_refreshed_once(
    client, fake_github, fresh_database_url, ids
):
    fake_github.grant("owner", WIDGETS, "admin")
    owner = await bearer_for(client, fake_github, "owner")
    fake_github.expire_user_tokens("owner")
    await execute(
        fresh_database_url,
        "UPDATE github_identities SET access_expires_at = now() - interval '1 minute', "
        "permissions_checked_at = now() - interval '1 hour'",
    )
    response = await client.put(f"/api/repos/{WIDGETS}", json={"enabled": False}, headers=owner)
    assert response.status == 200, await response.text()
    refreshes = [
        r
        for r in fake_github.requests
        if r.path == "/login/oauth/access_token" and b"grant_type=refresh_token" in r.body
    ]
    assert len(refreshes) == 1


async def test_a_revoked_authorization_leaves_nothing_visible(
    client, fake_github, fresh_database_url, ids
):
    fake_github.grant("owner", WIDGETS, "admin")
    owner = await bearer_for(client, fake_github, "owner")
    fake_github.revoke_user_tokens("owner")
    await execute(
        fresh_database_url,
        "UPDATE github_identities SET permissions_checked_at = now() - interval '1 hour'",
    )
    response = await client.get("/api/repos", headers=owner)
    assert (response.status, await response.json()) == (200, [])
    conn = await asyncpg.connect(fresh_database_url)
    try:
        tokens = await conn.fetchrow("SELECT access_token, refresh_token FROM github_identities")
    finally:
        await conn.close()
    assert tuple(tokens) == (None, None)


async def test_github_down_with_an_old_cache_is_503(client, fake_github, fresh_database_url, ids):
    fake_github.grant("owner", WIDGETS, "admin")
    owner = await bearer_for(client, fake_github, "owner")
    await execute(
        fresh_database_url,
        "UPDATE github_identities SET permissions_checked_at = now() - interval '1 hour'",
    )
    fake_github.inject("GET", r"^/user/installations", 503, times=10)
    response = await client.get("/api/repos", headers=owner)
    assert response.status == 503
    assert "GitHub cannot say" in (await response.json())["detail"]


async def test_public_spell_statistics_never_name_a_repository(
    client, fake_github, fresh_database_url, ids
):
    conn = await asyncpg.connect(fresh_database_url)
    try:
        spell_id = await conn.fetchval(
            "INSERT INTO spells (title, error_pattern, solution_code) "
            "VALUES ('t', 'boom', 'fix') RETURNING id"
        )
        run_id = await conn.fetchval(
            "INSERT INTO advice_runs (repository_id, repository, head_sha, external_id, "
            "source_name) VALUES ($1, $2, 'abc', 'grimoire:1', 'build') RETURNING id",
            ids[SECRET],
            SECRET,
        )
        await conn.execute(
            "INSERT INTO advice_run_spells (advice_run_id, spell_id, score) VALUES ($1, $2, 0.9)",
            run_id,
            spell_id,
        )
        await conn.execute(
            "INSERT INTO spell_votes (spell_id, repository_id, voter_id, voter_login, vote) "
            "VALUES ($1, $2, 1, 'octocat', 1)",
            spell_id,
            ids[SECRET],
        )
    finally:
        await conn.close()
    response = await client.get(f"/api/spells/{spell_id}")
    text = await response.text()
    assert (await response.json())["stats"]["matches"] == 1
    assert "secret-sauce" not in text and "octocat" not in text


async def test_a_private_repositorys_advice_is_only_for_those_who_may_see_it(
    client, fake_github, ids, fresh_database_url
):
    """Any signed-in account could read the whole advice on a private repository's commit:
    its errors, file paths and fixes."""
    sha = "c" * 40
    await execute(
        fresh_database_url,
        "INSERT INTO commit_runs (repository_id, repository, head_sha, external_id)"
        " VALUES ($1, $2, $3, $3)",
        ids[SECRET],
        SECRET,
        sha,
    )
    admin = await token_for(client, "admin@example.com")
    curator = await token_for(client, "curator@example.com")
    fake_github.grant("mona", WIDGETS, "write")
    mona = await bearer_for(client, fake_github, "mona")
    fake_github.grant("hubot", SECRET, "read")
    hubot = await bearer_for(client, fake_github, "hubot")

    path = f"/api/advice/{SECRET}/{sha}"
    statuses = {
        who: (await client.get(path, headers=headers)).status
        for who, headers in {
            "anonymous": {},
            "curator without GitHub": curator,
            "mona, who cannot see it": mona,
            "hubot, who may read it": hubot,
            "admin": admin,
        }.items()
    }
    assert statuses == {
        "anonymous": 404,
        "curator without GitHub": 404,
        "mona, who cannot see it": 404,
        "hubot, who may read it": 200,
        "admin": 200,
    }
    hidden = await client.get(path, headers=mona)
    assert "no advice" in (await hidden.json())["detail"]
    bad_token = await client.get(path, headers={"Authorization": "Bearer nonsense"})
    assert bad_token.status == 401
