"""The run's title and Markdown summary: a section per kind of finding, an entry per error.

A summary is built from a list of sections (failed jobs, added lines; more kinds can be
appended), notes (shown under the lead, such as a settings file's problem) and extra
sections (AI drafts, after every spell and only in the room the spells left), so every
update renders the whole commit again from what is stored.
Matrix siblings that fail with the same error at the same place share one entry that
names every job. GitHub keeps 65,535 characters of a summary: whole entries are kept
while they fit, and the end says how many were left out and where to read them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grimoire_bot.advice.markdown import (
    cut_chars,
    fenced,
    listing,
    md_code,
    md_link,
    md_text,
    plural,
)
from grimoire_bot.advice.model import (
    AdvisedError,
    CommitAdvice,
    ExtraSection,
    SourceAdvice,
    SpellInfo,
)
from grimoire_bot.matching import ErrorRecord

SUMMARY_LIMIT = 65535  # characters (output.summary maxLength)
SOLUTION_IN_SUMMARY = 3000  # characters of one solution
HEADING_IN_SUMMARY = 300  # characters of an error's message as an entry's heading
PLACES_SHOWN = 10
# Room kept for the line that says how many entries were left out.
LEFT_OUT_RESERVE = 600
# Banner characters tools wrap messages in ("!!!! Interrupted !!!!", "==== ERRORS ====").
HEADING_NOISE = " !=_-*#"
SECTION_BREAK = "\n\n"
TRUNCATED_LOG = "_The job log was longer than Grimoire reads; its start was skipped._"
CLOSING = (
    "_Votes tune what Grimoire offers in this repository. **Re-check** reads every failure "
    "of this commit again and rebuilds this run._"
)

ErrorKey = tuple[str, str | None, int | None]


@dataclass(frozen=True)
class Entry:
    """One numbered finding: an error (at one or more places) and the spells for it."""

    heading: str  # plain text
    places: tuple[str, ...]  # Markdown
    jobs: tuple[str, ...]  # every job it failed in, when matrix siblings share it
    spells: tuple[tuple[SpellInfo, float], ...]


@dataclass(frozen=True)
class Block:
    """Entries under one heading: a failed job, or a pull request's added lines."""

    heading: str  # Markdown
    intro: str = ""  # Markdown
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Section:
    heading: str  # plain text
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Summary:
    text: str
    left_out: int  # entries that did not fit


def error_key(error: ErrorRecord) -> ErrorKey:
    return (error.fingerprint, error.file, error.line)


def location(error: ErrorRecord) -> str:
    if error.file and error.line:
        return md_code(f"{error.file}:{error.line}")
    if error.file:
        return md_code(error.file)
    if error.log_line:
        return f"log line {error.log_line}"
    return "the run's output"


def jobs_by_error(jobs: Iterable[SourceAdvice]) -> dict[ErrorKey, list[str]]:
    """For each error and place, every job it failed in, in the order they were advised."""
    found: dict[ErrorKey, list[str]] = {}
    for job in jobs:
        for item in job.advised:
            names = found.setdefault(error_key(item.error), [])
            if job.name not in names:
                names.append(job.name)
    return found


def _entries(items: Sequence[AdvisedError], jobs_of: dict[ErrorKey, list[str]]) -> list[Entry]:
    """Errors with the same message and best spell, listed once with all their places."""
    groups: dict[tuple[str, int], list[AdvisedError]] = {}
    for item in items:
        groups.setdefault((item.error.fingerprint, item.best[0].id), []).append(item)
    entries = []
    for group in groups.values():
        first = group[0].error
        jobs = dict.fromkeys(
            job for item in group for job in jobs_of.get(error_key(item.error), [])
        )
        entries.append(
            Entry(
                heading=first.message.strip(HEADING_NOISE) or first.message,
                places=tuple(dict.fromkeys(location(item.error) for item in group)),
                jobs=tuple(jobs),
                spells=group[0].spells,
            )
        )
    return entries


def job_section(commit: CommitAdvice, *, with_unmatched: bool) -> Section | None:
    """A block per failed job; an error a sibling job already showed is not shown again."""
    jobs = commit.jobs
    jobs_of = jobs_by_error(jobs)
    shown: set[ErrorKey] = set()
    blocks = []
    for job in jobs:
        if not job.advised and not with_unmatched:
            continue
        fresh = [item for item in job.advised if error_key(item.error) not in shown]
        folded_into = dict.fromkeys(
            jobs_of[error_key(item.error)][0]
            for item in job.advised
            if error_key(item.error) in shown
        )
        shown.update(error_key(item.error) for item in fresh)
        intro = []
        if not job.advised:
            intro.append("No known spell for its errors.")
        if folded_into:
            folded = len(job.advised) - len(fresh)
            verb = "is" if folded == 1 else "are"
            intro.append(
                f"{plural(folded, 'error')} of this job {verb} listed above, under "
                f"{listing([md_code(name) for name in folded_into])}."
            )
        if job.log_truncated:
            intro.append(TRUNCATED_LOG)
        blocks.append(
            Block(
                heading=f"### {md_link(md_text(job.name), job.html_url)}",
                intro="\n\n".join(intro),
                entries=tuple(_entries(fresh, jobs_of)),
            )
        )
    return Section("Failed jobs", tuple(blocks)) if blocks else None


def diff_section(commit: CommitAdvice) -> Section | None:
    blocks = tuple(
        Block(
            heading=f"### {md_link(md_text(source.name), source.html_url)}",
            entries=tuple(_entries(source.advised, {})),
        )
        for source in commit.diffs
        if source.advised
    )
    return Section("Known trouble in added lines", blocks) if blocks else None


