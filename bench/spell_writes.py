"""What recording a revision costs a spell write.

Every write to `spells` now sets who and why (`db.revisions.attribute`, one more
statement) and fires two row triggers that number the revision and store its diff and
snapshot. This measures `spells import` (the write path that does the most writes at
once: the seed, a team's spellbook file) creating and then updating N spells, three ways
in the same run, on the same database:

- `before`: the write as it was before revisions (an upsert in a transaction, no
  attribution, the revision triggers disabled), as the baseline;
- `triggers off`: today's code path (attribution included) with the triggers disabled,
  to separate the extra statement from the trigger;
- `revisions`: today's code path as it runs.

Rounds rotate the order; each round starts from an empty table. Each write commits on
its own, so on a busy machine the commit dominates and the ratios are noisy; the trigger's
own cost is therefore also measured inside the database, where nothing else moves: one
`UPDATE` of every spell, with the triggers on and off, in µs per row. It also reports what
a revision row costs on disk.

    python -m bench.spell_writes            # 1,000 spells, 3 rounds
    python -m bench.spell_writes --quick    # 300 spells, 2 rounds
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench._support import bench_database, print_table, quiet_logging, ratio
from grimoire_bot.db import open_pool
from grimoire_bot.db.spells import CASTS, WRITABLE_FIELDS
from grimoire_bot.spellbook import io as spellbook_io

REVISION_TRIGGERS = ("spells_number_revision", "spells_record_revision")
VERBS = ("start", "bind", "load", "parse", "link", "resolve", "compile", "mount")


def generated_spells(count: int, *, edition: int) -> list[dict[str, Any]]:
    """Spells shaped like a spellbook file's; a later edition changes two fields of each."""
    return [
        {
            "key": f"bench.writes.{n:05}",
            "title": f"Widget {n} fails to {VERBS[n % len(VERBS)]} (edition {edition})",
            "description": f"Seen when widget {n} cannot {VERBS[n % len(VERBS)]}.",
            "error_type": f"Widget{n}Error",
            "error_pattern": rf"GRIMOIRE-BENCH-{n}: widget \w+ failed to {VERBS[n % len(VERBS)]}",
            "solution_code": f"widget --repair {n} --edition {edition}",
            "tags": "bench,widget",
            "examples": [f"GRIMOIRE-BENCH-{n}: widget alpha failed to {VERBS[n % len(VERBS)]}"],
        }
        for n in range(count)
    ]


async def import_as_before(conn: Any, spells: list[dict[str, Any]]) -> None:
    """The importer's write before revisions: one upsert per spell in its own transaction."""
    for spell in spells:
        fields = spellbook_io.SpellFileEntry.model_validate(spell).model_dump(mode="json")
        names = [name for name in WRITABLE_FIELDS if name in fields]
        placeholders = [f"${i}{CASTS.get(name, '')}" for i, name in enumerate(names, start=1)]
        updatable = [name for name in names if name != "key"]
        # Constant column names only: the baseline's statement as it was.
        query = f"""
            INSERT INTO spells ({", ".join(names)}) VALUES ({", ".join(placeholders)})
            ON CONFLICT (key) DO UPDATE SET
                {", ".join(f"{n} = EXCLUDED.{n}" for n in updatable)}, updated_at = now()
            WHERE ({", ".join(f"spells.{n}" for n in updatable)})
                  IS DISTINCT FROM ({", ".join(f"EXCLUDED.{n}" for n in updatable)})
            RETURNING (xmax = 0) AS created
        """  # noqa: S608
        async with conn.transaction():
            await conn.fetchrow(query, *[fields[name] for name in names])


async def import_now(conn: Any, spells: list[dict[str, Any]]) -> None:
    report = await spellbook_io.import_spells(conn, spells)
    assert not report.errors, report.errors[:3]


async def set_triggers(conn: Any, enabled: bool) -> None:
    action = "ENABLE" if enabled else "DISABLE"
    for trigger in REVISION_TRIGGERS:
        await conn.execute(f"ALTER TABLE spells {action} TRIGGER {trigger}")


async def reset(conn: Any) -> None:
    await conn.execute("TRUNCATE spells, spell_revisions CASCADE")


Importer = Callable[[Any, list[dict[str, Any]]], Awaitable[None]]
VARIANTS: dict[str, tuple[Importer, bool]] = {
    "before": (import_as_before, False),
    "triggers off": (import_now, False),
    "revisions": (import_now, True),
}


