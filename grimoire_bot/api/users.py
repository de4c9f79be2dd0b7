"""Account administration: admins list accounts, change roles, deactivate and unlock."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, operation
from grimoire_bot.auth.roles import Role
from grimoire_bot.db import users as db_users
from grimoire_bot.state import POOL
from grimoire_bot.validation import Id, JsonBool, Offset, omissible

DEFAULT_PAGE = 100
MAX_PAGE = 500
LAST_ADMIN = "This would leave no active admin; make another account admin first"

routes = web.RouteTableDef()


class AccountOut(UserOut):
    locked_until: datetime | None = Field(
        description="Set while repeated failed logins lock the account."
    )


class UserParams(BaseModel):
    user_id: Id


class UserQuery(BaseModel):
    role: Role | None = None
    active: bool | None = None
    skip: Offset = 0
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE)


class AccountUpdate(BaseModel):
    """Fields to change; those left out keep their value."""

    role: Role = omissible()
    active: JsonBool = omissible(
        description="false deactivates the account and revokes all its tokens at once."
    )


def _user_not_found(user_id: int) -> ApiError:
    return ApiError(404, f"User with id {user_id} not found")


@operation(
    routes,
    "GET",
    "/api/users",
    summary="Accounts, oldest first",
    description="Filters `role` and `active`; the total is in `X-Total-Count`.",
    tag="users",
    query=UserQuery,
    response=list[AccountOut],
    access=Access.ADMIN,
    errors=(401, 403, 422),
)
async def list_users(request: web.Request, query: UserQuery, user: UserOut) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        rows, total = await db_users.list_users(
            conn, role=query.role, active=query.active, skip=query.skip, limit=query.limit
        )
    body = [AccountOut(**dict(row)).model_dump(mode="json") for row in rows]
    return web.json_response(body, headers={"X-Total-Count": str(total)})


@operation(
    routes,
    "GET",
    "/api/users/{user_id}",
    summary="One account",
    tag="users",
    params=UserParams,
    response=AccountOut,
    access=Access.ADMIN,
    errors=(401, 403, 404, 422),
)
async def get_user(request: web.Request, params: UserParams, user: UserOut) -> AccountOut:
    async with request.app[POOL].acquire() as conn:
        row = await db_users.get_user(conn, params.user_id)
    if row is None:
        raise _user_not_found(params.user_id)
    return AccountOut(**dict(row))


@operation(
    routes,
    "PATCH",
    "/api/users/{user_id}",
    summary="Change an account's role, or deactivate or reactivate it",
    description="Deactivating revokes every token of the account in every process. "
    "Demoting or deactivating the last active admin is a 409.",
    tag="users",
    params=UserParams,
    body=AccountUpdate,
    response=AccountOut,
    access=Access.ADMIN,
    errors=(401, 403, 404, 409, 422),
)
async def update_user(
    request: web.Request, params: UserParams, body: AccountUpdate, user: UserOut
) -> AccountOut:
    sent = body.model_fields_set
    async with request.app[POOL].acquire() as conn:
        try:
            row = await db_users.update_user(
                conn,
                params.user_id,
                role=body.role if "role" in sent else None,
                active=body.active if "active" in sent else None,
            )
        except db_users.LastAdminError:
            raise ApiError(409, LAST_ADMIN) from None
    if row is None:
        raise _user_not_found(params.user_id)
    return AccountOut(**dict(row))


@operation(
    routes,
    "POST",
    "/api/users/{user_id}/unlock",
    summary="Forgive an account's failed logins, ending its lock",
    tag="users",
    params=UserParams,
    response=AccountOut,
    access=Access.ADMIN,
    errors=(401, 403, 404, 422),
)
async def unlock_user(request: web.Request, params: UserParams, user: UserOut) -> AccountOut:
    async with request.app[POOL].acquire() as conn:
        row = await db_users.unlock_user(conn, params.user_id)
    if row is None:
        raise _user_not_found(params.user_id)
    return AccountOut(**dict(row))
