"""The editor's live pattern check: a JSON endpoint the editor's script calls as the
curator types (CSRF-protected, and limited per address like `POST /api/match`)."""

from __future__ import annotations

import asyncio
import functools
from typing import Annotated

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.limits import too_many_requests
from grimoire_bot.api.match import MAX_LOG_BYTES
from grimoire_bot.api.operations import read_json, validate
from grimoire_bot.auth.limits import Scope, client_address
from grimoire_bot.console.pattern_check import EditedSpell, check_spell
from grimoire_bot.console.sessions import Viewer
from grimoire_bot.console.views import console_api, visible_repository_ids
from grimoire_bot.db import console as db_console
from grimoire_bot.db import spells as db_spells
from grimoire_bot.state import LIMITER, POOL, SETTINGS
from grimoire_bot.validation import Text

RECENT_DAYS = 30
RECENT_FINGERPRINTS = 2000

routes = web.RouteTableDef()


class CheckRequest(BaseModel):
    """The spell as the editor holds it (unsaved), and optionally a log to rank it on."""

    spell_id: Annotated[int, Field(ge=1)] | None = None
    key: Annotated[Text, Field(max_length=128)] | None = None
    title: Annotated[Text, Field(max_length=300)] = ""
    description: Annotated[Text, Field(max_length=20_000)] = ""
    error_type: Annotated[Text, Field(max_length=200)] | None = None
    error_pattern: Annotated[Text, Field(max_length=10_000)]
    tags: Annotated[Text, Field(max_length=1000)] = ""
    ecosystem: Annotated[Text, Field(max_length=50)] | None = None
    scope: Annotated[Text, Field(pattern="^(log|diff)$")] = "log"
    examples: list[Annotated[Text, Field(max_length=5000)]] = Field(
        default_factory=list, max_length=20
    )
    log: Text | None = None

    def edited(self) -> EditedSpell:
        return EditedSpell(
            spell_id=self.spell_id,
            key=self.key or None,
            title=self.title,
            description=self.description,
            error_type=self.error_type or None,
            error_pattern=self.error_pattern,
            tags=self.tags,
            ecosystem=self.ecosystem or None,
            scope=self.scope,
            examples=tuple(example for example in self.examples if example.strip()),
        )


async def _count_check(request: web.Request) -> None:
    """Each check costs a spellbook build: counted against MATCH_RATE_LIMIT per address."""
    trust_proxy = request.app[SETTINGS].trust_proxy
    address = client_address(request.remote, request.headers, trust_proxy=trust_proxy)
    try:
        refusal = await request.app[LIMITER].hit(Scope.MATCH, address)
    except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError):
        raise ApiError(503, "The database is unavailable; try again later") from None
    if refusal is not None:
        raise too_many_requests(refusal)


@routes.post("/console/api/check")
@console_api()
async def check_pattern_live(request: web.Request, viewer: Viewer) -> web.Response:
    await _count_check(request)
    body = validate(CheckRequest, await read_json(request, MAX_LOG_BYTES), "body")
    assert isinstance(body, CheckRequest)
    repository_ids = await visible_repository_ids(request, viewer)
    async with request.app[POOL].acquire() as conn:
        spellbook = await db_spells.spells_for_index(conn) if body.log else []
        recent = await db_console.recent_failure_samples(
            conn, days=RECENT_DAYS, limit=RECENT_FINGERPRINTS, repository_ids=repository_ids
        )
    result = await asyncio.to_thread(
        functools.partial(
            check_spell, body.edited(), log=body.log, spellbook=spellbook, recent_failures=recent
        )
    )
    return web.json_response(result.as_json())
