"""The editor's live check of a spell as it is being written, before it is saved: is the
pattern usable (RE2's complaint in words), which examples it matches, how broad it is, what
it matches among recent failures, and where the spell would rank for each error of a
pasted log against the rest of the spellbook. Pure: the caller brings the rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from grimoire_bot.matcher import spell_doc
from grimoire_bot.matching import PatternError, SpellIndex, check_pattern, diagnose
from grimoire_bot.matching.breadth import person_breadth_problem
from grimoire_bot.matching.patterns import compile_pattern
from grimoire_bot.spellbook.samples import breadth_against_samples

# The spell being edited, when it has no id yet; real ids are positive.
UNSAVED_SPELL_ID = -1
# How deep each error's ranking is looked at: past this, the spell "does not rank".
RANKED_PER_ERROR = 25
SHOWN_RIVALS = 3
SHOWN_RECENT = 5


@dataclass(frozen=True)
class EditedSpell:
    spell_id: int | None
    key: str | None
    title: str
    description: str
    error_type: str | None
    error_pattern: str
    tags: str
    ecosystem: str | None
    scope: str
    examples: tuple[str, ...]

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.spell_id or UNSAVED_SPELL_ID,
            "title": self.title or "(untitled)",
            "description": self.description,
            "error_type": self.error_type,
            "error_pattern": self.error_pattern,
            "tags": self.tags,
            "ecosystem": self.ecosystem,
            # Ranked as it would be once approved: that is what a curator decides on.
            "status": "approved",
            "scope": self.scope,
            "examples": list(self.examples),
        }


@dataclass
class CheckResult:
    pattern_problem: str | None
    examples: list[dict[str, Any]] = field(default_factory=list)
    breadth: dict[str, Any] | None = None
    recent: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "pattern": {"ok": self.pattern_problem is None, "problem": self.pattern_problem},
            "examples": self.examples,
            "breadth": self.breadth,
            "recent": self.recent,
            "errors": self.errors,
        }


def pattern_problem(pattern: str) -> str | None:
    try:
        check_pattern(pattern)
    except PatternError as error:
        return str(error)
    return None


def check_spell(
    spell: EditedSpell,
    *,
    log: str | None,
    spellbook: Sequence[Mapping[str, Any]],
    recent_failures: Sequence[Mapping[str, Any]],
) -> CheckResult:
    """Everything the editor shows about `spell` (runs RE2 and the matcher: call it off
    the event loop)."""
    problem = pattern_problem(spell.error_pattern)
    if problem is not None:
        return CheckResult(
            problem, examples=[{"text": text, "matched": False} for text in spell.examples]
        )
    compiled = compile_pattern(spell.error_pattern)
    result = CheckResult(None)
    result.examples = [
        {"text": text, "matched": compiled.search(text) is not None} for text in spell.examples
    ]
    result.breadth = _breadth(spell)
    result.recent = recent_matches(compiled, recent_failures)
    if log and log.strip():
        result.errors = _ranks(spell, log, spellbook)
    return result


def _breadth(spell: EditedSpell) -> dict[str, Any]:
    breadth = breadth_against_samples(spell.error_pattern, own_key=spell.key)
    return {
        "problem": person_breadth_problem(breadth),
        "harmless_matched": len(breadth.harmless_matched),
        "harmless_total": breadth.harmless_total,
        "harmless_samples": list(breadth.harmless_matched[:SHOWN_RIVALS]),
        "spells_matched": list(breadth.spells_matched[:10]),
        "spells_matched_count": len(breadth.spells_matched),
        "spells_total": breadth.spells_total,
    }


def recent_matches(compiled: Any, failures: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    hits = [row for row in failures if compiled.search(row["sample"] or "") is not None]
    return {
        "fingerprints_matched": len(hits),
        "fingerprints_total": len(failures),
        "occurrences_matched": sum(row["occurrences"] for row in hits),
        "samples": [
            {
                "message": row["message"],
                "occurrences": row["occurrences"],
                "repositories": list(row["repositories"]),
                "matched_before": bool(row["matched"]),
            }
            for row in hits[:SHOWN_RECENT]
        ],
    }


def _ranks(
    spell: EditedSpell, log: str, spellbook: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """For each error Grimoire extracts from `log`: where the edited spell ranks among the
    spellbook (with it in place of its saved self), and the spells ranked first."""
    edited = spell.as_row()
    rows = [row for row in spellbook if row["id"] != edited["id"]]
    titles = {row["id"]: row["title"] for row in rows}
    titles[edited["id"]] = edited["title"]
    index = SpellIndex.build([spell_doc(row) for row in [*rows, edited]])
    diagnosis = diagnose(log, index, limit=RANKED_PER_ERROR, per_error=RANKED_PER_ERROR)
    out = []
    for error, found in zip(diagnosis.errors, diagnosis.each, strict=True):
        rank = next((i + 1 for i, m in enumerate(found) if m.spell_id == edited["id"]), None)
        out.append(
            {
                "message": error.message,
                "error_type": error.error_type,
                "file": error.file,
                "line": error.line,
                "rank": rank,
                "score": next(
                    (round(m.score, 3) for m in found if m.spell_id == edited["id"]), None
                ),
                "best": [
                    {
                        "spell_id": m.spell_id if m.spell_id != UNSAVED_SPELL_ID else None,
                        "title": titles.get(m.spell_id, f"spell {m.spell_id}"),
                        "score": round(m.score, 3),
                        "this_spell": m.spell_id == edited["id"],
                    }
                    for m in found[:SHOWN_RIVALS]
                ],
            }
        )
    return out
