"""The aiohttp application factory: routes composed once, resources opened in cleanup contexts."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from grimoire_bot import api, console
from grimoire_bot.api.auth import resolve_user
from grimoire_bot.api.errors import json_errors
from grimoire_bot.api.limits import client_limits
from grimoire_bot.api.operations import USER_RESOLVER
from grimoire_bot.auth.limits import ClientLimiter, Scope, clean_up_periodically
from grimoire_bot.auth.passwords import PasswordHasher
from grimoire_bot.auth.repo_access import RepoAccess
from grimoire_bot.auth.sealing import Sealer
from grimoire_bot.auth.tokens import TokenIssuer
from grimoire_bot.db import open_pool
from grimoire_bot.db.secrets import get_or_create_secret
from grimoire_bot.drafts import open_draft_deps
from grimoire_bot.events import build_router
from grimoire_bot.github.app import open_github_app
from grimoire_bot.github.oauth import GitHubOAuth
from grimoire_bot.matcher import Matcher
from grimoire_bot.settings import Settings
from grimoire_bot.state import (
    GITHUB,
    LIMITER,
    MATCHER,
    OAUTH,
    PASSWORDS,
    POOL,
    RECORDER,
    REPO_ACCESS,
    SETTINGS,
    TOKENS,
)
from grimoire_bot.webhooks.dispatch import Dispatcher
from grimoire_bot.webhooks.recorder import DeliveryRecorder
from grimoire_bot.webhooks.worker import run_worker

# GitHub caps webhook payloads at 25 MB; nothing we accept is larger.
MAX_REQUEST_BYTES = 25 * 1024 * 1024
GENERATED_SECRET_NAME = "jwt_secret_key"  # noqa: S105 - the row name, not the key

logger = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def database(database_url: str) -> CleanupContext:
    async def open_database(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        async with open_pool(
            database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max
        ) as pool:
            app[POOL] = pool
            app[MATCHER] = Matcher(pool, semantic=settings.semantic_matching)
            app[RECORDER] = DeliveryRecorder(pool)
            yield
            await app[RECORDER].close()

    return open_database


async def access_tokens(app: web.Application) -> AsyncIterator[None]:
    """Sign tokens with SECRET_KEY, or with a key generated once and kept in the database."""
    settings = app[SETTINGS]
    key = settings.secret_key
    if key is None:
        async with app[POOL].acquire() as conn:
            key = await get_or_create_secret(conn, GENERATED_SECRET_NAME, secrets.token_hex(32))
        logger.info(
            "SECRET_KEY is not set: signing tokens with a generated key kept in the database"
        )
    app[TOKENS] = TokenIssuer(key, settings.access_token_expire_minutes)
    app[PASSWORDS] = PasswordHasher()
    yield


async def github(app: web.Application) -> AsyncIterator[None]:
    async with open_github_app(app[SETTINGS]) as github_app:
        app[GITHUB] = github_app
        yield


async def trust(app: web.Application) -> AsyncIterator[None]:
    """GitHub sign-in, repository permissions and per-address limits, and their housekeeping."""
    settings = app[SETTINGS]
    oauth = None
    if settings.github_client_id and settings.github_client_secret:
        oauth = GitHubOAuth.for_host(
            app[GITHUB].session,
            client_id=settings.github_client_id,
            client_secret=settings.github_client_secret,
            ghe_host=settings.ghe_host,
            ghe_protocol=settings.ghe_protocol,
        )
    app[OAUTH] = oauth
    app[REPO_ACCESS] = RepoAccess(app[POOL], oauth, Sealer(app[TOKENS].secret_key))
    app[LIMITER] = ClientLimiter(
        app[POOL], {Scope.AUTH: settings.auth_rate_limit, Scope.MATCH: settings.match_rate_limit}
    )
    stop = asyncio.Event()
    housekeeping = asyncio.create_task(clean_up_periodically(app[POOL], stop))
    yield
    stop.set()
    await housekeeping


async def in_process_worker(app: web.Application) -> AsyncIterator[None]:
    """`serve` runs one worker beside the web server; it drains on shutdown."""
    async with open_draft_deps(app[SETTINGS], app[POOL]) as drafts:
        dispatcher = Dispatcher(
            app[SETTINGS], app[POOL], app[GITHUB], app[MATCHER], build_router(), drafts=drafts
        )
        stop = asyncio.Event()
        task = asyncio.create_task(run_worker(app[SETTINGS], app[POOL], dispatcher, stop))
        yield
        stop.set()
        await task


def cors(origins: tuple[str, ...]) -> Callable:
    allowed = set(origins)

    def cors_headers(origin: str) -> dict[str, str]:
        return {
            "Access-Control-Allow-Origin": "*" if "*" in allowed else origin,
            "Vary": "Origin",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
            "Access-Control-Expose-Headers": "X-Total-Count, Retry-After",
        }

    @web.middleware
    async def add_cors_headers(request: web.Request, handler: Callable) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None or not ("*" in allowed or origin in allowed):
            return await handler(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return web.Response(status=204, headers=cors_headers(origin))
        try:
            response = await handler(request)
        except web.HTTPException as error:
            # Errors too: a browser must be able to read a 401's or a 429's detail.
            error.headers.update(cors_headers(origin))
            raise
        response.headers.update(cors_headers(origin))
        return response

    return add_cors_headers


def create_app(
    settings: Settings, database_url: str, *, with_worker: bool = False
) -> web.Application:
    app = web.Application(
        middlewares=[
            cors(settings.cors_origins),
            json_errors,
            client_limits(trust_proxy=settings.trust_proxy),
        ],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[SETTINGS] = settings
    app[USER_RESOLVER] = resolve_user
    app.cleanup_ctx.append(database(database_url))
    app.cleanup_ctx.append(access_tokens)
    app.cleanup_ctx.append(github)
    app.cleanup_ctx.append(trust)
    if with_worker:
        app.cleanup_ctx.append(in_process_worker)
    api.add_routes(app)
    console.add_console(app)
    return app
