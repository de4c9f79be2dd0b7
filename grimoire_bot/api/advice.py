"""A commit's whole advice, for when its check run's summary was too long for GitHub."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.advice.pipeline import posting_settings
from grimoire_bot.advice.plan import full_summary
from grimoire_bot.advice.publish import load_commit
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import operation
from grimoire_bot.api.repos import may_see
from grimoire_bot.db import advice as db_advice
from grimoire_bot.db import installations as db_installations
from grimoire_bot.settings import Settings
from grimoire_bot.state import POOL, SETTINGS
from grimoire_bot.validation import Text

routes = web.RouteTableDef()


class CommitParams(BaseModel):
    owner: Annotated[Text, Field(min_length=1, max_length=100)]
    repo: Annotated[Text, Field(min_length=1, max_length=100)]
    sha: Annotated[str, Field(pattern=r"^[0-9a-f]{40}$", description="The full commit SHA.")]


@operation(
    routes,
    "GET",
    "/api/advice/{owner}/{repo}/{sha}",
    summary="Everything Grimoire advised on a commit",
    description="The commit's check-run summary in Markdown with every entry, also those "
    "GitHub's 65,535 characters left no room for. A private repository exists only for "
    "callers who may see it on GitHub, and for Grimoire admins.",
    tag="matching",
    params=CommitParams,
    response="Markdown",
    response_media_type="text/markdown",
    errors=(401, 404, 503),
)
async def commit_advice(request: web.Request, params: CommitParams) -> web.Response:
    full_name = f"{params.owner}/{params.repo}"
    async with request.app[POOL].acquire() as conn:
        repository = await db_installations.get_repository(conn, full_name)
    # Asked with no connection held: it takes one of its own and may ask GitHub.
    if repository is not None and not await may_see(request, repository):
        repository = None
    text = None
    if repository is not None:
        async with request.app[POOL].acquire() as conn:
            text = await whole_advice(conn, repository, params.sha, request.app[SETTINGS])
    if text is None:
        raise ApiError(404, f"Grimoire has no advice on {params.sha} in {full_name}")
    return web.Response(text=text, content_type="text/markdown", charset="utf-8")


async def whole_advice(
    conn: asyncpg.Connection, repository: Mapping[str, Any], head_sha: str, settings: Settings
) -> str | None:
    """The commit's summary with every entry, in Markdown; None when there is no run."""
    run = await db_advice.get_commit_run(conn, repository["id"], head_sha)
    if run is None:
        return None
    commit = await load_commit(
        conn,
        run["id"],
        repository["id"],
        repository["full_name"],
        head_sha,
        private=bool(repository["private"]),
    )
    return full_summary(commit, posting_settings(repository, settings.public_url, annotate=False))
