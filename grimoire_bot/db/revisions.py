"""SQL for spell revisions: saying who changes a spell and why, and reading the history.

The rows themselves are written by the `spells_record_revision` trigger (migration 0006),
so no path that changes a spell can skip its revision. `attribute` tells that trigger who
is writing, through settings local to the current transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import asyncpg

REVISION_COLUMNS = (
    "id, spell_id, revision, change::text AS change, source::text AS source, actor_id, "
    "proposal_id, reason, changes, snapshot, created_at"
)


class Change(enum.StrEnum):
    """What kind of change a revision records (the `spell_change` type)."""

    CREATE = "create"
    EDIT = "edit"
    APPROVE = "approve"
    REJECT = "reject"
    RESTORE = "restore"
    PROPOSAL = "proposal"
    DELETE = "delete"


class Source(enum.StrEnum):
    """Through which path a change came (the `change_source` type)."""

    API = "api"
    IMPORT = "import"
    SEED = "seed"
    LLM = "llm"
    MIGRATION = "migration"
    SQL = "sql"  # nobody said: hand-written SQL


@dataclass(frozen=True)
class Attribution:
    """Who writes, why, and what kind of change it is, for the revision trigger."""

    source: Source
    change: Change | None = None  # None: create, edit or delete, from the statement
    actor_id: int | None = None
    reason: str | None = None
    proposal_id: int | None = None


async def attribute(conn: asyncpg.Connection, attribution: Attribution) -> None:
    """Attribute the spell writes of the current transaction (call it inside one).

    Every setting is written each time, so nothing leaks from an earlier write in the
    same transaction.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("attribute() must run inside the transaction that writes")
    values = {
        "grimoire.source": attribution.source.value,
        "grimoire.change": attribution.change.value if attribution.change else "",
        "grimoire.actor_id": _text(attribution.actor_id),
        "grimoire.reason": attribution.reason or "",
        "grimoire.proposal_id": _text(attribution.proposal_id),
    }
    await conn.execute(
        "SELECT set_config(name, value, true) "
        "FROM unnest($1::text[], $2::text[]) AS setting (name, value)",
        list(values),
        list(values.values()),
    )


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


async def list_revisions(
    conn: asyncpg.Connection, spell_id: int, *, skip: int = 0, limit: int = 100
) -> tuple[list[asyncpg.Record], int]:
    """A spell's revisions, newest first, and how many there are."""
    rows = await conn.fetch(
        f"SELECT {REVISION_COLUMNS} FROM spell_revisions WHERE spell_id = $1 "
        "ORDER BY revision DESC OFFSET $2 LIMIT $3",
        spell_id,
        skip,
        limit,
    )
    total = await conn.fetchval(
        "SELECT count(*) FROM spell_revisions WHERE spell_id = $1", spell_id
    )
    return rows, total


async def get_revision(
    conn: asyncpg.Connection, spell_id: int, revision: int
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {REVISION_COLUMNS} FROM spell_revisions WHERE spell_id = $1 AND revision = $2",
        spell_id,
        revision,
    )


async def latest_revision(conn: asyncpg.Connection, spell_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {REVISION_COLUMNS} FROM spell_revisions WHERE spell_id = $1 "
        "ORDER BY revision DESC LIMIT 1",
        spell_id,
    )


async def fields_changed_since(conn: asyncpg.Connection, spell_id: int, revision: int) -> set[str]:
    """Every field some revision after `revision` changed."""
    rows = await conn.fetch(
        "SELECT DISTINCT jsonb_object_keys(changes) AS field FROM spell_revisions "
        "WHERE spell_id = $1 AND revision > $2",
        spell_id,
        revision,
    )
    return {row["field"] for row in rows}


async def is_unreviewed_ai_draft(conn: asyncpg.Connection, spell_id: int) -> bool:
    """Whether the spell is, or was when it was deleted, an AI draft nobody approved."""
    return await conn.fetchval(
        """
        SELECT coalesce(
            (SELECT auto_generated AND status <> 'approved' FROM spells WHERE id = $1),
            (SELECT (snapshot->>'auto_generated')::boolean
                    AND snapshot->>'status' IS DISTINCT FROM 'approved'
               FROM spell_revisions WHERE spell_id = $1 ORDER BY revision DESC LIMIT 1),
            false)
        """,
        spell_id,
    )
