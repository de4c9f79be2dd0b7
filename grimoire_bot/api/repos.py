"""Installed repositories, their effective settings and where each came from."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import gidgethub
from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, operation, optional_user, validate
from grimoire_bot.db import installations as db_installations
from grimoire_bot.github.app import GitHubAppNotConfigured
from grimoire_bot.github.client import GitHubClient, TransientGitHubError
from grimoire_bot.github.oauth import Permission
from grimoire_bot.repo_config import EffectiveSettings, RepoSettings, Source, effective_settings
from grimoire_bot.repo_config.fields import AnnotationLevel, EffectiveValues, Glob
from grimoire_bot.state import GITHUB, POOL, REPO_ACCESS
from grimoire_bot.validation import JsonBool, JsonInt, JsonNumber, Offset, Text, omissible

routes = web.RouteTableDef()


class RepoSettingsUpdate(BaseModel):
    """Fields to change; those left out keep their current value.

    Only `min_score` may be null: back to the matcher's own threshold.
    """

    enabled: JsonBool = omissible()
    auto_generate: JsonBool = omissible()
    min_score: Annotated[JsonNumber, Field(ge=0, le=1)] | None = omissible(
        description="null: the matcher's own threshold."
    )
    max_annotations: Annotated[JsonInt, Field(ge=0, le=1000)] = omissible()
    annotation_level: AnnotationLevel = omissible()
    ignore_paths: list[Glob] = omissible(max_length=100)
    post_when_no_match: JsonBool = omissible()


class ConfigFileOut(BaseModel):
    source: Source
    repository: str
    path: str
    status: str = Field(description="`valid`, `invalid`, `absent`, `unreadable` or `unknown`.")
    problems: list[str]
    checked_at: datetime | None


class RepoOut(BaseModel):
    id: int
    full_name: str
    private: bool
    installation_id: int
    account_login: str
    suspended: bool
    added_at: datetime
    settings: EffectiveValues = Field(description="The settings in force.")
    sources: dict[str, Source] = Field(
        description="Where each setting came from: `repository_file` (`.github/grimoire.yml`), "
        "`api`, `organization_file` (the organisation's `.github` repository) or `default`."
    )
    saved_settings: list[str] = Field(description="The fields saved through this API.")
    config_files: list[ConfigFileOut]
    settings_updated_at: datetime | None


class RepoParams(BaseModel):
    owner: Annotated[Text, Field(min_length=1, max_length=100)]
    repo: Annotated[Text, Field(min_length=1, max_length=100)]


class Page(BaseModel):
    skip: Offset = 0
    limit: int = Field(100, ge=1, le=500)


def repo_out(row: dict, effective: EffectiveSettings) -> RepoOut:
    return RepoOut(
        **row,
        settings=EffectiveValues(**effective.settings),
        sources=dict(effective.sources),
        saved_settings=sorted(row["set_fields"]),
        config_files=[
            ConfigFileOut(
                source=state.source,
                repository=state.repository,
                path=state.path,
                status=state.status,
                problems=list(state.problems),
                checked_at=state.checked_at,
            )
            for state in effective.files
        ],
        settings_updated_at=row["updated_at"],
    )


async def installation_client(request: web.Request, row: dict) -> GitHubClient | None:
    """A client to re-read config files with; None (use what was last read) if GitHub is
    unreachable or the App is not configured."""
    try:
        return await request.app[GITHUB].installation_client(row["installation_id"])
    except (GitHubAppNotConfigured, TransientGitHubError, gidgethub.GitHubException):
        return None


async def described(request: web.Request, row: dict, *, read_files: bool) -> RepoOut:
    gh = await installation_client(request, row) if read_files else None
    effective = await effective_settings(request.app[POOL], gh, row["full_name"], row["id"])
    return repo_out(row, effective)


def saved_values(row: dict[str, Any]) -> dict[str, Any]:
    """The settings as stored through the API (defaults where nothing was stored)."""
    return RepoSettings(**{name: row[name] for name in RepoSettings.model_fields}).model_dump()


def repo_not_found(params: RepoParams) -> ApiError:
    # The same answer for "not installed" and "not yours to see": private names stay private.
    return ApiError(
        404, f"Repository {params.owner}/{params.repo} is not installed (or not visible to you)"
    )


async def visible_permissions(request: web.Request, user: UserOut) -> dict[int, Permission] | None:
    """The caller's GitHub role per repository; None for Grimoire admins, who see everything."""
    if user.role == "admin":
        return None
    try:
        return await request.app[REPO_ACCESS].permissions(user.id)
    except TransientGitHubError as exc:
        raise ApiError(
            503, f"GitHub cannot say what you may see right now ({exc.reason}); try again"
        ) from None


