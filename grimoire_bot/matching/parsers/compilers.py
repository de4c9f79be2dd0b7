"""Compiler and linter diagnostics: `path:line:col` in all its dialects, rustc and
cargo, CMake."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from ..blocks import (
    LINE_PATH,
    PATH,
    Draft,
    block_end,
    detect_error_type,
    is_blank,
    to_int,
)
from ..ecosystems import Ecosystem
from ..locate import (
    BUILD_FOLDER_RE,
    WINDOWS_DRIVE_RE,
    is_absolute,
    join_repo_path,
    package_dir,
    to_slashes,
)
from ..prefilter import ERRORISH_TEXT
from .scan import Location, Scan

NOT_ERRORS = frozenset({"warning", "note", "info", "hint", "remark", "help", "notice", "debug"})
# "error" in the languages javac, MSBuild and gcc are localised into most often.
LOCALISED_ERROR_WORDS = frozenset(
    {"エラー", "错误", "錯誤", "오류", "fehler", "erreur", "errore", "ошибка", "erro", "błąd"}
)


# --- path:line:col diagnostics (gcc, clang, go, mypy, ruff, flake8, tsc, javac, ...) -------

# (Gradle before 4 glued the output of a task to its name: `:app:lintVitalRelease/home/...`;
# Angular 5's compiler says `ERROR in Error at path(1,2): ...`, then `Error at` for the rest.)
TOOL_PREFIX = (
    r"(?:> |[*-] )?(?:(?:ERROR in )?Error at +"
    r"|(?:Error|ERROR|error|vet|\[error\]|\[WARNING\]):? +|\[ERROR\] *|\u274c +"
    r"|(?:Error: )?(?:\[tsl\] )?ERROR in |:[\w-]+(?::[\w-]+)+(?=/))?"
)
# Each pattern with a text its lines always contain, so most lines skip most patterns.
LOCATED_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # gcc, clang, go, mypy, flake8, ruff, rustc --short, javac, shellcheck, eslint unix,
    # and tsc --pretty (`path:1:2 - error TS2307: ...`)
    (
        "",
        re.compile(
            rf"^(?P<indent>\s*){TOOL_PREFIX}(?P<path>{LINE_PATH}):(?P<line>\d+)(?::(?P<col>\d+))?"
            r"(?::\d+(?:-\d+)?)?(?::| -) (?P<rest>.+)$"
        ),
    ),
    # gcc and clang inside a system header, which has no extension (`<cstdlib>`)
    (
        "error",
        re.compile(
            r"^(?P<indent>\s*)(?P<path>(?:[A-Za-z]:)?/[^\s:]+):(?P<line>\d+):(?P<col>\d+): "
            r"(?P<rest>(?:fatal error|error): .+)$"
        ),
    ),
    # tsc, MSBuild, dotnet, MSVC (old ones with a space before the parenthesis), ESLint's
    # visualstudio format: path(line,col): error CODE: message
    (
        "",
        re.compile(
            rf"^(?P<indent>\s*){TOOL_PREFIX}(?P<path>{LINE_PATH}) ?\((?P<line>\d+)"
            r"(?:,(?P<col>\d+))?(?:,\d+,\d+)?\) ?: ?(?P<rest>.+)$"
        ),
    ),
    # Nim: path(12, 8) Error: message, which nimble relays behind `... `; Free Pascal:
    # path(12,8) Error: message (and `Fatal: ` when it stops)
    (
        ") ",
        re.compile(
            rf"^(?P<indent>\s*)(?:\.\.\. +)?(?P<path>{LINE_PATH})\((?P<line>\d+), ?(?P<col>\d+)\) "
            r"(?P<rest>(?:Error|Warning|Hint|Fatal): .+)$"
        ),
    ),
    # Rollup (and Vite's build): path (12:8): message, `file: /abs/path:12:8` below
    (
        "): ",
        re.compile(
            rf"^(?P<indent>\s*)(?P<path>{LINE_PATH}) \((?P<line>\d+):(?P<col>\d+)\): "
            r"(?P<rest>.+)$"
        ),
    ),
    # Delphi: [dcc32 Error] path(12): E2003 message, `[DCC Fatal Error]` in the IDE
    (
        "] ",
        re.compile(
            r"^(?P<indent>\s*)\[(?:dcc\w*|DCC) (?:Fatal )?(?P<level>Error|Warning|Hint)\] "
            rf"(?P<path>{LINE_PATH})\((?P<line>\d+)\): (?P<rest>.+)$"
        ),
    ),
    # buf (lint, breaking, build) and protoc: path.proto:12:8:message, no space after the colon
    (
        ".proto:",
        re.compile(
            r"^(?P<indent>\s*)(?P<path>[^\s:]+\.proto):(?P<line>\d+):(?P<col>\d+):(?P<rest>\S.*)$"
        ),
    ),
    # Maven: [ERROR] /path/Foo.java:[12,8] message; an absolute path may hold spaces (a
    # Jenkins job's name), and a narrow console moves the message to the next line
    (
        "",
        re.compile(
            rf"^(?P<indent>\s*)\[(?P<level>ERROR|WARNING)\] (?P<path>{LINE_PATH}"
            r"|(?:[A-Za-z]:)?[\\/][^\n:\[\]]*?\.[A-Za-z]\w*):\[(?P<line>\d+)"
            r"(?:,(?P<col>\d+))?\](?: (?P<rest>.+)|\s*)$"
        ),
    ),
    # gometalinter and golangci-lint's old line format: path:12::error: message (vet)
    (
        "::",
        re.compile(
            rf"^(?P<indent>\s*)(?P<path>{LINE_PATH}):(?P<line>\d+):(?P<col>\d*):"
            r"(?P<level>error|warning): (?P<rest>.+)$"
        ),
    ),
    # Kotlin: e: /path/Foo.kt: (12, 8): message  and  e: file:///path/Foo.kt:12:8 message;
    # Maven's plugin puts its level first, `[ERROR] /path/Foo.kt: (12, 8) message`, Gradle 2
    # its task (`:core:compileKotlin: /path/Foo.kt: ...`), and a narrow console may move the
    # message to the next line.
    (
        ": ",
        re.compile(
            r"^(?P<indent>\s*)(?:(?P<level>e(?=:)|w(?=:)|\[ERROR\]|\[WARNING\]):? "
            r"|:[\w:-]+: (?=.*\.kts?: \())"
            rf"(?:file:///?(?=[A-Za-z]:)|file://)?(?P<path>{LINE_PATH})"
            r"(?:: \((?P<line>\d+), (?P<col>\d+)\):?|:(?P<line2>\d+):(?P<col2>\d+):?)"
            r"(?: (?P<rest>\S.*)|\s*)$"
        ),
    ),
    # kotlinc before 1.4 without its level, as a paste may show it: path: (12, 8): message
    (
        ": (",
        re.compile(
            rf"^(?P<indent>\s*)>?(?P<path>{LINE_PATH}): "
            r"\((?P<line>\d+), (?P<col>\d+)\): (?P<rest>.+)$"
        ),
    ),
    # Flow: `Error ----...---- path:12:5`, the message on the line below
    (
        " ---",
        re.compile(
            rf"^(?P<indent>\s*)(?P<level>Error|Warning) -{{3,}} (?P<path>{PATH}):(?P<line>\d+)"
            r":(?P<col>\d+)\s*$"
        ),
    ),
    # ESLint's codeframe formatter: error: message (rule) at path:12:5:
    (
        " at ",
        re.compile(
            rf"^(?P<indent>\s*)(?P<level>error|warning): (?P<rest>.+?) at (?P<path>{LINE_PATH})"
            r":(?P<line>\d+):(?P<col>\d+):?\s*$"
        ),
    ),
    # Babel: SyntaxError: path: Unexpected token (10:19), behind webpack's `Module build failed`
    (
        "Error: ",
        re.compile(
            r"^(?P<indent>\s*)(?:Module build failed(?: \(from [^)]*\))?: )?"
            rf"(?:SyntaxError|Error): (?P<path>{LINE_PATH}): "
            r"(?P<rest>.+?) \((?P<line>\d+):(?P<col>\d+)\)\s*$"
        ),
    ),
    # cppcheck's template before 1.84 (`--template=gcc` since): [path:12]: (error) message,
    # with `-> [path:14]` for each further place of the same finding
    (
        "]: (",
        re.compile(
            rf"^(?P<indent>\s*)\[(?P<path>{LINE_PATH}):(?P<line>\d+)\](?: -> \[[^\]]+\])*: "
            r"\((?P<level>error|warning)\) (?P<rest>.+)$"
        ),
    ),
    # ESLint compact: path: line 1, col 2, Error - message (rule)
    (
        ", col ",
        re.compile(
            rf"^(?P<indent>\s*)(?P<path>{LINE_PATH}): line (?P<line>\d+), col (?P<col>\d+), "
            r"(?P<level>Error|Warning) - (?P<rest>.+)$"
        ),
    ),
    # TSLint before 5.x's `file:1:2 - ` form: [ERROR: ]path[12, 8]: message
    (
        "]: ",
        re.compile(
            rf"^(?P<indent>\s*)(?:(?P<level>ERROR|WARNING): )?(?P<path>{LINE_PATH})"
            r"\[(?P<line>\d+), (?P<col>\d+)\]: (?P<rest>.+)$"
        ),
    ),
    # Black: error: cannot format src/x.py: Cannot parse for target version Python 3.12: 1:3: ...
    (
        "cannot format ",
        re.compile(
            rf"^(?P<indent>\s*)error: cannot format (?P<path>{LINE_PATH}): (?P<rest>Cannot parse"
            r"(?: for target version [^:]+)?: (?P<line>\d+):(?P<col>\d+): .*)$"
        ),
    ),
    # Ruby: lib/cart.rb:12:in `total': undefined method `price' for nil (NoMethodError)
    (
        ":in ",
        re.compile(
            rf"^(?P<indent>\s*)(?P<path>{PATH}):(?P<line>\d+):in [`'][^'`]*['`]:? "
            r"(?P<rest>.+)$"
        ),
    ),
    # bash: ./script.sh: line 3: foo: command not found
    (
        ": line ",
        re.compile(rf"^(?P<indent>\s*)(?P<path>{PATH}): line (?P<line>\d+): (?P<rest>.+)$"),
    ),
    # hadolint (and the ShellCheck codes it runs): Dockerfile:12 DL3008 warning: message;
    # `/dev/stdin` or `-` when the Dockerfile was piped in (`hadolint - < Dockerfile`)
    (
        "",
        re.compile(
            rf"^(?P<indent>\s*)(?:[*-] )?(?P<path>{LINE_PATH}|/dev/stdin|-):(?P<line>\d+) "
            r"(?P<rest>(?:DL|SC)\d{4} .+)$"
        ),
    ),
    # Bazel about a build file, which has no extension: ERROR: /path/BUILD:5:1: message
    (
        "ERROR: ",
        re.compile(
            r"^(?P<indent>\s*)(?P<level>ERROR): (?P<path>(?:[A-Za-z]:)?(?:[^\s:]*[\\/])?"
            r"(?:BUILD|WORKSPACE)):(?P<line>\d+):(?P<col>\d+): (?P<rest>.+)$"
        ),
    ),
    # MSBuild about a file as a whole: path : error CODE: message
    (
        " error ",
        re.compile(
            rf"^(?P<indent>\s*)(?P<path>{LINE_PATH}) ?: (?P<rest>(?:fatal )?error [A-Z]+\d+: .+)$"
        ),
    ),
    # webpack's loaders and fork-ts-checker: the location alone, the diagnostic on the next
    # line (`[tsl] ERROR in path(1,2)`, `ERROR in path:1:2`, webpack 5's `ERROR in path 1:2-9`)
    (
        "ERROR in ",
        re.compile(
            rf"^(?P<indent>\s*)(?:Error: )?(?:\[tsl\] )?ERROR in (?P<path>{LINE_PATH})"
            r"(?:\((?P<line>\d+),(?P<col>\d+)\)|:(?P<line2>\d+):(?P<col2>\d+)"
            r"| (?P<line3>\d+):(?P<col3>\d+)(?:-\d+)?)\s*$"
        ),
    ),
)
SEVERITY_RE = re.compile(
    r"^(?P<severity>fatal error|error|warning|note|info|hint|remark|Error|Warning|Hint)"
    r"(?:\[(?P<bracket>[\w-]+)\])?(?: (?P<code>[A-Z]{1,6}\d{2,6}))?:? (?P<message>.*)$"
)
LINT_CODE_RE = re.compile(r"^(?P<code>[A-Z]{1,4}\d{2,5})(?: \[\*\])? (?P<message>.+)$")
MYPY_CODE_RE = re.compile(r"\s\s\[(?P<code>[a-z][\w-]*)\]\s*$")
ESLINT_UNIX_RULE_RE = re.compile(r"\s\[(?P<level>Error|Warning)/(?P<rule>[@\w/-]+)\]$")
PYTHON_WARNING_RE = re.compile(r"^[A-Z]\w*Warning\b")
SHELLCHECK_CODE_RE = re.compile(r"\[(?P<code>SC\d{4})\]\s*$")
# What pytest's `--tb=line` and `--tb=short` put after `path.py:12: `.
PYTEST_CRASH_RE = re.compile(
    r"^(?:assert |Failed: |[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Failure)\b)"
)
CODE_ECOSYSTEMS = (
    ("TS", Ecosystem.TYPESCRIPT),
    ("CS", Ecosystem.DOTNET),
    ("MSB", Ecosystem.DOTNET),
    ("NU", Ecosystem.DOTNET),
)

STDIN_PATHS = frozenset({"/dev/stdin", "-"})
INLINE_CODE_RE = re.compile(r"`([^`\n]{8,})`")
# The levels a linter may print after its code (hadolint: `DL3008 warning: ...`).
CODE_LEVELS = frozenset({"error", "warning", "info", "style"})
# MSBuild names the project after each diagnostic; a relative file is relative to its
# folder. The bracket may be wrapped onto the next lines by the console's width.
MSBUILD_PROJECT_RE = re.compile(
    r"\[(?P<project>[^\[\]]+\.(?:[a-z]{2,6}proj|proj|sln|targets|props|metaproj))\]\s*$",
    re.IGNORECASE,
)
MSBUILD_PROJECT_LINES = 6
# A diagnostic about a compiled artifact is a project problem (a reference, a build step).
BINARY_SUFFIXES = (".dll", ".exe", ".lib", ".obj", ".pdb", ".winmd", ".so", ".a", ".o")

# Hard-wrapped lines: a console of fixed width cut a path or a `file(line,col)` in two.
WRAP_MIN_CHARS = 60
CONSOLE_WIDTHS = frozenset({80, 100, 120, 128, 132, 140, 150, 160, 200})
CUT_TAIL_CHARS = 24
# awesome-typescript-loader and webpack: the file on one line, `(line,col): error` below.
BARE_PATH_LINE_RE = re.compile(rf"^\s*(?:Error: |ERROR in )?(?P<path>{LINE_PATH})\s*$")
LOCATION_FIRST_RE = re.compile(r"^\(\d+,\d+\): ")

# gcc and clang say which repository file included the header an error sits in.
INCLUDED_FROM_RE = re.compile(
    rf"^(?:In file included from|\s+from) (?P<path>{LINE_PATH}|[^\s:]+):(?P<line>\d+)(?::\d+)?[:,]$"
)
INCLUDE_CHAIN_LINES = 40
# ... and which repository line asked for the template that failed.
INSTANTIATED_AT_RE = re.compile(
    rf"^(?P<path>{LINE_PATH}):(?P<line>\d+):(?P<col>\d+):(?:\s+required from here"
    r"| note: in instantiation of .* requested here)"
)
INSTANTIATION_LINES = 20
# gcc's template backtrace (`x.h:27:30:   required from here`, `... required from 'f<T>'`,
# `recursively required by substitution ...`): it belongs to the warning or error below it.
# Bazel names the BUILD rule whose action failed; the tool it ran prints the error's place.
BAZEL_ACTION_FAILED_RE = re.compile(
    r"^(?:Compiling|Linking|Building|Executing genrule|C\+\+ compilation of rule|Action) "
    r".*\bfailed\b"
)
TEMPLATE_CONTEXT_RE = re.compile(r"^(?:recursively )?required (?:from|by) ")
GO_PACKAGE_HEADER_RE = re.compile(r"^# (?P<package>[\w.\-/]+)$")
GO_HEADER_LOOKBACK = 50
# GoogleTest places a failed assertion as `file:line: Failure` and says what failed on the
# lines below it (`Expected equality of these values:`, `Value of: x`), up to the test's
# verdict (`[  FAILED  ] Suite.Test`) or the next assertion.
GTEST_FAILURE = "Failure"
GTEST_END_RE = re.compile(r"^\[ {0,2}[A-Z ]{2,10}\]|^\S+:\d+: Failure$")
GTEST_MESSAGE_LINES = 8
GTEST_MESSAGE_CHARS = 300
# How GoogleTest's (and gMock's) explanations start, or the test it runs above them.
GTEST_SAYS_RE = re.compile(
    r"^(?:Expected|Value of:|Actual|Failed|Death test|The difference between|Which is"
    r"|Mock function|Uninteresting mock|Actual function call count|\S+ evaluates to)"
)
GTEST_RUN = "[ RUN      ]"
GTEST_RUN_LOOKBACK = 40


# A compiler diagnostic glued to the end of another tool's progress output.
EMBEDDED_DIAGNOSTIC_RE = re.compile(
    rf"(?P<indent>)(?P<path>{PATH})(?::(?P<line>\d+):(?P<col>\d+) - |\((?P<line2>\d+),"
    r"(?P<col2>\d+)\): )(?P<rest>error [A-Z]{2,4}\d{3,5}: .+)$"
)
# A compiler's `path:line:col: error: ...` behind its own progress counter on the same line
# (zig's `Semantic Analysis [1964/2886] ./build.zig:142:41: error: ...`).
PROGRESS_DIAGNOSTIC_RE = re.compile(
    rf"\[\d+/\d+\] (?P<indent>)(?P<path>{PATH}):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<rest>(?:fatal )?error: .+)$"
)


def parse_located(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    wrapped = _wrapped_location(scan, index)
    if wrapped is not None:
        return wrapped
    match = located_match(lines[index])
    if match:
        return _located_draft(scan, index, match, index)
    if "`" in lines[index]:
        # A diagnostic quoted in a sentence: `src/a.py:16:1: F401 'os' imported but unused`.
        for span in INLINE_CODE_RE.findall(lines[index]):
            quoted = located_match(span)
            if quoted:
                return _located_draft(scan, index, quoted, index)
    embedded = EMBEDDED_DIAGNOSTIC_RE.search(lines[index]) if " error " in lines[index] else None
    if embedded is None and "] " in lines[index] and ": error: " in lines[index]:
        embedded = PROGRESS_DIAGNOSTIC_RE.search(lines[index])
    if embedded:
        return _located_draft(scan, index, embedded, index)
    return None


def located_match(line: str) -> re.Match[str] | None:
    for literal, pattern in LOCATED_PATTERNS:
        if literal in line:
            match = pattern.match(line)
            if match:
                return match
    return None


def _wrapped_location(scan: Scan, index: int) -> Draft | None:
    """A diagnostic whose location was cut across this line and the one before or after:
    a console's width (MSBuild, Windows, Xcode logs) or a loader printing the file alone."""
    lines = scan.lines
    line = lines[index]
    previous = lines[index - 1] if index > 0 else ""
    split_location = LOCATION_FIRST_RE.match(line) and BARE_PATH_LINE_RE.match(previous)
    if (
        (_looks_cut(previous) or split_location)
        and (not _names_a_folder(located_match(line)) or _is_cut_path(previous, scan))
        and located_match(previous) is None
    ):
        joins = [previous.rstrip() + line.strip()] if split_location else _joins(previous, line)
        for joined in joins:
            match = located_match(joined)
            if match and match.start("path") < len(previous.rstrip()) <= match.end("path") + 8:
                return _located_draft(scan, index - 1, match, index)
    if index + 1 < len(lines) and _looks_cut(line) and located_match(line) is None:
        for joined in _joins(line, lines[index + 1]):
            match = located_match(joined)
            if match and match.end("path") >= len(line.rstrip()) - 8:
                return _located_draft(scan, index, match, index + 1)
    return None


