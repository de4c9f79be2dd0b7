"""Diff spells: known-bad code in the lines a pull request adds, annotated where it was added."""

from __future__ import annotations

import asyncio
from collections.abc import Container, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from grimoire_bot.advice.collect import pull_files
from grimoire_bot.advice.model import AdvisedError, SourceAdvice, SourceKind, SpellInfo
from grimoire_bot.advice.pipeline import (
    AdviceDeps,
    Outcome,
    posting_settings,
    publish_then_draft,
    reading_tree,
    repository_settings,
)
from grimoire_bot.advice.sources import Repository, diff_key
from grimoire_bot.db import spells as db_spells
from grimoire_bot.github.client import GitHubClient, get_pull_diff
from grimoire_bot.matching import DiffHit, ErrorRecord, fingerprint
from grimoire_bot.spellbook.models import is_postable


class DiffReader(Protocol):
    async def diff(self, pull: Mapping[str, Any]) -> str: ...


@dataclass
class GitHubDiffReader:
    gh: GitHubClient

    async def diff(self, pull: Mapping[str, Any]) -> str:
        text = await get_pull_diff(self.gh, pull["url"])
        if text is not None:
            return text
        # Over 300 files or 20,000 lines GitHub refuses the diff (406): rebuild it from the
        # per-file patches, which the files API still serves.
        sections = []
        async for entry in pull_files(self.gh, pull):
            if entry.get("patch"):
                name = entry["filename"]
                sections.append(
                    f"diff --git a/{name} b/{name}\n--- a/{name}\n+++ b/{name}\n{entry['patch']}"
                )
        return "\n".join(sections) + "\n"


@dataclass
class FileDiffReader:
    path: Path | None

    async def diff(self, pull: Mapping[str, Any]) -> str:
        return self.path.read_text(encoding="utf-8", errors="replace") if self.path else ""


def _record(hit: DiffHit) -> ErrorRecord:
    line = hit.text.strip()
    return ErrorRecord(
        message=line,
        error_type=None,
        file=hit.path,
        line=hit.line,
        column=None,
        ecosystem=None,
        context=(),
        fingerprint=fingerprint(line),
        text=hit.text,
        log_line=None,
    )


async def diff_advice(
    deps: AdviceDeps,
    reader: DiffReader,
    pull: Mapping[str, Any],
    ignored: Container[int] = frozenset(),
) -> SourceAdvice:
    """The approved diff spells found in the lines a pull request adds (but those the
    repository's `ignore_spells` names)."""
    diff = await reader.diff(pull)
    index = await deps.matcher.index()
    hits = [
        hit
        for hit in await asyncio.to_thread(index.match_diff, diff)
        if index.approved(hit.spell_id)
    ]
    async with deps.pool.acquire() as conn:
        spells = await db_spells.get_spells(conn, [hit.spell_id for hit in hits])
    advised = [
        AdvisedError(
            error=_record(hit),
            spells=((SpellInfo(s["id"], s["title"], s["solution_code"]), 1.0),),
        )
        for hit in hits
        if (s := spells.get(hit.spell_id)) is not None
        and is_postable(s)
        and hit.spell_id not in ignored
    ]
    return SourceAdvice(
        key=diff_key(pull["number"]),
        kind=SourceKind.DIFF,
        name=f"pull request #{pull['number']}",
        html_url=pull.get("html_url"),
        source_url=pull["url"],
        errors_found=len(hits),
        advised=tuple(advised),
    )


async def advise_on_pull_request(
    deps: AdviceDeps, reader: DiffReader, payload: Mapping[str, Any]
) -> Outcome:
    pull = payload["pull_request"]
    repository = Repository.from_payload(payload)
    settings = await repository_settings(deps, repository)
    if not settings["enabled"]:
        return Outcome(False, "disabled for this repository")
    head_sha = pull["head"]["sha"]
    # The run may already hold the commit's failed jobs, whose annotations go only on files
    # the commit has: the tree is read here too (once per commit, shared with them).
    async with reading_tree(deps, repository, head_sha) as tree:
        advice = await diff_advice(deps, reader, pull, settings.ignored_spell_ids)
        files = await tree.files()
    posting = posting_settings(settings, deps.public_url, files=files)
    return await publish_then_draft(deps, repository, head_sha, [advice], settings, posting, ())
