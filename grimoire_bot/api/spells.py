"""The spellbook API: list, search, read, create, replace, edit and delete spells."""

from __future__ import annotations

import re
from typing import Annotated, Any

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, operation, validate
from grimoire_bot.db import advice as db_advice
from grimoire_bot.db import spells as db_spells
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
from grimoire_bot.state import POOL
from grimoire_bot.validation import Id, Offset, Text

DEFAULT_PAGE = 100
MAX_PAGE = 500
# PostgreSQL's detail of a unique violation on spells.key.
DUPLICATE_KEY = re.compile(r"\(key\)=\((?P<key>.*)\) already exists")

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

    def to_filter(self) -> db_spells.SpellFilter:
        tags = tuple(t.strip() for t in (self.tags or "").split(",") if t.strip())
        return db_spells.SpellFilter(
            q=self.q,
            tags=tags,
            error_type=self.error_type,
            status=self.status,
            scope=self.scope,
            ecosystem=self.ecosystem,
        )


def spell_not_found(spell_id: int) -> ApiError:
    return ApiError(404, f"Spell with id {spell_id} not found")


def _writable(model: BaseModel, *, only_sent: bool) -> dict[str, Any]:
    fields = model.model_dump(mode="json", exclude_unset=only_sent)
    if fields.get("key") is None:
        # No key means "keep the current one" (or, on create, let the database assign one).
        fields.pop("key", None)
    return fields


async def _save(coro: Any, fields: dict[str, Any]) -> asyncpg.Record:
    """Run an insert or update; another spell with the same key is a conflict (409).

    Like a registered email, a taken key is a fact about the stored data, not a malformed
    field. The key is named from PostgreSQL's report, so a default `spell.<id>` that
    someone already chose by hand is named too.
    """
    try:
        return await coro
    except asyncpg.UniqueViolationError as exc:
        found = DUPLICATE_KEY.search(exc.detail or "")
        key = found["key"] if found else fields.get("key")
        raise ApiError(409, f"Another spell already has the key '{key}'") from None


@operation(
    routes,
    "GET",
    "/api/spells",
    summary="List and search spells",
    description="Paginated with `skip`/`limit`; the total is in the `X-Total-Count` header.",
    tag="spells",
    query=SpellQuery,
    response=list[SpellOut],
    errors=(422,),
)
async def list_spells(request: web.Request, query: SpellQuery) -> web.Response:
    filters = query.to_filter()
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
    tag="spells",
    params=SpellParams,
    response=SpellDetail,
    errors=(404, 422),
)
async def get_spell(request: web.Request, params: SpellParams) -> SpellDetail:
    async with request.app[POOL].acquire() as conn:
        row = await db_spells.get_spell(conn, params.spell_id)
        if row is None:
            raise spell_not_found(params.spell_id)
        stats = await db_advice.spell_stats(conn, params.spell_id)
    return SpellDetail(**dict(row), stats=SpellStats(**stats))


@operation(
    routes,
    "POST",
    "/api/spells",
    summary="Create a spell",
    tag="spells",
    body=SpellIn,
    response=SpellOut,
    status=201,
    access=Access.USER,
    errors=(401, 409, 422),
)
async def create_spell(request: web.Request, body: SpellIn, user: UserOut) -> SpellOut:
    async with request.app[POOL].acquire() as conn:
        fields = _writable(body, only_sent=False)
        row = await _save(db_spells.create_spell(conn, fields, user.id), fields)
    return SpellOut(**dict(row))


@operation(
    routes,
    "PUT",
    "/api/spells/{spell_id}",
    summary="Replace a spell",
    tag="spells",
    params=SpellParams,
    body=SpellIn,
    response=SpellOut,
    access=Access.USER,
    errors=(401, 404, 409, 422),
)
async def replace_spell(
    request: web.Request, params: SpellParams, body: SpellIn, user: UserOut
) -> SpellOut:
    fields = _writable(body, only_sent=False)
    async with request.app[POOL].acquire() as conn:
        row = await _save(db_spells.update_spell(conn, params.spell_id, fields), fields)
    if row is None:
        raise spell_not_found(params.spell_id)
    return SpellOut(**dict(row))


@operation(
    routes,
    "PATCH",
    "/api/spells/{spell_id}",
    summary="Change some fields of a spell",
    tag="spells",
    params=SpellParams,
    body=SpellFields,
    response=SpellOut,
    access=Access.USER,
    errors=(401, 404, 409, 422),
)
async def edit_spell(
    request: web.Request, params: SpellParams, body: SpellFields, user: UserOut
) -> SpellOut:
    changes = _writable(body, only_sent=True)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = await db_spells.get_spell(conn, params.spell_id)
        if current is None:
            raise spell_not_found(params.spell_id)
        merged = {**SpellOut(**dict(current)).model_dump(mode="json"), **changes}
        # The result must still be a valid whole spell (e.g. examples vs a new pattern).
        _validate_merged(merged)
        row = await _save(db_spells.update_spell(conn, params.spell_id, changes), changes)
    return SpellOut(**dict(row))


def _validate_merged(merged: dict[str, Any]) -> None:
    validate(SpellIn, {k: v for k, v in merged.items() if k in SpellIn.model_fields}, "body")


@operation(
    routes,
    "DELETE",
    "/api/spells/{spell_id}",
    summary="Delete a spell",
    description="Allowed to admins and to the spell's author.",
    tag="spells",
    params=SpellParams,
    status=204,
    access=Access.USER,
    errors=(401, 403, 404, 422),
)
async def delete_spell(request: web.Request, params: SpellParams, user: UserOut) -> None:
    async with request.app[POOL].acquire() as conn:
        exists, author = await db_spells.spell_author(conn, params.spell_id)
        if not exists:
            raise spell_not_found(params.spell_id)
        if user.role != "admin" and author != user.id:
            raise ApiError(403, "Only an admin or the spell's author may delete it")
        await db_spells.delete_spell(conn, params.spell_id)
