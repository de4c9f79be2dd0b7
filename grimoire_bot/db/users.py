"""SQL for accounts, revoked tokens and failed-login bookkeeping."""

from __future__ import annotations

import uuid
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


async def login_locked_for(conn: asyncpg.Connection, email: str) -> timedelta | None:
    """How much longer logins for *email* are refused, if they are."""
    remaining = await conn.fetchval(
        "SELECT locked_until - now() FROM login_failures "
        "WHERE email = lower($1) AND locked_until > now()",
        email,
    )
    return remaining


async def record_login_failure(conn: asyncpg.Connection, email: str) -> timedelta | None:
    """Count a failed login and return the lock it earns, if any."""
    failures = await conn.fetchval(
        """
        INSERT INTO login_failures (email, failures, last_failed)
        VALUES (lower($1), 1, now())
        ON CONFLICT (email) DO UPDATE SET
            failures = CASE WHEN login_failures.last_failed < now() - $2::interval
                            THEN 1 ELSE login_failures.failures + 1 END,
            last_failed = now()
        RETURNING failures
        """,
        email,
        FAILURE_WINDOW,
    )
    lock = lock_duration(failures)
    if lock is not None:
        await conn.execute(
            "UPDATE login_failures SET locked_until = now() + $2::interval WHERE email = lower($1)",
            email,
            lock,
        )
    return lock


async def clear_login_failures(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute("DELETE FROM login_failures WHERE email = lower($1)", email)
