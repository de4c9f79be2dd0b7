"""Faults, end to end with real processes: the database restarting under load.

The database here is a private PostgreSQL (pgserver, in a temporary folder) so it can be
stopped and started without disturbing other tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from grimoire_bot.app import create_app
from grimoire_bot.db import open_pool
from grimoire_bot.db.migrations import apply_migrations
from grimoire_bot.spellbook import io as spellbook_io
from tests.advice_scenarios import INSTALLATION_ID, failed_job_delivery, log_bytes
from tests.fakes.github import FakeGitHub, signed_delivery
from tests.payloads import official_payload
from tests.processes import OutputDrain, environment, free_port, start
from tests.workers import (
    delivery_status,
    make_due,
    running_worker,
    settings_for,
    wait_for_status,
    wait_until,
)

SECRET = "fault-webhook-secret"
KILL_SHA = "4b1d" * 10
FINAL = ("done", "failed", "ignored")


@dataclass
class PrivatePostgres:
    """A PostgreSQL this test may stop and start: pgserver's binaries, a throwaway folder."""

    data: Path
    url: str
    user: str | None
    log: Path

    def stop(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data, user=self.user)

    def start(self) -> None:
        from pgserver._commands import pg_ctl

        args = ["-w", "-o", '-h ""', "-o", f"-k {self.data}", "-l", str(self.log), "start"]
        pg_ctl(args, pgdata=self.data, user=self.user, timeout=30)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    # A short folder (the socket's path must fit in 107 bytes) that pgserver's own system
    # user, which it runs PostgreSQL as when we are root, can enter.
    root = Path(tempfile.mkdtemp(prefix="grimoire-pg-"))
    root.chmod(0o755)
    data = root / "data"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pgserver.get_server(data, cleanup_mode=None)
    postgres = PrivatePostgres(data, server.get_uri(), server.system_user, server.log)
    apply_migrations(postgres.url)
    try:
        yield postgres
    finally:
        with contextlib.suppress(Exception):
            postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Answer:
    delivery_id: str
    status: int


async def post_delivery(session: aiohttp.ClientSession, base: str, index: int) -> Answer:
    payload = official_payload("check_run.completed", installation_id=INSTALLATION_ID)
    payload["check_run"] = {**payload["check_run"], "conclusion": "success"}
    delivery_id = f"fault-{index}"
    body, headers = signed_delivery("check_run", payload, SECRET, delivery_id=delivery_id)
    try:
        async with session.post(
            f"{base}/api/github/webhooks", data=body, headers=headers
        ) as response:
            await response.read()
            return Answer(delivery_id, response.status)
    except (aiohttp.ClientError, TimeoutError):
        return Answer(delivery_id, 0)


async def health(session: aiohttp.ClientSession, base: str) -> int:
    async with session.get(f"{base}/health") as response:
        return response.status


