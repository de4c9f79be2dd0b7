"""The spell editor: every field, checked as it is typed (see `check.py`), saved through the
API's own operations (a contributor's change becomes a proposal), with the spell's history
as diffs and a restore button per revision. Also the spellbook's list to pick a spell from."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from aiohttp import web

from grimoire_bot.api import review as api_review
from grimoire_bot.api import revisions as api_revisions
from grimoire_bot.api import spells as api_spells
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, validate
from grimoire_bot.auth.roles import Role
from grimoire_bot.console.actions import call_operation
from grimoire_bot.console.approve import approve_draft_edited
from grimoire_bot.console.diffs import revision_diffs
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
from grimoire_bot.db import revisions as db_revisions
from grimoire_bot.db import spells as db_spells
from grimoire_bot.matching import Ecosystem
from grimoire_bot.spellbook.models import SpellContent, SpellOut
from grimoire_bot.state import POOL

SPELLS_PATH = "/console/spells"
PROPOSALS_PATH = "/console/review/proposals"
SHOWN_REVISIONS = 50
LIST_PAGE = 50
# Form fields that are plain text; `examples` is one per line, the rest are choices.
TEXT_FIELDS = (
    "title",
    "key",
    "description",
    "error_type",
    "error_pattern",
    "solution_code",
    "tags",
)
# Empty means "none" for these (the API takes null).
NULLABLE_FIELDS = ("key", "error_type", "ecosystem")
CONTENT_FIELDS = tuple(SpellContent.model_fields)
# Characters RE2 treats as syntax, escaped when a failure's message prefills a pattern.
RE2_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}])")

routes = web.RouteTableDef()


def spell_body(form: dict[str, str]) -> dict[str, Any]:
    """The spell a submitted editor form describes, as the API's JSON body."""
    body: dict[str, Any] = {name: form.get(name, "") for name in TEXT_FIELDS}
    body["ecosystem"] = form.get("ecosystem", "")
    body["scope"] = form.get("scope", "log") or "log"
    body["examples"] = [
        line.rstrip("\r") for line in form.get("examples", "").split("\n") if line.strip()
    ]
    for name in NULLABLE_FIELDS:
        if not str(body[name]).strip():
            body[name] = None
    return body


def seen_revision(form: dict[str, str]) -> int | None:
    """The spell's revision the editor showed (None from a form without one)."""
    value = form.get("revision", "")
    return int(value) if value.isdecimal() and len(value) < 10 else None


def _blank_spell() -> dict[str, Any]:
    return {
        "id": None,
        "key": None,
        "title": "",
        "description": "",
        "error_type": None,
        "error_pattern": "",
        "solution_code": "",
        "tags": "",
        "ecosystem": None,
        "scope": "log",
        "status": "draft",
        "examples": [],
        "auto_generated": False,
        "confidence": None,
        "revision": 0,
    }


def pattern_for_message(message: str) -> str:
    """A starting pattern for an error message: its text with RE2's syntax escaped."""
    return RE2_SPECIAL.sub(r"\\\1", message.strip())[:500]


async def _revisions(request: web.Request, spell_id: int) -> list[dict[str, Any]]:
    async with request.app[POOL].acquire() as conn:
        rows, _ = await db_revisions.list_revisions(conn, spell_id, limit=SHOWN_REVISIONS)
    return [{**dict(row), "diffs": revision_diffs(row["changes"])} for row in rows]


def editor_page(
    request: web.Request,
    viewer: Viewer,
    spell: dict[str, Any],
    *,
    revisions: list[dict[str, Any]] | None = None,
    problems: list[str] | None = None,
    status: int = 200,
    source: dict[str, Any] | None = None,
    reason: str = "",
    proposal: dict[str, Any] | None = None,
) -> web.Response:
    """The editor for `spell`; with `proposal`, for a curator to edit the spell as the
    proposal would leave it and approve the result (its only action)."""
    if proposal is not None:
        action = f"{PROPOSALS_PATH}/{proposal['id']}/approve-edited"
    elif spell.get("id"):
        action = f"{SPELLS_PATH}/{spell['id']}"
    else:
        action = f"{SPELLS_PATH}/new"
    return render(
        request,
        "editor.html",
        viewer,
        status=status,
        spell=spell,
        examples_text="\n".join(spell.get("examples") or []),
        revisions=revisions or [],
        problems=problems or [],
        can_edit=viewer.user.role.at_least(Role.CURATOR),
        ecosystems=[e.value for e in Ecosystem],
        source=source,
        reason=reason,
        proposal=proposal,
        form_action=action,
    )


