"""SQL for accounts, revoked tokens and failed-login bookkeeping."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from grimoire_bot.auth.throttle import FAILURE_WINDOW, lock_duration

USER_COLUMNS = "id, email, role::text AS role, is_active, created_at"
# Serialises the "is this the first account?" decision across processes.
FIRST_USER_LOCK_KEY = 0x6772696D75736572


async def create_user(
    conn: asyncpg.Connection, email: str, password_hash: str
) -> asyncpg.Record | None:
    """Insert an account; the very first one becomes admin. None if the email is taken."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", FIRST_USER_LOCK_KEY)
        return await conn.fetchrow(
            f"""
            INSERT INTO users (email, password_hash, role)
            SELECT $1, $2,
                   CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'curator' ELSE 'admin' END::user_role
            ON CONFLICT (lower(email)) DO NOTHING
            RETURNING {USER_COLUMNS}
            """,
            email,
            password_hash,
        )


async def find_user_for_login(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)", email
    )


async def find_user_for_token(
    conn: asyncpg.Connection, user_id: int, jti: uuid.UUID
) -> asyncpg.Record | None:
    """The account behind a token, unless the token was revoked or the account is gone."""
    return await conn.fetchrow(
        f"""
        SELECT {USER_COLUMNS} FROM users
        WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2)
        """,
        user_id,
        jti,
    )


async def revoke_token(conn: asyncpg.Connection, jti: uuid.UUID, expires_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        jti,
        expires_at,
    )
    # Expired tokens are refused by their signature check; their rows are dead weight.
    await conn.execute("DELETE FROM revoked_tokens WHERE expires_at < now()")


@dataclass(frozen=True)
class LoginAttempt:
    refused_for: timedelta | None  # locked by earlier failures: refuse without checking
    lock: timedelta | None  # the lock this attempt starts if its password is wrong


async def begin_login_attempt(conn: asyncpg.Connection, email: str) -> LoginAttempt:
    """Count an attempt before its password is checked, under the account's row lock.

    Counting first (and forgiving on success) is what stops parallel guesses: each gets
    its own number, and those past the allowance are refused while the first ones are
    still being checked.
    """
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO login_failures (email, failures, last_failed) "
            "VALUES (lower($1), 0, now()) ON CONFLICT (email) DO NOTHING",
            email,
        )
        row = await conn.fetchrow(
            "SELECT failures, last_failed < now() - $2::interval AS stale, "
            "locked_until - now() AS remaining "
            "FROM login_failures WHERE email = lower($1) FOR UPDATE",
            email,
            FAILURE_WINDOW,
        )
        if row["remaining"] is not None and row["remaining"] > timedelta(0):
            return LoginAttempt(refused_for=row["remaining"], lock=None)
        failures = 1 if row["stale"] else row["failures"] + 1
        lock = lock_duration(failures)
        await conn.execute(
            "UPDATE login_failures SET failures = $2, last_failed = now(), "
            "locked_until = now() + $3::interval WHERE email = lower($1)",
            email,
            failures,
            lock,
        )
    return LoginAttempt(refused_for=None, lock=lock)


async def clear_login_failures(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute("DELETE FROM login_failures WHERE email = lower($1)", email)


async def delete_stale_login_failures(conn: asyncpg.Connection) -> int:
    """Forget failures that no longer count (past the window, no lock in force)."""
    status = await conn.execute(
        "DELETE FROM login_failures WHERE last_failed < now() - $1::interval "
        "AND (locked_until IS NULL OR locked_until < now())",
        FAILURE_WINDOW,
    )
    return int(status.split()[-1])


async def create_github_user(
    conn: asyncpg.Connection, email: str, unusable_password_hash: str
) -> asyncpg.Record | None:
    """An account made by signing in with GitHub: a contributor, with no password to guess.

    None if the email is taken.
    """
    return await conn.fetchrow(
        f"""
        INSERT INTO users (email, password_hash, role) VALUES ($1, $2, 'contributor')
        ON CONFLICT (lower(email)) DO NOTHING
        RETURNING {USER_COLUMNS}
        """,
        email,
        unusable_password_hash,
    )


async def find_user(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1", user_id)
