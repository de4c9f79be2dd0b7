"""Failed CI runs: a check run from any other App, or a failed GitHub Actions job."""

from __future__ import annotations

import logging

from gidgethub import routing, sansio

from grimoire_bot.advice.pipeline import advise_on_failure
from grimoire_bot.advice.sources import (
    FailedSource,
    Repository,
    failed_check_run,
    failed_workflow_job,
    is_our_app,
)
from grimoire_bot.db import advice as db_advice
from grimoire_bot.events.context import HandlerContext

logger = logging.getLogger(__name__)
router = routing.Router()


async def _advise(ctx: HandlerContext, source: FailedSource) -> None:
    outcome = await advise_on_failure(await ctx.advice_deps(), source)
    logger.info(
        "advice",
        extra={
            "delivery_id": ctx.delivery_id,
            "source": source.name,
            "posted": outcome.posted,
            "reason": outcome.reason,
            "errors": outcome.errors,
            "spells": outcome.spells,
        },
    )


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


async def _source_of(ctx: HandlerContext, run: dict, repository: Repository) -> FailedSource | None:
    """The failed run behind one of our advice runs, read afresh from GitHub."""
    if not run["source_url"]:
        return None
    gh = await ctx.github()
    return FailedSource(
        repository=repository,
        head_sha=run["head_sha"],
        name=run["source_name"],
        check_run_url=run["source_url"],
        check_run=await gh.getitem(run["source_url"]),
        job_url=run["source_job_url"],
        workflow_run_url=run["workflow_run_url"],
    )


@router.register("check_run", action="rerequested")
async def rerun_advice(event: sansio.Event, ctx: HandlerContext) -> None:
    """Someone pressed "Re-run" on a Grimoire check run: advise again, updating it."""
    check_run = event.data["check_run"]
    if not is_our_app(check_run.get("app"), ctx.settings.app_id):
        return
    async with ctx.pool.acquire() as conn:
        run = await db_advice.get_run_by_check_run(conn, check_run["id"])
    if run is None:
        return
    source = await _source_of(ctx, dict(run), Repository.from_payload(event.data))
    if source is not None:
        await _advise(ctx, source)


@router.register("check_suite", action="rerequested")
async def rerun_suite_advice(event: sansio.Event, ctx: HandlerContext) -> None:
    """ "Re-run all checks" on Grimoire's suite: advise again on every run of that commit."""
    suite = event.data["check_suite"]
    if not is_our_app(suite.get("app"), ctx.settings.app_id):
        return
    repository = Repository.from_payload(event.data)
    async with ctx.pool.acquire() as conn:
        runs = await db_advice.runs_for_head(conn, repository.id, suite["head_sha"])
    for run in runs:
        source = await _source_of(ctx, dict(run), repository)
        if source is not None:
            await _advise(ctx, source)
