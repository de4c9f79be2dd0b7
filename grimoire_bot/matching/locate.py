"""Turning the paths tools print into repository-relative paths, and telling repo code from deps.

Runners check the repository out under a root that depends on the platform and on whether
the job runs in a container (`/home/runner/work/R/R/`, `D:\\a\\R\\R\\`, `/__w/R/R/`,
`/github/workspace/`, self-hosted `_work/R/R/`, other CI systems' workspaces). Tools print
absolute paths under that root, Windows paths with backslashes, `./` prefixes, `..` hops
and `file://` URLs; annotations need `src/app.py`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

# Checkout roots of GitHub-hosted and self-hosted runners, container jobs and other CI
# systems, matched after backslashes became slashes.
CHECKOUT_ROOT_RE = re.compile(
    r"""^(?:
        (?:/home|/Users)/runner/work/[^/]+/[^/]+/
      | [A-Za-z]:/a/[^/]+/[^/]+/
      | /__w/[^/]+/[^/]+/
      | /github/workspace/
      | .*?/_work/[^/]+/[^/]+/
      | /home/travis/build/[^/]+/[^/]+/
      | /home/circleci/(?:project|repo)/
      | /(?:var/lib|home)/jenkins/workspace/[^/]+/
      | /drone/src/
      | /bitrise/src/
      | /opt/atlassian/pipelines/agent/build/
      | /buildkite/builds/[^/]+/[^/]+/[^/]+/
      | /codebuild/output/src\d+/src/(?:[^/]+/){0,3}?
    )""",
    re.VERBOSE,
)
# Where third-party and standard-library code lives: never the place to annotate.
EXTERNAL_RE = re.compile(
    r"""(?:^|/)(?:site-packages|dist-packages|node_modules|__pypackages__|\.venv|venv|\.tox
                  |\.nox|bower_components|\.pnpm-store|\.yarn|\.cargo|\.rustup|\.m2|\.gradle
                  |\.pyenv|\.nvm|\.npm|\.bundle|vendor/bundle|gems/[\w.-]+-\d[\w.]*
                  |go/pkg/mod|pkg/mod|hostedtoolcache)/
      | ^/(?:usr|lib|lib64|opt/conda|rustc|nix/store|Library|System)/
      | ^/usr/local/go/
      | ^[A-Za-z]:/(?:Program\ Files|Windows|hostedtoolcache|Users/[^/]+/AppData)/
      | (?:^|/)_(?:work|temp|actions)/_?actions/
      | ^(?:/home|/Users)/runner/work/_(?:actions|temp|tool)/
      | ^[A-Za-z]:/a/_(?:actions|temp|tool)/
      | /lib/python\d(?:\.\d+)?/
      | ^<[^>]*>$
      | ^node:
      | ^internal/(?:modules|process|main|bootstrap|timers|streams|fs|util|errors)/  # old Node
    """,
    re.VERBOSE,
)
FORGE_RE = re.compile(r"^(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)/[^/]+/[^/]+/?")
URL_PREFIX_RE = re.compile(r"^file:/+(?=[A-Za-z]:/)|^file:(?=//?/)")
WINDOWS_DRIVE_RE = re.compile(r"^[A-Za-z]:/")
TRIM_CHARS = " \t'\"`()[]<>,;"


def to_slashes(path: str) -> str:
    """The path with forward slashes, quotes and URL scheme removed, and no `./`."""
    path = path.strip().strip(TRIM_CHARS).replace("\\", "/")
    path = URL_PREFIX_RE.sub("", path)
    if path.startswith("//") and not path.startswith("///"):
        path = path[1:]
    while path.startswith("./"):
        path = path[2:]
    return path


def is_absolute(path: str) -> bool:
    return path.startswith("/") or bool(WINDOWS_DRIVE_RE.match(path)) or path.startswith("~/")


def normalise_path(path: str, repo_root_hints: Sequence[str] = ()) -> str:
    """`path` relative to the repository root where that can be told, with `/` separators."""
    path = to_slashes(path)
    if not path:
        return path
    if ".." in path or "/./" in path:
        path = _collapse_dots(path)
    stripped = _strip_hinted_root(path, repo_root_hints)
    if stripped is not None:
        return stripped
    root = CHECKOUT_ROOT_RE.match(path)
    if root and root.end() < len(path):
        return path[root.end() :]
    return path


def _collapse_dots(path: str) -> str:
    drive = ""
    if WINDOWS_DRIVE_RE.match(path):
        drive, path = path[:2], path[2:]
    collapsed = posixpath.normpath(path)
    return drive + (collapsed if collapsed != "." else "")


def _strip_hinted_root(path: str, hints: Sequence[str]) -> str | None:
    """Strip a checkout root known from the caller: an absolute path or a repository name."""
    for hint in hints:
        hint = to_slashes(hint).rstrip("/")
        if not hint:
            continue
        if is_absolute(hint):
            if path.startswith(hint + "/"):
                return path[len(hint) + 1 :]
            continue
        name = hint.rsplit("/", 1)[-1]
        for marker in (f"/{name}/{name}/", f"/{name}/"):
            at = path.find(marker)
            if at >= 0 and is_absolute(path) and at + len(marker) < len(path):
                return path[at + len(marker) :]
    return None


def is_external(path: str | None) -> bool:
    """Whether `path` is third-party, toolchain or standard-library code, not the repo's."""
    if not path:
        return True
    return bool(EXTERNAL_RE.search(to_slashes(path)))


def package_dir(import_path: str, repo_root_hints: Sequence[str] = ()) -> str:
    """The repository directory of a Go package import path (github.com/o/r/pkg -> pkg)."""
    import_path = import_path.strip().rstrip("/")
    for hint in repo_root_hints:
        hint = to_slashes(hint).rstrip("/")
        if hint and not is_absolute(hint):
            for prefix in (hint, f"github.com/{hint}"):
                if import_path == prefix:
                    return ""
                if import_path.startswith(prefix + "/"):
                    return import_path[len(prefix) + 1 :]
    forge = FORGE_RE.match(import_path)
    if forge:
        return import_path[forge.end() :]
    return import_path


def join_repo_path(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name
