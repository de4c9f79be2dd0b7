"""When the engine's ranking of an error's spells is uncertain enough to ask an LLM, and
what its answer does to the ranking. Pure: no I/O (the asking is `grimoire_bot.reranking`).

Uncertain means the best spell is a near miss (no pattern matched: similar wording,
meaning, a relaxed pattern or the same code), or a runner-up scores within
`RERANK_MARGIN` of it. A pattern hit well clear of the rest is left alone: a curator's
regular expression matched, and the model would only add cost and a delay.

The model picks one of the candidates, which then ranks first, or none. "None" drops the
near misses (they are not posted) and keeps the pattern hits in the engine's order: the
engine itself was unsure of a near miss, and a wrong fix posted on a pull request costs
more trust than none (the error then counts as unmatched and may be drafted), while a
pattern hit is evidence a curator wrote down, which a model's doubt does not overrule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grimoire_bot.matching import ErrorRecord, Match, says_only_that_a_step_failed

# A runner-up this close to the best is a coin toss the model may settle.
RERANK_MARGIN = 0.05
# The model is shown at most this many spells for one error.
MAX_CANDIDATES = 5
# One failure asks about its first few uncertain errors only (the root cause usually
# comes first), which bounds what one failure can cost and delay.
MAX_RERANKS_PER_FAILURE = 3


@dataclass(frozen=True)
class Question:
    """One error to ask about, with its candidates (spell ids, the engine's order)."""

    error: ErrorRecord
    candidates: tuple[int, ...]
    # The candidates' revisions, where known: (spell id, revision) pairs.
    revisions: tuple[tuple[int, int], ...] = ()

    @property
    def key(self) -> str:
        """The candidate set as cached: the same spells in any order are the same set."""
        return candidate_key(self.candidates, dict(self.revisions))


def candidate_key(spell_ids: Sequence[int], revisions: Mapping[int, int] | None = None) -> str:
    """The same spells in any order are the same set; with their revisions, an edit of any
    of them makes a new set, so a verdict about their old text is not reused."""
    known = revisions or {}
    return ",".join(
        f"{spell_id}@{known[spell_id]}" if spell_id in known else str(spell_id)
        for spell_id in sorted(set(spell_ids))
    )


def is_uncertain(found: Sequence[Match]) -> bool:
    """Whether an error's spells (best first) are worth asking the model about."""
    if not found:
        return False
    best = found[0]
    if best.reason != "pattern":
        return True
    return len(found) > 1 and found[1].score >= best.score - RERANK_MARGIN


def questions(errors: Sequence[ErrorRecord], each: Sequence[Sequence[Match]]) -> list[Question]:
    """The uncertain errors to ask about, one per fingerprint and candidate set, the first
    `MAX_RERANKS_PER_FAILURE` of them (parallel sequences: `each[i]` is `errors[i]`'s)."""
    asked: dict[tuple[str, str], Question] = {}
    for error, found in zip(errors, each, strict=True):
        if not is_uncertain(found) or says_only_that_a_step_failed(error):
            continue
        question = Question(error, tuple(m.spell_id for m in found[:MAX_CANDIDATES]))
        asked.setdefault((error.fingerprint, question.key), question)
    return list(asked.values())[:MAX_RERANKS_PER_FAILURE]


def apply_choice(
    found: Sequence[Match], candidates: Sequence[int], choice: int | None
) -> list[Match]:
    """The error's spells after the model's answer: the chosen one first, the rest in the
    engine's order; or, for none (or an id that was not a candidate), the pattern hits only."""
    if choice is not None and choice in candidates:
        chosen = [m for m in found if m.spell_id == choice]
        return [*chosen, *(m for m in found if m.spell_id != choice)]
    return [m for m in found if m.reason == "pattern"]
