"""Edit, then approve: a curator corrects what a draft or a proposal says and approves the
result in one step, recorded as one revision that says so. Nothing is live before the
edits are: approving first and editing after would post the unedited spell in between.

The checks are the JSON API's own (a valid whole spell, a pattern not too broad, a stale
proposal refused), applied to the edited values."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from grimoire_bot.api import review as api_review
from grimoire_bot.api import spells as api_spells
from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import validate
from grimoire_bot.db import proposals as db_proposals
from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.proposals import ProposalStatus
from grimoire_bot.db.revisions import Attribution, Change, Source
from grimoire_bot.spellbook.models import SpellFields
from grimoire_bot.state import POOL

EDITED = "approved with the curator's edits"


def edited_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The editor's fields as a PATCH would set them (422 if any is malformed). Status is
    not the form's to set: approving sets it."""
    model = validate(SpellFields, {k: v for k, v in body.items() if k != "status"}, "body")
    fields = model.model_dump(mode="json", exclude_unset=True)
    if fields.get("key") is None:
        fields.pop("key", None)  # empty key: keep the current one, as the API's PATCH does
    return fields


def _note(what: str, reason: str | None) -> str:
    return f"{what} {EDITED}: {reason}" if reason else f"{what} {EDITED}"


def _refuse_moved(current: Any, seen_revision: int | None) -> None:
    """409 when the spell changed after the editor was opened: approving would publish
    values the curator never saw."""
    if seen_revision is not None and current["revision"] != seen_revision:
        raise ApiError(
            409,
            f"Spell {current['id']} changed since you opened the editor (revision "
            f"{seen_revision}, now {current['revision']}). Reload it and edit again.",
        )


async def _checked(current: Any, fields: dict[str, Any]) -> None:
    api_spells.validate_merged(current, fields)
    pattern = fields.get("error_pattern", current["error_pattern"])
    if pattern != current["error_pattern"]:
        await api_spells.refuse_broad_pattern(pattern, own_key=current["key"])


async def approve_draft_edited(
    request: web.Request,
    user: UserOut,
    spell_id: int,
    body: dict[str, Any],
    *,
    seen_revision: int | None,
    reason: str | None,
) -> int:
    """Apply the edited values to a draft and approve it: one revision. Its id."""
    fields = edited_fields(body)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await db_spells.lock_spell(conn, spell_id)
        if current is None:
            raise api_spells.spell_not_found(spell_id)
        if current["status"] == "approved":
            raise ApiError(409, f"Spell {spell_id} is already approved")
        _refuse_moved(current, seen_revision)
        await _checked(current, fields)
        attribution = Attribution(
            source=Source.API,
            change=Change.APPROVE,
            actor_id=user.id,
            reason=_note("Draft", reason),
        )
        row = await api_spells.save(
            db_spells.update_spell(conn, spell_id, {**fields, "status": "approved"}, attribution),
            fields,
        )
    return int(row["id"])


async def approve_proposal_edited(
    request: web.Request,
    user: UserOut,
    proposal_id: int,
    body: dict[str, Any],
    *,
    seen_revision: int | None,
    reason: str | None,
) -> int:
    """Apply the proposal as the curator edited it and approve the proposal: one revision,
    linked to the proposal. The spell's id."""
    fields = edited_fields(body)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        proposal = await api_review._open_proposal(conn, proposal_id)
        current = await db_spells.lock_spell(conn, proposal["spell_id"])
        if current is None:
            raise api_spells.spell_not_found(proposal["spell_id"])
        await api_review._refuse_stale(conn, proposal, current)
        _refuse_moved(current, seen_revision)
        await _checked(current, fields)
        attribution = Attribution(
            source=Source.API,
            change=Change.PROPOSAL,
            actor_id=user.id,
            reason=_note(f"Proposal #{proposal_id}", reason or proposal["reason"]),
            proposal_id=proposal_id,
        )
        row = await api_spells.save(
            db_spells.update_spell(conn, proposal["spell_id"], fields, attribution), fields
        )
        await db_proposals.decide_proposal(
            conn,
            proposal_id,
            status=ProposalStatus.APPROVED,
            decided_by=user.id,
            reason=_note("Proposal", reason),
            applied_revision=row["revision"],
        )
    return int(row["id"])