def _names_a_folder(match: re.Match[str] | None) -> bool:
    """Whether a line read alone already names a file in a folder: then it is not the
    tail of a path cut on the line above (which leaves a bare fragment, `er.swift`)."""
    return match is not None and any(sep in match.group("path") for sep in "/\\")


def _is_cut_path(line: str, scan: Scan) -> bool:
    """A line that is nothing but the start of an absolute path and exactly as long as a
    console is wide: the console cut it, so even a line below that names a folder of its
    own is the rest of it (a path that merely ends a line is not cut). A console's width is
    a usual one, or the log's own (`Scan.console_width`)."""
    text = line.strip()
    absolute = text.startswith(("/", "\\")) or bool(WINDOWS_DRIVE_RE.match(text.replace("\\", "/")))
    if not absolute or " " in text:
        return False
    width = len(line.rstrip())
    return width in CONSOLE_WIDTHS or width == scan.console_width


def _looks_cut(line: str) -> bool:
    """Long, and ending in a long run without spaces: the kind of line a console's width
    cuts inside a path (prose ends elsewhere)."""
    return len(line) >= WRAP_MIN_CHARS and " " not in line[-CUT_TAIL_CHARS:]


def _joins(first: str, second: str) -> list[str]:
    """The two ways a cut line reads whole: cut inside a word, or at a space. A line that
    starts with `./` names a path of its own (webpack 5 prints the module's relative path
    under its absolute one), never the rest of a cut one."""
    rest = second.strip()
    if rest.startswith(("./", ".\\")):
        return []
    return [first + rest, first + " " + rest]


