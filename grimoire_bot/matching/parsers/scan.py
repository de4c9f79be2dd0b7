"""The log being parsed, and the shape every parser has."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..blocks import Draft, to_int
from ..locate import is_absolute, is_external, normalise_path

# make and ninja say which folder the commands below them run in; a compiler run there
# prints paths relative to it.
DIRECTORY_RE = re.compile(
    r"^(?:\S*make(?:\[\d+\])?|ninja): (?P<verb>Entering|Leaving) directory "
    r"[`'\"](?P<dir>[^'\"]+)['\"]"
)
DIRECTORY_LOOKBACK = 2000


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int | None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class Scan:
    """The cleaned log's lines and what the caller knows about the repository's location."""

    lines: Sequence[str]
    hints: Sequence[str] = ()

    def path(self, raw: str) -> str:
        return normalise_path(raw, self.hints)

    def repo_path(self, raw: str | None) -> str | None:
        """The repo-relative path, or None for third-party and toolchain files."""
        if not raw or raw.lstrip().startswith("<") or is_external(raw):
            return None
        path = self.path(raw)
        return None if is_external(path) else path

    def repo_frames(self, start: int, stop: int, frame: re.Pattern[str]) -> Iterator[Location]:
        """Repository locations named by the lines in [start, stop) that `frame` matches
        (with groups `path`, `line` and maybe `col`), in log order; others' code skipped."""
        for index in range(max(start, 0), min(stop, len(self.lines))):
            match = frame.match(self.lines[index])
            if match is None:
                continue
            path = self.repo_path(match.group("path"))
            if path is not None:
                groups = match.groupdict()
                yield Location(path, to_int(groups.get("line")), to_int(groups.get("col")))

    def working_directory(self, index: int) -> str | None:
        """The repository folder make or ninja entered for the commands above line `index`
        ("" for the root), or None when none was entered or it is outside the repository."""
        depth = 0
        for probe in range(index - 1, max(-1, index - DIRECTORY_LOOKBACK), -1):
            line = self.lines[probe]
            if "directory" not in line:
                continue
            match = DIRECTORY_RE.match(line.strip())
            if match is None:
                continue
            if match.group("verb") == "Leaving":
                depth += 1
            elif depth:
                depth -= 1
            else:
                folder = self.path(match.group("dir"))
                return None if is_absolute(folder) or is_external(folder + "/") else folder
        return None

    def first_repo_frame(self, start: int, stop: int, frame: re.Pattern[str]) -> Location | None:
        """The first repository frame: where a stack printed innermost-first was thrown."""
        return next(self.repo_frames(start, stop, frame), None)

    def last_repo_frame(self, start: int, stop: int, frame: re.Pattern[str]) -> Location | None:
        """The last repository frame: where a stack printed outermost-first was thrown."""
        found = None
        for found in self.repo_frames(start, stop, frame):  # noqa: B007 - keep the last
            pass
        return found


Parser = Callable[[Scan, int], Draft | None]
