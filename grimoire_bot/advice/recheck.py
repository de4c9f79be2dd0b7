"""Re-check a commit: read every failure again and rebuild its one run from scratch.

Asked for by "Re-run" on our run or suite, or the run's "Re-check" button. The failed
jobs and check runs are listed afresh (a job that passed on a re-run drops out), each
is read and diagnosed with the current spellbook, votes and settings, the pull requests
already advised on are read again, and the run is updated once with all of it; then the
errors no approved spell fits are drafted for, as on a first failure.
"""

from __future__ import annotations

from grimoire_bot.advice.diffs import DiffReader, diff_advice
from grimoire_bot.advice.model import SourceAdvice, SourceKind
from grimoire_bot.advice.pipeline import (
    AdviceDeps,
    Outcome,
    posting_settings,
    publish_then_draft,
    read_and_advise,
    reading_tree,
    repository_settings,
)
from grimoire_bot.advice.sources import Repository
from grimoire_bot.db import advice as db_advice
from grimoire_bot.matching import ErrorRecord
from grimoire_bot.spellbook.models import POSTABLE_STATUS


async def pulls_advised_on(deps: AdviceDeps, repository: Repository, head_sha: str) -> list[dict]:
    """The pull requests whose added lines were advised on for this commit."""
    async with deps.pool.acquire() as conn:
        run = await db_advice.get_commit_run(conn, repository.id, head_sha)
        sources = await db_advice.load_sources(conn, run["id"], (POSTABLE_STATUS,)) if run else []
    return [
        {"number": int(s.key.partition(":")[2]), "url": s.source_url, "html_url": s.html_url}
        for s in sources
        if s.kind == SourceKind.DIFF and s.source_url
    ]


async def recheck_commit(
    deps: AdviceDeps, diff_reader: DiffReader, repository: Repository, head_sha: str
) -> Outcome:
    settings = await repository_settings(deps, repository)
    if not settings["enabled"]:
        return Outcome(False, "disabled for this repository")
    advice: list[SourceAdvice] = []
    changed: dict[str, set[int]] = {}
    unmatched: list[ErrorRecord] = []
    async with reading_tree(deps, repository, head_sha) as tree:
        for source in await deps.reader.commit_failures(repository, head_sha):
            diagnosed = await read_and_advise(deps, source, settings, tree)
            advice.append(diagnosed.advice)
            unmatched.extend(diagnosed.unmatched)
            for path, lines in diagnosed.failure.changed_lines.items():
                changed.setdefault(path, set()).update(lines)
        files = await tree.files()
    for pull in await pulls_advised_on(deps, repository, head_sha):
        advice.append(await diff_advice(deps, diff_reader, pull, settings.ignored_spell_ids))
    posting = posting_settings(settings, deps.public_url, changed, files=files)
    return await publish_then_draft(
        deps, repository, head_sha, advice, settings, posting, unmatched, rebuild=True
    )
