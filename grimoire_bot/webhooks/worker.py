"""The queue consumer: pgqueuer hands us delivery ids, the dispatcher does the rest.

Any number of workers may run against one database. A worker killed outright
(SIGKILL) leaves its jobs `picked` with a heartbeat that stops moving; once it is
older than the heartbeat timeout another worker takes them over. On SIGTERM a worker
stops taking jobs and lets running ones finish for up to SHUTDOWN_GRACE_SECONDS; any
still running then are put back in the queue before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import asyncpg
from aiohttp import web
from pgqueuer import AsyncpgPoolDriver, Job, Queries, QueueManager, RetryRequested
from pgqueuer.models import Schedule
from pgqueuer.sm import SchedulerManager

from grimoire_bot.api import metrics as api_metrics
from grimoire_bot.api.errors import json_errors
from grimoire_bot.db import deliveries as db_deliveries
from grimoire_bot.db import open_pool
from grimoire_bot.drafts import open_draft_deps
from grimoire_bot.events import build_router
from grimoire_bot.github.app import open_github_app
from grimoire_bot.log import delivery_context
from grimoire_bot.matcher import Matcher
from grimoire_bot.retention import prune
from grimoire_bot.settings import Settings
from grimoire_bot.state import POOL, SETTINGS
from grimoire_bot.webhooks.dispatch import Dispatcher, retry_delay
from grimoire_bot.webhooks.queue import DELIVERY_ENTRYPOINT, enqueue_delivery

DEQUEUE_TIMEOUT = timedelta(seconds=5)
PRUNE_ENTRYPOINT = "grimoire_prune"
RESTART_BACKOFF_START = 1.0
RESTART_BACKOFF_MAX = 30.0

logger = logging.getLogger(__name__)


def build_queue_manager(pool: asyncpg.Pool, dispatcher: Dispatcher) -> QueueManager:
    manager = QueueManager(Queries(AsyncpgPoolDriver(pool)))

    # "hold" parks a job that failed outside our own error handling instead of deleting
    # it, so not even a bug in the worker can make a delivery vanish.
    @manager.entrypoint(DELIVERY_ENTRYPOINT, on_failure="hold")
    async def handle_delivery(job: Job) -> None:
        delivery_id = (job.payload or b"").decode()
        try:
            with delivery_context(delivery_id):
                outcome = await dispatcher.process(delivery_id)
        except asyncio.CancelledError:
            await asyncio.shield(requeue_interrupted(pool, delivery_id))
            raise
        except Exception as exc:
            # The database or the process itself failed, not a handler: try again later.
            logger.exception("delivery processing failed", extra={"delivery_id": delivery_id})
            raise RetryRequested(
                delay=timedelta(seconds=retry_delay(job.attempts + 1, None)), reason=str(exc)
            ) from exc
        if outcome is not None and outcome.retry_after is not None:
            raise RetryRequested(delay=timedelta(seconds=outcome.retry_after), reason=outcome.error)

    return manager


def build_scheduler(settings: Settings, pool: asyncpg.Pool) -> SchedulerManager:
    """Periodic upkeep. pgqueuer runs each due schedule on one worker only, however many
    workers there are, and `clean_old` drops the row of a schedule whose cron changed."""
    scheduler = SchedulerManager(Queries(AsyncpgPoolDriver(pool)))

    @scheduler.schedule(PRUNE_ENTRYPOINT, settings.prune_schedule, clean_old=True)
    async def prune_old_records(schedule: Schedule) -> None:
        await prune(pool, settings.retention_days)

    return scheduler


async def requeue_interrupted(pool: asyncpg.Pool, delivery_id: str) -> None:
    """Give a delivery whose processing was cut short by shutdown to the next worker."""
    async with pool.acquire() as conn, conn.transaction():
        if await db_deliveries.return_to_queue(conn, delivery_id, "interrupted by worker shutdown"):
            await enqueue_delivery(conn, delivery_id)
    logger.warning("delivery requeued after shutdown", extra={"delivery_id": delivery_id})


def _batch_sizes(concurrency: int) -> tuple[int, int]:
    """(batch size, max concurrent tasks): pgqueuer wants the cap to be at least two batches."""
    batch = max(1, concurrency // 2)
    return batch, max(concurrency, 2 * batch)


async def run_worker(
    settings: Settings,
    pool: asyncpg.Pool,
    dispatcher: Dispatcher,
    stop: asyncio.Event,
) -> None:
    """Consume deliveries until `stop` is set, restarting the consumer if it breaks.

    pgqueuer's loop ends with an exception when the database goes away (a restart, a
    failover); a worker that silently stopped would leave deliveries queued forever, so it
    starts again with back-off for as long as the process runs.
    """
    await asyncio.gather(
        _keep_running(lambda: _consume(settings, pool, dispatcher, stop), stop, "queue"),
        _keep_running(lambda: _schedule(settings, pool, stop), stop, "scheduler"),
    )


async def _keep_running(
    run_once: Callable[[], Awaitable[bool]], stop: asyncio.Event, what: str
) -> None:
    backoff = RESTART_BACKOFF_START
    while not stop.is_set():
        if await run_once():
            return
        logger.error(
            "worker lost the database; restarting", extra={"part": what, "in_seconds": backoff}
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), backoff)
        backoff = min(backoff * 2, RESTART_BACKOFF_MAX)


async def _schedule(settings: Settings, pool: asyncpg.Pool, stop: asyncio.Event) -> bool:
    """Run the scheduler; True when it ended because of `stop`, False when it broke."""
    scheduler = build_scheduler(settings, pool)
    running = asyncio.create_task(scheduler.run())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if running.done() and not stop.is_set():
        if running.exception() is not None:
            logger.error("scheduler failed", exc_info=running.exception())
        return False
    scheduler.shutdown.set()
    await asyncio.gather(running, return_exceptions=True)
    return True


async def _consume(
    settings: Settings, pool: asyncpg.Pool, dispatcher: Dispatcher, stop: asyncio.Event
) -> bool:
    """Run one queue manager; True when it ended because of `stop`, False when it broke."""
    manager = build_queue_manager(pool, dispatcher)
    batch_size, max_tasks = _batch_sizes(settings.worker_concurrency)
    running = asyncio.create_task(
        manager.run(
            dequeue_timeout=DEQUEUE_TIMEOUT,
            batch_size=batch_size,
            max_concurrent_tasks=max_tasks,
            heartbeat_timeout=timedelta(seconds=settings.job_heartbeat_seconds),
        )
    )
    stopping = asyncio.create_task(stop.wait())
    logger.info("worker started", extra={"concurrency": max_tasks})
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if running.done() and not stop.is_set():
        if running.exception() is not None:
            logger.error("queue consumer failed", exc_info=running.exception())
        return False
    manager.shutdown.set()
    try:
        await asyncio.wait_for(asyncio.shield(running), settings.shutdown_grace_seconds)
    except TimeoutError:
        logger.warning("worker grace period over: requeueing deliveries still running")
        running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    logger.info("worker stopped")
    return True


async def _pong(request: web.Request) -> web.Response:
    return web.Response(text="PONG")


@contextlib.asynccontextmanager
async def metrics_server(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[None]:
    """With WORKER_METRICS_PORT set, the worker answers `/metrics` (and `/ping`) itself: its
    handler and GitHub figures live in this process, not in any web process."""
    if settings.worker_metrics_port is None:
        yield
        return
    app = web.Application(middlewares=[json_errors])
    app[SETTINGS] = settings
    app[POOL] = pool
    app.router.add_routes(api_metrics.routes)
    app.router.add_get("/ping", _pong)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.worker_metrics_port).start()
    logger.info("worker metrics listening", extra={"port": settings.worker_metrics_port})
    try:
        yield
    finally:
        await runner.cleanup()


async def serve_worker(settings: Settings, database_url: str) -> None:
    """The `worker` process: consume deliveries until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with (
        open_pool(database_url, min_size=1, max_size=settings.db_pool_max) as pool,
        open_github_app(settings) as github_app,
        open_draft_deps(settings, pool) as drafts,
        metrics_server(settings, pool),
    ):
        dispatcher = Dispatcher(
            settings,
            pool,
            github_app,
            Matcher(pool, semantic=settings.semantic_matching),
            build_router(),
            drafts=drafts,
        )
        await run_worker(settings, pool, dispatcher, stop)
