"""Sign in with GitHub: the App's user authorization (web flow), linking or creating accounts.

`state` is random, single use, expires in ten minutes, and is bound to the browser that
started the flow by a cookie whose hash is stored beside it (so a link that someone else
started cannot sign you into their account), and to the signed-in account when linking.
PKCE (S256) binds the code to this server's exchange as well.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Annotated

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.auth import TokenOut, UserOut, issue_token, resolve_user
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, operation
from grimoire_bot.db import identities as db_identities
from grimoire_bot.db import users as db_users
from grimoire_bot.github.client import TransientGitHubError
from grimoire_bot.github.oauth import (
    GitHubOAuth,
    GitHubUser,
    OAuthError,
    Permission,
    TokenRefused,
    UserTokens,
    get_user,
    repository_permissions,
)
from grimoire_bot.state import OAUTH, POOL, REPO_ACCESS, SETTINGS
from grimoire_bot.validation import Text

STATE_LIFETIME = timedelta(minutes=10)
BINDING_COOKIE = "grimoire_github_signin"
COOKIE_PATH = "/auth/github"
CALLBACK_PATH = "/auth/github/callback"
# Never a valid scrypt hash: an account made through GitHub has no password to guess.
NO_PASSWORD = "!github-sign-in"  # noqa: S105 - a marker, not a password
# GitHub's own no-reply addresses: `ID+LOGIN@users.noreply.HOST`.
NOREPLY_HOST = "github.com"

routes = web.RouteTableDef()


class SignInStart(BaseModel):
    authorize_url: str = Field(description="Send the browser here.")
    state: str
    expires_in: int = Field(description="Seconds the flow may take.")
    linking: bool = Field(description="True when the identity will be linked to your account.")


class GitHubIdentityOut(BaseModel):
    id: int
    login: str


class GitHubSignIn(TokenOut):
    github: GitHubIdentityOut
    created: bool = Field(description="A contributor account was created for this identity.")


class Callback(BaseModel):
    code: Annotated[Text, Field(max_length=512)] | None = None
    state: Annotated[Text, Field(max_length=512)] | None = None
    error: Annotated[Text, Field(max_length=200)] | None = None
    error_description: Annotated[Text, Field(max_length=1000)] | None = None


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def _oauth(request: web.Request) -> GitHubOAuth:
    oauth = request.app[OAUTH]
    if oauth is None:
        raise ApiError(
            503,
            "Sign in with GitHub is not configured: set GITHUB_CLIENT_ID and "
            "GITHUB_CLIENT_SECRET to the GitHub App's client id and secret",
        )
    return oauth


def _redirect_uri(request: web.Request, callback_path: str = CALLBACK_PATH) -> str | None:
    """Our callback when PUBLIC_URL says where we are; else GitHub uses the App's own."""
    public_url = request.app[SETTINGS].public_url
    return f"{public_url}{callback_path}" if public_url else None


def _pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def begin_sign_in(
    request: web.Request, user: UserOut | None, callback_path: str = CALLBACK_PATH
) -> tuple[SignInStart, str]:
    """A new flow: where to send the browser, and the binding to set as its cookie."""
    oauth = _oauth(request)
    state, binding, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    async with request.app[POOL].acquire() as conn:
        await db_identities.create_state(
            conn,
            state_hash=_digest(state),
            binding_hash=_digest(binding),
            code_verifier=verifier,
            user_id=user.id if user else None,
            lifetime=STATE_LIFETIME,
        )
    url = oauth.authorize_url(
        state=state,
        code_challenge=_pkce_challenge(verifier),
        redirect_uri=_redirect_uri(request, callback_path),
    )
    start = SignInStart(
        authorize_url=url,
        state=state,
        expires_in=int(STATE_LIFETIME.total_seconds()),
        linking=user is not None,
    )
    return start, binding


def bind_browser(
    request: web.Request,
    response: web.StreamResponse,
    binding: str,
    *,
    cookie: str = BINDING_COOKIE,
    path: str = COOKIE_PATH,
) -> None:
    public_url = request.app[SETTINGS].public_url or ""
    response.set_cookie(
        cookie,
        binding,
        max_age=int(STATE_LIFETIME.total_seconds()),
        path=path,
        httponly=True,
        # Lax: the cookie comes back on GitHub's top-level redirect, not on cross-site posts.
        samesite="Lax",
        secure=request.secure or public_url.startswith("https://"),
    )


@operation(
    routes,
    "POST",
    "/auth/github/start",
    summary="Start signing in with GitHub",
    description="Answers the URL to send the browser to and sets a cookie binding the flow to "
    "this browser. With a bearer token, the GitHub identity is linked to that account instead.",
    tag="auth",
    response=SignInStart,
    errors=(401, 429, 503),
)
async def start_sign_in(request: web.Request) -> web.Response:
    user = None
    if "Authorization" in request.headers:
        user = await resolve_user(request, Access.USER)
    start, binding = await begin_sign_in(request, user)
    response = web.json_response(start.model_dump())
    bind_browser(request, response, binding)
    return response


@operation(
    routes,
    "GET",
    "/auth/github/login",
    summary="Sign in with GitHub (browser redirect)",
    description="Redirects to GitHub's authorization page; GitHub sends the browser back to "
    "`/auth/github/callback`.",
    tag="auth",
    status=302,
    errors=(429, 503),
)
async def redirect_to_github(request: web.Request) -> web.Response:
    start, binding = await begin_sign_in(request, None)
    response = web.Response(status=302, headers={"Location": start.authorize_url})
    bind_browser(request, response, binding)
    return response


