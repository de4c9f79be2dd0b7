"""Resolving printed paths against a commit's files: longest unique suffix, or left alone."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grimoire_bot.matching import PathStatus, RepoFiles, extract_errors, resolve_paths

TREE = RepoFiles(
    [
        "README.md",
        "src/app.py",
        "src/Api/Program.cs",
        "src/Worker/Program.cs",
        "lib/src/app.py",
        "backend/app/handlers/orders.py",
        "ProcessHacker/dbgcon.c",
        "include/config.h",
        "fullOfProblems.js",
        "cart-service/src/test/java/com/acme/cart/CartTest.java",
    ]
)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        # Workspaces of CI systems and local machines: the tail names the file.
        ("/home/runner/work/shop/shop/src/app.py", "src/app.py"),
        ("/home/travis/build/acme/shop/src/app.py", "src/app.py"),
        ("/builds/acme/platform/shop/src/app.py", "src/app.py"),
        ("/var/lib/jenkins/workspace/shop Release/shop/fullOfProblems.js", "fullOfProblems.js"),
        (r"D:\a\1\s\src\Api\Program.cs", "src/Api/Program.cs"),
        (r"C:\projects\shop\src\Worker\Program.cs", "src/Worker/Program.cs"),
        # A container's WORKDIR: the repository keeps the code one folder deeper.
        ("/opt/service/app/handlers/orders.py", "backend/app/handlers/orders.py"),
        # MSVC lower-cases paths; Windows does not care.
        (r".\processhacker\DBGCON.C", "ProcessHacker/dbgcon.c"),
        # Relative to a sub-project, or `..` hops out of a build folder.
        ("Api/Program.cs", "src/Api/Program.cs"),
        ("../../include/config.h", "include/config.h"),
        # A Java frame's package path.
        ("com/acme/cart/CartTest.java", "cart-service/src/test/java/com/acme/cart/CartTest.java"),
        # Already a repository path.
        ("src/app.py", "src/app.py"),
    ],
)
def test_a_printed_path_resolves_to_the_file_it_names(printed: str, expected: str) -> None:
    resolution = TREE.resolve(printed)
    assert (resolution.path, resolution.status) == (expected, PathStatus.FOUND)


@pytest.mark.parametrize(
    ("printed", "status"),
    [
        ("Program.cs", PathStatus.AMBIGUOUS),  # two projects have one
        ("app.py", PathStatus.AMBIGUOUS),
        ("src/missing.py", PathStatus.NOT_FOUND),
        # Same name, different folder: a generated file, not the repository's header.
        ("/tmp/build/generated/config.h", PathStatus.NOT_FOUND),
        ("", PathStatus.NOT_FOUND),
    ],
)
def test_an_unknown_or_ambiguous_path_keeps_the_text_and_says_so(
    printed: str, status: PathStatus
) -> None:
    resolution = TREE.resolve(printed)
    assert (resolution.path, resolution.status) == (printed, status)


def test_a_truncated_tree_does_not_claim_a_file_is_missing() -> None:
    partial = RepoFiles(["src/app.py"], complete=False)
    assert partial.resolve("src/elsewhere.py").status is PathStatus.UNCHECKED
    assert partial.resolve("/ci/root/src/app.py").status is PathStatus.FOUND


def test_errors_keep_their_order_and_lines_and_are_marked() -> None:
    log = (
        "/home/vsts/work/1/s/src/Api/Program.cs(12,17): error CS0246: The type 'Foo' could "
        "not be found\nProgram.cs(3,1): error CS1002: ; expected\nNotice: no location here\n"
        "src/gone.py:4:1: F401 `os` imported but unused"
    )
    errors = extract_errors(log)
    resolved = resolve_paths(errors, TREE)
    assert [(e.file, e.line, e.path_status) for e in resolved] == [
        ("src/Api/Program.cs", 12, PathStatus.FOUND),
        ("Program.cs", 3, PathStatus.AMBIGUOUS),
        ("src/gone.py", 4, PathStatus.NOT_FOUND),
    ]
    assert [e.message for e in resolved] == [e.message for e in errors]
    assert all(e.path_status is PathStatus.UNCHECKED for e in errors)


PART = st.text(alphabet="abcdefgh_-", min_size=1, max_size=4)
REPO_PATH = st.lists(PART, min_size=1, max_size=5).map(lambda parts: "/".join(parts) + ".py")


@settings(max_examples=200, deadline=None)
@given(
    files=st.lists(REPO_PATH, min_size=1, max_size=30, unique=True),
    pick=st.integers(min_value=0),
    root=st.lists(PART, max_size=4).map(lambda parts: "/" + "/".join(parts)),
)
def test_any_root_before_a_file_resolves_to_it_when_no_other_file_ends_the_same(
    files: list[str], pick: int, root: str
) -> None:
    target = files[pick % len(files)]
    # Another file ending with the whole target path would be an honest tie.
    assume(not any(f != target and f.endswith("/" + target) for f in files))
    printed = f"{root.rstrip('/')}/{target}"
    resolution = RepoFiles(files).resolve(printed)
    assert (resolution.path, resolution.status) == (target, PathStatus.FOUND)


@settings(max_examples=200, deadline=None)
@given(files=st.lists(REPO_PATH, max_size=20), printed=st.text(max_size=60))
def test_a_resolution_is_a_repository_file_or_the_text_unchanged(
    files: list[str], printed: str
) -> None:
    resolution = RepoFiles(files).resolve(printed)
    if resolution.status is PathStatus.FOUND:
        assert resolution.path in files
    else:
        assert resolution.path == printed


def test_a_root_folder_named_like_a_drive_resolves_by_the_tree() -> None:
    # `/c/_.py` is MSYS2's `C:\_.py` or a folder `c` at the root: the tree says which.
    files = RepoFiles(["c/_.py", "_.py"])
    for printed, meant in (("/c/_.py", "c/_.py"), ("/c/Users/me/shop/_.py", "_.py")):
        resolution = files.resolve(printed)
        assert (resolution.path, resolution.status) == (meant, PathStatus.FOUND)
