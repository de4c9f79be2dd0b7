"""Re-check a commit: read every failure again and rebuild its one run from scratch.

Asked for by "Re-run" on our run or suite, or the run's "Re-check" button. The failed
jobs and check runs are listed afresh (a job that passed on a re-run drops out), each
is read and diagnosed with the current spellbook and votes, the pull requests already
advised on are read again, and the run is updated once with all of it.
"""

from __future__ import annotations

from grimoire_bot.advice.diffs import DiffReader, diff_advice
from grimoire_bot.advice.model import SourceAdvice, SourceKind
from grimoire_bot.advice.pipeline import (
    AdviceDeps,
    Outcome,
    posting_settings,
    read_and_advise,
    repository_settings,
)
from grimoire_bot.advice.sources import Repository
from grimoire_bot.db import advice as db_advice


async def pulls_advised_on(deps: AdviceDeps, repository: Repository, head_sha: str) -> list[dict]:
    """The pull requests whose added lines were advised on for this commit."""
    async with deps.pool.acquire() as conn:
        run = await db_advice.get_commit_run(conn, repository.id, head_sha)
        sources = await db_advice.load_sources(conn, run["id"]) if run else []
    return [
        {"number": int(s.key.partition(":")[2]), "url": s.source_url, "html_url": s.html_url}
        for s in sources
        if s.kind == SourceKind.DIFF and s.source_url
    ]


async def recheck_commit(
    deps: AdviceDeps, diff_reader: DiffReader, repository: Repository, head_sha: str
) -> Outcome:
    repo_settings = await repository_settings(deps.pool, repository)
    if not repo_settings["enabled"]:
        return Outcome(False, "disabled for this repository")
    advice: list[SourceAdvice] = []
    changed: dict[str, set[int]] = {}
    for source in await deps.reader.commit_failures(repository, head_sha):
        job, failure = await read_and_advise(deps, source, repo_settings)
        advice.append(job)
        for path, lines in failure.changed_lines.items():
            changed.setdefault(path, set()).update(lines)
    for pull in await pulls_advised_on(deps, repository, head_sha):
        advice.append(await diff_advice(deps, diff_reader, pull))
    settings = posting_settings(repo_settings, deps.public_url, changed)
    async with deps.publisher.commit(repository, head_sha) as session:
        published = await session.publish(advice, settings, rebuild=True)
    errors = sum(source.errors_found for source in advice)
    spells = {spell.id for s in advice for item in s.advised for spell, _ in item.spells}
    return Outcome(published.sent, published.reason, errors, len(spells))