@pytest.mark.slow
async def test_a_database_restart_under_load_loses_no_acknowledged_delivery(
    private_postgres: PrivatePostgres,
):
    """While PostgreSQL is down, /health is 503 and webhooks are 503 (GitHub redelivers
    those), never 500; every delivery answered 202 is processed once it is back."""
    async with FakeGitHub() as fake:
        fake.add_installation(INSTALLATION_ID)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = environment(
            DATABASE_URL=private_postgres.url,
            WEBHOOK_SECRET=SECRET,
            APP_ID=fake.app_id,
            PRIVATE_KEY=fake.private_key_pem,
            GHE_HOST=fake.ghe_host,
            GHE_PROTOCOL="http",
            PORT=str(port),
            HOST="127.0.0.1",
            LOG_LEVEL="warning",
        )
        # Every refused delivery logs a traceback: read it as it comes.
        web = OutputDrain(await start("web", env=env))
        worker = OutputDrain(await start("worker", env=env))
        answers: list[Answer] = []
        health_while_down: list[int] = []
        try:
            timeout = aiohttp.ClientTimeout(total=10)
            async with aiohttp.ClientSession(timeout=timeout) as session:

                async def up() -> bool:
                    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                        return await health(session, base) == 200
                    return False

                await wait_until(up, within=60)
                index = 0

                async def send_for(seconds: float) -> None:
                    nonlocal index
                    until = time.monotonic() + seconds
                    while time.monotonic() < until:
                        answers.append(await post_delivery(session, base, index))
                        index += 1
                        await asyncio.sleep(0.02)

                await send_for(2.0)
                private_postgres.stop()
                await send_for(2.0)
                health_while_down.append(await health(session, base))
                private_postgres.start()
                await wait_until(up, within=30)
                await send_for(2.0)

                pool = await asyncpg.create_pool(private_postgres.url, min_size=1, max_size=2)
                try:
                    acknowledged = [a.delivery_id for a in answers if a.status == 202]

                    async def all_processed() -> bool:
                        finished = await pool.fetchval(
                            "SELECT count(*) FROM deliveries WHERE delivery_id = ANY($1::text[])"
                            " AND status::text = ANY($2::text[])",
                            acknowledged,
                            list(FINAL),
                        )
                        return finished == len(acknowledged)

                    await wait_until(all_processed, within=90, interval=0.5)
                    refused = [a.delivery_id for a in answers if a.status == 503]
                    recorded_refused = await pool.fetchval(
                        "SELECT count(*) FROM deliveries WHERE delivery_id = ANY($1::text[])",
                        refused,
                    )
                    statuses = {
                        row["status"]
                        for row in await pool.fetch(
                            "SELECT DISTINCT status::text AS status FROM deliveries"
                        )
                    }
                finally:
                    await pool.close()
        finally:
            _, web_output = await web.stop()
            _, worker_output = await worker.stop()

    codes = {answer.status for answer in answers}
    assert codes <= {202, 503}, (codes, web_output[-3000:])
    assert 503 in codes and 202 in codes
    assert health_while_down == [503]
    assert recorded_refused == 0  # a 503 stored nothing: GitHub's redelivery is the copy
    assert statuses == {"done"}, worker_output[-3000:]


@pytest.fixture
async def slow_github():
    async with FakeGitHub(timeout_delay=30.0) as fake:
        fake.add_installation(INSTALLATION_ID)
        yield fake


