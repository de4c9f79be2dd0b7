"""Webhook intake throughput: signed 20 KB deliveries per second and time to the 202.

    python -m bench.webhook_ingest             # 3 rounds x 5,000 deliveries per target
    python -m bench.webhook_ingest --quick     # 1 round x 1,500 (well under a minute)
    python -m bench.webhook_ingest --cprofile  # also where the Grimoire server's CPU went

Three servers are measured in the same run, on the same fresh database, each in its own
process while this one generates the load (64 concurrent aiohttp senders on loopback):

- `http ceiling`: a bare aiohttp handler that reads the body and answers 202;
- `durable ceiling`: a handler that only INSERTs the payload (as jsonb) and answers 202;
- `grimoire`: the real app from `create_app`, logging and access log as `serve` has them.

Rounds interleave the targets (rotating their order) so the noise of this shared 2-core
machine falls on all of them alike; the ratios are the claim, not the absolute rates.
CPU per delivery is read from /proc for the server process and for every Postgres process.
After the run, delivery rows and queued pgqueuer jobs are counted against the 202s Grimoire
gave: a delivery answered 202 but not recorded would be a lost one.

Intake records deliveries with group commit (`grimoire_bot/webhooks/recorder.py`): this
benchmark is how that design was chosen, when one transaction per delivery reached only
about 45% of the durable ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import cProfile
import hashlib
import hmac
import io
import itertools
import json
import multiprocessing
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from aiohttp import web  # noqa: E402

from bench._support import (  # noqa: E402
    BENCH_SECRET_KEY,
    WEBHOOK_SECRET,
    bench_database,
    cpu_seconds,
    machine_busy_seconds,
    own_cpu_seconds,
    percentile,
    print_table,
    ratio,
    shared_dir,
)

PAYLOAD_BYTES = 20 * 1024
PAYLOAD_VARIANTS = 64
CONCURRENCY = 64
WEBHOOK_PATH = "/api/github/webhooks"
HOST = "127.0.0.1"
INSTALLATION_ID = 31337
POOL_SIZE = 10  # Settings' default DB_POOL_MAX: the anchors get the same number of connections
REQUEST_TIMEOUT_SECONDS = 60
SERVER_START_TIMEOUT_SECONDS = 60
GOAL_SHARE_OF_DURABLE = 0.60
GOAL_P99_MS = 150.0
ANCHOR_TABLE = "bench_payloads"

T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    name: str
    kind: str  # "bare" | "insert" | "grimoire"
    enqueues: bool = True  # whether each accepted delivery must leave a pgqueuer job


MAIN_TARGETS = (
    Target("http ceiling (bare 202)", "bare"),
    Target("durable ceiling (INSERT)", "insert"),
    Target("grimoire", "grimoire"),
)
@dataclass
class Measurement:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    server_cpu: float = 0.0
    postgres_cpu: float = 0.0
    client_cpu: float = 0.0
    machine_busy: float = 0.0

    def add(self, other: Measurement) -> None:
        self.latencies.extend(other.latencies)
        self.seconds += other.seconds
        self.statuses.update(other.statuses)
        self.server_cpu += other.server_cpu
        self.postgres_cpu += other.postgres_cpu
        self.client_cpu += other.client_cpu
        self.machine_busy += other.machine_busy

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return ratio(self.count, self.seconds)

    @property
    def cost_ms(self) -> float:
        """App plus Postgres CPU per delivery: what bounds throughput on a saturated machine."""
        return ratio((self.server_cpu + self.postgres_cpu) * 1000, self.count)

    @property
    def elsewhere_cores(self) -> float:
        """Cores kept busy by other processes (neighbours) while this target was measured."""
        ours = self.server_cpu + self.postgres_cpu + self.client_cpu
        return max(0.0, ratio(self.machine_busy - ours, self.seconds))


# ------------------------------------------------------------------ payloads


def base_payload() -> dict[str, Any]:
    """GitHub's own `check_run.completed` example when the shared folder has it."""
    path = shared_dir() / "github" / "payloads" / "check_run.completed.json"
    if path.exists():
        payload = json.loads(path.read_text(encoding="utf-8"))
    else:
        payload = {
            "action": "completed",
            "check_run": {
                "id": 128620228,
                "head_sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
                "status": "completed",
                "conclusion": "failure",
                "name": "build",
                "output": {"title": None, "summary": None, "text": None},
                "app": {"id": 15368, "slug": "github-actions"},
                "pull_requests": [],
            },
            "repository": {"id": 1296269, "full_name": "octo-org/octo-repo"},
            "sender": {"login": "octocat", "id": 1},
        }
    payload["installation"] = {"id": INSTALLATION_ID, "node_id": "MDIzOkluc3RhbGxhdGlvbjMxMzM3"}
    return payload


