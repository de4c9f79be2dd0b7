"""Everything one process needs to act as the GitHub App: a session, tokens and an ETag cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from cachetools import LRUCache

from grimoire_bot.github.auth import InstallationTokens, load_private_key
from grimoire_bot.github.client import (
    GitHubClient,
    RequestObserver,
    github_api_url,
    installation_client,
)
from grimoire_bot.settings import Settings

REQUESTER = "grimoire-bot"
ETAG_CACHE_ENTRIES = 500
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60)


class GitHubAppNotConfigured(RuntimeError):
    """APP_ID and PRIVATE_KEY are needed to act on GitHub."""


@dataclass
class GitHubApp:
    session: aiohttp.ClientSession
    base_url: str
    tokens: InstallationTokens | None
    cache: LRUCache

    def client(self, on_request: RequestObserver | None = None) -> GitHubClient:
        """A client with no token: the App JWT is passed per request by `InstallationTokens`."""
        return GitHubClient(
            self.session, REQUESTER, base_url=self.base_url, cache=self.cache, on_request=on_request
        )

    async def installation_client(
        self, installation_id: int, on_request: RequestObserver | None = None
    ) -> GitHubClient:
        if self.tokens is None:
            raise GitHubAppNotConfigured(
                "APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) must be set to act on GitHub"
            )
        return await installation_client(self.client(on_request), self.tokens, installation_id)


@asynccontextmanager
async def open_github_app(settings: Settings) -> AsyncIterator[GitHubApp]:
    """One ClientSession per process, closed on the way out."""
    tokens = None
    if settings.github_app_configured:
        key = load_private_key(settings.private_key, settings.private_key_path)
        tokens = InstallationTokens(str(settings.app_id), key)
    async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:
        yield GitHubApp(
            session=session,
            base_url=github_api_url(settings.ghe_host, settings.ghe_protocol),
            tokens=tokens,
            cache=LRUCache(maxsize=ETAG_CACHE_ENTRIES),
        )
