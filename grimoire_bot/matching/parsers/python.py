"""Python: tracebacks (deepest repository frame), pytest's failure reports, and the type
checkers', doctest's and Sphinx's."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..blocks import (
    LINE_PATH,
    PATH,
    Draft,
    block_end,
    detect_error_type,
    indentation,
    is_blank,
    short_class_name,
    to_int,
)
from ..ecosystems import Ecosystem
from .scan import Location, Scan

PYTHON_TRACEBACK_LOOKBACK = 400
SECTION_MAX_LINES = 400


# --- tracebacks --------------------------------------------------------------------------

# IPython and Jupyter put the exception's class before it, and no colon after it.
TRACEBACK_HEAD_RE = re.compile(r"^\s*(?:[A-Z][\w.]*\s+)?Traceback \(most recent call last\):?\s*$")
# A frame may carry a list bullet when the traceback was pasted as a Markdown list.
PY_FRAME_RE = re.compile(
    r'^\s*(?:[-*] )?File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?$'
)
# IPython 8's frames: `File ~/repo/pkg/mod.py:329, in func(args)`, which JupyterLab pastes
# as a Markdown link (`File [~/repo/pkg/mod.py:329](http://...), in func`), and a cell's
# own `Cell In[3], line 2`.
IPYTHON_FRAME_RE = re.compile(
    r"^\s*File \[?(?P<path>[^\s\[\]()]+\.pyx?):(?P<line>\d+)(?:\]\([^)\s]*\)|\])?"
    r"(?:, in (?P<func>.+))?\s*$"
)
IPYTHON_SOURCE_RE = re.compile(r"^\s*-*> \d+ ")
IPYTHON_CELL_RE = re.compile(r"^\s*Cell In ?\[\d*\], line \d+")
# An assertion helper a project wraps around unittest's or its own checks.
ASSERTION_HELPER_RE = re.compile(r"^_*assert", re.IGNORECASE)
PY_EXCEPTION_RE = re.compile(
    r"^(?P<indent>\s*)(?P<cls>(?:[A-Za-z_]\w*\.)*[A-Z]\w*)(?:: (?P<message>.*)|:?\s*)$"
)


def parse_python_traceback(scan: Scan, index: int) -> Draft | None:
    """A traceback, seen from its header line or from its final exception line."""
    lines = scan.lines
    if TRACEBACK_HEAD_RE.match(lines[index]):
        exception_index = _traceback_exception_line(lines, index)
        if exception_index is None:
            return None
        return _python_exception_draft(scan, index, exception_index)
    match = PY_EXCEPTION_RE.match(lines[index])
    if not match or index == 0:
        return None
    start = _frames_start(lines, index)
    if start is None:
        return None
    return _python_exception_draft(scan, start, index)


def _traceback_exception_line(lines: Sequence[str], head: int) -> int | None:
    margin = indentation(lines[head])
    after_frame = False
    for index in range(head + 1, min(len(lines), head + PYTHON_TRACEBACK_LOOKBACK)):
        line = lines[index]
        if is_blank(line) or indentation(line) > margin:
            continue
        # A traceback quoted without its indentation: frames and their source lines sit
        # at the margin too.
        if _is_frame(line):
            after_frame = True
            continue
        if PY_EXCEPTION_RE.match(line):
            return index
        if not after_frame:
            return None
        after_frame = False
    return None


def _is_frame(line: str) -> bool:
    return bool(
        PY_FRAME_RE.match(line) or IPYTHON_FRAME_RE.match(line) or IPYTHON_CELL_RE.match(line)
    )


def _frames_start(lines: Sequence[str], exception_index: int) -> int | None:
    """The first line of the frames right above an exception line, if there are frames."""
    start = None
    margin = indentation(lines[exception_index])
    lowest = max(0, exception_index - PYTHON_TRACEBACK_LOOKBACK)
    for index in range(exception_index - 1, lowest - 1, -1):
        line = lines[index]
        if TRACEBACK_HEAD_RE.match(line):
            return index
        if _is_frame(line):
            start = index
            continue
        if indentation(line) > margin and not is_blank(line):
            continue  # a frame's source line or ^^^^ marker
        if index > lowest and _is_frame(lines[index - 1]) and not is_blank(line):
            continue  # the same, in a traceback quoted without its indentation
        if IPYTHON_SOURCE_RE.match(line):
            continue  # IPython's `----> 1 import x`, at the margin
        if index == exception_index - 1 and is_blank(line):
            continue  # IPython leaves a blank line above the exception
        break
    return start


def _python_exception_draft(scan: Scan, start: int, exception_index: int) -> Draft:
    lines = scan.lines
    match = PY_EXCEPTION_RE.match(lines[exception_index])
    assert match is not None
    cls = match.group("cls")
    message = (match.group("message") or "").strip()
    frame = _raising_frame(scan, start, exception_index, assertion=cls.endswith("AssertionError"))
    end = block_end(lines, exception_index)
    return Draft(
        start=start,
        end=end,
        message=f"{short_class_name(cls)}: {message}" if message else cls,
        error_type=short_class_name(cls),
        file=frame.file if frame else None,
        line=frame.line if frame else None,
        ecosystem=Ecosystem.PYTHON,
    )


def _raising_frame(scan: Scan, start: int, stop: int, *, assertion: bool) -> Location | None:
    """Python prints the innermost frame last: the deepest one in the repository is the
    repository's own line that raised (or called into the library that did). A failed
    assertion raised inside the project's own assertion helper (`assertItemsEqual` in a
    `test_utils.py`) is the test's that called it, as a library's assertion would be."""
    # Read here rather than through `Scan.repo_frames`: the function's name is wanted too.
    frames: list[tuple[Location, bool]] = []
    for index in range(max(start, 0), min(stop, len(scan.lines))):
        found = PY_FRAME_RE.match(scan.lines[index]) or IPYTHON_FRAME_RE.match(scan.lines[index])
        if found is None:
            continue
        path = scan.repo_path(found.group("path"))
        if path is not None:
            helper = assertion and ASSERTION_HELPER_RE.match(found.group("func") or "") is not None
            frames.append((Location(path, to_int(found.group("line"))), helper))
    while len(frames) > 1 and frames[-1][1]:
        frames.pop()
    return frames[-1][0] if frames else None


# --- pytest ------------------------------------------------------------------------------

PYTEST_SECTION_RE = re.compile(r"^_{3,} (?P<title>.+?) _{3,}$")
PYTEST_SECTION_END_RE = re.compile(r"^(?:_{3,} .+ _{3,}|={3,}.*)$")
PYTEST_E_LINE_RE = re.compile(r"^E\s+(?P<text>.*)$")
PYTEST_LOCATION_RE = re.compile(
    rf"^(?P<path>{PATH}):(?P<line>\d+): (?P<cls>(?:[A-Za-z_]\w*\.)*[A-Z]\w*|in \S+)\s*$"
)
PYTEST_FIXTURE_FILE_RE = re.compile(rf"^file (?P<path>{PATH}), line (?P<line>\d+)$")
PYTEST_MISSING_FIXTURE_RE = re.compile(r"^(?:E\s+)?fixture '[^']+' not found")
PYTEST_SUMMARY_RE = re.compile(
    rf"^(?P<kind>FAILED|ERROR) (?P<path>{PATH})(?:::(?P<test>\S+))?(?: - (?P<message>.+))?$"
)
PYTEST_COLLECTING_RE = re.compile(rf"ERROR collecting (?P<path>{PATH})")
PYTEST_IMPORT_HEADER_RE = re.compile(
    r"^(?P<cls>\w+Error) while importing test module '(?P<path>[^']+)'"
)
SHORT_TRACEBACK_LOOKBACK = 40
PYTEST_SECTION_PATH_RE = re.compile(PATH)
PYTEST_PLUGIN_ROW_RE = re.compile(
    r"^(?P<line>\d+)(?::(?P<col>\d+))?: error: (?P<message>.+?)(?:  \[(?P<code>[\w-]+)\])?\s*$"
)


def parse_pytest_section(scan: Scan, index: int) -> Draft | None:
    """A `____ test_name ____` failure section, or its `FAILED path::test - msg` line."""
    lines = scan.lines
    header = PYTEST_SECTION_RE.match(lines[index])
    if header is None:
        return _pytest_summary_line(scan, index)
    end = index
    for probe in range(index + 1, min(len(lines), index + SECTION_MAX_LINES)):
        if PYTEST_SECTION_END_RE.match(lines[probe]):
            break
        end = probe
    body = lines[index + 1 : end + 1]
    checked = _checked_file_section(scan, index, header.group("title"), body)
    if checked is not None:
        return checked
    e_lines = [m.group("text") for m in map(PYTEST_E_LINE_RE.match, body) if m]
    file, line, cls = _pytest_location(scan, body)
    collecting = PYTEST_COLLECTING_RE.search(header.group("title"))
    if file is None and collecting:
        file = scan.repo_path(collecting.group("path"))
    fixture_error = _old_fixture_error(body) if not e_lines else None
    if not e_lines and cls is None and collecting is None and fixture_error is None:
        return None
    message = next(
        (text.strip() for text in e_lines if text.strip()), fixture_error or header.group("title")
    )
    error_type = detect_error_type(message) or (cls if cls and not cls.startswith("in ") else None)
    # The error's text is what pytest says about it, not the source listing around it.
    kept = [lines[index], *(text for text in body if _is_pytest_evidence(text))]
    if fixture_error is not None:
        kept.append(fixture_error)
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=error_type,
        file=file,
        line=line,
        ecosystem=Ecosystem.PYTHON,
        text_lines=tuple(kept),
    )


def _checked_file_section(scan: Scan, index: int, title: str, body: Sequence[str]) -> Draft | None:
    """pytest-mypy's section of a file: `____ path ____`, then `31: error: message` rows."""
    first = next((i for i, text in enumerate(body) if text.strip()), None)
    row = PYTEST_PLUGIN_ROW_RE.match(body[first]) if first is not None else None
    if row is None or not PYTEST_SECTION_PATH_RE.fullmatch(title):
        return None
    message = row.group("message").strip()
    return Draft(
        start=index,
        end=index + 1 + first,
        message=message,
        error_type=row.group("code") or detect_error_type(message),
        file=scan.repo_path(title),
        line=to_int(row.group("line")),
        column=to_int(row.group("col")),
        ecosystem=Ecosystem.PYTHON,
    )


