"""Catch-all patterns are measured against ordinary log lines and other spells' examples."""

from __future__ import annotations

import pytest

from grimoire_bot.matching.breadth import (
    draft_breadth_problem,
    measure_breadth,
    person_breadth_problem,
)
from grimoire_bot.spellbook.io import starter_spellbook
from grimoire_bot.spellbook.samples import breadth_against_samples, harmless_lines


@pytest.mark.parametrize("pattern", [r"(?i)error", r"error", r"failed", r"\d+", r"(?i)warn"])
def test_catch_all_patterns_are_too_broad_for_anyone(pattern: str) -> None:
    breadth = breadth_against_samples(pattern)
    problem = person_breadth_problem(breadth)
    assert problem is not None and problem.startswith("pattern is too broad")
    assert draft_breadth_problem(breadth) is not None


def test_every_starter_spell_passes_the_bar_for_people() -> None:
    """The bar must not refuse the spellbook that ships: each spell is judged without its
    own examples, as an edit of it would be."""
    for spell in starter_spellbook():
        breadth = breadth_against_samples(spell["error_pattern"], own_key=spell["key"])
        assert person_breadth_problem(breadth) is None, spell["key"]


def test_the_harmless_corpus_really_is_harmless() -> None:
    """No starter spell fires on a line printed by a job that went well."""
    for spell in starter_spellbook():
        breadth = breadth_against_samples(spell["error_pattern"], own_key=spell["key"])
        assert breadth.harmless_matched == (), (spell["key"], breadth.harmless_matched)
    assert len(harmless_lines()) >= 300


def test_a_specific_pattern_passes_both_bars() -> None:
    breadth = breadth_against_samples(r"Error: Unsupported block type")
    assert person_breadth_problem(breadth) is None
    assert draft_breadth_problem(breadth) is None


def test_a_draft_may_not_overlap_any_other_spell() -> None:
    examples = {"a": ["ModuleNotFoundError: No module named 'yaml'"], "b": ["other"]}
    breadth = measure_breadth(r"No module named '\w+'", [], examples)
    assert breadth.spells_matched == ("a",)
    assert "examples of 1 other spells" in (draft_breadth_problem(breadth) or "")
    assert person_breadth_problem(breadth) is None


def test_a_spell_is_not_measured_against_its_own_examples() -> None:
    examples = {"self": ["boom"], "other": ["fine"]}
    assert measure_breadth("boom", [], examples, own_key="self").spells_matched == ()
