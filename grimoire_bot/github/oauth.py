"""Talking to GitHub as a user: the App's user authorization (web flow) and what the user may see.

GitHub App user tokens (`ghu_`) usually expire after eight hours and come with a refresh
token (`ghr_`, six months, single use); an App that opted out of expiry gets a token
without either. Both shapes are handled.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import gidgethub

from grimoire_bot.github.client import (
    GITHUB_API_URL,
    GitHubClient,
    TransientGitHubError,
    github_api_url,
)

GITHUB_WEB_URL = "https://github.com"
AUTHORIZE_PATH = "/login/oauth/authorize"
ACCESS_TOKEN_PATH = "/login/oauth/access_token"  # noqa: S105 - a path, not a secret
REQUESTER = "grimoire-bot"
OAUTH_TIMEOUT = aiohttp.ClientTimeout(total=30)
# `GET /user/installations/{id}/repositories` pages; an organisation may hold thousands.
PER_PAGE = 100


class Permission(enum.StrEnum):
    """A user's role on a repository, weakest first (GitHub's `permissions` flags)."""

    READ = "read"
    TRIAGE = "triage"
    WRITE = "write"
    MAINTAIN = "maintain"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Permission).index(self)


# GitHub's flag names in a repository's `permissions`, strongest first.
PERMISSION_FLAGS = (
    ("admin", Permission.ADMIN),
    ("maintain", Permission.MAINTAIN),
    ("push", Permission.WRITE),
    ("triage", Permission.TRIAGE),
    ("pull", Permission.READ),
)


class OAuthError(Exception):
    """GitHub refused the exchange; `code` is GitHub's (`bad_verification_code`, ...)."""

    def __init__(self, code: str, description: str | None = None) -> None:
        super().__init__(f"{code}: {description}" if description else code)
        self.code = code
        self.description = description


class TokenRefused(Exception):
    """GitHub answered 401 to the user's token: revoked, expired, or the App was removed."""


@dataclass(frozen=True)
class UserTokens:
    access_token: str = field(repr=False)
    expires_at: datetime | None
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_at: datetime | None = None


@dataclass(frozen=True)
class GitHubUser:
    id: int
    login: str


def github_web_url(ghe_host: str | None, ghe_protocol: str = "https") -> str:
    """github.com, or an Enterprise Server's origin (its API is under /api/v3)."""
    if not ghe_host:
        return GITHUB_WEB_URL
    return f"{ghe_protocol}://{ghe_host.strip('/')}"


class GitHubOAuth:
    """The App's client id and secret, and the one HTTP session of the process."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        client_id: str,
        client_secret: str,
        web_url: str = GITHUB_WEB_URL,
        api_url: str = GITHUB_API_URL,
    ) -> None:
        self.session = session
        self.client_id = client_id
        self._client_secret = client_secret
        self.web_url = web_url.rstrip("/")
        self.api_url = api_url

    def __repr__(self) -> str:
        return f"GitHubOAuth(client_id={self.client_id!r}, web_url={self.web_url!r})"

    @classmethod
    def for_host(
        cls,
        session: aiohttp.ClientSession,
        *,
        client_id: str,
        client_secret: str,
        ghe_host: str | None,
        ghe_protocol: str,
    ) -> GitHubOAuth:
        return cls(
            session,
            client_id=client_id,
            client_secret=client_secret,
            web_url=github_web_url(ghe_host, ghe_protocol),
            api_url=github_api_url(ghe_host, ghe_protocol),
        )

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str | None) -> str:
        """Where to send the browser. GitHub Apps take no scopes: the App's permissions apply."""
        query = {
            "client_id": self.client_id,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        if redirect_uri:
            query["redirect_uri"] = redirect_uri
        return f"{self.web_url}{AUTHORIZE_PATH}?{urlencode(query)}"

    async def exchange_code(
        self, code: str, *, code_verifier: str, redirect_uri: str | None
    ) -> UserTokens:
        form = {"code": code, "code_verifier": code_verifier}
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        return await self._token_request(form)

    async def refresh(self, refresh_token: str) -> UserTokens:
        return await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def _token_request(self, form: dict[str, str]) -> UserTokens:
        form = {"client_id": self.client_id, "client_secret": self._client_secret, **form}
        try:
            async with self.session.post(
                self.web_url + ACCESS_TOKEN_PATH,
                data=form,
                headers={"Accept": "application/json", "User-Agent": REQUESTER},
                timeout=OAUTH_TIMEOUT,
            ) as response:
                if response.status >= 500:
                    raise TransientGitHubError(
                        retry_after=None, reason=f"GitHub server error ({response.status})"
                    )
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise TransientGitHubError(
                retry_after=None, reason=f"token exchange failed: {type(exc).__name__}"
            ) from None
        # GitHub answers 200 with an `error` field when it refuses a code or a refresh token.
        if not isinstance(body, dict) or "access_token" not in body:
            error = body.get("error", "invalid_response") if isinstance(body, dict) else None
            description = body.get("error_description") if isinstance(body, dict) else None
            raise OAuthError(str(error or "invalid_response"), description)
        return _tokens_from(body)

    def user_client(self, access_token: str) -> GitHubClient:
        return GitHubClient(
            self.session, REQUESTER, oauth_token=access_token, base_url=self.api_url
        )


def _tokens_from(body: dict[str, Any]) -> UserTokens:
    now = datetime.now(UTC)

    def after(seconds: Any) -> datetime | None:
        return now + timedelta(seconds=int(seconds)) if seconds else None

    return UserTokens(
        access_token=str(body["access_token"]),
        expires_at=after(body.get("expires_in")),
        refresh_token=body.get("refresh_token") or None,
        refresh_expires_at=after(body.get("refresh_token_expires_in")),
    )


async def _as_user(call: Any) -> Any:
    try:
        return await call
    except gidgethub.BadRequest as exc:
        if int(exc.status_code) == 401:
            raise TokenRefused(str(exc)) from None
        raise


async def get_user(gh: GitHubClient) -> GitHubUser:
    user = await _as_user(gh.getitem("/user"))
    return GitHubUser(id=int(user["id"]), login=str(user["login"]))


def strongest_permission(flags: dict[str, Any] | None) -> Permission | None:
    for flag, permission in PERMISSION_FLAGS:
        if (flags or {}).get(flag):
            return permission
    return None


async def repository_permissions(gh: GitHubClient) -> dict[int, Permission]:
    """The user's role on each repository of each installation of this App they can reach."""
    permissions: dict[int, Permission] = {}
    try:
        async for installation in gh.getiter(
            f"/user/installations?per_page={PER_PAGE}", iterable_key="installations"
        ):
            async for repo in gh.getiter(
                f"/user/installations/{int(installation['id'])}/repositories?per_page={PER_PAGE}",
                iterable_key="repositories",
            ):
                permission = strongest_permission(repo.get("permissions"))
                if permission is not None:
                    permissions[int(repo["id"])] = permission
    except gidgethub.BadRequest as exc:
        if int(exc.status_code) == 401:
            raise TokenRefused(str(exc)) from None
        raise
    return permissions
