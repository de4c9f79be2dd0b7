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
# testify names the failing assertion's place (`Error Trace:` since 2017, `Location:` before),
# after its own helper's line (`assertions.go:154:`), which is not the place.
TESTIFY_PLACE_RE = re.compile(r"^\s*(?:Error Trace|Location):\s+(?P<path>\S+\.go):(?P<line>\d+)")
TESTIFY_ERROR_RE = re.compile(r"^\s*Error:\s+\S")
# Ginkgo 2: `[FAILED] message` (or `[PANICKED]`), the spec's place a few lines below it.
GINKGO_FAILED_RE = re.compile(r"^\s*\[(?:FAILED|PANICKED)\]\s*(?P<message>.*)$")
GINKGO_PLACE_RE = re.compile(r"^\s*In \[\w+\] at: (?P<path>\S+\.go):(?P<line>\d+)")
GINKGO_LOOKAHEAD = 40
# gocheck's report: `... Panic: message (PC=0x...)`, then `file.go:12` and `  in Func` pairs.
GOCHECK_PANIC_RE = re.compile(r"^\.\.\. Panic: (?P<message>.+?)(?: \(PC=0x[0-9A-Fa-f]+\))?\s*$")
GOCHECK_FRAME_RE = re.compile(r"^(?P<path>\S+\.go):(?P<line>\d+)\s*$")
# gocheck's failure: `FAIL: logbuf_test.go:112: S.TestClose` (the test's line), then the
# failed check's place alone, `logbuf_test.go:141:`, its source and `... obtained ...`.
# (A `PANIC: ` header is followed by `... Panic: `, read with its stack above.)
GOCHECK_FAIL_RE = re.compile(r"^FAIL: (?P<path>\S+\.go):(?P<line>\d+): (?P<test>\S+)\s*$")
GOCHECK_CHECK_RE = re.compile(r"^(?P<path>\S+\.go):(?P<line>\d+):\s*$")
GOCHECK_LOOKAHEAD = 12
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
            file=_trimmed(scan, frame.file) if frame else None,
            line=frame.line if frame else None,
            ecosystem=Ecosystem.GO,
        )
    gocheck = GOCHECK_PANIC_RE.match(lines[index])
    if gocheck:
        return _gocheck_panic(scan, index, gocheck.group("message"))
    if lines[index].startswith("FAIL: ") and (failed_check := GOCHECK_FAIL_RE.match(lines[index])):
        return _gocheck_failure(scan, index, failed_check)
    if any(literal in lines[index] for literal in ("Error Trace:", "[FAILED]", "[PANICKED]")):
        return _testify_alone(scan, index) or _ginkgo_failure(scan, index)
    failed = GO_TEST_FAIL_RE.match(lines[index])
    if failed is None:
        return None
    end = block_end(lines, index)
    draft = Draft(start=index, end=end, message=lines[index].strip(), ecosystem=Ecosystem.GO)
    testify = next(
        (m for i in range(index + 1, end + 1) if (m := TESTIFY_PLACE_RE.match(lines[i]))), None
    )
    for probe in range(index + 1, end + 1):
        location = GO_TEST_LOCATION_RE.match(lines[probe])
        if location or testify:
            package = failed.group("package") or _go_test_package(lines, end)
            file = testify.group("path") if testify else location.group("file")
            draft.file = _in_package(scan, package, file)
            draft.line = to_int(testify.group("line") if testify else location.group("line"))
            if location:
                draft.message = location.group("message").strip() or draft.message
            break
    return draft


def _testify_alone(scan: Scan, index: int) -> Draft | None:
    """testify's report without `go test`'s `--- FAIL` above it (a paste that starts at
    the assertion): its place, and the `Error:` line below as the message."""
    place = TESTIFY_PLACE_RE.match(scan.lines[index])
    if place is None:
        return None
    lines = scan.lines
    end = block_end(lines, index)
    below = range(index + 1, end + 1)
    said = next((lines[i] for i in below if TESTIFY_ERROR_RE.match(lines[i])), "")
    return Draft(
        start=index,
        end=end,
        message=said.strip() or lines[index].strip(),
        file=scan.repo_path(place.group("path")),
        line=to_int(place.group("line")),
        ecosystem=Ecosystem.GO,
    )


