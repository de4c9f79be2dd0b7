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
    tail_start, tail_lines = tail_region(cleaned)
    if tail_lines:
        tail = tail_record(tail_start, tail_lines)
        for match in index.match([tail], limit=pool, min_score=min_score,
                                 similarity=not errors):
            current = best.get(match.spell_id)
            if current is not None and current.score >= match.score:
                continue
            line = _tail_line_of(index, match.spell_id, tail_start, tail_lines)
            error_index = _error_at_line(errors, line)
            if error_index is None:
                errors.append(record_at_line(cleaned, line, repo_root_hints=repo_root_hints))
                error_index = len(errors) - 1
            best[match.spell_id] = Match(spell_id=match.spell_id, score=match.score,
                                         error_index=error_index, reason=match.reason)
    ranked = sorted(best.values(), key=lambda m: (-m.score, m.error_index, m.spell_id))
    return errors, ranked[:max(limit, 0)]


def tail_region(cleaned: str) -> tuple[int, list[str]]:
    """(first line number, lines) of the end of the failing step."""
    lines = cleaned.split("\n")
    end = len(lines)
    for number in range(len(lines) - 1, -1, -1):
        if STEP_FAILED_RE.match(lines[number]):
            end = number
            break
    start = max(0, end - TAIL_LINES)
    return start, lines[start:end]


def tail_record(start: int, lines: list[str]) -> ErrorRecord:
    """The tail as one pseudo-error. It has no message of its own: which of its lines is
    the error is only known once a pattern matched one of them."""
    text = "\n".join(lines)
    return ErrorRecord(message="", error_type=None, file=None, line=None, column=None,
                       ecosystem=None, context=(), fingerprint=fingerprint(text), text=text,
                       log_line=start + 1)


def _tail_line_of(index: SpellIndex, spell_id: int, start: int, lines: list[str]) -> int:
    """The log line (0-based) where the spell's pattern matched the tail: the first line
    it matches alone, else the first line of the wrapped run it matches."""
    for number, line in enumerate(lines):
        if index.find(spell_id, line) is not None or index.find(spell_id, fold(line)) is not None:
            return start + number
    for run in wrapped_runs(lines):
        if index.find(spell_id, run.text) or index.find(spell_id, fold(run.text)):
            return start + run.first_line
    return start + next((n for n, line in enumerate(lines) if line.strip()), 0)


def _error_at_line(errors: Sequence[ErrorRecord], line: int) -> int | None:
    """The extracted error whose lines include log line `line` (0-based), if any."""
    for position, error in enumerate(errors):
        if error.log_line is None:
            continue
        first = error.log_line - 1
        if first <= line < first + error.text.count("\n") + 1:
            return position
    return None
