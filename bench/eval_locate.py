"""How often the primary error location is right on the localisation tuning set.

    python bench/eval_locate.py            # accuracy per class, misses listed, time per log
    python bench/eval_locate.py --quick    # fewer timing rounds

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
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from grimoire_bot.matching import ErrorRecord, clean_log, extract_errors  # noqa: E402
from tests.localisation_cases import CASES, Case, Kind, primary_location  # noqa: E402

FULL_ROUNDS = 50
QUICK_ROUNDS = 10


def locate(case: Case) -> list[ErrorRecord]:
    return extract_errors(case.log)


def places(errors: Sequence[ErrorRecord]) -> set[str]:
    return {f"{e.file}:{e.line}" if e.line is not None else str(e.file) for e in errors if e.file}


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
    print(
        f"README figures: primary location {total_primary / count:.2f} "
        f"({total_primary}/{count}), anywhere {total_anywhere / count:.2f}, "
        f"{engine_ms:.2f} ms per log ({engine_ms / baseline_ms:.1f}x clean_log) "
        "on the localisation tuning set"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
