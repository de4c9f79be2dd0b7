"""From a failed job to the commit's Grimoire run: read, diagnose once, publish, then draft.

For each failed job (or another App's failed check run): the repository's effective
settings (`.github/grimoire.yml`, the API's, the organisation's, the defaults); the
failure, read once; the commit's file list, read once per commit beside it (optional:
without it paths are trusted as the log prints them); one diagnosis, whose paths are
resolved against the files before anything is grouped or folded; every error recorded
and counted (`findings`); the run published; and only then AI drafts for the errors no
approved spell fits, shown by updating the run once more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Container, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from grimoire_bot.advice.collect import Failure, FailureReader, read_failure
from grimoire_bot.advice.findings import record_findings
from grimoire_bot.advice.markdown import md_code, md_text
from grimoire_bot.advice.model import (
    AdvisedError,
    PostingSettings,
    SourceAdvice,
    SourceKind,
    SpellInfo,
)
from grimoire_bot.advice.publish import Published, Publisher
from grimoire_bot.advice.sources import FailedSource, Repository, job_key
from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.failure_errors import SourceSeen
from grimoire_bot.github.client import GitHubClient
from grimoire_bot.github.trees import TreeCache
from grimoire_bot.matcher import Matcher
from grimoire_bot.matching import (
    Diagnosis,
    ErrorRecord,
    Match,
    RepoFiles,
    errors_from_annotations,
    resolve_paths,
)
from grimoire_bot.matching import errors_from_check_output as errors_from_output
from grimoire_bot.redaction import Redactor
from grimoire_bot.repo_config import EffectiveSettings, effective_settings
from grimoire_bot.repo_config.files import FileStatus
from grimoire_bot.spellbook.models import is_postable

# A runner-up is offered beside the best spell only when it scores nearly as well.
ALTERNATIVE_RATIO = 0.85
# How long the run may wait for the commit's file list once the failure is diagnosed: a
# tree GitHub is slow to list is not worth holding the advice back for.
TREE_WAIT_SECONDS = 10.0
BAD_CONFIG_STATUSES = frozenset({FileStatus.INVALID, FileStatus.UNREADABLE})

logger = logging.getLogger(__name__)


class Reranker(Protocol):
    async def rerank(
        self,
        errors: Sequence[ErrorRecord],
        each: Sequence[Sequence[Match]],
        spells: Mapping[int, Mapping[str, Any]],
        repository: Repository,
    ) -> list[list[Match]]:
        """Each error's spells, reordered or thinned where an LLM settled an uncertain
        ranking (`advice.rerank`). Never raises: the engine's ranking is the fallback."""
        ...


class Drafter(Protocol):
    async def draft(
        self, errors: Sequence[ErrorRecord], repository: Repository, *, opted_in: bool
    ) -> int:
        """Draft (or reuse) spells for errors no approved spell fits; how many drafts the
        commit's run can show now. Never raises: drafting is an extra."""
        ...


@dataclass
class AdviceDeps:
    pool: asyncpg.Pool
    matcher: Matcher
    reader: FailureReader
    publisher: Publisher
    public_url: str | None
    delivery_id: str | None = None
    # The installation's client; None in a dry run (config files as last read, no tree).
    gh: GitHubClient | None = None
    trees: TreeCache | None = None  # the process's cache of commits' file lists
    drafter: Drafter | None = None  # None: AI drafts are off in this deployment
    reranker: Reranker | None = None  # None: LLM_RERANK is off (or no provider)
    redactor: Redactor = field(default_factory=Redactor)


@dataclass(frozen=True)
class Outcome:
    posted: bool
    reason: str
    errors: int = 0
    spells: int = 0
    drafts: int = 0

    @classmethod
    def of(cls, published: Published, advice: Sequence[SourceAdvice], drafts: int = 0) -> Outcome:
        spells = {spell.id for s in advice for item in s.advised for spell, _ in item.spells}
        errors = sum(source.errors_found for source in advice)
        return cls(published.sent, published.reason, errors, len(spells), drafts)


@dataclass(frozen=True)
class Diagnosed:
    """One failed job, read and diagnosed: its advice, and the errors no approved spell fits."""

    advice: SourceAdvice
    failure: Failure
    unmatched: tuple[ErrorRecord, ...]


# ------------------------------------------------------------------ the repository's wishes


async def repository_settings(deps: AdviceDeps, repository: Repository) -> EffectiveSettings:
    """The effective settings now (a stale config file is read again when GitHub is at hand)."""
    return await effective_settings(deps.pool, deps.gh, repository.full_name, repository.id)


