"""Match a CI log against the spellbook: the errors found and the spells that fix them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Literal

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field

from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import operation
from grimoire_bot.api.repos import may_see
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import spells as db_spells
from grimoire_bot.matching import PathStatus, resolve_paths
from grimoire_bot.spellbook.models import SpellOut
from grimoire_bot.state import MATCHER, POOL
from grimoire_bot.validation import JsonInt, JsonNumber, Text, storable_text

MAX_LOG_BYTES = 10 * 1024 * 1024
MAX_FILES = 200_000  # GitHub's tree API lists at most 100,000 entries at once
# GitHub's shape of `owner/name`: the owner is letters, digits and hyphens.
REPOSITORY_PATTERN = r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$"

routes = web.RouteTableDef()

# The pattern before the NUL check: a `pattern` on top of Text would be enforced but left
# out of the published schema.
Repository = Annotated[
    str, Field(max_length=140, pattern=REPOSITORY_PATTERN), AfterValidator(storable_text)
]


class MatchRequest(BaseModel):
    log: Annotated[Text, Field(min_length=1, description="CI output: a job log, check output...")]
    limit: Annotated[JsonInt, Field(ge=1, le=50)] = 5
    min_score: Annotated[JsonNumber, Field(ge=0, le=1)] | None = Field(
        None,
        description="Drop matches scoring below this (default: the repository's `min_score` "
        "when `repository` is given and sets one, else the matcher's threshold).",
    )
    repository: Repository | None = Field(
        None,
        description="`owner/name` of a repository Grimoire is installed on: its votes move the "
        "ranking exactly as on its pull requests. A private repository only for callers who "
        "may see it on GitHub (admins: any).",
    )
    files: list[Annotated[Text, Field(max_length=4096)]] | None = Field(
        None,
        max_length=MAX_FILES,
        description="The repository's file paths (a commit's tree): each error's path is "
        "resolved to the file it names, by its longest unique suffix.",
    )


class ErrorOut(BaseModel):
    message: str
    error_type: str | None
    file: str | None
    line: int | None
    column: int | None
    ecosystem: str | None
    fingerprint: str
    path_status: PathStatus = Field(
        description="`found`/`not_found`/`ambiguous` against `files`; `unchecked` without them."
    )


class MatchOut(BaseModel):
    spell: SpellOut
    score: Annotated[float, Field(ge=0, le=1)]
    error_index: int = Field(description="Index into `errors` of the error this spell fixes.")
    reason: Literal["pattern", "similar"] = Field(
        description="`pattern`: the spell's regex matched; `similar`: a near miss, found by "
        "wording (lexical), by a relaxed or cut form of the pattern, by the error code, or by "
        "meaning (embeddings)."
    )


class MatchResult(BaseModel):
    errors: list[ErrorOut]
    matches: list[MatchOut]


@dataclass(frozen=True)
class Scope:
    """Whose pull requests a match is ranked for."""

    repository_id: int | None = None
    min_score: float | None = None
    # The repository's name: a log's absolute paths often run through its checkout folder.
    root_hints: tuple[str, ...] = ()


async def ranking_scope(request: web.Request, body: MatchRequest) -> Scope:
    """The repository's id and threshold; a repository that is not installed, or is private
    and not the caller's to see (its existence is not public), is one and the same 404: a
    well-formed name of nothing this caller may use, as a missing spell id is."""
    if body.repository is None:
        return Scope(min_score=body.min_score)
    async with request.app[POOL].acquire() as conn:
        row = await db_installations.get_repository(conn, body.repository)
    if row is not None and not await may_see(request, row):
        row = None
    if row is None:
        raise ApiError(404, f"Grimoire is not installed on a repository named {body.repository}")
    min_score = body.min_score if body.min_score is not None else row["min_score"]
    return Scope(repository_id=row["id"], min_score=min_score, root_hints=(row["full_name"],))


@operation(
    routes,
    "POST",
    "/api/match",
    summary="Find the errors in a CI log and the spells that fix them",
    description="Best match first; nothing when no spell fits. The ranking is the one the "
    "check run on a pull request uses (with `repository`, that repository's votes count as "
    "there). Bodies over 10 MB are refused; each client address may match MATCH_RATE_LIMIT "
    "times (429 with Retry-After).",
    tag="matching",
    body=MatchRequest,
    response=MatchResult,
    max_body=MAX_LOG_BYTES,
    errors=(400, 401, 404, 413, 422, 429, 503),
)
async def match_log(request: web.Request, body: MatchRequest) -> MatchResult:
    scope = await ranking_scope(request, body)
    diagnosis = await request.app[MATCHER].diagnose(
        body.log,
        repository_id=scope.repository_id,
        limit=body.limit,
        min_score=scope.min_score,
        repo_root_hints=scope.root_hints,
    )
    matches = diagnosis.ranked
    errors = diagnosis.errors
    if body.files is not None:
        errors = await asyncio.to_thread(resolve_paths, errors, body.files)
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
