"""Spell health: how often each spell matched lately (a small chart per spell), its votes,
its "Not relevant" rate, and the repositories that switched it off. Spells people find
irrelevant too often are flagged for a curator to narrow or withdraw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from grimoire_bot.console.periods import Period, period_of
from grimoire_bot.console.render import render
from grimoire_bot.console.sessions import Viewer
from grimoire_bot.console.views import console_page, visible_repository_ids
from grimoire_bot.db import console as db_console
from grimoire_bot.state import POOL

HEALTH_PATH = "/console/health"
# Flagged: at least this many votes, this share of them "Not relevant".
FLAG_MIN_VOTES = 3
FLAG_NOT_RELEVANT_RATE = 0.5
CHART_WIDTH = 120
CHART_HEIGHT = 24

routes = web.RouteTableDef()


@dataclass(frozen=True)
class SpellHealth:
    id: int
    key: str | None
    title: str
    status: str
    matches: int
    per_day: list[int]  # oldest day first
    helpful: int
    not_relevant: int
    ignored_in: list[str]

    @property
    def votes(self) -> int:
        return self.helpful + self.not_relevant

    @property
    def not_relevant_rate(self) -> float | None:
        return self.not_relevant / self.votes if self.votes else None

    @property
    def flagged(self) -> bool:
        rate = self.not_relevant_rate
        return self.votes >= FLAG_MIN_VOTES and rate is not None and rate >= FLAG_NOT_RELEVANT_RATE

    @property
    def chart_points(self) -> str:
        """The daily matches as an SVG polyline's points."""
        return sparkline(self.per_day, CHART_WIDTH, CHART_HEIGHT)


def daily_counts(per_day: dict[str, int], days: int, today: date) -> list[int]:
    first = today - timedelta(days=days - 1)
    return [per_day.get((first + timedelta(days=i)).isoformat(), 0) for i in range(days)]


def sparkline(values: list[int], width: int, height: int) -> str:
    if not values:
        return ""
    top = max(values) or 1
    step = width / max(1, len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 1 - (value / top) * (height - 2):.1f}"
        for i, value in enumerate(values)
    )


def health_of(row: Any, days: int, today: date) -> SpellHealth:
    return SpellHealth(
        id=row["id"],
        key=row["key"],
        title=row["title"],
        status=row["status"],
        matches=row["matches"],
        per_day=daily_counts(dict(row["per_day"]), days, today),
        helpful=row["helpful"],
        not_relevant=row["not_relevant"],
        ignored_in=list(row["ignored_in"]),
    )


@routes.get(HEALTH_PATH)
@console_page()
async def spell_health(request: web.Request, viewer: Viewer) -> web.Response:
    period: Period = period_of(request)
    repository_ids = await visible_repository_ids(request, viewer)
    async with request.app[POOL].acquire() as conn:
        rows = await db_console.spell_health(conn, days=period, repository_ids=repository_ids)
    today = datetime.now(UTC).date()
    spells = [health_of(row, int(period), today) for row in rows]
    spells.sort(key=lambda spell: (not spell.flagged, -spell.matches, spell.id))
    return render(
        request,
        "health.html",
        viewer,
        spells=spells,
        days=int(period),
        periods=[int(p) for p in Period],
        flag_min_votes=FLAG_MIN_VOTES,
        flag_rate=FLAG_NOT_RELEVANT_RATE,
        chart_width=CHART_WIDTH,
        chart_height=CHART_HEIGHT,
    )
