"""Publishing a commit's one Grimoire run: store the advice, plan from storage, send, record.

Everything for one commit happens under one advisory lock, in one order: store what was
just advised, recover what an interrupted attempt left unknown, load the whole commit
back (with its extra sections, the AI drafts, read from the database too), plan
(`plan.plan_run`, pure) and send. Since the plan is made from committed state
under the lock, workers handling sibling jobs at the same moment create exactly one run
and never drop each other's advice.

Requests that append (the POST, PATCHes carrying annotations) are never resent blindly:
a POST is recorded as attempted and its annotations as "sending" before it goes out, so
whichever attempt comes next (a retry, or another job's delivery) first looks the run up
by external id and reads back the annotations GitHub holds. `ConsolePublisher` prints
the requests instead, for `receive --dry-run`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

import asyncpg

from grimoire_bot.advice.annotations import PlannedAnnotation
from grimoire_bot.advice.model import (
    AdvisedError,
    CommitAdvice,
    ExtraSection,
    HeldAnnotation,
    PostingSettings,
    SourceAdvice,
    SourceKind,
    SpellInfo,
)
from grimoire_bot.advice.plan import CHECK_RUN_NAME, RunPlan, plan_run, worth_posting
from grimoire_bot.advice.sources import Repository, commit_external_id
from grimoire_bot.db import advice as db_advice
from grimoire_bot.github import checks
from grimoire_bot.github.client import GitHubClient
from grimoire_bot.matching import ErrorRecord
from grimoire_bot.spellbook.models import POSTABLE_STATUS


@dataclass(frozen=True)
class Published:
    sent: bool
    reason: str
    plan: RunPlan | None = None


class CommitSession(Protocol):
    async def publish(
        self,
        sources: Sequence[SourceAdvice],
        settings: PostingSettings,
        *,
        rebuild: bool = False,
        notes: Sequence[str] = (),
    ) -> Published:
        """Store `sources` and bring the run up to date with everything stored about the
        commit. `rebuild` (a re-check): `sources` hold every job failing on the commit
        now, and the run is updated even if it would say the same (GitHub queued its
        suite again when the re-run was asked for)."""
        ...


class ExtraSections(Protocol):
    async def for_commit(
        self, conn: asyncpg.Connection, repository: Repository, head_sha: str
    ) -> tuple[ExtraSection, ...]:
        """Sections rebuilt at every update from what is stored about the commit."""
        ...


class Publisher(Protocol):
    def commit(
        self, repository: Repository, head_sha: str
    ) -> Any: ...  # an async context manager yielding a CommitSession


# ------------------------------------------------------------------ model <-> storage


def stored_source(source: SourceAdvice) -> db_advice.StoredSource:
    return db_advice.StoredSource(
        key=source.key,
        kind=source.kind.value,
        name=source.name,
        html_url=source.html_url,
        source_url=source.source_url,
        job_url=source.job_url,
        log_truncated=source.log_truncated,
        errors_found=source.errors_found,
        errors=tuple(
            db_advice.StoredError(
                message=item.error.message,
                error_type=item.error.error_type,
                file=item.error.file,
                line=item.error.line,
                column=item.error.column,
                fingerprint=item.error.fingerprint,
                details=item.error.text or item.error.message,
                log_line=item.error.log_line,
                spells=tuple(
                    db_advice.StoredSpell(spell.id, score) for spell, score in item.spells
                ),
            )
            for item in source.advised
        ),
    )


def source_advice(stored: db_advice.StoredSource) -> SourceAdvice:
    return SourceAdvice(
        key=stored.key,
        kind=SourceKind(stored.kind),
        name=stored.name,
        html_url=stored.html_url,
        source_url=stored.source_url,
        job_url=stored.job_url,
        log_truncated=stored.log_truncated,
        errors_found=stored.errors_found,
        advised=tuple(
            AdvisedError(
                error=ErrorRecord(
                    message=error.message,
                    error_type=error.error_type,
                    file=error.file,
                    line=error.line,
                    column=error.column,
                    ecosystem=None,
                    context=(),
                    fingerprint=error.fingerprint,
                    text=error.details,
                    log_line=error.log_line,
                ),
                spells=tuple(
                    (SpellInfo(s.id, s.title, s.solution_code), s.score) for s in error.spells
                ),
            )
            for error in stored.errors
        ),
    )


def _held(annotation: PlannedAnnotation) -> db_advice.StoredAnnotation:
    return db_advice.StoredAnnotation(
        annotation.path, annotation.line, annotation.spell_id, annotation.title, True
    )


def _places(annotations: Sequence[PlannedAnnotation]) -> list[tuple[str, int]]:
    return [(a.path, a.line) for a in annotations]


def completed_body(plan: RunPlan, head_sha: str, batch: Sequence[PlannedAnnotation]) -> dict:
    return {
        "name": CHECK_RUN_NAME,
        "head_sha": head_sha,
        "external_id": commit_external_id(head_sha),
        "status": "completed",
        "conclusion": "neutral",  # Grimoire advises; it never turns a pull request red
        "completed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "output": plan.output(batch),
        "actions": plan.actions,
    }


async def load_commit(
    conn: asyncpg.Connection,
    run_id: int,
    repository_id: int,
    repository: str,
    head_sha: str,
    *,
    private: bool = False,
) -> CommitAdvice:
    """Everything stored about a commit's run, as the planning core reads it."""
    stored = await db_advice.load_sources(conn, run_id, (POSTABLE_STATUS,))
    sources = [source_advice(s) for s in stored]
    spell_ids = {spell.id for s in sources for item in s.advised for spell, _ in item.spells}
    return CommitAdvice(
        repository=repository,
        head_sha=head_sha,
        sources=tuple(sources),
        held=tuple(
            HeldAnnotation(a.path, a.line, a.spell_id, a.title, a.sending)
            for a in await db_advice.held_annotations(conn, run_id)
        ),
        tallies=await db_advice.vote_tallies(conn, repository_id, spell_ids),
        private=private,
    )


