"""The JSON API: every route of the service, composed in one place."""

from __future__ import annotations

from aiohttp import web

from grimoire_bot.api import (
    advice,
    auth,
    docs,
    github_login,
    health,
    llm,
    match,
    metrics,
    repos,
    review,
    revisions,
    spells,
    users,
    webhook_logs,
)
from grimoire_bot.webhooks import intake


def add_routes(app: web.Application) -> None:
    for module in (
        health,
        metrics,
        auth,
        github_login,
        users,
        spells,
        review,
        revisions,
        match,
        advice,
        repos,
        webhook_logs,
        llm,
        intake,
    ):
        app.router.add_routes(module.routes)
    docs.add_docs_routes(app)
