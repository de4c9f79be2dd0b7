"""The durable queue between intake and workers (pgqueuer): only a delivery id crosses it."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from pgqueuer import AsyncpgDriver, Queries

DELIVERY_ENTRYPOINT = "github_delivery"


async def enqueue_deliveries(conn: asyncpg.Connection, delivery_ids: Sequence[str]) -> None:
    """Queue one job per delivery, in one statement, inside the caller's transaction.

    No dedupe key: the deliveries table already admits each delivery once, and pgqueuer
    keeps a finished job `picked` until its status buffer flushes, which would make a
    prompt redelivery look like a duplicate.
    """
    if not delivery_ids:
        return
    count = len(delivery_ids)
    await Queries(AsyncpgDriver(conn)).enqueue(
        [DELIVERY_ENTRYPOINT] * count, [i.encode() for i in delivery_ids], [0] * count
    )


async def enqueue_delivery(conn: asyncpg.Connection, delivery_id: str) -> None:
    await enqueue_deliveries(conn, [delivery_id])