def padded_payload(base: dict[str, Any], variant: int, size: int = PAYLOAD_BYTES) -> bytes:
    """The example grown to `size` bytes with check-run output text, as a CI app writes it."""
    payload = copy.deepcopy(base)
    run = payload["check_run"]
    run["id"] = 4_000_000 + variant
    run["head_sha"] = hashlib.sha1(str(variant).encode()).hexdigest()  # noqa: S324 - an id
    run["conclusion"] = "failure"
    lines = [
        f"tests/unit/test_module_{n:03}.py::test_case_{n} FAILED "
        f"- AssertionError: assert {n} == {n + 1} (variant {variant})"
        for n in range(400)
    ]
    run["output"] = {
        **run.get("output", {}),
        "title": "1 failed, 212 passed",
        "summary": "Tests failed on ubuntu-latest / Python 3.12",
        "text": "",
    }
    text = "\n".join(lines)
    run["output"]["text"] = text
    body = json.dumps(payload).encode()
    while len(body) > size and text:
        # Every character cut saves at least one byte of JSON; escapes save two.
        text = text[: len(text) - (len(body) - size)]
        run["output"]["text"] = text
        body = json.dumps(payload).encode()
    return body


def signed_bodies(count: int) -> list[tuple[bytes, dict[str, str]]]:
    base = base_payload()
    key = WEBHOOK_SECRET.encode()
    signed = []
    for variant in range(count):
        body = padded_payload(base, variant)
        headers = {
            "X-GitHub-Event": "check_run",
            "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
            "X-GitHub-Hook-ID": "123456789",
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            "X-GitHub-Hook-Installation-Target-ID": "424242",
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/8f2b2a9",
        }
        signed.append((body, headers))
    return signed


# ------------------------------------------------------------------ servers (child side)


def _bare_app() -> web.Application:
    async def accept(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"status": "queued"}, status=202)

    app = web.Application(client_max_size=25 * 1024 * 1024)
    app.router.add_post(WEBHOOK_PATH, accept)
    return app


def _insert_app(database_url: str) -> web.Application:
    from grimoire_bot.db import open_pool

    pool_key = web.AppKey("pool", asyncpg.Pool)

    async def open_database(app: web.Application) -> AsyncIterator[None]:
        async with open_pool(database_url, min_size=POOL_SIZE, max_size=POOL_SIZE) as pool:
            app[pool_key] = pool
            yield

    async def accept(request: web.Request) -> web.Response:
        body = await request.read()
        await request.app[pool_key].execute(
            f"INSERT INTO {ANCHOR_TABLE} (delivery_id, payload) VALUES ($1, $2::text::jsonb)",  # noqa: S608
            request.headers["X-GitHub-Delivery"],
            body.decode("utf-8"),
        )
        return web.json_response({"status": "queued"}, status=202)

    app = web.Application(client_max_size=25 * 1024 * 1024)
    app.cleanup_ctx.append(open_database)
    app.router.add_post(WEBHOOK_PATH, accept)
    return app


