"""SQL that forgets what is no longer needed, a small batch at a time.

Each statement deletes at most `batch` rows chosen with `FOR UPDATE SKIP LOCKED`, so a
prune never waits on, or makes wait, a row that intake or a worker is using; the caller
loops until a batch comes back short. Deliveries cascade to their transitions, handler
runs, GitHub request records and LLM call records; the errors read from failures
(`failure_errors`), LLM calls made outside any delivery (the `draft` command), daily LLM
budget rows and vectors of embedding models no longer used go by their own age. What a
check run's idempotency needs (`commit_runs`, `advised_*`, `commit_run_annotations`, and
the older `advice_*` rows) and what curators need (spells, votes, revisions) is never
touched here.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

FINISHED_DELIVERY_STATUSES = ("done", "failed", "ignored")


async def delete_finished_deliveries(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """Finished deliveries (never queued or processing ones) older than the cut."""
    return await conn.fetchval(
        """
        WITH doomed AS (
            SELECT delivery_id FROM deliveries
            WHERE received_at < now() - $1::interval  -- bounds the index scan
              AND coalesce(finished_at, received_at) < now() - $1::interval
              AND status::text = ANY($3::text[])
            ORDER BY received_at
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM deliveries d USING doomed
            WHERE d.delivery_id = doomed.delivery_id
            RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        older_than,
        batch,
        list(FINISHED_DELIVERY_STATUSES),
    )


async def delete_queue_log(conn: asyncpg.Connection, older_than: timedelta, batch: int) -> int:
    """pgqueuer's log of finished jobs and its per-second statistics."""
    log = await conn.fetchval(
        """
        WITH doomed AS (
            SELECT id FROM pgqueuer_log WHERE created < now() - $1::interval
            ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM pgqueuer_log l USING doomed WHERE l.id = doomed.id RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        older_than,
        batch,
    )
    statistics = await conn.fetchval(
        """
        WITH doomed AS (
            SELECT id FROM pgqueuer_statistics WHERE created < now() - $1::interval
            ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM pgqueuer_statistics s USING doomed WHERE s.id = doomed.id RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        older_than,
        batch,
    )
    return log + statistics


async def delete_expired_revocations(conn: asyncpg.Connection, batch: int) -> int:
    """Revoked tokens past their expiry: they would be refused as expired anyway."""
    return await conn.fetchval(
        """
        WITH doomed AS (
            SELECT jti FROM revoked_tokens WHERE expires_at < now()
            LIMIT $1 FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM revoked_tokens r USING doomed WHERE r.jti = doomed.jti RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        batch,
    )


async def delete_old_failure_errors(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """Errors read from failures longer ago than the cut (the console counts recent ones)."""
    return await conn.fetchval(
        """
        WITH doomed AS (
            SELECT id FROM failure_errors WHERE seen_at < now() - $1::interval
            ORDER BY seen_at LIMIT $2 FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM failure_errors f USING doomed WHERE f.id = doomed.id RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        older_than,
        batch,
    )


async def delete_old_rerank_verdicts(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """LLM rerank verdicts settled longer ago than the cut, used or not: the question is
    asked afresh, so no verdict outlives later edits of its spells by more than the period.
    A claim still being asked for is kept whatever its age (its worker settles it)."""
    return await conn.fetchval(
        """
        WITH doomed AS (
            SELECT fingerprint, candidates FROM llm_reranks
            WHERE updated_at < now() - $1::interval AND state <> 'asking'
            ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM llm_reranks r USING doomed
            WHERE r.fingerprint = doomed.fingerprint AND r.candidates = doomed.candidates
            RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        older_than,
        batch,
    )


async def delete_old_unattached_llm_calls(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """LLM calls made outside any delivery (the `draft` command) longer ago than the cut:
    those of a delivery go with it, these had nothing to go with."""
    return await conn.fetchval(
        """
        WITH doomed AS (
            SELECT id FROM llm_calls
            WHERE delivery_id IS NULL AND at < now() - $1::interval
            ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM llm_calls c USING doomed WHERE c.id = doomed.id RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        older_than,
        batch,
    )


async def delete_old_llm_budget_days(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """Daily LLM spend rows of UTC days that ended longer ago than the cut: only today's
    row is ever read (the caps), so older ones are history nobody asks for."""
    return await conn.fetchval(
        """
        WITH doomed AS (
            SELECT day, installation_id FROM llm_budget
            WHERE day < ((now() - $1::interval) AT TIME ZONE 'UTC')::date
            ORDER BY day LIMIT $2 FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM llm_budget b USING doomed
            WHERE b.day = doomed.day AND b.installation_id = doomed.installation_id
            RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        older_than,
        batch,
    )


async def delete_other_models_embeddings(
    conn: asyncpg.Connection, current_model: str, older_than: timedelta, batch: int
) -> int:
    """Spell vectors of a model other than `current_model` computed longer ago than the
    cut. The age keeps a rolling upgrade safe: processes still on the old model find their
    vectors until the period is over."""
    return await conn.fetchval(
        """
        WITH doomed AS (
            SELECT spell_id, model FROM spell_embeddings
            WHERE model <> $1 AND computed_at < now() - $2::interval
            ORDER BY computed_at LIMIT $3 FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM spell_embeddings e USING doomed
            WHERE e.spell_id = doomed.spell_id AND e.model = doomed.model
            RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        current_model,
        older_than,
        batch,
    )
