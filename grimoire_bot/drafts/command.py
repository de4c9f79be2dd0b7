"""`python -m grimoire_bot draft FILE|- [--save]`: draft spells for a log's unmatched errors.

Without --save the drafts are printed and nothing but the call (and its cost, against the
global budget) is stored; with --save they go through the same path as a failure on a pull
request: once per fingerprint, reused when one exists, stored as drafts for review.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import TextIO

from grimoire_bot.db import open_pool
from grimoire_bot.matcher import Matcher
from grimoire_bot.matching import ErrorRecord
from grimoire_bot.settings import Settings

from .policy import (
    AiDraft,
    DraftOutcome,
    DraftSite,
    OutcomeKind,
    distinct_errors,
    draft_error,
    open_draft_deps,
    preview_draft,
    unmatched_errors,
)

# What the model wrote reaches a terminal: no escape sequences, no carriage returns.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SHOWN = (OutcomeKind.DRAFTED, OutcomeKind.REUSED, OutcomeKind.PREVIEWED)


def printable(text: str) -> str:
    return CONTROL_CHARS.sub("?", text)


async def unmatched_in_log(
    matcher: Matcher, text: bytes
) -> tuple[list[ErrorRecord], list[ErrorRecord]]:
    """(every error in the log, those no approved spell matches): the check run's pass."""
    diagnosis = await matcher.diagnose(text, limit=1, approved_only=True)
    return diagnosis.errors, unmatched_errors(diagnosis.errors, diagnosis.each)


async def run_draft_command(
    settings: Settings, database_url: str, text: bytes, *, save: bool, out: TextIO = sys.stdout
) -> int:
    async with open_pool(database_url, min_size=1, max_size=3) as pool:
        errors, unmatched = await unmatched_in_log(
            Matcher(pool, semantic=settings.semantic_matching), text
        )
        if not errors:
            print("no error found in the log; nothing to draft", file=out)
            return 1
        if not unmatched:
            print(
                f"{len(errors)} error(s), each with an approved spell; nothing to draft", file=out
            )
            return 1
        async with open_draft_deps(settings, pool) as deps:
            outcomes = []
            for error in distinct_errors(unmatched):
                work = draft_error if save else preview_draft
                outcomes.append(await work(deps, error, DraftSite()))
    print_outcomes(outcomes, save=save, out=out)
    return 0 if any(o.kind in SHOWN for o in outcomes) else 1


def print_outcomes(outcomes: Sequence[DraftOutcome], *, save: bool, out: TextIO) -> None:
    for number, outcome in enumerate(outcomes):
        error = outcome.error
        where = f"{error.file}:{error.line}" if error.file else "(no file)"
        print(printable(f"[{number}] {where}  {error.message[:160]}"), file=out)
        cost = f"{outcome.requests} request(s), ${outcome.cost_usd:.4f}"
        print(printable(f"  {outcome.kind.value}: {outcome.reason} ({cost})"), file=out)
        if outcome.draft is not None:
            print(_spell_json(outcome.draft), file=out)
            if outcome.draft.spell_id is not None:
                print(f"  review it: POST /api/spells/{outcome.draft.spell_id}/approve", file=out)
    if not save and any(o.kind is OutcomeKind.PREVIEWED for o in outcomes):
        print("not stored: run again with --save to keep the drafts for review", file=out)


def _spell_json(draft: AiDraft) -> str:
    """The draft in the spellbook file format (json.dumps escapes control characters)."""
    spell = {
        "title": draft.title,
        "description": draft.description,
        "error_type": draft.error_type,
        "error_pattern": draft.error_pattern,
        "solution_code": draft.solution_code,
        "tags": draft.tags,
        "status": "draft",
        "auto_generated": True,
        "confidence": draft.confidence,
    }
    return "\n".join("  " + line for line in json.dumps(spell, indent=2).splitlines())
