"""Event handlers, one module per GitHub event family, composed into one router."""

from __future__ import annotations

from gidgethub import routing

from grimoire_bot.events import failures, feedback, installations, pull_requests, pushes


def build_router() -> routing.Router:
    return routing.Router(
        installations.router,
        failures.router,
        feedback.router,
        pull_requests.router,
        pushes.router,
    )