def _located_draft(scan: Scan, index: int, match: re.Match[str], last_line: int) -> Draft | None:
    groups = match.groupdict()
    if (groups.get("level") or "e").strip("[]").lower() in ("warning", "w", "hint"):
        return _as_warning(scan, index, match)
    raw_path = match.group("path")
    rest = (groups.get("rest") or _next_text(scan.lines, last_line)).strip()
    if not rest:
        return None
    if rest.startswith("in ") and " " not in rest[3:].strip():
        return None  # a pytest traceback location line, not an error
    if TEMPLATE_CONTEXT_RE.match(rest):
        return None  # where gcc instantiated a template: context of the diagnostic below
    if BAZEL_ACTION_FAILED_RE.match(rest) and re.split(r"[\\/]", raw_path)[-1].startswith("BUILD"):
        return _as_warning(scan, index, match)  # the compiler's own error below says where
    if PYTHON_WARNING_RE.match(rest) or (ESLINT_UNIX_RULE_RE.search(rest) and "[Warning/" in rest):
        return None
    message, error_type = _diagnostic_message(rest)
    if message is None:
        return _as_warning(scan, index, match) if _is_warning(rest) else None
    if rest == GTEST_FAILURE:
        message = _gtest_assertion(scan.lines, last_line) or message
    has_column = groups.get("col") or groups.get("col2") or groups.get("col3")
    if (
        error_type is None
        and not has_column
        and not ERRORISH_TEXT.search(rest)
        and not _speaks_without_severity(raw_path, groups.get("indent") or "", rest)
        and not _marked_as_error(match.string[: match.start("path")])
        and (groups.get("level") or "").lower() not in ("error", "e")
        and not _localised_error(rest)
    ):
        return None  # `file:12: text` with no severity, code or column: a grep hit, a t.Log
    error_type = error_type or detect_error_type(rest)
    end = max(block_end(scan.lines, index), last_line)
    if "rest" not in groups:
        end = max(end, last_line + 1)
    line = to_int(groups.get("line") or groups.get("line2") or groups.get("line3"))
    column = to_int(groups.get("col") or groups.get("col2") or groups.get("col3"))
    if raw_path in STDIN_PATHS and rest.startswith("DL"):
        raw_path = "Dockerfile"  # hadolint read it from standard input
    file = scan.repo_path(raw_path)
    project = _msbuild_project(scan, last_line, rest)
    if project is not None:
        file, line, column = _in_project(scan, raw_path, file, project, line, column)
    elif file is None:
        cause = _repository_cause(scan, index, end)
        if cause is not None:
            file, line, column = cause.file, cause.line, cause.column
    elif raw_path.endswith(".go") and "/" not in file:
        file = _in_go_package(scan, index, file)
    else:
        file = scan.repo_path_at(raw_path, index) or file
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=error_type,
        file=file,
        line=line,
        column=column,
        ecosystem=_code_ecosystem(error_type),
    )


