"""From the webhook's 202 to the commit's Grimoire run written, for a 5 MB log and 10k spells.

    python -m bench.pipeline                   # 7 commits x 3 failed matrix jobs
    python -m bench.pipeline --quick           # 2 commits x 3 jobs
    python -m bench.pipeline --baseline main   # and main's code, 2 rounds each, alternating

The real app (`create_app(..., with_worker=True)`: intake, pgqueuer, dispatcher, advice
pipeline) runs on loopback against the fake GitHub from the tests, with
`github_write_spacing_seconds=0`. The spellbook is the starter book (imported as
`spells import` does) plus generated spells shaped like real ones (literal-led messages
with made-up module, type and package names, compiler codes, `path:line` shapes,
alternations, case-insensitive phrases), copied in with SQL up to 10,000. The log is
5 MB of Actions runner output (timestamps, groups, pip and npm install chatter, pytest
progress, warnings) ending in the failure of `tests/data/logs/pytest-import-error.log`.

Each commit gets `--jobs` failed matrix jobs with that log, delivered one after another
as `workflow_job.completed`: each delivery downloads the log, matches it and writes the
commit's run (the first job creates it, later ones update it). Each commit has a tree of
5,000 files (the failing test file among them), which code that resolves paths reads
once per commit through the git trees API. The time is taken from
the 202 to the moment the fake GitHub stored the last check-run write the delivery made;
the GitHub requests each failed job cost are counted by endpoint. The first delivery
also compiles the spellbook and is reported on its own line.

Baselines measured in the same run: downloading the same log with the app's own client
just before each delivery (what Grimoire adds on top of fetching the log); and, with
`--baseline REF`, the whole run again on the code of REF (a temporary git worktree put
first on a child process's module path, so its `grimoire_bot`, migrations and test fakes
run under this driver), printed beside this code's figures with ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A child process measuring a baseline's code is told where that code is checked out.
CODE_ENV = "GRIMOIRE_BENCH_CODE"
REPO_ROOT = Path(__file__).resolve().parent.parent
for root in (REPO_ROOT, Path(os.environ.get(CODE_ENV) or REPO_ROOT)):
    if str(root) in sys.path:
        sys.path.remove(str(root))
    sys.path.insert(0, str(root))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from aiohttp import web  # noqa: E402

from bench._support import (  # noqa: E402
    WEBHOOK_SECRET,
    bench_database,
    percentile,
    print_table,
    quiet_logging,
    ratio,
)
from grimoire_bot.app import create_app  # noqa: E402
from grimoire_bot.db import open_pool  # noqa: E402
from grimoire_bot.github.app import GitHubApp, open_github_app  # noqa: E402
from grimoire_bot.github.logs import download_job_log  # noqa: E402
from grimoire_bot.matching.patterns import PatternError, check_pattern  # noqa: E402
from grimoire_bot.settings import Settings  # noqa: E402
from grimoire_bot.spellbook import io as spellbook_io  # noqa: E402
from tests.advice_scenarios import INSTALLATION_ID, LOGS, failed_job_delivery  # noqa: E402
from tests.fakes.github import FakeGitHub, Server, signed_delivery  # noqa: E402
from tests.payloads import payload_dir  # noqa: E402
from tests.workers import settings_for  # noqa: E402

MB = 1024 * 1024
LOG_BYTES = 5 * MB
SPELL_COUNT = 10_000
SEED = 20261120
WEBHOOK_PATH = "/api/github/webhooks"
FIRST_JOB_ID = 7_000_001
GOAL_P50_SECONDS = 2.0
# The failure at the end of every log, and where Grimoire must annotate it.
FAILURE_LOG = "pytest-import-error"
EXPECTED_ANNOTATION = ("tests/test_client.py", 4)
FAILURE_STEP = "##[group]Run python -m pytest"
PROCESSING_TIMEOUT_SECONDS = 120.0
TREE_FILES = 5_000


# ------------------------------------------------------------------ the spellbook

SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "qu", "ster", "gen", "dor",
             "fax", "lin", "mor", "bel", "cra", "dun", "pix", "sol", "tre", "wik", "yam")
PHRASES = (
    "failed to resolve", "cannot find", "is not defined", "unexpected token", "was not found",
    "could not be loaded", "is incompatible with", "exceeded the limit", "refused the connection",
    "does not exist", "is deprecated and was removed", "has no attribute", "mismatched types",
    "invalid configuration", "permission denied", "checksum mismatch", "timed out waiting for",
    "conflicting peer dependency", "unsupported platform", "duplicate symbol",
)


def _name(rng: random.Random, parts: int = 3) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def _camel(rng: random.Random) -> str:
    return "".join(_name(rng, 2).capitalize() for _ in range(2))


def _spell_shape(rng: random.Random, n: int) -> tuple[str, str, str, str]:
    """(ecosystem, error_type, pattern, title) for one made-up but realistic spell."""
    mod, ident, cls, phrase = _name(rng), _name(rng, 2), _camel(rng), rng.choice(PHRASES)
    shapes = [
        ("python", "ModuleNotFoundError", rf"ModuleNotFoundError: No module named '{mod}(\.\w+)*'",
         f"Python: {mod} is not installed"),
        ("python", "ImportError", rf"ImportError: cannot import name '{ident}' from '{mod}'",
         f"{mod} no longer exports {ident}"),
        ("python", f"{cls}Error", rf"{cls}Error: {ident} {phrase} '([\w.]+)'",
         f"{cls}Error when {ident} {phrase}"),
        ("node", f"E{mod.upper()}", rf"npm (ERR!|error) code E{mod.upper()}",
         f"npm: E{mod.upper()} during install"),
        ("node", "MODULE_NOT_FOUND", rf"Error: Cannot find module '@{mod}/{ident}'",
         f"Node: @{mod}/{ident} is missing"),
        ("typescript", f"TS{10000 + n}", rf"error TS{10000 + n}: {cls} {phrase} '(\w+)'",
         f"TypeScript: {cls} {phrase}"),
        ("go", "undefined", rf"\S+\.go:\d+:\d+: undefined: {ident}{mod.capitalize()}",
         f"Go: {ident}{mod.capitalize()} is undefined"),
        ("rust", f"E{5000 + n}", rf"error\[E{5000 + n}\]: {phrase} `{ident}`",
         f"Rust E{5000 + n}: {phrase}"),
        ("java", "PackageDoesNotExist", rf"error: package (org|com)\.{mod}\.{ident} does not exist",
         f"Java: package {mod}.{ident} is missing"),
        ("cpp", "MissingHeader", rf"fatal error: {mod}/{ident}\.h(pp)?: No such file or directory",
         f"C/C++: header {mod}/{ident}.h not found"),
        ("ruby", "LoadError", rf"cannot load such file -- {mod}/{ident} \(LoadError\)",
         f"Ruby: cannot load {mod}/{ident}"),
        ("docker", "BuildFailed", rf"failed to solve: {mod}:{ident}: {phrase}",
         f"Docker: {mod}:{ident} {phrase}"),
        ("github-actions", "ActionNotFound",
         rf"Unable to resolve action `{mod}/{ident}@v\d+`", f"Action {mod}/{ident} not found"),
        ("shell", "CommandNotFound", rf"(^|\s){mod}-{ident}: command not found",
         f"{mod}-{ident} is not on PATH"),
        ("dotnet", f"NU{2000 + n}", rf"error NU{2000 + n}: Package {cls}\.{mod} {phrase}",
         f"NuGet NU{2000 + n}: {cls}.{mod}"),
        ("python", "AssertionError",
         rf"(?i){ident} {mod} {phrase} after \d+ (retries|attempts)",
         f"{ident} {mod} {phrase} after retries"),
    ]
    return shapes[n % len(shapes)]


def generated_spells(count: int, seed: int = SEED) -> list[tuple[Any, ...]]:
    """Distinct spells whose patterns RE2 and the spell validator accept."""
    rng = random.Random(seed)
    rows: list[tuple[Any, ...]] = []
    patterns: set[str] = set()
    n = 0
    while len(rows) < count:
        ecosystem, error_type, pattern, title = _spell_shape(rng, n)
        n += 1
        if pattern in patterns:
            continue
        try:
            check_pattern(pattern)
        except PatternError:
            continue
        patterns.add(pattern)
        rows.append((
            f"bench.{ecosystem}.{len(rows):05}",
            title,
            f"Seen when {title.lower()}. Generated for the pipeline benchmark.",
            error_type,
            pattern,
            f"# fix for {title}\nretry --with-{_name(rng, 2)}",
            f"{ecosystem},{_name(rng, 2)}",
            ecosystem,
        ))
    return rows


SPELL_COLUMNS = ("key", "title", "description", "error_type", "error_pattern", "solution_code",
                 "tags", "ecosystem")


async def load_spellbook(pool: asyncpg.Pool, total: int) -> tuple[int, int]:
    """Starter book through the importer, the rest copied in; (starter spells, all spells)."""
    async with pool.acquire() as conn:
        report = await spellbook_io.import_spells(conn, spellbook_io.starter_spellbook())
        if report.errors:
            raise RuntimeError(f"the starter spellbook did not import: {report.errors[:3]}")
        starter = report.created
        rows = generated_spells(max(0, total - starter))
        await conn.copy_records_to_table("spells", records=rows, columns=SPELL_COLUMNS)
        return starter, await conn.fetchval("SELECT count(*) FROM spells")


# ------------------------------------------------------------------ the log

PACKAGES = ("requests", "urllib3", "idna", "certifi", "charset-normalizer", "attrs", "pluggy",
            "iniconfig", "packaging", "pyyaml", "jinja2", "markupsafe", "click", "rich",
            "pygments", "typing-extensions", "pydantic", "pydantic-core", "anyio", "sniffio")
NPM_PACKAGES = ("react", "react-dom", "webpack", "babel-loader", "eslint", "typescript",
                "lodash", "chalk", "commander", "debug", "semver", "glob", "minimatch")


class LogWriter:
    """Runner lines with monotonically increasing timestamps, as the Actions log shows them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.clock = 0.0

    def add(self, text: str) -> None:
        self.clock += 0.0137
        minutes, seconds = divmod(self.clock, 60)
        hours, minutes = divmod(int(minutes), 60)
        line = f"2026-11-20T{10 + hours:02}:{minutes:02}:{seconds:010.7f}Z {text}"
        self.lines.append(line)
        self.size += len(line.encode("utf-8")) + 1


