"""The "Helpful" / "Not relevant" buttons on a Grimoire check run."""

from __future__ import annotations

from gidgethub import routing, sansio

from grimoire_bot.advice.compose import parse_vote
from grimoire_bot.advice.publish import current_footer, with_footer
from grimoire_bot.advice.sources import is_our_app
from grimoire_bot.db import advice as db_advice
from grimoire_bot.events.context import HandlerContext
from grimoire_bot.github import checks

router = routing.Router()


@router.register("check_run", action="requested_action")
async def record_vote(event: sansio.Event, ctx: HandlerContext) -> None:
    check_run = event.data["check_run"]
    if not is_our_app(check_run.get("app"), ctx.settings.app_id):
        return
    vote = parse_vote((event.data.get("requested_action") or {}).get("identifier", ""))
    if vote is None:
        return
    spell_id, value = vote
    sender = event.data["sender"]
    repository_id = event.data["repository"]["id"]
    async with ctx.pool.acquire() as conn:
        exists = await conn.fetchval("SELECT 1 FROM spells WHERE id = $1", spell_id)
        if not exists:
            return  # the spell was deleted since the run was posted
        await db_advice.record_vote(
            conn,
            spell_id=spell_id,
            repository_id=repository_id,
            voter_id=sender["id"],
            voter_login=sender["login"],
            vote=value,
            check_run_id=check_run["id"],
        )
        run = await db_advice.get_run_by_check_run(conn, check_run["id"])
        if run is None:
            return  # not a run this deployment posted: nothing to re-render
        summary = with_footer(run["summary"] or "", await current_footer(conn, run))
    gh = await ctx.github()
    await checks.update_check_run(
        gh, check_run["url"], {"output": {"title": run["title"], "summary": summary}}
    )
