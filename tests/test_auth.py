"""Accounts: the seed's contract, plus revocation, throttling and roles."""

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
    assert set(claims) == {"sub", "iat", "exp", "jti"}
    assert claims["exp"] - claims["iat"] == 1440 * 60


async def test_first_account_is_admin_and_later_ones_are_curators(client):
    first = await (await signup(client, "first@example.com")).json()
    second = await (await signup(client, "second@example.com")).json()
    assert first["user"]["role"] == "admin"
    assert second["user"]["role"] == "curator"


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