def _noise_block(log: LogWriter, rng: random.Random, block: int) -> None:
    kind = block % 4
    if kind == 0:
        log.add("##[group]Run python -m pip install -r requirements.txt")
        for package in rng.sample(PACKAGES, 8):
            version = f"{rng.randint(0, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}"
            log.add(f"Collecting {package}=={version}")
            log.add(f"  Downloading {package}-{version}-py3-none-any.whl "
                    f"({rng.randint(12, 900)} kB)")
            log.add("\x1b[2K     \x1b[90m━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m "
                    f"\x1b[32m{rng.randint(12, 900)}.0/900.0 kB\x1b[0m eta \x1b[36m0:00:00\x1b[0m")
        log.add("Successfully installed " + " ".join(f"{p}-1.0" for p in PACKAGES[:6]))
        log.add("##[endgroup]")
    elif kind == 1:
        log.add("##[group]Run npm ci")
        for package in rng.sample(NPM_PACKAGES, 6):
            log.add(f"npm warn deprecated {package}@{rng.randint(1, 9)}.0.0: "
                    "This version is no longer supported")
        log.add(f"added {rng.randint(300, 1500)} packages, and audited "
                f"{rng.randint(300, 1500)} packages in {rng.randint(3, 40)}s")
        log.add("found 0 vulnerabilities")
        log.add("##[endgroup]")
    elif kind == 2:
        for test in range(40):
            module = f"tests/unit/test_{_name(rng, 2)}.py"
            log.add(f"{module}::test_{_name(rng, 2)}_{test} PASSED"
                    f"{' ' * rng.randint(4, 30)}[{rng.randint(1, 99):3}%]")
    else:
        log.add(f"src/{_name(rng, 2)}/{_name(rng, 2)}.py:{rng.randint(1, 900)}: "
                "DeprecationWarning: datetime.datetime.utcnow() is deprecated")
        log.add(f"  warnings.warn(\"{_name(rng, 3)} will change in a future release\")")
        log.add(f"Compiling {_name(rng, 2)} v{rng.randint(0, 3)}.{rng.randint(0, 30)}.0")
        log.add(f"[{rng.randint(1, 999)}/{rng.randint(1000, 2000)}] Building CXX object "
                f"src/CMakeFiles/{_name(rng, 2)}.dir/{_name(rng, 2)}.cpp.o")


