"""Per-client-address limits on the routes strangers can make expensive: `/auth/*` and matching."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web

from grimoire_bot.api.errors import ApiError
from grimoire_bot.auth.limits import Refusal, Scope, client_address
from grimoire_bot.state import LIMITER

AUTH_PREFIX = "/auth/"
MATCH_PATH = "/api/match"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def scope_of(path: str) -> Scope | None:
    if path.startswith(AUTH_PREFIX):
        return Scope.AUTH
    if path.rstrip("/") == MATCH_PATH:
        return Scope.MATCH
    return None


def too_many_requests(refusal: Refusal) -> ApiError:
    return ApiError(
        429,
        f"Too many requests from your address to {refusal.scope.value} endpoints (at most "
        f"{refusal.limit}); try again in {refusal.retry_after} seconds",
        headers={"Retry-After": str(refusal.retry_after)},
    )


def client_limits(*, trust_proxy: bool) -> Callable:
    """Counted before the handler runs, so a refused request costs no body read, no scrypt."""

    @web.middleware
    async def limit_clients(request: web.Request, handler: Handler) -> web.StreamResponse:
        scope = scope_of(request.path)
        if scope is not None:
            address = client_address(request.remote, request.headers, trust_proxy=trust_proxy)
            try:
                refusal = await request.app[LIMITER].hit(scope, address)
            except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError):
                raise ApiError(503, "The database is unavailable; try again later") from None
            if refusal is not None:
                raise too_many_requests(refusal)
        return await handler(request)

    return limit_clients
