"""Elixir: `** (SomeError) ...` with its stack, the compiler's located errors and warnings,
and ExUnit's numbered failures."""

from __future__ import annotations

import re

from ..blocks import LINE_PATH, Draft, block_end, is_blank, to_int
from ..ecosystems import Ecosystem
from .scan import Scan

# `** (CompileError) lib/app.ex:12: undefined function foo/0`, or the error alone with the
# place in the stack below: `    lib/app.ex:12: App.run/1` (absolute paths when mix
# compiles from elsewhere, `(elixir 1.14.0) lib/kernel.ex:...` for the standard library).
ELIXIR_ERROR_RE = re.compile(r"^\s*\*\* \((?P<cls>[A-Z][\w.]*)\) (?P<message>.+)$")
ELIXIR_PLACE_RE = re.compile(rf"^(?P<path>{LINE_PATH}):(?P<line>\d+):(?:\d+:)? (?P<rest>.+)$")
ELIXIR_FRAME_RE = re.compile(rf"^\s+(?P<path>{LINE_PATH}):(?P<line>\d+):(?:\d+:)? \S")
ELIXIR_SOURCES = (".ex", ".exs", ".erl", ".eex", ".heex", ".leex")
ELIXIR_STACK_LINES = 30


def parse_elixir(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    if "** (" not in lines[index]:
        return None
    head = ELIXIR_ERROR_RE.match(lines[index])
    if head is None:
        return None
    message = head.group("message").strip()
    draft = Draft(
        start=index,
        end=block_end(lines, index),
        message=message,
        error_type=head.group("cls").rsplit(".", 1)[-1],
        ecosystem=Ecosystem.ELIXIR,
    )
    place = ELIXIR_PLACE_RE.match(message)
    if place is not None and place.group("path").endswith(ELIXIR_SOURCES):
        draft.file = scan.repo_path(place.group("path"))
        draft.line = to_int(place.group("line"))
        draft.message = place.group("rest").strip()
    if draft.file is None:
        frame = next(
            (
                found
                for found in scan.repo_frames(
                    index + 1, index + ELIXIR_STACK_LINES, ELIXIR_FRAME_RE
                )
                if found.file.endswith(ELIXIR_SOURCES)
            ),
            None,
        )
        if frame is not None:
            draft.file, draft.line = frame.file, frame.line
    return draft


# The compiler's warning, its place on a line of its own below (`mix compile
# --warnings-as-errors` fails on them): `  lib/app.ex:12` or `  lib/app.ex:12: App.run/1`
# since 1.3, `    └─ lib/app.ex:12:5: App.run/1` below a source excerpt since 1.15.
ELIXIR_WARNING_RE = re.compile(r"^\s*warning: (?P<message>.+)$")
ELIXIR_WARNING_PLACE_RE = re.compile(
    rf"^\s+(?:\u2514\u2500 )?(?P<path>{LINE_PATH}):(?P<line>\d+)(?::(?P<col>\d+))?"
    r"(?:: [A-Z][\w.]*\.[\w?!]+/\d+)?\s*$"
)
ELIXIR_EXCERPT_LINES = 10


def parse_elixir_warning(scan: Scan, index: int) -> Draft | None:
    """From the warning's place, back to the warning above it (and its excerpt, if any)."""
    lines = scan.lines
    place = ELIXIR_WARNING_PLACE_RE.match(lines[index])
    if place is None or not place.group("path").endswith(ELIXIR_SOURCES):
        return None
    for probe in range(index - 1, max(-1, index - ELIXIR_EXCERPT_LINES), -1):
        head = ELIXIR_WARNING_RE.match(lines[probe])
        if head is not None:
            file = scan.repo_path_at(place.group("path"), index)
            if file is None:
                return None
            return Draft(
                start=probe,
                end=index,
                message=head.group("message").strip(),
                file=file,
                line=to_int(place.group("line")),
                column=to_int(place.group("col")),
                ecosystem=Ecosystem.ELIXIR,
                warning=True,
            )
        if "\u2502" not in lines[probe] and not is_blank(lines[probe]):
            return None  # only 1.15's excerpt (`12 \u2502 code`) stands between the two
    return None


# ExUnit: `  1) test totals (CartTest)`, the test's place, the failure, then `stacktrace:` whose
# first repository frame is the assertion that failed.
EXUNIT_TEST_RE = re.compile(r"\d+\) test .+ \([\w.]+\)\s*$")
EXUNIT_PLACE_RE = re.compile(rf"^\s*(?:Error:\s+)?(?P<path>{LINE_PATH}):(?P<line>\d+)\s*$")
EXUNIT_STACK_RE = re.compile(r"^\s*stacktrace:\s*$")
EXUNIT_LOOKAHEAD = 40


def parse_exunit(scan: Scan, index: int) -> Draft | None:
    """From the test's place line (which a runner may prefix with `Error:`), under the
    numbered test header."""
    lines = scan.lines
    if index == 0 or ") test " not in lines[index - 1]:
        return None
    place = EXUNIT_PLACE_RE.match(lines[index])
    if place is None or not EXUNIT_TEST_RE.search(lines[index - 1]):
        return None
    file, line = scan.repo_path(place.group("path")), to_int(place.group("line"))
    message, end = "", index
    stop = min(len(lines), index + EXUNIT_LOOKAHEAD)
    for probe in range(index + 1, stop):
        if EXUNIT_TEST_RE.search(lines[probe]):
            break
        if lines[probe].strip():
            message, end = message or lines[probe].strip(), probe
        if EXUNIT_STACK_RE.match(lines[probe]):
            frame = scan.first_repo_frame(probe + 1, stop, ELIXIR_FRAME_RE)
            if frame is not None and frame.file.endswith(ELIXIR_SOURCES):
                file, line = frame.file, frame.line
    return Draft(
        start=index - 1,
        end=end,
        message=message or lines[index - 1].strip(),
        file=file,
        line=line,
        ecosystem=Ecosystem.ELIXIR,
    )


# Dialyzer through dialyxir: `lib/schema.ex:6:no_return` (or `lib/a.ex:6:12:call`), the
# warning's name after the place, and what it means on the line below.
DIALYXIR_PLACE_RE = re.compile(
    r"^\s*(?P<path>(?:[A-Za-z]:)?[\w./\\-]+\.(?:ex|exs|erl)):(?P<line>\d+):(?:(?P<col>\d+):)?(?P<name>[a-z_]+)\s*$"
)


def parse_dialyxir(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    place = (
        DIALYXIR_PLACE_RE.match(lines[index])
        if "_" in lines[index] or lines[index][-1:].isalpha()
        else None
    )
    if place is None:
        return None
    below = next(
        (i for i in range(index + 1, min(len(lines), index + 4)) if lines[i].strip()), None
    )
    return Draft(
        start=index,
        end=index if below is None else below,
        message=place.group("name") if below is None else lines[below].strip(),
        error_type=place.group("name"),
        file=scan.repo_path(place.group("path")),
        line=to_int(place.group("line")),
        column=to_int(place.group("col")),
        ecosystem=Ecosystem.ELIXIR,
    )