# Record and enqueue in one autocommit statement: one round trip instead of four
# (BEGIN, INSERT, pgqueuer's enqueue, COMMIT), same rows as pgqueuer writes.
def _grimoire_app(database_url: str) -> web.Application:
    """The real app as `serve` runs it (minus the worker); (app, access log on?)."""
    from grimoire_bot.app import create_app
    from grimoire_bot.log import configure_logging
    from grimoire_bot.settings import AppEnv, Settings

    settings = Settings(
        app_env=AppEnv.PRODUCTION,
        database_url=database_url,
        secret_key=BENCH_SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
        db_pool_max=POOL_SIZE,
        seed_spellbook=False,
    )
    # Formatting costs CPU even when the lines go nowhere; `serve` pays it too.
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    configure_logging(settings)
    return create_app(settings, database_url)


async def _serve(
    target: Target, database_url: str, conn: Connection, profile_path: str | None
) -> None:
    access_log = False
    if target.kind == "bare":
        app = _bare_app()
    elif target.kind == "insert":
        app = _insert_app(database_url)
    else:
        app, access_log = _grimoire_app(database_url), True
    runner = web.AppRunner(app, **({} if access_log else {"access_log": None}))
    await runner.setup()
    profiler = cProfile.Profile() if profile_path else None
    try:
        await web.TCPSite(runner, HOST, 0, backlog=1024).start()
        if profiler is not None:
            profiler.enable()
        conn.send(("ready", runner.addresses[0][1]))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    finally:
        if profiler is not None and profile_path:
            profiler.disable()
            profiler.dump_stats(profile_path)
        await runner.cleanup()


def serve(
    target: Target, database_url: str, conn: Connection, profile_path: str | None = None
) -> None:
    """Child process entry point: serve until the parent says stop."""
    asyncio.run(_serve(target, database_url, conn, profile_path))


@contextlib.contextmanager
def server_process(
    target: Target, database_url: str, profile_path: str | None = None
) -> Iterator[tuple[int, int]]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=serve, args=(target, database_url, child, profile_path), daemon=True
    )
    process.start()
    try:
        if not parent.poll(SERVER_START_TIMEOUT_SECONDS):
            raise RuntimeError(f"{target.name}: the server did not start")
        _, port = parent.recv()
        yield port, process.pid
    finally:
        with contextlib.suppress(OSError):
            parent.send("stop")
        process.join(30)
        if process.is_alive():
            process.terminate()
            process.join(5)


# ------------------------------------------------------------------ load (parent side)


