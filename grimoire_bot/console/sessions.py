"""Console sessions: a random id in an HttpOnly cookie, the session itself in PostgreSQL,
and the CSRF token every state-changing request must send back.

Only the id's hash is stored, so reading the table gives no one a usable session. A
session ends when its owner signs out, when it expires, and in every process at once when
the account is deactivated or its token generation changes (a new password), exactly as
the API's bearer tokens are revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from grimoire_bot.api.auth import UserOut
from grimoire_bot.db import console as db_console
from grimoire_bot.state import POOL, SETTINGS

SESSION_COOKIE = "grimoire_console"
COOKIE_PATH = "/console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The resolved session, kept for the rest of the request.
VIEWER = web.RequestKey("console_viewer", object)


@dataclass(frozen=True)
class Viewer:
    """Who is signed in to the console, and the CSRF token their forms carry."""

    user: UserOut
    csrf_token: str


def _digest(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


def _lifetime(request: web.Request) -> timedelta:
    # A session lasts as long as an API access token would.
    return timedelta(minutes=request.app[SETTINGS].access_token_expire_minutes)


def _secure(request: web.Request) -> bool:
    return request.secure or (request.app[SETTINGS].public_url or "").startswith("https://")


async def start_session(request: web.Request, response: web.StreamResponse, row: dict) -> None:
    """Sign the account in `row` (with its token generation) in on this browser."""
    session_id = secrets.token_urlsafe(32)
    lifetime = _lifetime(request)
    async with request.app[POOL].acquire() as conn:
        await db_console.create_session(
            conn,
            id_hash=_digest(session_id),
            user_id=row["id"],
            token_generation=row["token_generation"],
            csrf_token=secrets.token_urlsafe(32),
            lifetime=lifetime,
        )
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(lifetime.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        # Lax: the cookie comes with a link followed from elsewhere (GitHub's redirect back
        # included), never with another site's form post or fetch.
        samesite="Lax",
        secure=_secure(request),
    )


async def end_session(request: web.Request, response: web.StreamResponse) -> None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        async with request.app[POOL].acquire() as conn:
            await db_console.delete_session(conn, _digest(session_id))
    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)


async def current_viewer(request: web.Request) -> Viewer | None:
    """The signed-in viewer of this request, or None (no cookie, or a session that ended)."""
    if VIEWER in request:
        return request[VIEWER]  # type: ignore[return-value]
    viewer = None
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        async with request.app[POOL].acquire() as conn:
            row = await db_console.session_user(conn, _digest(session_id))
        if row is not None:
            fields = dict(row)
            csrf_token = fields.pop("csrf_token")
            viewer = Viewer(UserOut(**fields), csrf_token)
    request[VIEWER] = viewer
    return viewer


def csrf_matches(viewer: Viewer, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(viewer.csrf_token.encode(), str(sent).encode())
