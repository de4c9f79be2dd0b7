"""Shared helpers for the benchmarks: throwaway databases, percentiles, CPU clocks, tables.

Every benchmark creates its own databases on the server named by
`GRIMOIRE_BENCH_DATABASE_URL` (an admin URL, default the local trust-auth server) and
drops them at the end, so a run never touches a developer's data.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402

from grimoire_bot.db.migrations import apply_migrations  # noqa: E402

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"
WEBHOOK_SECRET = "bench-webhook-secret"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def admin_url() -> str:
    return os.environ.get("GRIMOIRE_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL)


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(admin_url())._replace(path=f"/{name}"))


def shared_dir() -> Path:
    return Path(os.environ.get("GRIMOIRE_SHARED_DIR", REPO_ROOT.parent / "shared"))


@contextlib.contextmanager
def bench_database(prefix: str, *, migrate: bool = True) -> Iterator[str]:
    """A fresh, migrated database for one run, dropped afterwards whatever happens."""
    name = f"grimoire_bench_{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = database_url(name)
        if migrate:
            apply_migrations(url)
        yield url
    finally:
        with psycopg.connect(admin_url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def quiet_logging() -> None:
    """Warnings only: per-request INFO lines would measure the terminal, not the code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    # A benchmark may open one logger up to INFO to read timings from its records.
    for handler in root.handlers:
        handler.setLevel(logging.WARNING)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


# ------------------------------------------------------------------ CPU accounting


def _proc_cpu_seconds(pid: str) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # utime and stime are the 12th and 13th fields after the command name.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_seconds(*, pids: Sequence[int] = (), command: str | None = None) -> float | None:
    """User+system CPU of the given processes and of every process named `command`.

    Read from /proc so no extra package is needed; None where /proc is not there.
    Postgres backends that exit between two readings take their CPU with them, which
    is why the benchmarks keep their connections pooled for the whole measurement.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    total = 0.0
    wanted = {str(pid) for pid in pids}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            named = command is not None and (entry / "comm").read_text().strip() == command
            if entry.name in wanted or named:
                total += _proc_cpu_seconds(entry.name)
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return total


# ------------------------------------------------------------------ output


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [
        max(len(str(header)), *(len(row[i]) for row in cells)) if cells else len(str(header))
        for i, header in enumerate(headers)
    ]
    print("  ".join(str(h).ljust(w) if i == 0 else str(h).rjust(w)
                    for i, (h, w) in enumerate(zip(headers, widths, strict=True))))
    for row in cells:
        print("  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                        for i, (v, w) in enumerate(zip(row, widths, strict=True))))


def machine_busy_seconds() -> float | None:
    """CPU seconds all processes on the machine ran (user, nice, system), from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...: process time only, since
    # interrupt work (loopback networking) is never charged to a process either.
    return sum(fields[:3]) / CLOCK_TICKS


def own_cpu_seconds() -> float:
    """This process's user+system CPU, all threads."""
    times = os.times()
    return times.user + times.system


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    return str(value)
