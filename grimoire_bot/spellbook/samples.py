"""The samples a pattern's breadth is measured against: ordinary CI log lines and the
starter spellbook's examples (see `grimoire_bot.matching.breadth`)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

from grimoire_bot.matching.breadth import Breadth, measure_breadth
from grimoire_bot.spellbook.io import starter_spellbook

HARMLESS_LINES_FILE = "harmless_lines.txt"


@functools.cache
def harmless_lines() -> tuple[str, ...]:
    text = (
        resources.files("grimoire_bot.spellbook")
        .joinpath(HARMLESS_LINES_FILE)
        .read_text(encoding="utf-8")
    )
    return tuple(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


@functools.cache
def starter_examples() -> Mapping[str, tuple[str, ...]]:
    """Each starter spell's examples, by key."""
    return MappingProxyType(
        {spell["key"]: tuple(spell.get("examples") or ()) for spell in starter_spellbook()}
    )


def breadth_against_samples(pattern: str, *, own_key: str | None = None) -> Breadth:
    """How broad `pattern` is; `own_key` leaves the spell's own examples out."""
    return measure_breadth(pattern, harmless_lines(), starter_examples(), own_key=own_key)
