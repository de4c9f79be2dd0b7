"""SQL behind the metrics read at scrape time: the queue and the spellbook, as Postgres has them."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class QueueState:
    ready: int  # waiting for a worker now
    delayed: int  # waiting for a retry's back-off to pass
    running: int
    oldest_ready_seconds: float  # 0 when nothing is waiting


async def queue_state(conn: asyncpg.Connection, entrypoint: str) -> QueueState:
    row = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE status = 'queued' AND execute_after <= now()) AS ready,
               count(*) FILTER (WHERE status = 'queued' AND execute_after > now()) AS delayed,
               count(*) FILTER (WHERE status = 'picked') AS running,
               coalesce(extract(epoch FROM now() - min(execute_after)
                   FILTER (WHERE status = 'queued' AND execute_after <= now())), 0)::float8
                   AS oldest
        FROM pgqueuer WHERE entrypoint = $1
        """,
        entrypoint,
    )
    return QueueState(row["ready"], row["delayed"], row["running"], row["oldest"])


async def spells_by_status(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT status::text AS status, count(*) AS n FROM spells GROUP BY 1")
    return {row["status"]: row["n"] for row in rows}
