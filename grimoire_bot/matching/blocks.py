"""Shared pieces of error extraction: the draft record, where an error's lines end, its type.

An error in a log is rarely one line: a message is followed by its stack, its code frame,
wrapped continuation lines, `Caused by:` sections, a run of `npm ERR!` lines. The block
rules here decide which following lines belong to the error whose head line was found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .forms import wraps_onto

MAX_BLOCK_LINES = 40
MAX_TEXT_CHARS = 4000
MAX_LINE_CHARS = 1000
FRAME_LINES_KEPT_FIRST = 2
FRAME_LINES_KEPT_LAST = 4

# A file path as tools print it: optional drive (or a build variable standing for a folder,
# `$(BUILD_DIR)`), then path characters, ending in a file name with an extension (or one
# of the extension-less build files).
PATH = (
    r"(?:[A-Za-z]:|\$[({]\w+[)}])?[\w.\-@~+$%/\\]*?"
    r"(?:[\w\-@~+$%\]]\.[A-Za-z][\w+\-]{0,11}"
    r"|(?:Dockerfile|Containerfile|Makefile|Jenkinsfile|Gemfile|Rakefile|Vagrantfile)"
    r"(?:\.[\w-]+)?)(?![\w.\-@~+$%/\\])"
)
# A path that starts a line may be absolute with spaces in its folders (`C:\\Program
# Files\\...`, a Jenkins job named `web Release`); elsewhere a space ends a path.
SPACED_PATH = (
    r"(?:[A-Za-z]:)?[\\/](?:[^\\/\n:*?\"<>|]+[\\/])+"
    r"[\w\-@~+$%.]*?[\w\-@~+$%\]]\.[A-Za-z][\w+\-]{0,11}(?![\w.\-@~+$%/\\])"
)
LINE_PATH = rf"(?:{PATH}|{SPACED_PATH})"
STACK_FRAME_RE = re.compile(
    r"^\s+(?:at |File \"|from \S+:\d+)|^\t(?:at |/)|^\s+\S+\.go:\d+"
    r"|^at [\w$.<>]+\([\w$.-]+:\d+\)"  # a JVM frame whose indentation a paste lost
)
CODE_FRAME_RE = re.compile(r"^\s*\d*\s*\|(?:\s|$)|^\s*(?:=|-->|:::)\s|^\s*>?\s*\d+\s*\|")
CAUSED_BY_RE = re.compile(r"^\s*(?:Caused by:?|During handling of the above|The above exception)")
PREFIX_FAMILY_RE = re.compile(r"^(\s*(?:npm (?:ERR!|error)|\[ERROR\]|E {2,}|gyp ERR!))")

ERROR_TYPE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\berror\[(E\d{4})\]"),
    re.compile(r"\b(TS\d{4,5}|CS\d{4}|MSB\d{4}|NU\d{4}|NETSDK\d{4}|LNK\d{4}|BC\d{5}|FS\d{4})\b"),
    re.compile(r"\bcode[:=]? ?['\"]?(E[A-Z]{3,}|ERR_[A-Z0-9_]+)\b"),
    re.compile(r"\b(ERR_[A-Z0-9_]{3,})\b"),
    re.compile(r"\b(?:[a-z_]\w*\.)*([A-Z]\w*(?:Error|Exception))\b"),
)


@dataclass(slots=True)
class Draft:
    """An error being assembled by a parser; becomes an ErrorRecord."""

    start: int  # first line of the error's own text
    end: int  # last line (inclusive)
    message: str
    error_type: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    ecosystem: str | None = None
    text_lines: tuple[str, ...] | None = None  # when the parser picked the lines itself
    noise: bool = False  # lines a parser recognised as boilerplate: skip, report nothing
    warning: bool = False  # a located warning: reported only when no error is located


def indentation(line: str) -> int:
    return len(line) - len(line.lstrip())


def is_blank(line: str) -> bool:
    return not line.strip()


def prefix_family(line: str) -> str | None:
    match = PREFIX_FAMILY_RE.match(line)
    return match.group(1).strip() if match else None


def is_continuation(head: str, previous: str, line: str) -> bool:
    """Whether `line` continues the error whose first line is `head`."""
    if is_blank(line):
        return False
    if STACK_FRAME_RE.match(line) or CODE_FRAME_RE.match(line) or CAUSED_BY_RE.match(line):
        return True
    if indentation(line) > indentation(head):
        return True
    family = prefix_family(head)
    if family is not None and line.lstrip().startswith(family):
        return True
    # A message wrapped by the terminal. Where an error ends decides what else is
    # reported, so only a wrap that carries on in lower case extends it.
    return wraps_onto(previous, line) and line[:1].islower()


def block_end(lines: Sequence[str], head: int, limit: int = MAX_BLOCK_LINES) -> int:
    """The last line of the error starting at `head` (inclusive)."""
    end = head
    index = head + 1
    stop = min(len(lines), head + limit)
    while index < stop:
        line = lines[index]
        if is_continuation(lines[head], lines[end], line):
            end = index
            index += 1
            continue
        # One blank line may separate parts of the same error (a `Caused by:` section,
        # an indented paragraph) when what follows is clearly still part of it.
        if is_blank(line) and index + 1 < stop:
            after = lines[index + 1]
            if CAUSED_BY_RE.match(after) or (
                indentation(after) > indentation(lines[head]) and not is_blank(after)
            ):
                end = index + 1
                index += 2
                continue
        break
    return end


def compact_text(lines: Sequence[str]) -> str:
    """The error's lines, dedented, with long stacks trimmed to their ends, capped in size."""
    kept = _trim_frames([line[:MAX_LINE_CHARS] for line in lines])
    while kept and is_blank(kept[-1]):
        kept.pop()
    margin = min((indentation(line) for line in kept if not is_blank(line)), default=0)
    text = "\n".join(line[margin:].rstrip() for line in kept)
    return text[:MAX_TEXT_CHARS]


def _trim_frames(lines: list[str]) -> list[str]:
    """Keep the first and last lines of each run of stack frames."""
    kept: list[str] = []
    run: list[str] = []
    python_frame_indent: int | None = None
    for line in [*lines, ""]:
        if STACK_FRAME_RE.match(line):
            run.append(line)
            is_python = line.lstrip().startswith('File "')
            python_frame_indent = indentation(line) if is_python else None
            continue
        if run and python_frame_indent is not None and indentation(line) > python_frame_indent:
            run.append(line)  # the frame's source line and its ^^^^ marker
            continue
        if len(run) > FRAME_LINES_KEPT_FIRST + FRAME_LINES_KEPT_LAST + 1:
            run = [*run[:FRAME_LINES_KEPT_FIRST], "    ...", *run[-FRAME_LINES_KEPT_LAST:]]
        kept.extend(run)
        run = []
        python_frame_indent = None
        kept.append(line)
    return kept[:-1]


def detect_error_type(text: str) -> str | None:
    """A compiler code, error code or exception class mentioned in `text`, if any."""
    for pattern in ERROR_TYPE_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


def short_class_name(name: str) -> str:
    """`java.lang.UnsupportedClassVersionError` -> `UnsupportedClassVersionError`."""
    return name.rsplit(".", 1)[-1].rsplit("$", 1)[-1]


def to_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < 10_000_000 else None
