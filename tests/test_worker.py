"""Workers: handlers run isolated, transient failures come back, nothing is lost."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from gidgethub import routing, sansio

from grimoire_bot.app import create_app
from grimoire_bot.db import open_pool
from grimoire_bot.events.context import HandlerContext
from tests.fakes.github import signed_delivery
from tests.payloads import official_payload
from tests.workers import (
    make_due,
    running_worker,
    settings_for,
    wait_for_retry,
    wait_for_status,
)

SECRET = "test-webhook-secret"


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=8) as pool:
        yield pool


@pytest.fixture
async def intake(aiohttp_client, fresh_database_url, fake_github):
    app = create_app(settings_for(fake_github), fresh_database_url)
    client = await aiohttp_client(app)

    async def send(event: str, payload: dict, delivery_id: str) -> None:
        body, headers = signed_delivery(event, payload, SECRET, delivery_id=delivery_id)
        response = await client.post("/api/github/webhooks", data=body, headers=headers)
        assert response.status == 202, await response.text()

    return send


async def test_installation_events_keep_the_tables_current(intake, pool, fake_github):
    created = official_payload("installation.created")
    added = official_payload("installation_repositories.added")
    removed = official_payload("installation_repositories.removed")
    removed["installation"] = added["installation"]
    removed["repositories_removed"] = added["repositories_added"][:1]

    async with running_worker(settings_for(fake_github), pool):
        await intake("installation", created, "created")
        assert await wait_for_status(pool, "created") == "done"
        await intake("installation_repositories", added, "added")
        assert await wait_for_status(pool, "added") == "done"
        await intake("installation_repositories", removed, "removed")
        assert await wait_for_status(pool, "removed") == "done"

    installation_id = created["installation"]["id"]
    repos = {r["full_name"] for r in await pool.fetch("SELECT full_name FROM repositories")}
    expected = {r["full_name"] for r in created["repositories"]} | {
        r["full_name"] for r in added["repositories_added"][1:]
    }
    assert repos == expected
    assert await pool.fetchval(
        "SELECT account_login FROM installations WHERE id = $1", installation_id
    )

    deleted = official_payload("installation.deleted")
    deleted["installation"]["id"] = installation_id
    async with running_worker(settings_for(fake_github), pool):
        await intake("installation", deleted, "deleted")
        assert await wait_for_status(pool, "deleted") == "done"
    assert await pool.fetchval("SELECT count(*) FROM installations") == 0
    assert await pool.fetchval("SELECT count(*) FROM repositories") == 0


async def test_suspend_and_unsuspend_are_recorded(intake, pool, fake_github):
    created = official_payload("installation.created")
    installation_id = created["installation"]["id"]
    async with running_worker(settings_for(fake_github), pool):
        await intake("installation", created, "c")
        await wait_for_status(pool, "c")
        await intake("installation", {**created, "action": "suspend"}, "s")
        await wait_for_status(pool, "s")
        assert await pool.fetchval(
            "SELECT suspended_at IS NOT NULL FROM installations WHERE id = $1", installation_id
        )
        await intake("installation", {**created, "action": "unsuspend"}, "u")
        await wait_for_status(pool, "u")
        assert not await pool.fetchval(
            "SELECT suspended_at IS NOT NULL FROM installations WHERE id = $1", installation_id
        )


async def test_an_event_nobody_handles_is_ignored(intake, pool, fake_github):
    async with running_worker(settings_for(fake_github), pool):
        await intake("star", {"action": "created", "installation": {"id": 1}}, "star")
        assert await wait_for_status(pool, "star") == "ignored"


def isolation_router(calls: list[str]) -> routing.Router:
    router = routing.Router()

    @router.register("check_suite")
    async def crashing(event: sansio.Event, ctx: HandlerContext) -> None:
        calls.append("crashing")
        raise ValueError("this handler is broken")

    @router.register("check_suite")
    async def healthy(event: sansio.Event, ctx: HandlerContext) -> None:
        calls.append("healthy")

    return router


async def test_a_crashing_handler_never_skips_the_others_or_other_deliveries(
    intake, pool, fake_github
):
    calls: list[str] = []
    async with running_worker(settings_for(fake_github), pool, isolation_router(calls)):
        await intake("check_suite", {"action": "completed", "installation": {"id": 1}}, "one")
        await intake("check_suite", {"action": "completed", "installation": {"id": 1}}, "two")
        assert await wait_for_status(pool, "one") == "failed"
        assert await wait_for_status(pool, "two") == "failed"
    assert calls.count("healthy") == 2
    row = await pool.fetchrow(
        "SELECT last_error, attempts FROM deliveries WHERE delivery_id = 'one'"
    )
    assert "this handler is broken" in row["last_error"]
    assert row["attempts"] == 1
    outcomes = await pool.fetch(
        "SELECT handler, outcome::text FROM handler_runs WHERE delivery_id = 'one' ORDER BY handler"
    )
    assert [(r["handler"], r["outcome"]) for r in outcomes] == [
        ("test_worker.isolation_router.<locals>.crashing", "failed"),
        ("test_worker.isolation_router.<locals>.healthy", "ok"),
    ]


def github_router(calls: list[str]) -> routing.Router:
    router = routing.Router()

    @router.register("check_run")
    async def local_only(event: sansio.Event, ctx: HandlerContext) -> None:
        calls.append("local_only")

    @router.register("check_run")
    async def reads_github(event: sansio.Event, ctx: HandlerContext) -> None:
        calls.append("reads_github")
        gh = await ctx.github()
        await gh.getitem(event.data["check_run"]["url"])

    return router


async def test_a_rate_limited_delivery_is_retried_later_and_only_what_failed_runs_again(
    intake, pool, fake_github
):
    fake_github.add_installation(77)
    run = fake_github.add_check_run(head_sha="a" * 40)
    payload = {
        "action": "completed",
        "installation": {"id": 77},
        "check_run": {"url": fake_github.url(f"/repos/octo-org/octo-repo/check-runs/{run.id}")},
    }
    fake_github.inject("GET", r"/check-runs/", "secondary_403", retry_after="120")
    calls: list[str] = []
    async with running_worker(settings_for(fake_github), pool, github_router(calls)):
        await intake("check_run", payload, "limited")
        await wait_for_retry(pool, "limited")
        row = await pool.fetchrow(
            "SELECT attempts, last_error FROM deliveries WHERE delivery_id = 'limited'"
        )
        assert row["attempts"] == 1
        assert "rate limited (403)" in row["last_error"]
        delay = await pool.fetchval(
            "SELECT extract(epoch FROM execute_after - now()) FROM pgqueuer WHERE status = 'queued'"
        )
        assert 100 < delay <= 125, "the retry must honour GitHub's retry-after"

        await make_due(pool)
        assert await wait_for_status(pool, "limited") == "done"
    assert calls == ["local_only", "reads_github", "reads_github"]
    assert await pool.fetchval("SELECT attempts FROM deliveries WHERE delivery_id = 'limited'") == 2
    requests = await pool.fetch(
        "SELECT attempt, method, url, status FROM github_requests "
        "WHERE delivery_id = 'limited' AND url LIKE '%/check-runs/%' ORDER BY id"
    )
    assert [(r["attempt"], r["method"], r["status"]) for r in requests] == [
        (1, "GET", 403),
        (2, "GET", 200),
    ]


async def test_a_delivery_gives_up_after_the_attempt_limit(intake, pool, fake_github):
    fake_github.add_installation(77)
    run = fake_github.add_check_run(head_sha="b" * 40)
    payload = {
        "action": "completed",
        "installation": {"id": 77},
        "check_run": {"url": fake_github.url(f"/repos/octo-org/octo-repo/check-runs/{run.id}")},
    }
    fake_github.inject("GET", r"/check-runs/", "secondary_403", times=5, retry_after="120")
    settings = settings_for(fake_github, max_delivery_attempts=2)
    async with running_worker(settings, pool, github_router([])):
        await intake("check_run", payload, "doomed")
        await wait_for_retry(pool, "doomed")
        await make_due(pool)
        assert await wait_for_status(pool, "doomed") == "failed"
    row = await pool.fetchrow(
        "SELECT attempts, last_error FROM deliveries WHERE delivery_id = 'doomed'"
    )
    assert row["attempts"] == 2
    assert row["last_error"].startswith("gave up after 2 attempts")


async def test_a_refused_token_is_replaced_on_the_retry(intake, pool, fake_github):
    fake_github.add_installation(77)
    run = fake_github.add_check_run(head_sha="c" * 40)
    payload = {
        "action": "completed",
        "installation": {"id": 77},
        "check_run": {"url": fake_github.url(f"/repos/octo-org/octo-repo/check-runs/{run.id}")},
    }
    async with running_worker(settings_for(fake_github), pool, github_router([])):
        await intake("check_run", payload, "first")
        assert await wait_for_status(pool, "first") == "done"
        for token in list(fake_github.tokens):
            fake_github.revoke_token(token)
        await intake("check_run", payload, "second")
        await wait_for_retry(pool, "second")
        await make_due(pool)
        assert await wait_for_status(pool, "second") == "done"
    assert fake_github.mint_count(77) == 2


async def test_the_worker_survives_the_database_going_away(pool, fake_github, fresh_database_url):
    """pgqueuer's loop died with the database connections and nothing restarted it: in
    `serve` deliveries were then queued forever while the web side answered 202."""
    import psycopg

    from grimoire_bot.webhooks.queue import enqueue_delivery
    from tests.conftest import admin_url

    name = fresh_database_url.rsplit("/", 1)[1]
    async with running_worker(settings_for(fake_github), pool, isolation_router([])):
        await asyncio.sleep(1)
        with psycopg.connect(admin_url(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        await asyncio.sleep(6)
        with psycopg.connect(admin_url(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        for _ in range(50):
            try:
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute(
                        "INSERT INTO deliveries (delivery_id, event, headers, payload) "
                        "VALUES ('after', 'check_suite', '{}', '{\"action\": \"completed\"}')"
                    )
                    await enqueue_delivery(conn, "after")
                break
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await asyncio.sleep(0.2)
        assert await wait_for_status(pool, "after") in ("done", "failed")