def config_notes(settings: EffectiveSettings) -> tuple[str, ...]:
    """A note for each problem of a settings file, naming the file (its text is the
    repository's, so it is escaped like log text)."""
    return tuple(
        f"**Settings:** {md_code(f'{state.repository}/{state.path}')} {md_text(problem)}; "
        + (
            "the last good settings from it apply until it is fixed."
            if state.values
            else "it is ignored until it is fixed."
        )
        for state in settings.files
        if state.status in BAD_CONFIG_STATUSES
        for problem in state.problems
    )


def posting_settings(
    repo_settings: Mapping[str, Any],
    public_url: str | None,
    changed_lines: Mapping[str, set[int]] | None = None,
    *,
    annotate: bool = True,
    files: RepoFiles | None = None,
) -> PostingSettings:
    return PostingSettings(
        annotation_level=repo_settings["annotation_level"],
        max_annotations=repo_settings["max_annotations"],
        ignore_paths=tuple(repo_settings["ignore_paths"]),
        post_when_no_match=repo_settings["post_when_no_match"],
        public_url=public_url,
        changed_lines={path: frozenset(lines) for path, lines in (changed_lines or {}).items()},
        annotate=annotate,
        files=files,
        show_ai_drafts=bool(repo_settings["auto_generate"]),
    )


# ------------------------------------------------------------------ the commit's files


def trees_url(repository: Repository) -> str:
    # Every request of the run goes under the repository's API URL; the git trees API is
    # there too (payloads also carry `trees_url`, the same place spelled as a template).
    return f"{repository.url}/git/trees"


async def commit_files(deps: AdviceDeps, repository: Repository, head_sha: str) -> RepoFiles | None:
    """The commit's file list, read once per commit in this process; None when it cannot
    be had (a dry run; GitHub refusing, not finding or failing to list it), and the run is
    then posted with paths as the log prints them."""
    if deps.gh is None or deps.trees is None:
        return None
    where = {"delivery_id": deps.delivery_id, "repository": repository.full_name, "sha": head_sha}
    try:
        files = await deps.trees.files(deps.gh, trees_url(repository), head_sha)
    except Exception as exc:  # the tree is an extra: whatever stops it is logged, not raised
        logger.warning(
            "commit tree not read; paths left unchecked", extra={**where, "error": repr(exc)}
        )
        return None
    if files is None:
        logger.info("no commit tree to read; paths left unchecked", extra=where)
    return files


class CommitTree:
    """The commit's file list, read in the background while the failure is read."""

    def __init__(self, task: asyncio.Task[RepoFiles | None] | None, delivery_id: str | None):
        self._task = task
        self._delivery_id = delivery_id

    async def files(self) -> RepoFiles | None:
        """The list, waiting at most TREE_WAIT_SECONDS for it (then None from now on)."""
        if self._task is None:
            return None
        try:
            return await asyncio.wait_for(self._task, TREE_WAIT_SECONDS)
        except TimeoutError:
            self._task = None
            logger.warning(
                "commit tree too slow; paths left unchecked",
                extra={"delivery_id": self._delivery_id},
            )
            return None


@asynccontextmanager
async def reading_tree(
    deps: AdviceDeps, repository: Repository, head_sha: str
) -> AsyncIterator[CommitTree]:
    task = None
    if deps.gh is not None and deps.trees is not None:
        task = asyncio.create_task(commit_files(deps, repository, head_sha))
    try:
        yield CommitTree(task, deps.delivery_id)
    finally:
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


# ------------------------------------------------------------------ one failed job


def failure_extras(failure: Failure) -> list[ErrorRecord]:
    """The errors the failed run itself reports: its annotations, then its output."""
    output = failure.check_run.get("output") or {}
    return [
        *errors_from_annotations(failure.annotations),
        *errors_from_output(output.get("title"), output.get("summary"), output.get("text")),
    ]


def postable_matches(
    diagnosis: Diagnosis, spells: Mapping[int, Mapping[str, Any]]
) -> list[list[Match]]:
    """Each error's spells that may be posted: a spell no longer approved (or deleted)
    since the matcher compiled the spellbook is not offered."""
    return [
        [m for m in found if m.spell_id in spells and is_postable(spells[m.spell_id])]
        for found in diagnosis.each
    ]


def advised_errors(
    errors: Sequence[ErrorRecord],
    each: Sequence[Sequence[Match]],
    spells: Mapping[int, Mapping[str, Any]],
    ignored: Container[int] = frozenset(),
) -> list[AdvisedError]:
    """Each error with its own best spells, leaving out the ones the repository ignores."""
    advised = []
    for error, found in zip(errors, each, strict=True):
        offered = [m for m in found if m.spell_id not in ignored]
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


