"""Per-client-address request limits, counted in PostgreSQL so every process shares them."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import ipaddress
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg

from grimoire_bot.db import identities as db_identities
from grimoire_bot.db import limits as db_limits
from grimoire_bot.db import users as db_users
from grimoire_bot.settings import RateLimit

FORWARDED_FOR = "X-Forwarded-For"
# An IPv6 user is handed a /64 at least: counting single addresses would let one rotate freely.
IPV6_PREFIX = 64
CLEANUP_INTERVAL_SECONDS = 300.0

logger = logging.getLogger(__name__)


class Scope(enum.StrEnum):
    AUTH = "auth"
    MATCH = "match"


@dataclass(frozen=True)
class Refusal:
    scope: Scope
    limit: RateLimit
    retry_after: int


def client_address(peer: str | None, headers: Mapping[str, str], *, trust_proxy: bool) -> str:
    """Whom to count a request against.

    Behind a trusted proxy (Heroku's router), the right-most X-Forwarded-For entry is the
    one that proxy appended: the address it saw. Entries left of it are whatever the
    client wrote and are never believed.
    """
    candidate = peer
    if trust_proxy:
        forwarded = headers.get(FORWARDED_FOR, "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            candidate = last
    try:
        address = ipaddress.ip_address((candidate or "").strip())
    except ValueError:
        return candidate or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


class ClientLimiter:
    """Fixed-window counters: one upsert per request, in the database all processes share."""

    def __init__(self, pool: asyncpg.Pool, limits: Mapping[Scope, RateLimit | None]) -> None:
        self.pool = pool
        self.limits = {scope: limit for scope, limit in limits.items() if limit is not None}

    async def hit(self, scope: Scope, address: str) -> Refusal | None:
        """Count the request; a Refusal when the address is over its allowance."""
        limit = self.limits.get(scope)
        if limit is None:
            return None
        async with self.pool.acquire() as conn:
            hits, remaining = await db_limits.count_hit(
                conn, scope.value, address, limit.period_seconds
            )
        if hits <= limit.requests:
            return None
        return Refusal(scope, limit, retry_after=max(1, math.ceil(remaining)))


async def delete_expired_rows(pool: asyncpg.Pool) -> None:
    """Old counters, forgiven login failures and unused sign-in states."""
    async with pool.acquire() as conn:
        hits = await db_limits.delete_old_hits(conn)
        failures = await db_users.delete_stale_login_failures(conn)
        states = await db_identities.delete_expired_states(conn)
    if hits or failures or states:
        logger.info(
            "deleted expired rows",
            extra={"client_hits": hits, "login_failures": failures, "oauth_states": states},
        )


async def clean_up_periodically(
    pool: asyncpg.Pool, stop: asyncio.Event, interval: float = CLEANUP_INTERVAL_SECONDS
) -> None:
    """Every web process runs this; the deletes are idempotent, so they need no leader."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return
        try:
            await delete_expired_rows(pool)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            logger.warning("expired rows not deleted this time", exc_info=True)
