"""The `users` command: create the first admin and administer accounts from a shell.

Production never turns a signup into an admin, so this is how the first one is made
(`python -m grimoire_bot users create --role admin EMAIL`). Passwords are read from an
interactive prompt, or from the first line of standard input when it is not a terminal,
never from the command line (which other users of the machine can see).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable

import asyncpg
from pydantic import TypeAdapter, ValidationError

from grimoire_bot.auth.credentials import Email, Password
from grimoire_bot.auth.passwords import hash_password
from grimoire_bot.auth.roles import Role
from grimoire_bot.db import open_pool
from grimoire_bot.db import users as db_users


class CommandError(Exception):
    """Something the operator must fix; printed without a traceback, exit code 1."""


def add_users_parser(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="create and administer accounts")
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="create an account (password from a prompt or standard input)"
    )
    create.add_argument("email")
    create.add_argument(
        "--role", choices=[role.value for role in Role], default=Role.CONTRIBUTOR.value
    )
    actions.add_parser("list", help="list every account")
    set_role = actions.add_parser("set-role", help="change an account's role")
    set_role.add_argument("email")
    set_role.add_argument("role", choices=[role.value for role in Role])
    for name, text in (
        ("deactivate", "deactivate an account and revoke its tokens"),
        ("activate", "reactivate an account"),
        ("unlock", "forgive an account's failed logins"),
        ("set-password", "set a new password (revokes the account's tokens)"),
    ):
        actions.add_parser(name, help=text).add_argument("email")


def read_password(prompt: Callable[[str], str] = getpass.getpass) -> str:
    """A new password, asked twice at a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        password = prompt("Password: ")
        if prompt("Repeat it: ") != password:
            raise CommandError("the passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        return TypeAdapter(Password).validate_python(password)
    except ValidationError as exc:
        raise CommandError(f"password: {exc.errors()[0]['msg']}") from None


def _email(value: str) -> str:
    try:
        return TypeAdapter(Email).validate_python(value)
    except ValidationError as exc:
        raise CommandError(f"email: {exc.errors()[0]['msg']}") from None


async def _user_id(conn: asyncpg.Connection, email: str) -> int:
    row = await db_users.find_user_by_email(conn, email)
    if row is None:
        raise CommandError(f"no account with the email {email}")
    return row["id"]


def _describe(row: asyncpg.Record) -> str:
    state = "active" if row["is_active"] else "inactive"
    if row["locked_until"] is not None:
        state += f", locked until {row['locked_until']:%Y-%m-%d %H:%M:%S %Z}"
    return f"#{row['id']:<5} {row['role']:<12} {row['email']}  ({state})"


async def _create(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    email = _email(args.email)
    password_hash = await asyncio.to_thread(hash_password, read_password())
    row = await db_users.create_user(conn, email, password_hash, Role(args.role))
    if row is None:
        raise CommandError(f"{email} is already registered")
    return f"created {row['role']} #{row['id']} {row['email']}"


async def _list(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    rows, total = await db_users.list_users(conn, limit=1_000_000)
    return "\n".join([*(_describe(row) for row in rows), f"{total} account(s)"])


async def _update(
    conn: asyncpg.Connection, email: str, *, role: Role | None = None, active: bool | None = None
) -> str:
    try:
        row = await db_users.update_user(
            conn, await _user_id(conn, email), role=role, active=active
        )
    except db_users.LastAdminError:
        raise CommandError(
            "that would leave no active admin; make another account admin first"
        ) from None
    return _describe(row)


async def _set_password(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    user_id = await _user_id(conn, args.email)
    password_hash = await asyncio.to_thread(hash_password, read_password())
    await db_users.change_password(conn, user_id, password_hash)
    return f"password changed for {args.email}; its earlier tokens no longer work"


async def _unlock(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    row = await db_users.unlock_user(conn, await _user_id(conn, args.email))
    return _describe(row)


ACTIONS = {
    "create": _create,
    "list": _list,
    "set-role": lambda conn, args: _update(conn, args.email, role=Role(args.role)),
    "deactivate": lambda conn, args: _update(conn, args.email, active=False),
    "activate": lambda conn, args: _update(conn, args.email, active=True),
    "unlock": _unlock,
    "set-password": _set_password,
}


async def run_users_command(database_url: str, args: argparse.Namespace) -> int:
    try:
        async with (
            open_pool(database_url, min_size=1, max_size=2) as pool,
            pool.acquire() as conn,
        ):
            print(await ACTIONS[args.users_command](conn, args))
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
