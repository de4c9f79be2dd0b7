"""Reading, writing and importing spellbook files (`grimoire-spellbook/1`).

The starter spellbook shipped in this package, `spells import` and `spells export` all
use the same format, so a team can keep its spellbook in git and load it idempotently:
spells are matched by `key`, changed ones are updated, none are duplicated. Each spell an
import creates or changes gets a revision attributed to the import (or the seed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import ValidationError

from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.revisions import Attribution, Source
from grimoire_bot.spellbook.models import SpellFileEntry

FORMAT = "grimoire-spellbook/1"
# A file carries every field a client may write, so an import restores exactly what was exported.
EXPORTED_FIELDS = db_spells.WRITABLE_FIELDS

Progress = Callable[[int, int], None]


class SpellbookFormatError(ValueError):
    """The file as a whole is unreadable; per-spell problems are reported, not raised."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (index, key, message)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.errors)


def parse_spellbook(text: str, source: str = "<spellbook>") -> list[Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpellbookFormatError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        raise SpellbookFormatError(f'{source}: expected an object with "format": "{FORMAT}"')
    spells = document.get("spells")
    if not isinstance(spells, list):
        raise SpellbookFormatError(f'{source}: "spells" must be a list')
    return spells


def read_spellbook_file(path: Path) -> list[Any]:
    return parse_spellbook(path.read_text(encoding="utf-8"), str(path))


def starter_spellbook() -> list[Any]:
    """Every spell shipped in this package's `*.json` files, in file-name order."""
    package = resources.files("grimoire_bot.spellbook")
    files = sorted(
        (entry for entry in package.iterdir() if entry.name.endswith(".json")),
        key=lambda entry: entry.name,
    )
    spells: list[Any] = []
    for entry in files:
        spells.extend(parse_spellbook(entry.read_text(encoding="utf-8"), entry.name))
    return spells


def render_spellbook(rows: Iterable[Mapping[str, Any]]) -> str:
    spells = [{name: row[name] for name in EXPORTED_FIELDS} for row in rows]
    return json.dumps({"format": FORMAT, "spells": spells}, indent=2, ensure_ascii=False) + "\n"


def _problem(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'spell'}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False)
    )


async def import_spells(
    conn: asyncpg.Connection,
    spells: list[Any],
    *,
    progress: Progress | None = None,
    source: Source = Source.IMPORT,
) -> ImportReport:
    """Upsert each spell by key in its own transaction, so one bad spell stops nothing."""
    report = ImportReport()
    attribution = Attribution(source=source)
    for index, raw in enumerate(spells):
        key = str(raw.get("key", "")) if isinstance(raw, Mapping) else ""
        try:
            if not key:
                raise ValueError("key: a spellbook file needs a key on every spell")
            spell = SpellFileEntry.model_validate(raw)
            outcome = await db_spells.upsert_spell_by_key(
                conn, spell.model_dump(mode="json"), attribution
            )
        except ValidationError as exc:
            report.errors.append((index, key, _problem(exc)))
        except (ValueError, asyncpg.PostgresError) as exc:
            report.errors.append((index, key, str(exc)))
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress is not None:
            progress(index + 1, len(spells))
    return report


async def seed_if_empty(conn: asyncpg.Connection) -> ImportReport | None:
    """Load the starter spellbook into an empty database; None when spells already exist."""
    if await db_spells.count_all(conn) > 0:
        return None
    return await import_spells(conn, starter_spellbook(), source=Source.SEED)
