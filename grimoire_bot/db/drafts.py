"""SQL for LLM drafts: the per-fingerprint claim, the drafted spells and their provenance,
the record of every drafting call, and the review statistics per model."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg

from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.revisions import Attribution, Source

DRAFT_COLUMNS = (
    "d.fingerprint, d.state::text AS state, d.claim, d.claimed_at, d.spell_id, d.retry_after, "
    "d.retry_after > now() AS cooling, d.last_reason, d.reuses, s.status::text AS spell_status"
)
SHOWN_OUTCOMES = ("drafted", "reused")


@dataclass(frozen=True)
class Provenance:
    provider: str
    model: str
    prompt_version: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    requests: int
    fingerprint: str
    repository_id: int | None
    repository: str | None
    installation_id: int | None
    delivery_id: str | None


@dataclass(frozen=True)
class CallRecord:
    delivery_id: str | None
    repository_id: int | None
    repository: str | None
    installation_id: int | None
    fingerprint: str
    error_message: str
    error_file: str | None
    error_line: int | None
    outcome: str
    reason: str | None
    provider: str | None
    model: str | None
    prompt_version: str | None
    requests: int
    tokens_in: int
    tokens_out: int
    cost_usd: float
    spell_id: int | None
    duration_ms: float


# ---------------------------------------------------------------- the claim


async def get_draft_state(conn: asyncpg.Connection, fingerprint: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {DRAFT_COLUMNS} FROM llm_drafts d LEFT JOIN spells s ON s.id = d.spell_id "
        "WHERE d.fingerprint = $1",
        fingerprint,
    )


async def claim_draft(
    conn: asyncpg.Connection, fingerprint: str, stale_after_seconds: float
) -> uuid.UUID | None:
    """Become the one worker drafting for `fingerprint`, or None when another may not be
    displaced: it holds a fresh claim, a usable draft exists, or a failure is cooling down.

    A claim is taken over when its holder went quiet for `stale_after_seconds` (killed
    mid-request), when a failure's cool-down is over, or when the draft was deleted."""
    return await conn.fetchval(
        """
        INSERT INTO llm_drafts AS d (fingerprint, state) VALUES ($1, 'drafting')
        ON CONFLICT (fingerprint) DO UPDATE
        SET state = 'drafting', claim = gen_random_uuid(), claimed_at = now(), updated_at = now()
        WHERE (d.state = 'failed' AND d.retry_after <= now())
           OR (d.state = 'drafting' AND d.claimed_at < now() - make_interval(secs => $2))
           OR (d.state = 'drafted' AND d.spell_id IS NULL)
        RETURNING d.claim
        """,
        fingerprint,
        stale_after_seconds,
    )


async def release_claim(conn: asyncpg.Connection, fingerprint: str, claim: uuid.UUID) -> None:
    """Give up a claim without a verdict (over budget): the next failure may try again."""
    await conn.execute(
        "DELETE FROM llm_drafts WHERE fingerprint = $1 AND claim = $2 AND state = 'drafting'",
        fingerprint,
        claim,
    )


async def mark_failed(
    conn: asyncpg.Connection,
    fingerprint: str,
    claim: uuid.UUID,
    reason: str,
    cool_down_seconds: float,
) -> None:
    await conn.execute(
        """
        UPDATE llm_drafts SET state = 'failed', last_reason = $3, updated_at = now(),
            retry_after = now() + make_interval(secs => $4)
        WHERE fingerprint = $1 AND claim = $2
        """,
        fingerprint,
        claim,
        reason,
        cool_down_seconds,
    )


async def count_reuse(conn: asyncpg.Connection, fingerprint: str, delivery_id: str | None) -> None:
    """One more failure was shown the draft; a retried delivery that was shown it already
    is not counted twice."""
    await conn.execute(
        """
        UPDATE llm_drafts SET reuses = reuses + 1, updated_at = now()
        WHERE fingerprint = $1 AND NOT EXISTS (
            SELECT 1 FROM llm_calls c
            WHERE c.delivery_id = $2 AND c.fingerprint = $1 AND c.outcome::text = ANY($3)
        )
        """,
        fingerprint,
        delivery_id,
        list(SHOWN_OUTCOMES),
    )


# ---------------------------------------------------------------- drafted spells


class ClaimLost(Exception):
    """Another worker took the claim over: this draft must not be stored."""


