"""The log being parsed, and the shape every parser has."""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from ..blocks import LINE_PATH, Draft, to_int
from ..locate import (
    WORKSPACE_PACKAGE_RE,
    is_absolute,
    is_external,
    normalise_path,
    to_slashes,
)

# make and ninja say which folder the commands below them run in; a compiler run there
# prints paths relative to it.
DIRECTORY_RE = re.compile(
    r"^(?:\S*make(?:\[\d+\])?|ninja): (?P<verb>Entering|Leaving) directory "
    r"[`'\"](?P<dir>[^'\"]+)['\"]"
)
DIRECTORY_LOOKBACK = 2000
# A command echoed before it ran (`$ cd packages/cli && tsc`, `+ cd app`, Actions' `Run cd
# web`, `yarn --cwd packages/cli build`, `npm --prefix ui test`, `pnpm -C site build`): what
# it prints is relative to that folder. `cd ..`, `cd $DIR`, `cd ~` leave it unknown.
CD_COMMAND_RE = re.compile(
    r"^\s*(?:[$#+>]+\s*|Run\s+)?\(?\s*(?:cd|pushd)\s+(?P<dir>[^\s;&|)]+)\s*(?:$|&&|;|\|\||\))"
)
TOOL_DIRECTORY_RE = re.compile(
    r"^\s*(?:[$#+>]+\s*|Run\s+)?(?:yarn|npm|pnpm|npx)\b[^\n]*?\s(?:--cwd|--prefix|--dir|-C)"
    r"[= ](?P<dir>[^\s;&|]+)"
)
# pnpm's recursive runs name the package folder and script before a command's output
# (`packages/web build$ tsc`).
PNPM_RECURSIVE_RE = re.compile(r"^(?P<dir>[\w@][\w.@/-]*) [\w:.-]+\$ \S")
# npm 6 names the package folder in the header of the script it runs (`> web@1.0.0 build
# /home/runner/work/shop/shop/packages/web`, its `> ` gone once the log is cleaned of
# quotes); npm 7 and later only after a script failed, in the failure's summary (`npm ERR!
# path DIR` above `command failed`, `npm ERR!   at location: DIR` under `in workspace:`,
# `npm error location DIR` in npm 10). A script's header starts its output.
NPM_SCRIPT_HEADER = r"^\s*(?:> )?(?:@[\w.-]+/)?[\w.-]+@\d\S* [\w:.-]+"
NPM_HEADER_RE = re.compile(rf"{NPM_SCRIPT_HEADER} (?P<dir>(?:[A-Za-z]:)?[/\\]\S*)\s*$")
NPM_SCRIPT_START_RE = re.compile(rf"{NPM_SCRIPT_HEADER}(?: \S+)?\s*$")
NPM_FAILED_FOLDER_RE = re.compile(
    r"^\s*npm (?:ERR!|error)\s+(?:(?P<location>at location:|location)|path)\s+(?P<dir>\S+)\s*$"
)
NPM_COMMAND_FAILED_RE = re.compile(r"^\s*npm (?:ERR!|error)\s+(?:Error: )?command failed\b")
NPM_LOOKAHEAD = 300
MAX_FOLDER = "\U0010ffff"  # sorts after any folder: bisects past every event of a line
COMMAND_WORDS = ("cd ", "pushd ", "--cwd", "--prefix", "--dir", "-C ", "$ ")
# A log hard-wrapped at a console's width unusual enough to be read off the log itself.
LOG_WIDTH_MIN_LINES = 3
MIN_LOG_WIDTH = 80
LOG_WIDTH_NEAR_SHARE = 0.8
# Reports that name a file once, alone on its line, then list rows for it (ESLint's stylish,
# pyright before 1.1.300).
FILE_HEADER_RE = re.compile(rf"^(?P<path>{LINE_PATH})\s*$")
FILE_HEADER_LOOKBACK = 2000
# A command changing folder is echoed shortly before what it prints; make's nesting spans more.
COMMAND_LOOKBACK = 300
# A folder a command made for the repository just before (`git clone URL [DIR]`, `gh repo
# clone`, a project generator's `ng new app`, `npx create-react-app app`): `cd app/x` from
# there enters the checkout's `x`.
NEW_CHECKOUT_RE = re.compile(
    r"^\s*(?:[$#+>]+\s*|Run\s+)?(?:"
    r"git\s+clone\s+(?:(?:-b|--branch|--depth|-o|--origin)\s+\S+\s+|-\S+\s+)*(?P<url>\S+)"
    r"|gh\s+repo\s+clone\s+(?P<repo>\S+)"
    r"|(?:ng|rails|cargo|mix)\s+new\s+(?P<project>[\w.-]+)"
    r"|(?:npx\s+create-[\w-]+|(?:npm|yarn|pnpm)\s+create\s+[\w@/-]+)(?:@\S+)?\s+(?P<app>[\w.-]+)"
    r")(?:\s+(?P<dir>[\w.][^\s;&|]*))?"
)
NEW_CHECKOUT_WORDS = ("clone", " new ", "create")
# turborepo names the folder of the task that failed after its output (its own prefix on
# each line is cleaned away): `command (packages/cli) npm run build exited (1)`.
TURBO_FAILED_RE = re.compile(r"\bcommand \((?P<dir>[^)\s]+)\) .*\bexited \(\d+\)")
TURBO_LOOKAHEAD = 300
# BuildKit's excerpt of the failed Dockerfile step: `  34 |     WORKDIR /app/apps/web`.
EXCERPTED_WORKDIR_RE = re.compile(r"^\s*\d+ \|\s+WORKDIR\s+(?P<dir>/\S+)\s*$")
DOCKERFILE_LOOKAHEAD = 60


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int | None
    column: int | None = None


