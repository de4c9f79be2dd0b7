"""Time per real log: the whole matching pass on every real output the project holds,
this code against an earlier commit's, in the same run.

    python -m bench.log_times --baseline a242470
    python -m bench.log_times --baseline main --rounds 3

The logs are the development sides of `bench/evalset/` (both rounds) and the gathered
outputs of the localisation tuning set (`tests/data/localisation_gathered.jsonl`): real CI
and tool output of every size a pull request shows, not a synthetic 10 MB log (that is
`bench/match_scale.py`). Each code runs in a fresh process with the set's own spellbook and
the bundled embedding model; a log's time is the best of five `diagnose()` calls, and the
figures are the median and mean over the logs. Codes alternate, round after round, so a
busy neighbour on this shared machine slows both alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

LOG_FILES = (
    "bench/evalset/matching-dev.jsonl",
    "bench/evalset/locate-dev.jsonl",
    "bench/evalset/round2/matching-dev.jsonl",
    "bench/evalset/round2/locate-dev.jsonl",
    "tests/data/localisation_gathered.jsonl",
)
CALLS_PER_LOG = 5
WARM_UP_LOGS = 20


def real_logs() -> list[str]:
    logs: list[str] = []
    for name in LOG_FILES:
        with (REPO_ROOT / name).open(encoding="utf-8") as lines:
            logs.extend(json.loads(line)["log"] for line in lines if line.strip())
    return logs


def time_logs(code: Path) -> list[float]:
    """Seconds per log with the matcher of the checkout `code` (run in a child process)."""
    sys.path.insert(0, str(code))  # before the first import of the package
    from bench.eval_engine import spell_docs
    from grimoire_bot.embeddings import load_embedder
    from grimoire_bot.matching import SpellIndex, diagnose

    book = json.loads((REPO_ROOT / "bench/evalset/spellbook.json").read_text(encoding="utf-8"))
    index = SpellIndex.build(spell_docs(book), embedder=load_embedder())
    logs = real_logs()
    for log in logs[:WARM_UP_LOGS]:
        diagnose(log, index)
    seconds = []
    for log in logs:
        best = float("inf")
        for _ in range(CALLS_PER_LOG):
            started = time.perf_counter()
            diagnose(log, index)
            best = min(best, time.perf_counter() - started)
        seconds.append(best)
    return seconds


def run_child(code: Path) -> list[float]:
    child = subprocess.run(  # noqa: S603 - this interpreter running this benchmark
        [sys.executable, "-m", "bench.log_times", "--child", str(code)],
        cwd=REPO_ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", metavar="REF", required=False, help="the code to compare")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each code, alternating")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(time_logs(args.child)))
        return 0
    from bench.pipeline import checkout

    with checkout(args.baseline or "HEAD") as (tree, commit):
        runs: dict[str, list[list[float]]] = {"this code": [], commit: []}
        for _ in range(args.rounds):
            runs[commit].append(run_child(tree))
            runs["this code"].append(run_child(REPO_ROOT))
    print(f"{len(runs['this code'][0])} real logs, best of {CALLS_PER_LOG} calls each")
    medians = {}
    for label, rounds in runs.items():
        per_log = [min(times) for times in zip(*rounds, strict=True)]
        medians[label] = statistics.median(per_log)
        print(
            f"{label:>10}: median {medians[label] * 1000:.2f} ms, "
            f"mean {statistics.mean(per_log) * 1000:.2f} ms, max {max(per_log) * 1000:.0f} ms"
        )
    ratio = medians["this code"] / medians[commit]
    print(f"median time per log: {ratio:.2f}x the code of {commit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
