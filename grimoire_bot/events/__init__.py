"""Event handlers, one module per GitHub event family, composed into one router."""

from __future__ import annotations

from gidgethub import routing

from grimoire_bot.events import installations


def build_router() -> routing.Router:
    return routing.Router(installations.router)
