"""The buttons on a Grimoire run: rate the spell the summary names, or re-check the commit.

GitHub allows three buttons; each identifier (at most 20 characters) says what it does,
and a vote's identifier names the spell it rates, so a click rates that spell even if
the run was updated in between.
"""

from __future__ import annotations

from dataclasses import dataclass

IDENTIFIER_LIMIT = 20
HELPFUL = "helpful"
NOT_RELEVANT = "unhelpful"
RECHECK = "recheck"


@dataclass(frozen=True)
class Vote:
    spell_id: int
    value: int  # +1 helpful, -1 not relevant


@dataclass(frozen=True)
class Recheck:
    pass


def buttons(rated_spell_id: int | None) -> list[dict[str, str]]:
    # GitHub: label ≤ 20, description ≤ 40, identifier ≤ 20 characters.
    actions = []
    down = f"{NOT_RELEVANT}:{rated_spell_id}"
    # An id too long for the identifier gets no vote buttons rather than a wrong spell's.
    if rated_spell_id is not None and len(down) <= IDENTIFIER_LIMIT:
        actions += [
            {
                "label": "Helpful",
                "description": f"Spell #{rated_spell_id} fixed it",
                "identifier": f"{HELPFUL}:{rated_spell_id}",
            },
            {
                "label": "Not relevant",
                "description": f"Spell #{rated_spell_id} does not fit",
                "identifier": down,
            },
        ]
    actions.append(
        {
            "label": "Re-check",
            "description": "Read the failures again, rebuild this",
            "identifier": RECHECK,
        }
    )
    return actions


def parse_action(identifier: str) -> Vote | Recheck | None:
    """What a button asks for, or None if it is not one of ours."""
    if identifier == RECHECK:
        return Recheck()
    kind, _, spell = identifier.partition(":")
    if kind not in (HELPFUL, NOT_RELEVANT) or not spell.isdigit():
        return None
    return Vote(int(spell), 1 if kind == HELPFUL else -1)
