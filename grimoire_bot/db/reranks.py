"""SQL for LLM reranks: one row per error fingerprint and candidate set, first the claim of
the one worker asking, then the verdict every later failure reuses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

COLUMNS = (
    "fingerprint, candidates, state::text AS state, claim, choice, valid, reason, "
    "retry_after, retry_after > now() AS cooling, provider, model"
)


@dataclass(frozen=True)
class Verdict:
    """What the model answered, and what asking it cost."""

    choice: int | None
    valid: bool
    reason: str
    provider: str
    model: str
    prompt_version: str
    requests: int
    tokens_in: int
    tokens_out: int
    cost_usd: float


@dataclass(frozen=True)
class Asker:
    """Where the question was first asked (kept for the record only)."""

    repository_id: int | None
    installation_id: int | None
    delivery_id: str | None


async def get_rerank(
    conn: asyncpg.Connection, fingerprint: str, candidates: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {COLUMNS} FROM llm_reranks WHERE fingerprint = $1 AND candidates = $2",
        fingerprint,
        candidates,
    )


async def claim_rerank(
    conn: asyncpg.Connection,
    fingerprint: str,
    candidates: str,
    stale_after_seconds: float,
    asker: Asker,
) -> uuid.UUID | None:
    """Become the one worker asking about this error and candidate set, or None: another
    holds a fresh claim, a verdict exists, or a failure is cooling down. A failure without
    a cool-down (over budget) or a claim whose holder went quiet is taken over."""
    return await conn.fetchval(
        """
        INSERT INTO llm_reranks AS r
            (fingerprint, candidates, state, repository_id, installation_id, delivery_id)
        VALUES ($1, $2, 'asking', $4, $5, $6)
        ON CONFLICT (fingerprint, candidates) DO UPDATE
        SET state = 'asking', claim = gen_random_uuid(), claimed_at = now(), updated_at = now()
        WHERE (r.state = 'failed' AND (r.retry_after IS NULL OR r.retry_after <= now()))
           OR (r.state = 'asking' AND r.claimed_at < now() - make_interval(secs => $3))
        RETURNING r.claim
        """,
        fingerprint,
        candidates,
        stale_after_seconds,
        asker.repository_id,
        asker.installation_id,
        asker.delivery_id,
    )


async def store_verdict(
    conn: asyncpg.Connection, fingerprint: str, candidates: str, claim: uuid.UUID, v: Verdict
) -> bool:
    """Record the verdict under our claim; False when the claim was lost meanwhile."""
    stored = await conn.fetchval(
        """
        UPDATE llm_reranks SET state = 'decided', choice = $4, valid = $5, reason = $6,
            provider = $7, model = $8, prompt_version = $9, requests = requests + $10,
            tokens_in = tokens_in + $11, tokens_out = tokens_out + $12,
            cost_usd = cost_usd + $13, retry_after = NULL, updated_at = now()
        WHERE fingerprint = $1 AND candidates = $2 AND claim = $3
        RETURNING true
        """,
        fingerprint,
        candidates,
        claim,
        v.choice,
        v.valid,
        v.reason,
        v.provider,
        v.model,
        v.prompt_version,
        v.requests,
        v.tokens_in,
        v.tokens_out,
        v.cost_usd,
    )
    return bool(stored)


async def mark_failed(
    conn: asyncpg.Connection,
    fingerprint: str,
    candidates: str,
    claim: uuid.UUID,
    reason: str,
    cool_down_seconds: float | None,
    *,
    requests: int = 0,
    tokens_in: int = 0,
    tokens_out: int = 0,
    cost_usd: float = 0.0,
) -> None:
    """No verdict, and why (`cool_down_seconds` None: the next failure may ask at once)."""
    await conn.execute(
        """
        UPDATE llm_reranks SET state = 'failed', reason = $4, updated_at = now(),
            retry_after = CASE WHEN $5::float8 IS NULL THEN NULL
                               ELSE now() + make_interval(secs => $5::float8) END,
            requests = requests + $6, tokens_in = tokens_in + $7,
            tokens_out = tokens_out + $8, cost_usd = cost_usd + $9
        WHERE fingerprint = $1 AND candidates = $2 AND claim = $3
        """,
        fingerprint,
        candidates,
        claim,
        reason,
        cool_down_seconds,
        requests,
        tokens_in,
        tokens_out,
        cost_usd,
    )


async def count_use(conn: asyncpg.Connection, fingerprint: str, candidates: str) -> None:
    await conn.execute(
        "UPDATE llm_reranks SET uses = uses + 1 WHERE fingerprint = $1 AND candidates = $2",
        fingerprint,
        candidates,
    )
