"""The data layer: connection pools here, and one module per table family holding all SQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

COMMAND_TIMEOUT_SECONDS = 60


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        command_timeout=COMMAND_TIMEOUT_SECONDS,
    )


@asynccontextmanager
async def open_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 10
) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(dsn, min_size=min_size, max_size=max_size)
    try:
        yield pool
    finally:
        await pool.close()
