"""From a failed run to a Grimoire check run: read, match, compose, publish."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from grimoire_bot.advice import compose
from grimoire_bot.advice.collect import Failure, FailureReader, read_failure
from grimoire_bot.advice.publish import CommitState, Publisher, RunSource
from grimoire_bot.advice.sources import CHECK_RUN_NAME, FailedSource, external_id_for
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import spells as db_spells
from grimoire_bot.matcher import Matcher
from grimoire_bot.matching import (
    Diagnosis,
    ErrorRecord,
    errors_from_annotations,
    errors_from_check_output,
)

# A runner-up is offered beside the best spell only when it scores nearly as well.
ALTERNATIVE_RATIO = 0.85
APPROVED = "approved"  # the only spell status that is posted
TRUNCATED_NOTE = "_The job log was longer than Grimoire reads; its start was skipped._"

logger = logging.getLogger(__name__)


@dataclass
class AdviceDeps:
    pool: asyncpg.Pool
    matcher: Matcher
    reader: FailureReader
    publisher: Publisher
    public_url: str | None
    retrying: bool = False


@dataclass(frozen=True)
class Outcome:
    posted: bool
    reason: str
    errors: int = 0
    spells: int = 0


def failure_extras(failure: Failure) -> list[ErrorRecord]:
    """The errors the failed run itself reports: its annotations, then its output."""
    output = failure.check_run.get("output") or {}
    return [
        *errors_from_annotations(failure.annotations),
        *errors_from_check_output(output.get("title"), output.get("summary"), output.get("text")),
    ]


def _spell_info(row: Mapping[str, Any]) -> compose.SpellInfo:
    return compose.SpellInfo(id=row["id"], title=row["title"], solution_code=row["solution_code"])


def build_advice(
    diagnosis: Diagnosis, spells: Mapping[int, Mapping[str, Any]], job: str
) -> list[compose.Advice]:
    """Each error with its own best spells; a spell no longer approved (or deleted) since
    the matcher compiled the spellbook is not offered."""
    advice = []
    for error, found in zip(diagnosis.errors, diagnosis.each, strict=True):
        offered = [
            m
            for m in found
            if m.spell_id in spells and spells[m.spell_id]["status"] == APPROVED
        ]
        if not offered:
            continue
        best = offered[0].score
        chosen = tuple(
            (_spell_info(spells[m.spell_id]), m.score)
            for m in offered
            if m.score >= best * ALTERNATIVE_RATIO
        )
        advice.append(compose.Advice(error=error, spells=chosen, jobs=(job,)))
    return advice


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


def plan_run(
    advice: Sequence[compose.Advice],
    *,
    source_name: str,
    head_sha: str,
    external_id: str,
    repo_settings: Mapping[str, Any],
    changed_lines: Mapping[str, set[int]],
    state: CommitState,
    public_url: str | None,
    notes: Sequence[str] = (),
    noun: str = "error",
    lead: str | None = None,
) -> compose.RunPlan:
    annotations = compose.plan_annotations(
        advice,
        level=repo_settings["annotation_level"],
        max_annotations=repo_settings["max_annotations"],
        ignore_paths=repo_settings["ignore_paths"],
        changed_lines=changed_lines,
        public_url=public_url,
    )
    existing_id = state.existing_run["id"] if state.existing_run else None
    folded = {}
    for annotation in annotations:
        key = (annotation.key.path, annotation.key.line, annotation.key.spell_id)
        owner = state.owner_of(key)
        if owner is not None and owner != existing_id:
            folded[annotation.key] = state.run_names.get(owner, "another job")
    scores: dict[int, float] = {}
    for item in advice:
        for spell, score in item.spells:
            scores[spell.id] = max(score, scores.get(spell.id, 0.0))
    return compose.RunPlan(
        name=CHECK_RUN_NAME,
        head_sha=head_sha,
        external_id=external_id,
        title=compose.run_title(advice, source_name, noun)
        if advice
        else f"No known spell for {source_name}",
        summary=compose.render_summary(
            advice, source_name, public_url=public_url, folded=folded, notes=notes, lead=lead
        ),
        annotations=annotations,
        max_annotations=repo_settings["max_annotations"],
        voted_spell_id=advice[0].best[0].id if advice else None,
        spell_scores=scores,
    )


async def advise_on_failure(deps: AdviceDeps, source: FailedSource) -> Outcome:
    repository = source.repository
    async with deps.pool.acquire() as conn:
        repo_settings = await db_installations.settings_for_repository_id(conn, repository.id)
    if not repo_settings["enabled"]:
        return Outcome(False, "disabled for this repository")
    failure = await read_failure(deps.reader, source)
    diagnosis, spells = await diagnose_failure(
        deps, failure, repository.id, repo_settings["min_score"]
    )
    errors = diagnosis.errors
    advice = build_advice(diagnosis, spells, source.name)
    if not advice and not repo_settings["post_when_no_match"]:
        return Outcome(False, "no spell matched", errors=len(errors))
    notes = [TRUNCATED_NOTE] if failure.log_truncated else []
    external_id = external_id_for(failure.source_check_run_id)
    run_source = RunSource(
        repository=repository,
        head_sha=source.head_sha,
        name=source.name,
        url=source.check_run_url,
        job_url=source.job_url,
        workflow_run_url=source.workflow_run_url,
    )
    async with deps.publisher.commit(repository, source.head_sha) as session:
        state = await session.state(external_id)
        plan = plan_run(
            advice,
            source_name=source.name,
            head_sha=source.head_sha,
            external_id=external_id,
            repo_settings=repo_settings,
            changed_lines=failure.changed_lines,
            state=state,
            public_url=deps.public_url,
            notes=notes,
        )
        await session.publish(plan, run_source, state, retrying=deps.retrying)
    return Outcome(True, "posted", errors=len(errors), spells=len(plan.spell_scores))
