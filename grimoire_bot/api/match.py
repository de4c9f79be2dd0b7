"""Match a CI log against the spellbook: the errors found and the spells that fix them."""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.operations import operation
from grimoire_bot.db import spells as db_spells
from grimoire_bot.spellbook.models import SpellOut
from grimoire_bot.state import MATCHER, POOL
from grimoire_bot.validation import JsonInt, JsonNumber, Text

MAX_LOG_BYTES = 10 * 1024 * 1024

routes = web.RouteTableDef()


class MatchRequest(BaseModel):
    log: Annotated[Text, Field(min_length=1, description="CI output: a job log, check output...")]
    limit: Annotated[JsonInt, Field(ge=1, le=50)] = 5
    min_score: Annotated[JsonNumber, Field(ge=0, le=1)] | None = Field(
        None, description="Drop matches scoring below this (default: the matcher's threshold)."
    )


class ErrorOut(BaseModel):
    message: str
    error_type: str | None
    file: str | None
    line: int | None
    column: int | None
    ecosystem: str | None
    fingerprint: str


class MatchOut(BaseModel):
    spell: SpellOut
    score: Annotated[float, Field(ge=0, le=1)]
    error_index: int = Field(description="Index into `errors` of the error this spell fixes.")
    reason: Literal["pattern", "similar"] = Field(
        description="`pattern`: the spell's regex matched; `similar`: lexical near-miss."
    )


class MatchResult(BaseModel):
    errors: list[ErrorOut]
    matches: list[MatchOut]


@operation(
    routes,
    "POST",
    "/api/match",
    summary="Find the errors in a CI log and the spells that fix them",
    description="Best match first; nothing when no spell fits. Bodies over 10 MB are refused.",
    tag="matching",
    body=MatchRequest,
    response=MatchResult,
    max_body=MAX_LOG_BYTES,
    errors=(400, 413, 422),
)
async def match_log(request: web.Request, body: MatchRequest) -> MatchResult:
    diagnosis = await request.app[MATCHER].diagnose(
        body.log, limit=body.limit, min_score=body.min_score
    )
    errors, matches = diagnosis.errors, diagnosis.ranked
    async with request.app[POOL].acquire() as conn:
        spells = await db_spells.get_spells(conn, [m.spell_id for m in matches])
    return MatchResult(
        errors=[ErrorOut(**error.as_json()) for error in errors],
        matches=[
            MatchOut(
                spell=SpellOut(**dict(spells[m.spell_id])),
                score=round(m.score, 4),
                error_index=m.error_index,
                reason=m.reason,
            )
            for m in matches
            # A spell deleted between compiling and now is simply not offered.
            if m.spell_id in spells
        ],
    )
