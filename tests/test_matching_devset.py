"""Regression: the engine's scores on the shared development set (skipped without it).

The set is real CI output from public issues with the spells a careful person would pick
(see its README). It is read from the shared folder at test time and never copied here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from grimoire_bot.matching import SpellDoc, SpellIndex, analyse
from grimoire_bot.matching.evaluation import Metrics, Outcome, score_outcomes

REPO_ROOT = Path(__file__).resolve().parent.parent
RETURNED = 5


def eval_dir() -> Path:
    return Path(os.environ.get("GRIMOIRE_SHARED_DIR", REPO_ROOT.parent / "shared")) / "eval"


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    directory = eval_dir()
    if not (directory / "dev.jsonl").is_file() or not (directory / "spellbook.json").is_file():
        pytest.skip(f"no development set at {directory}")
    book = json.loads((directory / "spellbook.json").read_text(encoding="utf-8"))
    index = SpellIndex.build(
        SpellDoc(
            id=position,
            title=s["title"],
            description=s["description"],
            error_type=s.get("error_type"),
            error_pattern=s["error_pattern"],
            tags=s.get("tags", ""),
            ecosystem=s.get("ecosystem"),
            status="approved",
        )
        for position, s in enumerate(book)
    )
    outcomes = []
    for line in (directory / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        _, matches = analyse(case["log"], index, limit=RETURNED)
        outcomes.append(
            Outcome(
                case_id=case["id"],
                expected=tuple(case["expected"]),
                returned=tuple(book[m.spell_id]["key"] for m in matches),
            )
        )
    return score_outcomes(outcomes)


def test_recall_at_1(metrics: Metrics) -> None:
    assert metrics.recall_at_1 >= 0.85


def test_recall_at_3(metrics: Metrics) -> None:
    assert metrics.recall_at_3 >= 0.95


def test_false_positive_rate(metrics: Metrics) -> None:
    assert metrics.false_positive_rate <= 0.10
