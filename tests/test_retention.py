"""Retention: old finished records go, in small batches; nothing unfinished or needed goes."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from grimoire_bot.app import create_app
from grimoire_bot.db import open_pool
from grimoire_bot.embeddings import current_model_name
from grimoire_bot.retention import prune
from grimoire_bot.spellbook import io as spellbook_io
from tests.advice_scenarios import INSTALLATION_ID, failed_job_delivery, log_bytes
from tests.fakes.github import signed_delivery
from tests.payloads import official_payload
from tests.processes import environment, run
from tests.workers import running_worker, settings_for, wait_for_status, wait_until

SECRET = "test-webhook-secret"
SHA = "0123456789abcdef0123456789abcdef01234567"
# A commit's run and everything it is rebuilt from: posting again must find them.
KEPT = (
    "commit_runs",
    "advised_sources",
    "advised_errors",
    "advised_spells",
    "commit_run_annotations",
)
# Every timestamp a posted run leaves, to age it all past any retention period.
AGED = (
    ("deliveries", "received_at"),
    ("deliveries", "finished_at"),
    ("commit_runs", "created_at"),
    ("commit_runs", "updated_at"),
    ("advised_sources", "advised_at"),
    ("commit_run_annotations", "posted_at"),
    ("failure_errors", "seen_at"),
)


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


async def test_a_commits_run_outlives_the_period_and_is_updated_not_posted_again(
    fresh_database_url, aiohttp_client, fake_github
):
    """What makes posting to a commit idempotent (`commit_runs`, `advised_*`,
    `commit_run_annotations`) survives a prune however old it is: a re-run of the check run
    months later PATCHes the same run on GitHub instead of POSTing a second one."""
    settings = settings_for(fake_github, github_write_spacing_seconds=0.0)
    client = await aiohttp_client(create_app(settings, fresh_database_url))
    fake_github.add_installation(INSTALLATION_ID)

    async def send(event: str, payload: dict, delivery_id: str) -> None:
        body, headers = signed_delivery(event, payload, SECRET, delivery_id=delivery_id)
        response = await client.post("/api/github/webhooks", data=body, headers=headers)
        assert response.status == 202, await response.text()

    async with open_pool(fresh_database_url, max_size=8) as pool:
        async with pool.acquire() as conn:
            assert await spellbook_io.seed_if_empty(conn) is not None
        payload = failed_job_delivery(
            fake_github, job_id=4101, log=log_bytes("pytest-import-error"), head_sha=SHA
        )
        async with running_worker(settings, pool):
            await send("workflow_job", payload, "old-job")
            assert await wait_for_status(pool, "old-job") == "done"
        [run] = [r for r in fake_github.check_runs.values() if r.data.get("name") == "Grimoire"]
        kept = {table: await pool.fetchval(f"SELECT count(*) FROM {table}") for table in KEPT}  # noqa: S608
        assert all(kept.values()), kept  # the run really stored rows in each table

        # Everything happened 400 days ago.
        for table, column in AGED:
            await pool.execute(
                f"UPDATE {table} SET {column} = {column} - interval '400 days'"  # noqa: S608
            )
        report = await prune(pool, 30)
        assert report.deleted["deliveries"] == 1  # the prune did prune
        assert {t: await pool.fetchval(f"SELECT count(*) FROM {t}") for t in KEPT} == kept  # noqa: S608

        rerun = official_payload("check_run.rerequested")
        rerun["installation"] = {"id": INSTALLATION_ID}
        rerun["check_run"] = {**run.data, "output": dict(run.output)}
        rerun["repository"] = payload["repository"]
        async with running_worker(settings, pool):
            await send("check_run", rerun, "months-later")
            assert await wait_for_status(pool, "months-later") == "done"
    assert len(fake_github.requests_to("POST", "/repos/*/check-runs")) == 1
    assert len(fake_github.requests_to("PATCH", f"/repos/*/check-runs/{run.id}")) == 1
    assert [r.data.get("name") for r in fake_github.check_runs.values()].count("Grimoire") == 1


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
        "llm_calls": 0,
        "llm_budget_days": 0,
        "old_model_vectors": 0,
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


async def add_llm_call(pool, age_days: float, delivery_id: str | None) -> None:
    await pool.execute(
        """
        INSERT INTO llm_calls (delivery_id, fingerprint, error_message, outcome, duration_ms, at)
        VALUES ($1, 'f', 'boom', 'drafted', 1, now() - make_interval(secs => $2 * 86400))
        """,
        delivery_id,
        age_days,
    )


async def test_llm_calls_of_the_draft_command_go_after_the_period(pool):
    """LLM calls made outside a delivery (`draft`) have no delivery to go with: they stayed."""
    for age in (31, 40, 400):
        await add_llm_call(pool, age, None)
    await add_llm_call(pool, 29, None)
    kept_delivery = await add_delivery(pool, "done", 1)
    await add_llm_call(pool, 400, kept_delivery)  # goes with its delivery, not before
    report = await prune(pool, 30, batch=2, pause=0)
    assert report.deleted["llm_calls"] == 3
    left = await pool.fetch(
        "SELECT delivery_id, round(extract(epoch FROM now() - at) / 86400) AS days "
        "FROM llm_calls ORDER BY at"
    )
    assert [(r["delivery_id"], r["days"]) for r in left] == [(kept_delivery, 400), (None, 29)]


async def test_daily_llm_budget_rows_go_after_the_period_but_never_today(pool):
    """One row per UTC day and installation was added forever."""
    await pool.execute(
        """
        INSERT INTO llm_budget (day, installation_id, drafts, cost_usd)
        SELECT (now() AT TIME ZONE 'UTC')::date - d, i, 1, 0.5
        FROM unnest(ARRAY[0, 1, 29, 32, 60, 365]) d, unnest(ARRAY[0, 42]) i
        """
    )
    report = await prune(pool, 30, batch=3, pause=0)
    assert report.deleted["llm_budget_days"] == 6
    left = await pool.fetch(
        "SELECT DISTINCT (now() AT TIME ZONE 'UTC')::date - day AS age FROM llm_budget ORDER BY age"
    )
    assert [r["age"] for r in left] == [0, 1, 29]


async def test_vectors_of_models_no_longer_used_go_after_the_period(pool):
    """Switching embedding models (a wordllama upgrade) left the old model's vectors."""
    model = current_model_name()
    assert model is not None  # the bundled model is installed with the project
    spells = [
        await pool.fetchval(
            "INSERT INTO spells (key, title, error_pattern, solution_code) "
            "VALUES ($1, $1, 'x', 'fix') RETURNING id",
            f"test.{n}",
        )
        for n in range(3)
    ]
    # The current model's vectors stay however old; another model's go once the period is
    # over (until then a process not yet upgraded may still read them).
    rows = [(model, 400), ("wordllama-old@0.1", 400), ("wordllama-other@0.2", 10)]
    for spell_id in spells:
        for name, age in rows:
            await pool.execute(
                "INSERT INTO spell_embeddings (spell_id, model, digest, dimensions, vector, "
                "computed_at) VALUES ($1, $2, 'd', 1, $3, now() - make_interval(days => $4))",
                spell_id,
                name,
                b"\x00\x00",
                age,
            )
    report = await prune(pool, 30, batch=2, pause=0)
    assert report.deleted["old_model_vectors"] == 3
    left = await pool.fetch("SELECT DISTINCT model FROM spell_embeddings ORDER BY model")
    assert [r["model"] for r in left] == sorted([model, "wordllama-other@0.2"])
