"""Unmatched failures: the errors that failed most often in the last 7 or 30 days with no
spell to explain them (elastic-recheck's "uncategorized failures"), counted only over the
repositories the viewer may see, each with a way to write or draft its spell."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access
from grimoire_bot.console.periods import Period, period_of
from grimoire_bot.console.render import Notice, render
from grimoire_bot.console.sessions import Viewer
from grimoire_bot.console.views import (
    console_page,
    form_of,
    redirect,
    visible_repository_ids,
)
from grimoire_bot.db import console as db_console
from grimoire_bot.drafts.policy import (
    DraftSite,
    OutcomeKind,
    draft_error,
    open_draft_deps,
    unmatched_errors,
)
from grimoire_bot.state import MATCHER, POOL, SETTINGS

UNMATCHED_PATH = "/console/unmatched"
SHOWN = 50
# Outcomes after which there is a draft to open in the editor.
WITH_DRAFT = (OutcomeKind.DRAFTED, OutcomeKind.REUSED, OutcomeKind.APPROVED)

routes = web.RouteTableDef()


async def _matched_now(request: web.Request, rows: list[Any]) -> dict[str, int]:
    """The approved spell that matches each failure's sample today, by fingerprint: a spell
    written since the failure was seen resolves it (it is listed last, and says by what)."""
    found = {}
    for row in rows:
        diagnosis = await request.app[MATCHER].diagnose(row["sample"], limit=1, approved_only=True)
        # Only a spell for this very error counts, not one for another line of the sample.
        for error, matches in zip(diagnosis.errors, diagnosis.each, strict=True):
            if error.fingerprint == row["fingerprint"] and matches:
                found[row["fingerprint"]] = matches[0].spell_id
                break
    return found


@routes.get(UNMATCHED_PATH)
@console_page()
async def unmatched_failures(request: web.Request, viewer: Viewer) -> web.Response:
    period = period_of(request)
    repository_ids = await visible_repository_ids(request, viewer)
    async with request.app[POOL].acquire() as conn:
        rows = await db_console.unmatched_failures(
            conn, days=period, limit=SHOWN, repository_ids=repository_ids
        )
    matched_now = await _matched_now(request, rows)
    rows = sorted(rows, key=lambda row: row["fingerprint"] in matched_now)
    return render(
        request,
        "unmatched.html",
        viewer,
        failures=rows,
        matched_now=matched_now,
        days=int(period),
        periods=[int(p) for p in Period],
        llm_enabled=request.app[SETTINGS].llm_provider != "none",
        sees_everything=repository_ids is None,
        sees_nothing=repository_ids == [],
    )


@routes.post(UNMATCHED_PATH + "/draft")
@console_page(Access.CURATOR)
async def draft_with_llm(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Ask the LLM for a spell for one unmatched failure (once per error, within the daily
    budgets, exactly as drafting on a pull request), then open the draft in the editor."""
    form = await form_of(request)
    fingerprint = form.get("fingerprint", "")[:500]
    async with request.app[POOL].acquire() as conn:
        failure = await db_console.unmatched_failure(
            conn, fingerprint, await visible_repository_ids(request, viewer)
        )
    if failure is None:
        raise ApiError(404, "No failure with this fingerprint that you may see")
    diagnosis = await request.app[MATCHER].diagnose(failure["sample"], approved_only=True)
    errors = unmatched_errors(diagnosis.errors, diagnosis.each)
    if not errors:
        raise ApiError(409, "An approved spell matches this failure now; nothing to draft")
    async with open_draft_deps(request.app[SETTINGS], request.app[POOL]) as deps:
        if deps.provider is None:
            raise ApiError(503, "No LLM is configured (LLM_PROVIDER is none)")
        outcome = await draft_error(deps, errors[0], _site_of(failure))
    if outcome.kind in WITH_DRAFT and outcome.draft is not None and outcome.draft.spell_id:
        raise redirect(f"/console/spells/{outcome.draft.spell_id}?notice={Notice.DRAFTED}")
    raise ApiError(409, f"The LLM drafted nothing: {outcome.kind.value}, {outcome.reason}")


def _site_of(failure: Any) -> DraftSite:
    """Where the failure was last seen, as drafting on its check run would name it: the
    draft's provenance says which repository it came from, and the installation's daily LLM
    budget pays for it (no delivery: a person asked, not a webhook)."""
    return DraftSite(
        repository_id=failure["repository_id"],
        repository=failure["repository"],
        installation_id=failure["installation_id"],
    )
