"""What a Grimoire check run says: its title, Markdown summary, annotations and buttons.

Pure functions over matched errors; every text is cut to GitHub's limits on a character
boundary, so a long solution or log excerpt can never get a request refused.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from grimoire_bot.matching import ErrorRecord

SUMMARY_LIMIT = 65535  # characters (output.summary maxLength)
MESSAGE_LIMIT = 64 * 1024  # bytes (annotation message)
RAW_DETAILS_LIMIT = 64 * 1024  # bytes (annotation raw_details)
TITLE_LIMIT = 255  # characters (annotation title)
SOLUTION_IN_SUMMARY = 3000  # characters per solution shown in the summary
CUT_MARK = "\n…(cut)"
HELPFUL = "helpful"
NOT_RELEVANT = "unhelpful"
# Banner characters tools wrap messages in ("!!!! Interrupted !!!!", "==== ERRORS ====").
HEADING_NOISE = " !=_-*#"
MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]<>#|!~]")
BACKTICK_RUNS = re.compile(r"`+")
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True)
class SpellInfo:
    id: int
    title: str
    solution_code: str


@dataclass(frozen=True)
class Advice:
    """One error and the spells offered for it, best first."""

    error: ErrorRecord
    spells: tuple[tuple[SpellInfo, float], ...]
    jobs: tuple[str, ...] = ()

    @property
    def best(self) -> tuple[SpellInfo, float]:
        return self.spells[0]


@dataclass(frozen=True)
class AnnotationKey:
    path: str
    line: int
    spell_id: int


@dataclass(frozen=True)
class PlannedAnnotation:
    key: AnnotationKey
    body: dict[str, Any]


@dataclass
class RunPlan:
    name: str
    head_sha: str
    external_id: str
    title: str
    summary: str
    annotations: list[PlannedAnnotation] = field(default_factory=list)
    # The most annotations the run may hold in all, across re-runs (the repository's setting).
    max_annotations: int = 50
    voted_spell_id: int | None = None
    spell_scores: dict[int, float] = field(default_factory=dict)

    def actions(self) -> list[dict[str, str]]:
        if self.voted_spell_id is None:
            return []
        return vote_buttons(self.voted_spell_id)


def vote_buttons(spell_id: int) -> list[dict[str, str]]:
    # GitHub: label ≤ 20, description ≤ 40, identifier ≤ 20 characters.
    return [
        {
            "label": "Helpful",
            "description": "The first spell fixed this failure",
            "identifier": f"{HELPFUL}:{spell_id}",
        },
        {
            "label": "Not relevant",
            "description": "The first spell does not fit here",
            "identifier": f"{NOT_RELEVANT}:{spell_id}",
        },
    ]


def parse_vote(identifier: str) -> tuple[int, int] | None:
    """(spell id, +1 or -1) from a button identifier, or None if it is not one of ours."""
    kind, _, spell = identifier.partition(":")
    if kind not in (HELPFUL, NOT_RELEVANT) or not spell.isdigit():
        return None
    return int(spell), 1 if kind == HELPFUL else -1


def md_text(text: str) -> str:
    """Log text shown as Markdown prose: its punctuation cannot format, link or inject HTML."""
    return MARKDOWN_SPECIAL.sub(r"\\\g<0>", text.replace("\n", " "))


def md_code(text: str) -> str:
    """Inline code whose fence is longer than any run of backticks inside it."""
    text = text.replace("\n", " ")
    longest = max((len(run) for run in BACKTICK_RUNS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def cut_chars(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(CUT_MARK)] + CUT_MARK


def cut_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    room = limit - len(CUT_MARK.encode("utf-8"))
    return encoded[:room].decode("utf-8", errors="ignore") + CUT_MARK


def in_repository(path: str | None) -> bool:
    """Whether an error's path names a file in the repository (annotations need one)."""
    if not path or path.startswith(("/", "~", "<")) or WINDOWS_DRIVE.match(path):
        return False
    return ".." not in path.split("/")


def ignored(path: str, globs: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, glob) for glob in globs)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def run_title(advice: Sequence[Advice], source_name: str, noun: str = "error") -> str:
    spells = {spell.id for item in advice for spell, _ in item.spells}
    errors = {(item.error.fingerprint, item.error.file, item.error.line) for item in advice}
    if noun == "error":
        errors = {(fingerprint, None, None) for fingerprint, _, _ in errors}
    return f"{plural(len(spells), 'spell')} for {plural(len(errors), noun)} in {source_name}"


