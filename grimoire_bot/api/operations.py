"""Declaring an API operation once: its route, validation, access rule and OpenAPI entry.

A handler is an ordinary coroutine taking keyword arguments. The `operation` decorator
parses and validates the path, query and JSON body with pydantic models, resolves the
caller for protected routes, and turns the handler's return value into JSON. The same
declaration feeds `/openapi.json`, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web
from pydantic import BaseModel, TypeAdapter, ValidationError

from grimoire_bot.api.errors import ApiError, field_error, unprocessable

# Bodies are JSON; forms are refused outright rather than misread.
FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Content-Encodings aiohttp undoes before the body reaches us (br and zstd only when their
# libraries are installed; otherwise aiohttp refuses the request itself). Any other value
# would leave the body encoded, so it is refused rather than misread as JSON.
DECODED_ENCODINGS = frozenset({"identity", "gzip", "deflate", "br", "zstd"})


DEFAULT_MAX_BODY = 1024 * 1024


class Access(enum.StrEnum):
    """Who may call an operation; each level admits the ones after it."""

    PUBLIC = "public"
    USER = "user"  # any signed-in account, contributors included
    CURATOR = "curator"  # curators and admins
    ADMIN = "admin"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    description: str | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    params: type[BaseModel] | None = None
    response: Any = None  # a pydantic model, a TypeAdapter-able type, or None
    status: int = 200
    access: Access = Access.PUBLIC
    errors: tuple[int, ...] = ()
    response_media_type: str = "application/json"
    max_body: int = DEFAULT_MAX_BODY
    # A body that may be left out entirely (read as `{}`), e.g. an optional reason.
    body_optional: bool = False
    # For handlers that read their own body: its schema, for the documentation only.
    documented_body: dict | None = None
    # The 403 detail for a signed-in caller below `access`, naming what they may do instead;
    # `{name}` fields are filled from the path (e.g. `{spell_id}`).
    denied: str | None = None
    extra_responses: dict[int, str] = field(default_factory=dict)
    # Whether the operation reads or writes PostgreSQL, and so answers 503 while it is down.
    uses_database: bool = True

    @property
    def possible_errors(self) -> tuple[int, ...]:
        """The declared errors plus those the decorator itself answers, for the documentation.

        A JSON body can be malformed (400), too large (413), a form or oddly encoded (415)
        or wrong (422); path and query parameters can be wrong (422); a protected route
        needs a token (401), a curator or admin route that role (403); whatever reads the
        database, a signed-in caller included, is a 503 while PostgreSQL is down.
        """
        statuses = set(self.errors)
        if self.uses_database or self.access is not Access.PUBLIC:
            statuses.add(503)
        if self.body is not None:
            statuses |= {400, 413, 415, 422}
        if self.params is not None or self.query is not None:
            statuses.add(422)
        if self.access is not Access.PUBLIC:
            statuses.add(401)
        if self.access in (Access.CURATOR, Access.ADMIN):
            statuses.add(403)
        return tuple(sorted(statuses))


# Resolves the caller of a protected operation (401/403 when it may not call it).
ResolveUser = Callable[[web.Request, Operation], Awaitable[Any]]
USER_RESOLVER = web.AppKey("user_resolver", object)


async def optional_user(request: web.Request) -> Any:
    """The signed-in caller of a public operation, or None for an anonymous one; a bad
    token is still a 401, never silently anonymous."""
    if "Authorization" not in request.headers:
        return None
    resolve: ResolveUser = request.app[USER_RESOLVER]  # type: ignore[assignment]
    return await resolve(request, Access.USER)


def operation(routes: web.RouteTableDef, method: str, path: str, **spec: Any) -> Callable:
    op = Operation(method=method, path=path, **spec)

    def decorate(handler: Callable[..., Awaitable[Any]]) -> Callable:
        @functools.wraps(handler)
        async def endpoint(request: web.Request) -> web.StreamResponse:
            kwargs: dict[str, Any] = {}
            if op.access is not Access.PUBLIC:
                resolve: ResolveUser = request.app[USER_RESOLVER]  # type: ignore[assignment]
                kwargs["user"] = await resolve(request, op)
            # Every wrong field at once, wherever it is: a bad id and a bad body in one 422.
            errors: list[dict] = []
            if op.params is not None:
                kwargs["params"] = _collect(errors, op.params, dict(request.match_info), "path")
            if op.query is not None:
                kwargs["query"] = _collect(
                    errors, op.query, _query_dict(request, op.query), "query"
                )
            if op.body is not None:
                data = (
                    {}
                    if op.body_optional and not request.body_exists
                    else await read_json(request, op.max_body)
                )
                kwargs["body"] = _collect(errors, op.body, data, "body")
            if errors:
                raise unprocessable(errors)
            result = await handler(request, **kwargs)
            return _respond(op, result)

        endpoint.__operation__ = op  # type: ignore[attr-defined]
        routes.route(method, path)(endpoint)
        return endpoint

    return decorate


def _query_dict(request: web.Request, model: type[BaseModel]) -> dict[str, Any]:
    """Query values as the model expects them: lists for list fields, else the last value."""
    result: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        values = request.query.getall(key, [])
        if not values:
            continue
        origin = getattr(info.annotation, "__origin__", None)
        result[key] = values if origin in (list, tuple) else values[-1]
    return result


class _NotJson(ValueError):
    """Text Python's json module accepts but JSON does not (NaN, Infinity)."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def _read_number(text: str) -> float | int:
    """A number as JSON Schema sees it: one without a fractional part (`5.0`, `1e2`) is an
    integer, so a field the schema calls `integer` accepts it as the schema promises."""
    value = float(text)
    return int(value) if value.is_integer() else value


