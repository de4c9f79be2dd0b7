"""Elixir: `** (SomeError) ...` with its stack, and the compiler's located errors."""

from __future__ import annotations

import re

from ..blocks import LINE_PATH, Draft, block_end, to_int
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
