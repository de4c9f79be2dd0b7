"""Compiler and linter diagnostics: `path:line:col` in all its dialects, rustc and
cargo, CMake."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..blocks import (
    PATH,
    Draft,
    block_end,
    detect_error_type,
    is_blank,
    to_int,
)
from ..ecosystems import Ecosystem
from ..locate import is_absolute
from ..prefilter import ERRORISH_TEXT
from .scan import Scan

NOT_ERRORS = frozenset({"warning", "note", "info", "hint", "remark", "help", "notice", "debug"})


# --- path:line:col diagnostics (gcc, clang, go, mypy, ruff, flake8, tsc, javac, ...) -------

TOOL_PREFIX = r"(?:(?:Error|ERROR|error|vet|\[ERROR\]|\[error\]|\[WARNING\]):? +)?"
LOCATED_RES: tuple[re.Pattern[str], ...] = (
    # gcc, clang, go, mypy, flake8, ruff, rustc --short, javac, shellcheck, eslint unix,
    # and tsc --pretty (`path:1:2 - error TS2307: ...`)
    re.compile(
        rf"^(?P<indent>\s*){TOOL_PREFIX}(?P<path>{PATH}):(?P<line>\d+)(?::(?P<col>\d+))?"
        r"(?::\d+(?:-\d+)?)?(?::| -) (?P<rest>.+)$"
    ),
    # tsc, MSBuild, dotnet: path(line,col): error CODE: message
    re.compile(
        rf"^(?P<indent>\s*){TOOL_PREFIX}(?P<path>{PATH})\((?P<line>\d+)(?:,(?P<col>\d+))?"
        r"(?:,\d+,\d+)?\): ?(?P<rest>.+)$"
    ),
    # Maven: [ERROR] /path/Foo.java:[12,8] message
    re.compile(
        rf"^(?P<indent>\s*)\[(?P<level>ERROR|WARNING)\] (?P<path>{PATH}):\[(?P<line>\d+)"
        r"(?:,(?P<col>\d+))?\] (?P<rest>.+)$"
    ),
    # Kotlin: e: /path/Foo.kt: (12, 8): message  and  e: file:///path/Foo.kt:12:8 message
    re.compile(
        rf"^(?P<indent>\s*)(?P<level>e|w): (?:file://)?(?P<path>{PATH})"
        r"(?:: \((?P<line>\d+), (?P<col>\d+)\):|:(?P<line2>\d+):(?P<col2>\d+))"
        r" (?P<rest>.+)$"
    ),
    # ESLint compact: path: line 1, col 2, Error - message (rule)
    re.compile(
        rf"^(?P<indent>\s*)(?P<path>{PATH}): line (?P<line>\d+), col (?P<col>\d+), "
        r"(?P<level>Error|Warning) - (?P<rest>.+)$"
    ),
    # Ruby: lib/cart.rb:12:in `total': undefined method `price' for nil (NoMethodError)
    re.compile(
        rf"^(?P<indent>\s*)(?P<path>{PATH}):(?P<line>\d+):in [`'][^'`]*['`]:? "
        r"(?P<rest>.+)$"
    ),
    # bash: ./script.sh: line 3: foo: command not found
    re.compile(rf"^(?P<indent>\s*)(?P<path>{PATH}): line (?P<line>\d+): (?P<rest>.+)$"),
)
SEVERITY_RE = re.compile(
    r"^(?P<severity>fatal error|error|warning|note|info|hint|remark|Error|Warning)"
    r"(?:\[(?P<bracket>[\w-]+)\])?(?: (?P<code>[A-Z]{1,6}\d{2,6}))?:? (?P<message>.*)$"
)
LINT_CODE_RE = re.compile(r"^(?P<code>[A-Z]{1,4}\d{2,5})(?: \[\*\])? (?P<message>.+)$")
MYPY_CODE_RE = re.compile(r"\s\s\[(?P<code>[a-z][\w-]*)\]\s*$")
ESLINT_UNIX_RULE_RE = re.compile(r"\s\[(?P<level>Error|Warning)/(?P<rule>[@\w/-]+)\]$")
PYTHON_WARNING_RE = re.compile(r"^[A-Z]\w*Warning\b")
CODE_ECOSYSTEMS = (
    ("TS", Ecosystem.TYPESCRIPT),
    ("CS", Ecosystem.DOTNET),
    ("MSB", Ecosystem.DOTNET),
    ("NU", Ecosystem.DOTNET),
)


# A compiler diagnostic glued to the end of another tool's progress output.
EMBEDDED_DIAGNOSTIC_RE = re.compile(
    rf"(?P<indent>)(?P<path>{PATH})(?::(?P<line>\d+):(?P<col>\d+) - |\((?P<line2>\d+),"
    r"(?P<col2>\d+)\): )(?P<rest>error [A-Z]{2,4}\d{3,5}: .+)$"
)


def parse_located(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    for pattern in LOCATED_RES:
        match = pattern.match(line)
        if match:
            return _located_draft(scan, index, match)
    embedded = EMBEDDED_DIAGNOSTIC_RE.search(line) if " error " in line else None
    if embedded:
        return _located_draft(scan, index, embedded)
    return None


def _located_draft(scan: Scan, index: int, match: re.Match[str]) -> Draft | None:
    groups = match.groupdict()
    if (groups.get("level") or "e").lower() in ("warning", "w"):
        return None
    rest = match.group("rest").strip()
    if rest.startswith("in ") and " " not in rest[3:].strip():
        return None  # a pytest traceback location line, not an error
    if PYTHON_WARNING_RE.match(rest) or (ESLINT_UNIX_RULE_RE.search(rest) and "[Warning/" in rest):
        return None
    message, error_type = _diagnostic_message(rest)
    if message is None:
        return None
    if (
        error_type is None
        and not groups.get("col")
        and not groups.get("col2")
        and not ERRORISH_TEXT.search(rest)
    ):
        return None  # `file:12: text` with no severity, code or column: a grep hit, a t.Log
    error_type = error_type or detect_error_type(rest)
    return Draft(
        start=index,
        end=block_end(scan.lines, index),
        message=message,
        error_type=error_type,
        file=scan.repo_path(match.group("path")),
        line=to_int(groups.get("line") or groups.get("line2")),
        column=to_int(groups.get("col") or groups.get("col2")),
        ecosystem=_code_ecosystem(error_type),
    )


def _diagnostic_message(rest: str) -> tuple[str | None, str | None]:
    """(message, error type) of a diagnostic's text after its location; None: not an error."""
    severity = SEVERITY_RE.match(rest)
    if severity:
        if severity.group("severity").lower() in NOT_ERRORS:
            return None, None
        message = severity.group("message").strip()
        code = severity.group("code") or severity.group("bracket")
        mypy = MYPY_CODE_RE.search(message)
        if mypy:
            code = code or mypy.group("code")
        return message, code
    lint = LINT_CODE_RE.match(rest)
    if lint:
        return lint.group("message").strip(), lint.group("code")
    unix = ESLINT_UNIX_RULE_RE.search(rest)
    if unix:
        return rest[: unix.start()].strip(), unix.group("rule")
    return rest, None


