"""Effective settings: each field from the most specific place that states it.

Precedence, most specific first: the repository's `.github/grimoire.yml` (reviewed like
code), then what was saved for this repository through the API, then the organisation's
`.github` repository's `.github/grimoire.yml`, then the defaults. Saved settings beat
organisation defaults because they were chosen for this one repository; only the fields
someone actually saved count, so the organisation's file still fills in the others.

A file that does not validate changes nothing: the last good version of it keeps applying,
and its problems are in `EffectiveSettings.problems` for the check run's summary.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import gidgethub

from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import repo_configs as db_repo_configs
from grimoire_bot.github.client import GitHubClient, TransientGitHubError
from grimoire_bot.repo_config.fields import SETTING_NAMES, EffectiveValues, Source
from grimoire_bot.repo_config.files import (
    CONFIG_PATH,
    ORG_CONFIG_REPOSITORY,
    FileStatus,
    fetch_config,
)

# A push to the default branch marks a file stale at once; this bounds how long a change
# goes unnoticed when no push reaches us (an organisation `.github` repository the App is
# not installed on sends none). Re-reading an unchanged file is a free 304.
REVALIDATE_AFTER = timedelta(minutes=10)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfigFileState:
    source: Source
    repository: str
    path: str
    status: str  # a FileStatus, or "unknown" before the first read
    problems: tuple[str, ...]
    checked_at: datetime | None
    # The settings this file contributes: its last good version's.
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EffectiveSettings(Mapping[str, Any]):
    """Reads like the settings mapping the pipeline already takes (`settings["enabled"]`)."""

    settings: Mapping[str, Any]
    sources: Mapping[str, Source]
    files: tuple[ConfigFileState, ...]
    ignored_spell_ids: frozenset[int] = frozenset()

    def __getitem__(self, name: str) -> Any:
        return self.settings[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.settings)

    def __len__(self) -> int:
        return len(self.settings)

    @property
    def problems(self) -> tuple[str, ...]:
        """Each bad file, named, for the check run's summary."""
        return tuple(
            f"`{state.repository}/{state.path}` {problem}; "
            + (
                "its last good version still applies."
                if state.values
                else "it is ignored until it is fixed."
            )
            for state in self.files
            if state.status in (FileStatus.INVALID, FileStatus.UNREADABLE)
            for problem in state.problems
        )

    def ignores(self, spell_id: int) -> bool:
        """Whether `ignore_spells` (by key or id) keeps this spell off the repository."""
        return spell_id in self.ignored_spell_ids


def organization_repository(full_name: str) -> str:
    return f"{full_name.split('/', 1)[0]}/{ORG_CONFIG_REPOSITORY}"


async def effective_settings(
    pool: asyncpg.Pool, gh: GitHubClient | None, full_name: str, repository_id: int
) -> EffectiveSettings:
    """The repository's settings now. With `gh` (an installation client), files that are
    stale or old are read again from GitHub; without it, what was last read is used."""
    layers = [(Source.REPOSITORY_FILE, full_name)]
    org_repository = organization_repository(full_name)
    if org_repository.lower() != full_name.lower():
        layers.append((Source.ORGANIZATION_FILE, org_repository))
    files = tuple([await current_file(pool, gh, source, repo) for source, repo in layers])
    async with pool.acquire() as conn:
        saved = await db_installations.settings_for_repository_id(conn, repository_id)
        values, sources = merge(files, saved)
        ignored = await _ignored_ids(conn, values["ignore_spells"])
    return EffectiveSettings(values, sources, files, ignored)


def merge(
    files: tuple[ConfigFileState, ...], saved: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Source]]:
    by_source = {state.source: state.values for state in files}
    saved_fields = set(saved.get("set_fields") or ())
    layers: list[tuple[Source, Mapping[str, Any]]] = [
        (Source.REPOSITORY_FILE, by_source.get(Source.REPOSITORY_FILE, {})),
        (Source.API, {name: saved[name] for name in SETTING_NAMES if name in saved_fields}),
        (Source.ORGANIZATION_FILE, by_source.get(Source.ORGANIZATION_FILE, {})),
        (Source.DEFAULT, EffectiveValues().model_dump()),
    ]
    values: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    for name in EffectiveValues.model_fields:
        for source, layer in layers:
            if name in layer:
                values[name], sources[name] = layer[name], source
                break
    return values, sources


async def _ignored_ids(conn: asyncpg.Connection, ignore_spells: list[Any]) -> frozenset[int]:
    ids = {item for item in ignore_spells if isinstance(item, int)}
    keys = [item for item in ignore_spells if isinstance(item, str)]
    if keys:
        ids.update(await db_repo_configs.spell_ids_for_keys(conn, keys))
    return frozenset(ids)


async def current_file(
    pool: asyncpg.Pool, gh: GitHubClient | None, source: Source, repository: str
) -> ConfigFileState:
    async with pool.acquire() as conn:
        row = await db_repo_configs.get_file(conn, repository, CONFIG_PATH)
    if gh is not None and _needs_reading(row):
        row = await _read_again(pool, gh, repository, row)
    return _state(source, repository, row)


def _needs_reading(row: asyncpg.Record | None) -> bool:
    if row is None or row["stale"]:
        return True
    age = datetime.now(row["checked_at"].tzinfo) - row["checked_at"]
    return age > REVALIDATE_AFTER


async def _read_again(
    pool: asyncpg.Pool, gh: GitHubClient, repository: str, row: asyncpg.Record | None
) -> asyncpg.Record | None:
    etag = row["etag"] if row is not None else None
    try:
        fetched = await fetch_config(gh, repository, etag)
    except (TransientGitHubError, gidgethub.GitHubException) as exc:
        # Never block advice on GitHub's hiccup: what was last read keeps applying.
        logger.warning(
            "config file not re-read", extra={"repository": repository, "reason": str(exc)}
        )
        return row
    async with pool.acquire() as conn:
        if fetched.unchanged and row is not None:
            return await db_repo_configs.touch_file(conn, repository, CONFIG_PATH)
        last_good = row["settings"] if row is not None else None
        parsed = fetched.parsed
        if fetched.status is FileStatus.VALID and parsed is not None:
            settings = parsed.values
        elif fetched.status is FileStatus.ABSENT:
            settings = None  # a deleted file states nothing any more
        else:
            settings = last_good
        return await db_repo_configs.save_file(
            conn,
            repository,
            CONFIG_PATH,
            status=str(fetched.status),
            etag=fetched.etag,
            settings=settings,
            problems=parsed.problems if parsed is not None else [],
        )


def _state(source: Source, repository: str, row: asyncpg.Record | None) -> ConfigFileState:
    if row is None:
        return ConfigFileState(source, repository, CONFIG_PATH, "unknown", (), None)
    return ConfigFileState(
        source=source,
        repository=repository,
        path=CONFIG_PATH,
        status=row["status"],
        problems=tuple(row["problems"] or ()),
        checked_at=row["checked_at"],
        values=row["settings"] or {},
    )


async def forget_config_of(pool: asyncpg.Pool, repository: str) -> int:
    """After a push to the default branch: the next read asks GitHub (a 304 if unchanged)."""
    async with pool.acquire() as conn:
        return await db_repo_configs.mark_stale(conn, repository)
