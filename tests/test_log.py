"""Logs never carry a secret, whatever shape it arrives in."""

from __future__ import annotations

import io
import json
import logging

import pytest

from grimoire_bot.log import configure_logging
from grimoire_bot.settings import LogFormat
from tests.conftest import make_settings

WEBHOOK_SECRET = "hook-secret-value-123"
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
