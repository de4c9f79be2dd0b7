"""Logging: constant messages with structured fields, pretty or JSON, never a secret."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from grimoire_bot.redaction import Redactor
from grimoire_bot.settings import LogFormat, Settings

ACCESS_LOGGER = "aiohttp.access"
# Attributes every record has (plus those formatting adds): anything else came in `extra`.
STANDARD_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# The delivery the current task is handling. A context variable, not a global: each
# delivery runs in its own asyncio task, and tasks and threads it starts (gather,
# to_thread) inherit a copy, so concurrent deliveries never see each other's id.
CURRENT_DELIVERY: ContextVar[str | None] = ContextVar("grimoire_delivery_id", default=None)


@contextmanager
def delivery_context(delivery_id: str) -> Iterator[None]:
    """Every log line written inside carries `delivery_id`, whoever writes it."""
    token = CURRENT_DELIVERY.set(delivery_id)
    try:
        yield
    finally:
        CURRENT_DELIVERY.reset(token)


class DeliveryFilter(logging.Filter):
    """Adds the current delivery's id to a record that has none, so code deep in matching,
    drafting or GitHub calls need not be handed the id just to log it."""

    def filter(self, record: logging.LogRecord) -> bool:
        delivery_id = CURRENT_DELIVERY.get()
        if delivery_id is not None and not hasattr(record, "delivery_id"):
            record.delivery_id = delivery_id
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the finished pretty line: message, structured fields and any traceback."""

    def __init__(self, inner: logging.Formatter, redactor: Redactor) -> None:
        super().__init__()
        self.inner = inner
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.redact(self.inner.format(record))


def _extra_fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in STANDARD_RECORD_FIELDS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, each value redacted before encoding: scrubbing the encoded
    line instead would have to see through JSON's escapes and could break its quoting."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

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
        return json.dumps(self._redacted(entry))

    def _redacted(self, value: object) -> object:
        if isinstance(value, dict):
            return {str(key): self._redacted(item) for key, item in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._redacted(item) for item in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.redactor.redact(value if isinstance(value, str) else str(value))


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
    # On the handler, not a logger: a logger's filters skip records propagated from children.
    handler.addFilter(DeliveryFilter())
    redactor = Redactor(settings.secret_values)
    if settings.log_format is LogFormat.JSON:
        handler.setFormatter(JsonFormatter(redactor))
    else:
        handler.setFormatter(RedactingFormatter(PrettyFormatter(), redactor))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # yoyo narrates every statement of every migration (we log each migration once), and
    # pgserver every step of starting PostgreSQL (we log one line saying it is embedded).
    for chatty in ("yoyo", "pgserver"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
