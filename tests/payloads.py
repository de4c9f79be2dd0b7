"""GitHub's official example payloads, read from the shared folder at test time."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.github import shared_dir


def payload_dir() -> Path:
    return shared_dir() / "github" / "payloads"


def official_payload(name: str, *, installation_id: int | None = None) -> dict[str, Any]:
    """A copy of `<event>.<action>.json`; without the examples, a small stand-in of the same
    shape for the events tests build on, else the test is skipped.

    Several examples lack the `installation` object real App deliveries carry: pass
    `installation_id` to add one to the copy.
    """
    path = payload_dir() / f"{name}.json"
    if path.exists():
        payload = copy.deepcopy(json.loads(path.read_text()))
    elif name in STAND_INS:
        payload = copy.deepcopy(STAND_INS[name])
    else:
        pytest.skip(f"GitHub's example payload {name}.json is not available")
    if installation_id is not None:
        payload["installation"] = {"id": installation_id, "node_id": f"MDIz{installation_id}"}
    return payload


def official_payload_names() -> list[str]:
    if not payload_dir().exists():
        return []
    return sorted(p.stem for p in payload_dir().glob("*.json"))


# Hand-written stand-ins, used only when GitHub's examples are not beside the project: just
# the fields that real deliveries carry and the tests rely on (each test fills in the rest).
_SENDER = {"login": "octocat", "id": 583231, "type": "User"}
_REPOSITORY = {
    "id": 1296269,
    "name": "octo-repo",
    "full_name": "octo-org/octo-repo",
    "private": False,
    "owner": {"login": "octo-org", "id": 6811672, "type": "Organization"},
    "url": "https://api.github.com/repos/octo-org/octo-repo",
    "commits_url": "https://api.github.com/repos/octo-org/octo-repo/commits{/sha}",
}
_INSTALLATION = {
    "id": 957387,
    "account": {"login": "octo-org", "id": 6811672, "type": "Organization"},
    "target_type": "Organization",
    "permissions": {"checks": "write", "actions": "read", "metadata": "read"},
    "events": ["check_run", "workflow_job", "pull_request"],
}
_REPOS = [
    {"id": 1296269, "name": "octo-repo", "full_name": "octo-org/octo-repo", "private": False},
    {"id": 1296270, "name": "widgets", "full_name": "octo-org/widgets", "private": True},
]
STAND_INS: dict[str, dict[str, Any]] = {
    "workflow_job.completed": {
        "action": "completed",
        "workflow_job": {
            "id": 2832853555,
            "run_id": 940463255,
            "run_url": "https://api.github.com/repos/octo-org/octo-repo/actions/runs/940463255",
            "head_sha": "f83a356604ae3c5d03e1b46ef4d1ca77d64a90b0",
            "url": "https://api.github.com/repos/octo-org/octo-repo/actions/jobs/2832853555",
            "html_url": "https://github.com/octo-org/octo-repo/actions/runs/940463255/job/2832853555",
            "check_run_url": "https://api.github.com/repos/octo-org/octo-repo/check-runs/2832853555",
            "status": "completed",
            "conclusion": "failure",
            "name": "test (ubuntu-latest, 3.12)",
        },
        "repository": _REPOSITORY,
        "sender": _SENDER,
    },
    "check_run.completed.failure": {
        "action": "completed",
        "repository": _REPOSITORY,
        "sender": _SENDER,
    },
    "check_run.requested_action": {
        "action": "requested_action",
        "repository": _REPOSITORY,
        "sender": _SENDER,
    },
    "check_run.rerequested": {
        "action": "rerequested",
        "repository": _REPOSITORY,
        "sender": _SENDER,
    },
    **{
        f"pull_request.{action}": {"action": action, "repository": _REPOSITORY, "sender": _SENDER}
        for action in ("opened", "synchronize", "reopened")
    },
    "installation.created": {
        "action": "created",
        "installation": _INSTALLATION,
        "repositories": _REPOS,
        "sender": _SENDER,
    },
    "installation.deleted": {
        "action": "deleted",
        "installation": {**_INSTALLATION, "id": 2},
        "sender": _SENDER,
    },
    "installation_repositories.added": {
        "action": "added",
        "installation": _INSTALLATION,
        "repository_selection": "selected",
        "repositories_added": [
            {"id": 1296271, "name": "docs", "full_name": "octo-org/docs", "private": False},
            {"id": 1296272, "name": "site", "full_name": "octo-org/site", "private": False},
        ],
        "repositories_removed": [],
        "sender": _SENDER,
    },
    "installation_repositories.removed": {
        "action": "removed",
        "installation": {**_INSTALLATION, "id": 2},
        "repository_selection": "selected",
        "repositories_added": [],
        "repositories_removed": [_REPOS[1]],
        "sender": _SENDER,
    },
}