def build_log(size: int = LOG_BYTES, seed: int = SEED) -> bytes:
    """`size` bytes of runner noise, then the failing pytest step of a real-looking log."""
    rng = random.Random(seed)
    failure = (LOGS / f"{FAILURE_LOG}.log").read_text(encoding="utf-8").splitlines()
    tail = [line.split(" ", 1)[1] if line[:4].isdigit() else line for line in failure]
    start = next(i for i, line in enumerate(tail) if line.startswith(FAILURE_STEP))
    tail = tail[start:]
    log = LogWriter()
    budget = size - sum(len(line.encode("utf-8")) + 30 for line in tail)
    block = 0
    while log.size < budget:
        _noise_block(log, rng, block)
        block += 1
    for line in tail:
        log.add(line)
    return ("\n".join(log.lines) + "\n").encode("utf-8")


def repository_files(count: int = TREE_FILES, seed: int = SEED) -> list[str]:
    """A repository's paths: packages of modules and their tests, and the failing test."""
    rng = random.Random(seed)
    files = {EXPECTED_ANNOTATION[0], "README.md", "pyproject.toml"}
    while len(files) < count:
        package = f"src/{_name(rng, 2)}/{_name(rng, 2)}"
        files.add(f"{package}/{_name(rng, 2)}.py")
        files.add(f"tests/{_name(rng, 2)}/test_{_name(rng, 2)}.py")
    return sorted(files)


