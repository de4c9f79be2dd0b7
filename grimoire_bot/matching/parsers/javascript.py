"""JavaScript tools: ESLint's stylish report, Jest's and Vitest's failure blocks,
npm/yarn/pnpm errors."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..blocks import (
    PATH,
    Draft,
    block_end,
    detect_error_type,
    indentation,
    is_blank,
    to_int,
)
from ..ecosystems import Ecosystem
from ..prefilter import ERRORISH_TEXT
from .compilers import LOCATION_FIRST_RE, located_match
from .scan import Location, Scan

# --- ESLint stylish ----------------------------------------------------------------------

ESLINT_ROW_RE = re.compile(
    r"^(?:\s+(?:(?P<line>\d+):(?P<col>\d+)\s+(?P<level>error|warning|\u2716|\u00d7|\u26a0)"
    r"|Line (?P<cra_line>\d+):(?P<cra_col>\d+):)"  # create-react-app's rows
    r"|(?P<next_line>\d+):(?P<next_col>\d+)\s+(?P<next_level>Error|Warning):)"  # `next lint`
    r"\s+(?P<message>.+?)(?:\s{2,}\(?(?P<rule>[@\w][\w@/.-]*)\)?)?\s*$"  # yamllint's `(rule)`
)


def parse_eslint_stylish(scan: Scan, index: int) -> Draft | None:
    row = ESLINT_ROW_RE.match(scan.lines[index])
    if row is None:
        return None
    path = scan.file_named_above(
        index,
        # (a paste may put a blank line between every two)
        lambda probe, line: (
            bool(ESLINT_ROW_RE.match(line)) or (probe == index - 1 and not line.strip())
        ),
    )
    if path is None:
        return None
    return Draft(
        start=index,
        end=index,
        message=row.group("message").strip(),
        error_type=row.group("rule"),
        file=scan.repo_path(path),
        line=to_int(row.group("line") or row.group("cra_line") or row.group("next_line")),
        column=to_int(row.group("col") or row.group("cra_col") or row.group("next_col")),
        ecosystem=Ecosystem.ESLINT,
        # Stylelint's rows are ESLint's with symbols: U+2716 (U+00D7 on Windows) an error,
        # U+26A0 a warning. yamllint prints the same rows; a job failed on warnings
        # (`--max-warnings 0`, `--strict`) has only them to show.
        warning=row.group("level") not in ("error", "\u2716", "\u00d7", None)
        or row.group("next_level") == "Warning",
    )


# --- Jest --------------------------------------------------------------------------------

JEST_BULLET_RE = re.compile(r"^(?P<indent>\s*)● (?P<title>.+)$")
# `FAIL path`, or `FAIL project path` when the config names its projects (a
# multi-project Jest, a Vitest workspace's `|project|`).
JEST_FAIL_HEADER_RE = re.compile(
    rf"^\s*FAIL\s+(?:\|[^|\n]*\|\s+|\S+\s+(?=\S+\.[A-Za-z]\w*(?:\s|$)))?(?P<path>{PATH})"
)
# ts-jest reports a type error of the suite as tsc does.
TS_DIAGNOSTIC_RE = re.compile(
    rf"^\s*(?P<path>{PATH})(?::(?P<line>\d+):(?P<col>\d+) - |\((?P<line2>\d+),(?P<col2>\d+)\): )"
    r"error TS\d+:"
)
# A frame's file may be a URL: webpack's source maps (`webpack:///./src/a.js`), a browser
# runner serving the spec (Cypress' `/__cypress/tests?p=cypress/e2e/a.cy.js`, Karma's
# `http://localhost:9876/base/test/a.js`).
JS_FRAME_URL = (
    r"(?:webpack(?:-internal)?:///(?:\./)?|file:///?(?=[A-Za-z]:)|file://(?=/)"  # ESM, Deno
    r"|https?://[^\s()?]+\?p="
    r"|https?://localhost(?::\d+)?/(?:base/)?)?"
)
# Node before 12 named its core modules' files bare in frames (`at Module._compile
# (module.js:542:28)`): those are the runtime's, while a repository's own `events.js` at
# its root is still a place when a linter or compiler names it.
NODE_CORE_FILE = (
    r"(?:module|vm|bootstrap_node|node|timers|events|net|child_process|domain|cluster|tty"
    r"|dgram|readline|repl|_stream_\w+|_http_\w+|_tls_\w+)\.js"
)
JS_FRAME_RE = re.compile(
    rf"^\s*at (?:.*? \()?{JS_FRAME_URL}(?!{NODE_CORE_FILE}:)(?P<path>{PATH}):(?P<line>\d+)"
    r":(?P<col>\d+)\)?$"
)
JEST_CODE_FRAME_RE = re.compile(r"^\s*>\s*(?P<line>\d+)\s*\|")
JEST_GENERIC_TITLES = ("Test suite failed to run",)
JEST_HEADER_LOOKBACK = 200
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
    where = _jest_location(scan, index, end)
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=detect_error_type(message),
        file=where.file if where else None,
        line=where.line if where else None,
        column=where.column if where else None,
        ecosystem=Ecosystem.JEST,
    )


def _jest_location(scan: Scan, start: int, end: int) -> Location | None:
    """The first repository frame of the failure's stack, else the type error ts-jest
    reports, else its test file (and the line the code frame points at)."""
    frame = scan.first_repo_frame(start, end + 1, JS_FRAME_RE, in_cwd=True)
    if frame is not None:
        return frame
    lines = scan.lines
    for index in range(start, end + 1):
        diagnostic = TS_DIAGNOSTIC_RE.match(lines[index])
        path = scan.repo_path_at(diagnostic.group("path"), index) if diagnostic else None
        if diagnostic and path:
            line = to_int(diagnostic.group("line") or diagnostic.group("line2"))
            return Location(path, line, to_int(diagnostic.group("col") or diagnostic.group("col2")))
    for index in range(start - 1, max(-1, start - JEST_HEADER_LOOKBACK), -1):
        header = JEST_FAIL_HEADER_RE.match(lines[index])
        if header:
            path = scan.repo_path_at(header.group("path"), index)
            if path is None:
                return None
            pointed = (JEST_CODE_FRAME_RE.match(line) for line in lines[start : end + 1])
            line = next((to_int(m.group("line")) for m in pointed if m), None)
            return Location(path, line)
    return None


# --- Vitest ------------------------------------------------------------------------------

VITEST_FAIL_RE = re.compile(rf"^\s*FAIL\s+(?:\|[^|\n]*\|\s+)?(?P<path>{PATH}) > (?P<title>.+)$")
VITEST_FRAME_RE = re.compile(rf"^\s*\u276f (?P<path>{PATH}):(?P<line>\d+):(?P<col>\d+)\s*$")
VITEST_SEPARATOR = "\u23af"
VITEST_LOOKAHEAD = 80


def parse_vitest(scan: Scan, index: int) -> Draft | None:
    """` FAIL  path > suite > test`, the error on the next line, then its stack as
    `\u276f path:line:col` frames (the first in the repository is where it failed)."""
    lines = scan.lines
    header = VITEST_FAIL_RE.match(lines[index]) if " > " in lines[index] else None
    if header is None:
        return None
    message: str | None = None
    location: Location | None = None
    end = index
    for probe in range(index + 1, min(len(lines), index + VITEST_LOOKAHEAD)):
        line = lines[probe]
        if VITEST_FAIL_RE.match(line) or line.lstrip().startswith(VITEST_SEPARATOR):
            break
        if message is None and line.strip():
            message = line.strip()
        frame = VITEST_FRAME_RE.match(line) if location is None else None
        if frame is not None:
            path = scan.repo_path_at(frame.group("path"), probe)
            if path is not None:
                location = Location(path, to_int(frame.group("line")), to_int(frame.group("col")))
        if not is_blank(line):
            end = probe
    message = message or header.group("title").strip()
    if location is None:
        location = Location(scan.repo_path_at(header.group("path"), index) or "", None)
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=detect_error_type(message),
        file=location.file or None,
        line=location.line,
        column=location.column,
        ecosystem=Ecosystem.JEST,
    )


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
        return Draft(
            start=index,
            end=block_end(lines, index),
            message=pnpm.group("message").strip(),
            error_type=pnpm.group("code"),
            ecosystem=Ecosystem.NODE,
        )
    head = NPM_LINE_RE.match(lines[index])
    if head is None:
        return None
    end = index
    while end + 1 < len(lines) and NPM_LINE_RE.match(lines[end + 1]):
        end += 1
    texts = [
        (m.group("text") or "").strip() for m in map(NPM_LINE_RE.match, lines[index : end + 1]) if m
    ]
    code_at = next((i for i, text in enumerate(texts) if NPM_CODE_RE.match(text)), None)
    code = NPM_CODE_RE.match(texts[code_at]).group("code") if code_at is not None else None
    # npm prints its environment (argv, node and npm versions) before the code line; the
    # message is what follows the code.
    after_code = texts[code_at + 1 :] if code_at is not None else texts
    meaningful = [t for t in after_code if not NPM_BOILERPLATE_RE.match(t)]
    if not meaningful and code is None:
        return Draft(start=index, end=end, message="", noise=True)
    return Draft(
        start=index,
        end=end,
        message=meaningful[0] if meaningful else f"code {code}",
        error_type=code,
        ecosystem=Ecosystem.NODE,
    )


# --- webpack: a module that failed to build, without a line ----------------------------------

# `ERROR in ./src/app.js` and the error below it; when the module's own import chain names it
# (` @ ./src/app.js 1:13-33`, the import that failed), that is its line.
WEBPACK_MODULE_RE = re.compile(rf"^\s*ERROR in (?P<path>{PATH})\s*$")
TYPE_CHECKER_ROW_RE = re.compile(r"^(?P<line>\d+):(?P<col>\d+):? (?P<message>[A-Z`'\"].*)$")
WEBPACK_IMPORT_RE = re.compile(rf"^\s*@ (?P<path>{PATH}) (?P<line>\d+):\d+")
WEBPACK_BLOCK_LINES = 10
# A loader's message that ends with where in the module it failed: Babel 6 through
# babel-loader, `Module build failed: SyntaxError: Unexpected token (6:2)`.
LOADER_POSITION_RE = re.compile(r"\((?P<line>\d+):(?P<col>\d+)\)\s*$")


def parse_webpack_module(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if "ERROR in " not in lines[index]:
        return None
    module = WEBPACK_MODULE_RE.match(lines[index])
    if module is None:
        return None
    path = module.group("path")
    stop = min(len(lines), index + WEBPACK_BLOCK_LINES)
    said = [lines[i].strip() for i in range(index + 1, stop) if lines[i].strip()]
    if not said or said[0].startswith("@ "):
        return None
    checked = TYPE_CHECKER_ROW_RE.match(said[0])
    if checked is not None:  # fork-ts-checker under vue-cli: `95:12 Property 'x' does not ...`
        return Draft(
            start=index,
            end=index + 1,
            message=checked.group("message"),
            error_type=detect_error_type(checked.group("message")),
            file=scan.repo_path_at(path, index),
            line=to_int(checked.group("line")),
            column=to_int(checked.group("col")),
            ecosystem=Ecosystem.TYPESCRIPT,
        )
    end, line = index, None
    for probe in range(index + 1, stop):
        if WEBPACK_MODULE_RE.match(lines[probe]):
            break
        if (
            located_match(lines[probe])
            or LOCATION_FIRST_RE.match(lines[probe].strip())
            or ESLINT_ROW_RE.match(lines[probe])
        ):
            return None  # the loader's own diagnostic below says where (Babel's `(8:6)`)
        if lines[probe].strip():
            end = probe
        imported = WEBPACK_IMPORT_RE.match(lines[probe])
        if imported is not None and imported.group("path") == path:
            line = to_int(imported.group("line"))
            break
    column = None
    if line is None and (position := LOADER_POSITION_RE.search(said[0])) is not None:
        line, column = to_int(position.group("line")), to_int(position.group("col"))
    return Draft(
        start=index,
        end=end,
        message=said[0],
        error_type=detect_error_type(said[0]),
        file=scan.repo_path_at(path, index),
        line=line,
        column=column,
        ecosystem=Ecosystem.NODE,
    )


# --- a code frame and the stack frame it shows (Playwright, Jest, Babel) ---------------------

CODE_FRAME_LOOKBACK = 14
MESSAGE_LOOKBACK = 40


def parse_code_frame_stack(scan: Scan, index: int) -> Draft | None:
    """A stack frame (`at /w/app/tests/x.spec.ts:32:46`) below the code frame that marks its
    line (`> 32 | await expect(...)`): test runners print the failed line so, and a paste
    may start at the code frame, its error's message above it or cut off."""
    lines = scan.lines
    frame = JS_FRAME_RE.match(lines[index]) if "at " in lines[index] else None
    if frame is None:
        return None
    marked = next(
        (
            probe
            for probe in range(index - 1, max(-1, index - CODE_FRAME_LOOKBACK), -1)
            if (code := JEST_CODE_FRAME_RE.match(lines[probe]))
            and code.group("line") == frame.group("line")
        ),
        None,
    )
    if marked is None:
        return None
    file = scan.repo_path_at(frame.group("path"), index)
    if file is None:
        return None
    said = next(
        (
            lines[probe].strip()
            for probe in range(marked - 1, max(-1, marked - MESSAGE_LOOKBACK), -1)
            if ERRORISH_TEXT.search(lines[probe])
        ),
        lines[marked].strip(),
    )
    return Draft(
        start=index,
        end=index,
        message=said,
        error_type=detect_error_type(said),
        file=file,
        line=to_int(frame.group("line")),
        column=to_int(frame.group("col")),
        ecosystem=Ecosystem.NODE,
    )