def _is_warning(rest: str) -> bool:
    severity = SEVERITY_RE.match(rest)
    if severity is not None:
        return severity.group("severity").lower() == "warning"
    lint = LINT_CODE_RE.match(rest)
    # hadolint fails at `info` by default: its info findings are what a red job shows.
    return lint is not None and lint.group("message").lower().startswith(
        ("warning:", "style:", "info:")
    )


def _as_warning(scan: Scan, index: int, match: re.Match[str]) -> Draft | None:
    """A located warning, kept aside in case the log locates no error at all."""
    groups = match.groupdict()
    file = scan.repo_path_at(match.group("path"), index)
    rest = (groups.get("rest") or "").strip()
    if file is None or not rest:
        return None
    severity = SEVERITY_RE.match(rest)
    message = severity.group("message") if severity else rest
    lint = None if severity else LINT_CODE_RE.match(rest)
    if lint is not None:
        message = lint.group("message").partition(": ")[2] or lint.group("message")
    return Draft(
        start=index,
        end=index,
        message=message.strip(),
        error_type=(severity.group("code") if severity else lint.group("code") if lint else None)
        or detect_error_type(rest),
        file=file,
        line=to_int(groups.get("line") or groups.get("line2") or groups.get("line3")),
        column=to_int(groups.get("col") or groups.get("col2") or groups.get("col3")),
        warning=True,
    )


