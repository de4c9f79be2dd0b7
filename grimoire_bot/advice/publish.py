"""Posting a Grimoire check run, idempotently, and remembering what was posted.

All posting for one commit happens under one lock, so matrix siblings that fail together
still share one annotation per error, and a redelivery or re-run updates the run it
already made (found by external id) and appends only annotations it lacks.
`ConsolePublisher` prints the same requests instead, for `receive --dry-run`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

import asyncpg

from grimoire_bot.advice.compose import (
    SUMMARY_LIMIT,
    PlannedAnnotation,
    RunPlan,
    cut_chars,
    md_code,
)
from grimoire_bot.advice.sources import Repository
from grimoire_bot.db import advice as db_advice
from grimoire_bot.github import checks
from grimoire_bot.github.client import GitHubClient

AnnotationKeyTuple = tuple[str, int, int]


@dataclass(frozen=True)
class RunSource:
    repository: Repository
    head_sha: str
    name: str
    url: str | None = None
    job_url: str | None = None
    workflow_run_url: str | None = None


@dataclass
class CommitState:
    """What Grimoire already posted on a commit."""

    existing_run: Mapping[str, Any] | None = None
    posted: dict[AnnotationKeyTuple, db_advice.PostedAnnotation] = field(default_factory=dict)
    run_names: dict[int, str] = field(default_factory=dict)  # advice run id -> source name

    def owner_of(self, key: AnnotationKeyTuple) -> int | None:
        posted = self.posted.get(key)
        return posted.advice_run_id if posted else None


def footer(jobs: Sequence[str], tally: tuple[int, int] | None) -> str:
    lines = []
    if len(jobs) > 1:
        lines.append("**Jobs with these errors:** " + ", ".join(md_code(job) for job in jobs))
    if tally is not None and any(tally):
        lines.append(f"**Votes on the first spell:** {tally[0]} helpful · {tally[1]} not relevant")
    return "\n\n".join(lines)


async def current_footer(conn: asyncpg.Connection, run: Mapping[str, Any]) -> str:
    """The folded jobs and vote tally a run's summary ends with, as they stand now."""
    jobs = await db_advice.folded_jobs_for_run(conn, run["id"])
    tally = None
    if run["voted_spell_id"] is not None:
        tally = await db_advice.vote_tally(conn, run["voted_spell_id"], run["repository_id"])
    return footer(jobs, tally)


def with_footer(summary: str, extra: str) -> str:
    if not extra:
        return summary
    return cut_chars(f"{summary}\n\n---\n\n{extra}", SUMMARY_LIMIT)


def _completed_body(plan: RunPlan, summary: str) -> dict[str, Any]:
    return {
        "name": plan.name,
        "head_sha": plan.head_sha,
        "external_id": plan.external_id,
        "status": "completed",
        "conclusion": "neutral",
        "completed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "output": {"title": plan.title, "summary": summary},
        "actions": plan.actions(),
    }


def split_annotations(
    plan: RunPlan,
    state: CommitState,
    own_run_id: int | None,
    on_github: set[tuple[str, int, str]],
) -> tuple[list[PlannedAnnotation], list[PlannedAnnotation], dict[int, list[AnnotationKeyTuple]]]:
    """(annotations to post, ones GitHub already has, keys folded into sibling runs).

    A run holds one annotation per place: when a later attempt ranks another spell first
    at a line the run already annotated, GitHub could not replace that annotation, so it
    is left alone rather than stacked. The run never holds more than `max_annotations`.
    """
    own_places = {
        (path, line)
        for (path, line, _), posted in state.posted.items()
        if posted.advice_run_id == own_run_id
    }
    room = plan.max_annotations - len(own_places)
    new: list[PlannedAnnotation] = []
    already: list[PlannedAnnotation] = []
    folded: dict[int, list[AnnotationKeyTuple]] = {}
    for annotation in plan.annotations:
        key = (annotation.key.path, annotation.key.line, annotation.key.spell_id)
        place = (annotation.key.path, annotation.key.line)
        owner = state.owner_of(key)
        if owner is not None and owner != own_run_id:
            folded.setdefault(owner, []).append(key)
        elif place in own_places:
            continue
        elif (*place, annotation.body.get("title") or "") in on_github:
            already.append(annotation)
            own_places.add(place)
            room -= 1
        elif room > 0:
            new.append(annotation)
            own_places.add(place)
            room -= 1
    return new, already, folded


class CommitSession(Protocol):
    async def state(self, external_id: str) -> CommitState: ...

    async def publish(
        self, plan: RunPlan, source: RunSource, state: CommitState, *, retrying: bool
    ) -> None: ...


