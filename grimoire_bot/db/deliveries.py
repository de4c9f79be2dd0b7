"""SQL for webhook deliveries: intake, the worker's bookkeeping and the delivery log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

SUMMARY_COLUMNS = (
    "delivery_id, event, action, installation_id, repository, status::text AS status, "
    "attempts, last_error, received_at, started_at, finished_at, duration_ms"
)


@dataclass(frozen=True)
class NewDelivery:
    delivery_id: str
    event: str
    action: str | None
    installation_id: int | None
    repository: str | None
    headers: dict[str, str]
    payload_json: str  # the JSON text as received; stored as jsonb without a re-encode


async def record_deliveries(
    conn: asyncpg.Connection, deliveries: Sequence[NewDelivery], statuses: Sequence[str]
) -> set[str]:
    """Insert many deliveries in one statement; return the ids that were new.

    The caller passes each delivery id at most once: a repeat in one statement could not
    be told apart from the first in what comes back.
    """
    rows = await conn.fetch(
        """
        INSERT INTO deliveries
            (delivery_id, event, action, installation_id, repository, headers, payload, status)
        SELECT delivery_id, event, action, installation_id, repository, headers,
               payload::jsonb, status::delivery_status
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],
                    $6::jsonb[], $7::text[], $8::text[])
             AS d(delivery_id, event, action, installation_id, repository, headers, payload,
                  status)
        ON CONFLICT (delivery_id) DO NOTHING
        RETURNING delivery_id
        """,
        [d.delivery_id for d in deliveries],
        [d.event for d in deliveries],
        [d.action for d in deliveries],
        [d.installation_id for d in deliveries],
        [d.repository for d in deliveries],
        [d.headers for d in deliveries],
        [d.payload_json for d in deliveries],
        list(statuses),
    )
    return {row["delivery_id"] for row in rows}


@dataclass(frozen=True)
class ClaimedDelivery:
    delivery_id: str
    event: str
    payload: dict[str, Any]
    installation_id: int | None
    attempt: int
    succeeded_handlers: frozenset[str]


async def claim_delivery(conn: asyncpg.Connection, delivery_id: str) -> ClaimedDelivery | None:
    """Mark a queued delivery as processing and count the attempt.

    None when there is nothing to do: the row is gone, or it already reached a final
    state (a stale job for a delivery that was since completed).
    """
    row = await conn.fetchrow(
        """
        UPDATE deliveries
        SET status = 'processing', attempts = attempts + 1, started_at = now()
        WHERE delivery_id = $1 AND status IN ('queued', 'processing')
        RETURNING event, payload, installation_id, attempts, fresh_after_attempt
        """,
        delivery_id,
    )
    if row is None:
        return None
    await add_transition(conn, delivery_id, "processing", row["attempts"], None)
    succeeded = await conn.fetch(
        "SELECT DISTINCT handler FROM handler_runs "
        "WHERE delivery_id = $1 AND outcome = 'ok' AND attempt > $2",
        delivery_id,
        row["fresh_after_attempt"],
    )
    return ClaimedDelivery(
        delivery_id=delivery_id,
        event=row["event"],
        payload=row["payload"],
        installation_id=row["installation_id"],
        attempt=row["attempts"],
        succeeded_handlers=frozenset(r["handler"] for r in succeeded),
    )


async def add_transition(
    conn: asyncpg.Connection, delivery_id: str, status: str, attempt: int, detail: str | None
) -> None:
    await conn.execute(
        "INSERT INTO delivery_transitions (delivery_id, status, attempt, detail) "
        "VALUES ($1, $2::delivery_status, $3, $4)",
        delivery_id,
        status,
        attempt,
        detail,
    )


async def finish_delivery(
    conn: asyncpg.Connection, delivery_id: str, status: str, attempt: int, error: str | None
) -> None:
    """Record the outcome of an attempt: a final status, or 'queued' again for a retry."""
    async with conn.transaction():
        await conn.execute(
            """
            UPDATE deliveries SET
                status = $2::delivery_status,
                last_error = $3,
                finished_at = CASE WHEN $2 = 'queued' THEN NULL ELSE now() END,
                duration_ms = extract(epoch FROM now() - started_at) * 1000
            WHERE delivery_id = $1
            """,
            delivery_id,
            status,
            error,
        )
        await add_transition(conn, delivery_id, status, attempt, error)


async def return_to_queue(conn: asyncpg.Connection, delivery_id: str, detail: str) -> bool:
    """Put a delivery whose processing was interrupted back to `queued`."""
    attempt = await conn.fetchval(
        "UPDATE deliveries SET status = 'queued', last_error = $2 "
        "WHERE delivery_id = $1 AND status = 'processing' RETURNING attempts",
        delivery_id,
        detail,
    )
    if attempt is None:
        return False
    await add_transition(conn, delivery_id, "queued", attempt, detail)
    return True


@dataclass(frozen=True)
class HandlerRun:
    handler: str
    outcome: str  # ok | failed | retry
    error: str | None
    duration_ms: float


@dataclass(frozen=True)
class GitHubRequest:
    handler: str | None
    method: str
    url: str
    status: int | None
    duration_ms: float
    error: str | None


async def record_attempt_details(
    conn: asyncpg.Connection,
    delivery_id: str,
    attempt: int,
    runs: Sequence[HandlerRun],
    requests: Sequence[GitHubRequest],
) -> None:
    await conn.executemany(
        "INSERT INTO handler_runs (delivery_id, attempt, handler, outcome, error, duration_ms) "
        "VALUES ($1, $2, $3, $4::handler_outcome, $5, $6)",
        [(delivery_id, attempt, r.handler, r.outcome, r.error, r.duration_ms) for r in runs],
    )
    await conn.executemany(
        "INSERT INTO github_requests "
        "(delivery_id, attempt, handler, method, url, status, duration_ms, error) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            (delivery_id, attempt, q.handler, q.method, q.url, q.status, q.duration_ms, q.error)
            for q in requests
        ],
    )


async def requeue_delivery(conn: asyncpg.Connection, delivery_id: str, detail: str) -> str:
    """Put a stored delivery back in the queue, to run every handler afresh.

    Returns 'queued', or why not: 'missing', or 'busy' while a job for it waits or runs.
    A delivery marked queued whose job is gone (parked by the queue after a failure it
    could not retry) counts as not busy, so it can always be recovered.
    """
    row = await conn.fetchrow(
        """
        UPDATE deliveries SET status = 'queued', last_error = NULL, finished_at = NULL,
                              fresh_after_attempt = attempts
        WHERE delivery_id = $1
          AND (status NOT IN ('queued', 'processing')
               OR NOT EXISTS (SELECT 1 FROM pgqueuer
                              WHERE payload = convert_to($1, 'UTF8')
                                AND status IN ('queued', 'picked')))
        RETURNING attempts
        """,
        delivery_id,
    )
    if row is None:
        exists = await conn.fetchval("SELECT 1 FROM deliveries WHERE delivery_id = $1", delivery_id)
        return "busy" if exists else "missing"
    await add_transition(conn, delivery_id, "queued", row["attempts"], detail)
    return "queued"


@dataclass(frozen=True)
class DeliveryFilter:
    event: str | None = None
    status: str | None = None
    repository: str | None = None
    since: datetime | None = None


def _where(filters: DeliveryFilter) -> tuple[str, list[Any]]:
    clauses, args = [], []
    for column, value in (
        ("event = ${}", filters.event),
        ("status = ${}::delivery_status", filters.status),
        ("lower(repository) = lower(${})", filters.repository),
        ("received_at >= ${}", filters.since),
    ):
        if value is not None:
            args.append(value)
            clauses.append(column.format(len(args)))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


async def list_deliveries(
    conn: asyncpg.Connection, filters: DeliveryFilter, *, skip: int, limit: int
) -> tuple[list[asyncpg.Record], int]:
    where, args = _where(filters)
    rows = await conn.fetch(
        f"SELECT {SUMMARY_COLUMNS} FROM deliveries{where} "
        f"ORDER BY received_at DESC, delivery_id OFFSET ${len(args) + 1} LIMIT ${len(args) + 2}",
        *args,
        skip,
        limit,
    )
    total = await conn.fetchval(f"SELECT count(*) FROM deliveries{where}", *args)
    return rows, total


async def get_delivery_detail(conn: asyncpg.Connection, delivery_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {SUMMARY_COLUMNS}, headers, payload FROM deliveries WHERE delivery_id = $1",
        delivery_id,
    )
    if row is None:
        return None
    transitions = await conn.fetch(
        "SELECT status::text AS status, attempt, detail, at FROM delivery_transitions "
        "WHERE delivery_id = $1 ORDER BY id",
        delivery_id,
    )
    handlers = await conn.fetch(
        "SELECT attempt, handler, outcome::text AS outcome, error, duration_ms, at "
        "FROM handler_runs WHERE delivery_id = $1 ORDER BY id",
        delivery_id,
    )
    requests = await conn.fetch(
        "SELECT attempt, handler, method, url, status, duration_ms, error, at "
        "FROM github_requests WHERE delivery_id = $1 ORDER BY id",
        delivery_id,
    )
    return {
        **dict(row),
        "transitions": [dict(t) for t in transitions],
        "handlers": [dict(h) for h in handlers],
        "github_requests": [dict(r) for r in requests],
    }
