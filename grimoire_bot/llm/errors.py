"""The SDKs' exceptions as ProviderFailure kinds (the two SDKs share their shapes)."""

from __future__ import annotations

import anthropic
import openai

from .base import FailureKind, ProviderFailure
from .transport import retry_after_seconds

MAX_DETAIL = 300
TIMEOUTS = (openai.APITimeoutError, anthropic.APITimeoutError)
STATUS_ERRORS = (openai.APIStatusError, anthropic.APIStatusError)


def failure_from_sdk(exc: Exception) -> ProviderFailure:
    message = str(getattr(exc, "message", None) or exc)[:MAX_DETAIL]
    if isinstance(exc, TIMEOUTS):
        return ProviderFailure(FailureKind.TIMEOUT, "the request timed out")
    if isinstance(exc, STATUS_ERRORS):
        if exc.status_code == 429:
            wait = retry_after_seconds(exc.response.headers)
            asked = f" (it asked to wait {wait:g} s)" if wait is not None else ""
            return ProviderFailure(FailureKind.RATE_LIMITED, f"rate limited{asked}: {message}")
        return ProviderFailure(FailureKind.PROVIDER_ERROR, f"HTTP {exc.status_code}: {message}")
    return ProviderFailure(FailureKind.PROVIDER_ERROR, f"{type(exc).__name__}: {message}")
