"""The GitHub REST client: gidgethub on aiohttp with GitHub's back-off rules and request records."""

from __future__ import annotations

import dataclasses
import email.utils
import enum
import math
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import gidgethub
import gidgethub.aiohttp
from gidgethub import sansio
from gidgethub.abc import CACHE_TYPE
from yarl import URL

from grimoire_bot import metrics
from grimoire_bot.github.auth import InstallationTokens

GITHUB_API_URL = "https://api.github.com"
GHE_API_PATH = "/api/v3"
GHE_PROTOCOLS = frozenset({"http", "https"})
JSON_ACCEPT = "application/vnd.github+json"
DIFF_ACCEPT = "application/vnd.github.diff"
API_VERSION = "2022-11-28"
API_VERSION_HEADER = "x-github-api-version"
# What gidgethub sends unless told otherwise; replaced by the media type GitHub documents today.
GIDGETHUB_DEFAULT_ACCEPT = sansio.accept_format()

DEFAULT_MAX_INLINE_WAIT = 10.0
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_REQUEST_TIMEOUT = 30.0
DEFAULT_BACKOFF_BASE = 1.0
# GitHub: without retry-after or an exhausted quota, wait at least a minute after a
# secondary rate limit, then back off exponentially.
SECONDARY_LIMIT_MIN_WAIT = 60.0
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
SECONDARY_LIMIT_PHRASES = ("secondary rate limit", "abuse detection")
# Query parameters that are safe to keep in request records; anything else (signatures,
# expiry stamps, tokens on signed download URLs) is dropped.
SAFE_QUERY_KEYS = frozenset(
    {"page", "per_page", "check_name", "status", "filter", "app_id", "ref", "sha", "state"}
)
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    TimeoutError,
    aiohttp.ClientConnectionError,
    aiohttp.ClientPayloadError,
)


class RetryReason(enum.StrEnum):
    RATE_LIMITED = "rate limited"
    SECONDARY_RATE_LIMITED = "secondary rate limit"
    PRIMARY_RATE_LIMITED = "primary rate limit exhausted"
    SERVER_ERROR = "GitHub server error"
    TRANSPORT = "network error"


class TransientGitHubError(Exception):
    """GitHub cannot serve us right now; run the whole job again later.

    ``retry_after`` is the wait GitHub asked for (seconds) when it said so, or None when the
    caller's own back-off should decide (server errors, network failures).
    """

    def __init__(self, *, retry_after: float | None, reason: str) -> None:
        super().__init__(reason if retry_after is None else f"{reason} (retry in {retry_after:g}s)")
        self.retry_after = retry_after
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class RequestRecord:
    method: str
    url: str
    status: int | None
    duration_ms: float
    error: str | None


RequestObserver = Callable[[RequestRecord], None]


def github_api_url(ghe_host: str | None, ghe_protocol: str = "https") -> str:
    """REST base URL for github.com, or for an Enterprise Server as Probot's GHE_HOST names it."""
    if not ghe_host:
        return GITHUB_API_URL
    if ghe_protocol not in GHE_PROTOCOLS:
        raise ValueError(f"GHE_PROTOCOL must be http or https, got {ghe_protocol!r}")
    if "://" in ghe_host or "/" in ghe_host.strip("/"):
        raise ValueError(f"GHE_HOST must be a host name like github.example.com, not {ghe_host!r}")
    return f"{ghe_protocol}://{ghe_host.strip('/')}{GHE_API_PATH}"


def redact_url(url: str | URL) -> str:
    """The URL minus credentials and any query parameter that might be a signature or token."""
    parsed = URL(url) if isinstance(url, str) else url
    kept = [(key, value) for key, value in parsed.query.items() if key in SAFE_QUERY_KEYS]
    return str(parsed.with_user(None).with_query(kept).with_fragment(None))


def is_rate_limit_response(status: int, headers: Mapping[str, str], message: str) -> bool:
    if status == 429:
        return True
    if status != 403:
        return False
    return (
        "retry-after" in headers
        or headers.get("x-ratelimit-remaining") == "0"
        or any(phrase in message.lower() for phrase in SECONDARY_LIMIT_PHRASES)
    )


