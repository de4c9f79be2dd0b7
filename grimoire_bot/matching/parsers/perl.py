"""Perl: Test::More's failed assertions under `prove`, and `die`'s `... at FILE line N.`"""

from __future__ import annotations

import re

from ..blocks import PATH, Draft, block_end, to_int
from .scan import Scan

# `#   Failed test 'config'` then `#   at t/01_basic.t line 30.` (one line when the name is
# short: `#   Failed test 'ok' at t/a.t line 3.`), indented four more spaces per subtest;
# the innermost failure comes first, its subtest's own failure after it.
TEST_MORE_FAILED_RE = re.compile(r"^\s*#\s+Failed (?:\(TODO\) )?test\b(?P<name>.*)$")
PERL_PLACE_RE = re.compile(rf"\bat (?P<path>{PATH}) line (?P<line>\d+)\.?\s*$")
TEST_MORE_PLACE_LINES = 3
# `die` and `croak`: `Can't locate Foo.pm in @INC (...) at lib/App.pm line 12.`
PERL_DIE_RE = re.compile(rf"^\s*(?P<message>\S.*?) at (?P<path>{PATH}) line (?P<line>\d+)\.\s*$")
PERL_SOURCES = (".pm", ".pl", ".t")


def parse_test_more(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    head = TEST_MORE_FAILED_RE.match(lines[index])
    if head is None:
        return None
    for probe in range(index, min(len(lines), index + TEST_MORE_PLACE_LINES)):
        place = PERL_PLACE_RE.search(lines[probe])
        if place is not None:
            name = PERL_PLACE_RE.sub("", head.group("name")).strip()
            return Draft(
                start=index,
                end=probe,
                message=f"Failed test {name}".strip(),
                file=scan.repo_path(place.group("path")),
                line=to_int(place.group("line")),
            )
    return None


def parse_perl_die(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    if " line " not in line:
        return None
    died = PERL_DIE_RE.match(line)
    if died is None or not died.group("path").endswith(PERL_SOURCES):
        return None
    return Draft(
        start=index,
        end=block_end(scan.lines, index),
        message=died.group("message").strip(),
        file=scan.repo_path(died.group("path")),
        line=to_int(died.group("line")),
    )
