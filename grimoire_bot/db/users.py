"""SQL for accounts, revoked tokens and failed-login bookkeeping."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from grimoire_bot.auth.roles import Role
from grimoire_bot.auth.throttle import FAILURE_WINDOW, lock_duration

USER_COLUMNS = "id, email, role::text AS role, is_active, created_at, token_generation"
# The same columns for a query that joins users as `u`, plus the login lock (if any).
ADMIN_VIEW = (
    "u.id, u.email, u.role::text AS role, u.is_active, u.created_at, u.token_generation, "
    "CASE WHEN f.locked_until > now() THEN f.locked_until END AS locked_until "
    "FROM users u LEFT JOIN login_failures f ON f.email = lower(u.email)"
)
# Serialises every decision about who the admins are (the first account, the last admin)
# across processes.
ADMINS_LOCK_KEY = 0x6772696D75736572


class LastAdminError(Exception):
    """The change would leave no active admin."""


async def create_user(
    conn: asyncpg.Connection,
    email: str,
    password_hash: str,
    role: Role,
    *,
    first_becomes_admin: bool = False,
) -> asyncpg.Record | None:
    """Insert an account with `role` (admin instead when it is the very first account and
    `first_becomes_admin`). None if the email is taken."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ADMINS_LOCK_KEY)
        return await conn.fetchrow(
            f"""
            INSERT INTO users (email, password_hash, role)
            SELECT $1, $2,
                   CASE WHEN $4 AND NOT EXISTS (SELECT 1 FROM users) THEN 'admin' ELSE $3 END
                   ::user_role
            ON CONFLICT (lower(email)) DO NOTHING
            RETURNING {USER_COLUMNS}
            """,
            email,
            password_hash,
            role.value,
            first_becomes_admin,
        )


async def find_user_for_login(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)", email
    )


async def find_user_for_token(
    conn: asyncpg.Connection, user_id: int, jti: uuid.UUID, generation: int
) -> asyncpg.Record | None:
    """The account behind a token, unless the token was revoked (logged out, or issued
    before the account's current token generation) or the account is gone."""
    return await conn.fetchrow(
        f"""
        SELECT {USER_COLUMNS} FROM users
        WHERE id = $1 AND token_generation = $3
          AND NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2)
        """,
        user_id,
        jti,
        generation,
    )


async def find_user_by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {ADMIN_VIEW} WHERE lower(u.email) = lower($1)", email)


async def get_user(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {ADMIN_VIEW} WHERE u.id = $1", user_id)


async def list_users(
    conn: asyncpg.Connection,
    *,
    role: Role | None = None,
    active: bool | None = None,
    skip: int = 0,
    limit: int = 100,
) -> tuple[list[asyncpg.Record], int]:
    """A page of accounts (oldest first) and how many match in all."""
    where = (
        "WHERE ($1::user_role IS NULL OR u.role = $1::user_role) "
        "AND ($2::boolean IS NULL OR u.is_active = $2)"
    )
    role_value = role.value if role is not None else None
    rows = await conn.fetch(
        f"SELECT {ADMIN_VIEW} {where} ORDER BY u.id OFFSET $3 LIMIT $4",
        role_value,
        active,
        skip,
        limit,
    )
    total = await conn.fetchval(f"SELECT count(*) FROM users u {where}", role_value, active)
    return rows, total


async def update_user(
    conn: asyncpg.Connection, user_id: int, *, role: Role | None, active: bool | None
) -> asyncpg.Record | None:
    """Change an account's role and/or whether it is active; None if it does not exist.

    Deactivating bumps the token generation, so the account's tokens stop working in every
    process at once (and stay dead if it is reactivated). Raises LastAdminError rather
    than leave the service without an active admin.
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ADMINS_LOCK_KEY)
        current = await conn.fetchrow(
            "SELECT role::text AS role, is_active FROM users WHERE id = $1", user_id
        )
        if current is None:
            return None
        new_role = role.value if role is not None else current["role"]
        new_active = current["is_active"] if active is None else active
        was_admin = current["role"] == Role.ADMIN and current["is_active"]
        if was_admin and not (new_role == Role.ADMIN and new_active):
            others = await conn.fetchval(
                "SELECT count(*) FROM users WHERE role = 'admin' AND is_active AND id <> $1",
                user_id,
            )
            if others == 0:
                raise LastAdminError
        await conn.execute(
            """
            UPDATE users
               SET role = $2::user_role, is_active = $3,
                   token_generation = token_generation
                       + CASE WHEN is_active AND NOT $3 THEN 1 ELSE 0 END
             WHERE id = $1
            """,
            user_id,
            new_role,
            new_active,
        )
        return await get_user(conn, user_id)


async def change_password(
    conn: asyncpg.Connection, user_id: int, password_hash: str
) -> asyncpg.Record:
    """Store a new password hash and revoke every token issued so far."""
    return await conn.fetchrow(
        f"""
        UPDATE users SET password_hash = $2, token_generation = token_generation + 1
        WHERE id = $1 RETURNING {USER_COLUMNS}
        """,
        user_id,
        password_hash,
    )


async def unlock_user(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    """Forgive the account's failed logins (ending any lock); None if it does not exist."""
    async with conn.transaction():
        row = await conn.fetchrow("SELECT email FROM users WHERE id = $1", user_id)
        if row is None:
            return None
        await clear_login_failures(conn, row["email"])
        return await get_user(conn, user_id)


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