def parse_pytest_short_traceback(scan: Scan, index: int) -> Draft | None:
    """pytest's short tracebacks (`--tb=short`, collection errors): `path:line: in f`
    location lines and source lines, then the `E   Exception: message` lines."""
    lines = scan.lines
    if not lines[index].startswith("E ") or not PYTEST_E_LINE_RE.match(lines[index]):
        return None
    start = index
    for probe in range(index - 1, max(-1, index - SHORT_TRACEBACK_LOOKBACK), -1):
        line = lines[probe]
        if PYTEST_IMPORT_HEADER_RE.match(line):
            start = probe
            break
        if not (
            PYTEST_LOCATION_RE.match(line)
            or line.startswith((" ", "\t", ">"))
            or line.strip() in ("Traceback:", "")
            or line.startswith("Hint:")
        ):
            break
        start = probe
    while start < index and is_blank(lines[start]):
        start += 1
    end = index
    while end + 1 < len(lines) and lines[end + 1].startswith("E "):
        end += 1
    body = lines[start : end + 1]
    file, line_number, _ = _pytest_location(scan, body)
    header = PYTEST_IMPORT_HEADER_RE.match(lines[start])
    if file is None and header:
        file = scan.repo_path(header.group("path"))
    message = PYTEST_E_LINE_RE.match(lines[index]).group("text").strip()
    return Draft(
        start=start,
        end=end,
        message=message,
        error_type=detect_error_type(message),
        file=file,
        line=line_number if file else None,
        ecosystem=Ecosystem.PYTHON,
    )


