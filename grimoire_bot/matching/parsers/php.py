"""PHP: the interpreter's own errors and PHPUnit's failure reports."""

from __future__ import annotations

import re

from ..blocks import LINE_PATH, Draft, block_end, detect_error_type, to_int
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
