"""Webhook deliveries (admins): the log with filters, one delivery's handlers and GitHub
requests, and redelivery, all through the API's own operations and queries."""

from __future__ import annotations

from aiohttp import web

from grimoire_bot.api import webhook_logs as api_webhook_logs
from grimoire_bot.api.operations import Access, validate
from grimoire_bot.console.actions import call_operation
from grimoire_bot.console.render import Notice, render
from grimoire_bot.console.sessions import Viewer
from grimoire_bot.console.views import console_page, redirect
from grimoire_bot.db import deliveries as db_deliveries
from grimoire_bot.state import POOL

DELIVERIES_PATH = "/console/deliveries"
FILTERS = ("event", "status", "repository")
STATUSES = ("queued", "processing", "done", "failed", "ignored")
PAGE = 50

routes = web.RouteTableDef()


@routes.get(DELIVERIES_PATH)
@console_page(Access.ADMIN)
async def delivery_log(request: web.Request, viewer: Viewer) -> web.Response:
    sent = {name: request.query[name] for name in (*FILTERS, "skip") if request.query.get(name)}
    query = validate(api_webhook_logs.DeliveryQuery, {**sent, "limit": PAGE}, "query")
    assert isinstance(query, api_webhook_logs.DeliveryQuery)
    filters = db_deliveries.DeliveryFilter(
        event=query.event, status=query.status, repository=query.repository
    )
    async with request.app[POOL].acquire() as conn:
        rows, total = await db_deliveries.list_deliveries(
            conn, filters, skip=query.skip, limit=query.limit
        )
    return render(
        request,
        "deliveries.html",
        viewer,
        deliveries=rows,
        total=total,
        filters={name: sent.get(name, "") for name in FILTERS},
        statuses=STATUSES,
        skip=query.skip,
        page=PAGE,
    )


@routes.get(DELIVERIES_PATH + "/{delivery_id}")
@console_page(Access.ADMIN)
async def delivery_detail(request: web.Request, viewer: Viewer) -> web.Response:
    detail = await call_operation(
        api_webhook_logs.get_delivery, request, viewer, params=request.match_info
    )
    return render(request, "delivery.html", viewer, delivery=detail)


@routes.post(DELIVERIES_PATH + "/{delivery_id}/redeliver")
@console_page(Access.ADMIN)
async def redeliver(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    await call_operation(api_webhook_logs.redeliver, request, viewer, params=request.match_info)
    delivery_id = request.match_info["delivery_id"]
    raise redirect(f"{DELIVERIES_PATH}/{delivery_id}?notice={Notice.REDELIVERED}")
