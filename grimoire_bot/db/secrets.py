"""Secrets the service generates for itself and shares between its processes."""

from __future__ import annotations

import asyncpg


async def get_or_create_secret(conn: asyncpg.Connection, name: str, candidate: str) -> str:
    """Store *candidate* under *name* unless a value exists; return the stored value.

    Every process proposes its own random value and they all converge on the first one
    written, so tokens signed by one web process verify in all the others.
    """
    await conn.execute(
        "INSERT INTO app_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        name,
        candidate,
    )
    return await conn.fetchval("SELECT value FROM app_secrets WHERE name = $1", name)