# --- Playwright's failure header, its stack cut off ---------------------------------------------

# `  6) [Microsoft Edge] > tests/email.test.ts:28:1 > contact form` (with U+203A for `>`):
# the test's own place; the code frame below marks the line that failed in it.
PLAYWRIGHT_HEADER_RE = re.compile(
    rf"^\s*\d+\) (?:\[[^\]\n]{{1,60}}\] \u203a )?(?P<path>{PATH}):(?P<line>\d+):(?P<col>\d+)"
    r" \u203a .*$"
)
PLAYWRIGHT_LOOKAHEAD = 60


def parse_playwright_header(scan: Scan, index: int) -> Draft | None:
    """A Playwright failure whose stack frames were cut off (a paste, a wrapped report): its
    header names the test file and the code frame below marks the failed line. With a
    frame below, `parse_code_frame_stack` reads the frame instead: it may be a helper's."""
    lines = scan.lines
    header = PLAYWRIGHT_HEADER_RE.match(lines[index]) if "\u203a" in lines[index] else None
    if header is None:
        return None
    file = scan.repo_path_at(header.group("path"), index)
    if file is None:
        return None
    line, message, end = to_int(header.group("line")), None, index
    for probe in range(index + 1, min(len(lines), index + PLAYWRIGHT_LOOKAHEAD)):
        text = lines[probe]
        if JS_FRAME_RE.match(text):
            return None
        if PLAYWRIGHT_HEADER_RE.match(text):
            break
        if message is None and ERRORISH_TEXT.search(text):
            message = text.strip()
        if (code := JEST_CODE_FRAME_RE.match(text)) is not None:
            line, end = to_int(code.group("line")), probe
    return Draft(
        start=index,
        end=max(end, index),
        message=message or lines[index].strip(),
        error_type=detect_error_type(message or ""),
        file=file,
        line=line,
        ecosystem=Ecosystem.NODE,
    )


