"""SQL for installations, their repositories and each repository's settings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg

# Read through a LEFT JOIN aliased `s`: a repository nobody configured has no row yet.
SETTINGS_COLUMNS = (
    "s.enabled, s.auto_generate, s.min_score, s.max_annotations, "
    "s.annotation_level::text AS annotation_level, s.ignore_paths, s.post_when_no_match, "
    "s.set_fields, s.updated_at"
)
SETTING_FIELDS = (
    "enabled",
    "auto_generate",
    "min_score",
    "max_annotations",
    "annotation_level",
    "ignore_paths",
    "post_when_no_match",
)
REPOSITORY_COLUMNS = (
    "r.id, r.full_name, r.private, r.installation_id, i.account_login, "
    "i.suspended_at IS NOT NULL AS suspended, r.added_at"
)
SETTINGS_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "auto_generate": False,
    "min_score": None,
    "max_annotations": 50,
    "annotation_level": "warning",
    "ignore_paths": [],
    "post_when_no_match": False,
    # The fields saved through the API; the others fall through to files and defaults.
    "set_fields": [],
    "updated_at": None,
}


async def upsert_installation(conn: asyncpg.Connection, installation: Mapping[str, Any]) -> None:
    account = installation.get("account") or {}
    await conn.execute(
        """
        INSERT INTO installations
            (id, account_login, account_id, account_type, target_type, permissions, events)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (id) DO UPDATE SET
            account_login = EXCLUDED.account_login, account_id = EXCLUDED.account_id,
            account_type = EXCLUDED.account_type, target_type = EXCLUDED.target_type,
            permissions = EXCLUDED.permissions, events = EXCLUDED.events, updated_at = now()
        """,
        installation["id"],
        account.get("login", ""),
        account.get("id"),
        account.get("type"),
        installation.get("target_type"),
        installation.get("permissions") or {},
        installation.get("events") or [],
    )


async def delete_installation(conn: asyncpg.Connection, installation_id: int) -> None:
    await conn.execute("DELETE FROM installations WHERE id = $1", installation_id)


async def set_suspended(conn: asyncpg.Connection, installation_id: int, suspended: bool) -> None:
    await conn.execute(
        "UPDATE installations SET suspended_at = CASE WHEN $2 THEN now() END, updated_at = now() "
        "WHERE id = $1",
        installation_id,
        suspended,
    )


async def add_repositories(
    conn: asyncpg.Connection, installation_id: int, repositories: Iterable[Mapping[str, Any]]
) -> None:
    repositories = list(repositories)
    # A name now held by another repository (the old one was renamed or deleted, which
    # we hear nothing of) belongs to the new one: forget the stale row.
    await conn.execute(
        "DELETE FROM repositories WHERE lower(full_name) = ANY($1) AND NOT (id = ANY($2))",
        [repo["full_name"].lower() for repo in repositories],
        [repo["id"] for repo in repositories],
    )
    await conn.executemany(
        """
        INSERT INTO repositories (id, installation_id, full_name, private)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (id) DO UPDATE SET
            installation_id = EXCLUDED.installation_id, full_name = EXCLUDED.full_name,
            private = EXCLUDED.private
        """,
        [
            (repo["id"], installation_id, repo["full_name"], bool(repo.get("private")))
            for repo in repositories
        ],
    )


async def remove_repositories(conn: asyncpg.Connection, repository_ids: Iterable[int]) -> None:
    await conn.execute("DELETE FROM repositories WHERE id = ANY($1)", list(repository_ids))


def with_defaults(row: Mapping[str, Any]) -> dict[str, Any]:
    """A repository row whose missing settings read as the defaults."""
    merged = dict(row)
    for name, default in SETTINGS_DEFAULTS.items():
        if merged.get(name) is None:
            merged[name] = default
    return merged


async def list_repositories(
    conn: asyncpg.Connection, *, skip: int, limit: int, only_ids: list[int] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """A page of repositories (those in `only_ids`, when given) and how many there are."""
    rows = await conn.fetch(
        f"""
        SELECT {REPOSITORY_COLUMNS}, {SETTINGS_COLUMNS}
        FROM repositories r
        JOIN installations i ON i.id = r.installation_id
        LEFT JOIN repository_settings s ON s.repository_id = r.id
        WHERE $3::bigint[] IS NULL OR r.id = ANY($3)
        ORDER BY lower(r.full_name) OFFSET $1 LIMIT $2
        """,
        skip,
        limit,
        only_ids,
    )
    total = await conn.fetchval(
        "SELECT count(*) FROM repositories WHERE $1::bigint[] IS NULL OR id = ANY($1)", only_ids
    )
    return [with_defaults(row) for row in rows], total


async def get_repository(
    conn: asyncpg.Connection, full_name: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    """`for_update` locks the repository's row until the transaction ends (a settings change
    reads, merges and writes; two at once must not lose one)."""
    row = await conn.fetchrow(
        f"""
        SELECT {REPOSITORY_COLUMNS}, {SETTINGS_COLUMNS}
        FROM repositories r
        JOIN installations i ON i.id = r.installation_id
        LEFT JOIN repository_settings s ON s.repository_id = r.id
        WHERE lower(r.full_name) = lower($1)
        {"FOR UPDATE OF r" if for_update else ""}
        """,
        full_name,
    )
    return with_defaults(row) if row is not None else None


async def settings_for_repository_id(
    conn: asyncpg.Connection, repository_id: int
) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"SELECT {SETTINGS_COLUMNS} FROM repository_settings s WHERE s.repository_id = $1",
        repository_id,
    )
    return with_defaults(row or {})


async def save_settings(
    conn: asyncpg.Connection,
    repository_id: int,
    values: Mapping[str, Any],
    user_id: int | None,
    *,
    set_fields: Iterable[str] | None = None,
) -> None:
    """Store every setting; `set_fields` names those someone chose (default: all given)."""
    chosen = sorted(set(values if set_fields is None else set_fields) & set(SETTING_FIELDS))
    await conn.execute(
        """
        INSERT INTO repository_settings
            (repository_id, enabled, auto_generate, min_score, max_annotations,
             annotation_level, ignore_paths, post_when_no_match, updated_by, set_fields)
        VALUES ($1, $2, $3, $4, $5, $6::annotation_level, $7, $8, $9, $10)
        ON CONFLICT (repository_id) DO UPDATE SET
            enabled = EXCLUDED.enabled, auto_generate = EXCLUDED.auto_generate,
            min_score = EXCLUDED.min_score, max_annotations = EXCLUDED.max_annotations,
            annotation_level = EXCLUDED.annotation_level, ignore_paths = EXCLUDED.ignore_paths,
            post_when_no_match = EXCLUDED.post_when_no_match, updated_by = EXCLUDED.updated_by,
            set_fields = EXCLUDED.set_fields, updated_at = now()
        """,
        repository_id,
        values["enabled"],
        values["auto_generate"],
        values["min_score"],
        values["max_annotations"],
        values["annotation_level"],
        list(values["ignore_paths"]),
        values["post_when_no_match"],
        user_id,
        chosen,
    )
