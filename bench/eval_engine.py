"""Run the development set through the pure matching engine and print its scores.

    python bench/eval_engine.py            # recall@1, recall@3, MRR, false-positive rate
    python bench/eval_engine.py --cases    # and each case: expected vs returned
    python bench/eval_engine.py --no-semantic   # without matching by meaning

The set lives in the shared folder (`GRIMOIRE_SHARED_DIR`, default `../shared` next to
the repository): `eval/spellbook.json` and `eval/dev.jsonl`. Spell ids are positions in
the spellbook; the spells have no ecosystem field, so the engine infers it from tags.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from grimoire_bot.matching import SpellDoc, SpellIndex, diagnose  # noqa: E402
from grimoire_bot.matching.evaluation import Metrics, Outcome, score_outcomes  # noqa: E402

GOALS = {"recall@1": 0.85, "recall@3": 0.95, "fp_rate": 0.10}
RETURNED_LIMIT = 5


@dataclass(frozen=True, slots=True)
class EvalSet:
    keys: list[str]
    spells: list[SpellDoc]
    cases: list[dict]


def shared_dir() -> Path:
    return Path(os.environ.get("GRIMOIRE_SHARED_DIR", REPO_ROOT.parent / "shared"))


def spell_docs(book: Sequence[dict]) -> list[SpellDoc]:
    """A spellbook file's spells as the engine indexes them, numbered by position."""
    return [
        SpellDoc(
            id=position,
            title=spell["title"],
            description=spell["description"],
            error_type=spell.get("error_type"),
            error_pattern=spell["error_pattern"],
            tags=spell.get("tags", ""),
            ecosystem=spell.get("ecosystem"),
            status=spell.get("status", "approved"),
            scope=spell.get("scope", "log"),
            solution=spell.get("solution_code", ""),
        )
        for position, spell in enumerate(book)
    ]


def load_eval_set(directory: Path) -> EvalSet:
    book = json.loads((directory / "spellbook.json").read_text(encoding="utf-8"))
    spells = spell_docs(book)
    with (directory / "dev.jsonl").open(encoding="utf-8") as lines:
        cases = [json.loads(line) for line in lines if line.strip()]
    return EvalSet(keys=[spell["key"] for spell in book], spells=spells, cases=cases)


def run(eval_set: EvalSet, index: SpellIndex) -> list[Outcome]:
    outcomes = []
    for case in eval_set.cases:
        matches = diagnose(case["log"], index, limit=RETURNED_LIMIT).ranked
        outcomes.append(
            Outcome(
                case_id=case["id"],
                expected=tuple(case["expected"]),
                returned=tuple(eval_set.keys[m.spell_id] for m in matches),
            )
        )
    return outcomes


def print_cases(outcomes: Sequence[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.expected:
            verdict = {1: "ok"}.get(
                outcome.rank or 0, f"rank {outcome.rank}" if outcome.rank else "MISS"
            )
        else:
            verdict = "FP" if outcome.returned else "ok"
        print(
            f"{outcome.case_id:8} {verdict:7} expected={list(outcome.expected)[:2]} "
            f"returned={list(outcome.returned)[:3]}"
        )


def print_metrics(metrics: Metrics, seconds: float) -> None:
    values = metrics.as_json()
    print(
        f"cases: {metrics.positives} with an expected spell, {metrics.negatives} expecting "
        f"nothing; {seconds * 1000:.0f} ms for all"
    )
    for name in ("recall@1", "recall@3", "mrr", "fp_rate"):
        goal = GOALS.get(name)
        if goal is None:
            print(f"{name:9} {values[name]:.3f}")
        else:
            met = values[name] <= goal if name == "fp_rate" else values[name] >= goal
            sign = "<=" if name == "fp_rate" else ">="
            print(
                f"{name:9} {values[name]:.3f}   goal {sign} {goal:.2f}  "
                f"{'met' if met else 'NOT met'}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", action="store_true", help="print every case's outcome")
    parser.add_argument("--dir", type=Path, default=None, help="the eval folder")
    parser.add_argument("--no-semantic", action="store_true", help="patterns and words only")
    args = parser.parse_args(argv)
    directory = args.dir or shared_dir() / "eval"
    if not (directory / "dev.jsonl").exists():
        print(f"no development set at {directory}", file=sys.stderr)
        return 2
    eval_set = load_eval_set(directory)
    embedder = None
    if not args.no_semantic:
        from grimoire_bot.embeddings import load_embedder

        embedder = load_embedder()
    index = SpellIndex.build(eval_set.spells, embedder=embedder)
    started = time.perf_counter()
    outcomes = run(eval_set, index)
    seconds = time.perf_counter() - started
    if args.cases:
        print_cases(outcomes)
    print_metrics(score_outcomes(outcomes), seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
