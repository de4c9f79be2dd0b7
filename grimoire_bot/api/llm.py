"""LLM drafting statistics (admins): how each model's drafts fare in review, and the spend."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.operations import Access, operation
from grimoire_bot.db import drafts as db_drafts
from grimoire_bot.db import llm_budget
from grimoire_bot.state import POOL, SETTINGS

routes = web.RouteTableDef()


class StatsQuery(BaseModel):
    days: int = Field(30, ge=1, le=366, description="UTC days of calls to count, today included.")


class ModelStats(BaseModel):
    provider: str
    model: str
    drafts: int = Field(description="AI drafts stored from this model, whatever their status.")
    approved: int
    rejected: int
    pending: int = Field(description="Still drafts: nobody has reviewed them.")
    approve_rate: float | None = Field(
        description="approved / (approved + rejected); null until one is reviewed."
    )
    reject_rate: float | None = Field(description="rejected / (approved + rejected).")
    reuses: int = Field(description="Later failures that were shown one of these drafts.")
    cost_usd: float = Field(description="Estimated cost of drafting them.")


class OutcomeStats(BaseModel):
    outcome: str = Field(description="drafted, reused, over_budget, invalid, refused, ...")
    calls: int
    requests: int = Field(description="HTTP requests sent to the provider, retries included.")
    tokens_in: int
    tokens_out: int
    cost_usd: float


class BudgetToday(BaseModel):
    drafts: int
    max_drafts: int
    cost_usd: float
    max_cost_usd: float


class LLMStats(BaseModel):
    provider: str
    model: str | None
    auto_create_spells: bool
    models: list[ModelStats]
    outcomes: list[OutcomeStats] = Field(description="Drafting calls of the last `days` days.")
    today: BudgetToday = Field(description="All installations together, this UTC day.")


def _rate(part: int, approved: int, rejected: int) -> float | None:
    reviewed = approved + rejected
    return round(part / reviewed, 4) if reviewed else None


@operation(
    routes,
    "GET",
    "/api/llm/stats",
    summary="AI drafts per model (approve and reject rates), drafting outcomes and spend",
    description="Admins only.",
    tag="llm",
    query=StatsQuery,
    response=LLMStats,
    access=Access.ADMIN,
    errors=(401, 403, 422),
)
async def llm_stats(request: web.Request, query: StatsQuery, user: UserOut) -> LLMStats:
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn:
        by_model = await db_drafts.review_stats_by_model(conn)
        outcomes = await db_drafts.call_totals(conn, query.days)
        spent = await llm_budget.spent_today(conn)
    models = [
        ModelStats(
            **dict(row),
            approve_rate=_rate(row["approved"], row["approved"], row["rejected"]),
            reject_rate=_rate(row["rejected"], row["approved"], row["rejected"]),
        )
        for row in by_model
    ]
    return LLMStats(
        provider=settings.llm_provider.value,
        model=settings.llm_model_name,
        auto_create_spells=settings.auto_create_spells,
        models=models,
        outcomes=[OutcomeStats(**dict(row)) for row in outcomes],
        today=BudgetToday(
            drafts=spent.drafts,
            max_drafts=settings.llm_daily_drafts,
            cost_usd=round(spent.cost_usd, 6),
            max_cost_usd=settings.llm_daily_cost_usd,
        ),
    )
