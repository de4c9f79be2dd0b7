"""Webhook intake: only signed, well-formed deliveries get in, each exactly once."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from grimoire_bot.app import create_app
from tests.conftest import make_settings
from tests.fakes.github import signed_delivery
from tests.payloads import official_payload, official_payload_names
from tests.support import app_in_own_loop

SECRET = "test-webhook-secret"
PATHS = ["/api/github/webhooks", "/webhook"]
PAYLOAD = {
    "action": "created",
    "installation": {"id": 42, "account": {"login": "octo-org", "id": 1}},
    "repositories": [{"id": 7, "full_name": "octo-org/hello", "private": False}],
}


async def counts(database_url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(database_url)
    try:
        deliveries = await conn.fetchval("SELECT count(*) FROM deliveries")
        jobs = await conn.fetchval("SELECT count(*) FROM pgqueuer")
    finally:
        await conn.close()
    return deliveries, jobs


@pytest.mark.parametrize("path", PATHS)
async def test_a_signed_delivery_is_recorded_queued_and_answered_202(
    client, fresh_database_url, path
):
    body, headers = signed_delivery("installation", PAYLOAD, SECRET, delivery_id="d-1")
    response = await client.post(path, data=body, headers=headers)
    assert response.status == 202
    assert await response.json() == {"status": "queued", "delivery_id": "d-1"}

    conn = await asyncpg.connect(fresh_database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM deliveries WHERE delivery_id = 'd-1'")
        job = await conn.fetchrow("SELECT entrypoint, payload, status::text FROM pgqueuer")
    finally:
        await conn.close()
    assert (row["event"], row["action"], row["installation_id"]) == ("installation", "created", 42)
    assert row["status"] == "queued"
    assert json.loads(row["payload"]) == PAYLOAD
    stored_headers = {k.lower() for k in json.loads(row["headers"])}
    assert "x-github-delivery" in stored_headers
    assert not stored_headers & {"x-hub-signature", "x-hub-signature-256"}
    assert job["payload"] == b"d-1"
    assert job["status"] == "queued"


async def test_a_redelivery_is_a_duplicate_and_queues_nothing(client, fresh_database_url):
    body, headers = signed_delivery("installation", PAYLOAD, SECRET, delivery_id="same")
    assert (await client.post(PATHS[0], data=body, headers=headers)).status == 202
    again = await client.post(PATHS[1], data=body, headers=headers)
    assert again.status == 200
    assert (await again.json())["status"] == "duplicate"
    assert await counts(fresh_database_url) == (1, 1)


async def test_concurrent_redeliveries_still_queue_one_job(client, fresh_database_url):
    body, headers = signed_delivery("installation", PAYLOAD, SECRET, delivery_id="racy")
    responses = await asyncio.gather(
        *(client.post(PATHS[0], data=body, headers=headers) for _ in range(10))
    )
    assert sorted(r.status for r in responses) == [200] * 9 + [202]
    assert await counts(fresh_database_url) == (1, 1)


async def test_ping_is_answered_and_recorded_but_not_queued(client, fresh_database_url):
    body, headers = signed_delivery(
        "ping", {"zen": "Keep it logically awesome.", "hook_id": 1}, SECRET
    )
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == 200
    assert (await response.json())["status"] == "pong"
    assert await counts(fresh_database_url) == (1, 0)


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != name.lower()}


@pytest.mark.parametrize(
    ("mutate", "status", "needle"),
    [
        (
            lambda b, h: (b, _without(_without(h, "X-Hub-Signature-256"), "X-Hub-Signature")),
            401,
            "Missing X-Hub-Signature-256",
        ),
        (
            lambda b, h: (b, {**h, "X-Hub-Signature-256": "sha256=" + "0" * 64}),
            401,
            "Invalid signature",
        ),
        (lambda b, h: (b + b" ", h), 401, "Invalid signature"),
        (lambda b, h: (b, _without(h, "X-GitHub-Event")), 400, "X-GitHub-Event"),
        (lambda b, h: (b, _without(h, "X-GitHub-Delivery")), 400, "X-GitHub-Delivery"),
    ],
)
async def test_bad_deliveries_are_refused_with_a_reason_and_leave_no_row(
    client, fresh_database_url, mutate, status, needle
):
    body, headers = signed_delivery("installation", PAYLOAD, SECRET)
    body, headers = mutate(body, headers)
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == status
    assert needle in (await response.json())["detail"]
    assert await counts(fresh_database_url) == (0, 0)


async def test_a_body_that_is_not_json_is_400_and_an_unknown_type_is_415(
    client, fresh_database_url
):
    body, headers = signed_delivery("installation", b"{not json", SECRET)
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == 400
    assert "not valid JSON" in (await response.json())["detail"]

    body, headers = signed_delivery("installation", b"<xml/>", SECRET)
    response = await client.post(
        PATHS[0], data=body, headers={**headers, "Content-Type": "text/xml"}
    )
    assert response.status == 415
    assert "Content-Type" in (await response.json())["detail"]

    body, headers = signed_delivery("installation", b"[1, 2]", SECRET)
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == 400
    assert await counts(fresh_database_url) == (0, 0)


async def test_a_payload_over_githubs_25_mb_cap_is_413(client, fresh_database_url):
    big = {"action": "created", "padding": "x" * (25 * 1024 * 1024)}
    body, headers = signed_delivery("installation", big, SECRET)
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == 413
    assert "too large" in (await response.json())["detail"]
    assert await counts(fresh_database_url) == (0, 0)


async def test_without_a_secret_webhooks_are_refused_with_503(aiohttp_client, fresh_database_url):
    client = await aiohttp_client(
        create_app(make_settings(webhook_secret=None), fresh_database_url)
    )
    body, headers = signed_delivery("installation", PAYLOAD, SECRET)
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == 503
    assert "WEBHOOK_SECRET" in (await response.json())["detail"]
    assert await counts(fresh_database_url) == (0, 0)


async def test_a_nul_escape_in_the_payload_does_not_lose_the_delivery(client, fresh_database_url):
    body, headers = signed_delivery("installation", {**PAYLOAD, "note": "a\u0000b"}, SECRET)
    assert (await client.post(PATHS[0], data=body, headers=headers)).status == 202
    assert await counts(fresh_database_url) == (1, 1)


@pytest.mark.parametrize("name", official_payload_names() or ["(examples absent)"])
async def test_every_official_example_payload_is_accepted(client, name):
    payload = official_payload(name)
    event = name.split(".")[0]
    body, headers = signed_delivery(event, payload, SECRET)
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == (200 if event == "ping" else 202)


def test_property_any_changed_byte_in_body_or_signature_is_refused(fresh_database_url):
    body, headers = signed_delivery("installation", PAYLOAD, SECRET)
    signature = headers["X-Hub-Signature-256"]
    with app_in_own_loop(make_settings(), fresh_database_url) as (runner, client):

        @hypothesis_settings(
            max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        )
        @given(
            target=st.sampled_from(["body", "signature"]),
            position=st.integers(min_value=0),
            replacement=st.integers(min_value=0, max_value=255),
        )
        def check(target: str, position: int, replacement: int) -> None:
            sent_body, sent_headers = body, dict(headers)
            sent_headers.pop("X-Hub-Signature")
            if target == "body":
                index = position % len(body)
                if body[index] == replacement:
                    replacement = (replacement + 1) % 256
                sent_body = body[:index] + bytes([replacement]) + body[index + 1 :]
            else:
                index = 7 + position % (len(signature) - 7)  # after "sha256="
                new_char = "0123456789abcdef"[replacement % 16]
                if signature[index] == new_char:
                    new_char = "0123456789abcdef"[(replacement + 1) % 16]
                sent_headers["X-Hub-Signature-256"] = (
                    signature[:index] + new_char + signature[index + 1 :]
                )

            async def post() -> None:
                response = await client.post(PATHS[0], data=sent_body, headers=sent_headers)
                assert response.status == 401

            runner.run(post())

        check()
        assert runner.run(counts(fresh_database_url)) == (0, 0)


async def test_a_burst_of_deliveries_is_recorded_and_queued_without_losing_one(
    client, fresh_database_url
):
    async def send(number: int) -> int:
        payload = {**PAYLOAD, "number": number}
        body, headers = signed_delivery(
            "installation", payload, SECRET, delivery_id=f"burst-{number}"
        )
        return (await client.post(PATHS[0], data=body, headers=headers)).status

    statuses = await asyncio.gather(*(send(n) for n in range(300)))
    assert statuses == [202] * 300
    assert await counts(fresh_database_url) == (300, 300)


async def test_one_unstorable_payload_is_refused_alone_and_spoils_no_other(
    client, fresh_database_url
):
    """A payload PostgreSQL cannot hold (a lone surrogate) failed its whole group-commit
    batch: every delivery written with it got a 500."""

    async def send(number: int) -> int:
        if number == 7:
            body = b'{"action": "created", "installation": {"id": 1}, "note": "\\ud83d"}'
        else:
            body = json.dumps({**PAYLOAD, "number": number}).encode()
        body, headers = signed_delivery("installation", body, SECRET, delivery_id=f"p-{number}")
        response = await client.post(PATHS[0], data=body, headers=headers)
        return response.status

    statuses = await asyncio.gather(*(send(n) for n in range(40)))
    assert statuses[7] == 400
    assert statuses[:7] + statuses[8:] == [202] * 39
    assert await counts(fresh_database_url) == (39, 39)


@pytest.mark.parametrize(
    ("mutate", "status", "needle"),
    [
        (lambda b, h: (b, {**h, "X-Hub-Signature-256": "sha256=é"}), 401, "Invalid signature"),
        (
            lambda b, h: (b, {**h, "X-GitHub-Delivery": "d" * 201}),
            400,
            "X-GitHub-Delivery is longer",
        ),
        (lambda b, h: (b, {**h, "Content-Encoding": "gzip"}), 415, "Content-Encoding"),
    ],
)
async def test_odd_headers_get_a_clear_4xx(client, fresh_database_url, mutate, status, needle):
    """Each of these answered 500 (found by QA)."""
    body, headers = signed_delivery("installation", PAYLOAD, SECRET)
    body, headers = mutate(body, headers)
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == status
    assert needle in (await response.json())["detail"]
    assert await counts(fresh_database_url) == (0, 0)


async def test_deeply_nested_json_and_huge_ids_are_refused_not_crashed_on(
    client, fresh_database_url
):
    """A payload nested past Python's recursion limit, or an id past bigint, gave 500."""
    deep = b"[" * 5000 + b"]" * 5000
    body, headers = signed_delivery("installation", deep, SECRET)
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == 400
    assert "nested too deeply" in (await response.json())["detail"]

    huge = {**PAYLOAD, "installation": {"id": 2**70}}
    body, headers = signed_delivery("installation", huge, SECRET)
    response = await client.post(PATHS[0], data=body, headers=headers)
    assert response.status == 400
    assert await counts(fresh_database_url) == (0, 0)


