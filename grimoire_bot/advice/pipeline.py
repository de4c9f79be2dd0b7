"""From a failed job to the commit's Grimoire run: read, diagnose once, publish."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from grimoire_bot.advice.collect import Failure, FailureReader, read_failure
from grimoire_bot.advice.model import (
    AdvisedError,
    PostingSettings,
    SourceAdvice,
    SourceKind,
    SpellInfo,
)
from grimoire_bot.advice.publish import Published, Publisher
from grimoire_bot.advice.sources import FailedSource, Repository, job_key
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.advice import APPROVED
from grimoire_bot.matcher import Matcher
from grimoire_bot.matching import Diagnosis, ErrorRecord, errors_from_annotations
from grimoire_bot.matching import errors_from_check_output as errors_from_output

# A runner-up is offered beside the best spell only when it scores nearly as well.
ALTERNATIVE_RATIO = 0.85


@dataclass
class AdviceDeps:
    pool: asyncpg.Pool
    matcher: Matcher
    reader: FailureReader
    publisher: Publisher
    public_url: str | None


@dataclass(frozen=True)
class Outcome:
    posted: bool
    reason: str
    errors: int = 0
    spells: int = 0

    @classmethod
    def of(cls, published: Published, advice: SourceAdvice) -> Outcome:
        spells = {spell.id for item in advice.advised for spell, _ in item.spells}
        return cls(published.sent, published.reason, advice.errors_found, len(spells))


async def repository_settings(pool: asyncpg.Pool, repository: Repository) -> dict[str, Any]:
    async with pool.acquire() as conn:
        return await db_installations.settings_for_repository_id(conn, repository.id)


def posting_settings(
    repo_settings: Mapping[str, Any],
    public_url: str | None,
    changed_lines: Mapping[str, set[int]] | None = None,
    *,
    annotate: bool = True,
) -> PostingSettings:
    return PostingSettings(
        annotation_level=repo_settings["annotation_level"],
        max_annotations=repo_settings["max_annotations"],
        ignore_paths=tuple(repo_settings["ignore_paths"]),
        post_when_no_match=repo_settings["post_when_no_match"],
        public_url=public_url,
        changed_lines={path: frozenset(lines) for path, lines in (changed_lines or {}).items()},
        annotate=annotate,
    )


def failure_extras(failure: Failure) -> list[ErrorRecord]:
    """The errors the failed run itself reports: its annotations, then its output."""
    output = failure.check_run.get("output") or {}
    return [
        *errors_from_annotations(failure.annotations),
        *errors_from_output(output.get("title"), output.get("summary"), output.get("text")),
    ]


def advised_errors(
    diagnosis: Diagnosis, spells: Mapping[int, Mapping[str, Any]]
) -> list[AdvisedError]:
    """Each error with its own best spells; a spell no longer approved (or deleted) since
    the matcher compiled the spellbook is not offered."""
    advised = []
    for error, found in zip(diagnosis.errors, diagnosis.each, strict=True):
        offered = [
            m for m in found if m.spell_id in spells and spells[m.spell_id]["status"] == APPROVED
        ]
        if not offered:
            continue
        best = offered[0].score
        chosen = tuple(
            (_spell_info(spells[m.spell_id]), m.score)
            for m in offered
            if m.score >= best * ALTERNATIVE_RATIO
        )
        advised.append(AdvisedError(error=error, spells=chosen))
    return advised


def _spell_info(row: Mapping[str, Any]) -> SpellInfo:
    return SpellInfo(id=row["id"], title=row["title"], solution_code=row["solution_code"])


async def diagnose_failure(
    deps: AdviceDeps, failure: Failure, repository_id: int, min_score: float | None
) -> tuple[Diagnosis, dict[int, Any]]:
    """One pass over the failure, ranked as `/api/match` ranks with this repository."""
    diagnosis = await deps.matcher.diagnose(
        failure.log_text,
        extra_errors=failure_extras(failure),
        repository_id=repository_id,
        min_score=min_score,
        approved_only=True,
    )
    ids = {m.spell_id for found in diagnosis.each for m in found}
    async with deps.pool.acquire() as conn:
        spells = await db_spells.get_spells(conn, list(ids))
    return diagnosis, spells


def job_advice(
    failure: Failure, advised: Sequence[AdvisedError], errors_found: int
) -> SourceAdvice:
    source = failure.source
    return SourceAdvice(
        key=job_key(failure.source_check_run_id),
        kind=SourceKind.JOB,
        name=source.name,
        html_url=source.html_url or failure.check_run.get("html_url"),
        source_url=source.check_run_url,
        job_url=source.job_url,
        log_truncated=failure.log_truncated,
        errors_found=errors_found,
        advised=tuple(advised),
    )


async def read_and_advise(
    deps: AdviceDeps, source: FailedSource, repo_settings: Mapping[str, Any]
) -> tuple[SourceAdvice, Failure]:
    """Read one failed job and find the spells for its errors (no posting)."""
    failure = await read_failure(deps.reader, source)
    diagnosis, spells = await diagnose_failure(
        deps, failure, source.repository.id, repo_settings["min_score"]
    )
    advice = job_advice(failure, advised_errors(diagnosis, spells), len(diagnosis.errors))
    return advice, failure


async def advise_on_failure(deps: AdviceDeps, source: FailedSource) -> Outcome:
    repo_settings = await repository_settings(deps.pool, source.repository)
    if not repo_settings["enabled"]:
        return Outcome(False, "disabled for this repository")
    advice, failure = await read_and_advise(deps, source, repo_settings)
    settings = posting_settings(repo_settings, deps.public_url, failure.changed_lines)
    async with deps.publisher.commit(source.repository, source.head_sha) as session:
        published = await session.publish([advice], settings)
    return Outcome.of(published, advice)
