"""Logging: constant messages with structured fields, pretty or JSON, never a secret."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

from grimoire_bot.settings import LogFormat, Settings

# Tokens GitHub issues (ghs_, ghp_, gho_, ghu_, ghr_, github_pat_), bearer headers,
# JWTs and PEM bodies: redacted wherever they appear, whatever their length.
SECRET_SHAPES = re.compile(
    r"(gh[psour]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|(?i:bearer|token)\s+[A-Za-z0-9._\-]{16,}"
    r"|eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----)"
)
REDACTED = "[redacted]"
ACCESS_LOGGER = "aiohttp.access"
# Attributes every record has (plus those formatting adds): anything else came in `extra`.
STANDARD_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class Redactor:
    """Scrubs configured secret values and anything shaped like a credential from text."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = [s for s in secrets if s and len(s) >= 8]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return SECRET_SHAPES.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """Redacts the finished line: message, structured fields and any traceback alike."""

    def __init__(self, inner: logging.Formatter, redactor: Redactor) -> None:
        super().__init__()
        self.inner = inner
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.redact(self.inner.format(record))


def _extra_fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in STANDARD_RECORD_FIELDS}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_extra_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class PrettyFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        # aiohttp's access log passes its fields as extras of an already complete line.
        fields = {} if record.name == ACCESS_LOGGER else _extra_fields(record)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return line


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    inner = JsonFormatter() if settings.log_format is LogFormat.JSON else PrettyFormatter()
    configured = (
        settings.secret_key,
        *settings.webhook_secrets,
        settings.private_key,
        settings.github_client_secret,
    )
    secrets = [s for s in configured if s]
    handler.setFormatter(RedactingFormatter(inner, Redactor(secrets)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # yoyo narrates every statement of every migration (we log each migration once), and
    # pgserver every step of starting PostgreSQL (we log one line saying it is embedded).
    for chatty in ("yoyo", "pgserver"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
