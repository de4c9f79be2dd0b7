"""A commit's file list, read once through the git trees API and kept per commit.

`GET /repos/{o}/{r}/git/trees/{sha}?recursive=1` lists every file of a commit in one
request, up to GitHub's limit (100,000 entries, 7 MB); past it the answer says
`truncated` and holds only part of the list. Then the tree is read folder by folder
instead (each subtree recursively, descending only into subtrees that are truncated
themselves), within a budget of requests; what is still unread makes the list
incomplete, which `RepoFiles` knows, so a path missing from it is not called missing.

A commit's tree never changes, so `TreeCache` keeps the indexed lists of recent commits
in this process, bounded by the number of paths held, and lets concurrent readers of one
commit share a single fetch.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

import gidgethub
from cachetools import LRUCache

from grimoire_bot.github.client import GitHubClient
from grimoire_bot.matching import RepoFiles

MAX_TREE_REQUESTS = 40
DEFAULT_CACHED_PATHS = 500_000
TREE_TEMPLATE_VARIABLE = "{/sha}"
RECURSIVE_QUERY = "{?recursive}"
# A repository with no commits answers 409; a tree GitHub cannot find (or a token that may
# not read contents) answers 404 or 403 after the client's own rate-limit handling.
NO_TREE_STATUSES = frozenset({403, 404, 409, 422})

logger = logging.getLogger(__name__)


class EntryType(enum.StrEnum):
    BLOB = "blob"
    TREE = "tree"
    COMMIT = "commit"  # a submodule: its files are another repository's


async def read_tree(gh: GitHubClient, trees_url: str, sha: str) -> RepoFiles | None:
    """The files of commit (or tree) `sha`, or None when GitHub has no tree for it.

    `trees_url` is the repository's `trees_url` from a webhook payload
    (`https://api.github.com/repos/o/r/git/trees{/sha}`) or the same URL without the
    template. Temporary failures raise `TransientGitHubError`, as every GitHub call does.
    """
    reader = _TreeReader(gh, _template(trees_url))
    try:
        await reader.read(sha, prefix="")
    except gidgethub.BadRequest as exc:
        if int(exc.status_code) in NO_TREE_STATUSES:
            logger.info("no tree for commit", extra={"sha": sha, "status": int(exc.status_code)})
            return None
        raise
    # Indexing a big tree takes a good part of a second: not on the event loop.
    return await asyncio.to_thread(RepoFiles, reader.files, complete=reader.complete)


class _TreeReader:
    def __init__(self, gh: GitHubClient, url: str) -> None:
        self.gh = gh
        self.url = url
        self.files: list[str] = []
        self.complete = True
        self.requests = 0

    async def read(self, sha: str, prefix: str) -> None:
        whole = await self._get(sha, recursive=True)
        if not whole.get("truncated"):
            self.files.extend(_blob_paths(whole.get("tree"), prefix))
            return
        # The recursive answer is partial: list this folder's own entries and read each
        # subfolder on its own, as GitHub's documentation advises.
        if self.requests >= MAX_TREE_REQUESTS:
            self.files.extend(_blob_paths(whole.get("tree"), prefix))
            self.complete = False
            return
        folder = await self._get(sha, recursive=False)
        entries = _entries(folder.get("tree"))
        self.files.extend(_blob_paths(entries, prefix))
        if folder.get("truncated"):
            self.complete = False
        for entry in entries:
            if entry.get("type") != EntryType.TREE:
                continue
            path = f"{prefix}{entry['path']}/"
            if self.requests >= MAX_TREE_REQUESTS:
                # Keep what the partial recursive answer had for the folders not read.
                self.files.extend(_blob_paths(_under(whole.get("tree"), entry["path"]), prefix))
                self.complete = False
                continue
            await self.read(str(entry["sha"]), prefix=path)

    async def _get(self, sha: str, *, recursive: bool) -> Mapping[str, Any]:
        self.requests += 1
        url_vars: dict[str, str] = {"sha": sha}
        if recursive:
            url_vars["recursive"] = "1"
        answer = await self.gh.getitem(self.url + RECURSIVE_QUERY, url_vars)
        return answer if isinstance(answer, Mapping) else {}


def _template(trees_url: str) -> str:
    url = trees_url.strip()
    if url.endswith(TREE_TEMPLATE_VARIABLE):
        return url
    return url.rstrip("/") + TREE_TEMPLATE_VARIABLE


def _entries(tree: Any) -> list[Mapping[str, Any]]:
    if not isinstance(tree, list):
        return []
    return [e for e in tree if isinstance(e, Mapping) and isinstance(e.get("path"), str)]


def _blob_paths(tree: Any, prefix: str) -> Iterable[str]:
    return (prefix + e["path"] for e in _entries(tree) if e.get("type") == EntryType.BLOB)


def _under(tree: Any, folder: str) -> list[Mapping[str, Any]]:
    start = folder + "/"
    return [e for e in _entries(tree) if e["path"].startswith(start)]


class TreeCache:
    """Recent commits' file lists, in this process; one fetch per commit at a time."""

    def __init__(self, max_paths: int = DEFAULT_CACHED_PATHS) -> None:
        self._cache: LRUCache[tuple[str, str], RepoFiles] = LRUCache(
            maxsize=max_paths, getsizeof=lambda files: max(len(files), 1)
        )
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def files(self, gh: GitHubClient, trees_url: str, sha: str) -> RepoFiles | None:
        """The files of `sha`, read at most once while it stays cached (see `read_tree`)."""
        key = (_template(trees_url), sha)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
            files = await read_tree(gh, trees_url, sha)
            # A missing tree is not remembered: the commit may just not be visible yet.
            if files is not None and len(files) <= self._cache.maxsize:
                self._cache[key] = files
            return files
