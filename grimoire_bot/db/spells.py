"""SQL for the spellbook.

Every write goes through `_write`, which attributes it (who, why, what kind of change) in
the same transaction, so the revision the database records for it says who made it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from grimoire_bot.db.revisions import Attribution, attribute

SPELL_COLUMNS = (
    "id, key, title, description, error_type, error_pattern, solution_code, tags, ecosystem, "
    "scope::text AS scope, status::text AS status, examples, auto_generated, confidence, "
    "created_by, created_at, updated_at, revision"
)
# Fields a client may write; everything else is managed by the service.
WRITABLE_FIELDS = (
    "key",
    "title",
    "description",
    "error_type",
    "error_pattern",
    "solution_code",
    "tags",
    "ecosystem",
    "scope",
    "status",
    "examples",
    "auto_generated",
    "confidence",
)
CASTS = {"scope": "::spell_scope", "status": "::spell_status", "examples": "::jsonb"}
# An AI draft no curator approved yet: written from a failure's log, possibly a private
# repository's, so only reviewers see it (`spells s` or plain `spells`).
UNREVIEWED_AI_DRAFT = "(auto_generated AND status <> 'approved')"
UNREVIEWED_AI_DRAFT_OF_S = "(s.auto_generated AND s.status <> 'approved')"
TAG_ARRAY = "string_to_array(lower(replace(tags, ' ', '')), ',')"


@dataclass(frozen=True)
class SpellFilter:
    q: str | None = None
    tags: tuple[str, ...] = ()
    error_type: str | None = None
    status: str | None = None
    scope: str | None = None
    ecosystem: str | None = None
    auto_generated: bool | None = None
    # AI drafts nobody approved carry text from the log they came from, possibly a private
    # repository's: only reviewers list them.
    with_unreviewed_ai_drafts: bool = True


def _where(filters: SpellFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if filters.q:
        clauses.append(f"search @@ websearch_to_tsquery('english', {arg(filters.q)})")
    if filters.tags:
        clauses.append(f"{TAG_ARRAY} @> {arg([t.lower() for t in filters.tags])}::text[]")
    if filters.error_type:
        clauses.append(f"lower(error_type) = lower({arg(filters.error_type)})")
    if filters.status:
        clauses.append(f"status = {arg(filters.status)}::spell_status")
    if filters.scope:
        clauses.append(f"scope = {arg(filters.scope)}::spell_scope")
    if filters.ecosystem:
        clauses.append(f"ecosystem = {arg(filters.ecosystem)}")
    if filters.auto_generated is not None:
        clauses.append(f"auto_generated = {arg(filters.auto_generated)}")
    if not filters.with_unreviewed_ai_drafts:
        clauses.append(f"NOT {UNREVIEWED_AI_DRAFT}")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


async def list_spells(
    conn: asyncpg.Connection, filters: SpellFilter, *, skip: int, limit: int
) -> list[asyncpg.Record]:
    where, args = _where(filters)
    order = "id"
    if filters.q:
        # $1 is the query text whenever q is set (it is the first filter added).
        order = "ts_rank(search, websearch_to_tsquery('english', $1)) DESC, id"
    args += [skip, limit]
    return await conn.fetch(
        f"SELECT {SPELL_COLUMNS} FROM spells{where} ORDER BY {order} "
        f"OFFSET ${len(args) - 1} LIMIT ${len(args)}",
        *args,
    )


async def count_spells(conn: asyncpg.Connection, filters: SpellFilter) -> int:
    where, args = _where(filters)
    return await conn.fetchval(f"SELECT count(*) FROM spells{where}", *args)


async def get_spell(
    conn: asyncpg.Connection, spell_id: int, *, with_unreviewed_ai_drafts: bool = True
) -> asyncpg.Record | None:
    """One spell; with `with_unreviewed_ai_drafts=False`, None for an AI draft nobody
    approved yet (as for a caller who may not see it)."""
    hidden = "" if with_unreviewed_ai_drafts else f" AND NOT {UNREVIEWED_AI_DRAFT}"
    return await conn.fetchrow(
        f"SELECT {SPELL_COLUMNS} FROM spells WHERE id = $1{hidden}", spell_id
    )


async def get_spells(
    conn: asyncpg.Connection, ids: Sequence[int], *, with_unreviewed_ai_drafts: bool = True
) -> dict[int, asyncpg.Record]:
    hidden = "" if with_unreviewed_ai_drafts else f" AND NOT {UNREVIEWED_AI_DRAFT}"
    rows = await conn.fetch(
        f"SELECT {SPELL_COLUMNS} FROM spells WHERE id = ANY($1){hidden}", list(ids)
    )
    return {row["id"]: row for row in rows}


async def _write(
    conn: asyncpg.Connection, attribution: Attribution, query: str, *args: Any
) -> asyncpg.Record | None:
    """Run one write to `spells`, attributed, in a transaction (a savepoint inside one)."""
    async with conn.transaction():
        await attribute(conn, attribution)
        return await conn.fetchrow(query, *args)


def _insert_parts(fields: Mapping[str, Any]) -> tuple[list[str], list[str], list[Any]]:
    names = [name for name in WRITABLE_FIELDS if name in fields]
    placeholders = [f"${i}{CASTS.get(name, '')}" for i, name in enumerate(names, start=1)]
    return names, placeholders, [fields[name] for name in names]


async def create_spell(
    conn: asyncpg.Connection,
    fields: Mapping[str, Any],
    created_by: int | None,
    attribution: Attribution,
) -> asyncpg.Record:
    names, placeholders, values = _insert_parts(fields)
    row = await _write(
        conn,
        attribution,
        f"INSERT INTO spells ({', '.join(names)}, created_by) "
        f"VALUES ({', '.join(placeholders)}, ${len(names) + 1}) RETURNING {SPELL_COLUMNS}",
        *values,
        created_by,
    )
    assert row is not None
    return row


async def update_spell(
    conn: asyncpg.Connection,
    spell_id: int,
    fields: Mapping[str, Any],
    attribution: Attribution,
) -> asyncpg.Record | None:
    """Set `fields`; the updated spell, or None if it does not exist. Setting a field to
    the value it has records no revision."""
    names = [name for name in WRITABLE_FIELDS if name in fields]
    if not names:
        return await get_spell(conn, spell_id)
    assignments = [f"{name} = ${i}{CASTS.get(name, '')}" for i, name in enumerate(names, start=2)]
    return await _write(
        conn,
        attribution,
        f"UPDATE spells SET {', '.join(assignments)}, updated_at = now() "
        f"WHERE id = $1 RETURNING {SPELL_COLUMNS}",
        spell_id,
        *[fields[name] for name in names],
    )


async def delete_spell(conn: asyncpg.Connection, spell_id: int, attribution: Attribution) -> bool:
    row = await _write(conn, attribution, "DELETE FROM spells WHERE id = $1 RETURNING id", spell_id)
    return row is not None


async def recreate_spell(
    conn: asyncpg.Connection,
    spell_id: int,
    fields: Mapping[str, Any],
    created_by: int | None,
    attribution: Attribution,
) -> asyncpg.Record:
    """Bring a deleted spell back under its old id (its history continues)."""
    names, placeholders, values = _insert_parts(fields)
    row = await _write(
        conn,
        attribution,
        f"INSERT INTO spells (id, {', '.join(names)}, created_by) OVERRIDING SYSTEM VALUE "
        f"VALUES (${len(names) + 1}, {', '.join(placeholders)}, ${len(names) + 2}) "
        f"RETURNING {SPELL_COLUMNS}",
        *values,
        spell_id,
        created_by,
    )
    assert row is not None
    return row


async def lock_spell(conn: asyncpg.Connection, spell_id: int) -> asyncpg.Record | None:
    """The spell, locked until the end of the transaction (for read-check-write)."""
    return await conn.fetchrow(
        f"SELECT {SPELL_COLUMNS} FROM spells WHERE id = $1 FOR UPDATE", spell_id
    )


async def upsert_spell_by_key(
    conn: asyncpg.Connection, fields: Mapping[str, Any], attribution: Attribution
) -> str:
    """Insert or update the spell with this key; return 'created', 'updated' or 'unchanged'."""
    names, placeholders, values = _insert_parts(fields)
    updatable = [name for name in names if name != "key"]
    row = await _write(
        conn,
        attribution,
        f"""
        INSERT INTO spells ({", ".join(names)}) VALUES ({", ".join(placeholders)})
        ON CONFLICT (key) DO UPDATE SET
            {", ".join(f"{n} = EXCLUDED.{n}" for n in updatable)}, updated_at = now()
        WHERE ({", ".join(f"spells.{n}" for n in updatable)})
              IS DISTINCT FROM ({", ".join(f"EXCLUDED.{n}" for n in updatable)})
        RETURNING (xmax = 0) AS created
        """,
        *values,
    )
    if row is None:
        return "unchanged"
    return "created" if row["created"] else "updated"


async def count_all(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM spells")


async def spells_with_keys(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(f"SELECT {SPELL_COLUMNS} FROM spells ORDER BY key NULLS LAST, id")


async def spellbook_version(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT version FROM spellbook_version")


async def spells_for_index(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every spell that may match: a rejected spell never does."""
    return await conn.fetch(
        "SELECT id, title, description, error_type, error_pattern, tags, ecosystem, "
        "status::text AS status, scope::text AS scope, examples, solution_code FROM spells "
        "WHERE status <> 'rejected'"
    )
