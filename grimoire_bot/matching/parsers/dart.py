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
