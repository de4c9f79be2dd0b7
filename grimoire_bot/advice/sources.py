"""What failed, read from webhook payloads: the source runs Grimoire gives advice about.

A GitHub Actions job is both a check run (created by the `github-actions` App) and a
workflow job. Grimoire handles it once, as a workflow job, whose payload links the job's
log; check runs from every other CI App are handled as check runs. Every URL here is
taken from the payload's own hypermedia fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FAILED_CONCLUSIONS = frozenset({"failure", "timed_out"})
ACTIONS_APP_SLUG = "github-actions"


@dataclass(frozen=True)
class Repository:
    id: int
    full_name: str
    url: str  # API URL: the base for check-run requests
    commits_url: str | None = None
    private: bool = False

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Repository:
        repo = payload["repository"]
        return cls(
            id=repo["id"],
            full_name=repo["full_name"],
            url=repo["url"],
            commits_url=repo.get("commits_url"),
            private=bool(repo.get("private", False)),
        )


@dataclass(frozen=True)
class FailedSource:
    """One failed run: a check run from another CI App, or a GitHub Actions job."""

    repository: Repository
    head_sha: str
    name: str
    check_run_url: str
    check_run: Mapping[str, Any] | None = None  # known already for check_run events
    job_url: str | None = None  # Actions jobs: the job's API URL; its log is at /logs
    workflow_run_url: str | None = None
    html_url: str | None = None

    @property
    def logs_url(self) -> str | None:
        return f"{self.job_url}/logs" if self.job_url else None


def is_our_app(app: Mapping[str, Any] | None, app_id: str | None) -> bool:
    return bool(app and app_id and str(app.get("id")) == str(app_id))


def failed_check_run(payload: Mapping[str, Any], app_id: str | None) -> FailedSource | None:
    """The failed run in a `check_run.completed` payload, unless it is not ours to advise on."""
    return failed_run(payload.get("check_run") or {}, Repository.from_payload(payload), app_id)


def failed_run(
    run: Mapping[str, Any], repository: Repository, app_id: str | None
) -> FailedSource | None:
    """A failed check run of another CI App. Our own runs never trigger us, and Actions
    runs are advised on as workflow jobs."""
    app = run.get("app") or {}
    if run.get("conclusion") not in FAILED_CONCLUSIONS:
        return None
    if is_our_app(app, app_id) or app.get("slug") == ACTIONS_APP_SLUG:
        return None
    return FailedSource(
        repository=repository,
        head_sha=run["head_sha"],
        name=run.get("name") or "check",
        check_run_url=run["url"],
        check_run=run,
        html_url=run.get("html_url"),
    )


def failed_workflow_job(payload: Mapping[str, Any]) -> FailedSource | None:
    return failed_job(payload.get("workflow_job") or {}, Repository.from_payload(payload))


def failed_job(job: Mapping[str, Any], repository: Repository) -> FailedSource | None:
    """A failed GitHub Actions job (as a webhook or the jobs API shows it)."""
    if job.get("conclusion") not in FAILED_CONCLUSIONS or not job.get("check_run_url"):
        return None
    return FailedSource(
        repository=repository,
        head_sha=job["head_sha"],
        name=job.get("name") or "job",
        check_run_url=job["check_run_url"],
        job_url=job.get("url"),
        workflow_run_url=job.get("run_url"),
        html_url=job.get("html_url"),
    )


def commit_external_id(head_sha: str) -> str:
    """Ties our one run on a commit to that commit (GitHub stores it for us)."""
    return f"grimoire:commit:{head_sha}"


def job_key(check_run_id: int) -> str:
    """Names a failed job (or check run) among the sources advised on for a commit."""
    return f"check-run:{check_run_id}"


def diff_key(pull_number: int) -> str:
    return f"diff:{pull_number}"
