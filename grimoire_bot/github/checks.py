"""Check runs on GitHub: create, update, append annotations in batches, find by external id.

Creating a check run is not idempotent, so the POST is never retried blindly: a failure
surfaces as TransientGitHubError, the delivery is retried later, and the retry first
looks for a run that the failed attempt may have created after all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from grimoire_bot.github.client import GitHubClient

# GitHub accepts at most 50 annotations per request; later batches are appended by PATCH.
ANNOTATIONS_PER_REQUEST = 50


def batches(items: Sequence[Any], size: int = ANNOTATIONS_PER_REQUEST) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def create_check_run(gh: GitHubClient, repository_url: str, body: Mapping[str, Any]) -> dict:
    once = gh.derive(max_attempts=1)
    return await once.post(f"{repository_url}/check-runs", data=dict(body))


async def update_check_run(gh: GitHubClient, check_run_url: str, body: Mapping[str, Any]) -> dict:
    """PATCH the run. Annotations are appended, so a PATCH carrying some is sent once only:
    if GitHub applied it and the answer was lost, a blind resend would post them twice."""
    appends = bool((body.get("output") or {}).get("annotations"))
    client = gh.derive(max_attempts=1) if appends else gh
    return await client.patch(check_run_url, data=dict(body))


async def list_annotations(gh: GitHubClient, check_run_url: str) -> list[dict]:
    """The annotations GitHub holds for a run: what an interrupted attempt already posted."""
    return [a async for a in gh.getiter(f"{check_run_url}/annotations?per_page=100")]


async def find_check_run(
    gh: GitHubClient, repository_url: str, head_sha: str, name: str, external_id: str
) -> dict | None:
    """Our run for this external id on the commit, if an earlier attempt created one."""
    query = urlencode({"check_name": name, "filter": "all", "per_page": 100})
    url = f"{repository_url}/commits/{head_sha}/check-runs?{query}"
    async for run in gh.getiter(url, iterable_key="check_runs"):
        if run.get("external_id") == external_id:
            return run
    return None
