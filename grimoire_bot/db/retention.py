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

from collections.abc import Sequence
from datetime import timedelta

import asyncpg

FINISHED_DELIVERY_STATUSES = ("done", "failed", "ignored")


async def _delete_batch(
    conn: asyncpg.Connection,
    table: str,
    keys: Sequence[str],
    where: str,
    order_by: str | None,
    batch: int,
    *args: object,
) -> int:
    """Delete at most `batch` rows of `table` that `where` selects (its parameters are
    `args`, `$1` on; the batch size comes after them), first by `order_by`, skipping rows
    someone holds; how many went. `keys` identify a row. Every piece of SQL is one of this
    module's constants, never input."""
    order = f" ORDER BY {order_by}" if order_by else ""
    same_row = " AND ".join(f"t.{key} = doomed.{key}" for key in keys)
    return await conn.fetchval(
        f"""
        WITH doomed AS (
            SELECT {", ".join(keys)} FROM {table} WHERE {where}{order}
            LIMIT ${len(args) + 1} FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM {table} t USING doomed WHERE {same_row} RETURNING 1
        )
        SELECT count(*) FROM deleted
        """,
        *args,
        batch,
    )


async def delete_finished_deliveries(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """Finished deliveries (never queued or processing ones) older than the cut."""
    return await _delete_batch(
        conn,
        "deliveries",
        ["delivery_id"],
        "received_at < now() - $1::interval"  # bounds the index scan
        " AND coalesce(finished_at, received_at) < now() - $1::interval"
        " AND status::text = ANY($2::text[])",
        "received_at",
        batch,
        older_than,
        list(FINISHED_DELIVERY_STATUSES),
    )


async def delete_queue_log(conn: asyncpg.Connection, older_than: timedelta, batch: int) -> int:
    """pgqueuer's log of finished jobs and its per-second statistics."""
    older = "created < now() - $1::interval"
    log = await _delete_batch(conn, "pgqueuer_log", ["id"], older, "id", batch, older_than)
    statistics = await _delete_batch(
        conn, "pgqueuer_statistics", ["id"], older, "id", batch, older_than
    )
    return log + statistics


async def delete_expired_revocations(conn: asyncpg.Connection, batch: int) -> int:
    """Revoked tokens past their expiry: they would be refused as expired anyway."""
    return await _delete_batch(conn, "revoked_tokens", ["jti"], "expires_at < now()", None, batch)


async def delete_old_failure_errors(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """Errors read from failures longer ago than the cut (the console counts recent ones)."""
    return await _delete_batch(
        conn,
        "failure_errors",
        ["id"],
        "seen_at < now() - $1::interval",
        "seen_at",
        batch,
        older_than,
    )


async def delete_old_rerank_verdicts(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """LLM rerank verdicts settled longer ago than the cut, used or not: the question is
    asked afresh, so no verdict outlives later edits of its spells by more than the period.
    A claim still being asked for is kept whatever its age (its worker settles it)."""
    return await _delete_batch(
        conn,
        "llm_reranks",
        ["fingerprint", "candidates"],
        "updated_at < now() - $1::interval AND state <> 'asking'",
        "updated_at",
        batch,
        older_than,
    )


async def delete_old_unattached_llm_calls(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """LLM calls made outside any delivery (the `draft` command) longer ago than the cut:
    those of a delivery go with it, these had nothing to go with."""
    return await _delete_batch(
        conn,
        "llm_calls",
        ["id"],
        "delivery_id IS NULL AND at < now() - $1::interval",
        "at",
        batch,
        older_than,
    )


async def delete_old_llm_budget_days(
    conn: asyncpg.Connection, older_than: timedelta, batch: int
) -> int:
    """Daily LLM spend rows of UTC days that ended longer ago than the cut: only today's
    row is ever read (the caps), so older ones are history nobody asks for."""
    return await _delete_batch(
        conn,
        "llm_budget",
        ["day", "installation_id"],
        "day < ((now() - $1::interval) AT TIME ZONE 'UTC')::date",
        "day",
        batch,
        older_than,
    )


async def delete_other_models_embeddings(
    conn: asyncpg.Connection, current_model: str, older_than: timedelta, batch: int
) -> int:
    """Spell vectors of a model other than `current_model` computed longer ago than the
    cut. The age keeps a rolling upgrade safe: processes still on the old model find their
    vectors until the period is over."""
    return await _delete_batch(
        conn,
        "spell_embeddings",
        ["spell_id", "model"],
        "model <> $1 AND computed_at < now() - $2::interval",
        "computed_at",
        batch,
        current_model,
        older_than,
    )
