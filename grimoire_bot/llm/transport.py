"""Bounds on waiting for a provider, and the count of HTTP requests really sent.

The SDKs retry 429s and 5xx themselves, honouring `retry-after`: the OpenAI SDK up to two
minutes, the Anthropic SDK however long the server asks. A draft has one deadline for all
its requests; a `retry-after` that would outlast it is refused at once (the response is
marked `x-should-retry: false`, which both SDKs obey) instead of sleeping into the deadline.
The deadline and the request count live in context variables, so one shared client serves
concurrent drafts.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx2

from .base import FailureKind, ProviderFailure

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


@dataclass
class CallStats:
    """HTTP requests sent under one deadline, retries included."""

    requests: int = 0


_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "llm_deadline", default=None
)
_STATS: contextvars.ContextVar[CallStats | None] = contextvars.ContextVar("llm_stats", default=None)


@asynccontextmanager
async def deadline(seconds: float, stats: CallStats | None = None) -> AsyncIterator[CallStats]:
    """Everything inside must finish within `seconds`, or ProviderFailure(TIMEOUT)."""
    stats = stats if stats is not None else CallStats()
    loop = asyncio.get_running_loop()
    deadline_token = _DEADLINE.set(loop.time() + seconds)
    stats_token = _STATS.set(stats)
    try:
        async with asyncio.timeout(seconds):
            yield stats
    except TimeoutError:
        raise ProviderFailure(
            FailureKind.TIMEOUT, f"no answer within the {seconds:g} s deadline"
        ) from None
    finally:
        _DEADLINE.reset(deadline_token)
        _STATS.reset(stats_token)


def retry_after_seconds(headers: httpx2.Headers) -> float | None:
    """The wait a response asks for: `retry-after-ms`, `retry-after` seconds or HTTP date."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return moment.timestamp() - time.time()
    return None


async def count_request(request: httpx2.Request) -> None:
    stats = _STATS.get()
    if stats is not None:
        stats.requests += 1


async def refuse_waits_past_the_deadline(response: httpx2.Response) -> None:
    if response.status_code not in RETRYABLE_STATUSES:
        return
    wait = retry_after_seconds(response.headers)
    ends = _DEADLINE.get()
    if wait is None or ends is None:
        return
    if wait > ends - asyncio.get_running_loop().time():
        response.headers["x-should-retry"] = "false"


EVENT_HOOKS = {"request": [count_request], "response": [refuse_waits_past_the_deadline]}


def timeout(seconds: float) -> httpx2.Timeout:
    """Per request: the whole request within `seconds`, connecting within at most 10."""
    return httpx2.Timeout(seconds, connect=min(seconds, 10.0))