# ------------------------------------------------------------------ the fake, timed


class TimedFakeGitHub(FakeGitHub):
    """The tests' fake GitHub, noting when each check-run write (POST or PATCH) was stored."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.write_times: list[float] = []

    async def _create_check_run(self, request: web.Request) -> web.StreamResponse:
        return self._timed(await super()._create_check_run(request))

    async def _update_check_run(self, request: web.Request) -> web.StreamResponse:
        return self._timed(await super()._update_check_run(request))

    def _timed(self, response: web.StreamResponse) -> web.StreamResponse:
        if response.status < 300:
            self.write_times.append(time.perf_counter())
        return response


def endpoint(server: Server, method: str, path: str) -> str:
    """A recorded request as an endpoint name: numbers and commit hashes become placeholders."""
    if server is Server.LOGS:
        return "GET (log host) signed job-log URL"
    path = re.sub(r"/[0-9a-f]{40}(?=/|$)", "/{sha}", path)
    path = re.sub(r"/\d+(?=/|$)", "/{id}", path)
    path = re.sub(r"^/repos/[^/]+/[^/]+", "/repos/{owner}/{repo}", path)
    return f"{method} {path}"


# ------------------------------------------------------------------ the run


@dataclass
class Results:
    """One code's figures; `create`/`update`: deliveries after the first whose job was the
    first of its commit (the run is created) or a later one (the run is updated)."""

    code: str
    spells: int = 0
    first_seconds: float = float("nan")
    create: list[float] = field(default_factory=list)
    update: list[float] = field(default_factory=list)
    download: list[float] = field(default_factory=list)
    first_requests: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)  # summed over later deliveries
    later: int = 0
    compile_ms: list[float] = field(default_factory=list)
    stalls: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def merge(self, other: Results) -> Results:
        """Both runs' samples together (rounds of the same code)."""
        return Results(
            code=self.code,
            spells=self.spells,
            first_seconds=min(self.first_seconds, other.first_seconds),
            create=self.create + other.create,
            update=self.update + other.update,
            download=self.download + other.download,
            first_requests=self.first_requests,
            requests=dict(Counter(self.requests) + Counter(other.requests)),
            later=self.later + other.later,
            compile_ms=self.compile_ms + other.compile_ms,
            stalls=self.stalls + other.stalls,
            problems=self.problems + other.problems,
        )

    @property
    def later_seconds(self) -> list[float]:
        return [s for s in (*self.create, *self.update) if s == s]

    @property
    def requests_per_job(self) -> float:
        return sum(self.requests.values()) / self.later if self.later else float("nan")