async def store_draft(
    conn: asyncpg.Connection,
    claim: uuid.UUID,
    fields: Mapping[str, Any],
    provenance: Provenance,
) -> asyncpg.Record:
    """Insert the draft spell and its provenance, and settle the claim, in one transaction.

    Raises ClaimLost (storing nothing) when the claim is no longer ours."""
    async with conn.transaction():
        held = await conn.fetchval(
            "SELECT true FROM llm_drafts WHERE fingerprint = $1 AND claim = $2 "
            "AND state = 'drafting' FOR UPDATE",
            provenance.fingerprint,
            claim,
        )
        if not held:
            raise ClaimLost(provenance.fingerprint)
        spell = await db_spells.create_spell(
            conn, fields, created_by=None, attribution=Attribution(source=Source.LLM)
        )
        values = asdict(provenance)
        names = list(values)
        await conn.execute(
            f"INSERT INTO spell_provenance (spell_id, {', '.join(names)}) "
            f"VALUES ($1, {', '.join(f'${i}' for i in range(2, len(names) + 2))})",
            spell["id"],
            *values.values(),
        )
        await conn.execute(
            "UPDATE llm_drafts SET state = 'drafted', spell_id = $3, last_reason = NULL, "
            "retry_after = NULL, updated_at = now() WHERE fingerprint = $1 AND claim = $2",
            provenance.fingerprint,
            claim,
            spell["id"],
        )
    return spell


async def draft_with_provenance(conn: asyncpg.Connection, spell_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT s.*, p.provider, p.model FROM (SELECT {db_spells.SPELL_COLUMNS} FROM spells "
        "WHERE id = $1) s LEFT JOIN spell_provenance p ON p.spell_id = s.id",
        spell_id,
    )


async def spell_examples(conn: asyncpg.Connection) -> dict[str, list[str]]:
    """Every log spell's examples by key (rejected ones left out): a draft may match none."""
    rows = await conn.fetch(
        "SELECT key, examples FROM spells "
        "WHERE status <> 'rejected' AND scope = 'log' AND examples <> '[]'"
    )
    return {row["key"]: list(row["examples"]) for row in rows}


# ---------------------------------------------------------------- calls


async def record_call(conn: asyncpg.Connection, call: CallRecord) -> None:
    values = asdict(call)
    names = list(values)
    placeholders = [
        f"${i}::llm_outcome" if name == "outcome" else f"${i}"
        for i, name in enumerate(names, start=1)
    ]
    await conn.execute(
        f"INSERT INTO llm_calls ({', '.join(names)}) VALUES ({', '.join(placeholders)})",
        *values.values(),
    )


async def calls_for_delivery(conn: asyncpg.Connection, delivery_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT fingerprint, error_message, error_file, error_line, outcome::text AS outcome, "
        "reason, provider, model, prompt_version, requests, tokens_in, tokens_out, cost_usd, "
        "spell_id, duration_ms, at FROM llm_calls WHERE delivery_id = $1 ORDER BY id",
        delivery_id,
    )


async def shown_drafts_for_delivery(
    conn: asyncpg.Connection, delivery_id: str
) -> list[asyncpg.Record]:
    """The drafts a delivery's check run may show: drafted or reused, not reviewed since,
    each spell once (with the error of its latest call)."""
    return await conn.fetch(
        f"""
        SELECT DISTINCT ON (s.id) c.error_message, c.error_file, c.error_line, s.*,
            p.provider, p.model
        FROM llm_calls c
        JOIN (SELECT {db_spells.SPELL_COLUMNS} FROM spells) s ON s.id = c.spell_id
        LEFT JOIN spell_provenance p ON p.spell_id = s.id
        WHERE c.delivery_id = $1 AND c.outcome::text = ANY($2) AND s.status = 'draft'
        ORDER BY s.id, c.id DESC
        """,
        delivery_id,
        list(SHOWN_OUTCOMES),
    )


# ---------------------------------------------------------------- statistics


async def review_stats_by_model(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """AI drafts per provider and model: how many, and how review treated them."""
    return await conn.fetch(
        """
        SELECT p.provider, p.model,
            count(*) AS drafts,
            count(*) FILTER (WHERE s.status = 'approved') AS approved,
            count(*) FILTER (WHERE s.status = 'rejected') AS rejected,
            count(*) FILTER (WHERE s.status = 'draft') AS pending,
            coalesce(sum(d.reuses), 0)::bigint AS reuses,
            coalesce(sum(p.cost_usd), 0) AS cost_usd
        FROM spell_provenance p
        JOIN spells s ON s.id = p.spell_id
        LEFT JOIN llm_drafts d ON d.spell_id = s.id
        GROUP BY p.provider, p.model
        ORDER BY p.provider, p.model
        """
    )


async def call_totals(conn: asyncpg.Connection, since_days: int) -> list[asyncpg.Record]:
    """Calls per outcome over the last `since_days` UTC days (today included)."""
    return await conn.fetch(
        """
        SELECT outcome::text AS outcome, count(*) AS calls, sum(requests)::bigint AS requests,
            sum(tokens_in)::bigint AS tokens_in, sum(tokens_out)::bigint AS tokens_out,
            sum(cost_usd) AS cost_usd
        FROM llm_calls
        WHERE at >= (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
                    - make_interval(days => $1 - 1)
        GROUP BY outcome ORDER BY outcome
        """,
        since_days,
    )
