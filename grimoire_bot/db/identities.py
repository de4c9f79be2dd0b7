"""SQL for GitHub identities linked to accounts, their repository permissions and sign-in states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

IDENTITY_COLUMNS = (
    "github_id, user_id, login, access_token, access_expires_at, refresh_token, "
    "refresh_expires_at, permissions_checked_at"
)


@dataclass(frozen=True)
class SealedTokens:
    """A GitHub user's tokens as stored: sealed bytes and their expiry (None: never)."""

    access_token: bytes
    access_expires_at: datetime | None
    refresh_token: bytes | None
    refresh_expires_at: datetime | None


# ---------------------------------------------------------------- sign-in states


async def create_state(
    conn: asyncpg.Connection,
    *,
    state_hash: bytes,
    binding_hash: bytes,
    code_verifier: str,
    user_id: int | None,
    lifetime: timedelta,
) -> None:
    await conn.execute(
        "INSERT INTO oauth_states (state_hash, binding_hash, code_verifier, user_id, expires_at) "
        "VALUES ($1, $2, $3, $4, now() + $5::interval)",
        state_hash,
        binding_hash,
        code_verifier,
        user_id,
        lifetime,
    )


async def take_state(conn: asyncpg.Connection, state_hash: bytes) -> asyncpg.Record | None:
    """Use a state up: it is deleted whatever follows, so it can never serve twice.

    None when unknown, used or expired.
    """
    return await conn.fetchrow(
        "WITH taken AS (DELETE FROM oauth_states WHERE state_hash = $1 "
        "RETURNING binding_hash, code_verifier, user_id, expires_at) "
        "SELECT binding_hash, code_verifier, user_id FROM taken WHERE expires_at > now()",
        state_hash,
    )


async def delete_expired_states(conn: asyncpg.Connection) -> int:
    status = await conn.execute("DELETE FROM oauth_states WHERE expires_at < now()")
    return int(status.split()[-1])


# ---------------------------------------------------------------- identities


async def identity_by_github_id(conn: asyncpg.Connection, github_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {IDENTITY_COLUMNS} FROM github_identities WHERE github_id = $1", github_id
    )


async def identity_of_user(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {IDENTITY_COLUMNS} FROM github_identities WHERE user_id = $1", user_id
    )


async def link_identity(
    conn: asyncpg.Connection, *, user_id: int, github_id: int, login: str
) -> bool:
    """Link a GitHub identity to an account; False if either is already linked elsewhere."""
    inserted = await conn.fetchval(
        "INSERT INTO github_identities (github_id, user_id, login) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING true",
        github_id,
        user_id,
        login,
    )
    return bool(inserted)


async def save_tokens(
    conn: asyncpg.Connection, github_id: int, login: str, tokens: SealedTokens
) -> None:
    await conn.execute(
        """
        UPDATE github_identities SET login = $2, access_token = $3, access_expires_at = $4,
            refresh_token = $5, refresh_expires_at = $6, updated_at = now()
        WHERE github_id = $1
        """,
        github_id,
        login,
        tokens.access_token,
        tokens.access_expires_at,
        tokens.refresh_token,
        tokens.refresh_expires_at,
    )


async def drop_tokens(conn: asyncpg.Connection, github_id: int) -> None:
    """GitHub refused them (revoked, App uninstalled for the user): keep nothing."""
    await conn.execute(
        "UPDATE github_identities SET access_token = NULL, access_expires_at = NULL, "
        "refresh_token = NULL, refresh_expires_at = NULL, updated_at = now() "
        "WHERE github_id = $1",
        github_id,
    )


async def lock_identity(conn: asyncpg.Connection, github_id: int) -> None:
    """Serialise token refreshes of one identity (a refresh token is single use)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('grimoire.github_identity:' || $1, 0))",
        str(github_id),
    )


# ---------------------------------------------------------------- permissions


async def replace_permissions(
    conn: asyncpg.Connection, github_id: int, permissions: Mapping[int, str]
) -> None:
    """What GitHub answered now replaces what it answered before, in one transaction."""
    async with conn.transaction():
        await conn.execute("DELETE FROM github_permissions WHERE github_id = $1", github_id)
        await conn.executemany(
            "INSERT INTO github_permissions (github_id, repository_id, permission) "
            "VALUES ($1, $2, $3::github_permission)",
            [(github_id, repo_id, permission) for repo_id, permission in permissions.items()],
        )
        await conn.execute(
            "UPDATE github_identities SET permissions_checked_at = now() WHERE github_id = $1",
            github_id,
        )


async def permissions_fresh(conn: asyncpg.Connection, github_id: int, max_age: timedelta) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT permissions_checked_at > now() - $2::interval "
            "FROM github_identities WHERE github_id = $1",
            github_id,
            max_age,
        )
    )


async def permissions_of(conn: asyncpg.Connection, github_id: int) -> dict[int, str]:
    rows = await conn.fetch(
        "SELECT repository_id, permission::text AS permission FROM github_permissions "
        "WHERE github_id = $1",
        github_id,
    )
    return {row["repository_id"]: row["permission"] for row in rows}