class LoopStalls:
    """The longest time the event loop could not run a 5 ms timer: how long the app's loop
    (the web server shares it in `serve`) was blocked while a delivery was processed."""

    TICK = 0.005

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.TICK)
            self.worst = max(self.worst, time.perf_counter() - started - self.TICK)

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch())

    def take(self) -> float:
        worst, self.worst = self.worst, 0.0
        return worst

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class CompileTimes(logging.Handler):
    """Picks the matcher's own "spellbook compiled" timing out of its log records."""

    def __init__(self, sink: list[float]) -> None:
        super().__init__(logging.INFO)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "spellbook compiled":
            self.sink.append(float(getattr(record, "ms", "nan")))


async def time_download(github_app: GitHubApp, logs_url: str, max_bytes: int) -> float:
    """The app's own client fetching the log (token already cached), no more."""
    gh = await github_app.installation_client(INSTALLATION_ID)
    received: list[int] = []
    started = time.perf_counter()
    await download_job_log(gh, github_app.session, logs_url,
                           sink=lambda chunk: received.append(len(chunk)), max_bytes=max_bytes)
    elapsed = time.perf_counter() - started
    if sum(received) < LOG_BYTES * 0.99:
        raise RuntimeError(f"the baseline download got {sum(received)} bytes")
    return elapsed


@dataclass(frozen=True)
class Probe:
    """What every delivery of the run shares."""

    fake: TimedFakeGitHub
    session: aiohttp.ClientSession
    app_url: str
    pool: asyncpg.Pool
    log: bytes
    stalls: LoopStalls
    files: tuple[str, ...]


@dataclass
class DeliveryOutcome:
    seconds: float  # from the 202 to the last check-run write it made; NaN if none
    requests: Counter  # endpoint -> count
    problem: str | None = None


async def wait_until_final(pool: asyncpg.Pool, delivery_id: str) -> str:
    """The delivery's final status; the time itself comes from the fake, so polling is slow."""
    deadline = time.perf_counter() + PROCESSING_TIMEOUT_SECONDS
    while time.perf_counter() < deadline:
        status = await pool.fetchval(
            "SELECT status::text FROM deliveries WHERE delivery_id = $1", delivery_id)
        if status in ("done", "failed", "ignored"):
            return status
        await asyncio.sleep(0.2)
    return "timed out"


def commit_sha(commit: int) -> str:
    return f"{SEED:08x}{commit:032x}"