# --- Next.js, svelte-check and other bundlers: the location alone, the error below it --------

# The line holds nothing else, so any characters may make the path: SvelteKit's and Next.js'
# route folders (`src/routes/[id]/`, `app/(shop)/`), svelte-check's elided `.../app/`.
LOCATION_ALONE_RE = re.compile(
    r"^(?P<path>(?:[A-Za-z]:)?[^\s:'\"]*?\.[A-Za-z][\w+-]{0,11}):(?P<line>\d+):(?P<col>\d+)\s*$"
)
ERROR_BELOW_RE = re.compile(
    r"^\s*(?P<message>(?:Type error|Error|SyntaxError|TypeError|ReferenceError|Module not found)"
    r"\b:?.*)$"
)
FAILURE_ANNOUNCED_RE = re.compile(r"Failed to compile\.|build failed with \d+ errors?:")
ANNOUNCEMENT_LOOKBACK = 2
ANY_MESSAGE_RE = re.compile(r"^\s*(?P<message>\S.*)$")
# svelte-check's warnings fail it with --fail-on-warnings; its hints never do.
WARNING_BELOW_RE = re.compile(r"^\s*Warn: (?P<message>.+)$")
SVELTE_CHECK_WORKSPACE_RE = re.compile(r"^Loading svelte-check in workspace: (?P<dir>\S.*?)\s*$")
SVELTE_CHECK_LOOKBACK = 2000