# ------------------------------------------------------------------ GitHub


class GitHubCommitSession:
    def __init__(
        self,
        gh: GitHubClient,
        conn: asyncpg.Connection,
        repository: Repository,
        head_sha: str,
        *,
        write_spacing: float,
        extras: ExtraSections | None = None,
    ) -> None:
        self.gh = gh
        self.conn = conn
        self.repository = repository
        self.head_sha = head_sha
        self.write_spacing = write_spacing
        self.extras = extras

    async def publish(
        self,
        sources: Sequence[SourceAdvice],
        settings: PostingSettings,
        *,
        rebuild: bool = False,
        notes: Sequence[str] = (),
    ) -> Published:
        existing = await db_advice.get_commit_run(self.conn, self.repository.id, self.head_sha)
        if existing is None:
            extras = await self._extras(settings)
            if not worth_posting(self._commit(sources, extras), settings):
                return Published(False, "nothing to post")  # silence leaves no trace either
        run = await db_advice.ensure_commit_run(
            self.conn,
            self.repository.id,
            self.repository.full_name,
            self.head_sha,
            commit_external_id(self.head_sha),
        )
        for source in sources:
            await db_advice.save_source(self.conn, run["id"], stored_source(source))
        if rebuild:
            jobs = [s.key for s in sources if s.kind is SourceKind.JOB]
            await db_advice.keep_only_jobs(self.conn, run["id"], jobs)
        run_url = await self._recover_run(run)
        await self._recover_annotations(run["id"], run_url)
        # Read after the sources are stored: the extras follow what the run holds now.
        commit = replace(await self._load(run["id"]), extras=await self._extras(settings))
        if run_url is None and not worth_posting(commit, settings):
            return Published(False, "nothing to post")
        plan = plan_run(commit, settings, notes)
        batches = plan.batches() or [[]]
        unchanged = (plan.title, plan.summary, plan.voted_spell_id) == (
            run["title"],
            run["summary"],
            run["voted_spell_id"],
        )
        if run_url is not None and unchanged and not plan.annotations and not rebuild:
            return Published(False, "the run already says this", plan)
        run_url = await self._send_first(run["id"], run_url, plan, batches[0])
        for batch in batches[1:]:
            await self._pause()
            await self._append(run["id"], run_url, plan, batch)
        return Published(True, "posted", plan)

    async def _send_first(
        self, run_id: int, run_url: str | None, plan: RunPlan, batch: Sequence[PlannedAnnotation]
    ) -> str:
        """Create or update the run with the summary and the first batch; its URL."""
        body = completed_body(plan, self.head_sha, batch)
        await db_advice.mark_sending(self.conn, run_id, [_held(a) for a in batch])
        if run_url is None:
            await db_advice.mark_create_attempted(self.conn, run_id)
            created = await checks.create_check_run(self.gh, self.repository.url, body)
            run_url = created["url"]
            await db_advice.set_check_run(self.conn, run_id, created["id"], run_url)
        else:
            await checks.update_check_run(self.gh, run_url, body)
        await db_advice.mark_posted(self.conn, run_id, _places(batch))
        await db_advice.record_render(
            self.conn,
            run_id,
            title=plan.title,
            summary=plan.summary,
            voted_spell_id=plan.voted_spell_id,
        )
        return run_url

    async def _append(
        self, run_id: int, run_url: str, plan: RunPlan, batch: Sequence[PlannedAnnotation]
    ) -> None:
        await db_advice.mark_sending(self.conn, run_id, [_held(a) for a in batch])
        await checks.update_check_run(self.gh, run_url, {"output": plan.output(batch)})
        await db_advice.mark_posted(self.conn, run_id, _places(batch))

    async def _recover_run(self, run: Mapping[str, Any]) -> str | None:
        """The run's URL; after a POST whose answer was lost, found by its external id."""
        if run["check_run_url"] is not None or not run["create_attempted"]:
            return run["check_run_url"]
        found = await checks.find_check_run(
            self.gh, self.repository.url, self.head_sha, CHECK_RUN_NAME, run["external_id"]
        )
        if found is None:
            return None
        await db_advice.set_check_run(self.conn, run["id"], found["id"], found["url"])
        return found["url"]

    async def _recover_annotations(self, run_id: int, run_url: str | None) -> None:
        """Settle annotations an interrupted attempt sent: held if GitHub has them, else
        free to be planned again."""
        sending = [a for a in await db_advice.held_annotations(self.conn, run_id) if a.sending]
        if not sending:
            return
        on_github: set[tuple[str, int, str]] = set()
        if run_url is not None:
            on_github = {
                (a["path"], a["start_line"], a.get("title") or "")
                for a in await checks.list_annotations(self.gh, run_url)
            }
        held = [(a.path, a.line) for a in sending if (a.path, a.line, a.title) in on_github]
        lost = [(a.path, a.line) for a in sending if (a.path, a.line, a.title) not in on_github]
        await db_advice.mark_posted(self.conn, run_id, held)
        await db_advice.forget_annotations(self.conn, run_id, lost)

    def _commit(
        self, sources: Sequence[SourceAdvice], extras: tuple[ExtraSection, ...]
    ) -> CommitAdvice:
        return CommitAdvice(
            self.repository.full_name,
            self.head_sha,
            tuple(sources),
            extras=extras,
            private=self.repository.private,
        )

    async def _extras(self, settings: PostingSettings) -> tuple[ExtraSection, ...]:
        if self.extras is None or not settings.show_ai_drafts:
            return ()
        return await self.extras.for_commit(self.conn, self.repository, self.head_sha)

    async def _load(self, run_id: int) -> CommitAdvice:
        return await load_commit(
            self.conn,
            run_id,
            self.repository.id,
            self.repository.full_name,
            self.head_sha,
            private=self.repository.private,
        )

    async def _pause(self) -> None:
        """Space mutating requests as GitHub asks of integrations."""
        if self.write_spacing:
            await asyncio.sleep(self.write_spacing)


