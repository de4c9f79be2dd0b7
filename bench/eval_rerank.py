"""What LLM_RERANK could change, without a model: how often its rule asks, and the bounds.

    python bench/eval_rerank.py                 # every set, matching by meaning on
    python bench/eval_rerank.py --no-semantic   # patterns and words only

No real model is at hand, so no model's answers are measured. For every case the pure
engine's diagnosis is put through the rerank rule (`advice.rerank`), and three answers
are simulated for each question: the engine's ranking kept (no rerank), a perfect model
(the expected spell when it is a candidate, else none) and a model that always says none.
Scored as the check run shows a failure: the first error that has a spell, and its best
spell. `top-1` is the share of cases expecting a spell whose first posted spell is one of
the expected; `fp` the share of cases expecting nothing that post any spell; `asks` the
questions (LLM calls, before caching) per case. The perfect model bounds what reranking
can gain; "always none" bounds what a useless model can lose.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.eval_engine import load_eval_set, shared_dir, spell_docs  # noqa: E402
from bench.evalset import Kind, load_cases, load_spellbook  # noqa: E402
from grimoire_bot.advice.rerank import (  # noqa: E402
    MAX_CANDIDATES,
    apply_choice,
    candidate_key,
    questions,
)
from grimoire_bot.matching import Match, SpellDoc, SpellIndex, diagnose  # noqa: E402

Answer = Callable[[Sequence[int], frozenset[int]], int | None]


@dataclass(frozen=True)
class Case:
    id: str
    log: str
    expected: frozenset[int]


def perfect(candidates: Sequence[int], expected: frozenset[int]) -> int | None:
    return next((c for c in candidates if c in expected), None)


def always_none(candidates: Sequence[int], expected: frozenset[int]) -> int | None:
    return None


def first_posted(each: Sequence[Sequence[Match]]) -> int | None:
    return next((found[0].spell_id for found in each if found), None)


def evaluate(cases: Sequence[Case], index: SpellIndex) -> dict[str, tuple[float, float]]:
    answers: dict[str, Answer | None] = {
        "engine": None,
        "perfect model": perfect,
        "always none": always_none,
    }
    hits = dict.fromkeys(answers, 0)
    false_positives = dict.fromkeys(answers, 0)
    asks = 0
    positives = sum(1 for case in cases if case.expected)
    for case in cases:
        diagnosis = diagnose(case.log, index, approved_only=True)
        asked = questions(diagnosis.errors, diagnosis.each)
        asks += len(asked)
        keys = {(q.error.fingerprint, q.key) for q in asked}
        for name, answer in answers.items():
            each = []
            for error, found in zip(diagnosis.errors, diagnosis.each, strict=True):
                candidates = [m.spell_id for m in found[:MAX_CANDIDATES]]
                if answer is not None and (error.fingerprint, candidate_key(candidates)) in keys:
                    found = apply_choice(found, candidates, answer(candidates, case.expected))
                each.append(found)
            posted = first_posted(each)
            if case.expected:
                hits[name] += posted in case.expected
            else:
                false_positives[name] += posted is not None
    negatives = len(cases) - positives
    print(f"  {len(cases)} cases, {asks} questions ({asks / len(cases):.2f} a case)")
    return {
        name: (hits[name] / max(positives, 1), false_positives[name] / max(negatives, 1))
        for name in answers
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-semantic", action="store_true", help="patterns and words only")
    args = parser.parse_args(argv)
    embedder = None
    if not args.no_semantic:
        from grimoire_bot.embeddings import load_embedder

        embedder = load_embedder()
    sets: list[tuple[str, list[SpellDoc], list[Case]]] = []
    shared = shared_dir() / "eval"
    if (shared / "dev.jsonl").exists():
        eval_set = load_eval_set(shared)
        position = {key: n for n, key in enumerate(eval_set.keys)}
        sets.append(
            (
                "shared dev",
                eval_set.spells,
                [
                    Case(c["id"], c["log"], frozenset(position[k] for k in c["expected"]))
                    for c in eval_set.cases
                ],
            )
        )
    book = load_spellbook()
    position = {spell["key"]: n for n, spell in enumerate(book)}
    for split in ("dev", "heldout"):
        raw = load_cases(Kind.MATCHING, split)
        cases = [
            Case(c["id"], c["log"], frozenset(position[k] for k in c["expected"])) for c in raw
        ]
        sets.append((f"evalset {split}", spell_docs(book), cases))
    for name, spells, cases in sets:
        print(name)
        index = SpellIndex.build(spells, embedder=embedder)
        for answer, (top1, fp) in evaluate(cases, index).items():
            print(f"  {answer:14} top-1 {top1:.3f}  fp {fp:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
