"""The whole pipeline for one log: clean, extract, match, rank."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .extract import extract_errors, record_at_line
from .fingerprint import fingerprint
from .forms import fold, wrapped_runs
from .index import Match, SpellIndex
from .logs import clean_log
from .rank import DEFAULT_MIN_SCORE
from .records import ErrorRecord

TAIL_LINES = 60
# Spells the ranking may drop later still need room while errors and tail are merged.
POOL_EXTRA = 20
# Where a failed step ends in an Actions log; the tail is taken just before it, since the
# job's post-steps (cache saving, checkout cleanup) follow.
STEP_FAILED_RE = re.compile(
    r"^Error: (?:Process completed with exit code \d+|The process '[^']*' failed with exit code)"
)


def analyse(
    text: str | bytes,
    index: SpellIndex,
    *,
    limit: int = 5,
    min_score: float = DEFAULT_MIN_SCORE,
    repo_root_hints: Sequence[str] = (),
) -> tuple[list[ErrorRecord], list[Match]]:
    """The errors in a log and the best spells for them.

    Besides the extracted errors, the log's tail (the end of the failing step) is matched
    by pattern, so a spell written for an error line no parser recognises still fires; a
    line found that way becomes an error record of its own. When nothing at all was
    extracted, the tail is also matched by similarity."""
    cleaned = clean_log(text)
    errors = extract_errors(cleaned, repo_root_hints=repo_root_hints, already_clean=True)
    pool = limit + POOL_EXTRA
    best = {m.spell_id: m for m in index.match(errors, limit=pool, min_score=min_score)}
    tail = tail_region(cleaned, errors)
    if tail:
        for match in index.match(
            [tail_record(tail)], limit=pool, min_score=min_score, similarity=not errors
        ):
            current = best.get(match.spell_id)
            if current is not None and current.score >= match.score:
                continue
            # Tail lines belong to no extracted error: the matched one becomes an error.
            line = _tail_line_of(index, match.spell_id, tail)
            errors.append(record_at_line(cleaned, line, repo_root_hints=repo_root_hints))
            best[match.spell_id] = Match(
                spell_id=match.spell_id,
                score=match.score,
                error_index=len(errors) - 1,
                reason=match.reason,
            )
    ranked = sorted(best.values(), key=lambda m: (-m.score, m.error_index, m.spell_id))
    return errors, ranked[: max(limit, 0)]


def tail_region(cleaned: str, errors: Sequence[ErrorRecord] = ()) -> list[tuple[int, str]]:
    """The end of the failing step as (0-based line number, line) pairs, leaving out blank
    lines and lines that belong to an extracted error (those were matched already)."""
    lines = cleaned.split("\n")
    end = len(lines)
    for number in range(len(lines) - 1, -1, -1):
        if STEP_FAILED_RE.match(lines[number]):
            end = number
            break
    covered = _covered_lines(errors)
    start = max(0, end - TAIL_LINES)
    return [
        (number, lines[number])
        for number in range(start, end)
        if lines[number].strip() and number not in covered
    ]


def tail_record(tail: Sequence[tuple[int, str]]) -> ErrorRecord:
    """The tail as one pseudo-error. It has no message of its own: which of its lines is
    the error is only known once a pattern matched one of them."""
    text = "\n".join(line for _, line in tail)
    return ErrorRecord(
        message="",
        error_type=None,
        file=None,
        line=None,
        column=None,
        ecosystem=None,
        context=(),
        fingerprint=fingerprint(text),
        text=text,
        log_line=tail[0][0] + 1,
    )


def _tail_line_of(index: SpellIndex, spell_id: int, tail: Sequence[tuple[int, str]]) -> int:
    """The log line (0-based) where the spell's pattern matched the tail: the first line
    it matches alone, else the first line of the wrapped run it matches."""
    for number, line in tail:
        if index.find(spell_id, line) is not None or index.find(spell_id, fold(line)) is not None:
            return number
    for run in wrapped_runs([line for _, line in tail]):
        if index.find(spell_id, run.text) or index.find(spell_id, fold(run.text)):
            return tail[run.first_line][0]
    return tail[0][0]


def _covered_lines(errors: Sequence[ErrorRecord]) -> set[int]:
    covered: set[int] = set()
    for error in errors:
        if error.log_line is not None:
            first = error.log_line - 1
            covered.update(range(first, first + error.text.count("\n") + 1))
    return covered
