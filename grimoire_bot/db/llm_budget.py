"""SQL for the daily LLM budgets: spend reserved before a request and settled after it.

One row per UTC day and scope: installation id 0 holds the global spend (GitHub ids start
at 1). A reservation is a conditional upsert, so two workers can never pass a cap together:
the row is locked by the upsert and the cap is checked against its latest version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import asyncpg

GLOBAL = 0
TODAY = "(now() AT TIME ZONE 'UTC')::date"


@dataclass(frozen=True)
class Cap:
    installation_id: int  # GLOBAL for all installations together
    max_drafts: int
    max_cost_usd: float


@dataclass(frozen=True)
class Spent:
    drafts: int
    cost_usd: float


class _Refused(Exception):
    """Raised inside the transaction so that every cap already booked is rolled back."""

    def __init__(self, cap: Cap) -> None:
        super().__init__(cap)
        self.cap = cap


async def reserve(
    conn: asyncpg.Connection, caps: Sequence[Cap], *, drafts: int, cost_usd: float
) -> tuple[date | None, Cap | None]:
    """Reserve `drafts` and `cost_usd` under every cap, all or nothing.

    Returns (the day it was booked on, None), or (None, the first cap it would pass)."""
    try:
        async with conn.transaction():
            day = await conn.fetchval(f"SELECT {TODAY}")
            for cap in caps:
                await _book(conn, day, cap, drafts, cost_usd)
    except _Refused as refused:
        return None, refused.cap
    return day, None


async def _book(
    conn: asyncpg.Connection, day: date, cap: Cap, drafts: int, cost_usd: float
) -> None:
    # A first reservation of the day inserts without the WHERE below: check it here.
    if drafts > cap.max_drafts or cost_usd > cap.max_cost_usd:
        raise _Refused(cap)
    booked = await conn.fetchval(
        """
        INSERT INTO llm_budget AS b (day, installation_id, drafts, cost_usd)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (day, installation_id) DO UPDATE
        SET drafts = b.drafts + EXCLUDED.drafts, cost_usd = b.cost_usd + EXCLUDED.cost_usd
        WHERE b.drafts + EXCLUDED.drafts <= $5 AND b.cost_usd + EXCLUDED.cost_usd <= $6
        RETURNING true
        """,
        day,
        cap.installation_id,
        drafts,
        cost_usd,
        cap.max_drafts,
        cap.max_cost_usd,
    )
    if not booked:
        raise _Refused(cap)


async def settle(
    conn: asyncpg.Connection, day: date, installation_ids: Sequence[int], delta_usd: float
) -> None:
    """Replace a reservation's estimate by what was spent (`delta_usd` may be negative)."""
    await conn.execute(
        "UPDATE llm_budget SET cost_usd = greatest(cost_usd + $3, 0) "
        "WHERE day = $1 AND installation_id = ANY($2)",
        day,
        list(installation_ids),
        delta_usd,
    )


async def spent_today(conn: asyncpg.Connection, installation_id: int = GLOBAL) -> Spent:
    row = await conn.fetchrow(
        f"SELECT drafts, cost_usd FROM llm_budget WHERE day = {TODAY} AND installation_id = $1",
        installation_id,
    )
    return Spent(row["drafts"], row["cost_usd"]) if row else Spent(0, 0.0)
