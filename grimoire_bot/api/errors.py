"""Every error leaves the API as JSON `{"detail": ...}` with the right status, never a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg
from aiohttp import web

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REASONS = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    429: "Too many requests",
    503: "Service unavailable",
}

DATABASE_UNAVAILABLE = "The database is unavailable; try again later"
# What asyncpg raises when PostgreSQL cannot be reached, is going away or lost the database:
# the service is unavailable, not broken (a 503 the caller may retry, not a 500).
DATABASE_DOWN: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, crash, cannot connect now
    asyncpg.InvalidCatalogNameError,  # the database itself was dropped
    # A connection whose server went away mid-query is left in a state asyncpg cannot use.
    asyncpg.InternalClientError,
    ConnectionRefusedError,
    ConnectionResetError,
)


class ApiError(web.HTTPException):
    """An HTTP error whose body is `{"detail": detail}`."""

    def __init__(
        self, status: int, detail: Any = None, *, headers: Mapping[str, str] | None = None
    ) -> None:
        self.status_code = status
        super().__init__(
            text=json.dumps({"detail": detail if detail is not None else REASONS.get(status)}),
            content_type="application/json",
            headers=headers,
        )


def field_error(location: tuple[str | int, ...], message: str, kind: str = "value_error") -> dict:
    """One entry of a 422 `detail` list, shaped like FastAPI's so the seed's clients parse it."""
    return {"loc": list(location), "msg": message, "type": kind}


def unprocessable(errors: list[dict]) -> ApiError:
    return ApiError(422, errors)


def _json_error(status: int, detail: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    response = web.json_response({"detail": detail}, status=status)
    for name, value in (headers or {}).items():
        if name.lower() not in {"content-type", "content-length"}:
            response.headers[name] = value
    return response


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError:
        raise
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = REASONS.get(exc.status, exc.reason)
        if exc.status == 413:
            detail = f"Request body too large (limit {request.client_max_size} bytes)"
        return _json_error(exc.status, detail, exc.headers)
    except DATABASE_DOWN:
        logger.warning("database unavailable", extra={"path": request.path})
        return _json_error(503, DATABASE_UNAVAILABLE, {"Retry-After": "5"})
    except Exception:
        logger.exception("unhandled error", extra={"path": request.path, "method": request.method})
        return _json_error(500, "Internal server error")