class GitHubCommitSession:
    def __init__(
        self,
        gh: GitHubClient,
        conn: asyncpg.Connection,
        repository: Repository,
        head_sha: str,
        *,
        write_spacing: float,
    ) -> None:
        self.gh = gh
        self.conn = conn
        self.repository = repository
        self.head_sha = head_sha
        self.write_spacing = write_spacing

    async def state(self, external_id: str) -> CommitState:
        runs = await db_advice.runs_for_head(self.conn, self.repository.id, self.head_sha)
        return CommitState(
            existing_run=next((r for r in runs if r["external_id"] == external_id), None),
            posted=await db_advice.posted_annotations(self.conn, self.repository.id, self.head_sha),
            run_names={r["id"]: r["source_name"] for r in runs},
        )

    async def publish(
        self, plan: RunPlan, source: RunSource, state: CommitState, *, retrying: bool
    ) -> None:
        existing = state.existing_run
        run_url = existing["check_run_url"] if existing else None
        check_run_id = existing["check_run_id"] if existing else None
        if run_url is None and retrying:
            # An earlier attempt may have created the run before failing: reuse it.
            found = await checks.find_check_run(
                self.gh, self.repository.url, plan.head_sha, plan.name, plan.external_id
            )
            if found is not None:
                run_url, check_run_id = found["url"], found["id"]
        on_github: set[tuple[str, int, str]] = set()
        if run_url is not None and retrying:
            # An interrupted attempt may have posted annotations it never recorded.
            on_github = {
                (a["path"], a["start_line"], a.get("title") or "")
                for a in await checks.list_annotations(self.gh, run_url)
            }
        own_run_id = existing["id"] if existing else None
        new, already, folded = split_annotations(plan, state, own_run_id, on_github)

        first, rest = new[: checks.ANNOTATIONS_PER_REQUEST], new[checks.ANNOTATIONS_PER_REQUEST :]
        summary = plan.summary
        if existing is not None:
            summary = with_footer(summary, await current_footer(self.conn, existing))
        body = _completed_body(plan, summary)
        body["output"]["annotations"] = [a.body for a in first]
        if run_url is None:
            created = await checks.create_check_run(self.gh, self.repository.url, body)
            run_url, check_run_id = created["url"], created["id"]
        else:
            await checks.update_check_run(self.gh, run_url, body)
        advice_run_id = await db_advice.save_run(
            self.conn,
            db_advice.RunRecord(
                repository_id=self.repository.id,
                repository=self.repository.full_name,
                head_sha=plan.head_sha,
                external_id=plan.external_id,
                source_name=source.name,
                source_url=source.url,
                source_job_url=source.job_url,
                workflow_run_url=source.workflow_run_url,
                check_run_id=check_run_id,
                check_run_url=run_url,
                title=plan.title,
                summary=plan.summary,
                voted_spell_id=plan.voted_spell_id,
            ),
        )
        await self._remember(advice_run_id, [*already, *first], source.name)
        await db_advice.record_run_spells(self.conn, advice_run_id, plan.spell_scores)

        for batch in checks.batches(rest):
            await self._pause()
            output = {
                "title": plan.title,
                "summary": summary,
                "annotations": [a.body for a in batch],
            }
            await checks.update_check_run(self.gh, run_url, {"output": output})
            await self._remember(advice_run_id, batch, source.name)
        await self._fold_into_owners(folded, source.name)

    async def _pause(self) -> None:
        """Space mutating requests as GitHub asks of integrations."""
        if self.write_spacing:
            await asyncio.sleep(self.write_spacing)

    async def _remember(
        self, advice_run_id: int, annotations: Sequence[PlannedAnnotation], job: str
    ) -> None:
        keys = [(a.key.path, a.key.line, a.key.spell_id) for a in annotations]
        await db_advice.record_annotations(
            self.conn, self.repository.id, self.head_sha, advice_run_id, keys, [job]
        )

    async def _fold_into_owners(
        self, folded: Mapping[int, list[AnnotationKeyTuple]], job: str
    ) -> None:
        """Name this job on the runs whose annotations already cover its errors."""
        for owner_id, keys in folded.items():
            await db_advice.add_job_to_annotations(
                self.conn, self.repository.id, self.head_sha, keys, job
            )
            owner = await db_advice.get_run_by_id(self.conn, owner_id)
            if owner is None or owner["check_run_url"] is None:
                continue
            summary = with_footer(owner["summary"] or "", await current_footer(self.conn, owner))
            await self._pause()
            await checks.update_check_run(
                self.gh,
                owner["check_run_url"],
                {"output": {"title": owner["title"], "summary": summary}},
            )


class Publisher(Protocol):
    def commit(
        self, repository: Repository, head_sha: str
    ) -> Any: ...  # an async context manager yielding a CommitSession


class GitHubPublisher:
    def __init__(self, gh: GitHubClient, pool: asyncpg.Pool, *, write_spacing: float) -> None:
        self.gh = gh
        self.pool = pool
        self.write_spacing = write_spacing

    @asynccontextmanager
    async def commit(
        self, repository: Repository, head_sha: str
    ) -> AsyncIterator[GitHubCommitSession]:
        async with db_advice.source_lock(self.pool, f"advice:{repository.id}:{head_sha}") as conn:
            yield GitHubCommitSession(
                self.gh, conn, repository, head_sha, write_spacing=self.write_spacing
            )


class ConsoleCommitSession:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def state(self, external_id: str) -> CommitState:
        return CommitState()

    async def publish(
        self, plan: RunPlan, source: RunSource, state: CommitState, *, retrying: bool
    ) -> None:
        body = _completed_body(plan, plan.summary)
        annotations = [a.body for a in plan.annotations]
        body["output"]["annotations"] = annotations[: checks.ANNOTATIONS_PER_REQUEST]
        print(f"POST {source.repository.url}/check-runs", file=self.out)
        print(json.dumps(body, indent=2, ensure_ascii=False), file=self.out)
        for batch in checks.batches(annotations[checks.ANNOTATIONS_PER_REQUEST :]):
            print("PATCH <the check run created above>", file=self.out)
            output = {"title": plan.title, "summary": plan.summary, "annotations": list(batch)}
            print(json.dumps({"output": output}, indent=2, ensure_ascii=False), file=self.out)


class ConsolePublisher:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out

    @asynccontextmanager
    async def commit(
        self, repository: Repository, head_sha: str
    ) -> AsyncIterator[ConsoleCommitSession]:
        yield ConsoleCommitSession(self.out)
