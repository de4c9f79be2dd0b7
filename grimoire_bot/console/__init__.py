"""The curator console: server-rendered pages under /console for the people who grow the
spellbook (review, the spell editor, unmatched failures, spell health, deliveries), signed
in with a server-side session and protected against CSRF. Every rule is the JSON API's:
pages read through `db/` and act through the API's own operations."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from grimoire_bot.console import (
    advice,
    check,
    deliveries,
    editor,
    health,
    review,
    signin,
    unmatched,
)
from grimoire_bot.console.render import TEMPLATES, build_environment

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/console/static"


def add_console(app: web.Application) -> None:
    app[TEMPLATES] = build_environment()
    for module in (signin, review, editor, check, unmatched, health, deliveries, advice):
        app.router.add_routes(module.routes)
    app.router.add_static(STATIC_PATH, STATIC_DIR, append_version=False)