def _location(error: ErrorRecord) -> str:
    if error.file and error.line:
        return md_code(f"{error.file}:{error.line}")
    if error.file:
        return md_code(error.file)
    if error.log_line:
        return f"log line {error.log_line}"
    return "the run's output"


def _spell_link(spell: SpellInfo, public_url: str | None) -> str:
    label = f"spell #{spell.id}"
    return f"[{label}]({public_url}/api/spells/{spell.id})" if public_url else label


def _fence(code: str) -> str:
    ticks = "```"
    while ticks in code:
        ticks += "`"
    return f"{ticks}\n{cut_chars(code.rstrip(), SOLUTION_IN_SUMMARY)}\n{ticks}"


def _grouped(advice: Sequence[Advice]) -> list[list[Advice]]:
    """Errors with the same fingerprint and best spell, listed once with all their places."""
    groups: dict[tuple[str, int], list[Advice]] = {}
    for item in advice:
        groups.setdefault((item.error.fingerprint, item.best[0].id), []).append(item)
    return list(groups.values())


def render_summary(
    advice: Sequence[Advice],
    source_name: str,
    *,
    public_url: str | None,
    folded: Mapping[AnnotationKey, str] | None = None,
    notes: Sequence[str] = (),
    lead: str | None = None,
) -> str:
    if not advice:
        return (
            f"Grimoire found no known spell for the failure in {md_code(source_name)}.\n\n"
            "Curators can add one to the spellbook; it will be offered on the next failure."
        )
    errors = plural(len({a.error.fingerprint for a in advice}), "error")
    parts = [lead or f"Grimoire knows a fix for {errors} in {md_code(source_name)}."]
    for number, group in enumerate(_grouped(advice), start=1):
        first = group[0]
        places = ", ".join(dict.fromkeys(_location(item.error) for item in group))
        heading = first.error.message.strip(HEADING_NOISE) or first.error.message
        section = [f"### {number}. {md_text(cut_chars(heading, 300))}", places]
        for rank, (spell, score) in enumerate(first.spells):
            lead = "**Spell:**" if rank == 0 else "**Or:**"
            section.append(
                f"{lead} {md_text(spell.title)} · score {score:.2f} · "
                f"{_spell_link(spell, public_url)}"
            )
            section.append(_fence(spell.solution_code))
        parts.append("\n\n".join(section))
    if folded:
        owners = sorted(set(folded.values()))
        parts.append(
            "Errors also reported by a matrix sibling are annotated once, on the run for "
            + ", ".join(md_code(owner) for owner in owners)
            + "."
        )
    parts.extend(notes)
    parts.append("_The buttons above rate the first spell; votes tune what Grimoire offers here._")
    return cut_chars("\n\n---\n\n".join(parts), SUMMARY_LIMIT)


def annotation_for(
    item: Advice, level: str, *, public_url: str | None, jobs: Sequence[str]
) -> dict[str, Any]:
    spell, score = item.best
    error = item.error
    message = f"{spell.title}\n\n{spell.solution_code.rstrip()}\n\n"
    message += f"Grimoire {_spell_link(spell, public_url)} · score {score:.2f}"
    if len(jobs) > 1:
        message += "\nFailing in: " + ", ".join(jobs)
    body: dict[str, Any] = {
        "path": error.file,
        "start_line": error.line,
        "end_line": error.line,
        "annotation_level": level,
        "title": cut_chars(f"Grimoire: {spell.title}", TITLE_LIMIT),
        "message": cut_bytes(message, MESSAGE_LIMIT),
        "raw_details": cut_bytes(error.text or error.message, RAW_DETAILS_LIMIT),
    }
    if error.column:
        body["start_column"] = body["end_column"] = error.column
    return body


def plan_annotations(
    advice: Sequence[Advice],
    *,
    level: str,
    max_annotations: int,
    ignore_paths: Sequence[str],
    changed_lines: Mapping[str, set[int]],
    public_url: str | None,
) -> list[PlannedAnnotation]:
    """Annotations for located errors, lines the PR changed first, one per place and spell."""
    located = [
        item
        for item in advice
        if item.error.line
        and in_repository(item.error.file)
        and not ignored(item.error.file or "", ignore_paths)
    ]
    located.sort(
        key=lambda item: item.error.line not in changed_lines.get(item.error.file or "", ())
    )
    planned: dict[AnnotationKey, PlannedAnnotation] = {}
    for item in located:
        key = AnnotationKey(item.error.file or "", item.error.line or 0, item.best[0].id)
        if key in planned:
            continue
        body = annotation_for(item, level, public_url=public_url, jobs=item.jobs)
        planned[key] = PlannedAnnotation(key, body)
    return list(planned.values())[:max_annotations]
