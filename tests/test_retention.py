"""Retention: old finished records go, in small batches; nothing unfinished or needed goes."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from grimoire_bot.db import open_pool
from grimoire_bot.retention import prune
from tests.processes import environment, run
from tests.workers import running_worker, settings_for, wait_until


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=6) as pool:
        yield pool


async def add_delivery(pool, status: str, age_days: float, delivery_id: str | None = None) -> str:
    delivery_id = delivery_id or uuid.uuid4().hex
    await pool.execute(
        """
        INSERT INTO deliveries (delivery_id, event, headers, payload, status, received_at,
                                finished_at)
        SELECT $1, 'check_run', '{}', '{}', $2::delivery_status, at,
               CASE WHEN $2 IN ('done', 'failed', 'ignored') THEN at END
        FROM (SELECT now() - make_interval(secs => $3 * 86400) AS at) t
        """,
        delivery_id,
        status,
        age_days,
    )
    await pool.execute(
        "INSERT INTO delivery_transitions (delivery_id, status, attempt) VALUES ($1, 'processing', 1)",
        delivery_id,
    )
    await pool.execute(
        "INSERT INTO handler_runs (delivery_id, attempt, handler, outcome, duration_ms) "
        "VALUES ($1, 1, 'failures.advise', 'ok', 1)",
        delivery_id,
    )
    await pool.execute(
        "INSERT INTO github_requests (delivery_id, attempt, method, url, status, duration_ms) "
        "VALUES ($1, 1, 'GET', 'https://api.github.com/x', 200, 1)",
        delivery_id,
    )
    return delivery_id


async def remaining(pool) -> set[str]:
    return {r["delivery_id"] for r in await pool.fetch("SELECT delivery_id FROM deliveries")}


async def test_only_old_finished_deliveries_go_with_their_records(pool):
    old_done = await add_delivery(pool, "done", 40)
    old_failed = await add_delivery(pool, "failed", 31)
    old_ignored = await add_delivery(pool, "ignored", 90)
    old_queued = await add_delivery(pool, "queued", 40)  # e.g. a redelivery waiting
    old_processing = await add_delivery(pool, "processing", 40)
    recent_done = await add_delivery(pool, "done", 29)

    report = await prune(pool, 30)

    assert await remaining(pool) == {old_queued, old_processing, recent_done}
    assert report.deleted["deliveries"] == 3
    for table in ("delivery_transitions", "handler_runs", "github_requests"):
        gone = await pool.fetchval(
            f"SELECT count(*) FROM {table} WHERE delivery_id = ANY($1::text[])",  # noqa: S608
            [old_done, old_failed, old_ignored],
        )
        assert gone == 0, table
        assert await pool.fetchval(f"SELECT count(*) FROM {table}") == 3, table  # noqa: S608


async def test_advice_rows_are_kept_for_check_run_idempotency(pool):
    await add_delivery(pool, "done", 400)
    run_id = await pool.fetchval(
        """
        INSERT INTO advice_runs (repository_id, repository, head_sha, external_id, source_name,
                                 created_at)
        VALUES (1, 'o/r', 'abc', 'grimoire:1', 'build', now() - interval '400 days')
        RETURNING id
        """
    )
    await prune(pool, 30)
    assert await pool.fetchval("SELECT count(*) FROM advice_runs WHERE id = $1", run_id) == 1


async def test_the_queue_log_and_expired_revocations_go(pool):
    await pool.execute(
        """
        INSERT INTO pgqueuer_log (created, job_id, status, priority, entrypoint)
        SELECT now() - interval '40 days', g, 'successful', 0, 'github_delivery'
        FROM generate_series(1, 7) g
        """
    )
    await pool.execute(
        "INSERT INTO pgqueuer_log (job_id, status, priority, entrypoint) "
        "VALUES (99, 'successful', 0, 'github_delivery')"
    )
    await pool.execute(
        "INSERT INTO revoked_tokens (jti, expires_at) VALUES "
        "(gen_random_uuid(), now() - interval '1 minute'), "
        "(gen_random_uuid(), now() + interval '1 hour')"
    )
    report = await prune(pool, 30, batch=3)
    assert report.deleted == {
        "deliveries": 0,
        "queue_log": 7,
        "revoked_tokens": 1,
        "failure_errors": 0,
        "rerank_verdicts": 0,
    }
    assert await pool.fetchval("SELECT count(*) FROM pgqueuer_log") == 1
    assert await pool.fetchval("SELECT count(*) FROM revoked_tokens") == 1


async def test_errors_read_from_failures_go_after_the_retention_period(pool):
    """The record of errors read from failures grew forever."""
    await pool.execute(
        """
        INSERT INTO failure_errors (repository_id, repository, head_sha, source_key,
            source_name, position, fingerprint, message, sample, matched, seen_at)
        SELECT 1, 'o/r', 'abc', 'check-run:' || g, 'build', 0, 'f', 'boom', 'boom', false,
               now() - make_interval(days => CASE WHEN g <= 12 THEN 31 ELSE 29 END)
        FROM generate_series(1, 15) g
        """
    )
    report = await prune(pool, 30, batch=5, pause=0)
    assert report.deleted["failure_errors"] == 12
    assert await pool.fetchval("SELECT count(*) FROM failure_errors") == 3


async def test_many_rows_go_in_small_batches(pool):
    for _ in range(23):
        await add_delivery(pool, "done", 45)
    report = await prune(pool, 30, batch=5, pause=0)
    assert report.deleted["deliveries"] == 23
    assert await remaining(pool) == set()


async def test_a_prune_never_waits_for_a_row_someone_holds(pool):
    """A delivery locked by another transaction (a worker, a redelivery) is skipped, not
    waited for: pruning must never stall behind, or stall, the rest of the service."""
    held = await add_delivery(pool, "done", 45)
    free = await add_delivery(pool, "done", 45)
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("SELECT 1 FROM deliveries WHERE delivery_id = $1 FOR UPDATE", held)
        started = time.monotonic()
        await asyncio.wait_for(prune(pool, 30), timeout=10)
        assert time.monotonic() - started < 5
    assert await remaining(pool) == {held}
    assert free not in await remaining(pool)


async def test_rerank_verdicts_past_the_period_go_but_not_open_claims(pool):
    """The LLM's rerank verdicts were kept forever."""
    await pool.execute(
        """
        INSERT INTO llm_reranks (fingerprint, candidates, state, updated_at)
        SELECT 'f' || g, '1,2', CASE WHEN g = 1 THEN 'asking' ELSE 'decided' END::llm_rerank_state,
               now() - make_interval(days => CASE WHEN g <= 4 THEN 31 ELSE 29 END)
        FROM generate_series(1, 6) g
        """
    )
    report = await prune(pool, 30, batch=2, pause=0)
    assert report.deleted["rerank_verdicts"] == 3
    left = await pool.fetch("SELECT fingerprint FROM llm_reranks ORDER BY fingerprint")
    assert [r["fingerprint"] for r in left] == ["f1", "f5", "f6"]


async def test_prune_command_reports_what_it_deleted(fresh_database_url, pool):
    await add_delivery(pool, "done", 10)
    code, output = await run(
        "prune", "--days", "7", env=environment(DATABASE_URL=fresh_database_url)
    )
    assert code == 0, output
    assert "Deleted 1 record(s) older than 7 day(s): 1 deliveries" in output
    code, output = await run(
        "prune", "--days", "1", env=environment(DATABASE_URL=fresh_database_url)
    )
    assert code == 2 and "at least 3" in output


async def test_workers_schedule_the_prune(pool, fake_github):
    async def scheduled() -> bool:
        return bool(
            await pool.fetchval(
                "SELECT count(*) FROM pgqueuer_schedules WHERE entrypoint = 'grimoire_prune'"
            )
        )

    async with running_worker(settings_for(fake_github, prune_schedule="*/5 * * * *"), pool):
        await wait_until(scheduled)
    expression = await pool.fetchval(
        "SELECT expression FROM pgqueuer_schedules WHERE entrypoint = 'grimoire_prune'"
    )
    assert expression == "*/5 * * * *"