@operation(
    routes,
    "GET",
    CALLBACK_PATH,
    summary="Finish signing in with GitHub",
    description="GitHub redirects here with `code` and `state`. Signs in the account linked "
    "to the GitHub identity (a locked account too), links it to the account that started "
    "the flow, or creates a contributor account; answers the same bearer token as "
    "`/auth/login`. Creating an account needs open signup or access to a repository the App "
    "is installed on.",
    tag="auth",
    query=Callback,
    response=GitHubSignIn,
    errors=(400, 403, 409, 429, 503),
)
async def finish_sign_in(request: web.Request, query: Callback) -> GitHubSignIn:
    binding = request.cookies.get(BINDING_COOKIE, "")
    user_row, github_user, created = await complete_sign_in(request, query, binding)
    token = issue_token(request, dict(user_row))
    return GitHubSignIn(
        **token.model_dump(),
        github=GitHubIdentityOut(id=github_user.id, login=github_user.login),
        created=created,
    )


async def complete_sign_in(
    request: web.Request, query: Callback, binding: str, callback_path: str = CALLBACK_PATH
) -> tuple[asyncpg.Record, GitHubUser, bool]:
    """The active account GitHub's answer signs in to (linked or created as the flow asks),
    the GitHub user, and whether the account was created; an ApiError otherwise."""
    oauth = _oauth(request)
    if query.error:
        raise ApiError(400, f"GitHub did not authorize the sign-in: {query.error}")
    if not query.code or not query.state:
        raise ApiError(400, "Expected the code and state GitHub sends back")
    async with request.app[POOL].acquire() as conn:
        flow = await db_identities.take_state(conn, _digest(query.state))
    if flow is None:
        raise ApiError(400, "Unknown, used or expired state: start signing in again")
    if not hmac.compare_digest(_digest(binding), bytes(flow["binding_hash"])):
        raise ApiError(400, "This sign-in was started in another browser: start it again here")
    tokens, github_user, permissions = await _ask_github(
        oauth, query.code, flow["code_verifier"], _redirect_uri(request, callback_path)
    )
    async with request.app[POOL].acquire() as conn, conn.transaction():
        user_row, created = await _account_for(
            request, conn, github_user, permissions, linking_user_id=flow["user_id"]
        )
        await db_identities.save_tokens(
            conn,
            github_user.id,
            github_user.login,
            request.app[REPO_ACCESS].seal(github_user.id, tokens),
        )
        await db_identities.replace_permissions(
            conn, github_user.id, {repo: str(p) for repo, p in permissions.items()}
        )
    if not user_row["is_active"]:
        raise ApiError(403, "This account is deactivated")
    return user_row, github_user, created


async def _ask_github(
    oauth: GitHubOAuth, code: str, verifier: str, redirect_uri: str | None
) -> tuple[UserTokens, GitHubUser, dict[int, Permission]]:
    """Exchange the code, then read who the user is and what they may do, with their token."""
    try:
        tokens = await oauth.exchange_code(code, code_verifier=verifier, redirect_uri=redirect_uri)
        gh = oauth.user_client(tokens.access_token)
        return tokens, await get_user(gh), await repository_permissions(gh)
    except OAuthError as exc:
        raise ApiError(400, f"GitHub refused the sign-in code: {exc.code}") from None
    except TokenRefused:
        raise ApiError(400, "GitHub refused the token it had just issued: start again") from None
    except TransientGitHubError as exc:
        raise ApiError(503, f"GitHub is not answering ({exc.reason}); try again") from None


async def _account_for(
    request: web.Request,
    conn: asyncpg.Connection,
    github_user: GitHubUser,
    permissions: dict[int, Permission],
    *,
    linking_user_id: int | None,
) -> tuple[asyncpg.Record, bool]:
    """The account this identity signs in to, linking or creating it as the flow asks."""
    identity = await db_identities.identity_by_github_id(conn, github_user.id)
    if linking_user_id is not None:
        if identity is not None and identity["user_id"] != linking_user_id:
            raise ApiError(409, f"GitHub user {github_user.login} is linked to another account")
        if identity is None and not await db_identities.link_identity(
            conn, user_id=linking_user_id, github_id=github_user.id, login=github_user.login
        ):
            raise ApiError(409, "This account is already linked to another GitHub user")
        return await _existing_account(conn, linking_user_id), False
    if identity is not None:
        return await _existing_account(conn, identity["user_id"]), False
    if not (request.app[SETTINGS].allow_signup or permissions):
        raise ApiError(
            403,
            "Signup is closed on this server, and this GitHub user has no access to a "
            "repository Grimoire is installed on",
        )
    host = (request.app[SETTINGS].ghe_host or NOREPLY_HOST).split(":")[0]
    email = f"{github_user.id}+{github_user.login}@users.noreply.{host}"
    row = await db_users.create_github_user(conn, email, NO_PASSWORD)
    if row is None:
        raise ApiError(
            409, f"An account already uses {email}: sign in to it and link GitHub from there"
        )
    await db_identities.link_identity(
        conn, user_id=row["id"], github_id=github_user.id, login=github_user.login
    )
    return row, True


async def _existing_account(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record:
    row = await db_users.find_user(conn, user_id)
    if row is None:  # deleted between the start and the callback
        raise ApiError(400, "The account that started this sign-in no longer exists")
    return row
