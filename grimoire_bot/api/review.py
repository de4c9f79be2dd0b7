"""Review: curators approve or reject drafts (people's and LLM-drafted alike) and the
changes people propose to spells.

A proposal records the spell's revision it was written on. Approving it once the spell
has moved on is refused (409) only when a later revision changed one of the fields the
proposal changes; otherwise it applies on top of the current spell, like a clean merge.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.errors import ApiError, field_error, unprocessable
from grimoire_bot.api.operations import Access, operation
from grimoire_bot.api.spells import (
    SpellParams,
    by,
    merged_problems,
    refuse_broad_pattern,
    reviews,
    save,
    spell_not_found,
    validate_merged,
)
from grimoire_bot.db import proposals as db_proposals
from grimoire_bot.db import revisions as db_revisions
from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.proposals import ProposalStatus
from grimoire_bot.db.revisions import Attribution, Change, Source
from grimoire_bot.spellbook.models import SpellChanges, SpellOut
from grimoire_bot.state import POOL
from grimoire_bot.validation import Id, Offset, RequiredText, Text

DEFAULT_PAGE = 100
MAX_PAGE = 500
MAX_REASON = 2000

routes = web.RouteTableDef()

Reason = Annotated[Text, Field(max_length=MAX_REASON)]
RequiredReason = Annotated[RequiredText, Field(max_length=MAX_REASON)]


class Note(BaseModel):
    """An optional reason, kept on the revision."""

    reason: Reason | None = None


class Rejection(BaseModel):
    reason: RequiredReason = Field(description="Why: kept on the revision, shown to the author.")


class ProposalIn(BaseModel):
    changes: SpellChanges = Field(description="The fields to change, as a PATCH would send them.")
    reason: Reason | None = Field(None, description="Why the spell should change.")


class ProposalOut(BaseModel):
    id: int
    spell_id: int
    base_revision: int = Field(description="The spell's revision the proposal was written on.")
    current_revision: int = Field(description="The spell's revision now.")
    changes: dict[str, Any]
    reason: str | None
    status: ProposalStatus
    proposed_by: int | None
    created_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str | None
    applied_revision: int | None = Field(description="The spell's revision that applied it.")


class ProposalParams(BaseModel):
    proposal_id: Id


class ProposalQuery(BaseModel):
    status: ProposalStatus | None = Field(None, description="e.g. `open`: the review queue.")
    skip: Offset = 0
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)


def _proposal_not_found(proposal_id: int) -> ApiError:
    return ApiError(404, f"Proposal with id {proposal_id} not found")


def _page(rows: list[Any], total: int) -> web.Response:
    body = [ProposalOut(**dict(row)).model_dump(mode="json") for row in rows]
    return web.json_response(body, headers={"X-Total-Count": str(total)})


async def _set_status(
    request: web.Request,
    spell_id: int,
    user: UserOut,
    change: Change,
    status: str,
    reason: str | None,
) -> SpellOut:
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await db_spells.lock_spell(conn, spell_id)
        if current is None:
            raise spell_not_found(spell_id)
        if current["status"] == status:
            raise ApiError(409, f"Spell {spell_id} is already {status}")
        row = await db_spells.update_spell(
            conn, spell_id, {"status": status}, by(user, change, reason)
        )
    return SpellOut(**dict(row))


@operation(
    routes,
    "POST",
    "/api/spells/{spell_id}/approve",
    summary="Approve a spell: from now on it may be posted on pull requests",
    description="For drafts (people's and LLM-drafted) and rejected spells. "
    "The optional reason is kept on the revision.",
    tag="review",
    params=SpellParams,
    body=Note,
    body_optional=True,
    response=SpellOut,
    access=Access.CURATOR,
    errors=(401, 403, 404, 409, 422),
)
async def approve_spell(
    request: web.Request, params: SpellParams, body: Note, user: UserOut
) -> SpellOut:
    return await _set_status(
        request, params.spell_id, user, Change.APPROVE, "approved", body.reason
    )


@operation(
    routes,
    "POST",
    "/api/spells/{spell_id}/reject",
    summary="Reject a spell: it is never posted or matched",
    description="For drafts, or to withdraw an approved spell. A reason is required.",
    tag="review",
    params=SpellParams,
    body=Rejection,
    response=SpellOut,
    access=Access.CURATOR,
    errors=(401, 403, 404, 409, 422),
)
async def reject_spell(
    request: web.Request, params: SpellParams, body: Rejection, user: UserOut
) -> SpellOut:
    return await _set_status(request, params.spell_id, user, Change.REJECT, "rejected", body.reason)


def _effective_changes(current: Any, body: ProposalIn) -> dict[str, Any]:
    """The fields the proposal really changes: sent, and different from the spell's."""
    sent = body.changes.model_dump(mode="json", exclude_unset=True)
    if sent.get("key", "") is None:
        sent.pop("key")  # null key: keep the current one, as in a PATCH
    changes = {name: value for name, value in sent.items() if current[name] != value}
    if not changes:
        message = "the spell already says this" if sent else "name at least one field to change"
        raise unprocessable([field_error(("body", "changes"), message, "no_change")])
    return changes


