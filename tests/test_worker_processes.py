"""Workers as real processes: a killed worker loses nothing, a stopped one drains."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from grimoire_bot.app import create_app
from grimoire_bot.db import open_pool
from grimoire_bot.spellbook import io as spellbook_io
from tests.advice_scenarios import INSTALLATION_ID, failed_job_delivery, log_bytes
from tests.fakes.github import FakeGitHub, signed_delivery
from tests.processes import OutputDrain, environment, start, stop
from tests.workers import settings_for, wait_for_status, wait_until

SECRET = "test-webhook-secret"
SHA = "89abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture
async def slow_github():
    async with FakeGitHub(timeout_delay=6.0) as fake:
        fake.add_installation(INSTALLATION_ID)
        yield fake


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=4) as pool:
        async with pool.acquire() as conn:
            await spellbook_io.seed_if_empty(conn)
        yield pool


@pytest.fixture
async def deliver(aiohttp_client, fresh_database_url, slow_github):
    client = await aiohttp_client(create_app(settings_for(slow_github), fresh_database_url))

    async def send(payload: dict, delivery_id: str) -> None:
        body, headers = signed_delivery("workflow_job", payload, SECRET, delivery_id=delivery_id)
        response = await client.post("/api/github/webhooks", data=body, headers=headers)
        assert response.status == 202

    return send


def worker_env(fake: FakeGitHub, database_url: str, **extra: str) -> dict[str, str]:
    return environment(
        DATABASE_URL=database_url,
        WEBHOOK_SECRET=SECRET,
        APP_ID=fake.app_id,
        PRIVATE_KEY=fake.private_key_pem,
        GHE_HOST=fake.ghe_host,
        GHE_PROTOCOL="http",
        GITHUB_WRITE_SPACING_SECONDS="0",
        JOB_HEARTBEAT_SECONDS="2",
        **extra,
    )


async def wait_for_request(fake: FakeGitHub, method: str, glob: str) -> None:
    async def seen() -> bool:
        return bool(fake.requests_to(method, glob))

    await wait_until(seen, within=30)


def grimoire_runs(fake: FakeGitHub) -> list:
    return [run for run in fake.check_runs.values() if run.data.get("name") == "Grimoire"]


async def test_a_worker_killed_mid_job_leaves_it_to_another_worker(
    deliver, pool, slow_github, fresh_database_url
):
    payload = failed_job_delivery(
        slow_github, job_id=2001, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    # The first read of the failed run hangs long enough to kill the worker inside it.
    slow_github.inject("GET", r"/check-runs/2001$", "timeout")
    env = worker_env(slow_github, fresh_database_url)
    doomed = await start("worker", env=env)
    await deliver(payload, "killed")
    await wait_for_request(slow_github, "GET", "/repos/*/check-runs/2001")
    code, _ = await stop(doomed, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert (
        await pool.fetchval("SELECT status::text FROM deliveries WHERE delivery_id = 'killed'")
        == "processing"
    )

    rescuer = await start("worker", env=env)
    try:
        assert await wait_for_status(pool, "killed", within=60) == "done"
    finally:
        await stop(rescuer)
    assert len(grimoire_runs(slow_github)) == 1
    assert await pool.fetchval("SELECT attempts FROM deliveries WHERE delivery_id = 'killed'") == 2


async def test_sigterm_lets_the_running_job_finish_within_the_grace_period(
    deliver, pool, slow_github, fresh_database_url
):
    payload = failed_job_delivery(
        slow_github, job_id=2101, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    slow_github.inject("GET", r"/check-runs/2101$", "timeout")
    worker = await start("worker", env=worker_env(slow_github, fresh_database_url))
    await deliver(payload, "drained")
    await wait_for_request(slow_github, "GET", "/repos/*/check-runs/2101")
    started = time.monotonic()
    code, output = await stop(worker, signal.SIGTERM)
    assert code == 0, output
    assert time.monotonic() - started < 25
    # The hung request times out on GitHub's side, the retry is queued, nothing is lost.
    status = await pool.fetchval(
        "SELECT status::text FROM deliveries WHERE delivery_id = 'drained'"
    )
    assert status in ("done", "queued")
    assert "worker stopped" in output


async def test_a_worker_out_of_grace_requeues_its_job_for_the_next_one(
    deliver, pool, slow_github, fresh_database_url
):
    payload = failed_job_delivery(
        slow_github, job_id=2201, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    slow_github.inject("GET", r"/check-runs/2201$", "timeout")
    env = worker_env(slow_github, fresh_database_url, SHUTDOWN_GRACE_SECONDS="0.5")
    worker = await start("worker", env=env)
    await deliver(payload, "cut-short")
    await wait_for_request(slow_github, "GET", "/repos/*/check-runs/2201")
    started = time.monotonic()
    code, output = await stop(worker, signal.SIGTERM)
    assert time.monotonic() - started < 5, output
    assert code == 0, output
    assert (
        await pool.fetchval("SELECT status::text FROM deliveries WHERE delivery_id = 'cut-short'")
        == "queued"
    )

    next_worker = await start("worker", env=worker_env(slow_github, fresh_database_url))
    try:
        assert await wait_for_status(pool, "cut-short", within=60) == "done"
    finally:
        await stop(next_worker)
    assert len(grimoire_runs(slow_github)) == 1


async def test_two_workers_share_the_queue_without_doing_anything_twice(
    deliver, pool, slow_github, fresh_database_url
):
    env = worker_env(slow_github, fresh_database_url)
    workers = [OutputDrain(await start("worker", env=env)) for _ in range(2)]

    async def both_listening() -> bool:
        return all(b"worker started" in b"".join(worker.chunks) for worker in workers)

    # Both must be consuming before the deliveries arrive, or the first one takes them all.
    await wait_until(both_listening, within=60)
    try:
        for number in range(8):
            payload = failed_job_delivery(
                slow_github, job_id=2300 + number, log=log_bytes("tsc"), head_sha=f"{number:040x}"
            )
            await deliver(payload, f"shared-{number}")
        for number in range(8):
            assert await wait_for_status(pool, f"shared-{number}", within=60) == "done"
    finally:
        outputs = await asyncio.gather(*(worker.stop() for worker in workers))
    assert len(grimoire_runs(slow_github)) == 8
    assert all("delivery processed" in output for _, output in outputs), "both workers took jobs"