async def rerank_matches(
    deps: AdviceDeps,
    repository: Repository,
    errors: Sequence[ErrorRecord],
    each: Sequence[Sequence[Match]],
    spells: Mapping[int, Mapping[str, Any]],
    settings: EffectiveSettings,
) -> list[list[Match]]:
    """Uncertain rankings settled by the LLM where the deployment reranks and the repository
    lets its errors go to the LLM (`auto_generate`, its consent to drafting). The spells it
    ignores are not shown to the model; they stay last, and are left out when posting."""
    if deps.reranker is None or not settings["auto_generate"]:
        return [list(found) for found in each]
    ignored = settings.ignored_spell_ids
    offered = [[m for m in found if m.spell_id not in ignored] for found in each]
    try:
        reranked = await deps.reranker.rerank(errors, offered, spells, repository)
    except Exception:  # the reranker never raises; should it, the engine's ranking stands
        logger.exception("reranking failed", extra={"delivery_id": deps.delivery_id})
        return [list(found) for found in each]
    return [
        [*new, *(m for m in found if m.spell_id in ignored)]
        for new, found in zip(reranked, each, strict=True)
    ]


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
        repo_root_hints=(failure.source.repository.full_name,),
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
    deps: AdviceDeps, source: FailedSource, settings: EffectiveSettings, tree: CommitTree
) -> Diagnosed:
    """Read one failed job, find the spells for its errors and record them (no posting)."""
    failure = await read_failure(deps.reader, source)
    diagnosis, spells = await diagnose_failure(
        deps, failure, source.repository.id, settings["min_score"]
    )
    files = await tree.files()
    # Before anything is grouped: errors at one file printed two ways fold together.
    errors = resolve_paths(diagnosis.errors, files) if files is not None else diagnosis.errors
    each = await rerank_matches(
        deps, source.repository, errors, postable_matches(diagnosis, spells), spells, settings
    )
    advised = advised_errors(errors, each, spells, settings.ignored_spell_ids)
    advice = job_advice(failure, advised, len(errors))
    await record_findings(
        deps.pool,
        SourceSeen(
            repository_id=source.repository.id,
            repository=source.repository.full_name,
            head_sha=source.head_sha,
            source_key=advice.key,
            source_name=advice.name,
            delivery_id=deps.delivery_id,
        ),
        errors,
        [found[0] if found else None for found in each],
        deps.redactor,
    )
    unmatched = tuple(error for error, found in zip(errors, each, strict=True) if not found)
    return Diagnosed(advice, failure, unmatched)


# ------------------------------------------------------------------ posting, then drafting


async def publish(
    deps: AdviceDeps,
    repository: Repository,
    head_sha: str,
    sources: Sequence[SourceAdvice],
    posting: PostingSettings,
    notes: Sequence[str],
    *,
    rebuild: bool = False,
) -> Published:
    async with deps.publisher.commit(repository, head_sha) as session:
        return await session.publish(sources, posting, rebuild=rebuild, notes=notes)


async def draft_unmatched(
    deps: AdviceDeps,
    repository: Repository,
    errors: Sequence[ErrorRecord],
    settings: Mapping[str, Any],
) -> int:
    """AI drafts for errors no approved spell fits, where the repository opted in."""
    if deps.drafter is None or not errors or not settings["auto_generate"]:
        return 0
    return await deps.drafter.draft(errors, repository, opted_in=True)


async def publish_then_draft(
    deps: AdviceDeps,
    repository: Repository,
    head_sha: str,
    sources: Sequence[SourceAdvice],
    settings: EffectiveSettings,
    posting: PostingSettings,
    unmatched: Sequence[ErrorRecord],
    *,
    rebuild: bool = False,
) -> Outcome:
    """Post the spells first (a draft never delays them), then draft, then show the drafts
    by updating the run (its summary is rebuilt from the database, drafts included)."""
    notes = config_notes(settings)
    published = await publish(deps, repository, head_sha, sources, posting, notes, rebuild=rebuild)
    drafts = await draft_unmatched(deps, repository, unmatched, settings)
    if drafts:
        again = await publish(deps, repository, head_sha, sources, posting, notes)
        published = again if again.sent or not published.sent else published
    return Outcome.of(published, sources, drafts)


async def advise_on_failure(deps: AdviceDeps, source: FailedSource) -> Outcome:
    settings = await repository_settings(deps, source.repository)
    if not settings["enabled"]:
        return Outcome(False, "disabled for this repository")
    async with reading_tree(deps, source.repository, source.head_sha) as tree:
        diagnosed = await read_and_advise(deps, source, settings, tree)
        files = await tree.files()
    posting = posting_settings(
        settings, deps.public_url, diagnosed.failure.changed_lines, files=files
    )
    return await publish_then_draft(
        deps,
        source.repository,
        source.head_sha,
        [diagnosed.advice],
        settings,
        posting,
        diagnosed.unmatched,
    )