@pytest.mark.slow
async def test_a_worker_killed_while_it_holds_the_commit_lock_loses_and_doubles_nothing(
    aiohttp_client, fresh_database_url, slow_github
):
    """A worker SIGKILLed in the middle of posting (inside the per-commit advisory lock)
    must not leave the commit locked, lose its delivery or make the next one post twice."""
    fake = slow_github
    app = create_app(settings_for(fake, webhook_secret=SECRET), fresh_database_url)
    client = await aiohttp_client(app)

    async def deliver(payload: dict, delivery_id: str) -> None:
        body, headers = signed_delivery("workflow_job", payload, SECRET, delivery_id=delivery_id)
        response = await client.post("/api/github/webhooks", data=body, headers=headers)
        assert response.status == 202, await response.text()

    async with open_pool(fresh_database_url, max_size=3) as pool:
        async with pool.acquire() as conn:
            await spellbook_io.seed_if_empty(conn)
        env = environment(
            DATABASE_URL=fresh_database_url,
            WEBHOOK_SECRET=SECRET,
            APP_ID=fake.app_id,
            PRIVATE_KEY=fake.private_key_pem,
            GHE_HOST=fake.ghe_host,
            GHE_PROTOCOL="http",
            GITHUB_WRITE_SPACING_SECONDS="0",
            JOB_HEARTBEAT_SECONDS="2",
        )
        # The first check-run POST hangs: the worker is then inside the commit's lock.
        fake.inject("POST", r"/check-runs$", "timeout")
        doomed = OutputDrain(await start("worker", env=env))
        first = failed_job_delivery(
            fake,
            job_id=4101,
            log=log_bytes("pytest-import-error"),
            head_sha=KILL_SHA,
            name="test (3.11)",
        )
        await deliver(first, "locked-then-killed")

        async def posting() -> bool:
            return bool(fake.requests_to("POST", "/repos/*/check-runs"))

        await wait_until(posting, within=60)
        code, _ = await doomed.stop(signal.SIGKILL)
        assert code == -signal.SIGKILL

        # A sibling job of the same commit fails meanwhile.
        second = failed_job_delivery(
            fake,
            job_id=4102,
            log=log_bytes("pytest-import-error"),
            head_sha=KILL_SHA,
            name="test (3.12)",
        )
        await deliver(second, "sibling")
        rescuer = OutputDrain(await start("worker", env=env))
        try:
            assert await wait_for_status(pool, "sibling", within=90) == "done"
            assert await wait_for_status(pool, "locked-then-killed", within=90) == "done"
        finally:
            _, output = await rescuer.stop()

    runs = [
        run
        for run in fake.check_runs.values()
        if run.data.get("name") == "Grimoire" and run.data.get("head_sha") == KILL_SHA
    ]
    assert len(runs) == 1, output[-3000:]
    places = [(a["path"], a["start_line"]) for a in runs[0].annotations]
    assert places and len(places) == len(set(places)), places
    summary = runs[0].output["summary"]
    assert "test (3.11)" in summary and "test (3.12)" in summary


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", r"/check-runs/\d+$", 502),
        ("GET", r"/check-runs/\d+$", "timeout"),
        ("GET", r"/check-runs/\d+$", "rate_limit_429"),
        ("GET", r"/check-runs/\d+$", "secondary_403"),
        ("GET", r"/actions/jobs/\d+/logs$", 502),
        ("POST", r"/check-runs$", 502),
        ("POST", r"/check-runs$", "lost_response"),
    ],
)
async def test_github_faults_are_backed_off_then_the_run_is_posted_once(
    aiohttp_client, fresh_database_url, fake_github, method, path, kind
):
    """GitHub answering 502, timing out, rate limiting (429, secondary 403) or losing the
    answer to a write: the delivery backs off (inline or by going back to the queue) and
    ends with exactly one Grimoire run."""
    settings = settings_for(fake_github, webhook_secret=SECRET, github_write_spacing_seconds=0)
    client = await aiohttp_client(create_app(settings, fresh_database_url))
    fake_github.add_installation(INSTALLATION_ID)
    sha = f"{abs(hash((method, path, str(kind)))):040x}"[:40]
    payload = failed_job_delivery(
        fake_github, job_id=4200, log=log_bytes("pytest-import-error"), head_sha=sha
    )
    fake_github.inject(method, path, kind, times=2)
    body, headers = signed_delivery("workflow_job", payload, SECRET, delivery_id="faulty")
    assert (await client.post("/api/github/webhooks", data=body, headers=headers)).status == 202
    async with open_pool(fresh_database_url, max_size=6) as pool:
        async with pool.acquire() as conn:
            await spellbook_io.seed_if_empty(conn)
        async with running_worker(settings, pool):

            async def finished() -> bool:
                await make_due(pool)  # skip the back-off GitHub asked for
                return await delivery_status(pool, "faulty") in ("done", "failed")

            await wait_until(finished, within=90, interval=0.5)
            row = await pool.fetchrow(
                "SELECT status::text, attempts, last_error FROM deliveries "
                "WHERE delivery_id = 'faulty'"
            )
    assert row["status"] == "done", row["last_error"]
    runs = [r for r in fake_github.check_runs.values() if r.data.get("name") == "Grimoire"]
    assert len(runs) == 1
    places = [(a["path"], a["start_line"]) for a in runs[0].annotations]
    assert len(places) == len(set(places))