@dataclass(frozen=True)
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

    def repo_frames(
        self, start: int, stop: int, frame: re.Pattern[str], *, in_cwd: bool = False
    ) -> Iterator[Location]:
        """Repository locations named by the lines in [start, stop) that `frame` matches
        (with groups `path`, `line` and maybe `col`), in log order; others' code skipped.
        With `in_cwd`, relative paths are joined to the folder their tool ran in."""
        for index in range(max(start, 0), min(stop, len(self.lines))):
            match = frame.match(self.lines[index])
            if match is None:
                continue
            raw = match.group("path")
            path = self.repo_path_at(raw, index) if in_cwd else self.repo_path(raw)
            if path is not None:
                groups = match.groupdict()
                yield Location(path, to_int(groups.get("line")), to_int(groups.get("col")))

    def working_directory(self, index: int) -> str | None:
        """The repository folder the commands above line `index` ran in ("" for the root):
        the folder make or ninja entered, or a command echoed before it ran changed to;
        None when none was, or it is outside the repository."""
        depth = 0
        commands_from = index - COMMAND_LOOKBACK
        for probe in range(index - 1, max(-1, index - DIRECTORY_LOOKBACK), -1):
            line = self.lines[probe]
            if "directory" in line:
                entered = DIRECTORY_RE.match(line.strip())
                if entered is not None:
                    if entered.group("verb") == "Leaving":
                        depth += 1
                    elif depth:
                        depth -= 1
                    else:
                        return self.repository_folder(entered.group("dir"))
                    continue
            if probe > commands_from and not depth and "@" in line and _may_be_npm_header(line):
                header = NPM_HEADER_RE.match(line)
                # The package's folder is the checkout's for most repositories (and a root
                # no rule knows says nothing): only a workspace package's is a folder in it.
                if header is not None and (folder := self._package_folder(header.group("dir"))):
                    return folder
            if probe > commands_from and not depth and any(w in line for w in COMMAND_WORDS):
                changed = (
                    CD_COMMAND_RE.match(line)
                    or TOOL_DIRECTORY_RE.match(line)
                    or PNPM_RECURSIVE_RE.match(line)
                )
                if changed is not None:
                    return self.repository_folder(self._below_new_checkout(changed, probe))

        return (
            self._failed_turbo_task_folder(index)
            or self._failed_npm_script_folder(index)
            or self._dockerfile_workdir(index)
        )

    def _failed_npm_script_folder(self, index: int) -> str | None:
        """The package folder npm names in the summary of the script that failed, printed
        below the script's output (before the next script's header)."""
        events = self._npm_events
        position = bisect_right(events, (index, MAX_FOLDER))
        if position == len(events):
            return None
        line, folder = events[position]
        return folder if line < index + NPM_LOOKAHEAD else None

    @cached_property
    def _npm_events(self) -> list[tuple[int, str]]:
        """Where npm starts a script ("" for its folder) or names a failed one's folder, in
        log order: read once per log, since every place of it may ask."""
        events: list[tuple[int, str]] = []
        lines = self.lines
        for probe, line in enumerate(lines):
            if "npm" not in line:
                if "@" in line and NPM_SCRIPT_START_RE.match(line):
                    events.append((probe, ""))  # the next script's output
                continue
            named = NPM_FAILED_FOLDER_RE.match(line)
            if named is None:
                continue
            # `npm ERR! path` also names the file of other errors (ENOENT's package.json);
            # above `command failed` it is the failed script's folder.
            if named.group("location"):  # a workspace's package
                folder = self.repository_folder(named.group("dir"))
            elif any(NPM_COMMAND_FAILED_RE.match(after) for after in lines[probe + 1 : probe + 4]):
                folder = self._package_folder(named.group("dir"))
            else:
                continue
            events.append((probe, folder or ""))
        return events

    @cached_property
    def console_width(self) -> int:
        """The width a console cut this log's lines at, or 0: the length of its longest
        lines when it is a console's (80 or more), several lines have it, and most of the
        lines nearly that long have exactly it (a log's own long lines vary in length; a cut
        log's all stop at one)."""
        lengths = [len(line.rstrip()) for line in self.lines]
        widest = max(lengths, default=0)
        at_width = lengths.count(widest)
        near = sum(1 for length in lengths if length >= LOG_WIDTH_NEAR_SHARE * widest)
        cut = widest >= MIN_LOG_WIDTH and at_width >= LOG_WIDTH_MIN_LINES and at_width * 2 >= near
        return widest if cut else 0

    def _package_folder(self, raw: str) -> str | None:
        """The repository folder of a JavaScript package's folder when it has a workspace
        package's shape (`packages/web`, `apps/api`), else None."""
        folder = self.repository_folder(raw)
        return folder if folder and WORKSPACE_PACKAGE_RE.search(f"/{folder}") else None

    def _dockerfile_workdir(self, index: int) -> str | None:
        """The folder BuildKit's excerpt of the failed Dockerfile step (printed below its
        output) sets with `WORKDIR` before the failing `>>> RUN` line."""
        workdir = None
        for probe in range(index + 1, min(len(self.lines), index + DOCKERFILE_LOOKAHEAD)):
            line = self.lines[probe]
            if ">>>" in line:
                return self.repository_folder(workdir) if workdir else None
            if "WORKDIR" in line:
                excerpted = EXCERPTED_WORKDIR_RE.match(line)
                workdir = excerpted.group("dir") if excerpted else workdir
        return None

    def _below_new_checkout(self, changed: re.Match[str], index: int) -> str:
        """The folder a command changed to, without the checkout's own folder when a clone
        or a generator above made it (`.` for the checkout's root)."""
        folder = to_slashes(changed.group("dir"))
        top, _, rest = folder.partition("/")
        for probe in range(index - 1, max(-1, index - COMMAND_LOOKBACK), -1):
            line = self.lines[probe]
            if any(word in line for word in NEW_CHECKOUT_WORDS):
                made = NEW_CHECKOUT_RE.match(line)
                if made is not None and _made_folder(made) == top and self._may_be_ours(made):
                    return rest or "."
        return folder

    def _may_be_ours(self, made: re.Match[str]) -> bool:
        """Whether a clone may be of this repository: not when the caller named the
        repository and the clone is another's (a dependency built from source)."""
        named = made.group("url") or made.group("repo")
        names = [hint for hint in self.hints if "/" in hint and not is_absolute(hint)]
        if not named or not names:
            return True
        cloned = to_slashes(named).removesuffix(".git").rstrip("/").lower()
        return any(cloned.endswith(hint.strip("/").lower()) for hint in names)

    def _failed_turbo_task_folder(self, index: int) -> str | None:
        for probe in range(index + 1, min(len(self.lines), index + TURBO_LOOKAHEAD)):
            if "exited (" in self.lines[probe]:
                failed = TURBO_FAILED_RE.search(self.lines[probe])
                if failed is not None:
                    return self.repository_folder(failed.group("dir"))
        return None

    def repository_folder(self, raw: str) -> str | None:
        """The repository folder `raw` names ("" for the root), or None when it is outside
        the repository or under a root no rule knows."""
        if raw.startswith(("$", "~", "%")) or raw in ("-", "..") or raw.startswith("../"):
            return None
        folder = self.path(raw).rstrip("/")
        if folder == ".":
            return ""
        return None if is_absolute(folder) or is_external(folder + "/") else folder

    def repo_path_at(self, raw: str | None, index: int) -> str | None:
        """`repo_path`, with a relative path joined to the folder its tool ran in."""
        file = self.repo_path(raw)
        if file is None or raw is None or is_absolute(to_slashes(raw)):
            return file
        folder = self.working_directory(index)
        if not folder:
            return file
        joined = posixpath.normpath(f"{folder}/{to_slashes(raw)}")
        return file if joined.startswith("../") or joined == ".." else joined

    def first_repo_frame(
        self, start: int, stop: int, frame: re.Pattern[str], *, in_cwd: bool = False
    ) -> Location | None:
        """The first repository frame: where a stack printed innermost-first was thrown."""
        return next(self.repo_frames(start, stop, frame, in_cwd=in_cwd), None)

    def file_named_above(self, index: int, is_row: Callable[[int, str], bool]) -> str | None:
        """The file a report named above its row at `index`: the first line above that
        `is_row(number, line)` does not take for one of its rows, when it is a path alone."""
        for probe in range(index - 1, max(-1, index - FILE_HEADER_LOOKBACK), -1):
            if not is_row(probe, self.lines[probe]):
                header = FILE_HEADER_RE.match(self.lines[probe])
                return header.group("path") if header else None
        return None


def _may_be_npm_header(line: str) -> bool:
    """Cheaply: whether `line` may be npm 6's script header, which ends in a folder."""
    return is_absolute(line.rstrip().rsplit(" ", 1)[-1].replace("\\", "/"))


def _made_folder(made: re.Match[str]) -> str:
    """The folder a clone or a generator made: the one it was told, else the repository's or
    the project's name."""
    if made.group("dir"):
        return to_slashes(made.group("dir")).rstrip("/")
    named = made.group("url") or made.group("repo") or made.group("project") or made.group("app")
    name = named.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name.removesuffix(".git")


Parser = Callable[[Scan, int], Draft | None]
