"""Faults, end to end with real processes: the database restarting under load.

The database here is a private PostgreSQL (pgserver, in a temporary folder) so it can be
stopped and started without disturbing other tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from grimoire_bot.db.migrations import apply_migrations
from tests.advice_scenarios import INSTALLATION_ID
from tests.fakes.github import FakeGitHub, signed_delivery
from tests.payloads import official_payload
from tests.processes import OutputDrain, environment, free_port, start
from tests.workers import wait_until

SECRET = "fault-webhook-secret"
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
