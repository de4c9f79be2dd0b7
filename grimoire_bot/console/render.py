"""Rendering console pages: one Jinja environment (escaping on), the layout's context, and
HTML error pages."""

from __future__ import annotations

import enum
import json
from typing import Any

import jinja2
from aiohttp import web

from grimoire_bot.api.errors import ApiError
from grimoire_bot.console.sessions import CSRF_FIELD, Viewer

TEMPLATES = web.AppKey("console_templates", jinja2.Environment)
HTML = "text/html"
# Headers every console page carries: no framing (clickjacking), scripts and styles only
# from this origin, no referrer leaking ids to other sites.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


class Notice(enum.StrEnum):
    """What a redirect after a form tells the page it lands on (a closed set: a link cannot
    make the console say anything else)."""

    APPROVED = "approved"
    REJECTED = "rejected"
    SAVED = "saved"
    CREATED = "created"
    PROPOSED = "proposed"
    RESTORED = "restored"
    REDELIVERED = "redelivered"
    DRAFTED = "drafted"
    SIGNED_OUT = "signed_out"


NOTICE_TEXT = {
    Notice.APPROVED: "Approved. Grimoire posts it from the next failure on.",
    Notice.REJECTED: "Rejected; the reason is kept with its history.",
    Notice.SAVED: "Saved.",
    Notice.CREATED: "Created.",
    Notice.PROPOSED: "Your change is proposed; a curator will review it.",
    Notice.RESTORED: "Restored.",
    Notice.REDELIVERED: "Queued again.",
    Notice.DRAFTED: "The LLM drafted this spell; review it below.",
    Notice.SIGNED_OUT: "You are signed out.",
}


def build_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grimoire_bot.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    return env


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def notice_of(request: web.Request) -> str | None:
    try:
        return NOTICE_TEXT[Notice(request.query.get("notice", ""))]
    except ValueError:
        return None


def render(
    request: web.Request,
    template: str,
    viewer: Viewer | None,
    *,
    status: int = 200,
    **context: Any,
) -> web.Response:
    page = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(
            viewer=viewer,
            csrf_field=CSRF_FIELD,
            csrf_token=viewer.csrf_token if viewer else "",
            notice=notice_of(request),
            path=request.path,
            **context,
        )
    )
    return web.Response(text=page, status=status, content_type=HTML, headers=PAGE_HEADERS)


def problem_text(error: ApiError) -> list[str]:
    """An API error's detail as sentences: a 422's field errors one per line."""
    detail = json.loads(error.text or "{}").get("detail")
    if isinstance(detail, list):
        return [f"{_field_name(item.get('loc', []))}: {item.get('msg')}" for item in detail]
    return [str(detail)]


def _field_name(location: list[Any]) -> str:
    parts = [str(part) for part in location if part not in ("body", "path", "query")]
    return ".".join(parts) or "request"


def render_problem(
    request: web.Request, viewer: Viewer | None, status: int, messages: list[str]
) -> web.Response:
    return render(request, "problem.html", viewer, status=status, messages=messages)
