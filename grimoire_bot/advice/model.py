"""What Grimoire knows about a commit, as the planning core reads it: pure values, no I/O.

The database holds, per commit, every failed job (or pull request diff) advised on and
the spells offered for each of its errors; `db.advice` loads it into these types, and
`plan.plan_run` turns them into the one check run to send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from grimoire_bot.matching import ErrorRecord, RepoFiles


class SourceKind(StrEnum):
    JOB = "job"  # a failed GitHub Actions job or another App's failed check run
    DIFF = "diff"  # the lines a pull request adds


@dataclass(frozen=True)
class SpellInfo:
    id: int
    title: str
    solution_code: str


@dataclass(frozen=True)
class AdvisedError:
    """One error and the spells offered for it, best first (never empty)."""

    error: ErrorRecord
    spells: tuple[tuple[SpellInfo, float], ...]

    @property
    def best(self) -> tuple[SpellInfo, float]:
        return self.spells[0]


@dataclass(frozen=True)
class SourceAdvice:
    """What was advised on one failed job (or one pull request's added lines)."""

    key: str  # unique within the commit: "check-run:<id>" or "diff:<pull number>"
    kind: SourceKind
    name: str
    html_url: str | None = None
    source_url: str | None = None  # API URL of the failed check run or of the pull request
    job_url: str | None = None  # API URL of the Actions job
    log_truncated: bool = False
    errors_found: int = 0
    advised: tuple[AdvisedError, ...] = ()


@dataclass(frozen=True)
class HeldAnnotation:
    """A place the run holds an annotation for; GitHub can neither replace nor remove it."""

    path: str
    line: int
    spell_id: int
    title: str
    sending: bool = False  # sent, but whether GitHub applied it is not known yet


@dataclass(frozen=True)
class ExtraSection:
    """A section shown after every approved spell (the AI drafts): Markdown made safe by
    whoever rendered it, kept only while there is room, so it never displaces a spell."""

    markdown: str
    left_out: str  # Markdown: what the summary says instead when there is no room


@dataclass(frozen=True)
class CommitAdvice:
    """Everything stored about one commit's Grimoire run."""

    repository: str  # owner/name
    head_sha: str
    sources: tuple[SourceAdvice, ...] = ()
    held: tuple[HeldAnnotation, ...] = ()
    # This repository's votes on each spell offered here: (helpful, not relevant).
    tallies: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    extras: tuple[ExtraSection, ...] = ()
    # Where the whole advice can be read when the summary is cut depends on who may see it.
    private: bool = False

    @property
    def jobs(self) -> tuple[SourceAdvice, ...]:
        return tuple(s for s in self.sources if s.kind is SourceKind.JOB)

    @property
    def diffs(self) -> tuple[SourceAdvice, ...]:
        return tuple(s for s in self.sources if s.kind is SourceKind.DIFF)

    @property
    def has_advice(self) -> bool:
        return any(source.advised for source in self.sources)


@dataclass(frozen=True)
class PostingSettings:
    """How this repository wants advice posted, and where this deployment is reachable."""

    annotation_level: str = "warning"
    max_annotations: int = 50
    ignore_paths: tuple[str, ...] = ()
    post_when_no_match: bool = False
    public_url: str | None = None
    # New-file lines the pull requests of the commit change, by path: annotated first.
    changed_lines: Mapping[str, frozenset[int]] = field(default_factory=dict)
    annotate: bool = True  # False: only re-render the summary (a vote was cast)
    # The commit's files, when its tree could be read: only they are annotated. None: no
    # tree (a dry run, or GitHub would not list it), so paths are trusted as the text reads.
    files: RepoFiles | None = None
    # The repository opted in to AI drafts (`auto_generate`): the run shows those drafted.
    show_ai_drafts: bool = False
