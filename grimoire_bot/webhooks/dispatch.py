"""Worker side of a delivery: claim it, run each handler in isolation, record what happened.

gidgethub's `Router.dispatch` stops at the first exception, so handlers are fetched and
run one by one here: a failing handler is recorded on the delivery and never skips the
others. Failures GitHub calls temporary (5xx, timeouts, rate limits, an expired token)
put the delivery back in the queue with a jittered back-off; handlers that already
succeeded are not run again on the retry.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import asyncpg
import gidgethub
from gidgethub import routing, sansio

from grimoire_bot import metrics
from grimoire_bot.db import deliveries as db_deliveries
from grimoire_bot.drafts import DraftDeps
from grimoire_bot.events.context import HandlerContext
from grimoire_bot.github.app import GitHubApp
from grimoire_bot.github.client import TransientGitHubError
from grimoire_bot.github.trees import TreeCache
from grimoire_bot.matcher import Matcher
from grimoire_bot.settings import Settings

RETRY_BASE_SECONDS = 2.0
RETRY_MAX_SECONDS = 15 * 60.0
MAX_ERROR_LENGTH = 2000
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientGitHubError,
    TimeoutError,
    aiohttp.ClientConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)

Handler = Callable[[sansio.Event, HandlerContext], Awaitable[None]]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: str  # done | failed | ignored | queued (to be retried)
    error: str | None = None
    retry_after: float | None = None


def handler_name(handler: Handler) -> str:
    module = handler.__module__.rsplit(".", 1)[-1]
    return f"{module}.{handler.__qualname__}"


def retry_delay(attempt: int, hint: float | None) -> float:
    """Exponential back-off with jitter (capped), never sooner than GitHub asked.

    GitHub's own wait (a rate limit's reset can be most of an hour away) is honoured in
    full: retrying before it only spends attempts while still limited.
    """
    backoff = RETRY_BASE_SECONDS * 2 ** min(attempt - 1, 16) * random.uniform(0.5, 1.5)
    return max(min(backoff, RETRY_MAX_SECONDS), hint or 0.0)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:MAX_ERROR_LENGTH]


@dataclass(frozen=True)
class HandlerResult:
    record: db_deliveries.HandlerRun
    retry_hint: float | None = None


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        pool: asyncpg.Pool,
        github_app: GitHubApp,
        matcher: Matcher,
        router: routing.Router,
        *,
        drafts: DraftDeps | None = None,
        trees: TreeCache | None = None,
    ) -> None:
        """`drafts`: the process's drafting (`open_draft_deps`); None drafts nothing.
        `trees`: commits' file lists, one cache per process (a new one by default)."""
        self.settings = settings
        self.pool = pool
        self.github_app = github_app
        self.matcher = matcher
        self.router = router
        self.drafts = drafts
        self.trees = trees if trees is not None else TreeCache()

    async def process(self, delivery_id: str) -> Outcome | None:
        """Handle one queued delivery; None when there was nothing (left) to do."""
        async with self.pool.acquire() as conn:
            claimed = await db_deliveries.claim_delivery(conn, delivery_id)
        if claimed is None:
            return None
        event = sansio.Event(claimed.payload, event=claimed.event, delivery_id=delivery_id)
        ctx = HandlerContext(
            settings=self.settings,
            pool=self.pool,
            github_app=self.github_app,
            delivery_id=delivery_id,
            installation_id=claimed.installation_id,
            matcher=self.matcher,
            attempt=claimed.attempt,
            trees=self.trees,
            drafts=self.drafts,
        )
        handled, runs = await self.run_handlers(event, ctx, skip=claimed.succeeded_handlers)
        outcome = self._decide(claimed.attempt, runs, handled=handled)
        async with self.pool.acquire() as conn, conn.transaction():
            await db_deliveries.record_attempt_details(
                conn, delivery_id, claimed.attempt, [r.record for r in runs], ctx.requests
            )
            await db_deliveries.finish_delivery(
                conn, delivery_id, outcome.status, claimed.attempt, outcome.error
            )
        metrics.DELIVERIES_FINISHED.labels(claimed.event, outcome.status).inc()
        logger.info(
            "delivery processed",
            extra={
                "delivery_id": delivery_id,
                "event": claimed.event,
                "status": outcome.status,
                "attempt": claimed.attempt,
            },
        )
        return outcome

    async def run_handlers(
        self, event: sansio.Event, ctx: HandlerContext, *, skip: frozenset[str] = frozenset()
    ) -> tuple[bool, list[HandlerResult]]:
        """Run every handler for the event, each isolated; (any handler at all?, results)."""
        # gidgethub returns a set; a fixed order makes logs and retries reproducible.
        handlers = sorted(self.router.fetch(event), key=handler_name)
        runs = [
            await self._run_isolated(handler, event, ctx)
            for handler in handlers
            if handler_name(handler) not in skip
        ]
        return bool(handlers), runs

    async def _run_isolated(
        self, handler: Handler, event: sansio.Event, ctx: HandlerContext
    ) -> HandlerResult:
        name = handler_name(handler)
        ctx.current_handler = name
        started = time.perf_counter()

        def finished(
            outcome: str, error: str | None = None, hint: float | None = None
        ) -> HandlerResult:
            duration = (time.perf_counter() - started) * 1000
            metrics.HANDLER_DURATION.labels(name, outcome).observe(duration / 1000)
            return HandlerResult(db_deliveries.HandlerRun(name, outcome, error, duration), hint)

        try:
            await handler(event, ctx)
        except TRANSIENT_ERRORS as exc:
            hint = exc.retry_after if isinstance(exc, TransientGitHubError) else None
            logger.warning(
                "handler will be retried", extra={"handler": name, "error": _describe(exc)}
            )
            return finished("retry", _describe(exc), hint)
        except gidgethub.BadRequest as exc:
            if exc.status_code == 401:
                # The cached token was refused (revoked or expired early): mint anew next time.
                ctx.forget_token()
                return finished("retry", _describe(exc))
            logger.warning("handler failed", extra={"handler": name, "error": _describe(exc)})
            return finished("failed", _describe(exc))
        except Exception as exc:
            logger.exception("handler crashed", extra={"handler": name})
            return finished("failed", _describe(exc))
        finally:
            ctx.current_handler = None
        return finished("ok")

    def _decide(self, attempt: int, runs: list[HandlerResult], *, handled: bool) -> Outcome:
        retries = [r for r in runs if r.record.outcome == "retry"]
        failures = [r for r in runs if r.record.outcome == "failed"]
        if retries:
            reason = "; ".join(f"{r.record.handler}: {r.record.error}" for r in retries)
            if attempt < self.settings.max_delivery_attempts:
                hint = max((r.retry_hint or 0.0) for r in retries)
                return Outcome("queued", reason, retry_delay(attempt, hint))
            return Outcome("failed", f"gave up after {attempt} attempts: {reason}")
        if failures:
            return Outcome(
                "failed", "; ".join(f"{r.record.handler}: {r.record.error}" for r in failures)
            )
        if not handled:
            return Outcome("ignored")
        return Outcome("done")
