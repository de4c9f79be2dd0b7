"""Accounts: the seed's contract, plus revocation, throttling, roles and password changes."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.conftest import TEST_SECRET_KEY, make_settings

PASSWORD = "correct horse battery"


async def signup(client, email: str = "ada@example.com", password: str = PASSWORD):
    return await client.post("/auth/signup", json={"email": email, "password": password})


async def test_signup_returns_a_bearer_token_and_the_user(client):
    response = await signup(client)
    assert response.status == 201
    body = await response.json()
    assert body["token_type"] == "bearer"
    assert set(body["user"]) >= {"id", "email", "is_active", "created_at"}
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["is_active"] is True
    claims = jwt.decode(body["access_token"], TEST_SECRET_KEY, algorithms=["HS256"])
    assert set(claims) == {"sub", "iat", "exp", "jti", "gen"}
    assert claims["exp"] - claims["iat"] == 1440 * 60


async def test_outside_production_the_first_account_is_admin_and_later_ones_contributors(client):
    first = await (await signup(client, "first@example.com")).json()
    second = await (await signup(client, "second@example.com")).json()
    assert first["user"]["role"] == "admin"
    assert second["user"]["role"] == "contributor"


async def test_in_production_the_first_signup_is_only_a_contributor(
    aiohttp_client, fresh_database_url
):
    """Whoever signed up first on a production server became its admin."""
    from grimoire_bot.app import create_app
    from grimoire_bot.settings import AppEnv

    production = make_settings(app_env=AppEnv.PRODUCTION, allow_signup=True)
    client = await aiohttp_client(create_app(production, fresh_database_url))
    first = await (await signup(client, "first@example.com")).json()
    assert first["user"]["role"] == "contributor"
    admin_only = await client.get(
        "/api/users", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert admin_only.status == 403


@pytest.mark.parametrize(
    ("env", "open_"),
    [
        ({}, True),
        ({"APP_ENV": "test"}, True),
        ({"APP_ENV": "production"}, False),
        ({"APP_ENV": "production", "ALLOW_SIGNUP": "true"}, True),
        ({"ALLOW_SIGNUP": "false"}, False),
    ],
)
def test_signup_is_open_by_default_only_outside_production(env, open_):
    from grimoire_bot.settings import Settings

    production = {"SECRET_KEY": "k" * 32, "WEBHOOK_SECRET": "w", "DATABASE_URL": "postgresql://x"}
    settings = Settings.from_env({**production, **env})
    assert settings.allow_signup is open_


async def test_a_registered_email_is_refused_with_409_whatever_its_case(client):
    assert (await signup(client, "Ada@Example.com")).status == 201
    response = await signup(client, "ada@example.COM")
    assert response.status == 409
    assert await response.json() == {"detail": "Email already registered"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"password": PASSWORD}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": 12345678}, "password"),
    ],
)
async def test_invalid_signup_fields_get_422_naming_the_field(client, body, field):
    response = await client.post("/auth/signup", json=body)
    assert response.status == 422
    detail = (await response.json())["detail"]
    assert any(error["loc"] == ["body", field] for error in detail), detail
    assert PASSWORD not in str(detail), "a validation error must never echo a password"


async def test_login_returns_the_same_body_shape_as_signup(client):
    await signup(client)
    response = await client.post(
        "/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.status == 200
    body = await response.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["email"] == "ada@example.com"


async def test_wrong_password_and_unknown_email_get_the_same_401(client):
    await signup(client)
    wrong_password = await client.post(
        "/auth/login", json={"email": "ada@example.com", "password": "not the password"}
    )
    unknown_email = await client.post(
        "/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong_password.status == unknown_email.status == 401
    assert await wrong_password.json() == await unknown_email.json()


async def test_unknown_email_costs_about_as_long_as_a_wrong_password(client):
    await signup(client)

    async def timed(email: str) -> float:
        start = time.perf_counter()
        await client.post("/auth/login", json={"email": email, "password": "wrong password!"})
        return time.perf_counter() - start

    # Warm up the dummy hash, then compare medians of a few tries each.
    await timed("nobody@example.com")
    known = sorted([await timed("ada@example.com") for _ in range(3)])[1]
    unknown = sorted([await timed(f"nobody{i}@example.com") for i in range(3)])[1]
    assert unknown > known / 3, (known, unknown)


async def test_me_needs_a_token_and_returns_the_account(client):
    token = (await (await signup(client)).json())["access_token"]
    anonymous = await client.get("/auth/me")
    assert anonymous.status == 401
    assert await anonymous.json() == {"detail": "Not authenticated"}
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200
    assert (await me.json())["email"] == "ada@example.com"


async def test_a_forged_or_expired_token_is_refused(client):
    user_id = (await (await signup(client)).json())["user"]["id"]
    now = int(time.time())
    forged = jwt.encode(
        {
            "sub": str(user_id),
            "iat": now,
            "exp": now + 60,
            "jti": "00000000-0000-0000-0000-000000000000",
        },
        "some-other-key-that-is-also-long-enough",
        algorithm="HS256",
    )
    expired = jwt.encode(
        {
            "sub": str(user_id),
            "iat": now - 7200,
            "exp": now - 3600,
            "jti": "00000000-0000-0000-0000-000000000001",
        },
        TEST_SECRET_KEY,
        algorithm="HS256",
    )
    for token in (forged, expired, "not-a-jwt"):
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status == 401
        assert await response.json() == {"detail": "Could not validate credentials"}


async def test_logout_revokes_the_token_in_every_process(
    aiohttp_client, client, fresh_database_url
):
    from grimoire_bot.app import create_app

    token = (await (await signup(client)).json())["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    other_process = await aiohttp_client(create_app(make_settings(), fresh_database_url))
    assert (await other_process.get("/auth/me", headers=auth)).status == 200

    response = await client.post("/auth/logout", headers=auth)
    assert response.status == 200
    assert await response.json() == {"message": "Successfully logged out"}

    assert (await client.get("/auth/me", headers=auth)).status == 401
    assert (await other_process.get("/auth/me", headers=auth)).status == 401
    # A fresh login still works.
    login = await client.post(
        "/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert login.status == 200


async def test_repeated_failures_lock_the_account_with_retry_after(client):
    await signup(client)
    statuses = []
    for _ in range(5):
        response = await client.post(
            "/auth/login", json={"email": "ada@example.com", "password": "wrong password!"}
        )
        statuses.append(response.status)
    assert statuses[:4] == [401] * 4
    assert statuses[4] == 429
    locked = await client.post(
        "/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert locked.status == 429, "the right password must not slip through a lock"
    retry_after = int(locked.headers["Retry-After"])
    assert 1 <= retry_after <= 30
    assert "try again" in (await locked.json())["detail"]
    # Another account is not affected.
    await signup(client, "grace@example.com")
    other = await client.post(
        "/auth/login", json={"email": "grace@example.com", "password": PASSWORD}
    )
    assert other.status == 200


async def test_signup_can_be_closed(aiohttp_client, fresh_database_url):
    from grimoire_bot.app import create_app

    closed = await aiohttp_client(create_app(make_settings(allow_signup=False), fresh_database_url))
    response = await signup(closed)
    assert response.status == 403
    assert "closed" in (await response.json())["detail"]


async def test_generated_secret_key_survives_a_restart(aiohttp_client, fresh_database_url):
    from grimoire_bot.app import create_app

    first = await aiohttp_client(create_app(make_settings(secret_key=None), fresh_database_url))
    token = (await (await signup(first)).json())["access_token"]
    restarted = await aiohttp_client(create_app(make_settings(secret_key=None), fresh_database_url))
    response = await restarted.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200


async def test_parallel_guesses_cannot_slip_past_the_lock(client):
    """Failures were counted only after each slow password check, so a burst of parallel
    guesses all got checked, and a right password sent meanwhile got in."""
    import asyncio

    await signup(client)

    async def attempt(password: str) -> int:
        response = await client.post(
            "/auth/login", json={"email": "ada@example.com", "password": password}
        )
        return response.status

    guesses = [asyncio.create_task(attempt(f"wrong guess {n}")) for n in range(60)]
    # While the first guesses are still in their password checks.
    await asyncio.sleep(0.05)
    right = await attempt(PASSWORD)
    statuses = await asyncio.gather(*guesses)
    assert right == 429
    assert sum(status != 429 for status in statuses) <= 5


async def test_a_signed_token_with_an_impossible_user_id_is_refused(client):
    """A validly signed token whose `sub` is past bigint gave a 500 from the database."""
    now = int(time.time())
    token = jwt.encode(
        {
            "sub": "9" * 30,
            "iat": now,
            "exp": now + 60,
            "jti": "00000000-0000-0000-0000-000000000002",
        },
        TEST_SECRET_KEY,
        algorithm="HS256",
    )
    response = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 401


async def change_password(client, token: str, current: str, new: str):
    return await client.post(
        "/auth/password",
        json={"current_password": current, "new_password": new},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_changing_the_password_revokes_every_token_and_returns_a_new_one(
    aiohttp_client, client, fresh_database_url
):
    from grimoire_bot.app import create_app

    this_session = (await (await signup(client)).json())["access_token"]
    login = await client.post(
        "/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    elsewhere = (await login.json())["access_token"]
    other_process = await aiohttp_client(create_app(make_settings(), fresh_database_url))

    response = await change_password(client, this_session, PASSWORD, "a brand new passphrase")
    assert response.status == 200
    body = await response.json()
    assert body["token_type"] == "bearer" and body["user"]["email"] == "ada@example.com"

    for token in (this_session, elsewhere):
        for process in (client, other_process):
            refused = await process.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert refused.status == 401
    fresh = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await other_process.get("/auth/me", headers=fresh)).status == 200
    old = await client.post("/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert old.status == 401
    new = await client.post(
        "/auth/login", json={"email": "ada@example.com", "password": "a brand new passphrase"}
    )
    assert new.status == 200


async def test_a_wrong_current_password_is_403_and_counts_as_a_failed_login(client):
    """Otherwise a stolen token could guess the account's password without limit."""
    token = (await (await signup(client)).json())["access_token"]
    statuses = [
        (await change_password(client, token, f"guess number {n}", "whatever it is")).status
        for n in range(5)
    ]
    assert statuses[:4] == [403] * 4
    assert statuses[4] == 429
    locked = await change_password(client, token, PASSWORD, "whatever it is")
    assert locked.status == 429
    assert "Retry-After" in locked.headers
    assert (
        await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status == 200


async def test_a_new_password_must_be_a_valid_password(client):
    token = (await (await signup(client)).json())["access_token"]
    response = await change_password(client, token, PASSWORD, "short")
    assert response.status == 422
    assert ["body", "new_password"] in [e["loc"] for e in (await response.json())["detail"]]
    assert (await client.post("/auth/password", json={})).status == 401


async def test_a_token_of_an_older_generation_is_refused(client):
    """A token signed with the right key but from before a revocation must not work."""
    body = await (await signup(client)).json()
    claims = jwt.decode(body["access_token"], TEST_SECRET_KEY, algorithms=["HS256"])
    for generation in (claims["gen"] + 1, -1, "0", True):
        forged = jwt.encode({**claims, "gen": generation}, TEST_SECRET_KEY, algorithm="HS256")
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
        assert response.status == 401, generation