def _gtest_assertion(lines: Sequence[str], index: int) -> str:
    """What GoogleTest says failed, from the lines below its `file:line: Failure`, on one
    line: `Expected equality of these values: add(2, 2) Which is: 5 4`."""
    first = _next_text(lines, index).strip()
    ran_above = any(GTEST_RUN in line for line in lines[max(0, index - GTEST_RUN_LOOKBACK) : index])
    if not GTEST_SAYS_RE.match(first) and not ran_above:
        return ""  # another tool's `file:line: Failure`: what follows is not its message
    said: list[str] = []
    for probe in range(index + 1, min(len(lines), index + 1 + GTEST_MESSAGE_LINES)):
        line = lines[probe].strip()
        if not line or GTEST_END_RE.match(line):
            break
        said.append(line)
    return " ".join(said)[:GTEST_MESSAGE_CHARS]


def _next_text(lines: Sequence[str], index: int) -> str:
    """The diagnostic a location-only line announces: the next line with text."""
    for probe in range(index + 1, min(len(lines), index + 3)):
        if not is_blank(lines[probe]):
            return lines[probe]
    return ""


def _speaks_without_severity(path: str, indent: str, rest: str) -> bool:
    """Tools whose diagnostics have no severity word: go vet and go build before Go 1.10
    (`file.go:12: msg`, never indented, unlike a test's log lines), pytest's crash
    lines (`test_x.py:12: assert ...`, `...: Failed: ...`) and GNU make's fatal errors in
    any language (`Makefile:14: *** missing separator.  Stop.`)."""
    if path.endswith(".go"):
        return not indent
    if rest.startswith("*** "):
        return True
    return path.endswith(".py") and bool(PYTEST_CRASH_RE.match(rest))


def _marked_as_error(prefix: str) -> bool:
    """Whether the wrapper's prefix before the path already says error: sbt's `[error] `
    around scalac's `File.scala:9: ';' expected`, which has no severity of its own."""
    return "error" in prefix.lower()


def _localised_error(rest: str) -> bool:
    """Whether a compiler speaking the system's language says error (javac's `エラー: `)."""
    return rest.split(":", 1)[0].strip().lower() in LOCALISED_ERROR_WORDS


def _msbuild_project(scan: Scan, index: int, rest: str) -> str | None:
    """The project MSBuild names after a diagnostic, joining lines the console cut."""
    text = rest.rstrip()
    lines = scan.lines
    probe = index + 1
    while (
        not text.endswith("]")
        and probe < min(len(lines), index + 1 + MSBUILD_PROJECT_LINES)
        and len(lines[probe - 1]) >= WRAP_MIN_CHARS  # the console cuts at its width
        and not is_blank(lines[probe])
    ):
        text += lines[probe].strip()
        probe += 1
    match = MSBUILD_PROJECT_RE.search(text)
    return match.group("project") if match else None


def _in_project(
    scan: Scan,
    raw_path: str,
    file: str | None,
    project: str,
    line: int | None,
    column: int | None,
) -> tuple[str | None, int | None, int | None]:
    """Where an MSBuild diagnostic is: its file, relative to the project's folder when it
    was printed relative; the project itself when the file is a compiled artifact."""
    project_path = scan.repo_path(project) or scan.path(project)
    if raw_path.lower().endswith(BINARY_SUFFIXES):
        return project_path, None, None
    if file is None or is_absolute(to_slashes(raw_path)):
        return file, line, column
    folder = posixpath.dirname(project_path)
    if not folder or folder == "." or file.lower().startswith(folder.lower() + "/"):
        return file, line, column
    # Joined before `..` is resolved: `..\..\lib\x.cpp` from `build/lib/base`.
    joined = posixpath.normpath(f"{folder}/{to_slashes(raw_path)}")
    if joined.startswith("../") or is_absolute(joined):
        joined = posixpath.normpath(f"{folder}/{file}")
    return joined, line, column


