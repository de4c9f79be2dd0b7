"""Group commit for intake: deliveries that arrive together are recorded in one transaction.

Each webhook still gets its 202 only after the transaction that recorded and queued it
has committed, so nothing is acknowledged that could be lost. There is no timer: while
one batch is being written the next one gathers, so a lone delivery is written at once
and a busy server writes bigger batches, paying one round trip and one commit for many.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import asyncpg

from grimoire_bot.db import deliveries as db_deliveries
from grimoire_bot.webhooks.queue import enqueue_deliveries

MAX_BATCH = 100
# Transactions in flight at once: one writes while the next gathers.
MAX_WRITERS = 2
# Events recorded for the log but never queued: nothing acts on them.
RECORD_ONLY_EVENTS = frozenset({"ping"})

logger = logging.getLogger(__name__)

Pending = tuple[db_deliveries.NewDelivery, asyncio.Future[bool]]


def status_for(delivery: db_deliveries.NewDelivery) -> str:
    return "ignored" if delivery.event in RECORD_ONLY_EVENTS else "queued"


def without_nul_escapes(delivery: db_deliveries.NewDelivery) -> db_deliveries.NewDelivery:
    # jsonb cannot hold U+0000; keep the delivery rather than refuse it.
    return replace(delivery, payload_json=delivery.payload_json.replace("\\u0000", "\\ufffd"))


class UnstorablePayload(ValueError):
    """PostgreSQL refused this one delivery's data (the others of its batch were written)."""


# The database or the connection failed: every delivery of the batch shares that fate.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


class DeliveryRecorder:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._pending: list[Pending] = []
        self._writers: set[asyncio.Task[None]] = set()

    async def record(self, delivery: db_deliveries.NewDelivery) -> bool:
        """Record and (unless record-only) queue the delivery; False for a duplicate."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((delivery, done))
        if len(self._writers) < MAX_WRITERS:
            self._writers.add(asyncio.create_task(self._write_pending()))
        return await done

    async def close(self) -> None:
        while self._writers:
            await asyncio.gather(*self._writers, return_exceptions=True)

    async def _write_pending(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                await self._write(batch)
        finally:
            # In the same step as the last look at `_pending`: a delivery added after it
            # must see this writer gone and start another, or it would wait for the next.
            self._writers.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def _write(self, batch: list[Pending]) -> None:
        first: dict[str, db_deliveries.NewDelivery] = {}
        for delivery, _ in batch:
            first.setdefault(delivery.delivery_id, delivery)
        try:
            try:
                inserted = await self._commit(list(first.values()))
            except asyncpg.UntranslatableCharacterError:
                inserted = await self._commit([without_nul_escapes(d) for d in first.values()])
        except CONNECTION_ERRORS as exc:
            self._fail(batch, exc)
            return
        except asyncpg.PostgresError as exc:
            if len(first) == 1:
                self._fail(batch, UnstorablePayload(str(exc)))
                return
            # One delivery's data poisoned the statement: write each on its own, so only
            # that one is refused.
            for pending in batch:
                await self._write([pending])
            return
        except Exception as exc:
            self._fail(batch, exc)
            return
        for delivery, done in batch:
            if done.done():
                continue
            # A second copy of one delivery in the same batch is a duplicate of the first.
            is_first = first.get(delivery.delivery_id) is delivery
            done.set_result(is_first and delivery.delivery_id in inserted)

    @staticmethod
    def _fail(batch: list[Pending], exc: BaseException) -> None:
        for _, done in batch:
            if not done.done():
                done.set_exception(exc)

    async def _commit(self, deliveries: list[db_deliveries.NewDelivery]) -> set[str]:
        async with self.pool.acquire() as conn, conn.transaction():
            inserted = await db_deliveries.record_deliveries(
                conn, deliveries, [status_for(d) for d in deliveries]
            )
            await enqueue_deliveries(
                conn,
                [
                    d.delivery_id
                    for d in deliveries
                    if d.delivery_id in inserted and status_for(d) == "queued"
                ],
            )
        return inserted
