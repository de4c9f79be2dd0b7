"""Retention: delete finished deliveries and other bookkeeping past RETENTION_DAYS.

Rows that expire within minutes (per-address counters, forgiven login failures, unused
sign-in states) are cleared by every web process instead (`auth.limits`).

Run by `python -m grimoire_bot prune` and on a schedule by every worker (pgqueuer's
scheduler runs each due prune on one worker only). Work goes in small batches, each its
own short transaction, with a pause between them, so intake and workers are never held up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg

from grimoire_bot.db import retention as db_retention
from grimoire_bot.embeddings import current_model_name

PRUNE_BATCH = 500
PAUSE_BETWEEN_BATCHES_SECONDS = 0.05

logger = logging.getLogger(__name__)

BatchDelete = Callable[[asyncpg.Connection, int], Awaitable[int]]


@dataclass
class PruneReport:
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


async def prune(
    pool: asyncpg.Pool,
    retention_days: int,
    *,
    batch: int = PRUNE_BATCH,
    pause: float = PAUSE_BETWEEN_BATCHES_SECONDS,
) -> PruneReport:
    keep = timedelta(days=retention_days)
    steps: dict[str, BatchDelete] = {
        "deliveries": lambda conn, n: db_retention.delete_finished_deliveries(conn, keep, n),
        "queue_log": lambda conn, n: db_retention.delete_queue_log(conn, keep, n),
        "revoked_tokens": db_retention.delete_expired_revocations,
        "failure_errors": lambda conn, n: db_retention.delete_old_failure_errors(conn, keep, n),
        "rerank_verdicts": lambda conn, n: db_retention.delete_old_rerank_verdicts(conn, keep, n),
        "llm_calls": lambda conn, n: db_retention.delete_old_unattached_llm_calls(conn, keep, n),
        "llm_budget_days": lambda conn, n: db_retention.delete_old_llm_budget_days(conn, keep, n),
    }
    # Without a model here there is no telling which vectors are stale: keep them all.
    model = current_model_name()
    if model is not None:
        steps["old_model_vectors"] = lambda conn, n: db_retention.delete_other_models_embeddings(
            conn, model, keep, n
        )
    report = PruneReport()
    for name, step in steps.items():
        report.deleted[name] = await _in_batches(pool, step, batch, pause)
    logger.info("pruned", extra={"retention_days": retention_days, **report.deleted})
    return report


async def _in_batches(pool: asyncpg.Pool, step: BatchDelete, batch: int, pause: float) -> int:
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            deleted = await step(conn, batch)
        total += deleted
        if deleted < batch:
            return total
        await asyncio.sleep(pause)
