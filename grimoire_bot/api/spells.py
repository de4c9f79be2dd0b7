"""The spellbook API: list, search, read, create, replace, edit and delete spells.

Anyone signed in may write a spell; a contributor's is stored as a draft, which is never
posted on a pull request until a curator approves it. Changing an existing spell directly
is for curators and admins; contributors propose changes (see `api/review.py`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from dataclasses import replace
from typing import Annotated, Any

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.errors import ApiError, field_error, unprocessable
from grimoire_bot.api.operations import Access, operation, optional_user, validate
from grimoire_bot.auth.roles import Role
from grimoire_bot.db import advice as db_advice
from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.revisions import Attribution, Change, Source
from grimoire_bot.matching.breadth import person_breadth_problem
from grimoire_bot.matching.ecosystems import Ecosystem
from grimoire_bot.spellbook.models import (
    Scope,
    SpellDetail,
    SpellFields,
    SpellIn,
    SpellOut,
    SpellStats,
    Status,
)
from grimoire_bot.spellbook.samples import breadth_against_samples
from grimoire_bot.state import POOL
from grimoire_bot.validation import Id, Offset, Text

DEFAULT_PAGE = 100
MAX_PAGE = 500
# PostgreSQL's detail of a unique violation on spells.key.
DUPLICATE_KEY = re.compile(r"\(key\)=\((?P<key>.*)\) already exists")
PROPOSE_INSTEAD = (
    "Contributors cannot change a spell directly; propose the change with "
    "POST /api/spells/{spell_id}/proposals and a curator will review it"
)
# Fields a PUT leaves as they are unless it names them: they say where a spell stands in
# review and where it came from, not what it says.
KEPT_UNLESS_SENT = ("status", "auto_generated", "confidence")

routes = web.RouteTableDef()


class SpellParams(BaseModel):
    spell_id: Id


class SpellQuery(BaseModel):
    skip: Offset = 0
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    q: Annotated[Text, Field(max_length=500)] | None = Field(
        None, description="Full-text search over title, description, error type and tags."
    )
    tags: Annotated[Text, Field(max_length=1000)] | None = Field(
        None, description="Comma-separated; a spell must carry every tag listed."
    )
    error_type: Text | None = None
    status: Status | None = None
    scope: Scope | None = None
    ecosystem: Ecosystem | None = None
    auto_generated: bool | None = Field(
        None, description="`true`: only spells an LLM drafted; `false`: only people's."
    )

    def to_filter(self) -> db_spells.SpellFilter:
        tags = tuple(t.strip() for t in (self.tags or "").split(",") if t.strip())
        return db_spells.SpellFilter(
            q=self.q,
            tags=tags,
            error_type=self.error_type,
            status=self.status,
            scope=self.scope,
            ecosystem=self.ecosystem,
            auto_generated=self.auto_generated,
        )


def reviews(user: UserOut | None) -> bool:
    """Whether the caller sees AI drafts nobody approved yet: they are written from a
    failure's log, possibly a private repository's, so only curators and admins do."""
    return user is not None and Role(user.role).at_least(Role.CURATOR)


async def is_reviewer(request: web.Request) -> bool:
    # Resolved before any connection is taken: resolving takes one of its own, and a
    # handler holding one while it waits could starve the pool.
    return reviews(await optional_user(request))


def spell_not_found(spell_id: int) -> ApiError:
    return ApiError(404, f"Spell with id {spell_id} not found")


def by(user: UserOut, change: Change | None = None, reason: str | None = None) -> Attribution:
    """A change made through the API by `user`."""
    return Attribution(source=Source.API, change=change, actor_id=user.id, reason=reason)


def _writable(model: BaseModel, *, only_sent: bool) -> dict[str, Any]:
    fields = model.model_dump(mode="json", exclude_unset=only_sent)
    if fields.get("key") is None:
        # No key means "keep the current one" (or, on create, let the database assign one).
        fields.pop("key", None)
    return fields


async def save(write: Awaitable[Any], fields: dict[str, Any]) -> Any:
    """Run an insert or update; another spell with the same key is a conflict (409).

    Like a registered email, a taken key is a fact about the stored data, not a malformed
    field. The key is named from PostgreSQL's report, so a default `spell.<id>` that
    someone already chose by hand is named too.
    """
    try:
        return await write
    except asyncpg.UniqueViolationError as exc:
        found = DUPLICATE_KEY.search(exc.detail or "")
        key = found["key"] if found else fields.get("key")
        raise ApiError(409, f"Another spell already has the key '{key}'") from None


async def refuse_broad_pattern(
    pattern: str, own_key: str | None, location: tuple[str, ...] = ("body",)
) -> None:
    """A pattern a person writes that matches ordinary log lines or many other spells'
    examples would put this spell on unrelated failures: 422, saying what it matched."""
    breadth = await asyncio.to_thread(breadth_against_samples, pattern, own_key=own_key)
    problem = person_breadth_problem(breadth)
    if problem is not None:
        raise unprocessable([field_error((*location, "error_pattern"), problem, "too_broad")])


def _merged_content(current: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The spell after `changes`, as a whole spell to validate (e.g. examples against a new
    pattern). Its review status is not the writer's to check here."""
    merged = {**SpellOut(**dict(current)).model_dump(mode="json"), **changes}
    return {k: v for k, v in merged.items() if k in SpellIn.model_fields and k != "status"}


