"""A commit's whole advice in the browser: where a cut summary on a private repository's
pull request links, since a browser holds a console session but no API token."""

from __future__ import annotations

import re

from aiohttp import web

from grimoire_bot.api.advice import whole_advice
from grimoire_bot.api.errors import ApiError
from grimoire_bot.console.render import render
from grimoire_bot.console.sessions import Viewer
from grimoire_bot.console.views import console_page, visible_repository_ids
from grimoire_bot.db import installations as db_installations
from grimoire_bot.state import POOL, SETTINGS

FULL_SHA = re.compile(r"^[0-9a-f]{40}$")

routes = web.RouteTableDef()


@routes.get("/console/advice/{owner}/{repo}/{sha}")
@console_page()
async def commit_advice(request: web.Request, viewer: Viewer) -> web.Response:
    owner, repo, sha = (request.match_info[k] for k in ("owner", "repo", "sha"))
    full_name = f"{owner}/{repo}"
    # One answer for "no such commit" and "not yours to see": private names stay private.
    missing = ApiError(404, f"Grimoire has no advice on {sha} in {full_name} that you may see")
    if not FULL_SHA.match(sha):
        raise missing
    visible = await visible_repository_ids(request, viewer)
    async with request.app[POOL].acquire() as conn:
        repository = await db_installations.get_repository(conn, full_name)
        hidden = repository is not None and repository["private"] and visible is not None
        if repository is None or (hidden and repository["id"] not in visible):
            raise missing
        text = await whole_advice(conn, repository, sha, request.app[SETTINGS])
    if text is None:
        raise missing
    return render(request, "advice.html", viewer, repository=full_name, sha=sha, markdown=text)
