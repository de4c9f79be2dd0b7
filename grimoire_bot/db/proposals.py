"""SQL for proposed changes to spells, waiting for a curator."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import asyncpg

from grimoire_bot.db.spells import UNREVIEWED_AI_DRAFT_OF_S

PROPOSAL_COLUMNS = (
    "p.id, p.spell_id, p.base_revision, s.revision AS current_revision, p.changes, p.reason, "
    "p.status::text AS status, p.proposed_by, p.created_at, p.decided_by, p.decided_at, "
    "p.decision_reason, p.applied_revision"
)
FROM_PROPOSALS = "FROM spell_proposals p JOIN spells s ON s.id = p.spell_id"


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"


async def create_proposal(
    conn: asyncpg.Connection,
    *,
    spell_id: int,
    base_revision: int,
    changes: Mapping[str, Any],
    reason: str | None,
    proposed_by: int,
) -> asyncpg.Record:
    proposal_id = await conn.fetchval(
        "INSERT INTO spell_proposals (spell_id, base_revision, changes, reason, proposed_by) "
        "VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING id",
        spell_id,
        base_revision,
        dict(changes),
        reason,
        proposed_by,
    )
    return await get_proposal(conn, proposal_id)


async def get_proposal(
    conn: asyncpg.Connection,
    proposal_id: int,
    *,
    for_update: bool = False,
    with_unreviewed_ai_drafts: bool = True,
) -> asyncpg.Record | None:
    """One proposal; `for_update` locks it until the end of the transaction; without
    `with_unreviewed_ai_drafts`, None for one on an AI draft nobody approved yet."""
    hidden = "" if with_unreviewed_ai_drafts else f" AND NOT {UNREVIEWED_AI_DRAFT_OF_S}"
    lock = " FOR UPDATE OF p" if for_update else ""
    return await conn.fetchrow(
        f"SELECT {PROPOSAL_COLUMNS} {FROM_PROPOSALS} WHERE p.id = $1{hidden}{lock}", proposal_id
    )


async def list_proposals(
    conn: asyncpg.Connection,
    *,
    spell_id: int | None = None,
    status: ProposalStatus | None = None,
    skip: int = 0,
    limit: int = 100,
    with_unreviewed_ai_drafts: bool = True,
) -> tuple[list[asyncpg.Record], int]:
    """A page of proposals, oldest first (the review queue's order), and how many match;
    without `with_unreviewed_ai_drafts`, none on an AI draft nobody approved yet."""
    hidden = "" if with_unreviewed_ai_drafts else f" AND NOT {UNREVIEWED_AI_DRAFT_OF_S}"
    where = (
        "WHERE ($1::bigint IS NULL OR p.spell_id = $1) "
        f"AND ($2::proposal_status IS NULL OR p.status = $2::proposal_status){hidden}"
    )
    status_value = status.value if status is not None else None
    rows = await conn.fetch(
        f"SELECT {PROPOSAL_COLUMNS} {FROM_PROPOSALS} {where} ORDER BY p.id OFFSET $3 LIMIT $4",
        spell_id,
        status_value,
        skip,
        limit,
    )
    total = await conn.fetchval(
        f"SELECT count(*) {FROM_PROPOSALS} {where}", spell_id, status_value
    )
    return rows, total


async def decide_proposal(
    conn: asyncpg.Connection,
    proposal_id: int,
    *,
    status: ProposalStatus,
    decided_by: int,
    reason: str | None,
    applied_revision: int | None = None,
) -> asyncpg.Record:
    await conn.execute(
        """
        UPDATE spell_proposals
           SET status = $2::proposal_status, decided_by = $3, decided_at = now(),
               decision_reason = $4, applied_revision = $5
         WHERE id = $1
        """,
        proposal_id,
        status.value,
        decided_by,
        reason,
        applied_revision,
    )
    return await get_proposal(conn, proposal_id)