def _repository_cause(scan: Scan, index: int, end: int) -> Location | None:
    """For an error inside a file outside the repository (a system header): the repository
    line that asked for the failing template, else the repository file that included it."""
    instantiated = scan.first_repo_frame(
        max(0, index - INSTANTIATION_LINES), end + INSTANTIATION_LINES, INSTANTIATED_AT_RE
    )
    if instantiated is not None:
        return instantiated
    return _includer(scan, index)


def _includer(scan: Scan, index: int) -> Location | None:
    """The innermost repository file of the "In file included from" chain above `index`:
    gcc lists the chain innermost first (`from` lines), clang outermost first."""
    chain: list[tuple[str, Location | None]] = []
    probe = index - 1
    lowest = max(-1, index - INCLUDE_CHAIN_LINES)
    while probe > lowest:
        match = INCLUDED_FROM_RE.match(scan.lines[probe])
        if match is None:
            if chain or not _is_instantiation_note(scan.lines[probe]):
                break
            probe -= 1
            continue
        path = scan.repo_path(match.group("path"))
        location = Location(path, to_int(match.group("line"))) if path else None
        chain.append((scan.lines[probe].lstrip()[:4], location))
        probe -= 1
    chain.reverse()  # in print order
    if not chain:
        return None
    gcc_style = len(chain) > 1 and chain[1][0] == "from"
    ordered = chain if gcc_style else list(reversed(chain))
    return next((location for _, location in ordered if location is not None), None)


def _is_instantiation_note(line: str) -> bool:
    return ": In instantiation of " in line or "required from" in line


def _in_go_package(scan: Scan, index: int, file: str) -> str:
    """A bare Go file name joined to the folder of the `# package` header above it."""
    for probe in range(index - 1, max(-1, index - GO_HEADER_LOOKBACK), -1):
        header = GO_PACKAGE_HEADER_RE.match(scan.lines[probe])
        if header:
            return join_repo_path(package_dir(header.group("package"), scan.hints), file)
        if not located_match(scan.lines[probe]):
            break
    return file


def _diagnostic_message(rest: str) -> tuple[str | None, str | None]:
    """(message, error type) of a diagnostic's text after its location; None: not an error."""
    shellcheck = SHELLCHECK_CODE_RE.search(rest)
    if shellcheck is not None:
        # ShellCheck fails a job on notes and warnings alike.
        severity = SEVERITY_RE.match(rest)
        text = severity.group("message") if severity else rest
        return text[: text.rfind("[")].strip(), shellcheck.group("code")
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
        level, _, said = lint.group("message").partition(": ")
        if said and level.lower() in CODE_LEVELS:  # hadolint: `DL3008 warning: message`
            return (said.strip(), lint.group("code")) if level.lower() == "error" else (None, None)
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


# --- the location alone, an excerpt, then `Error:` (gfortran, OCaml) ------------------------

# gfortran: `src/a.f90:16:30:` (`a.f90:740.68:` before 4.5), the source line with a `1` under
# the place, then `Error: Symbol 'n' at (1) has no IMPLICIT type`. OCaml (ocamlc, dune):
# `File "src/a.ml", line 5, characters 8-26:` (`lines 5-7` for a span), the excerpt since
# 4.08, then `Error: Unbound value f`, or `Error (warning 32 [unused-value-declaration]): ...`.
EXCERPTED_LOCATION_RE = re.compile(
    rf"^\s*(?:(?P<path>{LINE_PATH}):(?P<line>\d+)[:.](?P<col>\d+)"
    r'|File "(?P<quoted>[^"]+)", lines? (?P<line2>\d+)(?:-\d+)?(?:, characters \d+-\d+)?):\s*$'
)
EXCERPTED_ERROR_RE = re.compile(r"^(?:Fatal )?Error(?: \(warning [^)]*\))?: (?P<message>.+)$")
EXCERPTED_WARNING_RE = re.compile(r"^Warning(?: \d+)?(?: \[[\w-]+\])?: ")
EXCERPT_LINES = 12  # two places of one gfortran diagnostic print two excerpts


def parse_excerpted_error(scan: Scan, index: int) -> Draft | None:
    """From the `Error:` line, back to the location above its source excerpt."""
    lines = scan.lines
    head = EXCERPTED_ERROR_RE.match(lines[index])
    if head is None:
        return None
    for probe in range(index - 1, max(-1, index - EXCERPT_LINES), -1):
        if EXCERPTED_ERROR_RE.match(lines[probe]) or EXCERPTED_WARNING_RE.match(lines[probe]):
            return None  # the excerpt above belongs to another diagnostic
        location = EXCERPTED_LOCATION_RE.match(lines[probe])
        if location is not None:
            return Draft(
                start=probe,
                end=index,
                message=head.group("message").strip(),
                file=scan.repo_path_at(location.group("path") or location.group("quoted"), probe),
                line=to_int(location.group("line") or location.group("line2")),
                column=to_int(location.group("col")),
            )
    return None


# --- Scala 3 (dotty) ---------------------------------------------------------------------

# `-- [E006] Not Found Error: src/main/scala/A.scala:31:18 ------`, behind sbt's `[error] `:
# the place in the head line, the message under the excerpt's carets (`|  Not found: x`).
DOTTY_HEAD_RE = re.compile(
    r"^\s*(?:\[(?:error|warn)\] )?-- (?:\[(?P<code>E\d{3,4})\] )?"
    rf"(?P<kind>[\w ]*?)(?P<level>Error|Warning): (?P<path>{LINE_PATH}):(?P<line>\d+):(?P<col>\d+)"
    r"(?: -+)?\s*$"
)
DOTTY_BODY_RE = re.compile(r"^\s*(?:\[(?:error|warn)\])?\s*(?:\d+ )?\|(?P<text>.*)$")
DOTTY_CARETS_RE = re.compile(r"^\s*\^+\s*$")
DOTTY_BODY_LINES = 30


