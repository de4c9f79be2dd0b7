"""SQL for `.github/grimoire.yml` files as last read from GitHub, shared by every process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

FILE_COLUMNS = (
    "repository, path, status::text AS status, etag, settings, problems, checked_at, stale"
)


async def get_file(conn: asyncpg.Connection, repository: str, path: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {FILE_COLUMNS} FROM repository_config_files "
        "WHERE repository = lower($1) AND path = $2",
        repository,
        path,
    )


async def save_file(
    conn: asyncpg.Connection,
    repository: str,
    path: str,
    *,
    status: str,
    etag: str | None,
    settings: dict[str, Any] | None,
    problems: Sequence[str],
) -> asyncpg.Record:
    return await conn.fetchrow(
        f"""
        INSERT INTO repository_config_files
            (repository, path, status, etag, settings, problems, checked_at, stale)
        VALUES (lower($1), $2, $3::config_file_status, $4, $5, $6, now(), false)
        ON CONFLICT (repository, path) DO UPDATE SET
            status = EXCLUDED.status, etag = EXCLUDED.etag, settings = EXCLUDED.settings,
            problems = EXCLUDED.problems, checked_at = now(), stale = false
        RETURNING {FILE_COLUMNS}
        """,
        repository,
        path,
        status,
        etag,
        settings,
        list(problems),
    )


async def touch_file(conn: asyncpg.Connection, repository: str, path: str) -> asyncpg.Record:
    """GitHub said the file is unchanged: trust it for another while."""
    return await conn.fetchrow(
        f"UPDATE repository_config_files SET checked_at = now(), stale = false "
        f"WHERE repository = lower($1) AND path = $2 RETURNING {FILE_COLUMNS}",
        repository,
        path,
    )


async def mark_stale(conn: asyncpg.Connection, repository: str) -> int:
    """A push to the repository's default branch: read its files again before trusting them."""
    status = await conn.execute(
        "UPDATE repository_config_files SET stale = true WHERE repository = lower($1)",
        repository,
    )
    return int(status.split()[-1])


async def spell_ids_for_keys(conn: asyncpg.Connection, keys: Sequence[str]) -> list[int]:
    rows = await conn.fetch("SELECT id FROM spells WHERE key = ANY($1)", list(keys))
    return [row["id"] for row in rows]
