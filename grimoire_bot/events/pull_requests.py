"""Pull requests opened or updated: look for diff spells in the lines they add."""

from __future__ import annotations

from gidgethub import routing, sansio

from grimoire_bot.advice.diffs import advise_on_pull_request
from grimoire_bot.events.context import HandlerContext

router = routing.Router()


@router.register("pull_request", action="opened")
@router.register("pull_request", action="synchronize")
@router.register("pull_request", action="reopened")
async def advise_on_added_lines(event: sansio.Event, ctx: HandlerContext) -> None:
    await advise_on_pull_request(await ctx.advice_deps(), await ctx.diff_reader(), event.data)