def _unsigned(headers: dict[str, str]) -> dict[str, str]:
    return _without(_without(headers, "X-Hub-Signature-256"), "X-Hub-Signature")


async def _answer_to_stalled_body(
    host: str, port: int, path: str, headers: dict[str, str], sent: bytes
) -> tuple[int, dict]:
    """Send the headers and the first bytes of a body promised to be longer, then stall.

    A server that read the body before answering would wait for the rest forever.
    """
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()
        )
        writer.write(head.encode() + b"\r\n" + sent)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
        response_headers = {}
        while (line := await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            response_headers[name.strip().lower()] = value.strip()
        length = int(response_headers["content-length"])
        body = await asyncio.wait_for(reader.readexactly(length), timeout=5)
    finally:
        writer.close()
    return int(status_line.split()[1]), json.loads(body)


@pytest.mark.parametrize(
    ("secret", "change", "status", "needle"),
    [
        (None, lambda h: h, 503, "WEBHOOK_SECRET"),
        (SECRET, _unsigned, 401, "Missing X-Hub-Signature-256"),
        (SECRET, lambda h: {**h, "Content-Length": str(26 * 1024 * 1024)}, 413, "too large"),
        (SECRET, lambda h: {**h, "Content-Encoding": "gzip"}, 415, "Content-Encoding"),
        (SECRET, lambda h: {**h, "Content-Encoding": "identity"}, 415, "Content-Encoding"),
    ],
)
async def test_refusals_are_answered_without_reading_the_body(
    aiohttp_client, fresh_database_url, secret, change, status, needle
):
    """An unsigned delivery made the server read (and inflate) up to 25 MB before its 401."""
    client = await aiohttp_client(
        create_app(make_settings(webhook_secret=secret), fresh_database_url)
    )
    body, headers = signed_delivery("installation", PAYLOAD, SECRET)
    headers = change({**headers, "Content-Length": str(len(body))})
    answer = await _answer_to_stalled_body(
        client.server.host, client.server.port, PATHS[0], headers, body[:10]
    )
    assert answer[0] == status
    assert needle in answer[1]["detail"]
    assert await counts(fresh_database_url) == (0, 0)


async def test_a_sha1_signature_alone_is_no_longer_accepted(client, fresh_database_url):
    body, headers = signed_delivery("installation", PAYLOAD, SECRET)
    response = await client.post(
        PATHS[0], data=body, headers=_without(headers, "X-Hub-Signature-256")
    )
    assert response.status == 401
    assert "Missing X-Hub-Signature-256" in (await response.json())["detail"]
    assert await counts(fresh_database_url) == (0, 0)


async def test_while_rotating_either_secret_is_accepted_and_no_other(
    aiohttp_client, fresh_database_url
):
    client = await aiohttp_client(
        create_app(make_settings(webhook_secret="old-secret,new-secret"), fresh_database_url)
    )
    for secret, status in (("old-secret", 202), ("new-secret", 202), ("other-secret", 401)):
        body, headers = signed_delivery("installation", PAYLOAD, secret)
        response = await client.post(PATHS[0], data=body, headers=headers)
        assert response.status == status, secret
    assert await counts(fresh_database_url) == (2, 2)


async def test_a_chunked_body_over_the_cap_is_413(client, fresh_database_url):
    """Without Content-Length the cap is enforced while reading."""

    async def chunks():
        for _ in range(26):
            yield b"x" * (1024 * 1024)

    _, headers = signed_delivery("installation", PAYLOAD, SECRET)
    response = await client.post(PATHS[0], data=chunks(), headers=headers)
    assert response.status == 413
    assert await counts(fresh_database_url) == (0, 0)
