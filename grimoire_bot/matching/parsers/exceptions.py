"""Exceptions outside Python tracebacks (Node, Java, Kotlin, Ruby, .NET) and Gradle's
"What went wrong" report."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..blocks import (
    LINE_PATH,
    STACK_FRAME_RE,
    Draft,
    block_end,
    detect_error_type,
    is_blank,
    short_class_name,
)
from ..ecosystems import Ecosystem
from ..prefilter import ERRORISH_TEXT
from .javascript import JS_FRAME_RE
from .scan import Location, Scan
from .stacks import (
    DOTNET_FRAME_RE,
    DOTNET_PLACE_FIRST_FRAME_RE,
    first_stack_frame,
    stack_end,
    stack_start,
)

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
    said = [lines[i].strip() for i in range(index + 1, end + 1) if not is_blank(lines[i])]
    message = said[0] if said else "Gradle build failed"
    # The cause Gradle nests below its summary (`> java.lang.UnsupportedClassVersionError:
    # ...`) names the error's type when the summary does not.
    error_type = next(
        (found for line in said if (found := detect_error_type(line.lstrip("> ")))), None
    )
    return Draft(
        start=index,
        end=end,
        message=message,
        ecosystem=Ecosystem.JAVA,
        error_type=error_type,
    )


# --- exceptions outside Python tracebacks (Node, Java, Ruby, .NET) --------------------------

# .NET's test runners put a space before the colon: `Shouldly.ShouldAssertException : ...`.
EXCEPTION_RE = re.compile(
    r"^\s*(?:\(node:\d+\) UnhandledPromiseRejectionWarning: )?"
    r"(?:Exception in thread \"[^\"]*\" |Caused by: |Uncaught |"
    r"Unhandled(?: exception| rejection)?:? |\S+ threw exception: |\[?\w+\]? )?"
    r"(?P<cls>(?:[A-Za-z_$][\w$]*\.)*(?:[A-Z][\w$]*)?(?:Error|Exception|Failure|Fault|Rejection)"
    r"[\w$]*)(?: \[(?P<code>[\w-]+)\])?(?:(?: ?:\s*| - )(?P<message>.*))?$"
)
GENERIC_CLASSES = frozenset({"Error", "Exception", "Failure"})
NODE_CODE_RE = re.compile(r"^\s*code: '(?P<code>[A-Z][A-Z0-9_]+)'")
# Jest prints an assertion's Expected/Received lines between the error and its stack, and
# Node 12 on the modules that required the one it could not find (`Require stack:`, `- a.js`).
STACK_GAP_LINES = 8
REQUIRE_STACK_RE = re.compile(r"^(?:Require stack:|- \S.*)$")
# An assertion's failure, as Node's assert, Chai, expect.js and Jest's expect word it.
ASSERTION_RE = re.compile(r"AssertionError|\bexpected\b|\bExpected\b|\bexpect\(")
TEST_FILE_RE = re.compile(
    r"(?:^|/)(?:tests?|__tests__|specs?|e2e)/|[._-](?:test|spec|e2e)\.[cm]?[jt]sx?$"
)
NODE_INTERNAL_FRAME_RE = re.compile(r"^\s+at (?:.*? \()?node:")  # the stack's top, in Node
# `django.db.utils.OperationalError`, `psycopg2.errors.UndefinedTable`: lower-case modules
# before the class are Python's way (Java's packages are told apart above, .NET and Elixir
# capitalise their namespaces, Ruby writes `::`).
PYTHON_QUALIFIED_CLASS_RE = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*\.[A-Z]\w*$")
# Ruby's backtrace below its exception, gems first (`vendor/bundle/...`), then the app's.
RUBY_FRAME_RE = re.compile(rf"^\s*(?P<path>{LINE_PATH}):(?P<line>\d+):in [`'\u2018]")
RUBY_BACKTRACE_LINES = 60
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
    asserted = ASSERTION_RE.search(lines[index]) is not None
    frame = (
        _js_frame(scan, index + 1, end + 1, asserted)
        or first_stack_frame(scan, index + 1, end + 1)
        or scan.first_repo_frame(index + 1, index + RUBY_BACKTRACE_LINES, RUBY_FRAME_RE)
    )
    if frame is None:
        stack = _stack_after(lines, end)
        if stack is not None:
            end = block_end(lines, stack)
            frame = _js_frame(scan, stack, end + 1, asserted)
    if frame is None:
        stack = stack_start(lines, end)
        if stack is not None:
            end = max(block_end(lines, stack), stack_end(lines, stack))
            frame = first_stack_frame(scan, stack, end + 1)
    # A plain `Error` says nothing about which error it is; its message and code do.
    generic = cls in GENERIC_CLASSES
    if message:
        message = message if generic else f"{cls}: {message}"
    return Draft(
        start=index,
        end=end,
        message=message or cls,
        error_type=code or (None if generic else cls),
        file=frame.file if frame else None,
        line=frame.line if frame else None,
        column=frame.column if frame else None,
        ecosystem=_exception_ecosystem(match.group("cls"), lines[index + 1 : end + 1]),
    )


def _js_frame(scan: Scan, start: int, stop: int, asserted: bool) -> Location | None:
    """The innermost repository frame of a JavaScript stack; for a failed assertion, the
    first frame in a test file, the test that made it. Frames above that are the assertion
    library's, which a test runner may print without the `node_modules/` that would mark
    them (`at Assertion.assert (expect.js:100:11)`)."""
    if asserted:
        frames = scan.repo_frames(start, stop, JS_FRAME_RE)
        in_test = next((f for f in frames if TEST_FILE_RE.search(f.file)), None)
        if in_test is not None:
            return in_test
    return scan.first_repo_frame(start, stop, JS_FRAME_RE)


def _stack_after(lines: Sequence[str], end: int) -> int | None:
    """Where the exception's stack starts when a few lines of detail (Jest's Expected and
    Received) separate it from the message, or None (another error, or no stack, first)."""
    for probe in range(end + 1, min(len(lines), end + 1 + STACK_GAP_LINES)):
        line = lines[probe]
        if JS_FRAME_RE.match(line) or NODE_INTERNAL_FRAME_RE.match(line):
            return probe
        if REQUIRE_STACK_RE.match(line):
            continue
        if EXCEPTION_RE.match(line) or STACK_FRAME_RE.match(line) or ERRORISH_TEXT.search(line):
            return None  # another error (ts-node's diagnostics) comes before any stack
    return None


def _node_error_code(lines: Sequence[str], start: int, end: int) -> str | None:
    for index in range(start + 1, min(len(lines), end + 3)):
        code = NODE_CODE_RE.match(lines[index])
        if code:
            return code.group("code")
    return None


def _exception_ecosystem(cls: str, body: Sequence[str]) -> Ecosystem | None:
    if cls.startswith(("java.", "javax.", "kotlin.", "org.", "com.", "net.", "io.")):
        return Ecosystem.JAVA
    if any(JAVA_FRAME_RE.match(line) for line in body[:3]):
        return Ecosystem.JAVA
    if any(JS_FRAME_RE.match(line) or "node:internal" in line for line in body[:5]):
        return Ecosystem.NODE
    if PYTHON_QUALIFIED_CLASS_RE.match(cls):
        return Ecosystem.PYTHON
    return None


# --- .NET test runners (xUnit, NUnit, MSTest through `dotnet test` or their consoles) --------

DOTNET_TEST_FAILURE_RE = re.compile(
    r"^\s*(?:(?:\[xUnit\.net [\d:.]+\]\s+)?(?P<test>\S+) \[FAIL\]"
    r"|Failed (?P<test2>[\w.`<>]+) \[[\d.]+ m?s\]"
    r"|failed (?P<test3>[\w.`<>]+)(?: \([^)\n]*\))? \((?:\d+m )?(?:\d+s )?\d+ms\)"  # dotnet 9
    r"|(?P<assertion>Assert\.\w+\(\) Failure\b.*))\s*$"
)
DOTNET_TEST_LOOKAHEAD = 60


def parse_dotnet_test(scan: Scan, index: int) -> Draft | None:
    """A failed test and its stack's innermost repository frame."""
    lines = scan.lines
    if "FAIL" not in lines[index] and "ail" not in lines[index]:
        return None
    match = DOTNET_TEST_FAILURE_RE.match(lines[index])
    if match is None:
        return None
    stop = min(len(lines), index + DOTNET_TEST_LOOKAHEAD)
    frame = first_stack_frame(scan, index + 1, stop)
    if frame is None:
        return None
    body = [lines[i].strip() for i in range(index, stop) if lines[i].strip()]
    message = match.group("assertion") or next(
        (text for text in body[1:] if text != "Error Message:"), body[0]
    )
    last = next(
        (
            i
            for i in range(stop - 1, index, -1)
            if DOTNET_FRAME_RE.match(lines[i]) or DOTNET_PLACE_FIRST_FRAME_RE.match(lines[i])
        ),
        index,
    )
    return Draft(
        start=index,
        end=last,
        message=message.strip(),
        error_type=detect_error_type(message),
        file=frame.file,
        line=frame.line,
        ecosystem=Ecosystem.DOTNET,
    )