@routes.get(SPELLS_PATH)
@console_page()
async def spell_list(request: web.Request, viewer: Viewer) -> web.Response:
    query = validate(
        api_spells.SpellQuery,
        {k: v for k, v in request.query.items() if k in ("q", "status") and v},
        "query",
    )
    assert isinstance(query, api_spells.SpellQuery)
    filters = query.to_filter()
    if not sees_unreviewed_ai_drafts(viewer):
        filters = replace(filters, with_unreviewed_ai_drafts=False)
    async with request.app[POOL].acquire() as conn:
        rows = await db_spells.list_spells(conn, filters, skip=0, limit=LIST_PAGE)
        total = await db_spells.count_spells(conn, filters)
    return render(
        request,
        "spells.html",
        viewer,
        spells=rows,
        total=total,
        q=query.q or "",
        status_filter=query.status or "",
    )


@routes.get(SPELLS_PATH + "/new")
@console_page()
async def new_spell(request: web.Request, viewer: Viewer) -> web.Response:
    spell = _blank_spell()
    source = None
    fingerprint = request.query.get("fingerprint")
    if fingerprint:
        source = await _failure(request, viewer, fingerprint)
        if source is not None:
            spell.update(
                title=source["message"][:120],
                error_type=source["error_type"],
                ecosystem=source["ecosystem"]
                if source["ecosystem"] in {e.value for e in Ecosystem}
                else None,
                error_pattern=pattern_for_message(source["message"]),
                examples=[source["message"]],
            )
    return editor_page(request, viewer, spell, source=source)


async def _failure(request: web.Request, viewer: Viewer, fingerprint: str) -> dict | None:
    """An unmatched failure the viewer may see, for prefilling."""
    repository_ids = await visible_repository_ids(request, viewer)
    async with request.app[POOL].acquire() as conn:
        row = await db_console.unmatched_failure(conn, fingerprint[:500], repository_ids)
    return dict(row) if row is not None else None


@routes.post(SPELLS_PATH + "/new")
@console_page()
async def create_spell(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    form = await form_of(request)
    body = spell_body(form)
    if viewer.user.role.at_least(Role.CURATOR):
        body["status"] = "approved" if form.get("action") == "save_approve" else "draft"
    try:
        created = await call_operation(api_spells.create_spell, request, viewer, body=body)
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        spell = {**_blank_spell(), **body}
        return editor_page(
            request, viewer, spell, problems=problem_text(error), status=error.status
        )
    raise redirect(f"{SPELLS_PATH}/{created.id}?notice={Notice.CREATED}")


async def _load(request: web.Request, viewer: Viewer) -> dict[str, Any]:
    """The spell in the path, as the viewer may see it. Read here, not through the API's
    `get_spell`, which knows its caller by a bearer token and the console has a session;
    its rule is applied the same: an unreviewed AI draft is only for curators and admins."""
    params = validate(api_spells.SpellParams, dict(request.match_info), "path")
    assert isinstance(params, api_spells.SpellParams)
    async with request.app[POOL].acquire() as conn:
        row = await db_spells.get_spell(
            conn, params.spell_id, with_unreviewed_ai_drafts=sees_unreviewed_ai_drafts(viewer)
        )
    if row is None:
        raise api_spells.spell_not_found(params.spell_id)
    return SpellOut(**{name: row[name] for name in SpellOut.model_fields}).model_dump()


@routes.get(SPELLS_PATH + "/{spell_id}")
@console_page()
async def edit_spell(request: web.Request, viewer: Viewer) -> web.Response:
    spell = await _load(request, viewer)
    return editor_page(request, viewer, spell, revisions=await _revisions(request, spell["id"]))


@routes.post(SPELLS_PATH + "/{spell_id}")
@console_page()
async def save_spell(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    spell = await _load(request, viewer)
    form = await form_of(request)
    body = spell_body(form)
    params = {"spell_id": spell["id"]}
    try:
        if not viewer.user.role.at_least(Role.CURATOR):
            changes = {name: body[name] for name in CONTENT_FIELDS if name in body}
            reason = form.get("reason", "").strip() or None
            await call_operation(
                api_review.propose_change,
                request,
                viewer,
                params=params,
                body={"changes": changes, "reason": reason},
            )
            notice = Notice.PROPOSED
        elif form.get("action") == "save_approve" and spell["status"] != "approved":
            await approve_draft_edited(
                request,
                viewer.user,
                spell["id"],
                body,
                seen_revision=seen_revision(form),
                reason=form.get("reason", "").strip() or None,
            )
            notice = Notice.APPROVED
        else:
            await call_operation(api_spells.edit_spell, request, viewer, params=params, body=body)
            notice = Notice.SAVED
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        return editor_page(
            request,
            viewer,
            {**spell, **body},
            revisions=await _revisions(request, spell["id"]),
            problems=problem_text(error),
            status=error.status,
            reason=form.get("reason", ""),
        )
    raise redirect(f"{SPELLS_PATH}/{spell['id']}?notice={notice}")


@routes.post(SPELLS_PATH + "/{spell_id}/revisions/{revision}/restore")
@console_page(Access.CURATOR)
async def restore_revision(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    restored = await call_operation(
        api_revisions.restore_revision, request, viewer, params=request.match_info, body={}
    )
    raise redirect(f"{SPELLS_PATH}/{restored.id}?notice={Notice.RESTORED}")
