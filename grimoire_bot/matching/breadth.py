"""How broad a spell pattern is: what share of ordinary log lines and of other spells'
examples it matches.

A catch-all such as `(?i)error` would put one spell on every failure; it is measured, not
guessed, against two samples: lines that CI jobs print when nothing is wrong (the starter
spellbook's `harmless_lines.txt`) and the examples of every other spell (each spell's
errors are someone else's false positives). People and the LLM get different bars: a
curator may write a deliberately generic spell that overlaps a few specific ones, while a
drafted spell must overlap none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .patterns import compile_pattern

# A pattern written by a person is too broad past either bar.
PERSON_MAX_HARMLESS_SHARE = 0.02
PERSON_MAX_SPELLS_SHARE = 0.03
PERSON_MIN_SPELLS_ALLOWED = 4
# A drafted pattern may match at most this share of ordinary lines, and no other spell's example.
DRAFT_MAX_HARMLESS_SHARE = 0.005
SHOWN_SAMPLES = 2


@dataclass(frozen=True, slots=True)
class Breadth:
    harmless_matched: tuple[str, ...]
    harmless_total: int
    spells_matched: tuple[str, ...]  # keys of the other spells whose examples it matches
    spells_total: int

    @property
    def harmless_share(self) -> float:
        return len(self.harmless_matched) / self.harmless_total if self.harmless_total else 0.0

    @property
    def spells_share(self) -> float:
        return len(self.spells_matched) / self.spells_total if self.spells_total else 0.0


def measure_breadth(
    pattern: str,
    harmless_lines: Sequence[str],
    examples_by_spell: Mapping[str, Iterable[str]],
    *,
    own_key: str | None = None,
) -> Breadth:
    """Which harmless lines and which other spells' examples `pattern` matches (it must be
    a valid pattern: check it with `check_pattern` first)."""
    compiled = compile_pattern(pattern)
    harmless = tuple(line for line in harmless_lines if compiled.search(line) is not None)
    others = {key: examples for key, examples in examples_by_spell.items() if key != own_key}
    spells = tuple(
        key
        for key, examples in others.items()
        if any(compiled.search(example) is not None for example in examples)
    )
    return Breadth(harmless, len(harmless_lines), spells, len(others))


def person_breadth_problem(breadth: Breadth) -> str | None:
    """Why a pattern a person wrote is too broad to post, or None."""
    allowed_spells = max(PERSON_MIN_SPELLS_ALLOWED, PERSON_MAX_SPELLS_SHARE * breadth.spells_total)
    if breadth.harmless_share > PERSON_MAX_HARMLESS_SHARE:
        return _harmless_problem(breadth)
    if len(breadth.spells_matched) > allowed_spells:
        return _spells_problem(breadth)
    return None


def draft_breadth_problem(breadth: Breadth) -> str | None:
    """Why a drafted pattern is too broad: it must match no other spell's examples and
    almost no ordinary line."""
    if breadth.harmless_share > DRAFT_MAX_HARMLESS_SHARE:
        return _harmless_problem(breadth)
    if breadth.spells_matched:
        return _spells_problem(breadth)
    return None


def _harmless_problem(breadth: Breadth) -> str:
    samples = "; ".join(repr(line) for line in breadth.harmless_matched[:SHOWN_SAMPLES])
    return (
        f"pattern is too broad: it matches {len(breadth.harmless_matched)} of "
        f"{breadth.harmless_total} ordinary log lines ({breadth.harmless_share:.0%}), "
        f"e.g. {samples}"
    )


def _spells_problem(breadth: Breadth) -> str:
    samples = ", ".join(breadth.spells_matched[: SHOWN_SAMPLES + 1])
    return (
        f"pattern is too broad: it matches the examples of {len(breadth.spells_matched)} "
        f"other spells ({breadth.spells_share:.0%}), e.g. {samples}"
    )
