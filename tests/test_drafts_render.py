"""The pull-request section for AI drafts: labelled, escaped, links and mentions defused."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from grimoire_bot.drafts import AiDraft, DraftOutcome, OutcomeKind, shown_drafts
from grimoire_bot.drafts.render import (
    MAX_SECTION_CHARS,
    WORD_JOINER,
    ShownDraft,
    code_block,
    prose,
    render_ai_drafts_section,
)
from tests.drafts_scenarios import error_record


def ai_draft(**overrides) -> AiDraft:
    values = {
        "spell_id": 12,
        "title": "Frobnicator: the widget's quota is used up",
        "description": "The frobnicator refuses to build a widget past its quota.",
        "error_type": "FrobnicatorError",
        "error_pattern": r"quota exhausted",
        "solution_code": "frob quota raise --widget alpha",
        "tags": "frobnicator",
        "confidence": 0.7,
        "provider": "openai",
        "model": "gpt-5.4-mini",
    }
    values.update(overrides)
    return AiDraft(**values)


def shown(**overrides) -> ShownDraft:
    return ShownDraft("fatal: quota exhausted", "tools/build.sh:12", ai_draft(**overrides))


def test_a_draft_is_labelled_unreviewed_with_its_confidence_and_model() -> None:
    text = render_ai_drafts_section([shown()], public_url="https://grimoire.example.com")
    assert text.startswith("## AI drafts, not reviewed")
    assert "Nobody has reviewed these drafts yet" in text
    assert "AI draft, not reviewed · confidence 0.70" in text
    assert "an AI model (openai gpt-5.4-mini) drafted one" in text
    assert "[draft spell #12](https://grimoire.example.com/console/spells/12)" in text
    assert "`tools/build.sh:12`" in text
    assert "```\nfrob quota raise --widget alpha\n```" in text


def test_nothing_to_show_renders_nothing() -> None:
    assert render_ai_drafts_section([]) == ""


def test_the_model_s_markdown_cannot_link_format_or_inject_html() -> None:
    hostile = ai_draft(
        title="[click me](https://evil.example/x) <img src=x onerror=alert(1)> **bold**",
        description="See https://evil.example and www.evil.example, ping @octocat or a@b.co",
    )
    text = render_ai_drafts_section([ShownDraft("boom", None, hostile)])
    assert "](https://" not in text and "https://evil" not in text
    assert "www.evil" not in text
    assert re.search(r"(?<!\\)<img", text) is None and "\\<img" in text
    assert "\\*\\*bold\\*\\*" in text
    assert f"@{WORD_JOINER}octocat" in text and "@octocat" not in text


def test_solution_code_is_fenced_beyond_any_backticks_inside() -> None:
    block = code_block("echo ```\n````\nrm -rf /")
    fence = block.split("\n", 1)[0]
    assert set(fence) == {"`"} and len(fence) == 5
    assert block.endswith("\n" + fence)


def test_the_section_stays_within_its_budget() -> None:
    many = [shown(spell_id=n, solution_code="x" * 1900) for n in range(40)]
    text = render_ai_drafts_section(many)
    assert len(text) <= MAX_SECTION_CHARS
    assert text.endswith("more AI drafts not shown._")


def test_outcomes_without_a_draft_are_not_shown_and_a_reused_draft_shows_once() -> None:
    error = error_record()
    draft = ai_draft()
    outcomes = [
        DraftOutcome(error, OutcomeKind.DRAFTED, "drafted", draft),
        DraftOutcome(error, OutcomeKind.REUSED, "reused", draft),
        DraftOutcome(error, OutcomeKind.TIMEOUT, "timed out"),
    ]
    [only] = shown_drafts(outcomes)
    assert only.location == "tools/build.sh:12" and only.draft is draft


UNESCAPED = re.compile(r"(?<!\\)[\[\]<>*_`|#!~{}]")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_model_text_reads_as_plain_text(text: str) -> None:
    rendered = prose(text, 10_000)
    assert UNESCAPED.search(rendered.replace("\\\\", "")) is None
    assert "://" not in rendered
    assert re.search(r"(?i)www\.", rendered) is None
    assert re.search(f"@(?!{WORD_JOINER})", rendered) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_solution_stays_inside_its_fence(code: str) -> None:
    block = code_block(code)
    fence = block.split("\n", 1)[0]
    inner = block[len(fence) + 1 : -len(fence) - 1]
    assert fence not in inner