def _ginkgo_failure(scan: Scan, index: int) -> Draft | None:
    """Ginkgo 2's `[FAILED] message`, placed by the `In [It] at: path:12` line below it."""
    failed = GINKGO_FAILED_RE.match(scan.lines[index])
    if failed is None:
        return None
    for probe in range(index + 1, min(len(scan.lines), index + GINKGO_LOOKAHEAD)):
        place = GINKGO_PLACE_RE.match(scan.lines[probe])
        if place is not None:
            return Draft(
                start=index,
                end=probe,
                message=failed.group("message").strip() or scan.lines[index + 1].strip(),
                file=scan.repo_path(place.group("path")),
                line=to_int(place.group("line")),
                ecosystem=Ecosystem.GO,
            )
    return None


def _trimmed(scan: Scan, file: str) -> str:
    """A frame of a binary built with `-trimpath` names the module's import path, not a
    folder (`example.com/x/app/cmd/app/main.go`): the repository path is the package's."""
    host = file.split("/", 1)[0]
    if "/" not in file or "." not in host or host.endswith(".go"):
        return file
    folder, name = file.rsplit("/", 1)
    return join_repo_path(package_dir(folder, scan.hints), name)


def _in_package(scan: Scan, package: str | None, file: str) -> str | None:
    """A Go file as a test prints it (a base name, or a path) in the repository."""
    if "/" in file or "\\" in file:
        return scan.repo_path(file)
    directory = package_dir(package, scan.hints) if package else ""
    return join_repo_path(directory, file)


def _gocheck_panic(scan: Scan, index: int, message: str) -> Draft:
    """gocheck's panic report: the first frame outside the Go runtime, base names joined to
    the package `go test` reports failed below."""
    lines = scan.lines
    end, frame = index, None
    for probe in range(index + 1, min(len(lines), index + GO_STACK_LINES)):
        found = GOCHECK_FRAME_RE.match(lines[probe].strip())
        if found is None:
            if lines[probe].strip() and not lines[probe].startswith(" "):
                break
            continue
        end = probe + 1
        if frame is None and scan.repo_path(found.group("path")) is not None:
            frame = found
    file = line = None
    if frame is not None:
        package = _go_test_package(lines, end) if "/" not in frame.group("path") else None
        file, line = _in_package(scan, package, frame.group("path")), to_int(frame.group("line"))
    return Draft(
        start=index,
        end=min(end, len(lines) - 1),
        message=message.strip(),
        error_type="panic",
        file=file,
        line=line,
        ecosystem=Ecosystem.GO,
    )


def _gocheck_failure(scan: Scan, index: int, header: re.Match[str]) -> Draft:
    """gocheck's failed test, placed at the check that failed in it (the test's own line
    when the report has none), base names joined to the package `go test` reports."""
    lines = scan.lines
    stop = min(len(lines), index + GOCHECK_LOOKAHEAD)
    place: re.Match[str] = header
    end = index
    for probe in range(index + 1, stop):
        if (check := GOCHECK_CHECK_RE.match(lines[probe])) is not None:
            place, end = check, block_end(lines, probe)
            break
    said = next(
        (lines[i].strip() for i in range(index + 1, stop) if lines[i].startswith("... ")),
        lines[index].strip(),
    )
    package = _go_test_package(lines, end) if "/" not in place.group("path") else None
    return Draft(
        start=index,
        end=min(end, len(lines) - 1),
        message=said,
        error_type="gocheck",
        file=_in_package(scan, package, place.group("path")),
        line=to_int(place.group("line")),
        ecosystem=Ecosystem.GO,
    )


def _go_test_package(lines: Sequence[str], start: int) -> str | None:
    for index in range(start, min(len(lines), start + GO_PACKAGE_LOOKAHEAD)):
        result = GO_PACKAGE_RESULT_RE.match(lines[index])
        if result:
            return result.group("package") or result.group("p2")
    return None
