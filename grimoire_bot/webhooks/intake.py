"""Webhook intake: verify, record and enqueue in one transaction, answer 202 in milliseconds."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

import asyncpg
from aiohttp import hdrs, web
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
# GitHub does not deliver an event whose payload exceeds 25 MB.
MAX_DELIVERY_BYTES = 25 * 1024 * 1024
SIGNATURE_HEADER = "X-Hub-Signature-256"

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()


class Accepted(BaseModel):
    status: str
    delivery_id: str


def _refuse_before_reading(request: web.Request, secrets: tuple[str, ...]) -> None:
    """Refuse what headers alone condemn, so an unsigned or oversized body is never read.

    GitHub never compresses deliveries, so any Content-Encoding is refused too: decoding
    one would make us inflate a body before we know who sent it.
    """
    if not secrets:
        raise ApiError(
            503,
            "Webhooks are disabled: set WEBHOOK_SECRET to the secret configured on the GitHub App",
        )
    if not request.headers.get(SIGNATURE_HEADER, "").strip():
        raise ApiError(401, f"Missing {SIGNATURE_HEADER} header: the delivery is not signed")
    if (request.content_length or 0) > MAX_DELIVERY_BYTES:
        raise _too_large()
    if hdrs.CONTENT_ENCODING in request.headers:
        raise ApiError(
            415,
            f"Content-Encoding {request.headers[hdrs.CONTENT_ENCODING]!r} is not accepted: "
            "GitHub sends deliveries uncompressed",
        )


def _too_large() -> ApiError:
    return ApiError(413, f"Request body too large (limit {MAX_DELIVERY_BYTES} bytes)")


async def _read_body(request: web.Request) -> bytes:
    """The body, read no further than GitHub's cap (a chunked body has no Content-Length)."""
    body = bytearray()
    try:
        async for chunk in request.content.iter_any():
            body += chunk
            if len(body) > MAX_DELIVERY_BYTES:
                raise _too_large()
    except web.RequestPayloadError:
        raise ApiError(400, "The body could not be read (a broken chunked encoding?)") from None
    return bytes(body)


def _verify_signature(request: web.Request, body: bytes, secrets: tuple[str, ...]) -> None:
    """Accept a body signed with any configured secret (two while one is being rotated)."""
    signature = request.headers[SIGNATURE_HEADER].strip()
    # Every secret is tried, so the time taken does not tell which one matched.
    matches = [_signed_with(body, signature, secret) for secret in secrets]
    if not any(matches):
        raise ApiError(401, f"Invalid signature: {SIGNATURE_HEADER} does not match the body")


def _signed_with(body: bytes, signature: str, secret: str) -> bool:
    try:
        validate_event(body, signature=signature, secret=secret)
    except (ValidationFailure, TypeError, ValueError):
        # TypeError: a signature with non-ASCII characters cannot even be compared.
        return False
    return True


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
    secrets = request.app[SETTINGS].webhook_secrets
    _refuse_before_reading(request, secrets)
    body = await _read_body(request)
    _verify_signature(request, body, secrets)
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
        "200 `pong`. 503 while WEBHOOK_SECRET is unset. No secret, no signature header, a "
        "Content-Length over 25 MB or any Content-Encoding is refused before the body is read.",
        tag="github",
        documented_body={"type": "object", "description": "GitHub's event payload"},
        response=Accepted,
        status=202,
        errors=(400, 401, 413, 415, 503),
        extra_responses={200: "A duplicate delivery or a ping: nothing queued."},
    )(receive_webhook)
