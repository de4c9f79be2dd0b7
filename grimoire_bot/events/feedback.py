"""The "Helpful" / "Not relevant" buttons on a Grimoire run: a vote for the spell they name."""

from __future__ import annotations

from gidgethub import routing, sansio

from grimoire_bot.advice.buttons import Vote, parse_action
from grimoire_bot.advice.pipeline import (
    config_notes,
    posting_settings,
    publish,
    repository_settings,
)
from grimoire_bot.advice.sources import Repository, is_our_app
from grimoire_bot.db import advice as db_advice
from grimoire_bot.events.context import HandlerContext

router = routing.Router()


@router.register("check_run", action="requested_action")
async def record_vote(event: sansio.Event, ctx: HandlerContext) -> None:
    """Record the vote, then show the new tally on the commit's run. A run posted per job
    before one run per commit keeps its summary; the vote still counts."""
    check_run = event.data["check_run"]
    if not is_our_app(check_run.get("app"), ctx.settings.app_id):
        return
    vote = parse_action((event.data.get("requested_action") or {}).get("identifier", ""))
    if not isinstance(vote, Vote):
        return
    sender = event.data["sender"]
    repository = Repository.from_payload(event.data)
    async with ctx.pool.acquire() as conn:
        exists = await conn.fetchval("SELECT 1 FROM spells WHERE id = $1", vote.spell_id)
        if not exists:
            return  # the spell was deleted since the run was posted
        await db_advice.record_vote(
            conn,
            spell_id=vote.spell_id,
            repository_id=repository.id,
            voter_id=sender["id"],
            voter_login=sender["login"],
            vote=vote.value,
            check_run_id=check_run["id"],
        )
        run = await db_advice.get_commit_run_by_check_run(conn, check_run["id"])
    if run is None:
        return
    deps = await ctx.advice_deps()
    settings = await repository_settings(deps, repository)
    posting = posting_settings(settings, ctx.settings.public_url, annotate=False)
    await publish(deps, repository, run["head_sha"], [], posting, config_notes(settings))