def _old_fixture_error(body: Sequence[str]) -> str | None:
    """What pytest before 3 says under `file PATH, line N` of a setup error, which it
    printed without `E` lines (`fixture 'caplog' not found`); None when it is not one."""
    if not any(PYTEST_FIXTURE_FILE_RE.match(text) for text in body):
        return None
    said = [text.strip() for text in body if text.strip()]
    return next((text for text in said if PYTEST_MISSING_FIXTURE_RE.match(text)), said[-1])


def _is_pytest_evidence(line: str) -> bool:
    return bool(
        PYTEST_E_LINE_RE.match(line)
        or PYTEST_LOCATION_RE.match(line)
        or PYTEST_FIXTURE_FILE_RE.match(line)
        or line.startswith(">")
    )


def _pytest_location(scan: Scan, body: Sequence[str]) -> tuple[str | None, int | None, str | None]:
    file: str | None = None
    line: int | None = None
    cls: str | None = None
    for text in body:
        match = PYTEST_LOCATION_RE.match(text) or PYTEST_FIXTURE_FILE_RE.match(text)
        if not match:
            continue
        path = scan.repo_path(match.group("path"))
        if path is not None:
            file, line = path, to_int(match.group("line"))
        if "cls" in match.groupdict() and match.group("cls"):
            cls = match.group("cls")
    return file, line, cls


