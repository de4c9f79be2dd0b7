"""Turning the paths tools print into repository-relative paths, and telling repo code from deps.

Runners check the repository out under a root that depends on the platform and on whether
the job runs in a container (`/home/runner/work/R/R/`, `D:\\a\\R\\R\\`, `/__w/R/R/`,
`/github/workspace/`, self-hosted `_work/R/R/`), and other CI systems have their own
(Travis, CircleCI, GitLab, Jenkins, AppVeyor, Drone, Buildkite, Azure Pipelines, GOPATH
layouts, a container's WORKDIR). Tools print absolute paths under that root, Windows
paths with backslashes, `./` prefixes, `..` hops and `file://` URLs; annotations need
`src/app.py`. Where a log says where it checked the repository out (`git init DIR`,
Jenkins' `Building in workspace DIR`, a Dockerfile's `WORKDIR`, pytest's `rootdir: DIR`),
`workspace_roots` reads it, so roots of any depth are stripped exactly.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

# Checkout roots of GitHub-hosted and self-hosted runners, container jobs and other CI
# systems, matched after backslashes became slashes. Where a system's root has a variable
# depth (GitLab subgroups, Jenkins folders), the log's own checkout lines say where it is
# (`workspace_roots`); these are the defaults.
CHECKOUT_ROOT_RE = re.compile(
    r"""^(?:
        (?:.*?/)?src/(?:github\.com|gitlab\.com|bitbucket\.org)/[^/]+/[^/]+/  # GOPATH, Drone
      | (?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)/[^/]+/[^/]+/  # an import URL
      | (?:/home|/Users)/runner/work/[^/]+/[^/]+/               # Actions; Azure macOS work/1/s
      | [A-Za-z]:/a/[^/]+/[^/]+/                                # Actions and Azure on Windows
      | /__w/[^/]+/[^/]+/                                       # Actions container jobs
      | /github/workspace/
      | /_/                                                     # .NET deterministic builds
      | /home/vsts/work/[^/]+/s/                                # Azure Pipelines on Linux
      | .*?/_work/[^/]+/[^/]+/                                  # self-hosted Actions, Azure
      | (?:/home|/Users)/travis/build/[^/]+/[^/]+/
      | /home/circleci/(?!\.)[^/]+/                             # ~/project, or ~/<repo>
      | (?:/home/gitlab-runner|[A-Za-z]:/(?i:gitlab-runner))?       # GitLab, Linux and Windows
        /builds/(?:[A-Za-z0-9_-]{8}/\d+/)?[^/]+/[^/]+/
      | (?:[A-Za-z]:)?/(?:[^/]+/)*?workspace/[^/]+/(?:nodes|label|node)/[^/]+/  # Jenkins' matrix
      | (?:[A-Za-z]:)?/(?:[^/]+/)*?jobs/[^/]+/workspace/         # Jenkins' old home layout
      | (?:[A-Za-z]:)?/(?:[^/]+/)*?(?i:jenkins|hudson)[^/]*/(?:[^/]+/)*?workspace/[^/]+/
      | [A-Za-z]:/projects/[^/]+/                               # AppVeyor
      | /home/appveyor/projects/[^/]+/
      | /(?:drone|woodpecker)/src/
      | /bitrise/src/
      | /opt/atlassian/pipelines/agent/build/
      | (?:/var/lib/buildkite-agent|/opt/buildkite-agent|/buildkite|/Users/[^/]+/\.buildkite-agent
         |[A-Za-z]:/buildkite-agent)/builds/[^/]+/[^/]+/[^/]+/
      | /codebuild/output/src\d+/src/(?:[^/]+/){0,3}?
      | (?:/opt/buildagent|[A-Za-z]:/BuildAgent)/work/[^/]+/      # TeamCity
      | /tmp/cirrus-ci-build/
      | /opt/build/repo/                                        # Netlify
      | /opt/buildhome/repo/                                    # Cloudflare Pages
      | /Volumes/workspace/repository/                          # Xcode Cloud
      | /opt/render/project/src/                                # Render
      | /tmp/build_[0-9a-f]{6,}/                                # Heroku's slug compiler
      | /home/semaphore/[^/]+/                                  # Semaphore
      | /Users/builder/clone/                                   # Codemagic
      | .*?/xml-data/build-dir/[^/]+/                           # Bamboo
      | (?:/var/lib/go-agent|/go)/pipelines/[^/]+/              # GoCD
      | /vercel/path\d/
      | .*?/rpmbuild/BUILD/[^/]+/                               # distribution package builds
      | /usr/src/(?!linux|kernels|debug|gtest|googletest|gmock|packages)[^/]+/  # WORKDIRs
      | (?:/usr/app|/app|/code|/opt/app|/srv/app|/home/node/app|/src|/project
         |/repo|/workdir)/                                      # WORKDIRs
      | /var/www/[^/]+/                                         # PHP sites and their images
      | /usr/local/src/[^/]+/                                   # built from source in an image
    )""",
    re.VERBOSE,
)
# Where a build system or a package manager copies a repository to build it: BSD ports'
# `<category>/<port>/work/<distname>/`, F-Droid's `build/<app id>/`, .NET source-build's
# `artifacts/source-build/self/src/`, nimble's `pkgs/<name>-<version>/`, dub's `packages/
# <name>-<version>/<name>/` (`<name>/<version>/<name>/` since 1.31), zigmod's `deps/git/
# <forge>/<owner>/<repo>/`, Debian's pybuild, and a release's tarball unpacked in a build
# folder (`build/ignition-common-4.3.0/`, SwiftPM's `Packages/GRMustache.swift-1.0.0/`) or
# where a path starts. The innermost copy counts. Searched only in paths holding one of the
# markers or a release's version.
COPIED_CHECKOUT_MARKERS = (
    "ports/", "pkgsrc/", "fdroiddata/", "vagrant/build/", "source-build/", ".nimble/",
    "dub/packages/", ".zigmod/", ".pybuild/", "unpacked/",
)  # fmt: skip
RELEASE_VERSION_RE = re.compile(r"-\d+(?:\.\d+)+/")  # what a release's folder ends with
COPIED_CHECKOUT_RE = re.compile(
    r"""(?:^|(?<=/))(?:
        [\w.-]*?(?:ports|pkgsrc)/[^/]+/[^/]+/work/[^/]+/
      | (?:fdroiddata|home/vagrant)/build/[A-Za-z]\w*(?:\.\w+)+/
      | artifacts/source-build/self/src/
      | \.nimble/pkgs2?/[^/]+/
      | \.?dub/packages/(?:[^/]+-\d[^/]*|[^/]+/[^/]+)/[^/]+/
      | \.zigmod/deps/git/[^/]+/[^/]+/[^/]+/
      | \.pybuild/[^/]+/build/                  # Debian's pybuild copies the source it builds
      | unpack-dir/unpacked/[^/]+/                # Stackage's curator unpacks each package
      | (?:^|(?:build|BUILD|src|tmp|Packages)/)        # a release unpacked where it is built
        [A-Za-z][\w+]*(?:[.-][A-Za-z][\w+]*)*-\d+(?:\.\d+)+/
    )""",
    re.VERBOSE,
)
# Jenkins' workspace of a job inside folders is `workspace/<folder>/.../<job>/`, of any depth.
JENKINS_WORKSPACE_RE = re.compile(
    r"^(?:[A-Za-z]:)?/(?:[^/]+/)*?(?i:jenkins|hudson)[^/]*/(?:.+/)?workspace/"
)
# Where third-party and standard-library code lives: never the place to annotate.
EXTERNAL_RE = re.compile(
    r"""(?:^|/)(?:site-packages|dist-packages|node_modules|__pypackages__|\.venv|venv|\.tox
                  |\.nox|bower_components|\.pnpm-store|\.yarn|\.cargo|\.rustup|\.m2|\.gradle
                  |\.pyenv|\.nvm|\.npm|\.bundle|vendor/bundle|gems/[\w.-]+-\d[\w.]*
                  |go/pkg/mod|pkg/mod|hostedtoolcache|rustlib)/
      | ^/(?:usr(?!/src/(?!linux|kernels|debug|gtest|googletest|gmock|packages)|/app/
                   |/local/src/|/ports/|/pkgsrc/)|lib|lib64|opt/conda|rustc
         |nix/store|Library|System)/
      | ^/usr/local/go/
      | (?:^|/)\.gimme/ | (?:^|/)sdk/go[\d.]+/ | ^[A-Za-z]:/Go/src/          # Go toolchains
      | ^(?:[A-Za-z]:)?/(?:msys64|msys32|mingw64|mingw32|ucrt64|clang64|cygwin(?:64)?)/  # MSYS2
      | \.metaproj$                                          # MSBuild's generated solution project
      | (?:^|/)share/cmake-\d+(?:\.\d+)*/Modules/               # CMake's own modules, anywhere
      | ^[A-Za-z]:/(?i:Program\ Files|Windows|hostedtoolcache    # any case: Windows' is
         |Users/[^/]+/AppData(?!/Local/dub/packages/))/   # see COPIED_CHECKOUT_RE
      | (?:^|/)_(?:work|temp|actions)/_?actions/
      | ^(?:/home|/Users)/runner/work/_(?:actions|temp|tool)/
      | ^[A-Za-z]:/a/_(?:actions|temp|tool)/
      | /lib/python\d(?:\.\d+)?/
      | ^<[^>]*>$
      | ^node:
      | ^internal/(?:modules|process|main|bootstrap|timers|streams|fs|util|errors)/  # old Node
      | ^(?:src/)?lib(?:core|std|alloc)/                        # Rust's own sources, before 1.47
      | ^library/(?:core|std|alloc|test|proc_macro)/src/         # and after
    """,
    re.VERBOSE,
)
FORGE_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/", "codeberg.org/")
# Go names a package in a folder outside GOPATH by the folder: `_/home/me/shop`, `_/C_/shop`.
LOCAL_IMPORT_PATH_RE = re.compile(r"^_(?:/([A-Za-z])_(?=/))?(/.+)$")
GOPKG_VERSION_RE = re.compile(r"\.v\d+$")
# Lines where a job says where it checked the repository out, or where a container works
# from; each marker is found with str.find, then its line is read.
WORKSPACE_MARKERS = (
    "Git repository in ",
    "git init ",
    "git.exe init ",
    "Building in workspace ",
    "WORKDIR ",
    "git clone ",
    "rootdir: ",
    "@",
)
WORKSPACE_LINE_RE = re.compile(
    r"""(?:Initialized\ empty|Reinitialized\ existing)\ Git\ repository\ in
        \ (?P<git>.+?)/\.git/?\s*$
      | \bgit(?:\.exe)?"?\ init\ "?(?P<init>(?:[A-Za-z]:)?[\\/][^"\#\n]*?)"?(?:\ \#.*)?\s*$
      | Building\ in\ workspace\ (?P<jenkins>(?:[A-Za-z]:)?[\\/].*?)\s*$
      | \bWORKDIR\ (?P<workdir>/[^\s"']+)\s*(?:\d+(?:\.\d+)?s)?\s*$
      | \bgit\ clone\ .*\ (?P<clone>(?:[A-Za-z]:)?[\\/]\S+)\s*$
      | (?<![^\n])rootdir:\ (?P<rootdir>(?:[A-Za-z]:)?[\\/][^,\n]*?)(?:,\ .*)?\s*$       # pytest
      | (?<![^\n])[\w.-]+@[\w.-]+:(?P<prompt>/[^\s\#$]*)[\#$]\ \S    # a shell prompt's folder
      | (?<![^\n])(?:>\ )?(?:@[\w.-]+/)?[\w.-]+@[\w.+-]+\ [\w:.-]+      # npm 6 and pnpm echo a
        \ (?P<package>(?:[A-Za-z]:)?[\\/][^\n]*?)\s*$    # script's package (a quote's `> ` gone)
    """,
    re.VERBOSE,
)
MAX_MARKERS_READ = 20
# Where JavaScript monorepos keep their workspace packages.
WORKSPACE_PACKAGE_RE = re.compile(r"/(?:packages|apps|libs|services|modules|plugins)/[^/]+$")
# Checkouts are logged at the start and WORKDIRs near the build that failed; reading each
# end of a huge log is enough, and each marker costs a pass over what is read.
WORKSPACE_SCAN_CHARS = 1024 * 1024
# A build system's variable standing for the folder it builds in (`$(BUILD_DIR)/`, `${SRC}/`,
# `$WORKSPACE/`), left unexpanded in a log: the path after it is the repository's.
PLACEHOLDER_ROOT_RE = re.compile(r"^\$(?:\(\w+\)|\{\w+\}|\w+)/")
URL_PREFIX_RE = re.compile(r"^file:/+(?=[A-Za-z]:/)|^file:(?://)?(?=/)")
WINDOWS_DRIVE_RE = re.compile(r"^[A-Za-z]:/")
DOUBLED_SEPARATOR_RE = re.compile(r"/{2,}")
# A Windows drive as MSYS2, Git Bash and Cygwin (`/c/Users/...`, `/cygdrive/c/...`) and WSL
# (`/mnt/c/...`) print it. Bare letters are taken only where Windows puts drives (c to h),
# not `/a/` or `/w/`, which containers use as folders.
MOUNTED_DRIVE_RE = re.compile(r"^/(?:(?:cygdrive|mnt)/|(?=[c-hC-H]/))([a-zA-Z])/(?=[^/])")
TRIM_CHARS = " \t'\"`()[]<>,;"
# What may stand just before a relative path in a log, and how many mentions of a folder
# are looked at (a 10 MB log names `src/` inside absolute paths thousands of times).
RELATIVE_PATH_STARTS = frozenset(" \t\n'\"`([=@")
DOT_SLASH_STARTS = ("\n./", " ./", "'./", '"./', "(./")
MAX_FOLDER_MENTIONS_READ = 2000
# CMake's build folder in a checkout, and what CMake makes in it.
BUILD_FOLDER = r"build|cmake-build-[\w.-]+"
BUILD_FOLDER_RE = re.compile(rf"^(?:{BUILD_FOLDER})$")
BUILD_PRODUCT = (
    rf"[\\/](?:{BUILD_FOLDER})[\\/]"
    r"(?:[^\s\]\"'<>|]*\.(?:vcxproj|sln)\b|CMakeFiles\b|CMakeCache\.txt)"
)
# CTest names the build folder it runs each test from (`ctest -V`, `--output-on-failure`).
CTEST_RUN = "Test command: "
CTEST_RUN_RE = r"(?:Test command|Working Directory): "
# Where people and containers keep a checkout when no CI system chose the folder: a home
# folder (`/home/me`, `/Users/me`, `C:/Users/me`, `/root`), then folders that hold many
# checkouts (`projects`, `code`, `src`, `git`, Visual Studio's `source/repos`, ...), then
# the repository's own folder; a Windows drive's top folder; Codespaces' and dev
# containers' `/workspaces/<repo>`; Cloud Build's `/workspace`. A GitHub archive unpacked
# (`<repo>-master`, `<repo>-main`, twice where Windows' Extract All made a folder for the
# archive's own) says so most clearly, so it is tried first.
CHECKOUT_HOLDERS = (
    r"projects?|Projects?|code|Code|src|git|Git|github|GitHub|repos?|Repos?|dev|Dev|work|Work"
    r"|workspace|workspaces|Documents|Desktop|Development|development|source|Source|sources"
    r"|forks|Dropbox|OneDrive[^/]*|Downloads|Developer"
)
# The top folders of Linux and macOS systems: any other top folder (`/mastodon`, `/flask`)
# is a container image's own, where its Dockerfile put the code.
SYSTEM_FOLDERS = (
    r"bin|boot|dev|etc|home|lib|lib32|lib64|libx32|media|mnt|opt|proc|root|run|sbin|srv|sys"
    r"|tmp|usr|var|nix|gnu|snap|Users|Applications|Library|System|Volumes|private|cygdrive"
)
# Folder names that hold checkouts and little else: one of them, even below folders of a
# person's own naming (`D:/Work/GIT/<repo>`), is followed by the repository.
STRONG_HOLDERS = r"git|Git|GIT|repos|Repos|repositories|Repositories|github|GitHub|source/repos"
LOCAL_ROOT_RE = re.compile(
    rf"""^(?:
        (?:[A-Za-z]:)?(?:/[^/]+)*?/(?P<unzipped>[^/]+-(?:master|main))(?:/(?P=unzipped))?
      | (?:/home/[^/]+|/Users/[^/]+|[A-Za-z]:/Users/[^/]+|/root|~|[A-Za-z]:)
          (?:/[^/]+){{1,2}}?/(?:{STRONG_HOLDERS})/(?!\.)[^/]+
      | (?:/home/[^/]+|/Users/[^/]+|[A-Za-z]:/Users/[^/]+|/root|~)
          (?:/(?:{CHECKOUT_HOLDERS})(?=/[^/]+/))*/(?!\.|Library/|AppData/)[^/]+
      | [A-Za-z]:(?:/(?:{CHECKOUT_HOLDERS}))+(?=/[^/]+/)/[^/]+
      | [A-Za-z]:/(?!Program\ Files|ProgramData|Windows/|Users/)[^/]+    # D:/shop, clone at the top
      | /workspaces/[^/]+
      | /workspace
      | (?:/private)?(?:/var)?/tmp/[^/]+                # a clone in the temporary folder
      | /(?!(?:{SYSTEM_FOLDERS})/)[^/]+                 # a container's own top folder
    )/(?=[^/]+/|[^/]+$)""",
    re.VERBOSE,
)


# Windows does not tell `C:/Users` from `c:/users`, and paths are printed both ways.
LOCAL_WINDOWS_ROOT_RE = re.compile(LOCAL_ROOT_RE.pattern, re.VERBOSE | re.IGNORECASE)


def to_slashes(path: str) -> str:
    """The path with forward slashes, quotes and URL scheme removed, and no `./`."""
    path = path.strip().strip(TRIM_CHARS).replace("\\", "/")
    path = URL_PREFIX_RE.sub("", path)
    path = MOUNTED_DRIVE_RE.sub(r"\1:/", path)
    if "//" in path[1:]:
        path = path[0] + DOUBLED_SEPARATOR_RE.sub("/", path[1:])  # `C:\\x` escaped in JSON
    if path.startswith("//") and not path.startswith("///"):
        path = path[1:]
    while path.startswith("./"):
        path = path[2:].lstrip("/")  # mdl run on `./` prints `.//README.md`
    return path


def is_absolute(path: str) -> bool:
    return path.startswith("/") or bool(WINDOWS_DRIVE_RE.match(path)) or path.startswith("~/")


def normalise_path(path: str, repo_root_hints: Sequence[str] = ()) -> str:
    """`path` relative to the repository root where that can be told, with `/` separators."""
    path = PLACEHOLDER_ROOT_RE.sub("", to_slashes(path))
    if not path:
        return path
    cwd_relative = _after_working_directory(path)
    if ".." in path or "/./" in path:
        path = _collapse_dots(path)
        # `..` hops out of a build folder (`../../inc/x.h` from `src/lib`): the rest is
        # where the file is in the checkout.
        while path.startswith("../"):
            path = path[3:]
    stripped = _strip_hinted_root(path, repo_root_hints)
    if stripped is not None:
        return stripped
    if cwd_relative and JENKINS_WORKSPACE_RE.match(path):
        return cwd_relative  # jobs in folders sit deeper than the root below assumes
    copied = _in_copied_checkout(path)
    if copied is not None:
        return copied
    root = CHECKOUT_ROOT_RE.match(path)
    if root and root.end() < len(path):
        return path[root.end() :]
    return cwd_relative or path


def _in_copied_checkout(path: str) -> str | None:
    """The path inside a copy a build system or package manager made of a repository."""
    if not any(marker in path for marker in COPIED_CHECKOUT_MARKERS) and not (
        RELEASE_VERSION_RE.search(path)
    ):
        return None
    end = max((copied.end() for copied in COPIED_CHECKOUT_RE.finditer(path)), default=0)
    return path[end:] if 0 < end < len(path) else None


def _after_working_directory(path: str) -> str | None:
    """What follows `/./` in an absolute path: a tool joined the folder it ran in with the
    `./script.py` it was given, and that folder is the checkout far more often than not."""
    if "/./" not in path or not is_absolute(path):
        return None
    rest = path.rsplit("/./", 1)[1]
    return _collapse_dots(rest) if rest and not rest.startswith("../") else None


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


def workspace_roots(text: str) -> tuple[str, ...]:
    """The checkout and working folders a log names, longest first (see the module)."""
    if len(text) > 2 * WORKSPACE_SCAN_CHARS:
        text = text[:WORKSPACE_SCAN_CHARS] + "\n" + text[-WORKSPACE_SCAN_CHARS:]
    roots: set[str] = set()
    for marker in WORKSPACE_MARKERS:
        position = 0
        for _ in range(MAX_MARKERS_READ):
            found = text.find(marker, position)
            if found < 0:
                break
            start = text.rfind("\n", 0, found) + 1
            end = text.find("\n", found)
            end = len(text) if end < 0 else end
            match = WORKSPACE_LINE_RE.search(text, start, end)
            if match:
                root = to_slashes(next(group for group in match.groups() if group)).rstrip("/")
                if match.group("package"):
                    root = workspace_package_root(root)
                if match.group("workdir") and _below_known_root(root):
                    position = end + 1
                    continue  # a folder of the checkout the image copied to a known root
                if len(root.strip("/")) > 2:  # not `/` or a bare drive
                    roots.add(root)
            position = end + 1
    return tuple(sorted(roots, key=len, reverse=True))


def _below_known_root(folder: str) -> bool:
    """Whether `folder` is inside, not at, a checkout root `CHECKOUT_ROOT_RE` knows
    (`/app/apps/web` is the `apps/web` folder of a checkout copied to `/app`)."""
    root = CHECKOUT_ROOT_RE.match(folder + "/")
    return root is not None and root.end() < len(folder) + 1


def workspace_package_root(folder: str) -> str:
    """The repository folder of a JavaScript project's folder: a workspace package's
    (`repo/packages/web`) is two folders down."""
    return WORKSPACE_PACKAGE_RE.sub("", folder)


def root_named_in_log(path: str, text: str) -> str | None:
    """Where the repository starts in an absolute path no known root explains (a build on
    someone's machine), judged by the log itself: the shallowest folder of the path that
    the log also names as a relative path (`Building CXX object src/...`, pytest's
    `tests/test_x.py ..E`, webpack's `./src/App.tsx`), or None. The log naming the same
    file relatively says it best, so that is looked for first (`C:/src/shop/src/main.rs`
    beside `src/main.rs` starts at `shop/`, not at the first `src/`)."""
    parts = path.split("/")
    # A repository checked out as a whole drive is rarer than a folder named like one of
    # its own (`C:/src/shop/src/`).
    shallowest = 2 if WINDOWS_DRIVE_RE.match(path) else 1
    for depth in range(shallowest, len(parts) - 1):
        if _named_relatively("/".join(parts[depth:]), text, object_folders=False):
            return "/".join(parts[:depth])
    for depth in range(shallowest, len(parts) - 1):
        if parts[depth] and _named_relatively(parts[depth] + "/", text):
            return "/".join(parts[:depth])
    return None


def root_beside_dependencies(path: str, text: str) -> str | None:
    """Where the repository starts in an absolute path, judged by the log: the shallowest
    folder of the path that the log shows holding `node_modules/` (a JavaScript project's
    stack passes through its dependencies), up from a workspace package's folder."""
    if "node_modules" not in text:
        return None
    parts = path.split("/")
    for depth in range(2, len(parts) - 1):
        holder = "/".join(parts[:depth]) + "/node_modules/"
        if holder in text or holder.replace("/", "\\") in text:
            return workspace_package_root(holder.removesuffix("/node_modules/"))
    return None


def root_beside_build_folder(path: str, text: str) -> str | None:
    """Where the repository starts in an absolute path, judged by the log: the folder of
    the path that the log shows holding CMake's build folder (`build/`, CLion's
    `cmake-build-debug/`), told by what CMake makes there (Visual Studio's projects, which
    MSBuild names after each diagnostic, `CMakeFiles/`, `CMakeCache.txt`, the tests CTest
    runs from it). A Gradle or Ant module's own `build/` says nothing of the repository's
    root."""
    if not any(marker in text for marker in ("CMake", ".vcxproj", ".sln", CTEST_RUN)):
        return None
    parts = path.split("/")
    for depth in range(len(parts) - 2, 1, -1):
        if BUILD_FOLDER_RE.match(parts[depth]):
            continue  # the path is in the build folder itself
        root = "/".join(parts[:depth])
        holder = re.escape(root).replace("/", r"[\\/]")
        # A test CTest runs from the build folder mirrors the source tree (`build/test/x`
        # for `test/x.cpp`); a build folder beside the source (`cmake -S app -B build`)
        # does not, and says nothing of where the checkout starts.
        mirrored = re.escape(parts[depth]).replace("/", r"[\\/]")
        if re.search(holder + BUILD_PRODUCT, text) or re.search(
            CTEST_RUN_RE + holder + rf"[\\/](?:{BUILD_FOLDER})[\\/]{mirrored}[\\/]", text
        ):
            return root
    return None


def local_checkout_root(path: str) -> str | None:
    """Where the repository probably starts in an absolute path neither a CI system's root
    nor the log explains, judged by the shapes of local and container checkouts (see
    `LOCAL_ROOT_RE`), or None. A guess: the path is no repository path as it stands."""
    shapes = LOCAL_WINDOWS_ROOT_RE if WINDOWS_DRIVE_RE.match(path) else LOCAL_ROOT_RE
    match = shapes.match(path)
    if match is None or match.end() >= len(path):
        return None
    return path[: match.end() - 1]


def _named_relatively(folder: str, text: str, *, object_folders: bool = True) -> bool:
    """Whether `folder/` starts a relative path somewhere in `text` (not inside another
    path): at a line's start, after a space, a quote, a bracket, `./`, or inside CMake's
    object folder (`CMakeFiles/app.dir/tests/x.cpp.o` mirrors the source tree, of its
    target's folder: that says which folders there are, not where the repository starts)."""
    ends = (*DOT_SLASH_STARTS, ".dir/") if object_folders else DOT_SLASH_STARTS
    position = text.find(folder)
    for _ in range(MAX_FOLDER_MENTIONS_READ):
        if position < 0:
            return False
        before = text[max(0, position - 5) : position]
        if not before or before[-1] in RELATIVE_PATH_STARTS or before.endswith(ends):
            return True
        position = text.find(folder, position + 1)
    return False


def is_external(path: str | None) -> bool:
    """Whether `path` is third-party, toolchain or standard-library code, not the repo's."""
    if not path:
        return True
    return bool(EXTERNAL_RE.search(to_slashes(path)))


def package_dir(import_path: str, repo_root_hints: Sequence[str] = ()) -> str:
    """The repository directory of a Go package import path (github.com/o/r/pkg -> pkg).

    Without a hint the module path is guessed from the import path's shape: forge/owner/
    repo on code forges, `golang.org/x/NAME`, `gopkg.in/NAME.vN`, host/NAME on other hosts
    (`go.uber.org/zap`, `example.com/shop`), and the first element of a module path with no
    host at all (`shop/internal/cart`)."""
    import_path = import_path.strip().rstrip("/")
    local = LOCAL_IMPORT_PATH_RE.match(import_path)
    if local:  # a folder outside GOPATH: the path of its files is made relative later
        drive = f"{local.group(1)}:" if local.group(1) else ""
        return normalise_path(drive + local.group(2))
    for hint in repo_root_hints:
        hint = to_slashes(hint).rstrip("/")
        if hint and not is_absolute(hint):
            for prefix in (hint, f"github.com/{hint}"):
                if import_path == prefix:
                    return ""
                if import_path.startswith(prefix + "/"):
                    return import_path[len(prefix) + 1 :]
    parts = import_path.split("/")
    return "/".join(parts[_module_length(parts) :])


def _module_length(parts: Sequence[str]) -> int:
    """How many elements of an import path its module path probably has."""
    host = parts[0]
    if "." not in host:
        return 1
    if f"{host}/" in FORGE_HOSTS or parts[1:2] == ["x"]:  # golang.org/x/net, bdd.fi/x/app
        return 3
    if host == "gopkg.in":
        return 2 if len(parts) > 1 and GOPKG_VERSION_RE.search(parts[1]) else 3
    return 2


def join_repo_path(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name
