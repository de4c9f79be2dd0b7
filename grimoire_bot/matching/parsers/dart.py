"""Dart and Flutter: `dart analyze` / `flutter analyze` rows, which a terminal often wraps."""

from __future__ import annotations

import re

from ..blocks import LINE_PATH, Draft, to_int
from ..ecosystems import Ecosystem
from .scan import Scan

# `  error • message • lib/main.dart:1:8 • code` (Flutter's analyzer, before Dart 2.13) and
# `  error - lib/main.dart:1:8 - message - code` (dart analyze since).
DART_HEAD_RE = re.compile(r"^\s*(?P<level>error|warning|info|lint) (?P<sep>\u2022|-) (?P<rest>.*)$")
# `message • path:12:3 • code`, or before Dart 2.12 `message at path:12:3 • (code)`.
DART_BULLET_ROW_RE = re.compile(
    rf"^(?P<message>.+?)(?: \u2022| at) (?P<path>{LINE_PATH}):(?P<line>\d+):(?P<col>\d+)"
    r"(?: \u2022 \(?(?P<code>[\w_]+)\)?)?\s*$"
)
DART_DASH_ROW_RE = re.compile(
    rf"^(?P<path>{LINE_PATH}):(?P<line>\d+):(?P<col>\d+) - "
    r"(?P<message>.+?)(?: - (?P<code>[\w_]+))?$"
)
DART_WRAP_LINES = 4


def parse_dart_analyzer(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if not lines[index].lstrip().startswith(("error ", "warning ", "info ", "lint ")):
        return None
    head = DART_HEAD_RE.match(lines[index])
    if head is None:
        return None
    text, end = head.group("rest").strip(), index
    # A wrapped row carries on in lines indented under it, up to the next row.
    for probe in range(index + 1, min(len(lines), index + 1 + DART_WRAP_LINES)):
        if DART_HEAD_RE.match(lines[probe]) or not lines[probe].startswith(" "):
            break
        text, end = f"{text} {lines[probe].strip()}", probe
    row_re = DART_BULLET_ROW_RE if head.group("sep") == "\u2022" else DART_DASH_ROW_RE
    row = row_re.match(" ".join(text.split()))
    if row is None:
        return None
    return Draft(
        start=index,
        end=end,
        message=row.group("message").strip(),
        error_type=row.group("code"),
        file=scan.repo_path(row.group("path")),
        line=to_int(row.group("line")),
        column=to_int(row.group("col")),
        ecosystem=Ecosystem.DART,
        warning=head.group("level") != "error",
    )


# Flutter's test framework: `══╡ EXCEPTION CAUGHT BY FLUTTER TEST FRAMEWORK ╞═══`, what was
# thrown, then `When the exception was thrown, this was the stack:` and Dart frames,
# `#4      main.<anonymous closure> (file:///home/u/app/test/widget_test.dart:30:5)`.
FLUTTER_EXCEPTION_RE = re.compile(
    r"^\W*EXCEPTION CAUGHT BY (?P<library>[A-Z]+(?: [A-Z]+)*)[^\w\n]*$"
)
# The place is the last parenthesis of the line, and a file URI has no space (`%20`).
DART_FRAME_RE = re.compile(
    r"^\s*#\d+\s+\S.*\((?:file://)?(?P<path>[^()\s]+?):(?P<line>\d+)(?::(?P<col>\d+))?\)\s*$"
)
FLUTTER_EXCEPTION_LINES = 80
# `The following TestFailure object was thrown running a test:`, `The following
# _TypeError was thrown building Foo:`, `The following assertion was thrown ...`.
FLUTTER_THROWN_RE = re.compile(r"^The following (?P<cls>[A-Z_]\w*)(?: object)? was thrown")


def parse_flutter_exception(scan: Scan, index: int) -> Draft | None:
    """What Flutter's framework caught, placed at the first repository frame of its stack."""
    lines = scan.lines
    header = (
        FLUTTER_EXCEPTION_RE.match(lines[index]) if "EXCEPTION CAUGHT BY" in lines[index] else None
    )
    if header is None:
        return None
    stop = min(len(lines), index + FLUTTER_EXCEPTION_LINES)
    place = scan.first_repo_frame(index + 1, stop, DART_FRAME_RE)
    said = next((lines[i].strip() for i in range(index + 1, stop) if lines[i].strip()), "")
    end = next(
        (i - 1 for i in range(index + 1, stop) if FLUTTER_EXCEPTION_RE.match(lines[i])), stop - 1
    )
    thrown = FLUTTER_THROWN_RE.match(said)
    return Draft(
        start=index,
        end=max(index, end),
        message=said or lines[index].strip(),
        error_type=thrown.group("cls").lstrip("_") if thrown else "FlutterError",
        file=place.file if place else None,
        line=place.line if place else None,
        column=place.column if place else None,
        ecosystem=Ecosystem.DART,
    )
