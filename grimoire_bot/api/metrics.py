"""`/metrics`: Prometheus' text format, optionally behind METRICS_TOKEN."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily

from grimoire_bot import metrics
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import operation
from grimoire_bot.db import metrics as db_metrics
from grimoire_bot.state import POOL, SETTINGS
from grimoire_bot.webhooks.queue import DELIVERY_ENTRYPOINT

routes = web.RouteTableDef()


@dataclass(frozen=True, eq=False)  # registries key collectors by identity
class Snapshot:
    """Ready-made metric families; a collector prometheus-client can render."""

    families: tuple[GaugeMetricFamily, ...]

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return self.families


async def database_gauges(request: web.Request) -> CollectorRegistry:
    """Gauges read from Postgres now: the same figures whichever process is scraped. Built
    as metric families, not `Gauge`s: in multiprocess mode a `Gauge` writes a file to the
    shared folder even in a private registry, one more per scrape and process."""
    async with request.app[POOL].acquire() as conn:
        queue = await db_metrics.queue_state(conn, DELIVERY_ENTRYPOINT)
        spells = await db_metrics.spells_by_status(conn)
    depth = GaugeMetricFamily(
        "grimoire_queue_depth",
        "Deliveries in the queue: ready for a worker, delayed by a retry's back-off, running.",
        labels=["state"],
    )
    depth.add_metric(["ready"], queue.ready)
    depth.add_metric(["delayed"], queue.delayed)
    depth.add_metric(["running"], queue.running)
    oldest = GaugeMetricFamily(
        "grimoire_queue_oldest_ready_seconds",
        "How long the oldest delivery ready for a worker has waited.",
        value=queue.oldest_ready_seconds,
    )
    size = GaugeMetricFamily(
        "grimoire_spellbook_spells", "Spells in the spellbook, by status.", labels=["status"]
    )
    for status, count in spells.items():
        size.add_metric([status], count)
    registry = CollectorRegistry()
    registry.register(Snapshot((depth, oldest, size)))
    return registry


def check_metrics_token(request: web.Request) -> None:
    expected = request.app[SETTINGS].metrics_token
    if expected is None:
        return
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        raise ApiError(401, "Metrics need the METRICS_TOKEN as a bearer token")


@operation(
    routes,
    "GET",
    "/metrics",
    summary="Prometheus metrics of this process, and queue and spellbook gauges",
    description="Prometheus' text exposition format. When `METRICS_TOKEN` is set, it must be "
    "sent as `Authorization: Bearer TOKEN`.",
    tag="meta",
    response='grimoire_queue_depth{state="ready"} 0.0',
    response_media_type="text/plain",
    errors=(401,),
)
async def show_metrics(request: web.Request) -> web.Response:
    check_metrics_token(request)
    body = metrics.render(await database_gauges(request))
    return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})