async def read_json(request: web.Request, max_body: int = DEFAULT_MAX_BODY) -> Any:
    if request.content_type in FORM_MEDIA_TYPES:
        raise ApiError(
            415,
            f"Expected a JSON body (Content-Type: application/json), got {request.content_type}",
        )
    encoding = request.headers.get(hdrs.CONTENT_ENCODING, "identity").strip().lower()
    if encoding not in DECODED_ENCODINGS:
        raise ApiError(
            415,
            f"Unsupported Content-Encoding: {encoding}; send the body as is, gzip or deflate",
        )
    raw = await _read_body(request, max_body, encoding)
    if not raw.strip():
        raise ApiError(400, "Request body is empty; expected a JSON document")
    try:
        return json.loads(raw, parse_constant=_refuse_constant, parse_float=_read_number)
    except UnicodeDecodeError:
        raise ApiError(400, "Request body is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            400, f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except _NotJson as exc:
        raise ApiError(400, f"Malformed JSON: {exc}") from None
    except ValueError as exc:  # Python refuses to convert integers of over 4300 digits
        reason = "a number has too many digits" if "digits" in str(exc) else "unreadable"
        raise ApiError(400, f"Malformed JSON: {reason}") from None
    except RecursionError:
        raise ApiError(400, "Malformed JSON: nested too deeply") from None


async def _read_body(request: web.Request, max_body: int, encoding: str) -> bytes:
    """The (decoded) body, read no further than `max_body` bytes."""
    too_large = ApiError(413, f"Request body too large (limit {max_body} bytes)")
    if encoding == "identity" and (request.content_length or 0) > max_body:
        raise too_large
    body = bytearray()
    try:
        async for chunk in request.content.iter_any():
            body += chunk
            if len(body) > max_body:
                raise too_large
    except web.RequestPayloadError:
        # The body is not what its headers say (a gzip body that is not gzip, a broken chunk).
        # The connection's parser has stopped, so the rest of the body is abandoned and the
        # connection closed after this answer instead of being read on.
        request.content.feed_eof()
        error = ApiError(
            400,
            "Request body could not be decoded"
            + (f" as Content-Encoding: {encoding}" if encoding != "identity" else ""),
        )
        error.force_close()
        raise error from None
    return bytes(body)


def validate(model: type[BaseModel], data: Any, location: str) -> BaseModel:
    errors: list[dict] = []
    result = _collect(errors, model, data, location)
    if errors:
        raise unprocessable(errors)
    return result


def _collect(errors: list[dict], model: type[BaseModel], data: Any, location: str) -> Any:
    """The validated model, or None after adding its field errors to `errors`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors.extend(
            field_error((location, *err["loc"]), err["msg"], err["type"])
            for err in exc.errors(include_url=False, include_input=False)
        )
        return None


def _respond(op: Operation, result: Any) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if op.status == 204 or result is None:
        return web.Response(status=op.status if op.status == 204 else 200)
    if isinstance(result, BaseModel):
        payload = result.model_dump(mode="json")
    elif op.response is not None and not isinstance(op.response, str):
        payload = TypeAdapter(op.response).dump_python(result, mode="json")
    else:
        payload = result
    return web.json_response(payload, status=op.status, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def operations_of(app: web.Application) -> list[Operation]:
    seen: list[Operation] = []
    for route in app.router.routes():
        op = getattr(route.handler, "__operation__", None)
        if op is not None and op not in seen:
            seen.append(op)
    return seen