async def one_delivery(probe: Probe, commit: int, job: int) -> DeliveryOutcome:
    """Send one failed-job delivery (job `job` of a matrix on commit `commit`) and follow it
    to the last check-run write it caused."""
    fake = probe.fake
    job_id = FIRST_JOB_ID + commit * 100 + job
    sha = commit_sha(commit)
    if job == 0:
        fake.set_tree(sha, probe.files)
    payload = failed_job_delivery(fake, job_id=job_id, log=probe.log, head_sha=sha,
                                  name=f"test (ubuntu-latest, 3.{10 + job})",
                                  run_id=FIRST_JOB_ID + commit)
    delivery_id = f"bench-pipeline-{commit}-{job}-{uuid.uuid4().hex[:8]}"
    body, headers = signed_delivery("workflow_job", payload, WEBHOOK_SECRET, delivery_id)
    first_request, first_write = len(fake.requests), len(fake.write_times)
    async with probe.session.post(probe.app_url + WEBHOOK_PATH, data=body,
                                  headers=headers) as response:
        await response.read()
        if response.status != 202:
            raise RuntimeError(f"webhook answered {response.status}")
    accepted = time.perf_counter()
    final = await wait_until_final(probe.pool, delivery_id)
    writes = fake.write_times[first_write:]
    outcome = DeliveryOutcome(
        seconds=writes[-1] - accepted if writes else float("nan"),
        requests=Counter(endpoint(r.server, r.method, r.path)
                         for r in fake.requests[first_request:]),
    )
    if not writes:
        outcome.problem = f"commit {commit} job {job}: no check run written (delivery {final})"
        return outcome
    places = {(a["path"], a["start_line"]) for run in fake.check_runs.values()
              if run.data.get("name") == "Grimoire" and run.data["head_sha"] == sha
              for a in run.annotations}
    if EXPECTED_ANNOTATION not in places:
        outcome.problem = f"commit {commit}: no annotation at {EXPECTED_ANNOTATION}: {places}"
    return outcome


