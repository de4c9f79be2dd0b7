"""Download an Actions job log: follow GitHub's redirect by hand and stream the signed URL."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import aiohttp
import gidgethub

from grimoire_bot.github.client import (
    RETRYABLE_SERVER_STATUSES,
    TRANSPORT_ERRORS,
    GitHubClient,
    RequestRecord,
    RetryReason,
    TransientGitHubError,
    jittered_backoff,
    redact_url,
)

CHUNK_SIZE = 64 * 1024
LOG_GONE_STATUSES = frozenset({404, 410})
# The signed URL lives for one minute; a 401/403 from the log host usually means it lapsed,
# so the cure is asking GitHub for a fresh one.
SIGNATURE_REJECTED_STATUSES = frozenset({401, 403})
API_MOVED_STATUSES = frozenset({301, 308})
MAX_API_MOVES = 2


@dataclasses.dataclass(frozen=True)
class LogDownload:
    found: bool
    size: int = 0
    truncated: bool = False


class _RetryDownload(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def download_job_log(
    gh: GitHubClient,
    session: aiohttp.ClientSession,
    logs_url: str,
    *,
    sink: Callable[[bytes], None],
    max_bytes: int,
    chunk_size: int = CHUNK_SIZE,
) -> LogDownload:
    """Stream the job log at ``logs_url`` (``.../actions/jobs/{id}/logs``) into ``sink``.

    Stops after ``max_bytes`` (``truncated=True``). The installation token goes only to the API;
    the signed download URL is fetched without any Authorization header. If this raises
    TransientGitHubError after bytes reached ``sink``, the caller should discard them.
    """
    attempt = 0
    while True:
        attempt += 1
        location = await _signed_location(gh, logs_url)
        if location is None:
            return LogDownload(found=False)
        if isinstance(location, bytes):
            return _deliver_inline(location, sink, max_bytes)
        try:
            return await _stream_signed_url(gh, session, location, sink, max_bytes, chunk_size)
        except _RetryDownload as retry:
            await gh.wait_or_give_up(
                jittered_backoff(gh.backoff_base, attempt),
                attempt,
                reason=retry.reason,
                retry_after_hint=None,
                cause=retry,
            )


async def _signed_location(
    gh: GitHubClient, logs_url: str, *, hops_left: int = MAX_API_MOVES
) -> str | bytes | None:
    """The signed download URL GitHub redirects to, the log itself if served inline, or None."""
    # The redirect must reach us rather than be followed: the target URL is short-lived and
    # must be requested without the token, and the API client's cache must never hold it.
    api = gh.derive(cache=None, follow_redirects=False)
    try:
        body = await api.getitem(logs_url)
    except gidgethub.RedirectionException as redirect:
        location = redirect.headers.get("location")
        if not location:
            raise TransientGitHubError(
                retry_after=None, reason="log redirect without a Location header"
            ) from redirect
        if int(redirect.status_code) in API_MOVED_STATUSES and hops_left > 0:
            # The repository moved (renamed/transferred): ask again, still authenticated.
            return await _signed_location(gh, location, hops_left=hops_left - 1)
        return location
    except gidgethub.BadRequest as exc:
        if int(exc.status_code) in LOG_GONE_STATUSES:
            return None
        raise
    # Some servers answer 200 with the log itself instead of redirecting.
    if isinstance(body, bytes):
        return body
    return (body or "").encode("utf-8")


def _deliver_inline(body: bytes, sink: Callable[[bytes], None], max_bytes: int) -> LogDownload:
    kept = body[:max_bytes]
    if kept:
        sink(kept)
    return LogDownload(found=True, size=len(kept), truncated=len(body) > max_bytes)


async def _stream_signed_url(
    gh: GitHubClient,
    session: aiohttp.ClientSession,
    url: str,
    sink: Callable[[bytes], None],
    max_bytes: int,
    chunk_size: int,
) -> LogDownload:
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    written = 0
    try:
        async with session.get(
            url,
            # Only a user agent: the signature in the URL is the credential here.
            headers={"user-agent": gh.requester},
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=gh.request_timeout, sock_read=gh.request_timeout
            ),
        ) as response:
            status = response.status
            if status in LOG_GONE_STATUSES:
                return LogDownload(found=False)
            if status in RETRYABLE_SERVER_STATUSES or status in SIGNATURE_REJECTED_STATUSES:
                raise _RetryDownload(f"log host answered {status}")
            if status >= 400:
                raise TransientGitHubError(retry_after=None, reason=f"log host answered {status}")
            truncated = False
            async for chunk in response.content.iter_chunked(chunk_size):
                room = max_bytes - written
                if len(chunk) > room:
                    if room > 0:
                        sink(chunk[:room])
                        written += room
                    truncated = True
                    # Drop the connection rather than drain a log we will not read.
                    response.close()
                    break
                sink(chunk)
                written += len(chunk)
            return LogDownload(found=True, size=written, truncated=truncated)
    except TRANSPORT_ERRORS as exc:
        error = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
        if written:
            raise TransientGitHubError(
                retry_after=None, reason=f"{RetryReason.TRANSPORT} mid-download: {error}"
            ) from exc
        raise _RetryDownload(f"{RetryReason.TRANSPORT}: {error}") from exc
    finally:
        gh.record(
            RequestRecord(
                method="GET",
                url=redact_url(url),
                status=status,
                duration_ms=(time.perf_counter() - started) * 1000,
                error=error,
            )
        )