def merged_problems(current: Any, changes: dict[str, Any]) -> list[str]:
    """What would be wrong with the spell after `changes`, as messages."""
    try:
        SpellIn.model_validate(_merged_content(current, changes))
    except ValidationError as exc:
        return [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False)
        ]
    return []


def validate_merged(current: Any, changes: dict[str, Any], location: str = "body") -> None:
    """422 unless the spell after `changes` is still a valid whole spell."""
    validate(SpellIn, _merged_content(current, changes), location)


def _contributor_refusal(body: SpellIn) -> str | None:
    """Why a contributor may not create this spell as sent, if they may not."""
    if "status" in body.model_fields_set and body.status != "draft":
        return (
            "A contributor's spell is stored as a draft until a curator approves it; "
            'leave out `status` or send "draft"'
        )
    if body.auto_generated:
        return "Only LLM-drafted spells are auto_generated; a person's spell is not"
    return None


@operation(
    routes,
    "GET",
    "/api/spells",
    summary="List and search spells",
    description="Paginated with `skip`/`limit`; the total is in the `X-Total-Count` header. "
    "AI drafts that no curator approved yet are listed only for curators and admins: "
    "they are written from a failure's log, which may be a private repository's.",
    tag="spells",
    query=SpellQuery,
    response=list[SpellOut],
    errors=(401, 422),
)
async def list_spells(request: web.Request, query: SpellQuery) -> web.Response:
    filters = query.to_filter()
    if not await is_reviewer(request):
        filters = replace(filters, with_unreviewed_ai_drafts=False)
    async with request.app[POOL].acquire() as conn:
        rows = await db_spells.list_spells(conn, filters, skip=query.skip, limit=query.limit)
        total = await db_spells.count_spells(conn, filters)
    body = [SpellOut(**dict(row)).model_dump(mode="json") for row in rows]
    return web.json_response(body, headers={"X-Total-Count": str(total)})


@operation(
    routes,
    "GET",
    "/api/spells/{spell_id}",
    summary="Read one spell, with its votes and how often it matched",
    description="An AI draft that no curator approved yet exists only for curators and admins.",
    tag="spells",
    params=SpellParams,
    response=SpellDetail,
    errors=(401, 404, 422),
)
async def get_spell(request: web.Request, params: SpellParams) -> SpellDetail:
    sees_drafts = await is_reviewer(request)
    async with request.app[POOL].acquire() as conn:
        row = await db_spells.get_spell(
            conn, params.spell_id, with_unreviewed_ai_drafts=sees_drafts
        )
        if row is None:
            raise spell_not_found(params.spell_id)
        stats = await db_advice.spell_stats(conn, params.spell_id)
    return SpellDetail(**dict(row), stats=SpellStats(**stats))


