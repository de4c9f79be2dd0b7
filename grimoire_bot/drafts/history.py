"""What drafting showed for a delivery, read back from the database: a check run's summary
is rebuilt from committed state, so its AI drafts section must be too."""

from __future__ import annotations

import asyncpg

from grimoire_bot.db import drafts as db_drafts

from .policy import AiDraft
from .render import ShownDraft


async def shown_drafts_for_delivery(pool: asyncpg.Pool, delivery_id: str) -> list[ShownDraft]:
    """The drafts drafted or reused for a delivery's errors and still unreviewed (a draft
    rejected or approved since is no longer shown as an AI draft)."""
    async with pool.acquire() as conn:
        rows = await db_drafts.shown_drafts_for_delivery(conn, delivery_id)
    shown = []
    for row in rows:
        location = row["error_file"]
        if location and row["error_line"]:
            location = f"{location}:{row['error_line']}"
        shown.append(ShownDraft(row["error_message"], location, AiDraft.from_row(row)))
    return shown
