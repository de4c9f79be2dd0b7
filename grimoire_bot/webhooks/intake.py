"""Webhook intake: verify, record and enqueue in one transaction, answer 202 in milliseconds."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

import asyncpg
from aiohttp import web
from gidgethub import ValidationFailure
from gidgethub.sansio import validate_event
from pydantic import BaseModel

from grimoire_bot import metrics
from grimoire_bot.api.errors import ApiError
from grimoire_bot.api.operations import operation
from grimoire_bot.db import deliveries as db_deliveries
from grimoire_bot.state import RECORDER, SETTINGS
from grimoire_bot.webhooks.recorder import RECORD_ONLY_EVENTS, UnstorablePayload

PATHS = ("/api/github/webhooks", "/webhook")
# Headers that authenticate the delivery: never stored, never shown.
SECRET_HEADERS = frozenset({"x-hub-signature", "x-hub-signature-256", "authorization", "cookie"})
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
# GitHub's event names and delivery GUIDs are short; the delivery log looks ids up by value.
MAX_HEADER_VALUE = 200

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()


class Accepted(BaseModel):
    status: str
    delivery_id: str


def _verify_signature(request: web.Request, body: bytes, secret: str | None) -> None:
    if not secret:
        raise ApiError(
            503,
            "Webhooks are disabled: set WEBHOOK_SECRET to the secret configured on the GitHub App",
        )
    signature = request.headers.get("X-Hub-Signature-256") or request.headers.get("X-Hub-Signature")
    if not signature:
        raise ApiError(401, "Missing X-Hub-Signature-256 header: the delivery is not signed")
    try:
        validate_event(body, signature=signature, secret=secret)
    except (ValidationFailure, TypeError, ValueError):
        # TypeError: a signature with non-ASCII characters cannot even be compared.
        raise ApiError(
            401, "Invalid signature: X-Hub-Signature-256 does not match the body"
        ) from None


def _required_header(request: web.Request, name: str) -> str:
    value = request.headers.get(name, "").strip()
    if not value:
        raise ApiError(400, f"Missing {name} header")
    if len(value) > MAX_HEADER_VALUE:
        raise ApiError(400, f"{name} is longer than {MAX_HEADER_VALUE} characters")
    return value


def _decode_payload(request: web.Request, body: bytes) -> tuple[dict[str, Any], str]:
    """The payload as an object and as JSON text (stored verbatim when it was sent as JSON)."""
    if request.content_type == "application/json":
        text = body.decode("utf-8", errors="strict") if _is_utf8(body) else None
    elif request.content_type == FORM_MEDIA_TYPE:
        text = parse_qs(body.decode("latin-1")).get("payload", [None])[0]
    else:
        raise ApiError(
            415, "Expected Content-Type application/json or application/x-www-form-urlencoded"
        )
    if text is None:
        raise ApiError(400, "The body is not a JSON payload")
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(
            400, f"The body is not valid JSON: {exc.msg} at position {exc.pos}"
        ) from None
    except RecursionError:
        raise ApiError(400, "The body is not valid JSON: nested too deeply") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "The payload must be a JSON object")
    return payload, text


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _delivery_from(request: web.Request, body: bytes) -> db_deliveries.NewDelivery:
    event = _required_header(request, "X-GitHub-Event")
    delivery_id = _required_header(request, "X-GitHub-Delivery")
    payload, text = _decode_payload(request, body)
    installation = payload.get("installation")
    repository = payload.get("repository")
    return db_deliveries.NewDelivery(
        delivery_id=delivery_id,
        event=event,
        action=payload.get("action") if isinstance(payload.get("action"), str) else None,
        installation_id=installation.get("id") if isinstance(installation, dict) else None,
        repository=repository.get("full_name") if isinstance(repository, dict) else None,
        headers={k: v for k, v in request.headers.items() if k.lower() not in SECRET_HEADERS},
        payload_json=text,
    )


async def receive_webhook(request: web.Request) -> web.Response:
    try:
        response = await _record_delivery(request)
    except web.HTTPException as refusal:
        # The event header of a refused request is unverified: not a label value.
        metrics.WEBHOOKS_RECEIVED.labels("-", str(refusal.status)).inc()
        raise
    event = request.headers.get("X-GitHub-Event", "-")
    metrics.WEBHOOKS_RECEIVED.labels(event, str(response.status)).inc()
    return response


async def _record_delivery(request: web.Request) -> web.Response:
    try:
        body = await request.read()
    except web.RequestPayloadError:
        raise ApiError(400, "The body could not be read (is its Content-Encoding right?)") from None
    _verify_signature(request, body, request.app[SETTINGS].webhook_secret)
    delivery = _delivery_from(request, body)
    try:
        inserted = await request.app[RECORDER].record(delivery)
    except UnstorablePayload as exc:
        raise ApiError(400, f"The payload cannot be stored: {exc}") from None
    except (
        OSError,
        asyncpg.PostgresConnectionError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
    ):
        logger.exception("webhook not recorded", extra={"delivery_id": delivery.delivery_id})
        raise ApiError(503, "The database is unavailable; redeliver this later") from None
    if not inserted:
        return web.json_response({"status": "duplicate", "delivery_id": delivery.delivery_id})
    if delivery.event in RECORD_ONLY_EVENTS:
        return web.json_response({"status": "pong", "delivery_id": delivery.delivery_id})
    accepted = Accepted(status="queued", delivery_id=delivery.delivery_id)
    return web.json_response(accepted.model_dump(), status=202)


for path in PATHS:
    operation(
        routes,
        "POST",
        path,
        summary="Receive a signed GitHub webhook delivery"
        + (" (Probot's path)" if path == PATHS[0] else " (the seed's path)"),
        description="Verifies X-Hub-Signature-256, records the delivery and queues it: 202 "
        "`queued`; a redelivery of a known X-GitHub-Delivery is 200 `duplicate`; `ping` is "
        "200 `pong`. 503 while WEBHOOK_SECRET is unset.",
        tag="github",
        documented_body={"type": "object", "description": "GitHub's event payload"},
        response=Accepted,
        status=202,
        errors=(400, 401, 413, 415, 503),
        extra_responses={200: "A duplicate delivery or a ping: nothing queued."},
    )(receive_webhook)
