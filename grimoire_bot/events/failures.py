"""Failed CI runs: a check run from any other App, or a failed GitHub Actions job; and the
re-checks people ask for on Grimoire's run."""

from __future__ import annotations

import logging

from gidgethub import routing, sansio

from grimoire_bot.advice.buttons import Recheck, parse_action
from grimoire_bot.advice.pipeline import Outcome, advise_on_failure
from grimoire_bot.advice.recheck import recheck_commit
from grimoire_bot.advice.sources import (
    FailedSource,
    Repository,
    failed_check_run,
    failed_workflow_job,
    is_our_app,
)
from grimoire_bot.events.context import HandlerContext

logger = logging.getLogger(__name__)
router = routing.Router()


def _log(ctx: HandlerContext, what: str, outcome: Outcome) -> None:
    logger.info(
        "advice",
        extra={
            "delivery_id": ctx.delivery_id,
            "source": what,
            "posted": outcome.posted,
            "reason": outcome.reason,
            "errors": outcome.errors,
            "spells": outcome.spells,
            "ai_drafts": outcome.drafts,
        },
    )


async def _advise(ctx: HandlerContext, source: FailedSource) -> None:
    _log(ctx, source.name, await advise_on_failure(await ctx.advice_deps(), source))


async def _recheck(ctx: HandlerContext, repository: Repository, head_sha: str) -> None:
    outcome = await recheck_commit(
        await ctx.advice_deps(), await ctx.diff_reader(), repository, head_sha
    )
    _log(ctx, f"re-check of {head_sha}", outcome)


@router.register("check_run", action="completed")
async def advise_on_failed_check_run(event: sansio.Event, ctx: HandlerContext) -> None:
    source = failed_check_run(event.data, ctx.settings.app_id)
    if source is not None:
        await _advise(ctx, source)


@router.register("workflow_job", action="completed")
async def advise_on_failed_job(event: sansio.Event, ctx: HandlerContext) -> None:
    source = failed_workflow_job(event.data)
    if source is not None:
        await _advise(ctx, source)


@router.register("check_run", action="rerequested")
async def recheck_on_rerun(event: sansio.Event, ctx: HandlerContext) -> None:
    """Someone pressed "Re-run" on a Grimoire run (one per commit, or one posted per job
    before that): rebuild the commit's run."""
    check_run = event.data["check_run"]
    if is_our_app(check_run.get("app"), ctx.settings.app_id):
        await _recheck(ctx, Repository.from_payload(event.data), check_run["head_sha"])


@router.register("check_suite", action="rerequested")
async def recheck_on_suite_rerun(event: sansio.Event, ctx: HandlerContext) -> None:
    """ "Re-run all checks" on Grimoire's suite: rebuild the commit's run."""
    suite = event.data["check_suite"]
    if is_our_app(suite.get("app"), ctx.settings.app_id):
        await _recheck(ctx, Repository.from_payload(event.data), suite["head_sha"])


@router.register("check_run", action="requested_action")
async def recheck_on_request(event: sansio.Event, ctx: HandlerContext) -> None:
    """The run's "Re-check" button."""
    check_run = event.data["check_run"]
    identifier = (event.data.get("requested_action") or {}).get("identifier", "")
    if is_our_app(check_run.get("app"), ctx.settings.app_id) and isinstance(
        parse_action(identifier), Recheck
    ):
        await _recheck(ctx, Repository.from_payload(event.data), check_run["head_sha"])
