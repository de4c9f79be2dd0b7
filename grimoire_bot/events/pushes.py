"""A push to a repository's default branch may change its `.github/grimoire.yml`."""

from __future__ import annotations

import logging

from gidgethub import routing, sansio

from grimoire_bot.events.context import HandlerContext
from grimoire_bot.repo_config import forget_config_of

router = routing.Router()
logger = logging.getLogger(__name__)


@router.register("push")
async def reread_config_after_default_branch_push(event: sansio.Event, ctx: HandlerContext) -> None:
    """Mark the repository's config file stale: the next read asks GitHub (a free 304 when the
    push did not touch it). The commit lists in a push payload can be truncated, so any push
    to the default branch counts. A push to an organisation's `.github` repository marks
    the organisation's defaults the same way."""
    repository = event.data.get("repository") or {}
    default_branch = repository.get("default_branch")
    if not default_branch or event.data.get("ref") != f"refs/heads/{default_branch}":
        return
    marked = await forget_config_of(ctx.pool, repository["full_name"])
    logger.info(
        "config marked stale by a push",
        extra={"repository": repository["full_name"], "files": marked},
    )
