"""Accounts: signup, login, logout, who-am-I and password changes, with the seed's contract.

Also the resolver every protected operation uses: it checks the bearer token (signature,
logout, the account's token generation) and the account's role against the operation's
access level.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, Operation, operation
from grimoire_bot.auth.credentials import MAX_PASSWORD_LENGTH, Email, Password
from grimoire_bot.auth.roles import Role
from grimoire_bot.auth.tokens import InvalidToken, TokenClaims
from grimoire_bot.db import users as db_users
from grimoire_bot.state import PASSWORDS, POOL, SETTINGS, TOKENS

NOT_AUTHENTICATED = "Not authenticated"
BAD_CREDENTIALS = "Incorrect email or password"
INVALID_TOKEN = "Could not validate credentials"  # noqa: S105 - a message, not a secret
WRONG_CURRENT_PASSWORD = "The current password is incorrect"  # noqa: S105 - a message
# The least role each access level admits.
REQUIRED_ROLE = {
    Access.USER: Role.CONTRIBUTOR,
    Access.CURATOR: Role.CURATOR,
    Access.ADMIN: Role.ADMIN,
}
DENIED = {
    Access.CURATOR: "This action needs a curator or admin account",
    Access.ADMIN: "This action needs an admin account",
}

routes = web.RouteTableDef()
# The verified claims of the request's token, for logout to revoke.
CLAIMS = web.RequestKey("claims", TokenClaims)


class Credentials(BaseModel):
    email: Email = Field(examples=["curator@example.com"])
    password: Password = Field(examples=["correct horse battery"])


class UserOut(BaseModel):
    id: int
    email: str
    is_active: bool
    created_at: datetime
    role: Role


class PasswordChange(BaseModel):
    current_password: Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]
    new_password: Password = Field(examples=["a longer, newer passphrase"])


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name
    user: UserOut


class Message(BaseModel):
    message: str


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, NOT_AUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


async def resolve_user(request: web.Request, required: Operation | Access) -> UserOut:
    """The signed-in account behind the request's bearer token, or a 401/403.

    `required` is the operation being called (its access level and denial message), or
    just an access level for a handler that checks an optional token itself.
    """
    access = required.access if isinstance(required, Operation) else required
    try:
        claims = request.app[TOKENS].verify(bearer_token(request))
    except InvalidToken:
        raise ApiError(401, INVALID_TOKEN, headers={"WWW-Authenticate": "Bearer"}) from None
    async with request.app[POOL].acquire() as conn:
        row = await db_users.find_user_for_token(
            conn, claims.user_id, claims.jti, claims.generation
        )
    if row is None or not row["is_active"]:
        raise ApiError(401, INVALID_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    user = UserOut(**dict(row))
    if not user.role.at_least(REQUIRED_ROLE[access]):
        raise ApiError(403, _denial(request, required, access))
    request[CLAIMS] = claims
    return user


def _denial(request: web.Request, required: Operation | Access, access: Access) -> str:
    if not isinstance(required, Operation) or required.denied is None:
        return DENIED[access]
    # The template is ours; only the path's own values are filled in.
    return required.denied.format_map(request.match_info)


def _issue(request: web.Request, row: dict) -> TokenOut:
    user = UserOut(**row)
    token = request.app[TOKENS].issue(user.id, row["token_generation"])
    return TokenOut(access_token=token, user=user)


def issue_token(request: web.Request, row: dict) -> TokenOut:
    """The login answer for an account another way of signing in (GitHub) vouched for."""
    return _issue(request, row)


def _too_many_attempts(wait: timedelta) -> ApiError:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return ApiError(
        429,
        f"Too many failed logins for this account; try again in {seconds} seconds",
        headers={"Retry-After": str(seconds)},
    )


@operation(
    routes,
    "POST",
    "/auth/signup",
    summary="Create an account",
    description="Accounts are `contributor`s: their spells wait for a curator's approval. "
    "Outside production the very first account becomes `admin`. "
    "Closed when ALLOW_SIGNUP=false (the default in production).",
    tag="auth",
    body=Credentials,
    response=TokenOut,
    status=201,
    errors=(403, 409, 422),
)
async def signup(request: web.Request, body: Credentials) -> TokenOut:
    settings = request.app[SETTINGS]
    if not settings.allow_signup:
        raise ApiError(403, "Signup is closed on this server")
    password_hash = await request.app[PASSWORDS].hash(body.password)
    async with request.app[POOL].acquire() as conn:
        row = await db_users.create_user(
            conn,
            body.email,
            password_hash,
            Role.CONTRIBUTOR,
            # In production whoever signs up first must not own the service: the first
            # admin is made with `python -m grimoire_bot users create --role admin`.
            first_becomes_admin=not settings.is_production,
        )
    if row is None:
        raise ApiError(409, "Email already registered")
    return _issue(request, dict(row))


@operation(
    routes,
    "POST",
    "/auth/login",
    summary="Exchange email and password for an access token",
    description="Repeated failures lock the account for a while (429 with Retry-After).",
    tag="auth",
    body=Credentials,
    response=TokenOut,
    errors=(401, 422, 429),
)
async def login(request: web.Request, body: Credentials) -> TokenOut:
    return _issue(request, await authenticate(request, body))


async def authenticate(request: web.Request, body: Credentials) -> dict:
    """The active account these credentials open (without its password hash), or the
    login's 401/429: every way of signing in with a password counts failures alike."""
    pool = request.app[POOL]
    async with pool.acquire() as conn:
        attempt = await db_users.begin_login_attempt(conn, body.email)
        if attempt.refused_for is not None:
            raise _too_many_attempts(attempt.refused_for)
        row = await db_users.find_user_for_login(conn, body.email)
    stored_hash = row["password_hash"] if row is not None else None
    password_ok = await request.app[PASSWORDS].verify(body.password, stored_hash)
    if not password_ok or row is None or not row["is_active"]:
        if attempt.lock is not None:
            raise _too_many_attempts(attempt.lock)
        raise ApiError(401, BAD_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"})
    async with pool.acquire() as conn:
        await db_users.clear_login_failures(conn, body.email)
    return {k: v for k, v in dict(row).items() if k != "password_hash"}


@operation(
    routes,
    "POST",
    "/auth/logout",
    summary="Revoke the access token used for this request",
    description="The token is refused by every process until it would have expired.",
    tag="auth",
    response=Message,
    access=Access.USER,
    errors=(401,),
)
async def logout(request: web.Request, user: UserOut) -> Message:
    claims = request[CLAIMS]
    async with request.app[POOL].acquire() as conn:
        await db_users.revoke_token(conn, claims.jti, claims.expires_at)
    return Message(message="Successfully logged out")


@operation(
    routes,
    "GET",
    "/auth/me",
    summary="The signed-in account",
    tag="auth",
    response=UserOut,
    access=Access.USER,
    errors=(401,),
)
async def me(request: web.Request, user: UserOut) -> UserOut:
    return user


@operation(
    routes,
    "POST",
    "/auth/password",
    summary="Change your password",
    description="Revokes every token of the account, this one included, and returns a new "
    "token. A wrong current password counts as a failed login.",
    tag="auth",
    body=PasswordChange,
    response=TokenOut,
    access=Access.USER,
    errors=(401, 403, 422, 429),
)
async def change_password(request: web.Request, body: PasswordChange, user: UserOut) -> TokenOut:
    pool = request.app[POOL]
    passwords = request.app[PASSWORDS]
    # Counted like a login, so a stolen token cannot be used to guess the password.
    async with pool.acquire() as conn:
        attempt = await db_users.begin_login_attempt(conn, user.email)
        if attempt.refused_for is not None:
            raise _too_many_attempts(attempt.refused_for)
        row = await db_users.find_user_for_login(conn, user.email)
    if row is None or not await passwords.verify(body.current_password, row["password_hash"]):
        if attempt.lock is not None:
            raise _too_many_attempts(attempt.lock)
        raise ApiError(403, WRONG_CURRENT_PASSWORD)
    new_hash = await passwords.hash(body.new_password)
    async with pool.acquire() as conn:
        await db_users.clear_login_failures(conn, user.email)
        row = await db_users.change_password(conn, user.id, new_hash)
    return _issue(request, dict(row))
