"""Reading a failure: the failed run's output and annotations, the job log, the PR's changes.

`GitHubReader` reads them from GitHub as the installation; `LocalReader` serves the same
questions from the payload and a log file, for `receive --dry-run`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp

from grimoire_bot.advice.sources import FailedSource, Repository, failed_job, failed_run
from grimoire_bot.github.client import GitHubClient
from grimoire_bot.github.logs import download_job_log
from grimoire_bot.matching import BoundedLog

HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
PER_PAGE = 100


@dataclass
class Failure:
    source: FailedSource
    check_run: Mapping[str, Any]
    annotations: list[Mapping[str, Any]] = field(default_factory=list)
    log_text: str | None = None
    log_truncated: bool = False
    pull_requests: list[Mapping[str, Any]] = field(default_factory=list)
    changed_lines: dict[str, set[int]] = field(default_factory=dict)

    @property
    def source_check_run_id(self) -> int:
        return int(self.check_run["id"])


class FailureReader(Protocol):
    async def check_run(self, source: FailedSource) -> Mapping[str, Any]: ...

    async def annotations(self, check_run: Mapping[str, Any]) -> list[Mapping[str, Any]]: ...

    async def job_log(self, source: FailedSource) -> tuple[str | None, bool]: ...

    async def pull_requests(
        self, source: FailedSource, check_run: Mapping[str, Any]
    ) -> list[Mapping[str, Any]]: ...

    async def changed_lines(self, pulls: list[Mapping[str, Any]]) -> dict[str, set[int]]: ...

    async def commit_failures(self, repository: Repository, head_sha: str) -> list[FailedSource]:
        """Every job and check run that failed on the commit, as GitHub lists them now."""
        ...


def added_lines(patch: str) -> set[int]:
    """New-file line numbers of the lines a unified-diff patch adds."""
    lines: set[int] = set()
    number = 0
    for text in patch.splitlines():
        header = HUNK_HEADER.match(text)
        if header:
            number = int(header.group(1))
            continue
        if text.startswith("+"):
            lines.add(number)
            number += 1
        elif text.startswith(" ") or text == "":
            number += 1
        # "-" lines and "\ No newline" markers do not advance the new file.
    return lines


def pull_files(gh: GitHubClient, pull: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """The pull request's changed files (each with its `patch`, when GitHub has one)."""
    return gh.getiter(f"{pull['url']}/files?per_page={PER_PAGE}")


async def read_failure(reader: FailureReader, source: FailedSource) -> Failure:
    check_run = await reader.check_run(source)
    failure = Failure(source=source, check_run=check_run)
    failure.annotations = await reader.annotations(check_run)
    failure.log_text, failure.log_truncated = await reader.job_log(source)
    failure.pull_requests = await reader.pull_requests(source, check_run)
    failure.changed_lines = await reader.changed_lines(failure.pull_requests)
    return failure


class GitHubReader:
    def __init__(
        self,
        gh: GitHubClient,
        session: aiohttp.ClientSession,
        *,
        log_cap_bytes: int,
        download_cap_bytes: int,
    ) -> None:
        self.gh = gh
        self.session = session
        self.log_cap_bytes = log_cap_bytes
        self.download_cap_bytes = download_cap_bytes

    async def check_run(self, source: FailedSource) -> Mapping[str, Any]:
        if source.check_run is not None:
            return source.check_run
        return await self.gh.getitem(source.check_run_url)

    async def annotations(self, check_run: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        output = check_run.get("output") or {}
        url = output.get("annotations_url")
        if not url or not output.get("annotations_count"):
            return []
        return [a async for a in self.gh.getiter(f"{url}?per_page={PER_PAGE}")]

    async def job_log(self, source: FailedSource) -> tuple[str | None, bool]:
        if source.logs_url is None:
            return None, False
        log = BoundedLog(self.log_cap_bytes)
        download = await download_job_log(
            self.gh,
            self.session,
            source.logs_url,
            sink=log.feed,
            max_bytes=self.download_cap_bytes,
        )
        if not download.found:
            return None, False
        return log.text(), log.truncated or download.truncated

    async def pull_requests(
        self, source: FailedSource, check_run: Mapping[str, Any]
    ) -> list[Mapping[str, Any]]:
        listed = list(check_run.get("pull_requests") or [])
        if listed:
            return listed
        # Pushes to a fork's branch leave `pull_requests` empty: ask which PRs hold the commit.
        commits_url = source.repository.commits_url
        if not commits_url:
            return []
        pulls = self.gh.getiter(f"{commits_url}/pulls", {"sha": source.head_sha})
        return [pr async for pr in pulls if pr.get("state", "open") == "open"]

    async def changed_lines(self, pulls: list[Mapping[str, Any]]) -> dict[str, set[int]]:
        changed: dict[str, set[int]] = {}
        for pull in pulls:
            async for entry in pull_files(self.gh, pull):
                lines = added_lines(entry.get("patch") or "")
                changed.setdefault(entry["filename"], set()).update(lines)
        return changed

    async def commit_failures(self, repository: Repository, head_sha: str) -> list[FailedSource]:
        """Failed Actions jobs (the latest attempt of each workflow run of the commit), then
        other Apps' failed check runs (the latest run of each name)."""
        failures: list[FailedSource] = []
        query = urlencode({"head_sha": head_sha, "per_page": PER_PAGE})
        runs = self.gh.getiter(
            f"{repository.url}/actions/runs?{query}", iterable_key="workflow_runs"
        )
        async for workflow_run in runs:
            jobs = self.gh.getiter(
                f"{workflow_run['jobs_url']}?per_page={PER_PAGE}", iterable_key="jobs"
            )
            failures.extend([s async for job in jobs if (s := failed_job(job, repository))])
        check_runs = self.gh.getiter(
            f"{repository.url}/commits/{head_sha}/check-runs?filter=latest&per_page={PER_PAGE}",
            iterable_key="check_runs",
        )
        failures.extend([s async for run in check_runs if (s := failed_run(run, repository, None))])
        return failures


class LocalReader:
    """Answers from the payload and an optional log file: no network at all."""

    def __init__(self, log_path: Path | None, *, log_cap_bytes: int) -> None:
        self.log_path = log_path
        self.log_cap_bytes = log_cap_bytes

    async def check_run(self, source: FailedSource) -> Mapping[str, Any]:
        if source.check_run is not None:
            return source.check_run
        return {"id": 0, "url": source.check_run_url, "output": {}, "pull_requests": []}

    async def annotations(self, check_run: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return []

    async def job_log(self, source: FailedSource) -> tuple[str | None, bool]:
        if self.log_path is None:
            return None, False
        log = BoundedLog(self.log_cap_bytes)
        with self.log_path.open("rb") as stream:
            while chunk := stream.read(1024 * 1024):
                log.feed(chunk)
        return log.text(), log.truncated

    async def pull_requests(
        self, source: FailedSource, check_run: Mapping[str, Any]
    ) -> list[Mapping[str, Any]]:
        return list(check_run.get("pull_requests") or [])

    async def changed_lines(self, pulls: list[Mapping[str, Any]]) -> dict[str, set[int]]:
        return {}

    async def commit_failures(self, repository: Repository, head_sha: str) -> list[FailedSource]:
        return []  # a dry run cannot list what failed