def _pytest_summary_line(scan: Scan, index: int) -> Draft | None:
    match = PYTEST_SUMMARY_RE.match(scan.lines[index])
    if match is None:
        return None
    message = match.group("message") or f"{match.group('kind')} {match.group('test') or ''}"
    return Draft(
        start=index,
        end=index,
        message=message.strip(),
        error_type=detect_error_type(message),
        file=scan.repo_path(match.group("path")),
        ecosystem=Ecosystem.PYTHON,
    )


# --- pylint before 2.0: `E:  2, 5: message (symbol)` under `************* Module name` ------

PYLINT_TEXT_RE = re.compile(
    r"^(?P<level>[CRWEF])(?P<code>\d{4})?: *(?P<line>\d+), *-?\d+: (?P<message>.+)$"
)
PYLINT_MODULE_RE = re.compile(r"^\*{5,} Module (?P<module>[\w.]+)\s*$")
PYLINT_SYMBOL_RE = re.compile(r" \((?P<symbol>[a-z][\w-]*)\)\s*$")
PYLINT_MODULE_LOOKBACK = 2000


def parse_pylint_text(scan: Scan, index: int) -> Draft | None:
    """An error or fatal message of pylint 1.x's text format; its file is the module the
    header above names (conventions, refactors and warnings fail the job but are no error)."""
    lines = scan.lines
    if lines[index][:1] not in ("E", "F"):
        return None
    match = PYLINT_TEXT_RE.match(lines[index])
    if match is None or match.group("level") not in "EF":
        return None
    module = header_at = None
    for probe in range(index - 1, max(-1, index - PYLINT_MODULE_LOOKBACK), -1):
        header = PYLINT_MODULE_RE.match(lines[probe])
        if header is not None:
            module, header_at = header.group("module"), probe
            break
    if module is None or header_at is None:
        return None
    file = module.replace(".", "/") + ".py"
    message = match.group("message").strip()
    symbol = PYLINT_SYMBOL_RE.search(message)
    return Draft(
        start=index,
        end=index,
        message=message,
        error_type=match.group("code") or (symbol.group("symbol") if symbol else None),
        file=scan.repo_path(_named_above(lines, header_at, file) or file),
        line=to_int(match.group("line")),
        ecosystem=Ecosystem.PYTHON,
    )


PYLINT_COMMAND_LINES = 6


def _named_above(lines: Sequence[str], header: int, file: str) -> str | None:
    """The path a wrapper printed just above pylint's header for the module's file
    (`running pylint on src/nupic/algorithms/CLAClassifier.py`): the header names only the
    module, relative to wherever pylint was pointed."""
    ending = re.compile(rf"(?:^|[\s'\"=])(?P<path>[\w./\\-]*[/\\]{re.escape(file)})(?=$|[\s'\"])")
    for probe in range(header - 1, max(-1, header - PYLINT_COMMAND_LINES), -1):
        found = ending.search(lines[probe])
        if found is not None:
            return found.group("path")
    return None


# --- Pyright: the file alone, then `  3:12 - error: message (rule)` rows below it -----------

PYRIGHT_ROW_RE = re.compile(
    r"^(?P<indent>\s+)(?P<line>\d+):(?P<col>\d+) - (?P<level>error|warning|information): "
    r"(?P<message>.+?)(?: \((?P<rule>report\w+)\))?\s*$"
)


