"""The review queue: AI drafts, people's drafts and proposed changes, oldest first, each with
what it came from, what it would change, and what it matches among recent failures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from grimoire_bot.api import review as api_review
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, validate
from grimoire_bot.auth.roles import Role
from grimoire_bot.console.actions import call_operation
from grimoire_bot.console.approve import approve_proposal_edited
from grimoire_bot.console.diffs import FieldDiff, field_diffs
from grimoire_bot.console.editor import editor_page, seen_revision, spell_body
from grimoire_bot.console.pattern_check import pattern_problem, recent_matches
from grimoire_bot.console.render import Notice, problem_text, render
from grimoire_bot.console.sessions import Viewer
from grimoire_bot.console.views import (
    console_page,
    form_of,
    redirect,
    sees_unreviewed_ai_drafts,
    visible_repository_ids,
)
from grimoire_bot.db import console as db_console
from grimoire_bot.db import proposals as db_proposals
from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.proposals import ProposalStatus
from grimoire_bot.matching.patterns import compile_pattern
from grimoire_bot.spellbook.models import SpellOut
from grimoire_bot.state import MATCHER, POOL

QUEUE_PAGE = 25
RECENT_DAYS = 30
RECENT_FINGERPRINTS = 2000
REVIEW_PATH = "/console/review"
# The fields shown side by side for a draft and the spell closest to it.
SIDE_BY_SIDE = ("title", "error_type", "error_pattern", "solution_code", "tags", "ecosystem")

routes = web.RouteTableDef()


@dataclass
class QueueItem:
    kind: str  # "draft" or "proposal"
    created_at: datetime
    spell: dict[str, Any]
    author: str | None
    source: dict[str, Any] | None = None  # the error it was drafted for, with its lines
    provenance: dict[str, Any] | None = None  # provider, model, cost of an AI draft
    closest: dict[str, Any] | None = None  # the approved spell it would sit beside
    proposal: dict[str, Any] | None = None
    diffs: list[FieldDiff] = field(default_factory=list)
    recent: dict[str, Any] | None = None

    @property
    def anchor(self) -> str:
        number = self.proposal["id"] if self.proposal else self.spell["id"]
        return f"{self.kind}-{number}"


async def _queue(request: web.Request, viewer: Viewer) -> list[QueueItem]:
    repository_ids = await visible_repository_ids(request, viewer)
    async with request.app[POOL].acquire() as conn:
        drafts = await db_console.drafts_for_review(
            conn, QUEUE_PAGE, with_ai_drafts=sees_unreviewed_ai_drafts(viewer)
        )
        proposals = await db_console.open_proposals(conn, QUEUE_PAGE)
        # A proposal on an AI draft the viewer may not see is left out with its draft.
        spells = await db_spells.get_spells(
            conn,
            [p["spell_id"] for p in proposals],
            with_unreviewed_ai_drafts=sees_unreviewed_ai_drafts(viewer),
        )
        sources = await db_console.source_errors(
            conn, [d["fingerprint"] for d in drafts if d["fingerprint"]], repository_ids
        )
        recent = await db_console.recent_failure_samples(
            conn, days=RECENT_DAYS, limit=RECENT_FINGERPRINTS, repository_ids=repository_ids
        )
    items = [_draft_item(row, sources) for row in drafts]
    items += [
        _proposal_item(row, spells[row["spell_id"]])
        for row in proposals
        if row["spell_id"] in spells
    ]
    items.sort(key=lambda item: item.created_at)
    items = items[:QUEUE_PAGE]
    for item in items:
        item.recent = await asyncio.to_thread(_recent_for, item, recent)
        if item.kind == "draft":
            item.closest = await _closest(request, item)
    return items


def _spell_dict(row: Any) -> dict[str, Any]:
    return SpellOut(**{name: row[name] for name in SpellOut.model_fields}).model_dump()


def _draft_item(row: Any, sources: dict[str, Any]) -> QueueItem:
    spell = _spell_dict(row)
    source = sources.get(row["fingerprint"]) if row["fingerprint"] else None
    provenance = None
    if row["provider"] is not None:
        provenance = {
            "provider": row["provider"],
            "model": row["model"],
            "cost_usd": row["cost_usd"],
            "tokens_in": row["tokens_in"],
            "tokens_out": row["tokens_out"],
        }
    return QueueItem(
        kind="draft",
        created_at=row["created_at"],
        spell=spell,
        author=row["author"] or (f"{row['provider']} {row['model']}" if provenance else None),
        source=dict(source) if source is not None else None,
        provenance=provenance,
    )


def _proposal_item(row: Any, spell_row: Any) -> QueueItem:
    spell = _spell_dict(spell_row)
    changes = dict(row["changes"])
    return QueueItem(
        kind="proposal",
        created_at=row["created_at"],
        spell=spell,
        author=row["author"],
        proposal={**dict(row), "stale": spell["revision"] != row["base_revision"]},
        diffs=field_diffs(spell, {**spell, **changes}),
    )


def _recent_for(item: QueueItem, recent: list[Any]) -> dict[str, Any] | None:
    pattern = item.spell["error_pattern"]
    if item.proposal is not None:
        pattern = item.proposal["changes"].get("error_pattern", pattern)
    if pattern_problem(pattern) is not None:
        return None
    return recent_matches(compile_pattern(pattern), recent)


async def _closest(request: web.Request, item: QueueItem) -> dict[str, Any] | None:
    """The approved spell Grimoire would offer today for the draft's error, if any: what
    the draft would sit beside (or duplicate)."""
    text = (item.source or {}).get("sample") or "\n".join(item.spell["examples"])
    if not text.strip():
        return None
    diagnosis = await request.app[MATCHER].diagnose(text, limit=3, approved_only=True)
    for match in diagnosis.ranked:
        if match.spell_id != item.spell["id"]:
            async with request.app[POOL].acquire() as conn:
                row = await db_spells.get_spell(conn, match.spell_id)
            if row is not None:
                return {**_spell_dict(row), "score": round(match.score, 2)}
    return None


@routes.get(REVIEW_PATH)
@console_page()
async def review_queue(request: web.Request, viewer: Viewer) -> web.Response:
    items = await _queue(request, viewer)
    return render(
        request,
        "review.html",
        viewer,
        items=items,
        side_by_side=SIDE_BY_SIDE,
        can_review=viewer.user.role.at_least(Role.CURATOR),
    )


@routes.post(REVIEW_PATH + "/spells/{spell_id}/approve")
@console_page(Access.CURATOR)
async def approve_draft(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    form = await form_of(request)
    await call_operation(
        api_review.approve_spell,
        request,
        viewer,
        params=request.match_info,
        body=_reason(form),
    )
    raise redirect(f"{REVIEW_PATH}?notice={Notice.APPROVED}")


@routes.post(REVIEW_PATH + "/spells/{spell_id}/reject")
@console_page(Access.CURATOR)
async def reject_draft(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    form = await form_of(request)
    await call_operation(
        api_review.reject_spell,
        request,
        viewer,
        params=request.match_info,
        body={"reason": form.get("reason", "")},
    )
    raise redirect(f"{REVIEW_PATH}?notice={Notice.REJECTED}")


@routes.post(REVIEW_PATH + "/proposals/{proposal_id}/approve")
@console_page(Access.CURATOR)
async def approve_proposal(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    form = await form_of(request)
    await call_operation(
        api_review.approve_proposal,
        request,
        viewer,
        params=request.match_info,
        body=_reason(form),
    )
    raise redirect(f"{REVIEW_PATH}?notice={Notice.APPROVED}")


async def _open_proposal(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """The open proposal named in the path and its spell as the proposal would leave it."""
    params = validate(api_review.ProposalParams, dict(request.match_info), "path")
    assert isinstance(params, api_review.ProposalParams)
    async with request.app[POOL].acquire() as conn:
        proposal = await db_proposals.get_proposal(conn, params.proposal_id)
        spell = await db_spells.get_spell(conn, proposal["spell_id"]) if proposal else None
    if proposal is None or spell is None:
        raise ApiError(404, f"Proposal with id {params.proposal_id} not found")
    if proposal["status"] != ProposalStatus.OPEN:
        raise ApiError(409, f"Proposal {params.proposal_id} is already {proposal['status']}")
    proposal = dict(proposal)
    return proposal, {**_spell_dict(spell), **dict(proposal["changes"])}


@routes.get(REVIEW_PATH + "/proposals/{proposal_id}/edit")
@console_page(Access.CURATOR)
async def edit_proposal(request: web.Request, viewer: Viewer) -> web.Response:
    """The editor, prefilled with the spell as the proposal would leave it: what the
    curator saves there is applied and approved at once."""
    proposal, spell = await _open_proposal(request)
    return editor_page(request, viewer, spell, proposal=proposal)


@routes.post(REVIEW_PATH + "/proposals/{proposal_id}/approve-edited")
@console_page(Access.CURATOR)
async def approve_edited_proposal(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    proposal, spell = await _open_proposal(request)
    form = await form_of(request)
    body = spell_body(form)
    try:
        spell_id = await approve_proposal_edited(
            request,
            viewer.user,
            proposal["id"],
            body,
            seen_revision=seen_revision(form),
            reason=form.get("reason", "").strip() or None,
        )
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        return editor_page(
            request,
            viewer,
            {**spell, **body},
            problems=problem_text(error),
            status=error.status,
            reason=form.get("reason", ""),
            proposal=proposal,
        )
    raise redirect(f"/console/spells/{spell_id}?notice={Notice.APPROVED}")


@routes.post(REVIEW_PATH + "/proposals/{proposal_id}/reject")
@console_page(Access.CURATOR)
async def reject_proposal(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    form = await form_of(request)
    await call_operation(
        api_review.reject_proposal,
        request,
        viewer,
        params=request.match_info,
        body={"reason": form.get("reason", "")},
    )
    raise redirect(f"{REVIEW_PATH}?notice={Notice.REJECTED}")


def _reason(form: dict[str, str]) -> dict[str, str]:
    reason = form.get("reason", "").strip()
    return {"reason": reason} if reason else {}
