"""How often the primary error location is right on the localisation tuning set.

    python bench/locate_tuning.py            # accuracy per class, misses listed, time per log
    python bench/locate_tuning.py --quick    # fewer timing rounds

The set is `tests/localisation_cases.py`: real tool output (sources in its comments) with
the repository `path:line` a person would open. "primary" is the first located error of
`extract_errors`, as `/api/match` lists them; "anywhere" counts a case when any error
has the expected place. Cases that carry the repository's file list are measured with
the paths resolved against it (as the check-run path does with the commit's tree), the
others on the text alone. Time per log is the median of `extract_errors` (plus resolving
where files are given) over the cases, each timed several rounds; the baseline in the same
run is `clean_log` of the same text, so the ratio is the claim, not the milliseconds.

These are tuning figures: the set was used while building the localisation.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from grimoire_bot.matching import (  # noqa: E402
    ErrorRecord,
    RepoFiles,
    clean_log,
    extract_errors,
    resolve_paths,
)
from tests.localisation_cases import CASES, Case, Kind, primary_location  # noqa: E402

FULL_ROUNDS = 50
QUICK_ROUNDS = 10
TREE_FILES = 100_000
TREE_LOOKUPS = 200
SEED = 20240501


def locate(case: Case) -> list[ErrorRecord]:
    errors = extract_errors(case.log)
    if case.files is not None:
        errors = resolve_paths(errors, case.files)
    return errors


def places(errors: Sequence[ErrorRecord]) -> set[str]:
    return {f"{e.file}:{e.line}" if e.line is not None else str(e.file) for e in errors if e.file}


def synthetic_tree(count: int) -> list[str]:
    """A monorepo-shaped file list: many folders, many files sharing common names."""
    rng = random.Random(SEED)
    folders = ("src", "lib", "pkg", "app", "internal", "tests", "components", "services")
    names = ("index", "main", "utils", "__init__", "config", "types", "client", "handler")
    extensions = (".py", ".ts", ".go", ".java", ".rs")
    paths: set[str] = set()
    while len(paths) < count:
        depth = rng.randint(1, 7)
        folder = "/".join(f"{rng.choice(folders)}{rng.randint(0, 40)}" for _ in range(depth))
        name = f"{rng.choice(names)}{rng.randint(0, 400)}{rng.choice(extensions)}"
        paths.add(f"{folder}/{name}")
    return sorted(paths)


def time_resolver(rounds: int) -> tuple[float, float]:
    """(seconds to index a 100k-file tree, seconds per looked-up path), medians."""
    tree = synthetic_tree(TREE_FILES)
    rng = random.Random(SEED)
    printed = [f"/home/runner/work/r/r/{path}" for path in rng.sample(tree, TREE_LOOKUPS // 2)]
    printed += [path.rsplit("/", 1)[-1] for path in rng.sample(tree, TREE_LOOKUPS // 2)]
    index_seconds = median_seconds(lambda: RepoFiles(tree), max(3, rounds // 5))
    files = RepoFiles(tree)
    lookup_seconds = median_seconds(lambda: [files.resolve(p) for p in printed], rounds)
    return index_seconds, lookup_seconds / len(printed)


def median_seconds(function, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds")
    args = parser.parse_args(argv)
    rounds = QUICK_ROUNDS if args.quick else FULL_ROUNDS

    by_kind: dict[Kind, list[tuple[bool, bool]]] = defaultdict(list)
    misses: list[tuple[Case, str | None]] = []
    for case in CASES:
        errors = locate(case)
        primary = primary_location(errors)
        by_kind[case.kind].append((primary == case.expected, case.expected in places(errors)))
        if primary != case.expected:
            misses.append((case, primary))

    print(f"{'class':<42} {'cases':>5} {'primary':>8} {'anywhere':>9}")
    total_primary = total_anywhere = 0
    for kind in Kind:
        results = by_kind.get(kind, [])
        if not results:
            continue
        right = sum(primary for primary, _ in results)
        found = sum(anywhere for _, anywhere in results)
        total_primary += right
        total_anywhere += found
        print(
            f"{kind.value:<42} {len(results):>5} {right / len(results):>8.2f} "
            f"{found / len(results):>9.2f}"
        )
    count = len(CASES)
    print(f"{'all':<42} {count:>5} {total_primary / count:>8.2f} {total_anywhere / count:>9.2f}")

    if misses:
        print("\nmisses (expected <- got):")
        for case, got in misses:
            print(f"  {case.name}: {case.expected} <- {got}")

    engine = [median_seconds(lambda case=case: locate(case), rounds) for case in CASES]
    baseline = [median_seconds(lambda case=case: clean_log(case.log), rounds) for case in CASES]
    engine_ms = statistics.median(engine) * 1000
    baseline_ms = statistics.median(baseline) * 1000
    print(
        f"\ntime per log (median of {count} cases, {rounds} rounds each): "
        f"{engine_ms:.3f} ms; clean_log alone {baseline_ms:.3f} ms "
        f"({engine_ms / baseline_ms:.1f}x)"
    )
    index_seconds, lookup_seconds = time_resolver(rounds)
    print(
        f"resolver, {TREE_FILES:,}-file tree: indexed in {index_seconds * 1000:.0f} ms "
        f"(once per commit), {lookup_seconds * 1e6:.1f} \u00b5s per path"
    )
    print(
        f"README figures: primary location {total_primary / count:.2f} "
        f"({total_primary}/{count}), anywhere {total_anywhere / count:.2f}, "
        f"{engine_ms:.2f} ms per log ({engine_ms / baseline_ms:.1f}x clean_log) "
        f"on the localisation tuning set; a {TREE_FILES:,}-file tree indexes in "
        f"{index_seconds * 1000:.0f} ms and resolves a path in {lookup_seconds * 1e6:.0f} \u00b5s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
