"""Doing what the JSON API does, as the console's viewer: the console never re-implements a
rule. Each action calls the API operation's own handler, with its inputs validated by the
operation's own models and its access level checked against the viewer's role."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from grimoire_bot.api.auth import DENIED, REQUIRED_ROLE
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, Operation, validate
from grimoire_bot.console.sessions import Viewer


async def call_operation(
    endpoint: Callable,
    request: web.Request,
    viewer: Viewer,
    *,
    params: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
) -> Any:
    """The result of the API operation `endpoint` (what it would answer as JSON), or the
    ApiError it would answer with."""
    op: Operation = endpoint.__operation__
    kwargs: dict[str, Any] = {}
    if op.access is not Access.PUBLIC:
        if not viewer.user.role.at_least(REQUIRED_ROLE[op.access]):
            denied = op.denied.format_map(dict(params or {})) if op.denied else None
            raise ApiError(403, denied or DENIED[op.access])
        kwargs["user"] = viewer.user
    if op.params is not None:
        kwargs["params"] = validate(op.params, dict(params or {}), "path")
    if op.query is not None:
        kwargs["query"] = validate(op.query, dict(query or {}), "query")
    if op.body is not None:
        kwargs["body"] = validate(op.body, dict(body or {}), "body")
    return await endpoint.__wrapped__(request, **kwargs)