class GitHubPublisher:
    def __init__(
        self,
        gh: GitHubClient,
        pool: asyncpg.Pool,
        *,
        write_spacing: float,
        extras: ExtraSections | None = None,
    ) -> None:
        self.gh = gh
        self.pool = pool
        self.write_spacing = write_spacing
        self.extras = extras

    @asynccontextmanager
    async def commit(
        self, repository: Repository, head_sha: str
    ) -> AsyncIterator[GitHubCommitSession]:
        async with db_advice.commit_lock(self.pool, repository.id, head_sha) as conn:
            yield GitHubCommitSession(
                self.gh,
                conn,
                repository,
                head_sha,
                write_spacing=self.write_spacing,
                extras=self.extras,
            )


# ------------------------------------------------------------------ dry run


class ConsoleCommitSession:
    """Prints the requests a commit with only these sources would get."""

    def __init__(self, out: TextIO, repository: Repository, head_sha: str) -> None:
        self.out = out
        self.repository = repository
        self.head_sha = head_sha

    async def publish(
        self,
        sources: Sequence[SourceAdvice],
        settings: PostingSettings,
        *,
        rebuild: bool = False,
        notes: Sequence[str] = (),
    ) -> Published:
        commit = CommitAdvice(self.repository.full_name, self.head_sha, tuple(sources))
        if not worth_posting(commit, settings):
            return Published(False, "nothing to post")
        plan = plan_run(commit, settings, notes)
        batches = plan.batches() or [[]]
        print(f"POST {self.repository.url}/check-runs", file=self.out)
        body = completed_body(plan, self.head_sha, batches[0])
        print(json.dumps(body, indent=2, ensure_ascii=False), file=self.out)
        for batch in batches[1:]:
            print("PATCH <the check run created above>", file=self.out)
            print(
                json.dumps({"output": plan.output(batch)}, indent=2, ensure_ascii=False),
                file=self.out,
            )
        return Published(True, "printed", plan)


class ConsolePublisher:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out

    @asynccontextmanager
    async def commit(
        self, repository: Repository, head_sha: str
    ) -> AsyncIterator[ConsoleCommitSession]:
        yield ConsoleCommitSession(self.out, repository, head_sha)
