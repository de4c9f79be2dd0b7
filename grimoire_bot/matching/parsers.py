"""One parser per output format: each reads an error starting at a candidate line.

Every parser has the same shape: `parse(scan, index) -> Draft | None`. It looks at the
line the prefilter flagged (and, where the format needs it, at lines around it: a Python
traceback's frames above, rustc's `-->` below, ESLint's file header above) and returns a
draft with the message, type, location and the lines that make up the error. `PARSERS`
lists them from the most specific format to the most generic; the first that accepts the
line wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from .blocks import (
    PATH,
    Draft,
    block_end,
    detect_error_type,
    indentation,
    is_blank,
    short_class_name,
    to_int,
)
from .ecosystems import Ecosystem
from .locate import is_external, join_repo_path, normalise_path, package_dir
from .prefilter import ERRORISH_TEXT

LOOKAROUND_LINES = 15
PYTHON_TRACEBACK_LOOKBACK = 400
GO_PACKAGE_LOOKAHEAD = 3000
SECTION_MAX_LINES = 400
NOT_ERRORS = frozenset({"warning", "note", "info", "hint", "remark", "help", "notice", "debug"})


@dataclass(frozen=True, slots=True)
class Scan:
    """The cleaned log's lines and what the caller knows about the repository's location."""

    lines: Sequence[str]
    hints: Sequence[str] = ()

    def path(self, raw: str) -> str:
        return normalise_path(raw, self.hints)

    def repo_path(self, raw: str | None) -> str | None:
        """The repo-relative path, or None for third-party and toolchain files."""
        if not raw or raw.lstrip().startswith("<") or is_external(raw):
            return None
        path = self.path(raw)
        return None if is_external(path) else path


Parser = Callable[[Scan, int], Draft | None]


# --- GitHub workflow commands -------------------------------------------------------------

WORKFLOW_COMMAND_RE = re.compile(r"^\s*::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def parse_workflow_command(scan: Scan, index: int) -> Draft | None:
    match = WORKFLOW_COMMAND_RE.match(scan.lines[index])
    if not match or match.group(1) != "error":
        return None
    properties = dict(_workflow_properties(match.group(2) or ""))
    message = _unescape_workflow(match.group(3)).strip()
    title = properties.get("title")
    return Draft(
        start=index, end=index, message=message,
        error_type=detect_error_type(f"{title or ''} {message}"),
        file=scan.repo_path(properties.get("file")),
        line=to_int(properties.get("line")), column=to_int(properties.get("col")),
        text_lines=tuple(filter(None, (title, message))),
    )


def _workflow_properties(raw: str) -> list[tuple[str, str]]:
    pairs = []
    for item in raw.split(","):
        key, _, value = item.partition("=")
        if key.strip():
            pairs.append((key.strip(), _unescape_workflow(value.strip())))
    return pairs


def _unescape_workflow(value: str) -> str:
    return unquote(value) if "%" in value else value


# --- Python ------------------------------------------------------------------------------

TRACEBACK_HEAD_RE = re.compile(r"^\s*Traceback \(most recent call last\):\s*$")
PY_FRAME_RE = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?$')
PY_EXCEPTION_RE = re.compile(
    r"^(?P<indent>\s*)(?P<cls>(?:[A-Za-z_]\w*\.)*[A-Z]\w*)(?:: (?P<message>.*)|:?\s*)$"
)


def parse_python_traceback(scan: Scan, index: int) -> Draft | None:
    """A traceback, seen from its header line or from its final exception line."""
    lines = scan.lines
    if TRACEBACK_HEAD_RE.match(lines[index]):
        exception_index = _traceback_exception_line(lines, index)
        if exception_index is None:
            return None
        return _python_exception_draft(scan, index, exception_index)
    match = PY_EXCEPTION_RE.match(lines[index])
    if not match or index == 0:
        return None
    start = _frames_start(lines, index)
    if start is None:
        return None
    return _python_exception_draft(scan, start, index)


def _traceback_exception_line(lines: Sequence[str], head: int) -> int | None:
    margin = indentation(lines[head])
    for index in range(head + 1, min(len(lines), head + PYTHON_TRACEBACK_LOOKBACK)):
        line = lines[index]
        if is_blank(line) or indentation(line) > margin:
            continue
        return index if PY_EXCEPTION_RE.match(line) else None
    return None


def _frames_start(lines: Sequence[str], exception_index: int) -> int | None:
    """The first line of the frames right above an exception line, if there are frames."""
    start = None
    margin = indentation(lines[exception_index])
    lowest = max(0, exception_index - PYTHON_TRACEBACK_LOOKBACK)
    for index in range(exception_index - 1, lowest - 1, -1):
        line = lines[index]
        if TRACEBACK_HEAD_RE.match(line):
            return index
        if PY_FRAME_RE.match(line):
            start = index
            continue
        if indentation(line) > margin and not is_blank(line):
            continue   # a frame's source line or ^^^^ marker
        break
    return start


def _python_exception_draft(scan: Scan, start: int, exception_index: int) -> Draft:
    lines = scan.lines
    match = PY_EXCEPTION_RE.match(lines[exception_index])
    assert match is not None
    cls = match.group("cls")
    message = (match.group("message") or "").strip()
    file, line = _deepest_repo_frame(scan, start, exception_index)
    end = block_end(lines, exception_index)
    return Draft(
        start=start, end=end, message=f"{short_class_name(cls)}: {message}" if message else cls,
        error_type=short_class_name(cls), file=file, line=line, ecosystem=Ecosystem.PYTHON,
    )


def _deepest_repo_frame(scan: Scan, start: int, stop: int) -> tuple[str | None, int | None]:
    found: tuple[str | None, int | None] = (None, None)
    for index in range(start, stop):
        frame = PY_FRAME_RE.match(scan.lines[index])
        if frame:
            path = scan.repo_path(frame.group("path"))
            if path is not None:
                found = (path, to_int(frame.group("line")))
    return found


# --- pytest ------------------------------------------------------------------------------

PYTEST_SECTION_RE = re.compile(r"^_{3,} (?P<title>.+?) _{3,}$")
PYTEST_SECTION_END_RE = re.compile(r"^(?:_{3,} .+ _{3,}|={3,}.*)$")
PYTEST_E_LINE_RE = re.compile(r"^E\s+(?P<text>.*)$")
PYTEST_LOCATION_RE = re.compile(
    rf"^(?P<path>{PATH}):(?P<line>\d+): (?P<cls>(?:[A-Za-z_]\w*\.)*[A-Z]\w*|in \S+)$"
)
PYTEST_FIXTURE_FILE_RE = re.compile(rf"^file (?P<path>{PATH}), line (?P<line>\d+)$")
PYTEST_SUMMARY_RE = re.compile(
    rf"^(?P<kind>FAILED|ERROR) (?P<path>{PATH})(?:::(?P<test>\S+))?(?: - (?P<message>.+))?$"
)
PYTEST_COLLECTING_RE = re.compile(rf"ERROR collecting (?P<path>{PATH})")


def parse_pytest_section(scan: Scan, index: int) -> Draft | None:
    """A `____ test_name ____` failure section, or its `FAILED path::test - msg` line."""
    lines = scan.lines
    header = PYTEST_SECTION_RE.match(lines[index])
    if header is None:
        return _pytest_summary_line(scan, index)
    end = index
    for probe in range(index + 1, min(len(lines), index + SECTION_MAX_LINES)):
        if PYTEST_SECTION_END_RE.match(lines[probe]):
            break
        end = probe
    body = lines[index + 1:end + 1]
    e_lines = [m.group("text") for m in map(PYTEST_E_LINE_RE.match, body) if m]
    file, line, cls = _pytest_location(scan, body)
    collecting = PYTEST_COLLECTING_RE.search(header.group("title"))
    if file is None and collecting:
        file = scan.repo_path(collecting.group("path"))
    if not e_lines and cls is None and collecting is None:
        return None
    message = next((text.strip() for text in e_lines if text.strip()), header.group("title"))
    error_type = detect_error_type(message) or (cls if cls and not cls.startswith("in ") else None)
    # The error's text is what pytest says about it, not the source listing around it.
    kept = [lines[index], *(text for text in body if _is_pytest_evidence(text))]
    return Draft(
        start=index, end=end, message=message, error_type=error_type, file=file, line=line,
        ecosystem=Ecosystem.PYTHON, text_lines=tuple(kept),
    )


def _is_pytest_evidence(line: str) -> bool:
    return bool(
        PYTEST_E_LINE_RE.match(line) or PYTEST_LOCATION_RE.match(line)
        or PYTEST_FIXTURE_FILE_RE.match(line) or line.startswith(">")
    )


def _pytest_location(scan: Scan, body: Sequence[str]) -> tuple[str | None, int | None, str | None]:
    file: str | None = None
    line: int | None = None
    cls: str | None = None
    for text in body:
        match = PYTEST_LOCATION_RE.match(text) or PYTEST_FIXTURE_FILE_RE.match(text)
        if not match:
            continue
        path = scan.repo_path(match.group("path"))
        if path is not None:
            file, line = path, to_int(match.group("line"))
        if "cls" in match.groupdict() and match.group("cls"):
            cls = match.group("cls")
    return file, line, cls


def _pytest_summary_line(scan: Scan, index: int) -> Draft | None:
    match = PYTEST_SUMMARY_RE.match(scan.lines[index])
    if match is None:
        return None
    message = match.group("message") or f"{match.group('kind')} {match.group('test') or ''}"
    return Draft(
        start=index, end=index, message=message.strip(), error_type=detect_error_type(message),
        file=scan.repo_path(match.group("path")), ecosystem=Ecosystem.PYTHON,
    )


# --- path:line:col diagnostics (gcc, clang, go, mypy, ruff, flake8, tsc, javac, ...) -------

TOOL_PREFIX = r"(?:(?:Error|ERROR|error|vet|\[ERROR\]|\[error\]|\[WARNING\]):? +)?"
LOCATED_RES: tuple[re.Pattern[str], ...] = (
    # gcc, clang, go, mypy, flake8, ruff, rustc --short, javac, shellcheck, eslint unix,
    # and tsc --pretty (`path:1:2 - error TS2307: ...`)
    re.compile(rf"^(?P<indent>\s*){TOOL_PREFIX}(?P<path>{PATH}):(?P<line>\d+)(?::(?P<col>\d+))?"
               r"(?::\d+(?:-\d+)?)?(?::| -) (?P<rest>.+)$"),
    # tsc, MSBuild, dotnet: path(line,col): error CODE: message
    re.compile(rf"^(?P<indent>\s*){TOOL_PREFIX}(?P<path>{PATH})\((?P<line>\d+)(?:,(?P<col>\d+))?"
               r"(?:,\d+,\d+)?\): ?(?P<rest>.+)$"),
    # Maven: [ERROR] /path/Foo.java:[12,8] message
    re.compile(rf"^(?P<indent>\s*)\[(?P<level>ERROR|WARNING)\] (?P<path>{PATH}):\[(?P<line>\d+)"
               r"(?:,(?P<col>\d+))?\] (?P<rest>.+)$"),
    # Kotlin: e: /path/Foo.kt: (12, 8): message  and  e: file:///path/Foo.kt:12:8 message
    re.compile(rf"^(?P<indent>\s*)(?P<level>e|w): (?:file://)?(?P<path>{PATH})"
               r"(?:: \((?P<line>\d+), (?P<col>\d+)\):|:(?P<line2>\d+):(?P<col2>\d+))"
               r" (?P<rest>.+)$"),
    # ESLint compact: path: line 1, col 2, Error - message (rule)
    re.compile(rf"^(?P<indent>\s*)(?P<path>{PATH}): line (?P<line>\d+), col (?P<col>\d+), "
               r"(?P<level>Error|Warning) - (?P<rest>.+)$"),
    # Ruby: lib/cart.rb:12:in `total': undefined method `price' for nil (NoMethodError)
    re.compile(rf"^(?P<indent>\s*)(?P<path>{PATH}):(?P<line>\d+):in [`'][^'`]*['`]:? "
               r"(?P<rest>.+)$"),
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
CODE_ECOSYSTEMS = (("TS", Ecosystem.TYPESCRIPT), ("CS", Ecosystem.DOTNET),
                   ("MSB", Ecosystem.DOTNET), ("NU", Ecosystem.DOTNET))


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
        return None   # a pytest traceback location line, not an error
    if PYTHON_WARNING_RE.match(rest) or (ESLINT_UNIX_RULE_RE.search(rest) and "[Warning/" in rest):
        return None
    message, error_type = _diagnostic_message(rest)
    if message is None:
        return None
    if error_type is None and not groups.get("col") and not groups.get("col2") \
            and not ERRORISH_TEXT.search(rest):
        return None   # `file:12: text` with no severity, code or column: a grep hit, a t.Log
    error_type = error_type or detect_error_type(rest)
    return Draft(
        start=index, end=block_end(scan.lines, index), message=message, error_type=error_type,
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
        return rest[:unix.start()].strip(), unix.group("rule")
    return rest, None


def _code_ecosystem(code: str | None) -> Ecosystem | None:
    if not code:
        return None
    for prefix, ecosystem in CODE_ECOSYSTEMS:
        if code.startswith(prefix) and code[len(prefix):].isdigit():
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
            start=index, end=max(end, block_end(lines, index)), message=message or "panic",
            error_type="panic", file=scan.repo_path(panic.group("path")),
            line=to_int(panic.group("line")), column=to_int(panic.group("col")),
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
        return None   # a bare `F401 message` line is only an error with a --> location
    code = groups.get("code")
    ecosystem = Ecosystem.RUST if (code and code.startswith("E") and arrow) else None
    draft = Draft(start=index, end=block_end(lines, index), message=head.group("message").strip(),
                  error_type=code, ecosystem=ecosystem)
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


# --- Go ----------------------------------------------------------------------------------

GO_PANIC_RE = re.compile(r"^panic: (?P<message>.+?)(?: \[recovered\])?$")
GO_FRAME_FILE_RE = re.compile(r"^\s+(?P<path>\S+\.go):(?P<line>\d+)(?: \+0x[0-9a-f]+)?$")
GO_TEST_FAIL_RE = re.compile(
    r"^\s*(?:--- FAIL: (?P<test>\S+)|=== FAIL: (?P<package>\S+) (?P<test2>\S+))"
)
GO_TEST_LOCATION_RE = re.compile(r"^\s+(?P<file>[\w.\-]+\.go):(?P<line>\d+): (?P<message>.*)$")
GO_PACKAGE_RESULT_RE = re.compile(
    r"^(?:FAIL|ok|---)\s+(?P<package>[\w.\-/]+)\s+[\d.]+s|^FAIL\t(?P<p2>\S+)"
)


def parse_go(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    panic = GO_PANIC_RE.match(lines[index].strip())
    if panic:
        end = block_end(lines, index)
        file, line = _first_repo_go_frame(scan, index, min(len(lines), index + 200))
        return Draft(start=index, end=end, message=panic.group("message").strip(),
                     error_type="panic", file=file, line=line, ecosystem=Ecosystem.GO)
    failed = GO_TEST_FAIL_RE.match(lines[index])
    if failed is None:
        return None
    end = block_end(lines, index)
    draft = Draft(start=index, end=end, message=lines[index].strip(), ecosystem=Ecosystem.GO)
    for probe in range(index + 1, end + 1):
        location = GO_TEST_LOCATION_RE.match(lines[probe])
        if location:
            package = failed.group("package") or _go_test_package(lines, end)
            directory = package_dir(package, scan.hints) if package else ""
            draft.file = join_repo_path(directory, location.group("file"))
            draft.line = to_int(location.group("line"))
            draft.message = location.group("message").strip() or draft.message
            break
    return draft


def _first_repo_go_frame(scan: Scan, start: int, stop: int) -> tuple[str | None, int | None]:
    for index in range(start + 1, stop):
        frame = GO_FRAME_FILE_RE.match(scan.lines[index])
        if frame:
            path = scan.repo_path(frame.group("path"))
            if path is not None:
                return path, to_int(frame.group("line"))
    return None, None


def _go_test_package(lines: Sequence[str], start: int) -> str | None:
    for index in range(start, min(len(lines), start + GO_PACKAGE_LOOKAHEAD)):
        result = GO_PACKAGE_RESULT_RE.match(lines[index])
        if result:
            return result.group("package") or result.group("p2")
    return None


# --- ESLint stylish ----------------------------------------------------------------------

ESLINT_ROW_RE = re.compile(
    r"^\s+(?P<line>\d+):(?P<col>\d+)\s+(?P<level>error|warning)\s+(?P<message>.+?)"
    r"(?:\s{2,}(?P<rule>[@\w][\w@/.-]*))?\s*$"
)
ESLINT_FILE_HEADER_RE = re.compile(rf"^(?P<path>{PATH})\s*$")
ESLINT_HEADER_LOOKBACK = 2000


def parse_eslint_stylish(scan: Scan, index: int) -> Draft | None:
    row = ESLINT_ROW_RE.match(scan.lines[index])
    if row is None or row.group("level") != "error":
        return None
    path = None
    for probe in range(index - 1, max(-1, index - ESLINT_HEADER_LOOKBACK), -1):
        line = scan.lines[probe]
        if ESLINT_ROW_RE.match(line):
            continue
        header = ESLINT_FILE_HEADER_RE.match(line)
        if header:
            path = header.group("path")
        break
    if path is None:
        return None
    return Draft(
        start=index, end=index, message=row.group("message").strip(), error_type=row.group("rule"),
        file=scan.repo_path(path), line=to_int(row.group("line")),
        column=to_int(row.group("col")), ecosystem=Ecosystem.ESLINT,
    )


# --- CMake -------------------------------------------------------------------------------

CMAKE_ERROR_RE = re.compile(
    rf"^CMake Error(?: at (?P<path>{PATH}):(?P<line>\d+) \((?P<command>\w+)\))?:\s*(?P<message>.*)$"
)
CMAKE_STACK_RE = re.compile(rf"^\s+(?P<path>{PATH}):(?P<line>\d+) \((?P<command>\w+)\)$")
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
    if file is None:
        file, line_number = _cmake_call_site(scan, end + 1)
    return Draft(start=index, end=end, message=message, error_type="CMake Error", file=file,
                 line=line_number, ecosystem=Ecosystem.CPP)


def _cmake_call_site(scan: Scan, start: int) -> tuple[str | None, int | None]:
    """The first repository file in the `Call Stack (most recent call first):` below."""
    lines = scan.lines
    for index in range(start, min(len(lines), start + 20)):
        frame = CMAKE_STACK_RE.match(lines[index])
        if frame:
            path = scan.repo_path(frame.group("path"))
            if path is not None and not path.startswith("/"):
                return path, to_int(frame.group("line"))
    return None, None


# --- Jest --------------------------------------------------------------------------------

JEST_BULLET_RE = re.compile(r"^(?P<indent>\s*)● (?P<title>.+)$")
JEST_FAIL_HEADER_RE = re.compile(rf"^\s*FAIL\s+(?P<path>{PATH})")
JS_FRAME_RE = re.compile(rf"^\s+at (?:.*? \()?(?P<path>{PATH}):(?P<line>\d+):(?P<col>\d+)\)?$")
JEST_CODE_FRAME_RE = re.compile(r"^\s*>\s*(?P<line>\d+)\s*\|")
JEST_GENERIC_TITLES = ("Test suite failed to run",)
JEST_TEST_SEPARATOR = "\u203a"


def parse_jest(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    bullet = JEST_BULLET_RE.match(lines[index])
    if bullet is None:
        return None
    margin = len(bullet.group("indent"))
    end = index
    for probe in range(index + 1, min(len(lines), index + 80)):
        line = lines[probe]
        if not is_blank(line) and (indentation(line) <= margin or JEST_BULLET_RE.match(line)):
            break
        if not is_blank(line):
            end = probe
    body = [lines[i].strip() for i in range(index + 1, end + 1) if not is_blank(lines[i])]
    title = bullet.group("title").strip()
    # "Suite > test" titles and "Test suite failed to run" name the test; the error follows.
    names_a_test = JEST_TEST_SEPARATOR in title or title in JEST_GENERIC_TITLES
    message = body[0] if body and (names_a_test or title.endswith(":")) else title
    file, line_number, column = _jest_location(scan, index, end)
    return Draft(start=index, end=end, message=message, error_type=detect_error_type(message),
                 file=file, line=line_number, column=column, ecosystem=Ecosystem.JEST)


def _jest_location(scan: Scan, start: int, end: int) -> tuple[str | None, int | None, int | None]:
    lines = scan.lines
    for index in range(start, end + 1):
        frame = JS_FRAME_RE.match(lines[index])
        if frame:
            path = scan.repo_path(frame.group("path"))
            if path is not None:
                return path, to_int(frame.group("line")), to_int(frame.group("col"))
    header_path = None
    for index in range(start - 1, max(-1, start - 200), -1):
        header = JEST_FAIL_HEADER_RE.match(lines[index])
        if header:
            header_path = scan.repo_path(header.group("path"))
            break
    code_line = next((to_int(m.group("line")) for m in
                      map(JEST_CODE_FRAME_RE.match, lines[start:end + 1]) if m), None)
    return header_path, code_line if header_path else None, None


# --- npm, yarn, pnpm -----------------------------------------------------------------------

NPM_LINE_RE = re.compile(r"^(?P<prefix>\s*npm (?:ERR!|error))(?: (?P<text>.*))?$")
NPM_CODE_RE = re.compile(r"^code (?P<code>\S+)$")
# What npm prints around every failure: where logs went, and the failing script's place.
NPM_BOILERPLATE_RE = re.compile(
    r"^(?:A complete log of this run|Log files were not written|For a full report see|"
    r"[\w/.~*-]+\.log$|[\w/.~*-]+\.txt$|errno |syscall |path |cwd |workspace |location |$)"
)
PNPM_RE = re.compile(r"^\s*(?P<code>ERR_PNPM_[A-Z0-9_]+)\s+(?P<message>.+)$")


def parse_node_package_manager(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    pnpm = PNPM_RE.match(lines[index])
    if pnpm:
        return Draft(start=index, end=block_end(lines, index),
                     message=pnpm.group("message").strip(), error_type=pnpm.group("code"),
                     ecosystem=Ecosystem.NODE)
    head = NPM_LINE_RE.match(lines[index])
    if head is None:
        return None
    end = index
    while end + 1 < len(lines) and NPM_LINE_RE.match(lines[end + 1]):
        end += 1
    texts = [(m.group("text") or "").strip() for m in map(NPM_LINE_RE.match, lines[index:end + 1])
             if m]
    code_at = next((i for i, text in enumerate(texts) if NPM_CODE_RE.match(text)), None)
    code = NPM_CODE_RE.match(texts[code_at]).group("code") if code_at is not None else None
    # npm prints its environment (argv, node and npm versions) before the code line; the
    # message is what follows the code.
    after_code = texts[code_at + 1:] if code_at is not None else texts
    meaningful = [t for t in after_code if not NPM_BOILERPLATE_RE.match(t)]
    if not meaningful and code is None:
        return Draft(start=index, end=end, message="", noise=True)
    return Draft(start=index, end=end, message=meaningful[0] if meaningful else f"code {code}",
                 error_type=code, ecosystem=Ecosystem.NODE)


# --- Gradle "What went wrong" ------------------------------------------------------------

GRADLE_WRONG_RE = re.compile(r"^\* What went wrong:\s*$")
GRADLE_SECTION_END_RE = re.compile(r"^\* (?:Try|Exception is|Get more help):")


def parse_gradle(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if not GRADLE_WRONG_RE.match(lines[index]):
        return None
    end = index
    for probe in range(index + 1, min(len(lines), index + 40)):
        if GRADLE_SECTION_END_RE.match(lines[probe]):
            break
        if not is_blank(lines[probe]):
            end = probe
    message = next((lines[i].strip() for i in range(index + 1, end + 1)
                    if not is_blank(lines[i])), "Gradle build failed")
    return Draft(start=index, end=end, message=message, ecosystem=Ecosystem.JAVA,
                 error_type=detect_error_type(message))


# --- exceptions outside Python tracebacks (Node, Java, Ruby, .NET) --------------------------

EXCEPTION_RE = re.compile(
    r"^\s*(?:Exception in thread \"[^\"]*\" |Caused by: |Uncaught |Unhandled(?: exception)?:? |"
    r"\S+ threw exception: |\[?\w+\]? )?"
    r"(?P<cls>(?:[A-Za-z_$][\w$]*\.)*(?:[A-Z][\w$]*)?(?:Error|Exception|Failure|Fault|Rejection)"
    r"[\w$]*)(?: \[(?P<code>[\w-]+)\])?(?:(?::\s*| - )(?P<message>.*))?$"
)
GENERIC_CLASSES = frozenset({"Error", "Exception", "Failure"})
NODE_CODE_RE = re.compile(r"^\s*code: '(?P<code>[A-Z][A-Z0-9_]+)'")
JAVA_FRAME_RE = re.compile(r"^\s+at [\w$.<>]+\([\w$.]+(?::\d+)?\)|^\s+at .*\(Unknown Source\)")


def parse_exception(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    match = EXCEPTION_RE.match(lines[index])
    if match is None:
        return None
    end = block_end(lines, index)
    if match.group("message") is None and end == index:
        return None
    cls = short_class_name(match.group("cls"))
    code = match.group("code") or _node_error_code(lines, index, end)
    message = (match.group("message") or "").strip()
    file, line, column = _first_repo_js_frame(scan, index, end)
    # A plain `Error` says nothing about which error it is; its message and code do.
    error_type = code or (None if cls in GENERIC_CLASSES else cls)
    return Draft(
        start=index, end=end, message=message if cls in GENERIC_CLASSES and message else
        (f"{cls}: {message}" if message else cls),
        error_type=error_type, file=file, line=line, column=column,
        ecosystem=_exception_ecosystem(match.group("cls"), lines[index + 1:end + 1]),
    )


def _node_error_code(lines: Sequence[str], start: int, end: int) -> str | None:
    for index in range(start + 1, min(len(lines), end + 3)):
        code = NODE_CODE_RE.match(lines[index])
        if code:
            return code.group("code")
    return None


def _first_repo_js_frame(
    scan: Scan, start: int, end: int
) -> tuple[str | None, int | None, int | None]:
    for index in range(start + 1, end + 1):
        frame = JS_FRAME_RE.match(scan.lines[index])
        if frame:
            path = scan.repo_path(frame.group("path"))
            if path is not None:
                return path, to_int(frame.group("line")), to_int(frame.group("col"))
    return None, None, None


def _exception_ecosystem(cls: str, body: Sequence[str]) -> Ecosystem | None:
    if cls.startswith(("java.", "javax.", "kotlin.", "org.", "com.", "net.", "io.")):
        return Ecosystem.JAVA
    if any(JAVA_FRAME_RE.match(line) for line in body[:3]):
        return Ecosystem.JAVA
    if any(JS_FRAME_RE.match(line) or "node:internal" in line for line in body[:5]):
        return Ecosystem.NODE
    return None


# --- summaries printed by linters, test runners and build tools ----------------------------

SUMMARY_RE = re.compile(
    r"^\s*(?:✖ \d+ problems? \(\d+ errors?"                     # eslint
    r"|(?:\[[^\]]*\] )?Found \d+ errors?\b"                     # ruff, mypy, tsc --watch
    r"|Interrupted: \d+ errors? during collection"              # pytest
    r"|=+ .*\b\d+ (?:failed|errors?)\b.* =+$"                   # pytest
    r"|Tests?: +\d+ failed"                                     # jest
    r"|error: could not compile"                                # cargo
    r"|make(?:\[\d+\])?: \*\*\* .*Error \d+"                    # make
    r"|FAILURE: Build failed"                                   # gradle
    r"|BUILD FAILED"                                            # gradle, ant
    r"|\[ERROR\] BUILD FAILURE"                                 # maven
    r"|Build FAILED\."                                          # msbuild
    r"|FAIL\s+\S+\s+[\d.]+s$"                                   # go test
    r")"
)


def parse_summary(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    if not SUMMARY_RE.match(line):
        return None
    return Draft(start=index, end=index, message=line.strip(), error_type=detect_error_type(line))


# --- lines that say "error" (or an unmistakable failure) without a known tool format -------

GENERIC_ERROR_RE = re.compile(
    r"^\s*(?:[\w@#.\-/]+:? ){0,2}?"
    r"(?:\[(?:ERROR|FATAL|error|fatal|Error)\]"
    r"|(?:FATAL ERROR|[Ff]atal error|ERROR|Error|error|FATAL|Fatal|fatal|E|ERR!|ERR)"
    r"(?:\[[\w-]+\])?:"
    r"|ERR!|(?:error|ERROR) (?=[A-Z`'\"]))"
    r"\s*(?P<message>\S.*)$"
)
SOFT_ERROR_RE = re.compile(
    r"^\s*(?:[\w.\-/]+: ){0,2}(?P<message>(?:[A-Z][\w.-]* )?(?i:could not|couldn't|cannot|"
    r"can't|unable to|failed to)\b.*"
    r"|(?:No such file|Permission denied|No space left|Killed|Segmentation fault|Aborted|"
    r"Bus error|Out of memory|Unsupported|Invalid|Missing)\b.*"
    r"|HTTP [45]\d\d\b.*)$"
)
SHELL_ERROR_RE = re.compile(
    r"^\s*(?P<source>[^\s:][^:]*):(?: line (?P<line>\d+):)? (?P<message>(?:[^:]+: )?"
    r"(?:command not found|Permission denied|No such file or directory|not found|"
    r"bad interpreter.*))$"
)
DOCKERFILE_LOCATION_RE = re.compile(rf"^\s*(?P<path>{PATH}):(?P<line>\d+)$")


def parse_generic(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    line = lines[index]
    shell = SHELL_ERROR_RE.match(line)
    if shell:
        return Draft(start=index, end=index, message=shell.group("message").strip(),
                     ecosystem=Ecosystem.SHELL)
    match = GENERIC_ERROR_RE.match(line) or SOFT_ERROR_RE.match(line)
    if match is None or line.lstrip().lower().startswith("warning"):
        return None
    message = match.group("message").strip()
    draft = Draft(start=index, end=block_end(lines, index), message=message,
                  error_type=detect_error_type(line))
    location = _nearby_dockerfile_location(scan, index)
    if location is not None:
        draft.file, draft.line = location
        draft.ecosystem = Ecosystem.DOCKER
    return draft


def _nearby_dockerfile_location(scan: Scan, index: int) -> tuple[str, int | None] | None:
    """BuildKit prints the failing Dockerfile line as `path/Dockerfile:35` near its errors."""
    lines = scan.lines
    for probe in range(max(0, index - LOOKAROUND_LINES), min(len(lines), index + LOOKAROUND_LINES)):
        match = DOCKERFILE_LOCATION_RE.match(lines[probe])
        if match and "dockerfile" in match.group("path").lower():
            path = scan.repo_path(match.group("path"))
            if path is not None:
                return path, to_int(match.group("line"))
    return None


PARSERS: tuple[Parser, ...] = (
    parse_workflow_command,
    parse_python_traceback,
    parse_pytest_section,
    parse_rust,
    parse_go,
    parse_cmake,
    parse_gradle,
    parse_jest,
    parse_eslint_stylish,
    parse_node_package_manager,
    parse_located,
    parse_summary,
    parse_exception,
    parse_generic,
)
