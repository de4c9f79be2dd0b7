"""Go: panics with their goroutine stacks, and `go test` failures joined to their package."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..blocks import (
    Draft,
    block_end,
    to_int,
)
from ..ecosystems import Ecosystem
from ..locate import join_repo_path, package_dir
from .scan import Scan

GO_PACKAGE_LOOKAHEAD = 3000
GO_STACK_LINES = 200


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
        frame = scan.first_repo_frame(index + 1, index + GO_STACK_LINES, GO_FRAME_FILE_RE)
        return Draft(
            start=index,
            end=end,
            message=panic.group("message").strip(),
            error_type="panic",
            file=frame.file if frame else None,
            line=frame.line if frame else None,
            ecosystem=Ecosystem.GO,
        )
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


def _go_test_package(lines: Sequence[str], start: int) -> str | None:
    for index in range(start, min(len(lines), start + GO_PACKAGE_LOOKAHEAD)):
        result = GO_PACKAGE_RESULT_RE.match(lines[index])
        if result:
            return result.group("package") or result.group("p2")
    return None