def _distinct_errors(sources: Iterable[SourceAdvice]) -> set[ErrorKey]:
    return {error_key(item.error) for source in sources for item in source.advised}


def run_title(commit: CommitAdvice) -> str:
    """Like "5 spells for 7 errors in 3 failed jobs" (matrix siblings' shared errors once)."""
    spells = {spell.id for s in commit.sources for item in s.advised for spell, _ in item.spells}
    advised_jobs = [job for job in commit.jobs if job.advised]
    advised_diffs = [diff for diff in commit.diffs if diff.advised]
    failures = plural(len(_distinct_errors(advised_jobs)), "error")
    added = plural(len(_distinct_errors(advised_diffs)), "added line")
    jobs = plural(len(advised_jobs), "failed job")
    if advised_jobs and advised_diffs:
        return f"{plural(len(spells), 'spell')} for {failures} in {jobs} and {added}"
    if advised_jobs:
        return f"{plural(len(spells), 'spell')} for {failures} in {jobs}"
    if advised_diffs:
        pulls = (
            advised_diffs[0].name
            if len(advised_diffs) == 1
            else plural(len(advised_diffs), "pull request")
        )
        return f"{plural(len(spells), 'spell')} for {added} in {pulls}"
    if commit.jobs:
        return f"No known spell for {plural(len(commit.jobs), 'failed job')}"
    return "No known spell for this commit"


def lead(commit: CommitAdvice, rated: SpellInfo | None) -> str:
    short = md_code(commit.head_sha[:7])
    if not commit.has_advice:
        names = listing([md_code(job.name) for job in commit.jobs]) or "this commit"
        return (
            f"Grimoire found no known spell for the failures in {names} ({short}).\n\n"
            "Curators can add one to the spellbook; it will be offered on the next failure."
        )
    text = f"Grimoire knows spells for what failed on {short}, the best first for each error."
    if rated is not None:
        tally = commit.tallies.get(rated.id, (0, 0))
        text += (
            f"\n\n**The buttons rate spell #{rated.id}**, {md_text(rated.title)} (the first "
            f"one below). Votes in this repository: {tally[0]} helpful · {tally[1]} not relevant."
        )
    return text


def _spell_link(spell: SpellInfo, public_url: str | None) -> str:
    return md_link(
        f"spell #{spell.id}", f"{public_url}/api/spells/{spell.id}" if public_url else None
    )


def render_entry(number: int, entry: Entry, public_url: str | None) -> str:
    heading = md_text(cut_chars(entry.heading, HEADING_IN_SUMMARY))
    places = list(entry.places[:PLACES_SHOWN])
    if len(entry.places) > PLACES_SHOWN:
        places.append(f"and {plural(len(entry.places) - PLACES_SHOWN, 'more place')}")
    where = ", ".join(places)
    if len(entry.jobs) > 1:
        where += " · failed in " + listing([md_code(job) for job in entry.jobs])
    lines = [f"#### {number}. {heading}", where]
    for rank, (spell, score) in enumerate(entry.spells):
        label = "**Spell:**" if rank == 0 else "**Or:**"
        lines.append(
            f"{label} {md_text(spell.title)} · score {score:.2f} · {_spell_link(spell, public_url)}"
        )
        lines.append(fenced(spell.solution_code, SOLUTION_IN_SUMMARY))
    return "\n\n".join(lines)


def first_entry(sections: Sequence[Section]) -> Entry | None:
    return next(
        (entry for section in sections for block in section.blocks for entry in block.entries),
        None,
    )


def render_summary(
    head: str,
    sections: Sequence[Section],
    notes: Sequence[str],
    *,
    public_url: str | None,
    full_list: str,
    limit: int | None = SUMMARY_LIMIT,
    extras: Sequence[ExtraSection] = (),
) -> Summary:
    """The whole summary, or as many whole entries as fit in `limit` characters and a line
    saying where the rest are (`full_list`: Markdown naming where all can be read). Notes
    follow the lead; `extras` follow every entry, each only if it still fits whole."""
    top = SECTION_BREAK.join([head, *notes])
    room = limit if limit is not None else float("inf")
    # Room is kept for the lines saying what was left out, so they are never cut.
    reserve = LEFT_OUT_RESERVE + sum(len(e.left_out) + len(SECTION_BREAK) for e in extras)
    budget = room - len(top) - len(CLOSING) - 2 * len(SECTION_BREAK) - reserve
    parts: list[str] = []
    used = 0
    number = 0
    left_out = 0
    full = False
    for section in sections:
        pieces = [(f"## {md_text(section.heading)}", False)]
        for block in section.blocks:
            pieces.append((SECTION_BREAK.join(p for p in (block.heading, block.intro) if p), False))
            for entry in block.entries:
                number += 1
                pieces.append((render_entry(number, entry, public_url), True))
        for piece, is_entry in pieces:
            full = full or used + len(piece) + len(SECTION_BREAK) > budget
            if full:
                left_out += is_entry
                continue
            parts.append(piece)
            used += len(piece) + len(SECTION_BREAK)
    missing: list[str] = []
    for extra in extras:
        if full or used + len(extra.markdown) + len(SECTION_BREAK) > budget:
            missing.append(extra.left_out)
            continue
        parts.append(extra.markdown)
        used += len(extra.markdown) + len(SECTION_BREAK)
    body = [top, *parts]
    if left_out:
        body.append(
            f"**{plural(left_out, 'more entry', 'more entries')} left out:** GitHub shows "
            f"{SUMMARY_LIMIT:,} characters of a summary. {full_list}"
        )
    body.extend(missing)
    body.append(CLOSING)
    text = SECTION_BREAK.join(body)
    return Summary(text if limit is None else cut_chars(text, limit), left_out)
