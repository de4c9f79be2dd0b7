"""Running the real queue worker inside a test, against a real database and the fake GitHub."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
from gidgethub import routing

from grimoire_bot.drafts import open_draft_deps
from grimoire_bot.events import build_router
from grimoire_bot.github.app import GitHubApp, open_github_app
from grimoire_bot.matcher import Matcher
from grimoire_bot.settings import Settings
from grimoire_bot.webhooks.dispatch import Dispatcher
from grimoire_bot.webhooks.worker import run_worker
from tests.conftest import make_settings
from tests.fakes.github import FakeGitHub

FINAL_STATUSES = ("done", "failed", "ignored")


def settings_for(fake: FakeGitHub, **overrides: object) -> Settings:
    return make_settings(
        app_id=fake.app_id,
        private_key=fake.private_key_pem,
        ghe_host=fake.ghe_host,
        ghe_protocol="http",
        **overrides,
    )


@asynccontextmanager
async def running_worker(
    settings: Settings, pool: asyncpg.Pool, router: routing.Router | None = None
) -> AsyncIterator[GitHubApp]:
    async with open_github_app(settings) as github_app, open_draft_deps(settings, pool) as drafts:
        dispatcher = Dispatcher(
            settings, pool, github_app, Matcher(pool), router or build_router(), drafts=drafts
        )
        stop = asyncio.Event()
        task = asyncio.create_task(run_worker(settings, pool, dispatcher, stop))
        try:
            yield github_app
        finally:
            stop.set()
            await task


async def wait_until(
    check: Callable[[], Awaitable[bool]], *, within: float = 15.0, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(interval)


async def delivery_status(pool: asyncpg.Pool, delivery_id: str) -> str | None:
    return await pool.fetchval(
        "SELECT status::text FROM deliveries WHERE delivery_id = $1", delivery_id
    )


async def wait_for_status(
    pool: asyncpg.Pool,
    delivery_id: str,
    statuses: tuple[str, ...] = FINAL_STATUSES,
    *,
    within: float = 15.0,
) -> str:
    async def reached() -> bool:
        return await delivery_status(pool, delivery_id) in statuses

    await wait_until(reached, within=within)
    return await delivery_status(pool, delivery_id)  # type: ignore[return-value]


async def make_due(pool: asyncpg.Pool) -> None:
    """Bring every deferred retry forward to now, instead of sleeping through its back-off."""
    await pool.execute("UPDATE pgqueuer SET execute_after = now() WHERE status = 'queued'")


async def wait_for_retry(pool: asyncpg.Pool, delivery_id: str, attempts: int = 1) -> None:
    """Wait until the delivery was tried `attempts` times and its job waits in the queue again.

    The delivery row is updated before pgqueuer re-queues the job, so both are checked.
    """

    async def requeued() -> bool:
        row = await pool.fetchrow(
            "SELECT status::text AS status, attempts FROM deliveries WHERE delivery_id = $1",
            delivery_id,
        )
        job_waiting = await pool.fetchval(
            "SELECT count(*) FROM pgqueuer WHERE status = 'queued' AND payload = $1",
            delivery_id.encode(),
        )
        return (
            row is not None
            and row["status"] == "queued"
            and row["attempts"] >= attempts
            and job_waiting > 0
        )

    await wait_until(requeued)
