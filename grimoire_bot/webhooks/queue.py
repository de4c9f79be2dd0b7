"""The durable queue between intake and workers (pgqueuer): only a delivery id crosses it."""

from __future__ import annotations

import asyncpg
from pgqueuer import AsyncpgDriver, Queries

DELIVERY_ENTRYPOINT = "github_delivery"


async def enqueue_delivery(conn: asyncpg.Connection, delivery_id: str) -> None:
    """Queue a job for the delivery, inside the caller's transaction.

    The dedupe key makes a second enqueue of a delivery that is still waiting a no-op.
    """
    await Queries(AsyncpgDriver(conn)).enqueue(
        DELIVERY_ENTRYPOINT,
        delivery_id.encode(),
        dedupe_key=delivery_id,
        on_conflict="skip",
    )
