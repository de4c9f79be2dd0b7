"""Ruby: RSpec's and Minitest's failure reports, located at the test's own line; Sorbet's
and scss-lint's findings."""

from __future__ import annotations

import re

from ..blocks import LINE_PATH, PATH, Draft, block_end, detect_error_type, is_blank, to_int
from ..ecosystems import Ecosystem
from .scan import Scan

RSPEC_FAILURE_RE = re.compile(r"^(?P<indent>\s*)Failure/Error: (?P<code>.*)$")
RSPEC_FRAME_RE = re.compile(rf"^\s*# (?P<path>{PATH}):(?P<line>\d+)(?::in\b.*)?$")
RSPEC_EXAMPLE_RE = re.compile(r"^\s*\d+\) \S")
RSPEC_LOOKAHEAD = 60
# RSpec's section headers: the failures follow, each parsed on its own.
RSPEC_SECTION_RE = re.compile(r"^(?:Failures|Failed examples):\s*$")


def parse_rspec(scan: Scan, index: int) -> Draft | None:
    """`Failure/Error: <the failing line>`, the expectation's message below it, then the
    backtrace as `# ./spec/x_spec.rb:8:in ...` lines (gems' frames come first or last)."""
    lines = scan.lines
    if "Fail" not in lines[index]:
        return None
    if RSPEC_SECTION_RE.match(lines[index]):
        return Draft(start=index, end=index, message="", noise=True)
    head = RSPEC_FAILURE_RE.match(lines[index])
    if head is None:
        return None
    margin = len(head.group("indent"))
    end = index
    body: list[str] = []
    for probe in range(index + 1, min(len(lines), index + RSPEC_LOOKAHEAD)):
        line = lines[probe]
        if RSPEC_EXAMPLE_RE.match(line):
            break
        if is_blank(line):
            if (
                probe + 1 < len(lines)
                and len(lines[probe + 1]) - len(lines[probe + 1].lstrip()) < margin
            ):
                break
            continue
        end = probe
        if not RSPEC_FRAME_RE.match(line):
            body.append(line.strip())
    frame = scan.first_repo_frame(index + 1, end + 1, RSPEC_FRAME_RE)
    message = body[0] if body else head.group("code").strip()
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=detect_error_type("\n".join(body[:3])),
        file=frame.file if frame else None,
        line=frame.line if frame else None,
        ecosystem=Ecosystem.RUBY,
    )


# `rspec ./spec/models/user_spec.rb:25 # User is valid`: the rerun lines under "Failed
# examples", also copied alone (numbered, without the header).
RSPEC_RERUN_RE = re.compile(
    rf"^\s*(?:\d+\.\s+)?rspec (?P<path>\.?/?{PATH}):(?P<line>\d+)(?: #.*)?\s*$"
)


def parse_rspec_rerun(scan: Scan, index: int) -> Draft | None:
    if "rspec " not in scan.lines[index]:
        return None
    rerun = RSPEC_RERUN_RE.match(scan.lines[index])
    if rerun is None:
        return None
    return Draft(
        start=index,
        end=index,
        message=scan.lines[index].strip(),
        file=scan.repo_path(rerun.group("path")),
        line=to_int(rerun.group("line")),
        ecosystem=Ecosystem.RUBY,
    )


# Minitest: `  1) Failure:` then `Class#test_x [path:13]:` and the message, or `  1) Error:`
# then `Class#test_x:`, the exception, and its backtrace (`test/x_test.rb:19:in 'test_x'`).
MINITEST_HEAD_RE = re.compile(r"^\s*\d+\) (?P<kind>Failure|Error):\s*$")
MINITEST_PLACE_RE = re.compile(rf"^\S+ \[(?P<path>{PATH}):(?P<line>\d+)\]:?\s*$")
MINITEST_FRAME_RE = re.compile(rf"^\s+(?P<path>{PATH}):(?P<line>\d+):in ")
MINITEST_LOOKAHEAD = 30


def parse_minitest(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if ") " not in lines[index]:
        return None
    head = MINITEST_HEAD_RE.match(lines[index])
    if head is None or index + 2 >= len(lines):
        return None
    end = index + 1
    stop = min(len(lines), index + MINITEST_LOOKAHEAD)
    while end + 1 < stop and lines[end + 1].strip() and not MINITEST_HEAD_RE.match(lines[end + 1]):
        end += 1
    place = MINITEST_PLACE_RE.match(lines[index + 1])
    location = (
        scan.first_repo_frame(index + 1, index + 2, MINITEST_PLACE_RE)
        if place
        else scan.first_repo_frame(index + 2, end + 1, MINITEST_FRAME_RE)
    )
    message = lines[index + 2].strip() or lines[index + 1].strip()
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=detect_error_type(message),
        file=location.file if location else None,
        line=location.line if location else None,
        ecosystem=Ecosystem.RUBY,
    )


# --- Sorbet: `path:159: message https://srb.help/4010`, a code frame and notes below ------------

SORBET_ERROR_RE = re.compile(
    rf"^(?P<path>{PATH}):(?P<line>\d+): (?P<message>.+?) https://srb\.help/(?P<code>\d+)\s*$"
)


def parse_sorbet(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    if "srb.help/" not in line:
        return None
    match = SORBET_ERROR_RE.match(line)
    if match is None:
        return None
    return Draft(
        start=index,
        end=block_end(scan.lines, index),
        message=match.group("message").strip(),
        error_type=f"Sorbet {match.group('code')}",
        file=scan.repo_path_at(match.group("path"), index),
        line=to_int(match.group("line")),
        ecosystem=Ecosystem.RUBY,
    )


# --- scss-lint: `css/site.scss:8 [W] FinalNewline: message` ------------------------------------

SCSS_LINT_RE = re.compile(
    rf"^(?P<path>{LINE_PATH}):(?P<line>\d+)(?::(?P<col>\d+))? \[(?P<level>[EW])\] "
    r"(?P<rule>\w+): (?P<message>.+)$"
)
# gulp-scss-lint names the file in full above rows that name it bare.
SCSS_LINT_FILE_RE = re.compile(rf"\bissues? found in (?P<path>{LINE_PATH})\s*$")
SCSS_LINT_FILE_LINES = 5


def parse_scss_lint(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    if "] " not in line:
        return None
    match = SCSS_LINT_RE.match(line)
    if match is None:
        return None
    path = match.group("path")
    if "/" not in path:
        path = _named_in_full(scan, index, path) or path
    return Draft(
        start=index,
        end=index,
        message=match.group("message").strip(),
        error_type=match.group("rule"),
        file=scan.repo_path_at(path, index),
        line=to_int(match.group("line")),
        column=to_int(match.group("col")),
        warning=match.group("level") == "W",
    )


def _named_in_full(scan: Scan, index: int, name: str) -> str | None:
    for probe in range(index - 1, max(-1, index - SCSS_LINT_FILE_LINES), -1):
        named = SCSS_LINT_FILE_RE.search(scan.lines[probe])
        if named is not None and named.group("path").endswith("/" + name):
            return named.group("path")
    return None
