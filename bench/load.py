"""Load without loss: signed deliveries at a fixed rate into one web and two worker processes,
a third worker started halfway, every delivery accounted for at the end.

    python -m bench.load                 # 60 s at 200 deliveries/s (12,000 deliveries)
    python -m bench.load --quick         # 10 s at 100/s
    python -m bench.load --seconds 30 --rate 150

The web and worker processes are the real commands (`python -m grimoire_bot web|worker`)
on one fresh database, talking to the fake GitHub from the tests, which this process
serves; this process is also the load generator (open loop: the i-th delivery is sent at
start + i/rate whether or not earlier ones were answered, so a slow server shows as
latency, not as a lower rate). The mix is what an App sees: mostly check runs that
passed (handled, nothing to do), one in ten a failed Actions job (log download, match,
a check run posted), one in twenty an event nobody handles (ignored).

Reported: the 202's p50/p99, processing lag (deliveries waiting and the oldest one's
age) every few seconds, deliveries finished per second before and after the third worker
started, and the accounting: every acknowledged delivery ended done, ignored or failed
with a reason; none was handled twice (no handler succeeded twice on one delivery, no
failed job got two check runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from bench._support import (  # noqa: E402
    BENCH_SECRET_KEY,
    WEBHOOK_SECRET,
    bench_database,
    percentile,
    print_table,
    quiet_logging,
)
from grimoire_bot.db import open_pool  # noqa: E402
from grimoire_bot.spellbook import io as spellbook_io  # noqa: E402
from tests.advice_scenarios import INSTALLATION_ID, failed_job_delivery, log_bytes  # noqa: E402
from tests.fakes.github import FakeGitHub, signed_delivery  # noqa: E402
from tests.payloads import official_payload, payload_dir  # noqa: E402
from tests.processes import free_port  # noqa: E402

FAILED_JOB_EVERY = 10
IGNORED_EVENT_EVERY = 20
SAMPLE_EVERY_SECONDS = 5.0
DRAIN_TIMEOUT_SECONDS = 600.0
FIRST_JOB_ID = 9_000_001
FAILURE_LOG = "pytest-import-error"
# Left out at the start of each throughput window, so a process starting does not count.
# The window after the third worker runs to the last delivery finished: while a backlog
# remains, deliveries finished per second is what the workers can do.
SETTLE_SECONDS = 5.0


@dataclass
class Sent:
    delivery_id: str
    kind: str
    at: float  # seconds since the start
    latency: float | None = None
    status: int | None = None
    head_sha: str | None = None


@dataclass
class Run:
    sent: list[Sent] = field(default_factory=list)
    samples: list[tuple[float, int, float, int]] = field(default_factory=list)
    third_worker_at: float = 0.0


def process_env(fake: FakeGitHub, database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIMOIRE_", "APP_"))}
    env.update(
        APP_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=BENCH_SECRET_KEY,
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        APP_ID=fake.app_id,
        PRIVATE_KEY=fake.private_key_pem,
        GHE_HOST=fake.ghe_host,
        GHE_PROTOCOL="http",
        GITHUB_WRITE_SPACING_SECONDS="0",
        LOG_LEVEL="warning",
        HOST="127.0.0.1",
        PORT=str(port),
        DB_POOL_MAX="10",
        PYTHONUNBUFFERED="1",
    )
    return env


async def start(command: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "grimoire_bot",
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def wait_healthy(session: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"{base}/health") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise RuntimeError("the web process never became healthy")


def delivery_for(index: int, fake: FakeGitHub, run_tag: str) -> tuple[str, str, dict, str | None]:
    """(kind, event, payload, head sha of a failed job) for the index-th delivery."""
    if index % FAILED_JOB_EVERY == 0:
        head_sha = uuid.uuid5(uuid.NAMESPACE_OID, f"{run_tag}-{index}").hex.ljust(40, "0")[:40]
        payload = failed_job_delivery(
            fake, job_id=FIRST_JOB_ID + index, log=log_bytes(FAILURE_LOG), head_sha=head_sha
        )
        return "failed job", "workflow_job", payload, head_sha
    if index % IGNORED_EVENT_EVERY == 1:
        payload = official_payload("check_suite.completed", installation_id=INSTALLATION_ID)
        return "ignored", "check_suite", payload, None
    payload = official_payload("check_run.completed", installation_id=INSTALLATION_ID)
    payload["check_run"] = {**payload["check_run"], "conclusion": "success"}
    return "passed check", "check_run", payload, None


async def generate(
    session: aiohttp.ClientSession,
    base: str,
    fake: FakeGitHub,
    rate: float,
    seconds: float,
    on_halfway: Any,
) -> list[Sent]:
    total = int(rate * seconds)
    run_tag = uuid.uuid4().hex[:8]
    prepared = []
    for index in range(total):
        kind, event, payload, head_sha = delivery_for(index, fake, run_tag)
        delivery_id = f"load-{run_tag}-{index}"
        body, headers = signed_delivery(event, payload, WEBHOOK_SECRET, delivery_id=delivery_id)
        prepared.append((Sent(delivery_id, kind, 0.0, head_sha=head_sha), body, headers))

    async def send(item: Sent, body: bytes, headers: dict[str, str]) -> None:
        started = time.perf_counter()
        try:
            async with session.post(
                f"{base}/api/github/webhooks", data=body, headers=headers
            ) as response:
                await response.read()
                item.status = response.status
        except aiohttp.ClientError:
            item.status = 0
        item.latency = time.perf_counter() - started

    tasks = []
    start_at = time.perf_counter()
    halfway_done = False
    for index, (item, body, headers) in enumerate(prepared):
        due = start_at + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        item.at = time.perf_counter() - start_at
        if not halfway_done and item.at >= seconds / 2:
            halfway_done = True
            await on_halfway(item.at)
        tasks.append(asyncio.create_task(send(item, body, headers)))
    await asyncio.gather(*tasks)
    return [item for item, _, _ in prepared]


async def sample(pool: asyncpg.Pool, run: Run, started: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        row = await pool.fetchrow(
            """
            SELECT count(*) FILTER (WHERE status IN ('queued', 'processing')) AS waiting,
                   coalesce(extract(epoch FROM now() - min(received_at)
                       FILTER (WHERE status IN ('queued', 'processing'))), 0)::float8 AS oldest,
                   count(*) FILTER (WHERE status IN ('done', 'failed', 'ignored')) AS finished
            FROM deliveries
            """
        )
        run.samples.append(
            (time.perf_counter() - started, row["waiting"], row["oldest"], row["finished"])
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY_SECONDS)


async def drained(pool: asyncpg.Pool) -> bool:
    return not await pool.fetchval(
        "SELECT count(*) FROM deliveries WHERE status IN ('queued', 'processing')"
    )


async def throughput(pool: asyncpg.Pool, first_received: Any, start: float, end: float) -> float:
    """Deliveries finished per second between `start` and `end` seconds into the run."""
    count = await pool.fetchval(
        """
        SELECT count(*) FROM deliveries
        WHERE finished_at >= $1::timestamptz + make_interval(secs => $2)
          AND finished_at < $1::timestamptz + make_interval(secs => $3)
        """,
        first_received,
        start,
        end,
    )
    return count / (end - start) if end > start else float("nan")


async def account(pool: asyncpg.Pool, sent: list[Sent], fake: FakeGitHub) -> dict[str, Any]:
    acknowledged = {item.delivery_id for item in sent if item.status == 202}
    rows = await pool.fetch("SELECT delivery_id, status::text, last_error FROM deliveries")
    recorded = {row["delivery_id"] for row in rows}
    statuses = Counter(row["status"] for row in rows)
    failed_without_reason = sum(
        1 for row in rows if row["status"] == "failed" and not row["last_error"]
    )
    twice = await pool.fetchval(
        """
        SELECT count(*) FROM (
            SELECT delivery_id, handler FROM handler_runs WHERE outcome = 'ok'
            GROUP BY 1, 2 HAVING count(*) > 1
        ) t
        """
    )
    posts = Counter(
        request.json.get("head_sha")
        for request in fake.requests_to("POST", "*/check-runs")
        if isinstance(request.json, dict)
    )
    failed_jobs = [item.head_sha for item in sent if item.head_sha and item.status == 202]
    return {
        "acknowledged": len(acknowledged),
        "recorded": len(recorded),
        "lost": len(acknowledged - recorded),
        "statuses": dict(statuses),
        "failed_without_reason": failed_without_reason,
        "handled_twice": twice,
        "check_runs_per_failed_job": Counter(posts.get(sha, 0) for sha in failed_jobs),
    }


async def main(rate: float, seconds: float) -> int:
    if not (payload_dir() / "check_run.completed.json").exists():
        print("bench.load needs GitHub's example payloads (GRIMOIRE_SHARED_DIR)")
        return 2
    quiet_logging()
    run = Run()
    with bench_database("load") as database_url:
        async with open_pool(database_url, min_size=1, max_size=4) as pool:
            async with pool.acquire() as conn:
                await spellbook_io.seed_if_empty(conn)
            async with FakeGitHub() as fake:
                fake.add_installation(INSTALLATION_ID)
                port = free_port()
                env = process_env(fake, database_url, port)
                base = f"http://127.0.0.1:{port}"
                processes = [await start("web", env)]
                processes += [await start("worker", env) for _ in range(2)]
                connector = aiohttp.TCPConnector(limit=512)
                try:
                    async with aiohttp.ClientSession(connector=connector) as session:
                        await wait_healthy(session, base)

                        async def third_worker(at: float) -> None:
                            run.third_worker_at = at
                            processes.append(await start("worker", env))

                        stop = asyncio.Event()
                        started = time.perf_counter()
                        sampler = asyncio.create_task(sample(pool, run, started, stop))
                        run.sent = await generate(session, base, fake, rate, seconds, third_worker)
                        for _ in range(int(DRAIN_TIMEOUT_SECONDS)):
                            if await drained(pool):
                                break
                            await asyncio.sleep(1)
                        drain_seconds = time.perf_counter() - started - seconds
                        stop.set()
                        await sampler
                    first = await pool.fetchval("SELECT min(received_at) FROM deliveries")
                    last = await pool.fetchval(
                        "SELECT extract(epoch FROM max(finished_at) - min(received_at))::float8"
                        " FROM deliveries"
                    )
                    half = run.third_worker_at
                    settle = min(SETTLE_SECONDS, half / 2)
                    before = await throughput(pool, first, settle, half)
                    after = await throughput(pool, first, half + settle, last)
                    accounting = await account(pool, run.sent, fake)
                finally:
                    for process in processes:
                        if process.returncode is None:
                            process.send_signal(signal.SIGTERM)
                    for process in processes:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(process.wait(), 60)
    report(run, rate, seconds, before, after, drain_seconds, accounting)
    ok = (
        accounting["lost"] == 0
        and accounting["handled_twice"] == 0
        and accounting["failed_without_reason"] == 0
        and set(accounting["check_runs_per_failed_job"]) <= {1}
        and accounting["acknowledged"] == len(run.sent)
    )
    return 0 if ok else 1


def report(
    run: Run,
    rate: float,
    seconds: float,
    before: float,
    after: float,
    drain: float,
    accounting: dict[str, Any],
) -> None:
    latencies = [item.latency for item in run.sent if item.latency is not None]
    kinds = Counter(item.kind for item in run.sent)
    print(
        f"\n{len(run.sent):,} deliveries in {seconds:g} s at {rate:g}/s: "
        + ", ".join(f"{count:,} {kind}" for kind, count in kinds.items())
    )
    print(f"third worker started at {run.third_worker_at:.1f} s")
    print("\nprocessing lag")
    print_table(
        ["t (s)", "waiting", "oldest waiting (s)", "finished"],
        [[f"{t:.0f}", waiting, oldest, finished] for t, waiting, oldest, finished in run.samples],
    )
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(f"\n202: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(
        f"finished/s: {before:.0f} with two workers, {after:.0f} with three "
        f"({after / before if before else float('nan'):.2f}x); "
        f"drained {max(drain, 0):.1f} s after the last send"
    )
    print(f"accounting: {accounting}")
    worst_lag = max((oldest for _, _, oldest, _ in run.samples), default=0.0)
    print(
        f"README figures: {len(run.sent):,} deliveries at {rate:g}/s; 202 p50 {p50:.0f} ms, "
        f"p99 {p99:.0f} ms; worst lag {worst_lag:.1f} s; {before:.0f}/s -> {after:.0f}/s with "
        f"a third worker; lost {accounting['lost']}, handled twice "
        f"{accounting['handled_twice']}, statuses {accounting['statuses']}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s at 100 deliveries/s")
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to send")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.rate, arguments.seconds = 100.0, 10.0
    sys.exit(asyncio.run(main(arguments.rate, arguments.seconds)))
