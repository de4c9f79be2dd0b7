"""Every error read from a failure, recorded for curators and counted for operators.

Whatever is posted (or not), each error of each handled job or check run is stored in
`failure_errors` (the curator console's "most frequent failures with no spell" and each
spell's health) with its best approved spell, and counted in `ERRORS_MATCHED` (once per
attempt that read it: the metric counts reads, the rows do not). "Matched" is what the
spellbook knows, whatever the repository's `ignore_spells` keeps off its runs. The sample
kept is the error's own lines with secrets scrubbed, at most 4 KiB.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

import asyncpg

from grimoire_bot import metrics
from grimoire_bot.advice.markdown import cut_bytes
from grimoire_bot.db import failure_errors as db_failure_errors
from grimoire_bot.matching import ErrorRecord, Match, says_only_that_a_step_failed
from grimoire_bot.redaction import Redactor

SAMPLE_BYTES = 4 * 1024
MESSAGE_BYTES = 4 * 1024


class MatchResult(enum.StrEnum):
    """How an error fared, as `/metrics` counts it (`grimoire_errors_matched`)."""

    PATTERN = "pattern"  # a spell's pattern matched
    NEAR_MISS = "near_miss"  # offered for similar wording or meaning
    UNMATCHED = "unmatched"  # no approved spell fits


def match_result(best: Match | None) -> MatchResult:
    if best is None:
        return MatchResult.UNMATCHED
    return MatchResult.PATTERN if best.reason == "pattern" else MatchResult.NEAR_MISS


def seen_error(
    error: ErrorRecord, best: Match | None, redactor: Redactor
) -> db_failure_errors.SeenError:
    return db_failure_errors.SeenError(
        fingerprint=error.fingerprint,
        message=cut_bytes(redactor.redact(error.message), MESSAGE_BYTES),
        error_type=error.error_type,
        file=error.file,
        line=error.line,
        ecosystem=str(error.ecosystem) if error.ecosystem else None,
        # Scrubbed whole, then cut: a secret cut in half would no longer look like one.
        sample=cut_bytes(redactor.redact(error.text or error.message), SAMPLE_BYTES),
        spell_id=best.spell_id if best else None,
        score=best.score if best else None,
    )


async def record_findings(
    pool: asyncpg.Pool,
    source: db_failure_errors.SourceSeen,
    errors: Sequence[ErrorRecord],
    best: Sequence[Match | None],
    redactor: Redactor,
) -> None:
    """Store the source's errors (replacing an earlier attempt's) and count them. A line
    that only says a step failed is kept when a spell knows it (an exit code 137 is the
    OOM killer), else left out of both: it would top every count of failures with no
    spell."""
    kept = [
        (error, match)
        for error, match in zip(errors, best, strict=True)
        if match is not None or not says_only_that_a_step_failed(error)
    ]
    seen = [seen_error(error, match, redactor) for error, match in kept]
    async with pool.acquire() as conn:
        await db_failure_errors.record_source_errors(conn, source, seen)
    for _, match in kept:
        metrics.ERRORS_MATCHED.labels(match_result(match).value).inc()
