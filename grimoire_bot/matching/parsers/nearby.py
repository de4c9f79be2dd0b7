"""Where an error is when its parser read the message but found no place: nearby.

A parser knows where its format prints the place. When the place came in another shape,
the record used to have none, and no annotation could point at the file:
- a stack behind a runner's own marks (randomizedtesting's `   > \\tat ...`, Kibana's
  `│ at Context.it (test/a.js:47:53)`), or in a shape the format does not know (Dart's
  `#4 main.<anonymous closure> (file:///.../test/widget_test.dart:27:5)`);
- the place on the message's own line behind something the parser did not expect
  (`:: ../a.cpp:31:10: fatal error: ...`, an Azure summary's `+ A.cs (28): code\\A.cs(28,29):
  Error CS0103: ...`, rust tidy's `tidy error: /checkout/src/a.rs:207: line longer ...`);
- the place printed alone just above the message (GHC 7's `src/A.hs:195:66:` with the
  message indented below it, Cake's quoted `build.cake(239,2)`).

So an error without a place takes the first repository place its own lines (or the stack
they are a frame of) name, in any of the shapes tools print one, else the first frame of a
stack right below them, else the nearest frame of a Python traceback right above them,
else a place standing alone on one of the few lines above them, up to a blank line.
Third-party and toolchain files never count (`Scan.repo_path`). A Python traceback prints
the outermost frame first, so there the last repository frame is the place.

Inside a line, a place must look like a source file: a path with a folder, or a file name
with a source extension; `registry.npmjs.org:443` and `Buffer.alloc(10)` are not places.
Only the first `MAX_SCANNED_CHARS` of a line are searched: the shapes start anywhere, and a
pathological line must not cost more than a short one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..blocks import LINE_PATH, PATH, to_int
from ..ecosystems import EXTENSION_TO_ECOSYSTEM
from .javascript import NODE_CORE_FILE
from .scan import Location, Scan
from .stacks import STACK_LINES, jvm_frame_place

LINES_ABOVE = 4
LINES_BELOW = 12  # a stack may follow an error's own lines under marks its parser missed
MAX_SCANNED_CHARS = 2000
# A place found inside a line is a source file's: one with a folder, or with one of these.
SOURCE_EXTENSIONS = frozenset(EXTENSION_TO_ECOSYSTEM) | {
    "cake", "pas", "dpr", "hs", "ml", "mli", "nim", "zig", "d", "lua", "r", "jl", "clj", "sol",
    "f90", "f", "proto", "sql", "json", "yml", "yaml", "toml", "xml", "xaml", "cshtml",
    "razor", "astro", "elm", "purs", "v", "sv", "vhd", "gd", "pl", "pm",
}  # fmt: skip
# Every character `PATH` may start with: a shape must not begin inside another path.
NOT_AFTER_PATH = r"(?<![\w.\\/:\-@~+$%])"
PYTHON_FRAME_RE = re.compile(r"\bFile \"(?P<path>[^\"]+)\", line (?P<line>\d+)")
JVM_FRAME_ANYWHERE_RE = re.compile(
    r"(?<![\w$.])(?P<cls>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)\.[\w$<>-]+"
    r"\((?P<file>[\w$-]+\.(?P<ext>java|kt|scala|groovy|clj)):(?P<line>\d+)\)"
)
JVM_HINT_RE = re.compile(r"\.(?:java|kt|scala|groovy|clj):\d")
PLACE_RES = (
    # JavaScript and Dart frames: `(src/a.js:47:53)`, `(file:///home/u/app/test/a.dart:27:5)`.
    re.compile(rf"\((?:file://)?(?P<path>{PATH}):(?P<line>\d+)(?::(?P<col>\d+))?\)"),
    # MSBuild and Visual Studio: `code\\A.cs(28,29)`.
    re.compile(
        rf"{NOT_AFTER_PATH}(?P<path>{PATH})\((?P<line>\d+)(?:,(?P<col>\d+))?(?:,\d+,\d+)?\)"
    ),
    # `path:line[:col]`, as most tools print it.
    re.compile(
        rf"{NOT_AFTER_PATH}(?:file://)?(?P<path>{PATH}):(?P<line>\d+)(?::(?P<col>\d+))?(?![\d/])"
    ),
)
# A place alone on its line, as a header above the message (`-->` is rustc's arrow; Cake
# quotes MSBuild's `build.cake(239,2)`).
PLACE_ALONE_RE = re.compile(
    rf"^\s*(?:-->\s*)?[`'\"]?(?:file://)?(?P<path>{LINE_PATH})"
    r"(?::(?P<line>\d+)(?::(?P<col>\d+))?|\((?P<paren_line>\d+)(?:,(?P<paren_col>\d+))?\))"
    r"[`'\"]?:?\s*$"
)
NODE_CORE_FILE_RE = re.compile(NODE_CORE_FILE)
# A stack frame behind whatever marks a runner puts first (`   > \tat`, `│   at`, `#4  `).
FRAME_LINE_RE = re.compile(r"^[^\w\"]*(?:at\s|#\d+\s)")
PYTHON_FRAME_LINE_RE = re.compile(r"^[^\w\"]*File \"")


def place_nearby(scan: Scan, start: int, end: int) -> Location | None:
    """The place of the error whose lines are [start, end], as the module says."""
    own = (
        _own_place(scan, _top_of_stack(scan, start), end)
        or _frame_below(scan, end)
        or _python_frame_above(scan, start)
    )
    if own is not None:
        return own
    for index in range(start - 1, max(-1, start - 1 - LINES_ABOVE), -1):
        line = scan.lines[index]
        if not line.strip():
            return None
        alone = PLACE_ALONE_RE.match(line[:MAX_SCANNED_CHARS])
        if alone is not None:
            return _located(scan, index, alone)
    return None


def _own_place(scan: Scan, start: int, end: int) -> Location | None:
    python_frames: list[Location] = []
    for index in range(max(start, 0), min(end + 1, len(scan.lines))):
        line = scan.lines[index][:MAX_SCANNED_CHARS]
        if 'File "' in line:
            python_frames.extend(
                place
                for frame in PYTHON_FRAME_RE.finditer(line)
                if (place := _located(scan, index, frame)) is not None
            )
            continue
        place = next(_places_in(scan, index), None)
        if place is not None:
            return python_frames[-1] if python_frames else place
    return python_frames[-1] if python_frames else None


def _top_of_stack(scan: Scan, start: int) -> int:
    """Where the stack begins that the line at `start` is a frame of (the step's last
    error-ish line may be a frame: `at org.testng.Assert.fail(...)`); `start` otherwise."""
    top = start
    while top > max(0, start - STACK_LINES) and _is_frame(scan.lines[top]):
        if not _is_frame(scan.lines[top - 1]):
            break
        top -= 1
    return top


def _is_frame(line: str) -> bool:
    return bool(FRAME_LINE_RE.match(line) or PYTHON_FRAME_LINE_RE.match(line))


def _frame_below(scan: Scan, end: int) -> Location | None:
    """The first repository frame of a stack right below the error's lines (innermost
    first, as JVM, JavaScript and Dart print them)."""
    in_stack = False
    for index in range(end + 1, min(end + 1 + LINES_BELOW, len(scan.lines))):
        line = scan.lines[index]
        if not line.strip():
            return None
        if not FRAME_LINE_RE.match(line):
            if in_stack:  # the stack ended: what follows is another error's
                return None
            continue  # the message's own further lines (`Expected: <-2L>`)
        in_stack = True
        place = next(_places_in(scan, index), None)
        if place is not None:
            return place
    return None


def _python_frame_above(scan: Scan, start: int) -> Location | None:
    """The innermost repository frame of a Python traceback printed right above the error
    (its exception line) behind marks its parser did not expect: the nearest one."""
    for index in range(start - 1, max(-1, start - 1 - STACK_LINES), -1):
        line = scan.lines[index][:MAX_SCANNED_CHARS]
        if not line.strip():
            return None
        frame = PYTHON_FRAME_RE.search(line) if 'File "' in line else None
        if frame is not None and (place := _located(scan, index, frame)) is not None:
            return place
    return None


def _places_in(scan: Scan, index: int) -> Iterator[Location]:
    line = scan.lines[index][:MAX_SCANNED_CHARS]
    frames = list(JVM_FRAME_ANYWHERE_RE.finditer(line)) if JVM_HINT_RE.search(line) else []
    for frame in frames:
        if (place := jvm_frame_place(scan, frame)) is not None:
            yield place
    if frames:  # a JVM frame names a class, not a path: no other shape reads it
        return
    for shape in PLACE_RES:
        for found in shape.finditer(line):
            if _is_source_file(found.group("path")):
                place = _located(scan, index, found)
                if place is not None:
                    yield place


def _is_source_file(raw: str) -> bool:
    if "/" in raw or "\\" in raw:
        return True
    if NODE_CORE_FILE_RE.fullmatch(raw):  # old Node's `(vm.js:56:10)` is the runtime's
        return False
    return raw.rsplit(".", 1)[-1].lower() in SOURCE_EXTENSIONS


def _located(scan: Scan, index: int, found: re.Match[str]) -> Location | None:
    path = scan.repo_path_at(found.group("path"), index)
    if path is None:
        return None
    groups = found.groupdict()
    line = groups.get("line") or groups.get("paren_line")
    return Location(path, to_int(line), to_int(groups.get("col") or groups.get("paren_col")))
