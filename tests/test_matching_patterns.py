"""Spell patterns: validation for the API, and how specific each one is."""

from __future__ import annotations

import pytest

from grimoire_bot.matching import PatternError, check_pattern
from grimoire_bot.matching.patterns import analyse_pattern


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("npm ERR! (code", "missing )"),
        ("(?<=ERR)!", "invalid perl operator"),
        (r"\1", "invalid escape"),
        ("(a|b)*", "matches empty text"),
        ("x" * 5000, "too long"),
        (r"[^\n]{1,1000}x[^\n]{1,1000}y[^\n]{1,1000}", "too big"),
    ],
)
def test_unusable_patterns_are_refused_with_a_reason(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        check_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"ModuleNotFoundError: No module named '([\w.]+)'",
        r"(?m)^error: externally-managed-environment$",
        r"(?i)command not found|exit code 127",
    ],
)
def test_usable_patterns_pass(pattern: str) -> None:
    check_pattern(pattern)


def test_required_literal_text_measures_specificity() -> None:
    generic = analyse_pattern(r"ModuleNotFoundError: No module named '[\w.]+'")
    specific = analyse_pattern(r"ModuleNotFoundError: No module named 'yaml'")
    vague = analyse_pattern(r"(?i)failed")
    assert vague.specificity < generic.specificity < specific.specificity


def test_optional_parts_and_alternations_are_not_required_literals() -> None:
    shape = analyse_pattern(r"lock file v(ersion)? \d+ (?:needs|requires) `-Znext`|\bKilled\b")
    first, second = shape.alternatives
    assert first.literals == ("lock file v", " ", " ", " `-Znext`")
    assert second.literals == ("Killed",)
    assert shape.specificity == second.specificity
