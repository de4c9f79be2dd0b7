"""The planning core: from what is stored about a commit to the one check run to send.

Pure (no I/O): `plan_run` takes the commit's advice as the database holds it (every job
advised on, its errors and spells, the annotations the run holds) and returns the title,
summary, buttons and the annotations to append. The publishing step (`publish.py`) does
the requests and records what was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from grimoire_bot.advice.annotations import PlannedAnnotation, plan_annotations
from grimoire_bot.advice.buttons import buttons
from grimoire_bot.advice.markdown import md_code, md_link
from grimoire_bot.advice.model import CommitAdvice, PostingSettings, SpellInfo
from grimoire_bot.advice.summary import (
    SUMMARY_LIMIT,
    Section,
    Summary,
    diff_section,
    first_entry,
    job_section,
    lead,
    render_summary,
    run_title,
)

CHECK_RUN_NAME = "Grimoire"
ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per request; later batches are PATCHed


@dataclass(frozen=True)
class RunPlan:
    title: str
    summary: str
    actions: list[dict[str, str]]
    voted_spell_id: int | None
    annotations: list[PlannedAnnotation] = field(default_factory=list)
    left_out: int = 0  # summary entries that did not fit

    def batches(self) -> list[list[PlannedAnnotation]]:
        """Annotations in requests of at most 50; the first rides with the summary."""
        size = ANNOTATIONS_PER_REQUEST
        return [self.annotations[i : i + size] for i in range(0, len(self.annotations), size)]

    def output(self, batch: Sequence[PlannedAnnotation] = ()) -> dict[str, Any]:
        output: dict[str, Any] = {"title": self.title, "summary": self.summary}
        if batch:
            output["annotations"] = [a.body for a in batch]
        return output


CONSOLE_LABEL = "Grimoire's console"


def full_list_link(commit: CommitAdvice, public_url: str | None) -> str:
    """Where every entry can be read when the summary had to leave some out: the API for a
    public repository; for a private one the console, where a browser has a session and
    the reader's GitHub permissions are checked."""
    if commit.private:
        path = f"/console/advice/{commit.repository}/{commit.head_sha}"
        if public_url:
            return f"Read them all in {md_link(CONSOLE_LABEL, public_url + path)}."
        return f"Grimoire's console shows them all at {md_code(path)}."
    path = f"/api/advice/{commit.repository}/{commit.head_sha}"
    if public_url:
        return f"Read them all at {md_link('Grimoire', public_url + path)}."
    return f"Grimoire's API serves them all at {md_code('GET ' + path)}."


def sections(commit: CommitAdvice, settings: PostingSettings) -> list[Section]:
    """The summary's sections, in order; a new kind of finding adds one here."""
    found = [
        job_section(commit, with_unmatched=settings.post_when_no_match),
        diff_section(commit),
    ]
    return [section for section in found if section is not None]


def _summary(
    commit: CommitAdvice, settings: PostingSettings, notes: Sequence[str], limit: int | None
) -> tuple[Summary, SpellInfo | None]:
    parts = sections(commit, settings)
    first = first_entry(parts)
    rated = first.spells[0][0] if first is not None else None
    summary = render_summary(
        lead(commit, rated),
        parts,
        notes,
        public_url=settings.public_url,
        full_list=full_list_link(commit, settings.public_url),
        limit=limit,
        extras=commit.extras,
    )
    return summary, rated


def full_summary(commit: CommitAdvice, settings: PostingSettings, notes: Sequence[str] = ()) -> str:
    """The summary with every entry, however long (what the cut one links to)."""
    return _summary(commit, settings, notes, None)[0].text


def plan_run(commit: CommitAdvice, settings: PostingSettings, notes: Sequence[str] = ()) -> RunPlan:
    """What the commit's run should say now, and the annotations it should gain."""
    summary, rated = _summary(commit, settings, notes, SUMMARY_LIMIT)
    return RunPlan(
        title=run_title(commit),
        summary=summary.text,
        actions=buttons(rated.id if rated else None),
        voted_spell_id=rated.id if rated else None,
        annotations=plan_annotations(commit, settings),
        left_out=summary.left_out,
    )


def worth_posting(commit: CommitAdvice, settings: PostingSettings) -> bool:
    """Whether a run should exist at all: something is advised, the repository asked to
    hear about failures no spell knows, or it opted in to AI drafts and one was drafted."""
    return (
        commit.has_advice
        or (settings.post_when_no_match and bool(commit.jobs))
        or bool(commit.extras)
    )
