"""`receive`: run a saved webhook payload through the same routers, like Probot's receive."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import TextIO

from gidgethub import sansio

from grimoire_bot.db import open_pool
from grimoire_bot.events import build_router
from grimoire_bot.events.context import HandlerContext
from grimoire_bot.github.app import open_github_app
from grimoire_bot.log import delivery_context
from grimoire_bot.matcher import Matcher
from grimoire_bot.settings import Settings
from grimoire_bot.webhooks.dispatch import Dispatcher


class PayloadError(ValueError):
    """The payload file cannot be replayed."""


def read_payload(path: Path) -> dict:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PayloadError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(f"{path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(payload, dict):
        raise PayloadError(f"{path} must hold a JSON object")
    return payload


async def replay(
    settings: Settings,
    database_url: str,
    event_name: str,
    payload: dict,
    *,
    dry_run: bool,
    log_path: Path | None,
    report: TextIO = sys.stderr,
) -> int:
    """Run every handler for the event; 0 when all of them succeeded."""
    installation = payload.get("installation") or {}
    event = sansio.Event(payload, event=event_name, delivery_id=f"receive-{uuid.uuid4()}")
    async with (
        open_pool(database_url, min_size=1, max_size=4) as pool,
        open_github_app(settings) as github_app,
    ):
        matcher = Matcher(pool, semantic=settings.semantic_matching)
        # No drafting: a replayed payload has no delivery row to record LLM calls against,
        # and a paid request is not what a replay is for.
        dispatcher = Dispatcher(settings, pool, github_app, matcher, build_router())
        ctx = HandlerContext(
            settings=settings,
            pool=pool,
            github_app=github_app,
            delivery_id=event.delivery_id,
            installation_id=installation.get("id"),
            matcher=matcher,
            dry_run=dry_run,
            log_path=log_path,
            trees=dispatcher.trees,
        )
        with delivery_context(event.delivery_id):
            handled, results = await dispatcher.run_handlers(event, ctx)
    if not handled:
        action = payload.get("action")
        print(f"no handler for {event_name}{f'.{action}' if action else ''}", file=report)
    for result in results:
        run = result.record
        detail = f": {run.error}" if run.error else ""
        print(f"{run.handler}: {run.outcome} ({run.duration_ms:.0f} ms){detail}", file=report)
    for request in ctx.requests:
        print(f"  {request.method} {request.url} -> {request.status}", file=report)
    return 0 if all(r.record.outcome == "ok" for r in results) else 1