def parse_location_then_error(scan: Scan, index: int) -> Draft | None:
    """`./src/app/page.tsx:12:10` on its own line and `Type error: ...` below it (one blank
    line between them in svelte-check's report)."""
    lines = scan.lines
    if not lines[index].rstrip()[-1:].isdigit():
        return None
    place = LOCATION_ALONE_RE.match(lines[index])
    if place is None or index + 1 >= len(lines):
        return None
    below = index + 1
    if is_blank(lines[below]) and below + 1 < len(lines):
        below += 1
    said = ERROR_BELOW_RE.match(lines[below]) or _announced_error(lines, index, below)
    warned = WARNING_BELOW_RE.match(lines[below]) if said is None else None
    if said is None and warned is None:
        return None
    message = (said or warned).group("message").strip()
    return Draft(
        start=index,
        end=block_end(lines, below),
        message=message,
        error_type=detect_error_type(message),
        file=scan.repo_path_at(_within_svelte_workspace(scan, index, place.group("path")), index),
        line=to_int(place.group("line")),
        column=to_int(place.group("col")),
        ecosystem=Ecosystem.NODE,
        warning=warned is not None,
    )


def _announced_error(lines: Sequence[str], index: int, below: int) -> re.Match[str] | None:
    """The line below a location the bundler announced as failing just above it (Next.js'
    `Failed to compile.`, Turbopack's `build failed with 1 errors:`), whatever it says."""
    above = lines[max(0, index - ANNOUNCEMENT_LOOKBACK) : index]
    if not any(FAILURE_ANNOUNCED_RE.search(line) for line in above):
        return None
    return ANY_MESSAGE_RE.match(lines[below])


