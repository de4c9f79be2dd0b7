"""A commit's files through the git trees API against the fake: truncation, caching, failures."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
import pytest_asyncio

from grimoire_bot.github.auth import InstallationTokens
from grimoire_bot.github.client import (
    GitHubClient,
    RequestRecord,
    TransientGitHubError,
    installation_client,
)
from grimoire_bot.github.trees import MAX_TREE_REQUESTS, TreeCache, read_tree
from grimoire_bot.matching import PathStatus
from tests.fakes.github import FakeGitHub, fake_github  # noqa: F401

INSTALLATION_ID = 7
REPO = "octo-org/octo-repo"
COMMIT = "c0ffee" + "0" * 34
FILES = [
    "README.md",
    "pyproject.toml",
    "src/shop/__init__.py",
    "src/shop/cart.py",
    "src/shop/payments/stripe.py",
    "tests/test_cart.py",
    "web/src/index.ts",
    "web/src/components/Cart.tsx",
]


async def installation_gh(
    fake: FakeGitHub,
    session: aiohttp.ClientSession,
    records: list[RequestRecord],
    **permissions: str,
) -> GitHubClient:
    fake.add_installation(INSTALLATION_ID, [REPO], permissions=permissions or None)
    app_client = GitHubClient(
        session,
        "grimoire-tests",
        base_url=fake.api_url,
        on_request=records.append,
        backoff_base=0.01,
        request_timeout=0.25,
    )
    tokens = InstallationTokens(fake.app_id, fake.private_key)
    client = await installation_client(app_client, tokens, INSTALLATION_ID)
    records.clear()
    return client


@pytest_asyncio.fixture
async def gh(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    records: list[RequestRecord],
) -> GitHubClient:
    return await installation_gh(fake_github, session, records)


def trees_url(fake: FakeGitHub) -> str:
    """The repository's `trees_url` as webhook payloads carry it (a URI template)."""
    return fake.url(f"/repos/{REPO}/git/trees{{/sha}}")


def tree_requests(fake: FakeGitHub) -> list:
    return fake.requests_to("GET", f"/repos/{REPO}/git/trees/*")


async def test_a_commit_is_read_in_one_recursive_request(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
    records: list[RequestRecord],
) -> None:
    fake_github.set_tree(COMMIT, FILES, repo=REPO, submodules=["vendor/libfoo"])
    files = await read_tree(gh, trees_url(fake_github), COMMIT)
    assert files is not None and files.complete
    # Files only: folders and the submodule (another repository's files) are not files.
    assert len(files) == len(FILES)
    assert all(path in files for path in FILES)
    assert "src/shop" not in files and "vendor/libfoo" not in files
    (request,) = tree_requests(fake_github)
    assert request.path == f"/repos/{REPO}/git/trees/{COMMIT}"
    assert request.query == {"recursive": "1"}
    assert request.credential == gh.oauth_token
    assert [(r.method, r.status) for r in records] == [("GET", 200)]


async def test_a_plain_trees_url_works_like_the_template(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_tree(COMMIT, FILES, repo=REPO)
    files = await read_tree(gh, fake_github.url(f"/repos/{REPO}/git/trees/"), COMMIT)
    assert files is not None and len(files) == len(FILES)


async def test_a_truncated_tree_is_read_folder_by_folder(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    many = [f"pkg{n}/mod{m}.py" for n in range(6) for m in range(5)] + ["setup.py"]
    fake_github.set_tree(COMMIT, many, repo=REPO, max_entries=10)
    files = await read_tree(gh, trees_url(fake_github), COMMIT)
    assert files is not None and files.complete
    assert len(files) == len(many) and all(path in files for path in many)
    # The whole tree once, this folder's entries once, then each folder recursively.
    assert len(tree_requests(fake_github)) == 2 + 6
    assert files.resolve("/builds/acme/shop/pkg3/mod4.py").path == "pkg3/mod4.py"


async def test_a_tree_too_big_to_walk_is_kept_partial_and_says_so(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    # Every folder is itself truncated, so each needs two requests and more folders:
    # the walk runs out of budget and keeps what the partial answers held.
    deep = [f"a{n}/b{m}/c{k}.py" for n in range(12) for m in range(4) for k in range(4)]
    fake_github.set_tree(COMMIT, deep, repo=REPO, max_entries=5)
    files = await read_tree(gh, trees_url(fake_github), COMMIT)
    assert files is not None and not files.complete
    assert 0 < len(files) < len(deep)
    assert all(path in deep for path in files)
    assert len(tree_requests(fake_github)) <= MAX_TREE_REQUESTS + 1
    # Missing from a partial list is not proof of absence.
    assert files.resolve("a11/b3/c3.py").status in (PathStatus.FOUND, PathStatus.UNCHECKED)


async def test_an_unknown_commit_has_no_tree(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    assert await read_tree(gh, trees_url(fake_github), "f" * 40) is None
    assert [r.status for r in tree_requests(fake_github)] == [404]


async def test_without_contents_permission_there_is_no_tree(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    records: list[RequestRecord],
) -> None:
    gh = await installation_gh(fake_github, session, records, checks="write", metadata="read")
    fake_github.set_tree(COMMIT, FILES, repo=REPO)
    assert await read_tree(gh, trees_url(fake_github), COMMIT) is None
    assert [r.status for r in tree_requests(fake_github)] == [403]


async def test_a_server_error_is_retried_with_back_off(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
    records: list[RequestRecord],
) -> None:
    fake_github.set_tree(COMMIT, FILES, repo=REPO)
    fake_github.inject("GET", r"/git/trees/", 502)
    files = await read_tree(gh, trees_url(fake_github), COMMIT)
    assert files is not None and len(files) == len(FILES)
    assert [r.status for r in records] == [502, 200]


async def test_a_long_rate_limit_is_left_to_the_queue(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_tree(COMMIT, FILES, repo=REPO)
    fake_github.inject("GET", r"/git/trees/", "secondary_403", retry_after="120")
    with pytest.raises(TransientGitHubError):
        await read_tree(gh, trees_url(fake_github), COMMIT)


async def test_the_cache_reads_each_commit_once_even_when_asked_at_once(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_tree(COMMIT, FILES, repo=REPO)
    cache = TreeCache()
    results = await asyncio.gather(
        *(cache.files(gh, trees_url(fake_github), COMMIT) for _ in range(5))
    )
    again = await cache.files(gh, trees_url(fake_github), COMMIT)
    assert all(result is results[0] for result in results) and again is results[0]
    assert len(tree_requests(fake_github)) == 1


async def test_the_cache_does_not_remember_a_missing_tree(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    cache = TreeCache()
    assert await cache.files(gh, trees_url(fake_github), COMMIT) is None
    fake_github.set_tree(COMMIT, FILES, repo=REPO)  # the commit became visible
    files = await cache.files(gh, trees_url(fake_github), COMMIT)
    assert files is not None and len(files) == len(FILES)


async def test_the_cache_is_bounded_by_the_paths_it_holds(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    commits = [f"{n:040x}" for n in range(1, 4)]
    for sha in commits:
        fake_github.set_tree(sha, FILES, repo=REPO)
    cache = TreeCache(max_paths=2 * len(FILES))
    for sha in commits:
        await cache.files(gh, trees_url(fake_github), sha)
    await cache.files(gh, trees_url(fake_github), commits[0])  # evicted: read again
    await cache.files(gh, trees_url(fake_github), commits[2])  # still held
    assert len(tree_requests(fake_github)) == 4
