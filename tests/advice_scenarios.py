"""Building failure deliveries from GitHub's official payloads, pointed at the fake GitHub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fakes.github import DEFAULT_REPO, FakeGitHub
from tests.payloads import official_payload

LOGS = Path(__file__).parent / "data" / "logs"
INSTALLATION_ID = 31337
REPOSITORY_ID = 1296269


def log_bytes(name: str) -> bytes:
    return (LOGS / f"{name}.log").read_bytes()


def repository(fake: FakeGitHub, full_name: str = DEFAULT_REPO) -> dict[str, Any]:
    api = fake.url(f"/repos/{full_name}")
    return {
        "id": REPOSITORY_ID,
        "name": full_name.split("/")[1],
        "full_name": full_name,
        "private": False,
        "url": api,
        "commits_url": f"{api}/commits{{/sha}}",
        "pulls_url": f"{api}/pulls{{/number}}",
    }


def failed_job_delivery(
    fake: FakeGitHub,
    *,
    job_id: int,
    log: bytes,
    head_sha: str,
    name: str = "build (ubuntu-latest, 3.12)",
    run_id: int | None = None,
) -> dict[str, Any]:
    """`workflow_job.completed` (failure), as GitHub sends it, for a job the fake serves."""
    job = fake.set_job(job_id, log=log, name=name, head_sha=head_sha, run_id=run_id)
    fake.add_check_run(head_sha=head_sha, name=name, check_run_id=job_id)
    payload = official_payload("workflow_job.completed", installation_id=INSTALLATION_ID)
    payload["workflow_job"] = {**job.data, "conclusion": "failure"}
    payload["repository"] = {**payload["repository"], **repository(fake)}
    return payload


def failed_check_run_delivery(
    fake: FakeGitHub,
    *,
    head_sha: str,
    name: str = "lint",
    app_id: int = 7777,
    app_slug: str = "circleci-checks",
    output: dict[str, Any] | None = None,
    annotations: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], int]:
    """`check_run.completed` (failure) from another CI App, as GitHub sends it."""
    run = fake.add_check_run(
        head_sha=head_sha,
        name=name,
        app_id=app_id,
        app_slug=app_slug,
        output=output,
        annotations=annotations or (),
    )
    payload = official_payload("check_run.completed.failure", installation_id=INSTALLATION_ID)
    check_run = dict(fake.check_runs[run.id].data)
    check_run["output"] = dict(fake.check_runs[run.id].output)
    check_run["pull_requests"] = []
    payload["check_run"] = check_run
    payload["repository"] = {**payload["repository"], **repository(fake)}
    return payload, run.id


def vote_delivery(
    fake: FakeGitHub, check_run: dict[str, Any], identifier: str, voter: tuple[str, int]
) -> dict[str, Any]:
    """`check_run.requested_action`: someone pressed one of our buttons."""
    payload = official_payload("check_run.requested_action")
    payload["installation"] = {"id": INSTALLATION_ID}
    payload["check_run"] = check_run
    payload["requested_action"] = {"identifier": identifier}
    payload["sender"] = {**payload["sender"], "login": voter[0], "id": voter[1]}
    payload["repository"] = {**payload["repository"], **repository(fake)}
    return payload


def pull_request_delivery(fake: FakeGitHub, number: int, action: str = "opened") -> dict[str, Any]:
    payload = official_payload(f"pull_request.{action}")
    payload["installation"] = {"id": INSTALLATION_ID}
    pull = fake.pulls[(DEFAULT_REPO, number)]
    payload["pull_request"] = pull.data
    payload["number"] = number
    payload["repository"] = {**payload["repository"], **repository(fake)}
    return payload