def _within_svelte_workspace(scan: Scan, index: int, path: str) -> str:
    """`path` without svelte-check's workspace when a paste elided that folder's start
    (`.../app/src/a.ts` under `workspace: .../app`): a checkout folder no root names. A
    whole workspace stays: the CI roots and the checkout's shape cut it, keeping the
    package folder of a monorepo's workspace."""
    if not path.startswith("..."):
        return path
    for probe in range(index - 1, max(-1, index - SVELTE_CHECK_LOOKBACK), -1):
        workspace = SVELTE_CHECK_WORKSPACE_RE.match(scan.lines[probe])
        if workspace is not None:
            folder = workspace.group("dir").rstrip("/") + "/"
            return path[len(folder) :] if path.startswith(folder) else path
    return path


# --- Deno: `TS2307 [ERROR]: message`, its code frame, then `    at file:///.../a.ts:6:30` ------

DENO_DIAGNOSTIC_RE = re.compile(
    r"^\s*(?:error: )?(?P<code>TS\d{4,5}) \[(?P<level>ERROR|WARN)\]: (?P<message>.+)$"
)
DENO_LOOKAHEAD = 15


def parse_deno(scan: Scan, index: int) -> Draft | None:
    """A type error of `deno check` (or `deno run`): its place is the `at` line below the
    message and code frame, not the module the message names."""
    lines = scan.lines
    head = DENO_DIAGNOSTIC_RE.match(lines[index]) if "]: " in lines[index] else None
    if head is None:
        return None
    end = index
    for probe in range(index + 1, min(len(lines), index + DENO_LOOKAHEAD)):
        if is_blank(lines[probe]) or DENO_DIAGNOSTIC_RE.match(lines[probe]):
            break
        end = probe
    place = scan.first_repo_frame(index + 1, end + 1, JS_FRAME_RE, in_cwd=True)
    message = head.group("message").strip()
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=head.group("code"),
        file=place.file if place else None,
        line=place.line if place else None,
        column=place.column if place else None,
        ecosystem=Ecosystem.TYPESCRIPT,
        warning=head.group("level") == "WARN",
    )


# --- bun test: the code frame, `error: message`, its stack, then `✗ test name` ---------------

BUN_FAILED_TEST_MARKS = ("\u2717 ", "(fail) ")
BUN_LOOKAHEAD = 30


def parse_bun_test(scan: Scan, index: int) -> Draft | None:
    """An `error:` line is bun's when a failed test's mark follows its stack; it failed at
    the stack's first repository frame. (Before rustc's reading of `error:` lines: the
    search for the mark is a string comparison per line.)"""
    lines = scan.lines
    if not lines[index].startswith("error: "):
        return None
    stop = min(len(lines), index + BUN_LOOKAHEAD)
    failed = next(
        (i for i in range(index + 1, stop) if lines[i].lstrip().startswith(BUN_FAILED_TEST_MARKS)),
        None,
    )
    if failed is None:
        return None
    place = scan.first_repo_frame(index + 1, failed, JS_FRAME_RE, in_cwd=True)
    if place is None:
        return None
    message = lines[index][len("error: ") :].strip()
    return Draft(
        start=index,
        end=failed,
        message=message,
        error_type=detect_error_type(message),
        file=place.file,
        line=place.line,
        column=place.column,
        ecosystem=Ecosystem.JEST,
    )
