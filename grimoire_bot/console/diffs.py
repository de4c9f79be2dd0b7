"""Field-by-field differences between two versions of a spell, as lines to show."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The order fields are shown in, the spell's own reading order.
FIELD_ORDER = (
    "title",
    "key",
    "status",
    "error_type",
    "ecosystem",
    "scope",
    "error_pattern",
    "examples",
    "description",
    "solution_code",
    "tags",
    "auto_generated",
    "confidence",
)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed" or "added"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    field: str
    before: str
    after: str
    lines: tuple[DiffLine, ...]


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def line_diff(before: str, after: str) -> tuple[DiffLine, ...]:
    kinds = {" ": "same", "-": "removed", "+": "added"}
    return tuple(
        DiffLine(kinds[line[0]], line[2:])
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line[0] in kinds
    )


def field_diffs(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldDiff]:
    """Each field whose value differs, in reading order."""
    names = [name for name in FIELD_ORDER if name in before or name in after]
    names += sorted((set(before) | set(after)) - set(FIELD_ORDER))
    diffs = []
    for name in dict.fromkeys(names):
        old, new = as_text(before.get(name)), as_text(after.get(name))
        if old != new:
            diffs.append(FieldDiff(name, old, new, line_diff(old, new)))
    return diffs


def revision_diffs(changes: Mapping[str, Mapping[str, Any]]) -> list[FieldDiff]:
    """A revision's `{field: {before, after}}` as field diffs."""
    before = {name: change.get("before") for name, change in changes.items()}
    after = {name: change.get("after") for name, change in changes.items()}
    return field_diffs(before, after)
