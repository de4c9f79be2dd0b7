"""The webhook delivery log (admins): what arrived, what each handler did, and redelivery."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from grimoire_bot.api.auth import UserOut
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import Access, operation
from grimoire_bot.db import deliveries as db_deliveries
from grimoire_bot.db import drafts as db_drafts
from grimoire_bot.state import POOL
from grimoire_bot.validation import Offset, Text, Timestamp
from grimoire_bot.webhooks.queue import enqueue_delivery

routes = web.RouteTableDef()

DeliveryStatus = Literal["queued", "processing", "done", "failed", "ignored"]


class DeliveryQuery(BaseModel):
    event: Annotated[Text, Field(max_length=100)] | None = None
    status: DeliveryStatus | None = None
    repository: Annotated[Text, Field(max_length=200)] | None = Field(
        None, description="`owner/name`"
    )
    since: Timestamp | None = Field(
        None, description="ISO 8601 (UTC without an offset); deliveries received at or after."
    )
    skip: Offset = 0
    limit: int = Field(50, ge=1, le=500)


class DeliverySummary(BaseModel):
    delivery_id: str
    event: str
    action: str | None
    installation_id: int | None
    repository: str | None
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    received_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: float | None


class Transition(BaseModel):
    status: DeliveryStatus
    attempt: int
    detail: str | None
    at: datetime


class HandlerOutcome(BaseModel):
    attempt: int
    handler: str
    outcome: Literal["ok", "failed", "retry"]
    error: str | None
    duration_ms: float
    at: datetime


class GitHubRequestLog(BaseModel):
    attempt: int
    handler: str | None
    method: str
    url: str
    status: int | None
    duration_ms: float
    error: str | None
    at: datetime


class LLMCallLog(BaseModel):
    fingerprint: str
    error_message: str
    error_file: str | None
    error_line: int | None
    outcome: str = Field(description="drafted, reused, over_budget, invalid, refused, ...")
    reason: str | None
    provider: str | None
    model: str | None
    requests: int
    tokens_in: int
    tokens_out: int
    cost_usd: float
    spell_id: int | None
    duration_ms: float
    at: datetime


class DeliveryDetail(DeliverySummary):
    headers: dict[str, str] = Field(description="As received, without the signature headers.")
    payload: dict[str, Any]
    transitions: list[Transition]
    handlers: list[HandlerOutcome]
    github_requests: list[GitHubRequestLog]
    llm_calls: list[LLMCallLog] = Field(
        description="What drafting a spell with an LLM did for each unmatched error."
    )


class DeliveryParams(BaseModel):
    delivery_id: Annotated[Text, Field(min_length=1, max_length=200)]


class Requeued(BaseModel):
    status: Literal["queued"]
    delivery_id: str


def delivery_not_found(delivery_id: str) -> ApiError:
    return ApiError(404, f"Delivery {delivery_id} not found")


@operation(
    routes,
    "GET",
    "/api/webhook-logs",
    summary="Webhook deliveries, newest first",
    description="Admins only. The total is in the `X-Total-Count` header.",
    tag="webhooks",
    query=DeliveryQuery,
    response=list[DeliverySummary],
    access=Access.ADMIN,
    errors=(401, 403, 422),
)
async def list_deliveries(
    request: web.Request, query: DeliveryQuery, user: UserOut
) -> web.Response:
    filters = db_deliveries.DeliveryFilter(
        event=query.event, status=query.status, repository=query.repository, since=query.since
    )
    async with request.app[POOL].acquire() as conn:
        rows, total = await db_deliveries.list_deliveries(
            conn, filters, skip=query.skip, limit=query.limit
        )
    body = [DeliverySummary(**dict(row)).model_dump(mode="json") for row in rows]
    return web.json_response(body, headers={"X-Total-Count": str(total)})


@operation(
    routes,
    "GET",
    "/api/webhook-logs/{delivery_id}",
    summary="One delivery: headers, payload, status history, handlers, GitHub and LLM calls",
    tag="webhooks",
    params=DeliveryParams,
    response=DeliveryDetail,
    access=Access.ADMIN,
    errors=(401, 403, 404),
)
async def get_delivery(
    request: web.Request, params: DeliveryParams, user: UserOut
) -> DeliveryDetail:
    async with request.app[POOL].acquire() as conn:
        detail = await db_deliveries.get_delivery_detail(conn, params.delivery_id)
        calls = await db_drafts.calls_for_delivery(conn, params.delivery_id)
    if detail is None:
        raise delivery_not_found(params.delivery_id)
    detail["llm_calls"] = [dict(call) for call in calls]
    # The first state is implied by the row itself: every delivery is queued on arrival.
    received = {"status": "queued", "attempt": 0, "detail": "received", "at": detail["received_at"]}
    detail["transitions"] = [received, *detail["transitions"]]
    return DeliveryDetail(**detail)


@operation(
    routes,
    "POST",
    "/api/webhook-logs/{delivery_id}/redeliver",
    summary="Queue a stored delivery again",
    description="Runs every handler afresh on the stored payload. 409 while it is still queued "
    "or running.",
    tag="webhooks",
    params=DeliveryParams,
    response=Requeued,
    status=202,
    access=Access.ADMIN,
    errors=(401, 403, 404, 409),
)
async def redeliver(request: web.Request, params: DeliveryParams, user: UserOut) -> Requeued:
    async with request.app[POOL].acquire() as conn, conn.transaction():
        result = await db_deliveries.requeue_delivery(
            conn, params.delivery_id, f"redelivered by {user.email}"
        )
        if result == "queued":
            await enqueue_delivery(conn, params.delivery_id)
    if result == "missing":
        raise delivery_not_found(params.delivery_id)
    if result == "busy":
        raise ApiError(409, f"Delivery {params.delivery_id} is already queued or being processed")
    return Requeued(status="queued", delivery_id=params.delivery_id)
