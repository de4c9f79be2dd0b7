"""What every console page does before its own work: find the viewer, check their role,
check the CSRF token of a state-changing request, and turn refusals into HTML pages."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from grimoire_bot.api import spells as api_spells
from grimoire_bot.api.auth import DENIED, REQUIRED_ROLE
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access
from grimoire_bot.api.repos import visible_permissions
from grimoire_bot.console.render import problem_text, render_problem
from grimoire_bot.console.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    Viewer,
    csrf_matches,
    current_viewer,
)

LOGIN_PATH = "/console/login"
FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The form a page's handler reads: parsed once, for the CSRF check.
FORM = web.RequestKey("console_form", object)
BAD_CSRF = (
    "This form is out of date or did not come from the console (its security token does "
    "not match your session). Reload the page and try again."
)

Page = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def console_page(access: Access = Access.USER) -> Callable[[Page], Callable]:
    """A page (GET) or form target (POST) for signed-in viewers with `access`."""

    def decorate(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def view(request: web.Request) -> web.StreamResponse:
            viewer = await current_viewer(request)
            if viewer is None:
                if request.method in SAFE_METHODS:
                    target = quote(request.path_qs, safe="/?=&")
                    raise web.HTTPSeeOther(f"{LOGIN_PATH}?next={target}")
                return render_problem(request, None, 401, ["Sign in to the console first."])
            if not viewer.user.role.at_least(REQUIRED_ROLE[access]):
                return render_problem(request, viewer, 403, [DENIED[access]])
            if request.method not in SAFE_METHODS and not await _csrf_ok(request, viewer):
                return render_problem(request, viewer, 403, [BAD_CSRF])
            try:
                return await handler(request, viewer)
            except ApiError as error:
                return render_problem(request, viewer, error.status, problem_text(error))

        return view

    return decorate


def console_api(access: Access = Access.USER) -> Callable[[Page], Callable]:
    """A JSON endpoint the console's scripts call: errors stay JSON `{"detail": ...}`."""

    def decorate(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def endpoint(request: web.Request) -> web.StreamResponse:
            viewer = await current_viewer(request)
            if viewer is None:
                raise ApiError(401, "Sign in to the console first")
            if not viewer.user.role.at_least(REQUIRED_ROLE[access]):
                raise ApiError(403, DENIED[access])
            if not csrf_matches(viewer, request.headers.get(CSRF_HEADER)):
                raise ApiError(403, f"Send the session's CSRF token in {CSRF_HEADER}")
            return await handler(request, viewer)

        return endpoint

    return decorate


async def _csrf_ok(request: web.Request, viewer: Viewer) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in FORM_MEDIA_TYPES:
        form = await request.post()
        request[FORM] = form
        sent = form.get(CSRF_FIELD)  # type: ignore[assignment]
    return csrf_matches(viewer, sent)


async def form_of(request: web.Request) -> dict[str, str]:
    """The request's form fields (text only; the last value of a repeated name)."""
    form = request.get(FORM)
    if form is None:
        form = await request.post()
    return {name: value for name, value in form.items() if isinstance(value, str)}


def redirect(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


async def visible_repository_ids(request: web.Request, viewer: Viewer) -> list[int] | None:
    """The repositories whose failures the viewer may see (as `GET /api/repos` lists them);
    None for admins, who see every repository."""
    permissions = await visible_permissions(request, viewer.user)
    return None if permissions is None else sorted(permissions)


def sees_unreviewed_ai_drafts(viewer: Viewer) -> bool:
    """An AI draft nobody approved yet was written from a failure's log, possibly a private
    repository's: until a curator approves it, it exists only for curators and admins (the
    JSON API's rule, `api.spells.reviews`)."""
    return api_spells.reviews(viewer.user)
