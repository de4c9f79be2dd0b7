"""Liveness and readiness: `/ping` answers while the process runs, `/health` checks Postgres."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel

from grimoire_bot import SERVICE_NAME
from grimoire_bot.api.operations import operation
from grimoire_bot.state import POOL

DATABASE_CHECK_TIMEOUT_SECONDS = 3

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()


class Health(BaseModel):
    status: Literal["healthy", "unhealthy"]
    service: str
    database: Literal["ok", "unavailable"]


async def database_reachable(pool: asyncpg.Pool) -> bool:
    try:
        async with asyncio.timeout(DATABASE_CHECK_TIMEOUT_SECONDS):
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
    except (
        OSError,
        TimeoutError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
    ):
        logger.warning("health check: database unreachable")
        return False
    return True


@operation(
    routes,
    "GET",
    "/health",
    summary="Service and database health",
    description="503 with `database: unavailable` when PostgreSQL cannot be reached.",
    tag="meta",
    uses_database=False,  # answers its own 503 (a Health body)
    response=Health,
    extra_responses={503: "The database is unavailable (same body, status `unhealthy`)."},
)
async def health(request: web.Request) -> web.Response:
    ok = await database_reachable(request.app[POOL])
    body = Health(
        status="healthy" if ok else "unhealthy",
        service=SERVICE_NAME,
        database="ok" if ok else "unavailable",
    )
    return web.json_response(body.model_dump(), status=200 if ok else 503)


@operation(
    routes,
    "GET",
    "/ping",
    summary="Liveness probe",
    tag="meta",
    uses_database=False,
    response="PONG",
    response_media_type="text/plain",
)
async def ping(request: web.Request) -> web.Response:
    return web.Response(text="PONG")
