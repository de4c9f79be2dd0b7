"""The one pass over a failure: clean, extract, match every error once, rank.

Every consumer (the check run, `POST /api/match`, the `match` command, the benchmarks)
goes through `diagnose`, so what is measured is what users see on the pull request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from .blocks import MAX_LINE_CHARS
from .dialects import reword
from .extract import extract_errors, record_at_line
from .fingerprint import fingerprint
from .forms import fold, wrapped_runs
from .index import Match, SpellIndex
from .logs import clean_log
from .prefilter import ERRORISH_TEXT
from .rank import DEFAULT_MIN_SCORE
from .records import ErrorRecord, says_only_that_a_step_failed

TAIL_LINES = 60
# Spells the log's tail may add beyond the ones asked for: the ranking may drop some later.
POOL_EXTRA = 20
SPELLS_PER_ERROR = 3
# A spell's matches on several errors within this of its best are the same error repeated.
SAME_ERROR_MARGIN = 0.03
# What a tail record carries of the errors read among its lines (see `tail_record`).
MAX_TAIL_CONTEXT_LINES = 20
# Where a failed step ends in an Actions log; the tail is taken just before it, since the
# job's post-steps (cache saving, checkout cleanup) follow.
STEP_FAILED_RE = re.compile(
    r"^Error: (?:Process completed with exit code \d+|The process '[^']*' failed with exit code)"
)

ErrorKey = tuple[str, str | None, int | None]


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What one pass over a failure found.

    `errors`: every error, the log's first (in log order), then those only the check
    run's annotations or output reported, then lines of the log's tail a spell matched.
    `each[i]`: the best spells for `errors[i]` alone, best first (a spell may serve
    several errors). `ranked`: the best spells overall, each once with the error it fits
    best, best first. Both hold nothing under the threshold."""

    errors: list[ErrorRecord]
    each: list[list[Match]]
    ranked: list[Match]


def diagnose(
    text: str | bytes | None,
    index: SpellIndex,
    *,
    extra_errors: Sequence[ErrorRecord] = (),
    limit: int = 5,
    per_error: int = SPELLS_PER_ERROR,
    min_score: float = DEFAULT_MIN_SCORE,
    feedback: Mapping[int, float] | None = None,
    approved_only: bool = False,
    repo_root_hints: Sequence[str] = (),
) -> Diagnosis:
    """Find the errors of a log (plus `extra_errors`, read from a check run's annotations
    and output) and match each of them once against the spellbook.

    Besides the extracted errors, the log's tail (the end of the failing step) is matched
    by pattern, so a spell written for an error line no parser recognises still fires; a
    line found that way becomes an error record of its own. When the log yielded no error
    that says why it failed (none, or only "Process completed with exit code 1"), the tail
    is also matched by similarity, and if nothing matched, the tail's last error-ish line
    becomes an error of its own: the step's cause, as best the log tells it, for the
    failure record and for drafting. `feedback` (spell id -> -1..1) is the
    votes of the repository the failure is in; `approved_only` leaves out every spell a
    curator has not approved (what may be posted on a pull request)."""
    cleaned = clean_log(text) if text else ""
    log_errors = (
        extract_errors(cleaned, repo_root_hints=repo_root_hints, already_clean=True)
        if cleaned
        else []
    )
    seen = {_key(error) for error in log_errors}
    errors = [*log_errors, *_unseen(extra_errors, seen)]

    def wanted(match: Match) -> bool:
        return match.score >= min_score and (not approved_only or index.approved(match.spell_id))

    # One split of a log that may be 10 MB serves the tail and its record's context.
    lines = cleaned.split("\n") if cleaned else []
    tail = tail_region(lines, log_errors)
    # The step's cause may become an error of its own (below); it is scored in the same
    # pass as the others, so the model embeds all their texts in one call.
    cause = _cause_record(cleaned, tail, errors, repo_root_hints)
    scored = index.score_each([*errors, cause] if cause else errors, feedback=feedback)
    cause_found = scored.pop() if cause else []
    each = [[m for m in found if wanted(m)] for found in scored]
    best = _best_per_spell(each, errors)
    for match in list(best.values()):
        if match not in each[match.error_index]:  # moved to its template's first error
            _place(match, match.error_index, each, best)
    scored_errors = len(errors)
    says_why = any(not says_only_that_a_step_failed(error) for error in log_errors)
    if tail:
        [found] = index.score_each(
            [tail_record(tail, lines)], feedback=feedback, similarity=not says_why
        )
        tail_matches = _best_first(filter(wanted, found), limit + POOL_EXTRA)
        for match in tail_matches:
            current = best.get(match.spell_id)
            if current is not None and current.score >= match.score:
                continue
            # Tail lines belong to no extracted error: the matched one becomes an error.
            line = _tail_line_of(index, match.spell_id, tail)
            record = record_at_line(
                cleaned, line, repo_root_hints=repo_root_hints, nearby=_unplaced(errors)
            )
            position = _position_of(record, errors, seen)
            if position == len(errors):
                errors.append(record)
                each.append([])
            _place(match, position, each, best)
    if cause is not None and len(errors) > scored_errors:
        _keep_cause_scores(cause, cause_found, errors, each, best, wanted)
    if cause is not None:
        # Only errors the tail added can change whether, and where, the cause stands.
        record = (
            cause
            if len(errors) == scored_errors
            else _cause_record(cleaned, tail, errors, repo_root_hints)
        )
        if record is not None and _position_of(record, errors, seen) == len(errors):
            # The cause is matched on its own too: as one line of the whole tail its words
            # are lost among the step's other lines.
            if record != cause:  # placed otherwise now that the tail added errors
                [cause_found] = index.score_each([record], feedback=feedback)
            placed = [replace(m, error_index=len(errors)) for m in cause_found if wanted(m)]
            errors.append(record)
            each.append(placed)
            for match in placed:
                current = best.get(match.spell_id)
                if current is None or match.score > current.score:
                    best[match.spell_id] = match
    return Diagnosis(
        errors=errors,
        each=[_best_first(found, per_error) for found in each],
        ranked=_best_first(best.values(), limit),
    )


