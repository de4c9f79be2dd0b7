"""Formats every CI system shares: workflow commands, tool summaries, and lines that say
"error" (or fail unmistakably) in no known tool's format."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote

from ..blocks import (
    LINE_PATH,
    PATH,
    Draft,
    block_end,
    detect_error_type,
    to_int,
)
from ..ecosystems import Ecosystem
from .compilers import located_match
from .scan import Scan

LOOKAROUND_LINES = 15


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
        start=index,
        end=index,
        message=message,
        error_type=detect_error_type(f"{title or ''} {message}"),
        file=scan.repo_path(properties.get("file")),
        line=to_int(properties.get("line")),
        column=to_int(properties.get("col")),
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


# --- ShellCheck's default (tty) format ---------------------------------------------------

# Scripts often have no extension (`bin/deploy`): any path is read here, the wording is narrow.
SHELLCHECK_PLACE_RE = re.compile(rf"^In (?P<path>{LINE_PATH}|\S+) line (?P<line>\d+):\s*$")
SHELLCHECK_MARKER_RE = re.compile(
    r"^(?:Error:|Warning:)?\s*\^[-^]*\s+(?P<code>SC\d{4})(?: \((?P<level>\w+)\))?: (?P<message>.+)$"
)
SHELLCHECK_PLACE_LINES = 8


def parse_shellcheck(scan: Scan, index: int) -> Draft | None:
    """`In path line N:`, the source line, then `^-- SC2086 (info): message` below it."""
    marker = SHELLCHECK_MARKER_RE.match(scan.lines[index]) if "SC" in scan.lines[index] else None
    if marker is None:
        return None
    for probe in range(index - 1, max(-1, index - SHELLCHECK_PLACE_LINES), -1):
        place = SHELLCHECK_PLACE_RE.match(scan.lines[probe])
        if place is not None:
            return Draft(
                start=probe,
                end=index,
                message=marker.group("message").strip(),
                error_type=marker.group("code"),
                file=scan.repo_path(place.group("path")),
                line=to_int(place.group("line")),
                ecosystem=Ecosystem.SHELL,
            )
    return None


# --- PowerShell: `At C:\\path\\x.ps1:12 char:5` between its message and the code it quotes --

POWERSHELL_PLACE_RE = re.compile(
    rf"^\s*At (?P<path>{LINE_PATH}|[^\n:]+\.ps[dm]?1):(?P<line>\d+) char:(?P<col>\d+)\s*$"
)
POWERSHELL_EXCERPT_RE = re.compile(r"^\s*\+ ")
POWERSHELL_PROMPT_RE = re.compile(r"^\s*PS [^>]*>")
POWERSHELL_EXCERPT_LINES = 6


def parse_powershell(scan: Scan, index: int) -> Draft | None:
    """A runtime error says its message above the place (`Get-Item : Cannot find path ...`),
    a parse error below the quoted code (`The string is missing the terminator: ".`)."""
    lines = scan.lines
    place = POWERSHELL_PLACE_RE.match(lines[index]) if " char:" in lines[index] else None
    if place is None:
        return None
    start, message = index, ""
    above = lines[index - 1].strip() if index > 0 else ""
    if above and not POWERSHELL_PROMPT_RE.match(above) and not POWERSHELL_EXCERPT_RE.match(above):
        start, message = index - 1, above
    probe = index + 1
    while probe < min(len(lines), index + POWERSHELL_EXCERPT_LINES) and POWERSHELL_EXCERPT_RE.match(
        lines[probe]
    ):
        probe += 1
    end = probe - 1
    if not message and probe < len(lines) and lines[probe].strip():
        message, end = lines[probe].strip(), probe
    if not message:
        return None
    return Draft(
        start=start,
        end=end,
        message=message,
        error_type=detect_error_type(message),
        file=scan.repo_path(place.group("path")),
        line=to_int(place.group("line")),
        column=to_int(place.group("col")),
        ecosystem=Ecosystem.SHELL,
    )


# --- Terraform: `Error: summary`, then `  on main.tf line 4, in module "x":` ----------------

TERRAFORM_ERROR_RE = re.compile(r"^[\s\u2502]*(?P<level>Error|Warning): (?P<message>\S.*)$")
TERRAFORM_PLACE_RE = re.compile(r"^[\s\u2502]*on (?P<path>\S+\.tf(?:\.json)?) line (?P<line>\d+)")
TERRAFORM_PLACE_LINES = 4


def parse_terraform(scan: Scan, index: int) -> Draft | None:
    """Seen from its `Error:` line, or from the place below a `Warning:` (tflint's findings,
    which fail its run), which says nothing error-like itself."""
    lines = scan.lines
    if "Error: " in lines[index]:
        head = TERRAFORM_ERROR_RE.match(lines[index])
        if head is None:
            return None
        for probe in range(index + 1, min(len(lines), index + 1 + TERRAFORM_PLACE_LINES)):
            place = TERRAFORM_PLACE_RE.match(lines[probe])
            if place is not None:
                return _terraform_draft(scan, index, head, probe, place)
        return None
    place = TERRAFORM_PLACE_RE.match(lines[index])
    if place is None:
        return None
    for probe in range(index - 1, max(-1, index - 1 - TERRAFORM_PLACE_LINES), -1):
        head = TERRAFORM_ERROR_RE.match(lines[probe])
        if head is not None:
            return _terraform_draft(scan, probe, head, index, place)
    return None


def _terraform_draft(
    scan: Scan, start: int, head: re.Match[str], at: int, place: re.Match[str]
) -> Draft:
    return Draft(
        start=start,
        end=block_end(scan.lines, at),
        message=head.group("message").strip(),
        error_type=detect_error_type(head.group("message")),
        file=scan.repo_path_at(place.group("path"), start),
        line=to_int(place.group("line")),
        ecosystem=Ecosystem.TERRAFORM,
        warning=head.group("level") == "Warning",
    )


# --- GitHub's annotations, copied from a run's summary: `title: path#L2`, the message below ---

ANNOTATION_PANEL_RE = re.compile(
    rf"^\s*(?P<title>\S[^:]*): (?P<path>{PATH})#L(?P<line>\d+)(?:-L\d+)?\s*$"
)


def parse_annotation_panel(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if "#L" not in lines[index]:
        return None
    match = ANNOTATION_PANEL_RE.match(lines[index])
    if match is None:
        return None
    below = lines[index + 1].strip() if index + 1 < len(lines) else ""
    message = below or match.group("title")
    return Draft(
        start=index,
        end=index + 1 if below else index,
        message=message,
        error_type=detect_error_type(message) or match.group("title").strip(),
        file=scan.repo_path(match.group("path")),
        line=to_int(match.group("line")),
    )


# --- Bandit: `>> Issue: [B101:assert_used] message` and its `Location: path:50` below -------

BANDIT_ISSUE_RE = re.compile(r"^>> Issue: \[(?P<code>B\d{3})[:\w]*\] (?P<message>.+)$")
BANDIT_LOCATION_RE = re.compile(rf"^\s*Location: (?P<path>{LINE_PATH}):(?P<line>\d+)")
BANDIT_LOCATION_LINES = 6


def parse_bandit(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if not lines[index].startswith(">> Issue"):
        return None
    issue = BANDIT_ISSUE_RE.match(lines[index])
    if issue is None:
        return None
    stop = index + 1 + BANDIT_LOCATION_LINES
    place = scan.first_repo_frame(index + 1, stop, BANDIT_LOCATION_RE)
    return Draft(
        start=index,
        end=min(len(lines) - 1, stop - 1),
        message=issue.group("message").strip(),
        error_type=issue.group("code"),
        file=place.file if place else None,
        line=place.line if place else None,
        ecosystem=Ecosystem.PYTHON,
    )


# --- summaries printed by linters, test runners and build tools ----------------------------

SUMMARY_RE = re.compile(
    r"^\s*(?:✖ \d+ problems? \(\d+ errors?"  # eslint
    r"|(?:\[[^\]]*\] )?Found \d+ errors?\b"  # ruff, mypy, tsc --watch
    r"|Interrupted: \d+ errors? during collection"  # pytest
    r"|=+ .*\b\d+ (?:failed|errors?)\b.* =+$"  # pytest
    r"|Tests?: +\d+ failed"  # jest
    r"|error: could not compile"  # cargo
    r"|make(?:\[\d+\])?: \*\*\* .*Error \d+"  # make
    r"|FAILURE: Build failed"  # gradle
    r"|BUILD FAILED"  # gradle, ant
    r"|\[ERROR\] BUILD FAILURE"  # maven
    r"|Build FAILED\."  # msbuild
    r"|FAIL\s+\S+\s+[\d.]+s$"  # go test
    r")"
)


# tsc's summary names where each file's first error is: `Found 1 error in src/a.ts:3`,
# or a table of `count  file:line` rows under `Errors  Files`.
TSC_SUMMARY_FILE_RE = re.compile(rf"\bFound \d+ errors? in (?P<path>{PATH}):(?P<line>\d+)\s*$")
TSC_SUMMARY_ROW_RE = re.compile(rf"^\s+\d+\s+(?P<path>{PATH}):(?P<line>\d+)\s*$")
TSC_SUMMARY_TABLE_LINES = 4


def parse_summary(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    if not SUMMARY_RE.match(line):
        return None
    draft = Draft(start=index, end=index, message=line.strip(), error_type=detect_error_type(line))
    single = TSC_SUMMARY_FILE_RE.search(line)
    if single is not None:
        draft.file, draft.line = scan.repo_path(single.group("path")), to_int(single.group("line"))
    else:
        stop = index + 1 + TSC_SUMMARY_TABLE_LINES
        row = scan.first_repo_frame(index + 1, stop, TSC_SUMMARY_ROW_RE)
        if row is not None:
            draft.file, draft.line = row.file, row.line
    if draft.file is None:
        draft.line = None
    return draft


# --- lines that say "error" (or an unmistakable failure) without a known tool format -------

# A logger's date and time, before or after the level (`2023-07-03 23:12:15,123 ERROR ...`,
# Go's `ERROR 2023/07/03 23:12:15 ...`).
LOGGED_AT = r"\d{4}[/-]\d\d[/-]\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+"
GENERIC_ERROR_RE = re.compile(
    r"^\s*(?:[\u2718\u2716\u00d7] |X (?=\[ERROR\]))?"  # esbuild's and others' cross
    rf"(?:{LOGGED_AT})?"
    r"(?:[\w@#.\-/]+:? ){0,2}?"
    r"(?:\[(?:ERROR|FATAL|error|fatal|Error)\]"
    r"|(?:FATAL ERROR|[Ff]atal error|ERROR|Error|error|FATAL|Fatal|fatal|E|ERR!|ERR)"
    r"(?:\[[\w-]+\])?:"
    rf"|ERR!|(?:error|ERROR) (?=[A-Z`'\"])|(?:ERROR|FATAL) (?={LOGGED_AT}))"
    rf"\s*(?:{LOGGED_AT})?(?P<message>\S.*)$"
)
SOFT_ERROR_RE = re.compile(
    r"^\s*(?:[\w.\-/]+: ){0,2}(?P<message>(?:[A-Z][\w.-]* )?(?i:could not|couldn't|cannot|"
    r"can't|unable to|failed to)\b.*"
    r"|(?:No such file|Permission denied|No space left|Killed|Segmentation fault|Aborted|"
    r"Bus error|Out of memory|Unsupported|Invalid|Missing)\b.*"
    r"|HTTP [45]\d\d\b.*)$"
)
# yarn 1 (and go's commands) start an error line with a bare `error ` and no colon:
# `error busy@2.4.0: The engine "node" is incompatible with this module.`
BARE_ERROR_RE = re.compile(r"^error (?P<message>[^\s:\[].*)$")
SHELL_ERROR_RE = re.compile(
    r"^\s*(?P<source>[^\s:][^:]*):(?: line (?P<line>\d+):)? (?P<message>(?:[^:]+: )?"
    r"(?:command not found|Permission denied|No such file or directory|not found|"
    r"bad interpreter.*))$"
)
DOCKERFILE_LOCATION_RE = re.compile(
    r"^\s*(?P<path>[^\s:]*(?i:dockerfile|containerfile)[\w.-]*):(?P<line>\d+)$"
)


# BuildKit's report of a failed step: the step's last output in a box (` > [2/8] RUN ...:`),
# then the Dockerfile's place above its excerpt, then `ERROR: failed to solve: ...`.
BUILDKIT_EXCERPT_RULE_RE = re.compile(r"^-{8,}\s*$")
BUILDKIT_BOX_RULE_RE = re.compile(r"^-{4,}\s*$")
BUILDKIT_SOLVE_RE = re.compile(r"^\s*(?:ERROR|error): (?P<message>failed to solve.*)$")
BUILDKIT_LOOKAROUND = 40


def parse_buildkit_failure(scan: Scan, index: int) -> Draft | None:
    """`Dockerfile:11` over a rule: the failed step's place. Its message is the solver's
    error below, or else the last line the step printed in the box above."""
    lines = scan.lines
    if not lines[index].rstrip()[-1:].isdigit():
        return None
    place = DOCKERFILE_LOCATION_RE.match(lines[index])
    if place is None or index + 1 >= len(lines):
        return None
    if not BUILDKIT_EXCERPT_RULE_RE.match(lines[index + 1]):
        return None
    closing = next(
        (
            i
            for i in range(index + 2, min(len(lines), index + BUILDKIT_LOOKAROUND))
            if BUILDKIT_EXCERPT_RULE_RE.match(lines[i])
        ),
        index + 1,
    )
    end, message = closing, _last_box_output(lines, index)
    for probe in range(closing + 1, min(len(lines), closing + 4)):
        solve = BUILDKIT_SOLVE_RE.match(lines[probe])
        if solve is not None:
            end, message = probe, solve.group("message")
            break
    return Draft(
        start=index,
        end=end,
        message=message.strip(),
        error_type=detect_error_type(message),
        file=scan.repo_path(place.group("path")),
        line=to_int(place.group("line")),
        ecosystem=Ecosystem.DOCKER,
    )


def _last_box_output(lines: Sequence[str], index: int) -> str:
    """The last line the failed step printed, inside the box above the Dockerfile place."""
    for probe in range(index - 1, max(-1, index - BUILDKIT_LOOKAROUND), -1):
        line = lines[probe].strip()
        if line and not BUILDKIT_BOX_RULE_RE.match(line):
            return line
    return lines[index].strip()


def _before_located(scan: Scan, index: int, end: int) -> int:
    """`end`, or the line before the first compiler diagnostic on a repository file inside
    the block: Maven's `Failed to execute goal` is followed by the javac or javadoc errors
    behind it, each `[ERROR] path:line: error: ...`, and those say where the failure is."""
    for probe in range(index + 1, end + 1):
        found = located_match(scan.lines[probe])
        if found is not None and scan.repo_path(found.group("path")) is not None:
            return probe - 1
    return end


def parse_generic(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    line = lines[index]
    shell = SHELL_ERROR_RE.match(line)
    if shell:
        return Draft(
            start=index,
            end=index,
            message=shell.group("message").strip(),
            ecosystem=Ecosystem.SHELL,
        )
    match = GENERIC_ERROR_RE.match(line) or SOFT_ERROR_RE.match(line) or BARE_ERROR_RE.match(line)
    if match is None or line.lstrip().lower().startswith("warning"):
        return None
    message = match.group("message").strip()
    draft = Draft(
        start=index,
        end=_before_located(scan, index, block_end(lines, index)),
        message=message,
        error_type=detect_error_type(line),
    )
    # BuildKit prints the failing Dockerfile line as `path/Dockerfile:35` near its errors.
    location = scan.first_repo_frame(
        index - LOOKAROUND_LINES, index + LOOKAROUND_LINES, DOCKERFILE_LOCATION_RE
    )
    if location is not None:
        draft.file, draft.line = location.file, location.line
        draft.ecosystem = Ecosystem.DOCKER
    return draft
