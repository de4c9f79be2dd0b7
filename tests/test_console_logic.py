"""The console's pure parts: where a sign-in may lead, prefilled patterns, diffs, charts."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from grimoire_bot.console.diffs import field_diffs
from grimoire_bot.console.editor import pattern_for_message, spell_body
from grimoire_bot.console.health import daily_counts, sparkline
from grimoire_bot.console.signin import HOME, safe_next
from grimoire_bot.matching.patterns import check_pattern, compile_pattern

LINE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300)


@given(st.text(max_size=200))
def test_a_sign_in_never_leads_off_the_console(target: str) -> None:
    """`next` comes from the address bar: it must never send the browser to another site."""
    landed = safe_next(target)
    assert landed == HOME or (landed == target and landed.startswith("/console/"))
    assert not landed.startswith("//") and "://" not in landed.split("?")[0][:12]


def test_protocol_relative_and_foreign_targets_go_home() -> None:
    for target in ("//evil.example/console/", "https://evil.example", "/api/users", "", None):
        assert safe_next(target) == HOME
    assert safe_next("/console//evil.example") == HOME
    assert safe_next("/console/unmatched?days=30") == "/console/unmatched?days=30"


@given(LINE.filter(lambda line: line.strip()))
def test_a_prefilled_pattern_matches_the_message_it_came_from(message: str) -> None:
    """'Write a spell' starts from the failure's message: its pattern must match it."""
    pattern = pattern_for_message(message)
    check_pattern(pattern)
    assert compile_pattern(pattern).search(message) is not None


def test_examples_are_one_per_line_and_blank_fields_are_null() -> None:
    body = spell_body(
        {
            "title": "T",
            "key": "",
            "error_type": " ",
            "ecosystem": "",
            "error_pattern": "x",
            "solution_code": "y",
            "examples": "E   first\r\n\n  second  \n",
        }
    )
    assert body["examples"] == ["E   first", "  second  "]
    assert body["key"] is None and body["error_type"] is None and body["ecosystem"] is None
    assert body["scope"] == "log"


def test_diffs_show_changed_fields_only_line_by_line() -> None:
    before = {"title": "Same", "solution_code": "pip install a\npip install b", "examples": ["x"]}
    after = {"title": "Same", "solution_code": "pip install a\npip install c", "examples": ["x"]}
    [diff] = field_diffs(before, after)
    assert diff.field == "solution_code"
    assert [(line.kind, line.text) for line in diff.lines] == [
        ("same", "pip install a"),
        ("removed", "pip install b"),
        ("added", "pip install c"),
    ]


def test_daily_counts_fill_missing_days_oldest_first() -> None:
    counts = daily_counts({"2026-03-01": 4, "2026-03-03": 1}, 3, date(2026, 3, 3))
    assert counts == [4, 0, 1]
    points = sparkline(counts, 100, 20).split()
    assert len(points) == 3
    assert points[0].startswith("0.0,") and points[-1].startswith("100.0,")
