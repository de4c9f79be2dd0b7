"""Which annotations a commit's run should append, and what each one says.

GitHub only appends annotations (it can neither replace nor remove one), so a run holds
one per place, forever: only places it does not hold yet are planned, never more than
the repository's `max_annotations` in all, lines the pull request changed first. When the
commit's files are known, only files it has are annotated (a path no file or several
files fit is left to the summary). Every text is cut to GitHub's limits on a character
boundary.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from grimoire_bot.advice.markdown import cut_bytes, cut_chars
from grimoire_bot.advice.model import (
    AdvisedError,
    CommitAdvice,
    PostingSettings,
    SourceAdvice,
    SourceKind,
)
from grimoire_bot.advice.summary import error_key, jobs_by_error
from grimoire_bot.matching import RepoFiles

MESSAGE_LIMIT = 64 * 1024  # bytes (annotation message)
RAW_DETAILS_LIMIT = 64 * 1024  # bytes (annotation raw_details)
TITLE_LIMIT = 255  # characters (annotation title)
TITLE_PREFIX = "Grimoire: "
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True)
class PlannedAnnotation:
    path: str
    line: int
    spell_id: int
    title: str
    body: dict[str, Any]


def in_repository(path: str | None) -> bool:
    """Whether an error's path names a file in the repository (annotations need one)."""
    if not path or path.startswith(("/", "~", "<")) or WINDOWS_DRIVE.match(path):
        return False
    return ".." not in path.split("/")


def ignored(path: str, globs: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, glob) for glob in globs)


def annotation_title(spell_title: str) -> str:
    return cut_chars(f"{TITLE_PREFIX}{spell_title}", TITLE_LIMIT)


def annotation_body(
    item: AdvisedError, level: str, *, public_url: str | None, jobs: Sequence[str]
) -> dict[str, Any]:
    spell, score = item.best
    error = item.error
    link = f"{public_url}/api/spells/{spell.id}" if public_url else f"spell #{spell.id}"
    message = f"{spell.title}\n\n{spell.solution_code.rstrip()}\n\nGrimoire {link} · score "
    message += f"{score:.2f}"
    if len(jobs) > 1:
        message += "\nFailing in: " + ", ".join(jobs)
    body: dict[str, Any] = {
        "path": error.file,
        "start_line": error.line,
        "end_line": error.line,
        "annotation_level": level,
        "title": annotation_title(spell.title),
        "message": cut_bytes(message, MESSAGE_LIMIT),
        "raw_details": cut_bytes(error.text or error.message, RAW_DETAILS_LIMIT),
    }
    if error.column:
        body["start_column"] = body["end_column"] = error.column
    return body


def exists(path: str, files: RepoFiles | None) -> bool:
    """Whether the commit has the file; without its file list (or with a list GitHub cut
    short, for a path not on it), the text's reading of the path is trusted."""
    return files is None or path in files or not files.complete


def _annotatable(item: AdvisedError, settings: PostingSettings) -> bool:
    error = item.error
    return bool(
        error.line
        and error.line > 0
        and in_repository(error.file)
        and exists(error.file or "", settings.files)
        and not ignored(error.file or "", settings.ignore_paths)
    )


def _changed(source: SourceAdvice, item: AdvisedError, settings: PostingSettings) -> bool:
    if source.kind is SourceKind.DIFF:
        return True  # a diff finding is on a line the pull request adds
    return (item.error.line or 0) in settings.changed_lines.get(item.error.file or "", ())


def plan_annotations(commit: CommitAdvice, settings: PostingSettings) -> list[PlannedAnnotation]:
    """Annotations for places the run does not hold yet, within the repository's budget."""
    if not settings.annotate:
        return []
    held = {(h.path, h.line) for h in commit.held}
    room = settings.max_annotations - len(held)
    if room <= 0:
        return []
    jobs_of = jobs_by_error(commit.jobs)
    planned: dict[tuple[str, int], tuple[bool, PlannedAnnotation]] = {}
    for source in commit.sources:
        for item in source.advised:
            place = (item.error.file or "", item.error.line or 0)
            if place in held or place in planned or not _annotatable(item, settings):
                continue
            body = annotation_body(
                item,
                settings.annotation_level,
                public_url=settings.public_url,
                jobs=jobs_of.get(error_key(item.error), ()),
            )
            spell = item.best[0]
            annotation = PlannedAnnotation(*place, spell.id, body["title"], body)
            planned[place] = (_changed(source, item, settings), annotation)
    ordered = sorted(planned.values(), key=lambda pair: not pair[0])  # stable: changed first
    return [annotation for _, annotation in ordered[:room]]