def _cause_record(
    cleaned: str,
    tail: Sequence[tuple[int, str]],
    errors: Sequence[ErrorRecord],
    repo_root_hints: Sequence[str],
) -> ErrorRecord | None:
    """The step's cause as an error of its own, when no error says why the step failed:
    the tail's last error-ish line, or None."""
    if not tail or any(not says_only_that_a_step_failed(error) for error in errors):
        return None
    line = _step_cause(tail)
    if line is None:
        return None
    return record_at_line(cleaned, line, repo_root_hints=repo_root_hints, nearby=_unplaced(errors))


def _keep_cause_scores(
    cause: ErrorRecord,
    cause_found: Sequence[Match],
    errors: Sequence[ErrorRecord],
    each: list[list[Match]],
    best: dict[int, Match],
    wanted: Callable[[Match], bool],
) -> None:
    """The tail placed the cause's own line as an error (a spell matched it as one line of
    the tail): that error keeps the cause's scores where they are better, since there its
    words were scored alone, with its type (Node's printed error object ending `code:
    'ERR_OSSL_EVP_UNSUPPORTED'` is that code's spell, not a weak near miss of the tail)."""
    position = next(
        (
            i
            for i, error in enumerate(errors)
            if error.log_line == cause.log_line and error.fingerprint == cause.fingerprint
        ),
        None,
    )
    if position is None:
        return
    for match in cause_found:
        current = next((m for m in each[position] if m.spell_id == match.spell_id), None)
        if wanted(match) and (current is None or match.score > current.score):
            _place(match, position, each, best)


def _place(match: Match, position: int, each: list[list[Match]], best: dict[int, Match]) -> None:
    """`match` on `errors[position]`, instead of that error's match of the same spell, and
    the spell's best overall when it scores higher there."""
    placed = replace(match, error_index=position)
    each[position] = [m for m in each[position] if m.spell_id != match.spell_id]
    each[position].append(placed)
    overall = best.get(match.spell_id)
    if overall is None or placed.score > overall.score:
        best[match.spell_id] = placed


def _unplaced(errors: Sequence[ErrorRecord]) -> bool:
    """Whether no error has a place: then one the log names near a line is the best."""
    return not any(error.file for error in errors)


def _step_cause(tail: Sequence[tuple[int, str]]) -> int | None:
    """The (0-based) log line of the tail's last error-ish line, or None."""
    for number, line in reversed(tail):
        if ERRORISH_TEXT.search(line) is not None and not STEP_FAILED_RE.match(line):
            return number
    return None


def _key(error: ErrorRecord) -> ErrorKey:
    return (error.fingerprint, error.file, error.line)


def _unseen(errors: Iterable[ErrorRecord], seen: set[ErrorKey]) -> list[ErrorRecord]:
    """Errors not known yet, one per error and place: Actions mirrors a log's error lines
    into annotations, and the log's record (with its context) is the better one."""
    fresh = []
    for error in errors:
        if _key(error) not in seen:
            seen.add(_key(error))
            fresh.append(error)
    return fresh


def _position_of(record: ErrorRecord, errors: Sequence[ErrorRecord], seen: set[ErrorKey]) -> int:
    """Where `record` is in `errors`, or `len(errors)` when it is new (and now seen)."""
    key = _key(record)
    if key in seen:
        return next(i for i, error in enumerate(errors) if _key(error) == key)
    seen.add(key)
    return len(errors)


