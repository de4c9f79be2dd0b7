"""Is a model's answer a spell worth storing? Every field present and within limits, a
pattern that compiles under RE2, matches the error it was drafted for as the matcher would
see it, and is not too broad for a draft (`matching.breadth`)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from grimoire_bot.matching import ErrorRecord, PatternError, check_pattern
from grimoire_bot.matching.breadth import draft_breadth_problem, measure_breadth
from grimoire_bot.matching.forms import encodable, matching_text
from grimoire_bot.matching.patterns import compile_pattern
from grimoire_bot.spellbook.samples import harmless_lines, starter_examples

LIMITS = {
    "title": 200,
    "description": 2000,
    "error_type": 200,
    "error_pattern": 500,
    "solution_code": 4000,
}
MAX_TAGS = 8
TAG_SHAPE = re.compile(r"^[a-z0-9][a-z0-9.+#_-]{0,39}$")
MAX_EXAMPLE_CHARS = 5000  # what the spells API accepts for one example


class InvalidDraft(ValueError):
    """The answer cannot be stored; the message says why (and is sent back to the model)."""


@dataclass(frozen=True)
class DraftFields:
    title: str
    description: str
    error_type: str
    error_pattern: str
    solution_code: str
    tags: tuple[str, ...]
    confidence: float


def read_answer(fields: Mapping[str, Any] | None, problem: str | None = None) -> DraftFields:
    """The answer's fields, checked for presence, type and length."""
    if fields is None:
        raise InvalidDraft(problem or "the answer could not be read")
    texts: dict[str, str] = {}
    for name, limit in LIMITS.items():
        value = fields.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidDraft(f"{name} is missing or empty")
        if len(value) > limit:
            raise InvalidDraft(f"{name} is too long ({len(value)} > {limit} characters)")
        if "\x00" in value:
            raise InvalidDraft(f"{name} contains a NUL character")
        texts[name] = value.strip() if name != "solution_code" else value.rstrip()
    return DraftFields(
        **texts,
        tags=_tags(fields.get("tags")),
        confidence=_confidence(fields.get("confidence")),
    )


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):  # a comma-separated string is what spells store anyway
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise InvalidDraft("tags must be a list of strings")
    tags = tuple(dict.fromkeys(tag.strip().lower() for tag in value if tag.strip()))
    if not tags:
        raise InvalidDraft("tags is empty")
    if len(tags) > MAX_TAGS:
        raise InvalidDraft(f"too many tags ({len(tags)} > {MAX_TAGS})")
    for tag in tags:
        if not TAG_SHAPE.match(tag):
            raise InvalidDraft(f"tag {tag!r} is not a short lowercase word")
    return tags


def _confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidDraft("confidence must be a number")
    if not 0 <= value <= 1:
        raise InvalidDraft(f"confidence must be between 0 and 1, got {value}")
    return float(value)


def example_for(scrubbed_text: str) -> str:
    """The spell's first example: the error's own text as the model saw it (scrubbed)."""
    return encodable(scrubbed_text)[:MAX_EXAMPLE_CHARS]


def check_pattern_fits(
    draft: DraftFields,
    error: ErrorRecord,
    example: str,
    other_examples: Mapping[str, Iterable[str]],
) -> None:
    """Raise InvalidDraft unless the pattern is valid RE2, matches the error (as the matcher
    matches it, and the stored example too) and is narrow enough for a draft."""
    try:
        check_pattern(draft.error_pattern)
    except PatternError as exc:
        raise InvalidDraft(f"error_pattern: {exc}") from None
    compiled = compile_pattern(draft.error_pattern)
    if compiled.search(matching_text(error.text or error.message)) is None:
        raise InvalidDraft(
            f"error_pattern does not match the error it was written for: {error.message[:300]!r}"
        )
    if compiled.search(example) is None:
        raise InvalidDraft("error_pattern does not match the error's text as it was shown")
    examples = {**starter_examples(), **other_examples}
    problem = draft_breadth_problem(
        measure_breadth(draft.error_pattern, harmless_lines(), examples)
    )
    if problem is not None:
        raise InvalidDraft(f"error_pattern: {problem}")