@operation(
    routes,
    "POST",
    "/api/spells",
    summary="Create a spell",
    description="A contributor's spell is stored as a `draft` until a curator approves it; "
    "a curator's or admin's is `approved` unless it says `status: draft`. "
    "A pattern that matches ordinary log lines or many other spells' examples is a 422.",
    tag="spells",
    body=SpellIn,
    response=SpellOut,
    status=201,
    access=Access.USER,
    errors=(401, 403, 409, 422),
)
async def create_spell(request: web.Request, body: SpellIn, user: UserOut) -> SpellOut:
    fields = _writable(body, only_sent=False)
    if user.role is Role.CONTRIBUTOR:
        refusal = _contributor_refusal(body)
        if refusal is not None:
            raise ApiError(403, refusal)
        fields["status"] = "draft"
    await refuse_broad_pattern(body.error_pattern, own_key=body.key)
    async with request.app[POOL].acquire() as conn:
        row = await save(db_spells.create_spell(conn, fields, user.id, by(user)), fields)
    return SpellOut(**dict(row))


@operation(
    routes,
    "PUT",
    "/api/spells/{spell_id}",
    summary="Replace a spell",
    description="Curators and admins. `status`, `auto_generated` and `confidence` keep their "
    "value unless sent.",
    tag="spells",
    params=SpellParams,
    body=SpellIn,
    response=SpellOut,
    access=Access.CURATOR,
    denied=PROPOSE_INSTEAD,
    errors=(401, 403, 404, 409, 422),
)
async def replace_spell(
    request: web.Request, params: SpellParams, body: SpellIn, user: UserOut
) -> SpellOut:
    fields = _writable(body, only_sent=False)
    for name in KEPT_UNLESS_SENT:
        if name not in body.model_fields_set:
            fields.pop(name)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await db_spells.lock_spell(conn, params.spell_id)
        if current is None:
            raise spell_not_found(params.spell_id)
        if body.error_pattern != current["error_pattern"]:
            await refuse_broad_pattern(body.error_pattern, own_key=current["key"])
        row = await save(db_spells.update_spell(conn, params.spell_id, fields, by(user)), fields)
    return SpellOut(**dict(row))


@operation(
    routes,
    "PATCH",
    "/api/spells/{spell_id}",
    summary="Change some fields of a spell",
    description="Curators and admins; contributors propose changes instead.",
    tag="spells",
    params=SpellParams,
    body=SpellFields,
    response=SpellOut,
    access=Access.CURATOR,
    denied=PROPOSE_INSTEAD,
    errors=(401, 403, 404, 409, 422),
)
async def edit_spell(
    request: web.Request, params: SpellParams, body: SpellFields, user: UserOut
) -> SpellOut:
    changes = _writable(body, only_sent=True)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await db_spells.lock_spell(conn, params.spell_id)
        if current is None:
            raise spell_not_found(params.spell_id)
        validate_merged(current, changes)
        pattern = changes.get("error_pattern", current["error_pattern"])
        if pattern != current["error_pattern"]:
            await refuse_broad_pattern(pattern, own_key=current["key"])
        row = await save(db_spells.update_spell(conn, params.spell_id, changes, by(user)), changes)
    return SpellOut(**dict(row))


@operation(
    routes,
    "DELETE",
    "/api/spells/{spell_id}",
    summary="Delete a spell",
    description="Curators and admins. The spell's history stays: a curator can restore it "
    "from its last revision.",
    tag="spells",
    params=SpellParams,
    status=204,
    access=Access.CURATOR,
    denied=PROPOSE_INSTEAD,
    errors=(401, 403, 404, 422),
)
async def delete_spell(request: web.Request, params: SpellParams, user: UserOut) -> None:
    async with request.app[POOL].acquire() as conn:
        deleted = await db_spells.delete_spell(conn, params.spell_id, by(user))
    if not deleted:
        raise spell_not_found(params.spell_id)