def _code_ecosystem(code: str | None) -> Ecosystem | None:
    if not code:
        return None
    for prefix, ecosystem in CODE_ECOSYSTEMS:
        if code.startswith(prefix) and code[len(prefix) :].isdigit():
            return ecosystem
    return None


# --- rustc, cargo, clippy, ruff's full format ----------------------------------------------

RUST_HEAD_RE = re.compile(
    r"^(?P<severity>error|warning)(?:\[(?P<code>E\d{4}|[\w:]+)\])?: (?P<message>.+)$"
)
ARROW_LOCATION_RE = re.compile(rf"^\s*--> (?P<path>{PATH}):(?P<line>\d+):(?P<col>\d+)")
RUST_PANIC_RE = re.compile(
    rf"^thread '(?P<thread>[^']*)' panicked at (?:'(?P<message>.*)', )?(?P<path>{PATH}):"
    r"(?P<line>\d+):(?P<col>\d+):?$"
)


def parse_rust(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    panic = RUST_PANIC_RE.match(lines[index])
    if panic:
        message = panic.group("message")
        end = index
        if message is None and index + 1 < len(lines):
            message, end = lines[index + 1].strip(), index + 1
        return Draft(
            start=index,
            end=max(end, block_end(lines, index)),
            message=message or "panic",
            error_type="panic",
            file=scan.repo_path(panic.group("path")),
            line=to_int(panic.group("line")),
            column=to_int(panic.group("col")),
            ecosystem=Ecosystem.RUST,
        )
    head = RUST_HEAD_RE.match(lines[index]) or LINT_CODE_RE.match(lines[index])
    if head is None:
        return None
    groups = head.groupdict()
    if groups.get("severity") == "warning":
        return None
    arrow = _arrow_location(lines, index)
    if arrow is None and "severity" not in groups:
        return None  # a bare `F401 message` line is only an error with a --> location
    code = groups.get("code")
    ecosystem = Ecosystem.RUST if (code and code.startswith("E") and arrow) else None
    draft = Draft(
        start=index,
        end=block_end(lines, index),
        message=head.group("message").strip(),
        error_type=code,
        ecosystem=ecosystem,
    )
    if arrow is not None:
        draft.file = scan.repo_path(arrow.group("path"))
        draft.line, draft.column = to_int(arrow.group("line")), to_int(arrow.group("col"))
        if draft.ecosystem is None and arrow.group("path").endswith(".rs"):
            draft.ecosystem = Ecosystem.RUST
    return draft


def _arrow_location(lines: Sequence[str], index: int) -> re.Match[str] | None:
    for probe in range(index + 1, min(len(lines), index + 4)):
        match = ARROW_LOCATION_RE.match(lines[probe])
        if match:
            return match
    return None


# --- CMake -------------------------------------------------------------------------------

CMAKE_ERROR_RE = re.compile(
    rf"^CMake Error(?: at (?P<path>{PATH}):(?P<line>\d+) \((?P<command>\w+)\))?:\s*(?P<message>.*)$"
)
CMAKE_STACK_RE = re.compile(rf"^\s+(?P<path>{PATH}):(?P<line>\d+) \((?P<command>\w+)\)$")
CMAKE_STACK_LINES = 20
CMAKE_END_RE = re.compile(r"^(?:CMake (?:Error|Warning|Deprecation)|-- |Call Stack)")


def parse_cmake(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    head = CMAKE_ERROR_RE.match(lines[index])
    if head is None:
        return None
    end = index
    blank_run = 0
    for probe in range(index + 1, min(len(lines), index + 60)):
        line = lines[probe]
        if CMAKE_END_RE.match(line) or blank_run >= 2:
            break
        blank_run = blank_run + 1 if is_blank(line) else 0
        if not is_blank(line):
            end = probe
    first_body_line = next(
        (lines[i].strip() for i in range(index + 1, end + 1) if not is_blank(lines[i])), None
    )
    message = head.group("message").strip() or first_body_line or "CMake Error"
    file = scan.repo_path(head.group("path"))
    line_number = to_int(head.group("line")) if file else None
    if file is None or is_absolute(file):
        # The error is inside a toolchain or module file: the repository's own call is
        # further down its call stack.
        call_file, call_line = _cmake_call_site(scan, end + 1)
        if call_file is not None:
            file, line_number = call_file, call_line
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type="CMake Error",
        file=file,
        line=line_number,
        ecosystem=Ecosystem.CPP,
    )


def _cmake_call_site(scan: Scan, start: int) -> tuple[str | None, int | None]:
    """The first relative (repository) file in the `Call Stack (most recent call first):`
    below; absolute paths there are toolchain files (vcpkg, CMake modules)."""
    frames = scan.repo_frames(start, start + CMAKE_STACK_LINES, CMAKE_STACK_RE)
    frame = next((f for f in frames if not is_absolute(f.file)), None)
    return (frame.file, frame.line) if frame else (None, None)
