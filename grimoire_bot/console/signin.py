"""Signing in to the console: with a password (the login's own checks and throttling) or
with GitHub (the API's flow, ending in a session instead of a bearer token)."""

from __future__ import annotations

import hmac
import secrets

import asyncpg
from aiohttp import web

from grimoire_bot.api.auth import Credentials, authenticate
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.github_login import Callback, begin_sign_in, bind_browser, complete_sign_in
from grimoire_bot.api.limits import too_many_requests
from grimoire_bot.api.operations import validate
from grimoire_bot.auth.limits import Scope, client_address
from grimoire_bot.console.render import Notice, problem_text, render, render_problem
from grimoire_bot.console.sessions import (
    CSRF_FIELD,
    csrf_matches,
    current_viewer,
    end_session,
    start_session,
)
from grimoire_bot.state import LIMITER, OAUTH, SETTINGS

HOME = "/console/review"
GITHUB_START_PATH = "/console/auth/github"
GITHUB_CALLBACK_PATH = "/console/auth/github/callback"
# The console's own binding cookie: a flow started here finishes only here.
GITHUB_BINDING_COOKIE = "grimoire_console_github"
# Before there is a session, the login form's CSRF token is a cookie the form repeats
# (double submit): another site cannot sign a browser in to an account of its choosing.
LOGIN_CSRF_COOKIE = "grimoire_console_login"
LOGIN_PATH = "/console/login"

LOGIN_EXPIRED = "The sign-in form expired; please sign in again."

routes = web.RouteTableDef()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if target and target.startswith("/console/") and not target.startswith("/console//"):
        return target
    return HOME


async def _count_sign_in(request: web.Request) -> None:
    """Sign-in attempts count against the address's AUTH_RATE_LIMIT, as /auth/* do."""
    trust_proxy = request.app[SETTINGS].trust_proxy
    address = client_address(request.remote, request.headers, trust_proxy=trust_proxy)
    try:
        refusal = await request.app[LIMITER].hit(Scope.AUTH, address)
    except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError):
        raise ApiError(503, "The database is unavailable; try again later") from None
    if refusal is not None:
        raise too_many_requests(refusal)


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _login_page(
    request: web.Request,
    *,
    status: int = 200,
    email: str = "",
    messages: list[str] | None = None,
    next_path: str | None = None,
) -> web.Response:
    login_token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        None,
        status=status,
        email=email,
        messages=messages or [],
        next=safe_next(next_path or request.query.get("next")),
        # GitHub must send the browser back to the console's own callback, which only
        # PUBLIC_URL can name (without it GitHub uses the App's first callback URL).
        github_enabled=request.app[OAUTH] is not None and bool(request.app[SETTINGS].public_url),
        login_token=login_token,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        login_token,
        path=LOGIN_PATH,
        httponly=True,
        samesite="Strict",
        secure=request.secure or (request.app[SETTINGS].public_url or "").startswith("https://"),
    )
    return response


@routes.get("/console")
@routes.get("/console/")
async def console_home(request: web.Request) -> web.StreamResponse:
    return see_other(HOME)


@routes.get("/console/login")
async def login_page(request: web.Request) -> web.StreamResponse:
    if await current_viewer(request) is not None:
        return see_other(safe_next(request.query.get("next")))
    return _login_page(request)


@routes.post("/console/login")
async def sign_in_with_password(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email = str(form.get("email", ""))
    next_path = str(form.get("next", ""))
    sent = str(form.get(CSRF_FIELD, ""))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return _login_page(
            request, status=403, email=email, next_path=next_path, messages=[LOGIN_EXPIRED]
        )
    try:
        await _count_sign_in(request)
        credentials = validate(
            Credentials, {"email": email, "password": str(form.get("password", ""))}, "body"
        )
        row = await authenticate(request, credentials)  # type: ignore[arg-type]
    except ApiError as error:
        response = _login_page(
            request,
            status=error.status,
            email=email,
            next_path=next_path,
            messages=problem_text(error),
        )
        if "Retry-After" in error.headers:
            response.headers["Retry-After"] = error.headers["Retry-After"]
        return response
    response = see_other(safe_next(next_path))
    response.del_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    await start_session(request, response, row)
    return response


@routes.post("/console/logout")
async def sign_out(request: web.Request) -> web.StreamResponse:
    viewer = await current_viewer(request)
    form = await request.post()
    if viewer is not None and not csrf_matches(viewer, form.get(CSRF_FIELD)):  # type: ignore[arg-type]
        return render_problem(request, viewer, 403, ["Reload the page and sign out again."])
    response = see_other(f"{LOGIN_PATH}?notice={Notice.SIGNED_OUT}")
    await end_session(request, response)
    return response


@routes.get(GITHUB_START_PATH)
async def sign_in_with_github(request: web.Request) -> web.StreamResponse:
    try:
        await _count_sign_in(request)
        start, binding = await begin_sign_in(request, None, GITHUB_CALLBACK_PATH)
    except ApiError as error:
        return _login_page(request, status=error.status, messages=problem_text(error))
    response = web.Response(status=302, headers={"Location": start.authorize_url})
    bind_browser(request, response, binding, cookie=GITHUB_BINDING_COOKIE, path=GITHUB_START_PATH)
    return response


@routes.get(GITHUB_CALLBACK_PATH)
async def finish_github_sign_in(request: web.Request) -> web.StreamResponse:
    binding = request.cookies.get(GITHUB_BINDING_COOKIE, "")
    try:
        await _count_sign_in(request)
        query = validate(Callback, dict(request.query), "query")
        row, _, _ = await complete_sign_in(
            request,
            query,
            binding,
            GITHUB_CALLBACK_PATH,  # type: ignore[arg-type]
        )
    except ApiError as error:
        return _login_page(request, status=error.status, messages=problem_text(error))
    response = see_other(HOME)
    response.del_cookie(GITHUB_BINDING_COOKIE, path=GITHUB_START_PATH)
    await start_session(request, response, dict(row))
    return response