@operation(
    routes,
    "POST",
    "/api/spells/{spell_id}/proposals",
    summary="Propose a change to a spell, for a curator to review",
    description="Any signed-in account. The changed spell must be valid as a whole, and a "
    "new pattern must not be too broad (422).",
    tag="review",
    params=SpellParams,
    body=ProposalIn,
    response=ProposalOut,
    status=201,
    access=Access.USER,
    errors=(401, 404, 422),
)
async def propose_change(
    request: web.Request, params: SpellParams, body: ProposalIn, user: UserOut
) -> ProposalOut:
    async with request.app[POOL].acquire() as conn:
        current = await db_spells.get_spell(
            conn, params.spell_id, with_unreviewed_ai_drafts=reviews(user)
        )
        if current is None:
            raise spell_not_found(params.spell_id)
        changes = _effective_changes(current, body)
        validate_merged(current, changes)
        if "error_pattern" in changes:
            await refuse_broad_pattern(
                changes["error_pattern"], own_key=current["key"], location=("body", "changes")
            )
        row = await db_proposals.create_proposal(
            conn,
            spell_id=params.spell_id,
            base_revision=current["revision"],
            changes=changes,
            reason=body.reason,
            proposed_by=user.id,
        )
    return ProposalOut(**dict(row))


@operation(
    routes,
    "GET",
    "/api/spells/{spell_id}/proposals",
    summary="The changes proposed to a spell",
    description="Oldest first; `status` filters; the total is in `X-Total-Count`.",
    tag="review",
    params=SpellParams,
    query=ProposalQuery,
    response=list[ProposalOut],
    access=Access.USER,
    errors=(401, 404, 422),
)
async def list_spell_proposals(
    request: web.Request, params: SpellParams, query: ProposalQuery, user: UserOut
) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        spell = await db_spells.get_spell(
            conn, params.spell_id, with_unreviewed_ai_drafts=reviews(user)
        )
        if spell is None:
            raise spell_not_found(params.spell_id)
        rows, total = await db_proposals.list_proposals(
            conn,
            spell_id=params.spell_id,
            status=query.status,
            skip=query.skip,
            limit=query.limit,
        )
    return _page(rows, total)


@operation(
    routes,
    "GET",
    "/api/proposals",
    summary="Proposals across the spellbook: `?status=open` is the review queue",
    tag="review",
    query=ProposalQuery,
    response=list[ProposalOut],
    access=Access.USER,
    errors=(401, 422),
)
async def list_proposals(request: web.Request, query: ProposalQuery, user: UserOut) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        rows, total = await db_proposals.list_proposals(
            conn,
            status=query.status,
            skip=query.skip,
            limit=query.limit,
            with_unreviewed_ai_drafts=reviews(user),
        )
    return _page(rows, total)


