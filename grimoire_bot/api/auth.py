"""Accounts: signup, login, logout and who-am-I, with the seed's contract."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field

from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, operation
from grimoire_bot.auth.tokens import InvalidToken, TokenClaims
from grimoire_bot.db import users as db_users
from grimoire_bot.state import PASSWORDS, POOL, SETTINGS, TOKENS
from grimoire_bot.validation import storable_text

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
# Deliberately modest: the mailbox's owner is the real validator, we only reject typos.
EMAIL_SHAPE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
NOT_AUTHENTICATED = "Not authenticated"
BAD_CREDENTIALS = "Incorrect email or password"
INVALID_TOKEN = "Could not validate credentials"  # noqa: S105 - a message, not a secret

routes = web.RouteTableDef()
# The verified claims of the request's token, for logout to revoke.
CLAIMS = web.RequestKey("claims", TokenClaims)


def valid_email(value: str) -> str:
    storable_text(value)
    if len(value) > 254 or not EMAIL_SHAPE.match(value):
        raise ValueError("value is not a valid email address")
    return value


Email = Annotated[str, AfterValidator(valid_email)]
Password = Annotated[
    str,
    Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH),
    AfterValidator(storable_text),
]


class Credentials(BaseModel):
    email: Email = Field(examples=["curator@example.com"])
    password: Password = Field(examples=["correct horse battery"])


class UserOut(BaseModel):
    id: int
    email: str
    is_active: bool
    created_at: datetime
    role: Literal["admin", "curator", "contributor"]


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


async def resolve_user(request: web.Request, access: Access) -> UserOut:
    """The signed-in account behind the request's bearer token, or a 401/403."""
    try:
        claims = request.app[TOKENS].verify(bearer_token(request))
    except InvalidToken:
        raise ApiError(401, INVALID_TOKEN, headers={"WWW-Authenticate": "Bearer"}) from None
    async with request.app[POOL].acquire() as conn:
        row = await db_users.find_user_for_token(conn, claims.user_id, claims.jti)
    if row is None or not row["is_active"]:
        raise ApiError(401, INVALID_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    user = UserOut(**dict(row))
    if access is Access.ADMIN and user.role != "admin":
        raise ApiError(403, "This action needs an admin account")
    request[CLAIMS] = claims
    return user


def _issue(request: web.Request, row: dict) -> TokenOut:
    user = UserOut(**row)
    return TokenOut(access_token=request.app[TOKENS].issue(user.id), user=user)


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
    description="The first account becomes `admin`; later ones are `curator`s. "
    "Closed when ALLOW_SIGNUP=false.",
    tag="auth",
    body=Credentials,
    response=TokenOut,
    status=201,
    errors=(403, 409, 422),
)
async def signup(request: web.Request, body: Credentials) -> TokenOut:
    if not request.app[SETTINGS].allow_signup:
        raise ApiError(403, "Signup is closed on this server")
    password_hash = await request.app[PASSWORDS].hash(body.password)
    async with request.app[POOL].acquire() as conn:
        row = await db_users.create_user(conn, body.email, password_hash)
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
    user = {k: v for k, v in dict(row).items() if k != "password_hash"}
    return _issue(request, user)


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
