"""SQL for per-address request counters and the housekeeping of expiring rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

# Windows are aligned on this instant, so every process computes the same window.
WINDOW_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
# Longer than the longest window a limit may have (an hour): older rows count for nothing.
HITS_KEPT_FOR = timedelta(hours=1)


async def count_hit(
    conn: asyncpg.Connection, scope: str, address: str, period_seconds: int
) -> tuple[int, float]:
    """Count one request in the address's current window; its count and seconds left.

    One upsert: the database clock picks the window, so all processes agree on it.
    """
    row = await conn.fetchrow(
        """
        INSERT INTO client_hits AS h (scope, address, window_start, hits)
        VALUES ($1, $2, date_bin(make_interval(secs => $3), now(), $4), 1)
        ON CONFLICT (scope, address, window_start) DO UPDATE SET hits = h.hits + 1
        RETURNING hits,
                  extract(epoch FROM h.window_start + make_interval(secs => $3) - now())::float8
                      AS remaining
        """,
        scope,
        address,
        period_seconds,
        WINDOW_ORIGIN,
    )
    return row["hits"], row["remaining"]


async def delete_old_hits(conn: asyncpg.Connection) -> int:
    status = await conn.execute(
        "DELETE FROM client_hits WHERE window_start < now() - $1::interval", HITS_KEPT_FOR
    )
    return int(status.split()[-1])
