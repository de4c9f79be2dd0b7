"""Logs never carry a secret, whatever shape it arrives in."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest

from grimoire_bot.app import create_app
from grimoire_bot.db import open_pool
from grimoire_bot.log import configure_logging, delivery_context
from grimoire_bot.settings import LogFormat
from grimoire_bot.spellbook import io as spellbook_io
from tests.advice_scenarios import INSTALLATION_ID, failed_job_delivery, log_bytes
from tests.conftest import make_settings
from tests.fakes.github import signed_delivery
from tests.workers import running_worker, settings_for, wait_for_status

WEBHOOK_SECRET = "hook-secret-value-123"
SECRET = "test-webhook-secret"  # what the worker tests' intake checks
INSTALLATION_TOKEN = "ghs_" + "A1b2C3d4E5f6G7h8I9j0" * 3


@pytest.fixture
def json_logs():
    stream = io.StringIO()
    settings = make_settings(webhook_secret=WEBHOOK_SECRET, log_format=LogFormat.JSON)
    configure_logging(settings, stream)
    yield stream
    logging.getLogger().handlers.clear()


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_configured_secrets_and_token_shapes_are_redacted(json_logs):
    log = logging.getLogger("grimoire_bot.test")
    log.info("secret is %s", WEBHOOK_SECRET)
    log.info("minted", extra={"token": INSTALLATION_TOKEN, "auth": f"Bearer {INSTALLATION_TOKEN}"})
    log.warning("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl leaked")
    text = json.dumps(lines(json_logs))
    assert WEBHOOK_SECRET not in text
    assert INSTALLATION_TOKEN not in text
    assert "eyJhbGciOiJIUzI1NiJ9" not in text
    assert text.count("[redacted]") >= 4


def test_json_lines_carry_structured_fields(json_logs):
    logging.getLogger("grimoire_bot.test").info("delivery processed", extra={"delivery_id": "d-1"})
    [entry] = lines(json_logs)
    assert entry["message"] == "delivery processed"
    assert entry["delivery_id"] == "d-1"
    assert entry["level"] == "info"


def test_tracebacks_and_structured_values_are_redacted_too(json_logs):
    """Only the message and string extras were scrubbed: a token in an exception or in a
    dict field was printed in full."""
    log = logging.getLogger("grimoire_bot.test")
    try:
        raise RuntimeError(f"GitHub refused {INSTALLATION_TOKEN}")
    except RuntimeError:
        log.exception(
            "request failed", extra={"headers": {"Authorization": f"token {INSTALLATION_TOKEN}"}}
        )
    text = json.dumps(lines(json_logs))
    assert INSTALLATION_TOKEN not in text
    assert "RuntimeError" in text


async def test_lines_logged_while_a_worker_handles_a_delivery_carry_its_id(
    json_logs, fresh_database_url, aiohttp_client, fake_github
):
    """Code deep inside a delivery's handling (the matcher compiling the spellbook, GitHub
    calls) logs without being handed the delivery's id; its lines lacked `delivery_id`."""
    settings = settings_for(fake_github, github_write_spacing_seconds=0.0)
    client = await aiohttp_client(create_app(settings, fresh_database_url))
    fake_github.add_installation(INSTALLATION_ID)
    payload = failed_job_delivery(
        fake_github, job_id=4201, log=log_bytes("pytest-import-error"), head_sha="ab" * 20
    )
    body, headers = signed_delivery("workflow_job", payload, SECRET, delivery_id="traced-1")
    async with open_pool(fresh_database_url, max_size=6) as pool:
        async with pool.acquire() as conn:
            assert await spellbook_io.seed_if_empty(conn) is not None
        async with running_worker(settings, pool):
            response = await client.post("/api/github/webhooks", data=body, headers=headers)
            assert response.status == 202
            assert await wait_for_status(pool, "traced-1") == "done"
    entries = lines(json_logs)
    [compiled] = [e for e in entries if e["message"] == "spellbook compiled"]
    assert compiled["logger"] == "grimoire_bot.matcher"
    assert compiled["delivery_id"] == "traced-1"
    # Outside the delivery nothing claims to belong to it.
    [stopped] = [e for e in entries if e["message"] == "worker stopped"]
    assert "delivery_id" not in stopped


async def test_concurrent_deliveries_never_see_each_others_id(json_logs):
    """Deliveries run side by side in one worker: each line names its own delivery, and an
    id given explicitly is never overwritten."""
    log = logging.getLogger("grimoire_bot.test")

    async def handle(delivery_id: str) -> None:
        with delivery_context(delivery_id):
            for step in range(3):
                await asyncio.sleep(0)
                log.info("step", extra={"step": step})
                await asyncio.to_thread(log.info, "in a thread")
        log.info("after")

    await asyncio.gather(handle("d-a"), handle("d-b"))
    log.info("explicit", extra={"delivery_id": "d-own"})
    entries = lines(json_logs)
    assert sorted(e.get("delivery_id") for e in entries if e["message"] == "step") == [
        "d-a",
        "d-a",
        "d-a",
        "d-b",
        "d-b",
        "d-b",
    ]
    assert [e["delivery_id"] for e in entries if e["message"] == "in a thread"].count("d-a") == 3
    assert all("delivery_id" not in e for e in entries if e["message"] == "after")
    assert [e["delivery_id"] for e in entries if e["message"] == "explicit"] == ["d-own"]
