"""What a signed-in account may do on a repository, as GitHub says of its linked identity.

GitHub is asked with the user's own token and its answer is cached in PostgreSQL for a few
minutes, so every process agrees and a busy console does not spend the user's rate limit.
Without a usable token the cache is not trusted past its age: the account sees nothing
until its owner signs in with GitHub again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import asyncpg

from grimoire_bot.auth.sealing import Sealer
from grimoire_bot.db import identities as db_identities
from grimoire_bot.github.oauth import (
    GitHubOAuth,
    OAuthError,
    Permission,
    TokenRefused,
    UserTokens,
    repository_permissions,
)

PERMISSIONS_TTL = timedelta(minutes=5)
# Refresh an access token this long before it expires rather than have GitHub refuse it.
TOKEN_REFRESH_MARGIN = timedelta(minutes=5)

logger = logging.getLogger(__name__)


def _access_context(github_id: int) -> str:
    return f"github-access-token:{github_id}"


def _refresh_context(github_id: int) -> str:
    return f"github-refresh-token:{github_id}"


class RepoAccess:
    def __init__(
        self,
        pool: asyncpg.Pool,
        oauth: GitHubOAuth | None,
        sealer: Sealer,
        *,
        ttl: timedelta = PERMISSIONS_TTL,
    ) -> None:
        self.pool = pool
        self.oauth = oauth
        self.sealer = sealer
        self.ttl = ttl

    def seal(self, github_id: int, tokens: UserTokens) -> db_identities.SealedTokens:
        return db_identities.SealedTokens(
            access_token=self.sealer.seal(tokens.access_token, _access_context(github_id)),
            access_expires_at=tokens.expires_at,
            refresh_token=self.sealer.seal(tokens.refresh_token, _refresh_context(github_id))
            if tokens.refresh_token
            else None,
            refresh_expires_at=tokens.refresh_expires_at,
        )

    async def permissions(self, user_id: int) -> dict[int, Permission]:
        """The account's role on each repository GitHub lets its identity see; {} without one.

        Raises TransientGitHubError when the cache is old and GitHub cannot answer.
        """
        async with self.pool.acquire() as conn:
            identity = await db_identities.identity_of_user(conn, user_id)
            if identity is None:
                return {}
            github_id = identity["github_id"]
            if await db_identities.permissions_fresh(conn, github_id, self.ttl):
                return _typed(await db_identities.permissions_of(conn, github_id))
        async with self.pool.acquire() as conn, conn.transaction():
            # One refresh per identity at a time: its refresh token works only once, and
            # whoever waited here finds the answer the first one stored.
            await db_identities.lock_identity(conn, github_id)
            if await db_identities.permissions_fresh(conn, github_id, self.ttl):
                return _typed(await db_identities.permissions_of(conn, github_id))
            identity = await db_identities.identity_by_github_id(conn, github_id)
            fresh = await self._ask_github(conn, identity) if identity is not None else {}
            await db_identities.replace_permissions(conn, github_id, fresh)
        return fresh

    async def permission_on(self, user_id: int, repository_id: int) -> Permission | None:
        return (await self.permissions(user_id)).get(repository_id)

    async def _ask_github(
        self, conn: asyncpg.Connection, identity: asyncpg.Record
    ) -> dict[int, Permission]:
        if self.oauth is None:
            return {}
        token = await self._usable_token(conn, identity)
        if token is None:
            return {}
        try:
            return await repository_permissions(self.oauth.user_client(token))
        except TokenRefused:
            logger.info("GitHub refused a user token", extra={"github_login": identity["login"]})
            await db_identities.drop_tokens(conn, identity["github_id"])
            return {}

    async def _usable_token(self, conn: asyncpg.Connection, identity: asyncpg.Record) -> str | None:
        """The access token, refreshed first when it is about to expire; None if neither works."""
        assert self.oauth is not None
        github_id = identity["github_id"]
        now = datetime.now(UTC)
        access = self.sealer.open(identity["access_token"], _access_context(github_id))
        expires_at = identity["access_expires_at"]
        if access and (expires_at is None or expires_at > now + TOKEN_REFRESH_MARGIN):
            return access
        refresh = self.sealer.open(identity["refresh_token"], _refresh_context(github_id))
        refresh_expires_at = identity["refresh_expires_at"]
        if refresh and (refresh_expires_at is None or refresh_expires_at > now):
            try:
                tokens = await self.oauth.refresh(refresh)
            except OAuthError:
                await db_identities.drop_tokens(conn, github_id)
                return None
            await db_identities.save_tokens(
                conn, github_id, identity["login"], self.seal(github_id, tokens)
            )
            return tokens.access_token
        if access and expires_at is not None and expires_at > now:
            return access
        await db_identities.drop_tokens(conn, github_id)
        return None


def _typed(permissions: dict[int, str]) -> dict[int, Permission]:
    return {repo_id: Permission(value) for repo_id, value in permissions.items()}
