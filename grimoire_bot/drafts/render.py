"""The pull-request section that shows AI drafts: pure Markdown, the model's text as data.

Every draft is labelled as an AI draft nobody has reviewed, with its confidence. The
model's words are escaped (`md_text`, `md_code`), so they cannot format, link or inject
HTML; bare URLs and `www.` are defanged (GitHub would autolink them) and `@` is broken
with a word joiner (no mentions, no e-mail links). Code sits in a fence longer than any
run of backticks inside it: shown, never run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grimoire_bot.advice.markdown import md_code, md_text

from .policy import AiDraft, DraftOutcome

# A section of the summary like "Failed jobs", so its heading is of the same level.
SECTION_HEADING = "## AI drafts, not reviewed"
MAX_SECTION_CHARS = 20_000
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 600
MAX_SOLUTION_CHARS = 2_000
MAX_MESSAGE_CHARS = 200
CUT_MARK = "…"
WORD_JOINER = "\u2060"
SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{1,20}):(//)")
WWW = re.compile(r"(?i)\bwww\.")
BACKTICK_RUNS = re.compile(r"`+")


@dataclass(frozen=True)
class ShownDraft:
    """A draft and the error it was shown for."""

    error_message: str
    location: str | None  # `path:line`, when the error has one
    draft: AiDraft


def shown_drafts(outcomes: Iterable[DraftOutcome]) -> list[ShownDraft]:
    """The outcomes that carry a draft to show, one per spell."""
    shown: dict[int | None, ShownDraft] = {}
    for outcome in outcomes:
        if outcome.draft is None:
            continue
        error = outcome.error
        location = f"{error.file}:{error.line}" if error.file and error.line else error.file
        shown.setdefault(outcome.draft.spell_id, ShownDraft(error.message, location, outcome.draft))
    return list(shown.values())


def defanged(text: str) -> str:
    """Text GitHub cannot turn into a link or a mention."""
    text = SCHEME.sub(r"\1[:]\2", text)
    text = WWW.sub(lambda found: found[0][:-1] + "[.]", text)
    return text.replace("@", "@" + WORD_JOINER)


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - len(CUT_MARK)].rstrip() + CUT_MARK


def prose(text: str, limit: int) -> str:
    return md_text(defanged(_cut(text, limit)))


def code_block(code: str) -> str:
    code = _cut(code, MAX_SOLUTION_CHARS)
    longest = max((len(run) for run in BACKTICK_RUNS.findall(code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{code}\n{fence}"


def _spell_link(spell_id: int | None, public_url: str | None) -> str:
    if spell_id is None:
        return "not stored"
    label = f"draft spell #{spell_id}"
    # Where curators review it: an unreviewed AI draft is not public in the API.
    return f"[{label}]({public_url}/console/spells/{spell_id})" if public_url else label


def _confidence(value: float | None) -> str:
    return "confidence unknown" if value is None else f"confidence {value:.2f}"


def _who(drafts: Sequence[ShownDraft]) -> str:
    models = sorted({f"{d.draft.provider} {d.draft.model}" for d in drafts if d.draft.model})
    return f"an AI model ({md_text(', '.join(models))})" if models else "an AI model"


def render_draft(number: int, shown: ShownDraft, public_url: str | None) -> str:
    draft = shown.draft
    heading = (
        f"**{number}. {prose(draft.title, MAX_TITLE_CHARS)}** · AI draft, not reviewed · "
        f"{_confidence(draft.confidence)} · {_spell_link(draft.spell_id, public_url)}"
    )
    where = f" at {md_code(defanged(shown.location))}" if shown.location else ""
    parts = [
        heading,
        f"For {md_code(defanged(_cut(shown.error_message, MAX_MESSAGE_CHARS)))}{where}",
    ]
    if draft.description.strip():
        parts.append(prose(draft.description, MAX_DESCRIPTION_CHARS))
    parts.append(code_block(draft.solution_code))
    return "\n\n".join(parts)


def render_ai_drafts_section(drafts: Sequence[ShownDraft], *, public_url: str | None = None) -> str:
    """The Markdown section for a check run's summary ("" when there is nothing to show).
    Place it after every approved spell: a draft never outranks one."""
    if not drafts:
        return ""
    lead = (
        f"No reviewed spell fits the errors below, so {_who(drafts)} drafted one. "
        "**Nobody has reviewed these drafts yet:** treat them as suggestions and check "
        "them before you apply them. Curators approve or reject them in Grimoire."
    )
    parts = [SECTION_HEADING, lead]
    used = sum(len(part) + 2 for part in parts)
    for number, shown in enumerate(drafts, start=1):
        block = render_draft(number, shown, public_url)
        if used + len(block) + 2 > MAX_SECTION_CHARS:
            left = len(drafts) - number + 1
            parts.append(f"_{left} more AI draft{'s' if left > 1 else ''} not shown._")
            break
        parts.append(block)
        used += len(block) + 2
    return "\n\n".join(parts)
