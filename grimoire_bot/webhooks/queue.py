"""The durable queue between intake and workers (pgqueuer): only a delivery id crosses it."""

from __future__ import annotations

import asyncpg
from pgqueuer import AsyncpgDriver, Queries

DELIVERY_ENTRYPOINT = "github_delivery"


async def enqueue_delivery(conn: asyncpg.Connection, delivery_id: str) -> None:
    """Queue a job for the delivery, inside the caller's transaction.

    No dedupe key: the deliveries table already admits each delivery once, and pgqueuer
    keeps a finished job `picked` until its status buffer flushes, which would make a
    prompt redelivery look like a duplicate.
    """
    await Queries(AsyncpgDriver(conn)).enqueue(DELIVERY_ENTRYPOINT, delivery_id.encode())
