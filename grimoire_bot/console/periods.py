"""The periods the console's failure pages look back over."""

from __future__ import annotations

import enum

from aiohttp import web

from grimoire_bot.api.errors import ApiError


class Period(enum.IntEnum):
    WEEK = 7
    MONTH = 30


def period_of(request: web.Request) -> Period:
    """`?days=7` (the default) or `?days=30`; anything else is a 422."""
    try:
        return Period(int(request.query.get("days", Period.WEEK)))
    except ValueError:
        raise ApiError(422, "days must be 7 or 30") from None
