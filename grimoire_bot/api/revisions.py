"""A spell's history: every change as a revision (who, when, which fields, why), and
restoring the content of an earlier one, even after the spell was deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, operation
from grimoire_bot.api.review import Note
from grimoire_bot.api.spells import by, reviews, save, spell_not_found
from grimoire_bot.db import revisions as db_revisions
from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.revisions import Change, Source
from grimoire_bot.spellbook.models import SpellOut
from grimoire_bot.state import POOL
from grimoire_bot.validation import Id, Offset, RevisionNumber

DEFAULT_PAGE = 100
MAX_PAGE = 500
# A restore brings back what a spell said; where it stands in review is not part of it.
NOT_RESTORED = frozenset({"status"})

routes = web.RouteTableDef()


class FieldChange(BaseModel):
    before: Any
    after: Any


class RevisionOut(BaseModel):
    revision: int
    change: Change
    source: Source = Field(
        description="`api` (then `actor_id` is the account), `import`, `seed`, `llm`, "
        "`migration`, or `sql` for a change made outside the service."
    )
    actor_id: int | None
    proposal_id: int | None = Field(description="The proposal this revision applied.")
    reason: str | None
    changes: dict[str, FieldChange] = Field(description="Each field changed: before and after.")
    content: dict[str, Any] = Field(
        description="The whole spell after this revision (before it, for a delete)."
    )
    created_at: datetime


class RevisionParams(BaseModel):
    spell_id: Id
    revision: RevisionNumber


class HistoryParams(BaseModel):
    spell_id: Id


class Page(BaseModel):
    skip: Offset = 0
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)


def revision_out(row: Any) -> RevisionOut:
    return RevisionOut(**{**dict(row), "content": row["snapshot"]})


@operation(
    routes,
    "GET",
    "/api/spells/{spell_id}/revisions",
    summary="A spell's history, newest first",
    description="Also for a deleted spell. The total is in `X-Total-Count`. An AI draft "
    "that no curator approved yet has a history only for curators and admins.",
    tag="review",
    params=HistoryParams,
    query=Page,
    response=list[RevisionOut],
    access=Access.USER,
    errors=(401, 404, 422),
)
async def list_revisions(
    request: web.Request, params: HistoryParams, query: Page, user: UserOut
) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        rows, total = await db_revisions.list_revisions(
            conn, params.spell_id, skip=query.skip, limit=query.limit
        )
        # A deleted draft is judged by what it was when it was deleted.
        hidden = not reviews(user) and await db_revisions.is_unreviewed_ai_draft(
            conn, params.spell_id
        )
    if total == 0 or hidden:
        raise spell_not_found(params.spell_id)
    body = [revision_out(row).model_dump(mode="json") for row in rows]
    return web.json_response(body, headers={"X-Total-Count": str(total)})


@operation(
    routes,
    "POST",
    "/api/spells/{spell_id}/revisions/{revision}/restore",
    summary="Restore what a spell said at a revision",
    description="Every field but `status` is set back to its value after that revision "
    "(before it, for a delete); the spell keeps its current status, or a deleted spell is "
    "recreated, under its old id, with the status it had. The restore is a revision too.",
    tag="review",
    params=RevisionParams,
    body=Note,
    body_optional=True,
    response=SpellOut,
    access=Access.CURATOR,
    errors=(401, 403, 404, 409, 422),
)
async def restore_revision(
    request: web.Request, params: RevisionParams, body: Note, user: UserOut
) -> SpellOut:
    reason = body.reason or f"restored revision {params.revision}"
    attribution = by(user, Change.RESTORE, reason)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        wanted = await db_revisions.get_revision(conn, params.spell_id, params.revision)
        if wanted is None:
            raise ApiError(404, f"Spell {params.spell_id} has no revision {params.revision}")
        content = {
            name: wanted["snapshot"][name]
            for name in db_spells.WRITABLE_FIELDS
            if name in wanted["snapshot"] and name not in NOT_RESTORED
        }
        current = await db_spells.lock_spell(conn, params.spell_id)
        if current is not None:
            write = db_spells.update_spell(conn, params.spell_id, content, attribution)
        else:
            # Its last revision is the delete, which holds the spell as it was.
            last = await db_revisions.latest_revision(conn, params.spell_id)
            created = await db_revisions.get_revision(conn, params.spell_id, 1)
            content["status"] = last["snapshot"]["status"]
            write = db_spells.recreate_spell(
                conn, params.spell_id, content, created and created["actor_id"], attribution
            )
        row = await save(write, content)
    return SpellOut(**dict(row))