def parse_dotty(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    head = DOTTY_HEAD_RE.match(lines[index])
    if head is None:
        return None
    message, end, after_carets = "", index, False
    for probe in range(index + 1, min(len(lines), index + DOTTY_BODY_LINES)):
        body = DOTTY_BODY_RE.match(lines[probe])
        if body is None:
            break
        end = probe
        text = body.group("text")
        if DOTTY_CARETS_RE.match(text):
            after_carets = True
        elif after_carets and text.strip() and not message:
            message = text.strip()
    file = scan.repo_path_at(head.group("path"), index)
    return Draft(
        start=index,
        end=end,
        message=message or f"{head.group('kind')}{head.group('level')}".strip(),
        error_type=head.group("code"),
        file=file,
        line=to_int(head.group("line")),
        column=to_int(head.group("col")),
        warning=head.group("level") == "Warning",
    )


# --- Visual Studio's Error List, copied as text ---------------------------------------------

# Columns separated by tabs (or by runs of spaces when pasted): severity, a number (before
# VS 2012) or the code, the description, maybe the project, the file, the line, and more:
# `Error  1  error C2065: 'x' : undeclared identifier  C:\src\a.cpp  57  1  proj` or
# `Error  CS0246  The type or namespace name 'X' could not be found  App  C:\src\A.cs  12  Active`
# A localised Visual Studio names the severity in its own language (`错误`, `Fehler`).
ERROR_LIST_ROW_RE = re.compile(
    r"^\s*(?:Error|错误|錯誤|エラー|오류|Fehler|Erreur|Errore|Ошибка|Erro|Błąd)(?:\t|\s{2,})\S"
)
ERROR_LIST_COLUMNS_RE = re.compile(r"\t+\s*|\s{2,}")
ERROR_LIST_PATH_RE = re.compile(LINE_PATH)
ERROR_LIST_CODE_RE = re.compile(r"^[A-Z]{1,6}\d{2,6}$")
ERROR_LIST_DESCRIPTION_LINES = 8


def parse_error_list(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if not ERROR_LIST_ROW_RE.match(lines[index]):
        return None
    row, end = lines[index].strip(), index
    columns = ERROR_LIST_COLUMNS_RE.split(row)
    place = _error_list_file_column(columns)
    # A description of several lines (NuGet's NU1102 lists every source it searched) has
    # the row's other columns after its last line.
    while place is None and end - index < ERROR_LIST_DESCRIPTION_LINES and end + 1 < len(lines):
        following = lines[end + 1].strip()
        if not following or ERROR_LIST_ROW_RE.match(following):
            return None
        row, end = f"{row} {following}", end + 1
        columns = ERROR_LIST_COLUMNS_RE.split(row)
        place = _error_list_file_column(columns)
    if place is None:
        return None
    described = [c for c in columns[1:place] if not c.isdigit()]
    code = described.pop(0) if described and ERROR_LIST_CODE_RE.match(described[0]) else None
    if not described:
        return None
    message, error_type = _diagnostic_message(described[0])
    if message is None:
        return None
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=code or error_type or detect_error_type(message),
        file=scan.repo_path(columns[place]),
        line=to_int(columns[place + 1]),
        ecosystem=_code_ecosystem(code or error_type),
    )


def _error_list_file_column(columns: list[str]) -> int | None:
    """The column of an Error List row that holds the file (a line number follows it)."""
    for place in range(2, len(columns) - 1):
        if ERROR_LIST_PATH_RE.fullmatch(columns[place]) and columns[place + 1].isdigit():
            return place
    return None


# --- rustc, cargo, clippy, ruff's full format ----------------------------------------------

RUST_HEAD_RE = re.compile(
    r"^(?P<severity>error|warning)(?:\[(?P<code>E\d{4}|[\w:]+)\])?: (?P<message>.+)$"
)
# solc (forge, hardhat) since 0.8: `Error (7576): Undeclared identifier.`, the same ` --> `.
SOLC_HEAD_RE = re.compile(r"^(?P<severity>Error|Warning) \((?P<code>\d{4})\): (?P<message>.+)$")
ARROW_LOCATION_RE = re.compile(rf"^\s*--> (?P<path>{PATH}):(?P<line>\d+):(?P<col>\d+)")
# `thread 'main' panicked at src/main.rs:5:9:` (Rust 1.73+, with the thread's id since
# 1.90), `... panicked at 'msg', src/main.rs:5:9` before, without the column before 1.42;
# indented when a test harness or a paste indents it.
RUST_PANIC_HEAD = r"^\s*thread '(?P<thread>[^'\n]*)'(?: \(\d+\))? panicked at "
RUST_PANIC_RE = re.compile(
    rf"{RUST_PANIC_HEAD}(?:'(?P<message>.*)', )?(?P<path>{PATH}):"
    r"(?P<line>\d+)(?::(?P<col>\d+))?(?::?$|:\s+(?P<joined>\S.*)$)"  # a paste may join lines
)
# Before 1.73 a message of several lines (assert_eq!'s left/right) ends with the location.
RUST_PANIC_OPEN_RE = re.compile(rf"{RUST_PANIC_HEAD}'(?P<message>.*)$")
RUST_PANIC_CLOSE_RE = re.compile(rf"', (?P<path>{PATH}):(?P<line>\d+)(?::(?P<col>\d+))?$")
RUST_MESSAGE_LINES = 12
RUST_BACKTRACE_AT_RE = re.compile(rf"^\s+at (?P<path>{PATH}):(?P<line>\d+)(?::(?P<col>\d+))?$")
RUST_BACKTRACE_LINES = 120


def parse_rust(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    panic = _rust_panic(scan, index)
    if panic is not None:
        return panic
    head = RUST_HEAD_RE.match(lines[index]) or LINT_CODE_RE.match(lines[index])
    if head is None and lines[index].startswith(("Error (", "Warning (")):
        head = SOLC_HEAD_RE.match(lines[index])
    if head is None:
        return _warning_above_arrow(scan, index)
    groups = head.groupdict()
    arrow = _arrow_location(lines, index)
    if (groups.get("severity") or "").lower() == "warning":
        return _rust_warning(scan, index, head, arrow)
    if arrow is None and "severity" not in groups:
        return None  # a bare `F401 message` line is only an error with a --> location
    if arrow is None and located_match(lines[index]) is not None:
        return None  # `error: ` before a location of its own (Black, sbt): read as located
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


def _warning_above_arrow(scan: Scan, index: int) -> Draft | None:
    """A warning's ` --> path:1:2` line (the warning's own line says nothing error-like,
    so the scan flags only its location): the warning, kept aside as `_rust_warning`."""
    if "-->" not in scan.lines[index] or not ARROW_LOCATION_RE.match(scan.lines[index]):
        return None
    for probe in range(index - 1, max(-1, index - 4), -1):
        head = RUST_HEAD_RE.match(scan.lines[probe]) or SOLC_HEAD_RE.match(scan.lines[probe])
        if head is not None:
            if head.group("severity").lower() != "warning":
                return None
            draft = _rust_warning(scan, probe, head, ARROW_LOCATION_RE.match(scan.lines[index]))
            if draft is not None:
                draft.end = max(draft.end, index)
            return draft
    return None


def _rust_warning(
    scan: Scan, index: int, head: re.Match[str], arrow: re.Match[str] | None
) -> Draft | None:
    """A located rustc or clippy warning, kept aside in case no error is located."""
    if arrow is None or head.group("message").startswith("`"):  # `app` generated 1 warning
        return None
    file = scan.repo_path(arrow.group("path"))
    if file is None:
        return None
    return Draft(
        start=index,
        end=block_end(scan.lines, index),
        message=head.group("message").strip(),
        error_type=head.group("code"),
        file=file,
        line=to_int(arrow.group("line")),
        column=to_int(arrow.group("col")),
        ecosystem=Ecosystem.RUST,
        warning=True,
    )


def _rust_panic(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if not lines[index].lstrip().startswith("thread '"):
        return None
    panic = RUST_PANIC_RE.match(lines[index])
    message: str | None
    if panic is not None:
        message, located_at = panic.group("message") or panic.group("joined"), index
        if message is None and index + 1 < len(lines):
            message, located_at = lines[index + 1].strip(), index + 1
    else:
        opened = RUST_PANIC_OPEN_RE.match(lines[index])
        if opened is None:
            return None
        for probe in range(index + 1, min(len(lines), index + RUST_MESSAGE_LINES)):
            panic = RUST_PANIC_CLOSE_RE.search(lines[probe])
            if panic is not None:
                break
        if panic is None:
            return None
        message, located_at = opened.group("message").strip(), probe
    location: Location | None = None
    path = scan.repo_path(panic.group("path"))
    if path is not None:
        location = Location(path, to_int(panic.group("line")), to_int(panic.group("col")))
    else:
        # The panic is inside the standard library (an unwrap before #[track_caller]
        # reached it): the backtrace names the repository's caller.
        location = scan.first_repo_frame(
            located_at + 1, located_at + RUST_BACKTRACE_LINES, RUST_BACKTRACE_AT_RE
        )
    return Draft(
        start=index,
        end=max(located_at, block_end(lines, located_at)),
        message=message or "panic",
        error_type="panic",
        file=location.file if location else None,
        line=location.line if location else None,
        column=location.column if location else None,
        ecosystem=Ecosystem.RUST,
    )


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
# CMake names its paths relative to the source folder it configures, and says where its
# build folder is once configuring failed (`See also "/w/app/build/CMakeFiles/
# CMakeOutput.log".`, CMake 3.26's `CMakeConfigureLog.yaml`). The usual build folder is
# the source folder's `build/` (or CLion's `cmake-build-debug/`).
CMAKE_SEE_ALSO_RE = re.compile(
    r'^See also "(?P<build>.+?)[\\/]CMakeFiles[\\/]'
    r'CMake(?:Output\.log|Error\.log|ConfigureLog\.yaml)"'
)
CMAKE_SEE_ALSO_LOOKAHEAD = 200


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
    printed = head.group("path")
    file = scan.repo_path(printed)
    if printed and not is_absolute(to_slashes(printed)):
        file = _in_cmake_source_folder(scan, end, file)
    line_number = to_int(head.group("line")) if file else None
    if file is None or is_absolute(file):
        # The error is inside a toolchain or module file: the repository's own call is
        # further down its call stack.
        call_file, call_line = _cmake_call_site(scan, end + 1)
        if call_file is not None:
            file, line_number = _in_cmake_source_folder(scan, end, call_file), call_line
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type="CMake Error",
        file=file,
        line=line_number,
        ecosystem=Ecosystem.CPP,
    )


def _in_cmake_source_folder(scan: Scan, end: int, file: str | None) -> str | None:
    """A path CMake printed relative, joined to the source folder it configured, when the
    log shows that folder: the one holding the build folder CMake's `See also` names. (An
    absolute path is outside that folder, or CMake would have printed it relative.)"""
    if file is None:
        return file
    lines = scan.lines
    for probe in range(end + 1, min(len(lines), end + CMAKE_SEE_ALSO_LOOKAHEAD)):
        if not lines[probe].startswith("See also"):
            continue
        named = CMAKE_SEE_ALSO_RE.match(lines[probe])
        if named is None:
            return file
        build = to_slashes(named.group("build")).rstrip("/")
        folder, _, name = build.rpartition("/")
        if not BUILD_FOLDER_RE.match(name):
            return file
        source = scan.repository_folder(folder)
        return posixpath.join(source, file) if source else file
    return file


def _cmake_call_site(scan: Scan, start: int) -> tuple[str | None, int | None]:
    """The first relative (repository) file in the `Call Stack (most recent call first):`
    below; absolute paths there are toolchain files (vcpkg, CMake modules)."""
    frames = scan.repo_frames(start, start + CMAKE_STACK_LINES, CMAKE_STACK_RE)
    frame = next((f for f in frames if not is_absolute(f.file)), None)
    return (frame.file, frame.line) if frame else (None, None)