def run_client(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the load generator on uvloop when it is installed: less CPU taken from the server."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


async def send_batch(
    port: int,
    bodies: Sequence[tuple[bytes, dict[str, str]]],
    count: int,
    prefix: str,
    concurrency: int = CONCURRENCY,
) -> Measurement:
    url = f"http://{HOST}:{port}{WEBHOOK_PATH}"
    measured = Measurement()
    numbers = itertools.count()
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def sender() -> None:
            while (number := next(numbers)) < count:
                body, headers = bodies[number % len(bodies)]
                headers = {**headers, "X-GitHub-Delivery": f"{prefix}-{number}"}
                started = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    measured.statuses[type(exc).__name__] += 1
                    continue
                measured.latencies.append(time.perf_counter() - started)
                measured.statuses[status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        measured.seconds = time.perf_counter() - started
    return measured


async def measure(
    port: int, server_pid: int, bodies: Sequence[tuple[bytes, dict[str, str]]],
    count: int, warmup: int,
) -> tuple[Measurement, Counter]:
    """Warm the server up (pool, caches), then time `count` deliveries; (timed, all statuses)."""
    warm = await send_batch(port, bodies, warmup, f"warm-{uuid.uuid4().hex[:8]}")
    server_before = cpu_seconds(pids=[server_pid]) or 0.0
    postgres_before = cpu_seconds(command="postgres") or 0.0
    client_before = own_cpu_seconds()
    machine_before = machine_busy_seconds() or 0.0
    timed = await send_batch(port, bodies, count, f"run-{uuid.uuid4().hex[:8]}")
    timed.client_cpu = own_cpu_seconds() - client_before
    timed.machine_busy = (machine_busy_seconds() or 0.0) - machine_before
    timed.server_cpu = (cpu_seconds(pids=[server_pid]) or 0.0) - server_before
    timed.postgres_cpu = (cpu_seconds(command="postgres") or 0.0) - postgres_before
    return timed, warm.statuses + timed.statuses


async def prepare_database(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            f"CREATE TABLE {ANCHOR_TABLE} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
            "delivery_id text NOT NULL, payload jsonb NOT NULL)"
        )
    finally:
        await conn.close()


@dataclass(frozen=True)
class Counts:
    deliveries: int
    jobs: int
    anchor_rows: int


async def count_rows(database_url: str) -> Counts:
    conn = await asyncpg.connect(database_url)
    try:
        return Counts(
            deliveries=await conn.fetchval("SELECT count(*) FROM deliveries"),
            jobs=await conn.fetchval(
                "SELECT count(*) FROM pgqueuer WHERE entrypoint = 'github_delivery'"
            ),
            anchor_rows=await conn.fetchval(f"SELECT count(*) FROM {ANCHOR_TABLE}"),  # noqa: S608
        )
    finally:
        await conn.close()


# ------------------------------------------------------------------ the run


@dataclass
class Totals:
    timed: dict[str, Measurement] = field(default_factory=dict)
    accepted: Counter = field(default_factory=Counter)  # 202s per target, warm-up included
    other: Counter = field(default_factory=Counter)  # anything but a 202, per target


def run(
    targets: Sequence[Target], rounds: int, count: int, warmup: int, profile_dir: Path | None
) -> tuple[Totals, Counts]:
    bodies = signed_bodies(PAYLOAD_VARIANTS)
    totals = Totals()
    with bench_database("ingest") as database_url:
        asyncio.run(prepare_database(database_url))
        for round_number in range(rounds):
            shift = round_number % len(targets)
            for target in [*targets[shift:], *targets[:shift]]:
                profile_path = None
                if profile_dir is not None and target.name == "grimoire":
                    profile_path = str(profile_dir / f"grimoire-{round_number}.prof")
                with server_process(target, database_url, profile_path) as (port, pid):
                    timed, statuses = run_client(measure(port, pid, bodies, count, warmup))
                totals.timed.setdefault(target.name, Measurement()).add(timed)
                totals.accepted[target.name] += statuses.get(202, 0)
                totals.other[target.name] += sum(n for s, n in statuses.items() if s != 202)
                print(
                    f"  round {round_number + 1}/{rounds} {target.name:30} "
                    f"{timed.rate:7,.0f}/s  p99 {percentile(timed.latencies, 0.99) * 1000:6.1f} ms",
                    file=sys.stderr,
                    flush=True,
                )
        counts = asyncio.run(count_rows(database_url))
    return totals, counts


def report(targets: Sequence[Target], totals: Totals, counts: Counts) -> int:
    names = [t.name for t in targets]
    http = totals.timed[MAIN_TARGETS[0].name]
    durable = totals.timed[MAIN_TARGETS[1].name]
    rows = []
    for name in names:
        m = totals.timed[name]
        rows.append([
            name,
            m.rate,
            percentile(m.latencies, 0.50) * 1000,
            percentile(m.latencies, 0.99) * 1000,
            ratio(m.rate, durable.rate),
            ratio(m.rate, http.rate),
            ratio(m.server_cpu * 1000, m.count),
            ratio(m.postgres_cpu * 1000, m.count),
            ratio(m.cost_ms, durable.cost_ms),
            ratio(m.client_cpu * 1000, m.count),
            m.elsewhere_cores,
            totals.other[name],
        ])
    print()
    print(f"{PAYLOAD_BYTES // 1024} KB signed check_run deliveries, {CONCURRENCY} concurrent "
          f"senders, {os.cpu_count()} cores")
    print_table(
        ["target", "deliv/s", "p50 ms", "p99 ms", "x durable", "x http", "app ms/d",
         "pg ms/d", "CPU x dur", "load ms/d", "others", "non-202"],
        rows,
    )

    grimoire = totals.timed["grimoire"]
    sent = sum(totals.accepted[t.name] for t in targets if t.kind == "grimoire")
    queued = sum(totals.accepted[t.name] for t in targets if t.kind == "grimoire" and t.enqueues)
    anchor_sent = totals.accepted[MAIN_TARGETS[1].name]
    lost = (sent - counts.deliveries) + (queued - counts.jobs) + (anchor_sent - counts.anchor_rows)
    print()
    print(f"grimoire: {sent:,} deliveries answered 202 -> {counts.deliveries:,} delivery rows, "
          f"{counts.jobs:,} pgqueuer jobs (expected {queued:,}); "
          f"durable ceiling: {anchor_sent:,} -> {counts.anchor_rows:,} rows")
    share = ratio(grimoire.rate, durable.rate)
    p99 = percentile(grimoire.latencies, 0.99) * 1000
    goals = [
        (f"throughput >= {GOAL_SHARE_OF_DURABLE:.0%} of durable ceiling", share
         >= GOAL_SHARE_OF_DURABLE),
        (f"p99 < {GOAL_P99_MS:.0f} ms", p99 < GOAL_P99_MS),
        ("0 lost", lost == 0 and totals.other["grimoire"] == 0),
    ]
    for label, met in goals:
        print(f"goal: {label:42} {'met' if met else 'NOT met'}")
    print(
        f"README figures: grimoire {grimoire.rate:,.0f} deliveries/s = {share:.0%} of the "
        f"durable ceiling ({durable.rate:,.0f}/s) and {ratio(grimoire.rate, http.rate):.0%} "
        f"of the HTTP ceiling ({http.rate:,.0f}/s); p50 "
        f"{percentile(grimoire.latencies, 0.5) * 1000:.1f} ms, p99 {p99:.1f} ms at "
        f"{CONCURRENCY} senders; lost {max(lost, 0)} of {sent:,}"
    )
    return 0 if lost == 0 else 1


def print_profile(profile_dir: Path, top: int = 25) -> None:
    """Where the Grimoire server's CPU went, summed over rounds (cProfile inflates it)."""
    paths = sorted(str(p) for p in profile_dir.glob("*.prof"))
    if not paths:
        return
    out = io.StringIO()
    stats = pstats.Stats(*paths, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(
        r"grimoire_bot|intake|pgqueuer|asyncpg/(pool|connection)|logging/__init__|web_log|"
        r"gidgethub|json/(de|en)coder|pydantic", top
    )
    print()
    print("cProfile of the grimoire server (figures above are slowed by the profiler):")
    # Shorter lines: the repository, the standard library and site-packages by name only.
    prefixes = [(str(REPO_ROOT) + "/", ""), (str(Path(os.__file__).parent) + "/", "<stdlib>/")]
    prefixes += [(str(Path(aiohttp.__file__).parent.parent) + "/", "")]
    for line in out.getvalue().splitlines():
        if line.strip() and not line.startswith(("   Random listing", "   Ordered by")):
            for prefix, short in prefixes:
                line = line.replace(prefix, short)
            print("  " + line[:160])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one short round")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--count", type=int, default=None, help="timed deliveries per target")
    parser.add_argument(
        "--cprofile", action="store_true", help="profile the grimoire server and print its top"
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    count = args.count or (1_500 if args.quick else 5_000)
    warmup = 300 if args.quick else 500
    targets = list(MAIN_TARGETS)
    print(f"{len(targets)} targets x {rounds} round(s) x {count:,} deliveries "
          f"(+{warmup} warm-up each)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="grimoire-ingest-") as scratch:
        profile_dir = Path(scratch) if args.cprofile else None
        totals, counts = run(targets, rounds, count, warmup, profile_dir)
        if profile_dir is not None:
            print_profile(profile_dir)
    return report(targets, totals, counts)


if __name__ == "__main__":
    raise SystemExit(main())
