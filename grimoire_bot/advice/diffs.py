"""Diff spells: known-bad code in the lines a pull request adds, annotated where it was added."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from grimoire_bot.advice import compose
from grimoire_bot.advice.collect import pull_files
from grimoire_bot.advice.pipeline import AdviceDeps, Outcome, plan_run
from grimoire_bot.advice.publish import RunSource
from grimoire_bot.advice.sources import Repository, diff_external_id
from grimoire_bot.db import installations as db_installations
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


async def advise_on_pull_request(
    deps: AdviceDeps, reader: DiffReader, payload: Mapping[str, Any]
) -> Outcome:
    pull = payload["pull_request"]
    repository = Repository.from_payload(payload)
    head_sha = pull["head"]["sha"]
    async with deps.pool.acquire() as conn:
        repo_settings = await db_installations.settings_for_repository_id(conn, repository.id)
    if not repo_settings["enabled"]:
        return Outcome(False, "disabled for this repository")
    diff = await reader.diff(pull)
    index = await deps.matcher.index()
    hits = await asyncio.to_thread(index.match_diff, diff)
    if not hits:
        return Outcome(False, "no diff spell matched")
    async with deps.pool.acquire() as conn:
        spells = await db_spells.get_spells(conn, [hit.spell_id for hit in hits])
    advice = [
        compose.Advice(
            error=_record(hit),
            spells=((compose.SpellInfo(s["id"], s["title"], s["solution_code"]), 1.0),),
        )
        for hit in hits
        if (s := spells.get(hit.spell_id)) is not None and is_postable(s)
    ]
    if not advice:
        return Outcome(False, "no approved diff spell matched")
    name = f"pull request #{pull['number']}"
    external_id = diff_external_id(pull["number"], head_sha)
    async with deps.publisher.commit(repository, head_sha) as session:
        state = await session.state(external_id)
        plan = plan_run(
            advice,
            source_name=name,
            head_sha=head_sha,
            external_id=external_id,
            repo_settings=repo_settings,
            changed_lines={},
            state=state,
            public_url=deps.public_url,
            noun="added line",
            lead=f"Grimoire recognised known trouble in lines that {name} adds.",
        )
        await session.publish(
            plan, RunSource(repository, head_sha, name), state, retrying=deps.retrying
        )
    return Outcome(True, "posted", errors=len(advice), spells=len(plan.spell_scores))