@operation(
    routes,
    "GET",
    "/api/proposals/{proposal_id}",
    summary="One proposal",
    tag="review",
    params=ProposalParams,
    response=ProposalOut,
    access=Access.USER,
    errors=(401, 404, 422),
)
async def get_proposal(request: web.Request, params: ProposalParams, user: UserOut) -> ProposalOut:
    async with request.app[POOL].acquire() as conn:
        row = await db_proposals.get_proposal(
            conn, params.proposal_id, with_unreviewed_ai_drafts=reviews(user)
        )
    if row is None:
        raise _proposal_not_found(params.proposal_id)
    return ProposalOut(**dict(row))


async def _open_proposal(conn: Any, proposal_id: int) -> Any:
    """The proposal, locked, if it still waits for a decision."""
    proposal = await db_proposals.get_proposal(conn, proposal_id, for_update=True)
    if proposal is None:
        raise _proposal_not_found(proposal_id)
    if proposal["status"] != ProposalStatus.OPEN:
        raise ApiError(409, f"Proposal {proposal_id} is already {proposal['status']}")
    return proposal


async def _refuse_stale(conn: Any, proposal: Any, current: Any) -> None:
    """409 when a revision after the proposal's base changed a field it changes too."""
    if current["revision"] == proposal["base_revision"]:
        return
    moved = await db_revisions.fields_changed_since(
        conn, proposal["spell_id"], proposal["base_revision"]
    )
    overlap = sorted(moved & set(proposal["changes"]))
    if overlap:
        raise ApiError(
            409,
            f"Spell {proposal['spell_id']} changed since this proposal was written "
            f"(revision {proposal['base_revision']}, now {current['revision']}), in fields "
            f"it changes too: {', '.join(overlap)}. Reject it and propose again on the "
            "current spell.",
        )


@operation(
    routes,
    "POST",
    "/api/proposals/{proposal_id}/approve",
    summary="Approve a proposal: its changes are applied to the spell",
    description="409 when a later revision of the spell changed a field the proposal "
    "changes too (a stale proposal never silently overwrites), or when the result would no "
    "longer be a valid spell.",
    tag="review",
    params=ProposalParams,
    body=Note,
    body_optional=True,
    response=ProposalOut,
    access=Access.CURATOR,
    errors=(401, 403, 404, 409, 422),
)
async def approve_proposal(
    request: web.Request, params: ProposalParams, body: Note, user: UserOut
) -> ProposalOut:
    async with request.app[POOL].acquire() as conn, conn.transaction():
        proposal = await _open_proposal(conn, params.proposal_id)
        current = await db_spells.lock_spell(conn, proposal["spell_id"])
        await _refuse_stale(conn, proposal, current)
        changes = dict(proposal["changes"])
        problems = merged_problems(current, changes)
        if problems:
            raise ApiError(
                409,
                "The proposal no longer applies to the current spell: " + "; ".join(problems),
            )
        attribution = Attribution(
            source=Source.API,
            change=Change.PROPOSAL,
            actor_id=user.id,
            reason=body.reason or proposal["reason"],
            proposal_id=proposal["id"],
        )
        row = await save(
            db_spells.update_spell(conn, proposal["spell_id"], changes, attribution), changes
        )
        decided = await db_proposals.decide_proposal(
            conn,
            proposal["id"],
            status=ProposalStatus.APPROVED,
            decided_by=user.id,
            reason=body.reason,
            applied_revision=row["revision"],
        )
    return ProposalOut(**dict(decided))


@operation(
    routes,
    "POST",
    "/api/proposals/{proposal_id}/reject",
    summary="Reject a proposal; the spell stays as it is",
    tag="review",
    params=ProposalParams,
    body=Rejection,
    response=ProposalOut,
    access=Access.CURATOR,
    errors=(401, 403, 404, 409, 422),
)
async def reject_proposal(
    request: web.Request, params: ProposalParams, body: Rejection, user: UserOut
) -> ProposalOut:
    async with request.app[POOL].acquire() as conn, conn.transaction():
        proposal = await _open_proposal(conn, params.proposal_id)
        decided = await db_proposals.decide_proposal(
            conn,
            proposal["id"],
            status=ProposalStatus.REJECTED,
            decided_by=user.id,
            reason=body.reason,
        )
    return ProposalOut(**dict(decided))