def parse_pyright(scan: Scan, index: int) -> Draft | None:
    """A row of pyright's report, placed in the file named above its rows (their wrapped
    messages are indented deeper). Pyright 1.1.300 and later repeat the path on each row:
    that is a compiler's `path:3:12 - error: ...` line, read as one."""
    lines = scan.lines
    row = PYRIGHT_ROW_RE.match(lines[index])
    if row is None:
        return None
    margin = len(row.group("indent"))
    path = scan.file_named_above(
        index, lambda _, line: bool(PYRIGHT_ROW_RE.match(line)) or indentation(line) > margin
    )
    if path is None:
        return None
    level = row.group("level")
    return Draft(
        start=index,
        end=block_end(lines, index),
        message=row.group("message").strip(),
        error_type=row.group("rule"),
        file=scan.repo_path(path),
        line=to_int(row.group("line")),
        column=to_int(row.group("col")),
        ecosystem=Ecosystem.PYTHON,
        warning=level != "error",
    )


# --- Sphinx and docutils ---------------------------------------------------------------------

# `docs/x.rst:87: WARNING: message`, docutils' `docs/x.rst:87: (ERROR/3) message`, autodoc's
# `pkg/mod.py:docstring of pkg.mod.f:12: WARNING: ...` (a line of the docstring, not the file)
# and `docs/x.rst: WARNING: document isn't included in any toctree` (the file as a whole).
SPHINX_RE = re.compile(
    rf"^(?P<path>{LINE_PATH})(?::(?P<docstring>docstring of [^:\s]+))?(?::(?P<line>\d+))?: "
    r"(?:(?P<level>WARNING|ERROR|CRITICAL|SEVERE):|\((?P<docutils>WARNING|ERROR|SEVERE)/\d\))"
    r" (?P<message>.+)$"
)
# With -W, Sphinx 1.8 to 7 print a warning turned error without its level:
# `docs/library/esp32.rst:87:duplicate object description of ...`.
SPHINX_BARE_RE = re.compile(
    r"^(?P<path>(?:[A-Za-z]:)?[\w.\-@~+$%/\\]+\.(?:rst|rest|txt|md|inc)):(?P<line>\d+):"
    r"(?P<message>[^\s\d].*)$"
)


def parse_sphinx(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    match = SPHINX_RE.match(line) if ": " in line else None
    if match is None:
        match = SPHINX_BARE_RE.match(line)
        if match is None:
            return None
    groups = match.groupdict()
    level = groups.get("level") or groups.get("docutils") or "ERROR"
    message = match.group("message").strip()
    return Draft(
        start=index,
        end=block_end(scan.lines, index),
        message=message,
        error_type=f"Sphinx {level.lower()}",
        file=scan.repo_path_at(match.group("path"), index),
        line=None if groups.get("docstring") else to_int(groups.get("line")),
        ecosystem=Ecosystem.PYTHON,
        warning=level == "WARNING",
    )


# --- doctest: `File "pkg/mod.py", line 12, in mod.f`, then `Failed example:` ----------------

DOCTEST_FAILED_RE = re.compile(r"^Failed example:\s*$")
DOCTEST_PLACE_RE = re.compile(r'^File "(?P<path>[^"]+)", line (?P<line>\d+), in \S')
DOCTEST_SEPARATOR_RE = re.compile(r"^\*{20,}\s*$")
DOCTEST_MAX_LINES = 60


def parse_doctest(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if index == 0 or not DOCTEST_FAILED_RE.match(lines[index]):
        return None
    place = DOCTEST_PLACE_RE.match(lines[index - 1])
    if place is None:
        return None
    end = index
    for probe in range(index + 1, min(len(lines), index + DOCTEST_MAX_LINES)):
        if DOCTEST_SEPARATOR_RE.match(lines[probe]) or DOCTEST_PLACE_RE.match(lines[probe]):
            break
        if not is_blank(lines[probe]):
            end = probe
    example = lines[index + 1].strip() if index + 1 < len(lines) else ""
    return Draft(
        start=index - 1,
        end=end,
        message=f"Failed example: {example}" if example else "Failed example",
        error_type="DocTestFailure",
        file=scan.repo_path(place.group("path")),
        line=to_int(place.group("line")),
        ecosystem=Ecosystem.PYTHON,
    )
