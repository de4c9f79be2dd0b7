"""Sign in with GitHub: the App's user authorization, against the fake GitHub's OAuth endpoints."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp
import asyncpg
import pytest

from grimoire_bot.app import create_app
from grimoire_bot.auth.passwords import verify_password
from tests.conftest import make_settings
from tests.github_sign_in import (
    approve,
    bearer_for,
    install,
    login_client,
    sign_in,
)
from tests.support import token_for


@pytest.fixture
async def client(aiohttp_client, fake_github, fresh_database_url):
    return await login_client(aiohttp_client, fake_github, fresh_database_url)


async def query(database_url: str, sql: str, *args):
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_a_new_github_user_gets_a_contributor_account_and_a_bearer_token(
    client, fake_github, fresh_database_url
):
    await install(fake_github, fresh_database_url)
    response = await sign_in(client, fake_github, "mona")
    assert response.status == 200, await response.text()
    body = await response.json()
    mona_id = fake_github.users["mona"].id
    assert body["token_type"] == "bearer"
    assert body["created"] is True
    assert body["github"] == {"id": mona_id, "login": "mona"}
    assert body["user"]["role"] == "contributor"
    assert body["user"]["email"] == f"{mona_id}+mona@users.noreply.127.0.0.1"
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert (await me.json())["id"] == body["user"]["id"]

    again = await (await sign_in(client, fake_github, "mona")).json()
    assert (again["created"], again["user"]["id"]) == (False, body["user"]["id"])
    # The account has no password anyone could guess, not even the stored marker.
    rows = await query(fresh_database_url, "SELECT password_hash FROM users")
    assert not verify_password(rows[0]["password_hash"], rows[0]["password_hash"])


async def test_the_flow_sends_githubs_parameters_and_binds_the_browser(client, fake_github):
    response = await client.get("/auth/github/login", allow_redirects=False)
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == fake_github.html_url
    assert location.path == "/login/oauth/authorize"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["client_id"] == fake_github.client_id
    assert params["redirect_uri"] == "http://grimoire.test/auth/github/callback"
    assert params["code_challenge_method"] == "S256" and len(params["state"]) >= 32
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/auth/github" in cookie

    exchange = [r for r in fake_github.requests if r.path == "/login/oauth/access_token"]
    assert exchange == []


async def test_a_state_works_once_and_only_in_the_browser_that_started_it(
    client, fake_github, fresh_database_url
):
    await install(fake_github, fresh_database_url)
    start = await (await client.post("/auth/github/start")).json()
    callback = await approve(fake_github, start["authorize_url"], "mona")

    # Another browser (no cookie) brings the code back: refused, and the state is spent.
    async with (
        aiohttp.ClientSession() as other_browser,
        other_browser.get(client.make_url("/auth/github/callback"), params=callback) as stolen,
    ):
        assert stolen.status == 400
        assert "another browser" in (await stolen.json())["detail"]
    replay = await client.get("/auth/github/callback", params=callback)
    assert replay.status == 400
    assert "Unknown, used or expired state" in (await replay.json())["detail"]
    assert await query(fresh_database_url, "SELECT * FROM users") == []

    forged = await client.get("/auth/github/callback", params={"code": "x", "state": "made-up"})
    assert forged.status == 400


async def test_an_expired_state_is_refused(client, fake_github, fresh_database_url):
    start = await (await client.post("/auth/github/start")).json()
    callback = await approve(fake_github, start["authorize_url"], "mona")
    await query(fresh_database_url, "UPDATE oauth_states SET expires_at = now() - interval '1 s'")
    response = await client.get("/auth/github/callback", params=callback)
    assert response.status == 400
    assert "expired" in (await response.json())["detail"]


async def test_github_refusals_are_clear_400s(client, fake_github):
    denied = await client.get(
        "/auth/github/callback",
        params={"error": "access_denied", "error_description": "The user has denied", "state": "s"},
    )
    assert denied.status == 400
    assert "access_denied" in (await denied.json())["detail"]

    start = await (await client.post("/auth/github/start")).json()
    callback = await approve(fake_github, start["authorize_url"], "mona")
    fake_github.codes[callback["code"]].used = True  # e.g. redeemed by someone else
    response = await client.get("/auth/github/callback", params=callback)
    assert response.status == 400
    assert "bad_verification_code" in (await response.json())["detail"]


async def test_signed_in_users_link_their_github_identity(client, fake_github):
    password_user = await token_for(client, "ada@example.com")
    linked = await sign_in(client, fake_github, "ada-gh", headers=password_user)
    assert linked.status == 200, await linked.text()
    body = await linked.json()
    assert (body["created"], body["user"]["email"]) == (False, "ada@example.com")
    # From now on GitHub signs in to that account.
    again = await (await sign_in(client, fake_github, "ada-gh")).json()
    assert again["user"]["email"] == "ada@example.com"

    # Another account cannot take the same GitHub identity.
    other = await token_for(client, "bob@example.com")
    taken = await sign_in(client, fake_github, "ada-gh", headers=other)
    assert taken.status == 409
    assert "linked to another account" in (await taken.json())["detail"]
    # Nor can ada's account link a second identity.
    second = await sign_in(client, fake_github, "ada-alt", headers=password_user)
    assert second.status == 409


async def test_a_locked_account_can_still_sign_in_through_github(client, fake_github):
    password_user = await token_for(client, "admin@example.com")
    assert (await sign_in(client, fake_github, "the-admin", headers=password_user)).status == 200
    for _ in range(6):
        await client.post(
            "/auth/login", json={"email": "admin@example.com", "password": "wrong password"}
        )
    locked = await client.post(
        "/auth/login", json={"email": "admin@example.com", "password": "correct horse battery"}
    )
    assert locked.status == 429
    response = await sign_in(client, fake_github, "the-admin")
    assert response.status == 200
    assert (await response.json())["user"]["role"] == "admin"


async def test_a_deactivated_account_cannot_sign_in_through_github(
    client, fake_github, fresh_database_url
):
    await install(fake_github, fresh_database_url)
    await bearer_for(client, fake_github, "mona")
    await query(fresh_database_url, "UPDATE users SET is_active = false")
    response = await sign_in(client, fake_github, "mona")
    assert response.status == 403


async def test_closed_signup_admits_only_people_with_access_to_an_installation(
    aiohttp_client, fake_github, fresh_database_url
):
    ids = await install(fake_github, fresh_database_url)
    client = await login_client(aiohttp_client, fake_github, fresh_database_url, allow_signup=False)
    stranger = await sign_in(client, fake_github, "stranger")
    assert stranger.status == 403
    assert "Signup is closed" in (await stranger.json())["detail"]
    fake_github.grant("member", "octo-org/widgets", "read")
    member = await sign_in(client, fake_github, "member")
    assert member.status == 200
    assert ids["octo-org/widgets"]


async def test_without_client_credentials_github_sign_in_is_503(aiohttp_client, fresh_database_url):
    client = await aiohttp_client(create_app(make_settings(), fresh_database_url))
    for method, path in (
        ("POST", "/auth/github/start"),
        ("GET", "/auth/github/login"),
        ("GET", "/auth/github/callback?code=a&state=b"),
    ):
        response = await client.request(method, path, allow_redirects=False)
        assert response.status == 503, path
        assert "GITHUB_CLIENT_ID" in (await response.json())["detail"]


async def test_the_users_github_token_is_stored_only_sealed(
    client, fake_github, fresh_database_url
):
    await install(fake_github, fresh_database_url)
    await bearer_for(client, fake_github, "mona")
    issued = [t.token for t in fake_github.user_tokens.values()]
    refresh = list(fake_github.refresh_tokens)
    rows = await query(fresh_database_url, "SELECT * FROM github_identities")
    stored = b"".join(
        bytes(value) if isinstance(value, bytes) else str(value).encode()
        for row in rows
        for value in row.values()
    )
    assert len(rows) == 1 and rows[0]["access_token"]
    for secret in issued + refresh:
        assert secret.encode() not in stored


async def test_github_tokens_without_expiry_work_too(client, fake_github, fresh_database_url):
    fake_github.expiring_user_tokens = False
    await install(fake_github, fresh_database_url)
    fake_github.grant("mona", "octo-org/widgets", "admin")
    headers = await bearer_for(client, fake_github, "mona")
    response = await client.get("/api/repos", headers=headers)
    assert [r["full_name"] for r in await response.json()] == ["octo-org/widgets"]


async def test_an_unreachable_github_is_503_not_500(client, fake_github, fresh_database_url):
    start = await (await client.post("/auth/github/start")).json()
    callback = await approve(fake_github, start["authorize_url"], "mona")
    fake_github.inject("GET", r"^/user$", 502, times=10)
    response = await client.get("/auth/github/callback", params=callback)
    assert response.status == 503
    assert "GitHub is not answering" in (await response.json())["detail"]
