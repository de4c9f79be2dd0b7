"""Installed repositories and the settings a maintainer can tune for each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, operation, validate
from grimoire_bot.db import installations as db_installations
from grimoire_bot.github.client import TransientGitHubError
from grimoire_bot.github.oauth import Permission
from grimoire_bot.state import POOL, REPO_ACCESS
from grimoire_bot.validation import JsonBool, JsonInt, JsonNumber, Offset, Text, omissible

routes = web.RouteTableDef()

AnnotationLevel = Literal["notice", "warning", "failure"]
Glob = Annotated[Text, Field(min_length=1, max_length=500)]


class RepoSettings(BaseModel):
    enabled: bool = Field(True, description="Post spells on this repository's pull requests.")
    auto_generate: bool = Field(
        False, description="When nothing matches, ask an LLM to draft a spell for review."
    )
    min_score: Annotated[float, Field(ge=0, le=1)] | None = Field(
        None, description="Only post matches scoring at least this (default: the matcher's own)."
    )
    max_annotations: Annotated[int, Field(ge=0, le=1000)] = Field(
        50, description="Most annotations on one Grimoire check run."
    )
    annotation_level: AnnotationLevel = "warning"
    ignore_paths: list[Glob] = Field(
        default_factory=list,
        max_length=100,
        description="Globs such as `vendor/**` or `*.min.js`: no annotations in these files.",
    )
    post_when_no_match: bool = Field(
        False, description='Post a "no known spell" check run when nothing matches.'
    )


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


class RepoOut(BaseModel):
    id: int
    full_name: str
    private: bool
    installation_id: int
    account_login: str
    suspended: bool
    added_at: datetime
    settings: RepoSettings
    settings_updated_at: datetime | None


class RepoParams(BaseModel):
    owner: Annotated[Text, Field(min_length=1, max_length=100)]
    repo: Annotated[Text, Field(min_length=1, max_length=100)]


class Page(BaseModel):
    skip: Offset = 0
    limit: int = Field(100, ge=1, le=500)


def repo_out(row: dict) -> RepoOut:
    settings = RepoSettings(**{name: row[name] for name in RepoSettings.model_fields})
    return RepoOut(**row, settings=settings, settings_updated_at=row["updated_at"])


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
    body = [repo_out(row).model_dump(mode="json") for row in rows]
    return web.json_response(body, headers={"X-Total-Count": str(total)})


@operation(
    routes,
    "GET",
    "/api/repos/{owner}/{repo}",
    summary="One repository and its settings",
    tag="repositories",
    params=RepoParams,
    response=RepoOut,
    access=Access.USER,
    errors=(401, 404, 503),
)
async def get_repo(request: web.Request, params: RepoParams, user: UserOut) -> RepoOut:
    row, _ = await visible_repository(request, params, user)
    return repo_out(row)


@operation(
    routes,
    "PUT",
    "/api/repos/{owner}/{repo}",
    summary="Change a repository's settings",
    description="Fields left out keep their current value. Needs an admin account, or a "
    "linked GitHub identity with admin permission on the repository.",
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
    async with request.app[POOL].acquire() as conn, conn.transaction():
        current = repo_out(row).settings.model_dump()
        # Validated, not constructed: whatever the update lets through, a bad merge is a 422.
        merged = validate(RepoSettings, {**current, **body.model_dump(exclude_unset=True)}, "body")
        await db_installations.save_settings(conn, row["id"], merged.model_dump(), user.id)
        row = await db_installations.get_repository(conn, row["full_name"])
    return repo_out(row)
