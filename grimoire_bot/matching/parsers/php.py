"""PHP: the interpreter's own errors, PHPUnit's failure reports and PHPStan's tables."""

from __future__ import annotations

import re

from ..blocks import LINE_PATH, Draft, block_end, detect_error_type, is_blank, to_int
from ..ecosystems import Ecosystem
from .scan import Scan

# `PHP Parse error:  syntax error, unexpected '[' in /var/www/site/index.php on line 297`,
# without `PHP ` when display_errors prints it, and `Uncaught ... in /app/x.php:12` for an
# exception nobody caught; often quoted inside a sentence, so searched, not matched.
PHP_ERROR_RE = re.compile(
    r"(?:PHP )?(?P<level>Parse|(?:Catchable |Recoverable )?[Ff]atal) error: +(?P<message>.+?)"
    rf" in (?P<path>{LINE_PATH})(?: on line |:|\()(?P<line>\d+)"
)
# PHPUnit: `1) Tests\CartTest::testTotal`, the assertion, then the test file's line alone.
PHPUNIT_TEST_RE = re.compile(r"^\d+\) (?P<test>[\w\\]+::\w+)")
PHPUNIT_PLACE_RE = re.compile(rf"^(?P<path>{LINE_PATH}):(?P<line>\d+)\s*$")
PHPUNIT_LOOKAHEAD = 40


def parse_php_error(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    if " error: " not in line:
        return None
    match = PHP_ERROR_RE.search(line)
    if match is None:
        return None
    message = match.group("message").strip()
    return Draft(
        start=index,
        end=block_end(scan.lines, index),
        message=message,
        error_type=detect_error_type(message) or f"PHP {match.group('level').title()} error",
        file=scan.repo_path(match.group("path")),
        line=to_int(match.group("line")),
        ecosystem=Ecosystem.PHP,
    )


def parse_phpunit(scan: Scan, index: int) -> Draft | None:
    """The failure message below a `N) Class::test` header, placed at the test file's
    line PHPUnit prints after the message (the first repository file of its trace)."""
    lines = scan.lines
    if not PHPUNIT_TEST_RE.match(lines[index]):
        return None
    stop = min(len(lines), index + PHPUNIT_LOOKAHEAD)
    place = scan.first_repo_frame(index + 1, stop, PHPUNIT_PLACE_RE)
    if place is None:
        return None
    body = [lines[i].strip() for i in range(index + 1, stop) if lines[i].strip()]
    message = body[0] if body else lines[index].strip()
    end = next((i for i in range(index + 1, stop) if PHPUNIT_PLACE_RE.match(lines[i])), index)
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=detect_error_type(message),
        file=place.file,
        line=place.line,
        ecosystem=Ecosystem.PHP,
    )


# PHPStan's table: a file's header between rules, then `  163    message` rows (a message
# wrapped onto lines of its own, indented under it), and a rule closing the table.
PHPSTAN_HEADER_RE = re.compile(r"^\s*Line {2,}(?P<path>\S+)(?: \(in context of [^)]*\))?\s*$")
PHPSTAN_RULE_RE = re.compile(r"^\s*-{2,} +-{2,}\s*$")
PHPSTAN_ROW_RE = re.compile(r"^\s+(?P<line>\d+)? {2,}(?P<message>\S.*?)\s*$")
PHPSTAN_TABLE_LINES = 40


def parse_phpstan(scan: Scan, index: int) -> Draft | None:
    """The first row of a PHPStan table, placed in the table's file."""
    lines = scan.lines
    header = PHPSTAN_HEADER_RE.match(lines[index]) if "Line " in lines[index] else None
    if header is None or index + 2 >= len(lines) or not PHPSTAN_RULE_RE.match(lines[index + 1]):
        return None
    row = PHPSTAN_ROW_RE.match(lines[index + 2])
    if row is None or row.group("line") is None:
        return None
    message = [row.group("message")]
    end = index + 2
    for probe in range(index + 3, min(len(lines), index + PHPSTAN_TABLE_LINES)):
        wrapped = PHPSTAN_ROW_RE.match(lines[probe])
        if is_blank(lines[probe]) or wrapped is None or wrapped.group("line") is not None:
            break
        message.append(wrapped.group("message"))
        end = probe
    text = " ".join(message)
    return Draft(
        start=index,
        end=end,
        message=text,
        error_type=detect_error_type(text) or "PHPStan",
        file=scan.repo_path_at(header.group("path"), index),
        line=to_int(row.group("line")),
        ecosystem=Ecosystem.PHP,
    )


# PHP_CodeSniffer's full report: `FILE: <path>` (its start elided to `...` when long),
# a summary between rules, then `  39 | ERROR | [x] message` rows, a message wrapped onto
# `    |       |     ...` lines below its row.
PHPCS_FILE_RE = re.compile(r"^\s*FILE: (?:\.\.\.)?(?P<path>\S(?:.*\S)?)\s*$")
PHPCS_ROW_RE = re.compile(
    r"^\s*(?P<line>\d+) \| ERROR \| (?:\[[ x]\] )?(?P<message>\S(?:.*\S)?)\s*$"
)
PHPCS_WRAPPED_RE = re.compile(r"^\s*\| +\| +(?P<message>\S(?:.*\S)?)\s*$")
PHPCS_HEADER_LOOKBACK = 400


def parse_phpcs_report(scan: Scan, index: int) -> Draft | None:
    """An error row of PHP_CodeSniffer's full report, placed in the file its report is
    headed by."""
    lines = scan.lines
    row = PHPCS_ROW_RE.match(lines[index]) if " | ERROR | " in lines[index] else None
    if row is None:
        return None
    header = next(
        (
            found
            for probe in range(index - 1, max(-1, index - PHPCS_HEADER_LOOKBACK), -1)
            if "FILE: " in lines[probe] and (found := PHPCS_FILE_RE.match(lines[probe]))
        ),
        None,
    )
    if header is None:
        return None
    message = [row.group("message")]
    end = index
    while end + 1 < len(lines) and (wrapped := PHPCS_WRAPPED_RE.match(lines[end + 1])):
        message.append(wrapped.group("message"))
        end += 1
    text = " ".join(message)
    return Draft(
        start=index,
        end=end,
        message=text,
        error_type=detect_error_type(text) or "PHP_CodeSniffer",
        file=scan.repo_path(header.group("path")),
        line=to_int(row.group("line")),
        ecosystem=Ecosystem.PHP,
    )
