"""How sure Grimoire is that a spell fixes an error: one score in 0..1 from all the evidence.

A pattern hit is strong evidence: 0.55 to start with, plus up to 0.25 for the pattern's
specificity (see patterns.py), so that when a generic and a specific spell both match the
same error the specific one ranks first, plus up to 0.10 for lexical agreement. A near
miss (no pattern hit) scores its lexical similarity alone (see `lexical_score`), which is
high only when the spell's signature is in the error *and* the error's message is in the
spell's words. On top of either, agreement counts: the same error code (TS2307, E0382,
ERESOLVE) or exception class, and the same ecosystem; a different code of the same kind
(TS7006 vs TS7016, ECONNRESET vs ERESOLVE) is strong evidence *against*. Approved spells
beat drafts, and users' feedback (-1..1) moves a spell by up to 0.1: enough to reorder
spells that fit an error about equally well, and to silence a near miss people keep
voting down, but not to let an unrelated spell win. With every kind of positive
evidence at its maximum a pattern hit reaches exactly 1.0, so scores do not saturate and
the ranking keeps its order.

A near miss also scores the better of two kinds of evidence that survive a reworded
message: a relaxed form of the pattern matched (relaxed.py: the pattern without regard to
case, with the versions it spells out matching any version, or with its last or first parts
cut where the message ends or starts), scored like
a hit of what the form still requires but from a lower base (`RELAXED_BASE`); and the
very code the spell is about (TS2307, MSB3644, E0382, ERR_REQUIRE_ESM: `same_code_score`),
which a localised SDK or a tool's next version prints around other words, unless the error
shares the spell's wording but none of the words its phrases end on: then it is another
message under the same code (rustc's E0433 is both "use of undeclared crate or module" and
"could not find `unix` in `os`"). A near miss in
an ecosystem that contradicts the error's (a Jest spell for a Python SyntaxError) loses
twice what a pattern hit would. A third kind: the error's lines carry a command the
spell's fix runs (fixes.py: git's `safe.directory` hint under an older wording), scored
from `FIX_PRINTED_BASE`.

Below `DEFAULT_MIN_SCORE` (0.5) nothing is returned: a wrong fix posted on a pull request
costs more trust than no fix. A pattern hit clears it unless the error contradicts the
spell; a near miss clears it only when most of both coverages hold. (On the development
set, the best near miss for any case that should stay silent scored 0.34, and the
genuine near misses 0.55 and more.)

Matching by meaning (semantic.py) enters only near misses: their score is the better of
the lexical score and `meaning_score`, which is `MEANING_WEIGHT` times how far the cosine
of error and spell lies above `MEANING_FLOOR` plus `MEANING_MARGIN_WEIGHT` times how far
it lies above the next closest spell's (saturating at `MEANING_MARGIN_SCALE`). It never
lowers a score, and the one threshold, `DEFAULT_MIN_SCORE`, stays: a spell found by
meaning alone must reach a cosine of about 0.92, or 0.75 when it stands 0.2 clear of
every other spell. Calibrated by a grid over floor (0.3-0.55), weights and margin on the
development set (`bench/eval_engine.py`: recall must stay 1.00 and false positives at
0.09) and on `bench/drift/cases.jsonl` (`bench/eval_drift.py`: wordings of other tool
versions against the starter spellbook, and errors no spell fits), keeping drift false
positives at 1 in 25: recall@1 there rose from 0.18 to 0.22. Settings that let through
0.31 doubled the false positives (a `curl` exit code 22 read as the runner's exit code
137, a UTF-8 decode error as the Windows charmap spell): with the bundled static model,
unrelated errors sit about as close as reworded ones, so the bar is kept high. A
stronger embedder (a provider's) would justify a lower floor, after the same calibration.

Re-calibrated for issue 11 on three development sets together (the shared one, the
development side of `bench/evalset/`, the relabelled drift set: 181 cases with a spell,
53 without). Meaning now counts only for a spell some of whose pattern's words the error
shares (`MEANING_MIN_SIGNATURE`): the cases meaning alone let through split about evenly
between right spells and false positives (CMake's broken-compiler probe read as "no
CXX compiler"); with some of the spell's words present it was right in six of eight.
Looser floors and weights (0.5-0.65, 0.5-0.8, margin 0-0.25) bought at most one more
right answer per extra false positive.

Agreement (`agreement_score`, issue 11's fourteenth round): below the threshold, the
expected spell was often first by wording *and* first by meaning, each too weakly to
count (a reworded TS2339 without its code: lexical 0.39, cosine 0.71), while the close
negatives there were first by one signal only, or had too few words to say anything
("Parsing error: Unexpected token )"). When both put one spell first, with four or more
words on each side and no contradicting type or ecosystem, their scores add up, capped
at `AGREEMENT_CAP` before bonuses, so the spell's pattern hitting would score at least as
much. Checked on every development set
(recall@1 +3 cases, no new false positive) and on the 1,437 unlabelled real logs with
both spellbooks (new answers for six distinct logs: five right, one sibling, TS2353 read
as TS2339).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .ecosystems import Agreement
from .relaxed import Relaxation
from .similarity import Evidence

DEFAULT_MIN_SCORE = 0.5

PATTERN_BASE = 0.55
PATTERN_SPECIFICITY_WEIGHT = 0.25
PATTERN_LEXICAL_WEIGHT = 0.10
ECOSYSTEM_BONUS = {
    Agreement.AGREE: 0.04,
    Agreement.RELATED: 0.0,
    Agreement.UNKNOWN: 0.0,
    Agreement.CONFLICT: -0.15,
}
ERROR_TYPE_BONUS = {
    Agreement.AGREE: 0.06,
    Agreement.RELATED: 0.03,
    Agreement.UNKNOWN: 0.0,
    Agreement.CONFLICT: -0.25,
}
# A spell found without a pattern hit in another ecosystem than the error's is rarely it.
NEAR_MISS_ECOSYSTEM_BONUS = {**ECOSYSTEM_BONUS, Agreement.CONFLICT: -0.3}
# Relaxed forms of a pattern (relaxed.py): a case-folded hit is almost a hit; a cut one
# is scored from a lower base, by what it still requires.
RELAXED_BASE = {
    Relaxation.CASE: 0.50,
    Relaxation.VERSION: 0.50,
    Relaxation.LOST_END: 0.42,
    Relaxation.LOST_START: 0.42,
    Relaxation.OTHER_ALTERNATIVE: 0.42,
    # the same diagnostic in another toolchain's or version's wording (dialects.py)
    Relaxation.OTHER_WORDING: 0.50,
}
SAME_CODE_BASE = 0.5
SAME_CODE_LEXICAL_WEIGHT = 0.3
# The tool printed the very command the spell's fix runs (fixes.py).
FIX_PRINTED_BASE = 0.5
FIX_PRINTED_LEXICAL_WEIGHT = 0.3
SAME_CODE_OTHER_MESSAGE_SIGNATURE = 0.4
DRAFT_FACTOR = 0.9
# Matching by meaning (see the module's docstring for how these were calibrated).
MEANING_FLOOR = 0.5
MEANING_WEIGHT = 0.6
MEANING_MARGIN_SCALE = 0.2
MEANING_MARGIN_WEIGHT = 0.2
# Meaning counts only for a spell some of whose pattern's words the error shares.
MEANING_MIN_SIGNATURE = 0.3
# Wording and meaning agreeing on one spell (`agreement_score`): the cosine it needs, and
# the most the agreement alone scores before bonuses (a pattern hit's base).
AGREEMENT_MIN_COSINE = 0.6
AGREEMENT_CAP = PATTERN_BASE
FEEDBACK_WEIGHT = 0.10

# Codes that name one error whatever the wording: compiler and linter codes, Node's ERR_*.
SPECIFIC_CODE_RE = re.compile(r"^(?:[A-Z]{1,6}\d{2,6}|ERR_[A-Z0-9_]+)$")
# Error types that name one specific error: compiler and linter codes, npm/Node error codes.
CODE_RE = re.compile(
    r"^(?:[A-Z]{1,6}\d{2,6}|E[A-Z]{3,}|ERR_[A-Z0-9_]+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)$"
)
WORD_SPLIT_RE = re.compile(r"[\s,;/|]+")


class Reason(StrEnum):
    PATTERN = "pattern"
    SIMILAR = "similar"


@dataclass(frozen=True, slots=True)
class Signals:
    pattern_hit: bool
    specificity: float  # of the pattern branch that matched, 0..1
    evidence: Evidence
    ecosystem: Agreement
    error_type: Agreement
    approved: bool
    feedback: float  # -1..1
    meaning: float | None = None  # cosine of the error and the spell (None: not looked at)
    meaning_margin: float = 0.0  # its cosine minus the best other spell's
    relaxed: Relaxation | None = None  # a relaxed form of the pattern matched (relaxed.py)
    relaxed_specificity: float = 0.0  # of the literal text that form requires
    specific_code: bool = False  # the error's type is a code (TS2307, MSB3644, ERR_...)
    fix_printed: bool = False  # the error's lines carry a command the spell's fix runs
    # no other candidate spell for the error scores higher by wording (`lexical_score`)
    lexical_first: bool = False


def lexical_score(evidence: Evidence) -> float:
    """0..1: the harmonic mean of "the spell's signature is in the error" and "the error's
    message is in the spell's words", zero when the signature's phrases end elsewhere.

    Each direction alone is easily fooled: a short generic signature is found in many
    logs, and a generic message ("Process completed with exit code 1") is explained by
    any spell about exit codes. Requiring both, as F1 requires precision and recall,
    keeps coincidences out. Anchors are the last word of each literal phrase of the
    pattern (a module name, an exit code): when they are missing, the error is a
    different one that happens to share the phrasing."""
    found = evidence.signature * evidence.confidence
    explained = evidence.explained * evidence.message_confidence
    if found + explained <= 0.0:
        return 0.0
    return evidence.anchors * 2 * found * explained / (found + explained)


def meaning_score(cosine: float, margin: float) -> float:
    """0..1 from meaning alone: how far the cosine is above what unrelated errors and
    spells reach, and how clearly this spell stands out from the next closest one."""
    above = max(0.0, min(1.0, (cosine - MEANING_FLOOR) / (1.0 - MEANING_FLOOR)))
    apart = max(0.0, min(1.0, margin / MEANING_MARGIN_SCALE))
    return MEANING_WEIGHT * above + MEANING_MARGIN_WEIGHT * apart


def near_miss_score(lexical: float, meaning: float | None, margin: float = 0.0) -> float:
    """A spell without a pattern hit: the better of its lexical and its meaning score."""
    if meaning is None:
        return lexical
    return max(lexical, meaning_score(meaning, margin))


def relaxed_score(signals: Signals, lexical: float) -> float:
    """A relaxed form of the pattern matched: scored like a hit of what it still requires,
    from a lower base (see relaxed.py)."""
    if signals.relaxed is None:
        return 0.0
    return (
        RELAXED_BASE[signals.relaxed]
        + PATTERN_SPECIFICITY_WEIGHT * signals.relaxed_specificity
        + PATTERN_LEXICAL_WEIGHT * lexical
    )


def same_code_score(signals: Signals, lexical: float) -> float:
    """The error carries the very code the spell is about (TS2307, MSB3644, E0382): codes
    outlive the wording around them (a localised SDK, a tool's next version)."""
    if not signals.specific_code or signals.error_type is not Agreement.AGREE:
        return 0.0
    evidence = signals.evidence
    if evidence.anchors == 0.0 and evidence.signature >= SAME_CODE_OTHER_MESSAGE_SIGNATURE:
        return 0.0
    return SAME_CODE_BASE + SAME_CODE_LEXICAL_WEIGHT * lexical


def fix_printed_score(signals: Signals, lexical: float) -> float:
    """The error's lines carry a command the spell's fix runs: tools print their own fix
    (git's `safe.directory` hint, Bundler's `bundle lock --add-platform`), and a reworded
    message keeps it."""
    if not signals.fix_printed:
        return 0.0
    return FIX_PRINTED_BASE + FIX_PRINTED_LEXICAL_WEIGHT * lexical


def agreement_score(lexical: float, meaning: float | None, signals: Signals) -> float:
    """Wording and meaning, each too weak alone, both put this spell first: no other
    spell shares more of the error's words, and no other spell of the book is closer in
    meaning. Two independent weak signals agreeing on one spell out of the whole book
    are much stronger evidence than either (a reworded message keeps some of its words
    and most of its sense), so their scores add up, to at most `AGREEMENT_CAP` before the
    bonuses every score gets: the spell's pattern hitting, with the same ecosystem, type
    and review status, scores at least as much. Only
    where each side has enough words to count (four or more: "syntax error" or
    "Unexpected token" alone says little) and nothing contradicts the spell."""
    evidence = signals.evidence
    if (
        meaning is None
        or meaning < AGREEMENT_MIN_COSINE
        or signals.meaning_margin <= 0.0
        or lexical <= 0.0
        or evidence.confidence < 1.0
        or evidence.message_confidence < 1.0
        or Agreement.CONFLICT in (signals.ecosystem, signals.error_type)
    ):
        return 0.0
    return min(AGREEMENT_CAP, lexical + meaning_score(meaning, signals.meaning_margin))


def score(signals: Signals) -> tuple[float, Reason]:
    lexical = lexical_score(signals.evidence)
    if signals.pattern_hit:
        value = (
            PATTERN_BASE
            + PATTERN_SPECIFICITY_WEIGHT * signals.specificity
            + PATTERN_LEXICAL_WEIGHT * lexical
        )
        reason = Reason.PATTERN
        ecosystem_bonus = ECOSYSTEM_BONUS[signals.ecosystem]
    else:
        meaning = signals.meaning if signals.evidence.signature >= MEANING_MIN_SIGNATURE else None
        value = near_miss_score(lexical, meaning, signals.meaning_margin)
        # Most candidates have none of these (the cost of a call each is most of ranking).
        if signals.relaxed is not None:
            value = max(value, relaxed_score(signals, lexical))
        if signals.specific_code:
            value = max(value, same_code_score(signals, lexical))
        if signals.fix_printed:
            value = max(value, fix_printed_score(signals, lexical))
        if signals.lexical_first:
            value = max(value, agreement_score(lexical, meaning, signals))
        reason = Reason.SIMILAR
        ecosystem_bonus = NEAR_MISS_ECOSYSTEM_BONUS[signals.ecosystem]
    value += ecosystem_bonus + ERROR_TYPE_BONUS[signals.error_type]
    if not signals.approved:
        value *= DRAFT_FACTOR
    value += FEEDBACK_WEIGHT * max(-1.0, min(1.0, signals.feedback))
    return max(0.0, min(1.0, value)), reason


def is_specific_code(error_type: str | None) -> bool:
    return bool(error_type) and SPECIFIC_CODE_RE.match(error_type) is not None


def error_type_words(error_type: str | None) -> frozenset[str]:
    """The words of a spell's error_type field, as compared with an error's type."""
    if not error_type:
        return frozenset()
    return frozenset(word for word in WORD_SPLIT_RE.split(error_type) if word)


def error_type_agreement(found: str | None, spell_words: frozenset[str]) -> Agreement:
    """Whether the error's type is the spell's, a relative of it, or a different code."""
    if not found or not spell_words:
        return Agreement.UNKNOWN
    if found in spell_words or found.lower() in {word.lower() for word in spell_words}:
        return Agreement.AGREE
    if not CODE_RE.match(found):
        return Agreement.UNKNOWN
    spell_codes = [word for word in spell_words if CODE_RE.match(word)]
    if not spell_codes:
        return Agreement.UNKNOWN
    found_parts = set(found.split("_"))
    if any(
        len(parts := set(code.split("_"))) > 1 and (parts <= found_parts or found_parts <= parts)
        for code in spell_codes
    ):
        return Agreement.RELATED
    return Agreement.CONFLICT
