"""Resolving the paths tools print against the files a commit really has.

A tool prints whatever path it was given or built: absolute under some CI system's
workspace, relative to a sub-project or an MSBuild project folder, a bare file name from a
stack frame, a container's `/app/...`. When the repository's file list is known (the
commit's tree), each path is mapped to the one file that ends with the longest run of the
same path components. A path no file ends with, or that several files end with equally
well, keeps the text's spelling and is marked so: annotations only go on files that exist.

`RepoFiles` indexes the list by file name once (a tree of 100k files takes a fraction of a
second), so each lookup compares only against files of the same name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from .locate import to_slashes
from .records import ErrorRecord, PathStatus

# Path components that say nothing about where a file is.
MEANINGLESS_PARTS = frozenset({"", ".", ".."})


@dataclass(frozen=True, slots=True)
class Resolution:
    path: str
    status: PathStatus


def path_parts(path: str) -> tuple[str, ...]:
    """The components of a path as tools print it, drive letters and `..` hops dropped."""
    parts = _components(to_slashes(path))
    if parts and len(parts[0]) == 2 and parts[0][1] == ":":
        parts = parts[1:]
    return parts


def _components(slashed: str) -> tuple[str, ...]:
    return tuple(part for part in slashed.split("/") if part not in MEANINGLESS_PARTS)


class RepoFiles:
    """A repository's files, indexed for suffix lookups. `complete` is False when the list
    is known to miss files (a truncated tree): a path not found may still exist then."""

    def __init__(self, paths: Iterable[str], *, complete: bool = True) -> None:
        self.complete = complete
        self._paths: frozenset[str] = frozenset(filter(None, paths))
        by_name: dict[str, list[str]] = defaultdict(list)
        for path in self._paths:
            by_name[path[path.rfind("/") + 1 :].lower()].append(path)
        self._by_name = dict(by_name)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def resolve(self, raw: str) -> Resolution:
        """The repository file `raw` names, or `raw` itself marked as not found/ambiguous."""
        if raw in self._paths:
            return Resolution(raw, PathStatus.FOUND)
        query = path_parts(raw)
        if not query:
            return Resolution(raw, self._missing())
        # `/c/x.py` is MSYS2's `C:\x.py`, or a folder `c`: the tree tells, so both are read.
        literal = _components(raw.replace("\\", "/"))
        queries = {query, literal} if literal[-1:] == query[-1:] else {query}
        candidates = self._by_name.get(query[-1].lower(), ())
        scored = [
            (max((_score(q, tuple(c.split("/"))) or (0, 0, 0)) for q in queries), c)
            for c in candidates
        ]
        scored = [(score, c) for score, c in scored if score != (0, 0, 0)]
        if not scored:
            return Resolution(raw, self._missing())
        best = max(score for score, _ in scored)
        winners = [c for score, c in scored if score == best]
        if len(winners) > 1:
            return Resolution(raw, PathStatus.AMBIGUOUS)
        return Resolution(winners[0], PathStatus.FOUND)

    def _missing(self) -> PathStatus:
        return PathStatus.NOT_FOUND if self.complete else PathStatus.UNCHECKED


def _score(query: Sequence[str], candidate: Sequence[str]) -> tuple[int, int, int] | None:
    """How well `candidate` explains `query`: (components matched, consistent, same case),
    or None when it cannot be the file meant.

    Consistent: one path is a tail of the other, so the rest of the query is the root the
    tool ran from (or the query is relative to a folder of the candidate's). A candidate
    that matches only by file name while both paths name different folders is not meant.
    """
    matched = exact = 0
    for mine, theirs in zip(reversed(query), reversed(candidate), strict=False):
        if mine.lower() != theirs.lower():
            break
        matched += 1
        exact += mine == theirs
    if matched == 0:
        return None
    consistent = matched in (len(query), len(candidate))
    if matched == 1 and len(query) > 1 and len(candidate) > 1:
        return None
    return matched, int(consistent), exact


def resolve_paths(
    errors: Sequence[ErrorRecord], files: RepoFiles | Iterable[str]
) -> list[ErrorRecord]:
    """`errors` with each file replaced by the repository file it names, and marked found,
    not found or ambiguous (same order, same length: match indexes stay valid). `files` is
    a `RepoFiles` (index once, resolve many) or the repository's paths."""
    if not isinstance(files, RepoFiles):
        files = RepoFiles(files)
    resolved = []
    for error in errors:
        if not error.file:
            resolved.append(error)
            continue
        result = files.resolve(error.file)
        resolved.append(replace(error, file=result.path, path_status=result.status))
    return resolved