def rate_limit_wait(
    headers: Mapping[str, str], attempt: int, *, now: float | None = None
) -> tuple[float, RetryReason]:
    """How long GitHub's documented rules say to wait after a rate-limit answer."""
    retry_after = parse_retry_after(headers.get("retry-after"), now=now)
    if retry_after is not None:
        return retry_after, RetryReason.RATE_LIMITED
    if headers.get("x-ratelimit-remaining") == "0":
        reset = _float_or_none(headers.get("x-ratelimit-reset"))
        if reset is not None:
            current = time.time() if now is None else now
            return max(0.0, reset - current), RetryReason.PRIMARY_RATE_LIMITED
    return SECONDARY_LIMIT_MIN_WAIT * 2 ** (attempt - 1), RetryReason.SECONDARY_RATE_LIMITED


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header, which may be delta-seconds or an HTTP date."""
    if value is None:
        return None
    seconds = _float_or_none(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def jittered_backoff(base: float, attempt: int) -> float:
    """Exponential back-off with jitter so many workers do not retry in lockstep."""
    return base * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)


def _float_or_none(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class GitHubClient(gidgethub.aiohttp.GitHubAPI):
    """gidgethub's aiohttp client that backs off the way GitHub asks and records each request.

    Short waits are slept inline; long ones become TransientGitHubError so a durable queue can
    reschedule the job instead of holding a worker.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        requester: str,
        *,
        oauth_token: str | None = None,
        base_url: str = GITHUB_API_URL,
        cache: CACHE_TYPE | None = None,
        on_request: RequestObserver | None = None,
        max_inline_wait: float = DEFAULT_MAX_INLINE_WAIT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        backoff_base: float = DEFAULT_BACKOFF_BASE,
        follow_redirects: bool = True,
    ) -> None:
        super().__init__(
            session, requester, oauth_token=oauth_token, cache=cache, base_url=base_url
        )
        self.on_request = on_request
        self.max_inline_wait = max_inline_wait
        self.max_attempts = max_attempts
        self.request_timeout = request_timeout
        self.backoff_base = backoff_base
        self.follow_redirects = follow_redirects

    def __repr__(self) -> str:
        return f"GitHubClient(base_url={self.base_url!r}, requester={self.requester!r})"

    @property
    def session(self) -> aiohttp.ClientSession:
        return self._session

    def derive(self, **overrides: Any) -> GitHubClient:
        """A sibling client on the same session and settings, with some of them changed."""
        settings: dict[str, Any] = {
            "oauth_token": self.oauth_token,
            "base_url": self.base_url,
            "cache": self._cache,
            "on_request": self.on_request,
            "max_inline_wait": self.max_inline_wait,
            "max_attempts": self.max_attempts,
            "request_timeout": self.request_timeout,
            "backoff_base": self.backoff_base,
            "follow_redirects": self.follow_redirects,
        }
        settings.update(overrides)
        return GitHubClient(self._session, self.requester, **settings)

    def record(self, record: RequestRecord) -> None:
        if self.on_request is not None:
            self.on_request(record)

    def default_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """gidgethub's headers with today's JSON media type and the pinned REST version."""
        merged = {key.lower(): value for key, value in headers.items()}
        if merged.get("accept", GIDGETHUB_DEFAULT_ACCEPT) == GIDGETHUB_DEFAULT_ACCEPT:
            merged["accept"] = JSON_ACCEPT
        merged.setdefault(API_VERSION_HEADER, API_VERSION)
        merged.setdefault("user-agent", self.requester)
        return merged

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        headers = self.default_headers(headers)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._send_once(method, url, headers, body)
            except TRANSPORT_ERRORS as exc:
                await self.wait_or_give_up(
                    jittered_backoff(self.backoff_base, attempt),
                    attempt,
                    reason=f"{RetryReason.TRANSPORT}: {_describe_transport_error(exc)}",
                    retry_after_hint=None,
                    cause=exc,
                )

    async def _send_once(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.request(
                method,
                url,
                headers=headers,
                data=body,
                timeout=aiohttp.ClientTimeout(total=self.request_timeout),
                allow_redirects=self.follow_redirects,
            ) as response:
                status = response.status
                metrics.observe_github_request(method, url, status, response.headers.items())
                return response.status, response.headers, await response.read()
        except TRANSPORT_ERRORS as exc:
            error = _describe_transport_error(exc)
            metrics.observe_github_request(method, url, None)
            raise
        finally:
            self.record(
                RequestRecord(
                    method=method,
                    url=redact_url(url),
                    status=status,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    error=error,
                )
            )

    async def handle_rate_limit_error(
        self,
        *,
        method: str,
        url: str,
        exception: gidgethub.HTTPException,
        attempt: int,
    ) -> bool:
        status = int(exception.status_code)
        headers = exception.headers
        if is_rate_limit_response(status, headers, str(exception)):
            wait, reason = rate_limit_wait(headers, attempt)
            await self.wait_or_give_up(
                wait, attempt, reason=f"{reason} ({status})", retry_after_hint=wait, cause=exception
            )
            return True
        if status in RETRYABLE_SERVER_STATUSES:
            asked = parse_retry_after(headers.get("retry-after"))
            wait = asked if asked is not None else jittered_backoff(self.backoff_base, attempt)
            await self.wait_or_give_up(
                wait,
                attempt,
                reason=f"{RetryReason.SERVER_ERROR} ({status})",
                retry_after_hint=asked,
                cause=exception,
            )
            return True
        # Everything else (401 included) is permanent for this request: the caller decides.
        return False

    async def wait_or_give_up(
        self,
        wait: float,
        attempt: int,
        *,
        reason: str,
        retry_after_hint: float | None,
        cause: BaseException,
    ) -> None:
        """Sleep before another inline attempt, or raise TransientGitHubError for the queue."""
        if attempt < self.max_attempts and wait <= self.max_inline_wait:
            await self.sleep(wait)
            return
        raise TransientGitHubError(retry_after=retry_after_hint, reason=reason) from cause


def _describe_transport_error(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    return type(exc).__name__


async def get_pull_diff(gh: GitHubClient, pull_url: str) -> str | None:
    """The pull request's unified diff, or None when GitHub finds it too large to render.

    The request bypasses gidgethub's ETag cache: that cache is keyed by URL alone, so the
    diff and the JSON of the same pull request would overwrite each other.
    """
    try:
        diff = await gh.derive(cache=None).getitem(pull_url, accept=DIFF_ACCEPT)
    except gidgethub.BadRequest as exc:
        # 406 `too_large`: more than 300 files or 20,000 lines; the files API still works.
        if int(exc.status_code) == 406:
            return None
        raise
    return diff if isinstance(diff, str) else ""


async def installation_client(
    app_client: GitHubClient, tokens: InstallationTokens, installation_id: int, **overrides: Any
) -> GitHubClient:
    """A client authenticated as the installation, sharing the App client's session and settings.

    The App client (built without a token) is the one that mints, using the App JWT.
    """
    token = await tokens.token(app_client, installation_id)
    return app_client.derive(oauth_token=token, **overrides)