async def serve_app(settings: Settings, database_url: str) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(create_app(settings, database_url, with_worker=True), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def run(commits: int, jobs: int, spells: int, code: str) -> Results:
    results = Results(code=code)
    compile_times = CompileTimes(results.compile_ms)
    logging.getLogger("grimoire_bot.matcher").addHandler(compile_times)
    logging.getLogger("grimoire_bot.matcher").setLevel(logging.INFO)
    try:
        return await _run(results, commits, jobs, spells, code)
    finally:
        logging.getLogger("grimoire_bot.matcher").removeHandler(compile_times)


async def _run(results: Results, commits: int, jobs: int, spells: int, code: str) -> Results:
    log = build_log(LOG_BYTES)
    with bench_database("pipeline") as database_url:
        async with open_pool(database_url, max_size=4) as pool:
            started = time.perf_counter()
            starter, results.spells = await load_spellbook(pool, spells)
            print(f"[{code}] spellbook: {starter} starter + {results.spells - starter:,} "
                  f"generated spells loaded in {time.perf_counter() - started:.1f} s; "
                  f"log {len(log) / MB:.1f} MB", file=sys.stderr)
            async with TimedFakeGitHub(validate_schemas=False) as fake:
                fake.add_installation(INSTALLATION_ID)
                settings = settings_for(
                    fake, github_write_spacing_seconds=0.0, webhook_secret=WEBHOOK_SECRET,
                    seed_spellbook=False, db_pool_max=10,
                )
                runner, app_url = await serve_app(settings, database_url)
                try:
                    async with (
                        aiohttp.ClientSession() as session,
                        open_github_app(settings) as download_app,
                    ):
                        probe = Probe(fake, session, app_url, pool, log, LoopStalls(),
                                      tuple(repository_files()))
                        probe.stalls.start()
                        try:
                            for commit in range(commits):
                                for job in range(jobs):
                                    await collect(results, probe, download_app, settings,
                                                  commit, job)
                        finally:
                            await probe.stalls.stop()
                finally:
                    await runner.cleanup()
    return results


async def collect(
    results: Results, probe: Probe, download_app: GitHubApp, settings: Settings,
    commit: int, job: int,
) -> None:
    """The log download alone, then the delivery; both recorded in `results`."""
    number = commit * 100 + job
    download_job = probe.fake.set_job(FIRST_JOB_ID - 1 - number, log=probe.log, head_sha="b" * 40)
    results.download.append(await time_download(
        download_app, download_job.data["url"] + "/logs", settings.log_download_cap_bytes))
    probe.stalls.take()
    outcome = await one_delivery(probe, commit, job)
    stall = probe.stalls.take()
    if outcome.problem:
        results.problems.append(outcome.problem)
    if commit == 0 and job == 0:
        results.first_seconds = outcome.seconds
        results.first_requests = dict(outcome.requests)
    else:
        (results.create if job == 0 else results.update).append(outcome.seconds)
        results.stalls.append(stall)
        results.later += 1
        for name, count in outcome.requests.items():
            results.requests[name] = results.requests.get(name, 0) + count
    print(f"  [{results.code}] commit {commit + 1}, job {job + 1}: {outcome.seconds:.2f} s "
          f"(log download alone {results.download[-1]:.2f} s)", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the baseline's code


def run_child(argv: Sequence[str], code: Path | None, label: str) -> Results:
    """One run in a fresh process (each code gets the same start: no warm caches, no
    garbage of an earlier run); `code`: a checkout whose code to run under this driver."""
    env = {**os.environ, CODE_ENV: str(code)} if code else dict(os.environ)
    if not code:
        env.pop(CODE_ENV, None)
    # A baseline checkout lives in a temporary folder with no `../shared` beside it.
    env.setdefault("GRIMOIRE_SHARED_DIR", str(payload_dir().parents[1]))
    child = subprocess.run(  # noqa: S603 - this interpreter running this benchmark
        [sys.executable, "-m", "bench.pipeline", *argv, "--json"],
        cwd=REPO_ROOT, env=env, check=False, stdout=subprocess.PIPE, text=True,
    )
    if child.returncode not in (0, 1):
        raise RuntimeError(f"the run of {label} failed with status {child.returncode}")
    data = json.loads(child.stdout.strip().splitlines()[-1])
    data["code"] = label
    return Results(**data)


@contextlib.contextmanager
def checkout(ref: str) -> Iterator[tuple[Path, str]]:
    """A temporary git worktree of `ref` and its short commit id."""
    commit = subprocess.run(  # noqa: S603 - git with arguments we built
        ["git", "rev-parse", "--short", f"{ref}^{{commit}}"],  # noqa: S607
        cwd=REPO_ROOT, check=True, capture_output=True, text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="grimoire-baseline-") as parent:
        tree = Path(parent) / "tree"
        subprocess.run(  # noqa: S603
            ["git", "worktree", "add", "--detach", str(tree), commit],  # noqa: S607
            cwd=REPO_ROOT, check=True, capture_output=True,
        )
        try:
            yield tree, commit
        finally:
            subprocess.run(  # noqa: S603
                ["git", "worktree", "remove", "--force", str(tree)],  # noqa: S607
                cwd=REPO_ROOT, check=False, capture_output=True,
            )


# ------------------------------------------------------------------ the report


def p50(values: Sequence[float]) -> float:
    return percentile([v for v in values if v == v], 0.5)


def report(results: Results, baseline: Results | None, commits: int, jobs: int) -> int:
    print()
    print(f"{results.spells:,} spells, {LOG_BYTES / MB:.0f} MB job log, {commits} commits x "
          f"{jobs} failed matrix jobs per run, one delivery after another; "
          f"{results.later} deliveries after the first timed per code")
    columns = [results] + ([baseline] if baseline else [])
    rows = [
        ["202 -> run written: p50 s, every later job", *[p50(r.later_seconds) for r in columns]],
        ["  p99 s", *[percentile(r.later_seconds, 0.99) for r in columns]],
        ["  p50 s, first job of a commit", *[p50(r.create) for r in columns]],
        ["  p50 s, later jobs of a commit", *[p50(r.update) for r in columns]],
        ["first delivery (compiles the spellbook) s", *[r.first_seconds for r in columns]],
        ["log download alone, p50 s", *[p50(r.download) for r in columns]],
        ["GitHub requests per failed job", *[r.requests_per_job for r in columns]],
        ["worst event-loop stall p50 ms", *[percentile(r.stalls, 0.5) * 1000 for r in columns]],
    ]
    headers = ["", results.code] + ([baseline.code, "ratio"] if baseline else [])
    if baseline:
        rows = [[*row, ratio(row[1], row[2])] for row in rows]
    print_table(headers, rows)
    print()
    names = sorted(set().union(*(r.requests for r in columns)))
    print_table(
        ["GitHub requests per later failed job", *[r.code for r in columns]],
        [[name, *[f"{r.requests.get(name, 0) / max(r.later, 1):.2f}" for r in columns]]
         for name in names],
    )
    for r in columns:
        for problem in r.problems:
            print(f"PROBLEM ({r.code}): {problem}")
    now = p50(results.later_seconds)
    met = now < GOAL_P50_SECONDS
    grew = baseline is not None and results.requests_per_job > baseline.requests_per_job + 0.01
    print(f"goal: p50 under {GOAL_P50_SECONDS:.0f} s {'met' if met else 'NOT met'}"
          + ("" if baseline is None else
             f"; GitHub requests per failed job {'GREW' if grew else 'did not grow'}"))
    figures = (
        f"README figures: 202 -> run written p50 {now:.2f} s, p99 "
        f"{percentile(results.later_seconds, 0.99):.2f} s (creating {p50(results.create):.2f} s, "
        f"updating {p50(results.update):.2f} s) for a {LOG_BYTES / MB:.0f} MB log and "
        f"{results.spells:,} spells; {results.requests_per_job:.1f} GitHub requests per "
        f"failed job"
    )
    if baseline is not None:
        figures += (
            f"; before: p50 {p50(baseline.later_seconds):.2f} s "
            f"({ratio(now, p50(baseline.later_seconds)):.2f}x), "
            f"{baseline.requests_per_job:.1f} requests per failed job"
        )
    print(figures)
    return 1 if results.problems or not met or grew else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 commits x 3 jobs")
    parser.add_argument("--commits", type=int, default=None, help="commits (default 7)")
    parser.add_argument("--jobs", type=int, default=3, help="failed matrix jobs per commit")
    parser.add_argument("--spells", type=int, default=SPELL_COUNT)
    parser.add_argument("--baseline", metavar="REF",
                        help="also run the code of this git ref (e.g. main) and compare")
    parser.add_argument("--rounds", type=int, default=2,
                        help="with --baseline: runs of each code, in alternating order (2)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    commits = args.commits or (2 if args.quick else 7)
    if commits * args.jobs < 2 or args.jobs < 1:
        parser.error("need at least 2 deliveries (the first one compiles the spellbook)")
    example = payload_dir() / "workflow_job.completed.json"
    if not example.exists():
        print(f"skipped: GitHub's example payload is not at {example} (set GRIMOIRE_SHARED_DIR)")
        return 0
    quiet_logging()
    if args.json or not args.baseline:
        code = "before" if os.environ.get(CODE_ENV) else "this code"
        results = asyncio.run(run(commits, args.jobs, args.spells, code))
        if args.json:
            print(json.dumps(dataclasses.asdict(results)))
            return 1 if results.problems else 0
        return report(results, None, commits, args.jobs)
    # Each run in a fresh process; on a shared machine the load drifts, so the two codes
    # take turns going first and the rounds are pooled.
    forwarded = ["--commits", str(commits), "--jobs", str(args.jobs), "--spells", str(args.spells)]
    runs: dict[str, list[Results]] = {"this": [], "before": []}
    with checkout(args.baseline) as (tree, commit):
        for number in range(max(1, args.rounds)):
            order = ("this", "before") if number % 2 == 0 else ("before", "this")
            for which in order:
                if which == "this":
                    runs["this"].append(run_child(forwarded, None, "this code"))
                else:
                    runs["before"].append(run_child(forwarded, tree, f"before ({commit})"))
    results, baseline = (functools.reduce(Results.merge, runs[key]) for key in ("this", "before"))
    return report(results, baseline, commits, args.jobs)


if __name__ == "__main__":
    raise SystemExit(main())