def _best_per_spell(
    each: Iterable[Iterable[Match]], errors: Sequence[ErrorRecord]
) -> dict[int, Match]:
    """Each spell's match on the first error it fits about as well as any other.

    The same error repeated (three `missing go.sum entry` lines, one TS2339 per property)
    scores a little differently each time, by the words around it; the first of them is
    where the failure starts, and where a reader is sent first. An earlier error of the
    same template (the same fingerprint: only names, paths and numbers differ), matched
    for the same reason, is the same error however differently its names score: the
    spell's best score is placed there. A pattern hit is never moved to an error its
    pattern does not match (`No module named 'requests'` is not the distutils spell's)."""
    best: dict[int, Match] = {}
    first: dict[int, list[Match]] = {}
    for found in each:
        for match in found:
            current = best.get(match.spell_id)
            if current is None or match.score > current.score:
                best[match.spell_id] = match
            first.setdefault(match.spell_id, []).append(match)
    placed = {}
    for spell_id, top in best.items():
        template = errors[top.error_index].fingerprint
        earliest = next(
            m
            for m in first[spell_id]
            if m.score >= top.score - SAME_ERROR_MARGIN
            or (errors[m.error_index].fingerprint == template and m.reason == top.reason)
        )
        placed[spell_id] = (
            earliest
            if earliest.score >= top.score - SAME_ERROR_MARGIN
            else replace(top, error_index=earliest.error_index)
        )
    return placed


def _best_first(matches: Iterable[Match], limit: int) -> list[Match]:
    ranked = sorted(matches, key=lambda m: (-m.score, m.error_index, m.spell_id))
    return ranked[: max(limit, 0)]


def tail_region(lines: Sequence[str], errors: Sequence[ErrorRecord] = ()) -> list[tuple[int, str]]:
    """The end of the failing step, from the cleaned log's lines, as (0-based line number,
    line) pairs, leaving out blank lines and lines that belong to an extracted error (those
    were matched already)."""
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


def tail_record(tail: Sequence[tuple[int, str]], lines: Sequence[str] = ()) -> ErrorRecord:
    """The tail as one pseudo-error. It has no message of its own: which of its lines is
    the error is only known once a pattern matched one of them. Its context is what the
    log printed among its lines that is not one of them (the errors already read there,
    which may tell another cause: pip's index unreachable above `No matching
    distribution`)."""
    text = "\n".join(line for _, line in tail)
    return ErrorRecord(
        message="",
        error_type=None,
        file=None,
        line=None,
        column=None,
        ecosystem=None,
        context=_among(tail, lines),
        fingerprint=fingerprint(text),
        text=text,
        log_line=tail[0][0] + 1,
    )


def _among(tail: Sequence[tuple[int, str]], lines: Sequence[str]) -> tuple[str, ...]:
    """The log's lines within the tail's span that are not the tail's own (at most
    `MAX_TAIL_CONTEXT_LINES`, the last ones: the nearest to the step's end)."""
    if not tail or not lines:
        return ()
    own = {number for number, _ in tail}
    span = lines[tail[0][0] : tail[-1][0] + 1]
    among = [
        line.strip()[:MAX_LINE_CHARS]
        for number, line in enumerate(span, start=tail[0][0])
        if number not in own and line.strip()
    ]
    return tuple(among[-MAX_TAIL_CONTEXT_LINES:])


def _tail_line_of(index: SpellIndex, spell_id: int, tail: Sequence[tuple[int, str]]) -> int:
    """The log line (0-based) where the spell's pattern matched the tail: the first line
    it matches alone (as printed, or in another wording of the same message: dialects.py),
    else the first line of the wrapped run it matches; for a spell found without its
    pattern, the step's cause (the tail's last error-ish line)."""
    for number, line in tail:
        if index.find(spell_id, line) is not None or index.find(spell_id, fold(line)) is not None:
            return number
        reworded = reword(line).text
        if reworded and index.find(spell_id, reworded) is not None:
            return number
    for run in wrapped_runs([line for _, line in tail]):
        for form in filter(None, (run.text, run.unbroken)):
            if index.find(spell_id, form) or index.find(spell_id, fold(form)):
                return tail[run.first_line][0]
    cause = _step_cause(tail)
    return tail[0][0] if cause is None else cause


def _covered_lines(errors: Sequence[ErrorRecord]) -> set[int]:
    covered: set[int] = set()
    for error in errors:
        if error.log_line is not None:
            first = error.log_line - 1
            covered.update(range(first, first + error.text.count("\n") + 1))
    return covered
