"""Regression: the engine's scores on the shared development set (skipped without it).

The set is real CI output from public issues with the spells a careful person would pick
(see its README). It is read from the shared folder at test time, through the same loader
and runner as bench/eval_engine.py, and never copied here.
"""

from __future__ import annotations

import pytest

from bench.eval_engine import load_eval_set, run, shared_dir
from grimoire_bot.matching import SpellIndex
from grimoire_bot.matching.evaluation import Metrics, score_outcomes


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    directory = shared_dir() / "eval"
    if not (directory / "dev.jsonl").is_file() or not (directory / "spellbook.json").is_file():
        pytest.skip(f"no development set at {directory}")
    eval_set = load_eval_set(directory)
    return score_outcomes(run(eval_set, SpellIndex.build(eval_set.spells)))


def test_recall_at_1(metrics: Metrics) -> None:
    assert metrics.recall_at_1 >= 0.85


def test_recall_at_3(metrics: Metrics) -> None:
    assert metrics.recall_at_3 >= 0.95


def test_false_positive_rate(metrics: Metrics) -> None:
    assert metrics.false_positive_rate <= 0.10
