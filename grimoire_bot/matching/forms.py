"""The forms of an error's text that spell patterns are matched against.

A pattern is written for the message as its author saw it. In a log the same message may
be wrapped by a terminal or a tool onto several lines, printed with typographic quotes,
or carry Windows backslashes. Besides the text itself, patterns therefore also see each
wrapped run of lines joined into one line, and a folded copy (plain quotes, forward
slashes) when folding changes anything. Only what differs is added: every extra byte
costs a cold RE2 DFA time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .tokens import TYPOGRAPHIC

# A line that wraps on: long, and not ending a sentence or a clause.
WRAP_MIN_CHARS = 40
SENTENCE_END = ".!?:;)]}>'\"`"
# A line that starts something new rather than carrying the previous one on.
NEW_ITEM_RE = re.compile(
    r"^(?:[\w.\-\[\]/\\@~]+(?::[\s\d:]|\(\d)|at\s|File\s\"|[-*\u2022>]\s|\d+\s*\|"
    r"|\S+ \S*[!:](?:\s|$)|npm (?:error|warn|notice)\b)"
)


@dataclass(frozen=True, slots=True)
class WrappedRun:
    first_line: int  # index of the run's first line in the lines given
    text: str  # the run's lines joined with single spaces
    # ... and joined with nothing where a line ends and the next starts inside a word: a
    # console of fixed width cuts words (`'TestMe` / `thod'`); None when no break is one
    unbroken: str | None = None


def wrapped_runs(lines: Sequence[str]) -> list[WrappedRun]:
    """Runs of two or more lines that read as one wrapped message."""
    runs: list[WrappedRun] = []
    start = 0
    while start < len(lines):
        end = start
        while end + 1 < len(lines) and wraps_onto(lines[end], lines[end + 1]):
            end += 1
        if end > start:
            parts = [line.strip() for line in lines[start : end + 1]]
            unbroken = parts[0]
            for part in parts[1:]:
                unbroken += part if _cuts_a_word(unbroken, part) else " " + part
            joined = " ".join(parts)
            runs.append(
                WrappedRun(
                    first_line=start, text=joined, unbroken=unbroken if unbroken != joined else None
                )
            )
        start = end + 1
    return runs


def wraps_onto(line: str, following: str) -> bool:
    """Whether `following` carries on the message `line` was printing."""
    stripped = line.rstrip()
    continuation = following.strip()
    return (
        len(stripped.strip()) >= WRAP_MIN_CHARS
        and stripped[-1] not in SENTENCE_END
        and bool(continuation)
        and not NEW_ITEM_RE.match(continuation)
    )


def _cuts_a_word(before: str, after: str) -> bool:
    return before[-1:].isalnum() and after[:1].isalnum()


def encodable(text: str) -> str:
    """`text` without lone surrogates (which a str may hold and UTF-8 cannot): RE2 reads
    UTF-8, and its Python wrapper encodes strictly."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def fold(text: str) -> str:
    """Typographic quotes made plain, Windows path separators made forward slashes."""
    return text.translate(TYPOGRAPHIC).replace("\\", "/")


def matching_text(text: str) -> str:
    """The error's text followed by whatever other forms differ from it (see module)."""
    text = encodable(text)
    runs = "\n".join(
        form
        for run in wrapped_runs(text.split("\n"))
        for form in (run.text, run.unbroken)
        if form is not None
    )
    forms = [text, runs] if runs else [text]
    folded = fold("\n".join(forms))
    if folded != "\n".join(forms):
        forms.append(folded)
    return "\n".join(forms)