async def may_see(request: web.Request, repository: dict) -> bool:
    """A private repository exists only for callers who may see it on GitHub (Grimoire
    admins: every one), as for `GET /api/repos`."""
    if not repository["private"]:
        return True
    user = await optional_user(request)  # a 401 when the token is bad
    if user is None:
        return False
    permissions = await visible_permissions(request, user)  # a 503 when GitHub cannot say
    return permissions is None or repository["id"] in permissions


async def visible_repository(
    request: web.Request, params: RepoParams, user: UserOut
) -> tuple[dict, Permission | None]:
    """The repository and the caller's role on it (None for admins), or 404 if not theirs."""
    async with request.app[POOL].acquire() as conn:
        row = await db_installations.get_repository(conn, f"{params.owner}/{params.repo}")
    if row is None:
        raise repo_not_found(params)
    permissions = await visible_permissions(request, user)
    if permissions is None:
        return row, None
    if row["id"] not in permissions:
        raise repo_not_found(params)
    return row, permissions[row["id"]]


@operation(
    routes,
    "GET",
    "/api/repos",
    summary="Repositories the App is installed on that you may see, with their settings",
    description="Admins see every repository; other accounts see those their linked GitHub "
    "identity can see (none without one).",
    tag="repositories",
    query=Page,
    response=list[RepoOut],
    access=Access.USER,
    errors=(401, 422, 503),
)
async def list_repos(request: web.Request, query: Page, user: UserOut) -> web.Response:
    permissions = await visible_permissions(request, user)
    only_ids = None if permissions is None else sorted(permissions)
    async with request.app[POOL].acquire() as conn:
        rows, total = await db_installations.list_repositories(
            conn, skip=query.skip, limit=query.limit, only_ids=only_ids
        )
    # Listing reads no files from GitHub: each shows what was last read.
    body = [
        (await described(request, row, read_files=False)).model_dump(mode="json") for row in rows
    ]
    return web.json_response(body, headers={"X-Total-Count": str(total)})


@operation(
    routes,
    "GET",
    "/api/repos/{owner}/{repo}",
    summary="One repository, its effective settings and where each came from",
    description="Re-reads `.github/grimoire.yml` (and the organisation's) from GitHub when a "
    "push made it stale or it was last read over ten minutes ago.",
    tag="repositories",
    params=RepoParams,
    response=RepoOut,
    access=Access.USER,
    errors=(401, 404, 503),
)
async def get_repo(request: web.Request, params: RepoParams, user: UserOut) -> RepoOut:
    row, _ = await visible_repository(request, params, user)
    return await described(request, row, read_files=True)


@operation(
    routes,
    "PUT",
    "/api/repos/{owner}/{repo}",
    summary="Change a repository's settings",
    description="Fields left out keep their current value. Needs an admin account, or a "
    "linked GitHub identity with admin permission on the repository. A field that "
    "`.github/grimoire.yml` sets is saved but the file still wins (see `sources`).",
    tag="repositories",
    params=RepoParams,
    body=RepoSettingsUpdate,
    response=RepoOut,
    access=Access.USER,
    errors=(401, 403, 404, 422, 503),
)
async def update_repo(
    request: web.Request, params: RepoParams, body: RepoSettingsUpdate, user: UserOut
) -> RepoOut:
    row, permission = await visible_repository(request, params, user)
    if user.role != "admin" and permission is not Permission.ADMIN:
        raise ApiError(
            403,
            f"Changing {row['full_name']}'s settings needs admin permission on it on GitHub "
            f"(yours: {permission}) or a Grimoire admin account",
        )
    sent = body.model_dump(exclude_unset=True)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        row = await db_installations.get_repository(conn, row["full_name"], for_update=True)
        # Validated, not constructed: whatever the update lets through, a bad merge is a 422.
        merged = validate(RepoSettings, {**saved_values(row), **sent}, "body")
        await db_installations.save_settings(
            conn, row["id"], merged.model_dump(), user.id, set_fields={*row["set_fields"], *sent}
        )
        row = await db_installations.get_repository(conn, row["full_name"])
    return await described(request, row, read_files=False)
