"""Per-address limits on `/auth/*` and `/api/match`, shared by every web process."""

from __future__ import annotations

import asyncio
import signal

import aiohttp
import asyncpg
import pytest

from grimoire_bot.app import create_app
from grimoire_bot.auth.limits import client_address, delete_expired_rows
from grimoire_bot.db import open_pool
from grimoire_bot.settings import RateLimit
from tests.conftest import TEST_SECRET_KEY, make_settings
from tests.processes import environment, start, stop
from tests.test_serve import free_port, wait_for_health

CREDENTIALS = {"email": "nobody@example.com", "password": "wrong password"}
MATCH = {"log": "E   ModuleNotFoundError: No module named 'httpx'"}


@pytest.mark.parametrize(
    ("peer", "forwarded", "trust", "expected"),
    [
        ("10.0.0.1", None, False, "10.0.0.1"),
        # Without TRUST_PROXY the header is the client's own say-so.
        ("10.0.0.1", "203.0.113.9", False, "10.0.0.1"),
        # The proxy appends the address it saw; entries before it are the client's.
        ("10.0.0.1", "198.51.100.1, 203.0.113.9", True, "203.0.113.9"),
        ("10.0.0.1", "", True, "10.0.0.1"),
        ("10.0.0.1", None, True, "10.0.0.1"),
        ("::1", None, False, "::/64"),
        ("10.0.0.1", "2001:db8:1:2:3:4:5:6", True, "2001:db8:1:2::/64"),
        ("10.0.0.1", "2001:db8:1:2:ffff::1", True, "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", None, False, "192.0.2.7"),
        ("10.0.0.1", "not-an-address", True, "not-an-address"),
    ],
)
def test_the_client_address_is_taken_only_from_what_can_be_trusted(
    peer, forwarded, trust, expected
):
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    assert client_address(peer, headers, trust_proxy=trust) == expected


async def limited_client(aiohttp_client, database_url, **overrides):
    settings = make_settings(
        auth_rate_limit=RateLimit(3, 60), match_rate_limit=RateLimit(2, 60), **overrides
    )
    return await aiohttp_client(create_app(settings, database_url))


async def test_auth_is_limited_per_address_with_retry_after(aiohttp_client, fresh_database_url):
    """Fresh emails bypassed the per-account lock: each cost a 16 MiB scrypt and a row."""
    client = await limited_client(aiohttp_client, fresh_database_url)
    statuses = []
    for number in range(3):
        body = {**CREDENTIALS, "email": f"fresh{number}@example.com"}
        statuses.append((await client.post("/auth/login", json=body)).status)
    assert statuses == [401, 401, 401]
    refused = await client.post("/auth/signup", json={**CREDENTIALS, "email": "new@example.com"})
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many requests from your address" in (await refused.json())["detail"]
    # Refused before the handler: no account was created.
    conn = await asyncpg.connect(fresh_database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM users") == 0
    finally:
        await conn.close()
    # Other routes are not counted.
    assert (await client.get("/api/spells")).status == 200


async def test_match_is_limited_separately_from_auth(aiohttp_client, fresh_database_url):
    client = await limited_client(aiohttp_client, fresh_database_url)
    assert [(await client.post("/api/match", json=MATCH)).status for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert (await client.post("/auth/login", json=CREDENTIALS)).status == 401


async def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_budget(
    aiohttp_client, fresh_database_url
):
    client = await limited_client(aiohttp_client, fresh_database_url, trust_proxy=True)

    async def match_from(address: str) -> int:
        # A client may write anything left of what the proxy appends: it is ignored.
        spoofed = f"192.0.2.{len(address)}, {address}"
        response = await client.post("/api/match", json=MATCH, headers={"X-Forwarded-For": spoofed})
        return response.status

    assert [await match_from("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert await match_from("203.0.113.2") == 200


async def test_without_trust_proxy_forwarded_for_changes_nothing(
    aiohttp_client, fresh_database_url
):
    client = await limited_client(aiohttp_client, fresh_database_url)
    statuses = [
        (
            await client.post(
                "/api/match", json=MATCH, headers={"X-Forwarded-For": f"203.0.113.{n}"}
            )
        ).status
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


async def test_expired_rows_are_deleted_and_current_ones_kept(fresh_database_url):
    """Login-failure rows were never deleted: one per email ever tried."""
    async with open_pool(fresh_database_url, max_size=3) as pool:
        await pool.execute(
            """
            INSERT INTO client_hits (scope, address, window_start, hits) VALUES
                ('auth', 'old', now() - interval '2 hours', 5),
                ('auth', 'current', now(), 1);
            INSERT INTO login_failures (email, failures, last_failed, locked_until) VALUES
                ('old@example.com', 3, now() - interval '1 hour', NULL),
                ('unlocked@example.com', 9, now() - interval '1 hour', now() - interval '30 minutes'),
                ('recent@example.com', 2, now(), NULL),
                ('locked@example.com', 9, now() - interval '20 minutes', now() + interval '5 minutes');
            INSERT INTO oauth_states (state_hash, binding_hash, code_verifier, expires_at) VALUES
                ('\\x01', '\\x01', 'v', now() - interval '1 minute'),
                ('\\x02', '\\x02', 'v', now() + interval '5 minutes');
            """
        )
        await delete_expired_rows(pool)
        assert [r["address"] for r in await pool.fetch("SELECT address FROM client_hits")] == [
            "current"
        ]
        emails = {r["email"] for r in await pool.fetch("SELECT email FROM login_failures")}
        assert emails == {"recent@example.com", "locked@example.com"}
        assert await pool.fetchval("SELECT count(*) FROM oauth_states") == 1


@pytest.mark.slow
async def test_two_web_processes_share_one_budget(fresh_database_url):
    ports = [free_port(), free_port()]
    processes = [
        await start(
            "web",
            env=environment(
                DATABASE_URL=fresh_database_url,
                SECRET_KEY=TEST_SECRET_KEY,
                WEBHOOK_SECRET="test-webhook-secret",
                HOST="127.0.0.1",
                PORT=str(port),
                AUTH_RATE_LIMIT="4/minute",
            ),
        )
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        await asyncio.gather(
            *(wait_for_health(b, p, within=60) for b, p in zip(bases, processes, strict=True))
        )
        statuses = []
        async with aiohttp.ClientSession() as session:
            for attempt in range(6):
                base = bases[attempt % 2]
                async with session.post(f"{base}/auth/login", json=CREDENTIALS) as response:
                    statuses.append(response.status)
        assert statuses == [401, 401, 401, 401, 429, 429]
    finally:
        for process in processes:
            await stop(process, signal.SIGTERM)


async def test_the_limited_operations_document_their_429(client):
    spec = await (await client.get("/openapi.json")).json()
    assert "429" in spec["paths"]["/api/match"]["post"]["responses"]
    assert "429" in spec["paths"]["/auth/github/start"]["post"]["responses"]
    assert "429" in spec["paths"]["/auth/github/callback"]["get"]["responses"]