async def measure(url: str, count: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    first = generated_spells(count, edition=1)
    second = generated_spells(count, edition=2)
    timings: dict[str, dict[str, list[float]]] = {
        name: {"create": [], "update": []} for name in VARIANTS
    }
    names = list(VARIANTS)
    async with open_pool(url, min_size=1, max_size=2) as pool, pool.acquire() as conn:
        for round_number in range(rounds):
            order = names[round_number % len(names) :] + names[: round_number % len(names)]
            for name in order:
                importer, triggers = VARIANTS[name]
                await reset(conn)
                await set_triggers(conn, triggers)
                for phase, spells in (("create", first), ("update", second)):
                    start = time.perf_counter()
                    await importer(conn, spells)
                    timings[name][phase].append((time.perf_counter() - start) / count)
        await set_triggers(conn, True)
    return timings


async def trigger_cost(url: str, count: int, rounds: int) -> dict[bool, float]:
    """µs per row of one statement updating every spell, triggers on and off (median)."""
    samples: dict[bool, list[float]] = {True: [], False: []}
    async with open_pool(url, min_size=1, max_size=2) as pool, pool.acquire() as conn:
        await reset(conn)
        await import_now(conn, generated_spells(count, edition=1))
        for round_number in range(rounds * 2):
            enabled = round_number % 2 == 0
            await set_triggers(conn, enabled)
            start = time.perf_counter()
            await conn.execute("UPDATE spells SET description = description || '.'")
            samples[enabled].append((time.perf_counter() - start) / count * 1e6)
        await set_triggers(conn, True)
    return {enabled: statistics.median(values) for enabled, values in samples.items()}


async def revision_footprint(url: str, count: int) -> tuple[float, int]:
    """Bytes on disk per revision row (table, TOAST and indexes), and how many rows."""
    async with open_pool(url, min_size=1, max_size=2) as pool, pool.acquire() as conn:
        await reset(conn)
        await import_now(conn, generated_spells(count, edition=1))
        await import_now(conn, generated_spells(count, edition=2))
        await conn.execute("VACUUM ANALYZE spell_revisions")
        size = await conn.fetchval("SELECT pg_total_relation_size('spell_revisions')")
        rows = await conn.fetchval("SELECT count(*) FROM spell_revisions")
    return size / rows, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 spells, 2 rounds")
    args = parser.parse_args()
    count, rounds = (300, 2) if args.quick else (1000, 3)
    quiet_logging()
    with bench_database("writes") as url:
        timings = asyncio.run(measure(url, count, rounds))
        in_database = asyncio.run(trigger_cost(url, count, rounds))
        per_row, rows = asyncio.run(revision_footprint(url, count))
    medians = {
        name: {phase: statistics.median(values) * 1000 for phase, values in phases.items()}
        for name, phases in timings.items()
    }
    base = medians["before"]
    print(
        f"spells import of {count:,} spells, then again with two fields changed; "
        f"median of {rounds} rounds, ms per spell"
    )
    print_table(
        ["variant", "create ms", "x before", "update ms", "x before"],
        [
            [
                name,
                f"{m['create']:.3f}",
                f"{ratio(m['create'], base['create']):.2f}",
                f"{m['update']:.3f}",
                f"{ratio(m['update'], base['update']):.2f}",
            ]
            for name, m in medians.items()
        ],
    )
    trigger_us = in_database[True] - in_database[False]
    print(
        f"one UPDATE of {count:,} spells: {in_database[True]:.1f} µs per row with the "
        f"revision triggers, {in_database[False]:.1f} without "
        f"({ratio(in_database[True], in_database[False]):.2f}x): the triggers add "
        f"{trigger_us:.1f} µs per row"
    )
    print(f"revision rows: {rows:,}, {per_row:,.0f} bytes each on disk (snapshot, diff, index)")
    now = medians["revisions"]
    print(
        f"README figures: a spell write through `spells import` with its revision costs "
        f"{ratio(now['create'], base['create']):.2f}x (create) and "
        f"{ratio(now['update'], base['update']):.2f}x (update) the write before revisions "
        f"({now['create']:.2f} / {now['update']:.2f} ms per spell, commit included); the "
        f"triggers add {trigger_us:.0f} µs per row in the database; "
        f"{per_row:,.0f} bytes per revision"
    )


if __name__ == "__main__":
    main()
