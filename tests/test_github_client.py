"""The GitHub client against the fake: headers, back-off, request records, diffs."""

from __future__ import annotations

import string
import time
from typing import Any

import aiohttp
import gidgethub
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from grimoire_bot.github.auth import InstallationTokens
from grimoire_bot.github.client import (
    GITHUB_API_URL,
    SAFE_QUERY_KEYS,
    GitHubClient,
    RequestRecord,
    TransientGitHubError,
    get_pull_diff,
    github_api_url,
    installation_client,
    rate_limit_wait,
    redact_url,
)
from tests.fakes.github import FakeGitHub, fake_github  # noqa: F401

INSTALLATION_ID = 11
REPO = "octo-org/octo-repo"
SHA = "c0ffee" * 6 + "c0fe"
DIFF = """diff --git a/src/app.py b/src/app.py
index 1111111..2222222 100644
--- a/src/app.py
+++ b/src/app.py
@@ -1,2 +1,2 @@
-import os
+import oss
 print("hi")
"""


@pytest_asyncio.fixture
async def gh(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    records: list[RequestRecord],
) -> GitHubClient:
    """An installation client with quick back-off, as the worker would build it."""
    fake_github.add_installation(INSTALLATION_ID, [REPO])
    app_client = GitHubClient(
        session,
        "grimoire-tests",
        base_url=github_api_url(fake_github.ghe_host, fake_github.ghe_protocol),
        on_request=records.append,
        backoff_base=0.01,
        request_timeout=0.25,
    )
    tokens = InstallationTokens(fake_github.app_id, fake_github.private_key)
    client = await installation_client(app_client, tokens, INSTALLATION_ID)
    records.clear()
    return client


def seed_run(fake: FakeGitHub) -> int:
    return fake.add_check_run(repo=REPO, head_sha=SHA, name="tests").id


def run_path(run_id: int) -> str:
    return f"/repos/{REPO}/check-runs/{run_id}"


# ---------------------------------------------------------------- base URL


def test_api_url_is_github_com_without_an_enterprise_host() -> None:
    assert github_api_url(None) == GITHUB_API_URL
    assert github_api_url("") == GITHUB_API_URL


def test_enterprise_url_follows_probot_convention() -> None:
    assert github_api_url("ghe.example.com") == "https://ghe.example.com/api/v3"
    assert github_api_url("127.0.0.1:8080", "http") == "http://127.0.0.1:8080/api/v3"


@pytest.mark.parametrize(
    ("host", "protocol"), [("https://ghe.example.com", "https"), ("ghe.example.com", "ftp")]
)
def test_enterprise_url_refuses_a_url_or_unknown_protocol(host: str, protocol: str) -> None:
    with pytest.raises(ValueError, match="GHE_"):
        github_api_url(host, protocol)


# ---------------------------------------------------------------- headers and records


async def test_requests_carry_the_json_media_type_and_pinned_version(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    run_id = seed_run(fake_github)
    run = await gh.getitem(run_path(run_id))
    assert run["id"] == run_id
    (request,) = fake_github.requests_to("GET", run_path(run_id))
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"
    assert request.headers["user-agent"] == "grimoire-tests"
    assert request.installation_id == INSTALLATION_ID


async def test_each_exchange_is_recorded(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
    records: list[RequestRecord],
) -> None:
    run_id = seed_run(fake_github)
    await gh.getitem(run_path(run_id))
    (record,) = records
    assert record.method == "GET"
    assert record.url == fake_github.url(run_path(run_id))
    assert record.status == 200
    assert record.error is None
    assert record.duration_ms > 0


async def test_pagination_follows_link_headers(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
    records: list[RequestRecord],
) -> None:
    run_id = seed_run(fake_github)
    fake_github.set_annotations(
        run_id,
        [
            {
                "path": "a.py",
                "start_line": n,
                "end_line": n,
                "annotation_level": "failure",
                "message": f"error {n}",
            }
            for n in range(1, 8)
        ],
    )
    annotations = [
        a async for a in gh.getiter(run_path(run_id) + "/annotations{?per_page}", {"per_page": 3})
    ]
    assert [a["start_line"] for a in annotations] == list(range(1, 8))
    assert [r.url.rsplit("?", 1)[-1] for r in records] == [
        "per_page=3",
        "per_page=3&page=2",
        "per_page=3&page=3",
    ]


# ---------------------------------------------------------------- back-off


async def test_bad_gateway_then_success_is_one_logical_call(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
    records: list[RequestRecord],
) -> None:
    run_id = seed_run(fake_github)
    fake_github.inject("GET", r"/check-runs/\d+$", 502)
    run = await gh.getitem(run_path(run_id))
    assert run["id"] == run_id
    assert [r.status for r in records] == [502, 200]


async def test_server_errors_beyond_the_attempts_become_transient(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    run_id = seed_run(fake_github)
    fake_github.inject("GET", r"/check-runs/", 503, times=5)
    with pytest.raises(TransientGitHubError) as caught:
        await gh.getitem(run_path(run_id))
    assert "503" in caught.value.reason
    assert len(fake_github.requests_to("GET", run_path(run_id))) == gh.max_attempts


async def test_429_with_retry_after_waits_then_succeeds(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    run_id = seed_run(fake_github)
    fake_github.inject("GET", r"/check-runs/", "rate_limit_429", retry_after="1")
    started = time.monotonic()
    run = await gh.getitem(run_path(run_id))
    elapsed = time.monotonic() - started
    assert run["id"] == run_id
    assert 0.9 <= elapsed < 3


async def test_secondary_limit_with_long_retry_after_goes_back_to_the_queue(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.inject("POST", r"/check-runs$", "secondary_403", retry_after="120")
    started = time.monotonic()
    with pytest.raises(TransientGitHubError) as caught:
        await gh.post(f"/repos/{REPO}/check-runs", data={"name": "Grimoire", "head_sha": SHA})
    assert caught.value.retry_after == 120
    assert time.monotonic() - started < 1, "must not sleep through a long limit"
    assert fake_github.check_runs == {}


async def test_secondary_limit_without_retry_after_waits_at_least_a_minute(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    run_id = seed_run(fake_github)
    fake_github.inject("GET", r"/check-runs/", "secondary_403")
    with pytest.raises(TransientGitHubError) as caught:
        await gh.getitem(run_path(run_id))
    assert caught.value.retry_after is not None
    assert caught.value.retry_after >= 60


async def test_primary_limit_waits_until_the_reset(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    run_id = seed_run(fake_github)
    reset = int(time.time()) + 1234
    fake_github.inject("GET", r"/check-runs/", "primary_403", x_ratelimit_reset=str(reset))
    with pytest.raises(TransientGitHubError) as caught:
        await gh.getitem(run_path(run_id))
    assert caught.value.retry_after == pytest.approx(1234, abs=3)


async def test_short_primary_limit_is_waited_out_inline(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    run_id = seed_run(fake_github)
    reset = time.time() + 0.3
    fake_github.inject("GET", r"/check-runs/", "primary_403", x_ratelimit_reset=str(reset))
    assert (await gh.getitem(run_path(run_id)))["id"] == run_id


async def test_timeout_is_retried(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
    records: list[RequestRecord],
) -> None:
    run_id = seed_run(fake_github)
    fake_github.inject("GET", r"/check-runs/", "timeout")
    assert (await gh.getitem(run_path(run_id)))["id"] == run_id
    assert [(r.status, r.error) for r in records] == [(None, "timeout"), (200, None)]


async def test_repeated_timeouts_become_transient(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    run_id = seed_run(fake_github)
    fake_github.inject("GET", r"/check-runs/", "timeout", times=gh.max_attempts)
    with pytest.raises(TransientGitHubError) as caught:
        await gh.getitem(run_path(run_id))
    assert caught.value.retry_after is None
    assert "timeout" in caught.value.reason


async def test_unreachable_host_becomes_transient(session: aiohttp.ClientSession) -> None:
    closed_port = GitHubClient(
        session, "grimoire-tests", base_url="http://127.0.0.1:9/api/v3", backoff_base=0.01
    )
    with pytest.raises(TransientGitHubError):
        await closed_port.getitem("/repos/o/r")


@pytest.mark.parametrize("status", [401, 404, 422])
async def test_permanent_errors_propagate_without_retry(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
    status: int,
) -> None:
    run_id = seed_run(fake_github)
    fake_github.inject("GET", r"/check-runs/", status, times=5)
    with pytest.raises(gidgethub.BadRequest) as caught:
        await gh.getitem(run_path(run_id))
    assert caught.value.status_code == status
    assert len(fake_github.requests_to("GET", run_path(run_id))) == 1


async def test_permission_403_is_not_mistaken_for_a_rate_limit(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    run_id = seed_run(fake_github)
    fake_github.inject("GET", r"/check-runs/", 403)
    with pytest.raises(gidgethub.BadRequest) as caught:
        await gh.getitem(run_path(run_id))
    assert caught.value.status_code == 403


# ---------------------------------------------------------------- check runs


async def test_check_run_annotations_accumulate_over_patches(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    created = await gh.post(
        f"/repos/{REPO}/check-runs",
        data={"name": "Grimoire", "head_sha": SHA, "status": "in_progress"},
    )
    batches = [[annotation(line) for line in range(start, start + 50)] for start in (1, 51)]
    for batch in batches:
        await gh.patch(
            run_path(created["id"]),
            data={"output": {"title": "2 spells", "summary": "Found fixes", "annotations": batch}},
        )
    await gh.patch(run_path(created["id"]), data={"conclusion": "neutral"})
    run = await gh.getitem(run_path(created["id"]))
    assert run["status"] == "completed"
    assert run["conclusion"] == "neutral"
    assert run["output"]["annotations_count"] == 100
    assert fake_github.schema_violations == []


def annotation(line: int) -> dict[str, Any]:
    return {
        "path": "src/app.py",
        "start_line": line,
        "end_line": line,
        "annotation_level": "warning",
        "message": "Did you mean `os`?",
    }


# ---------------------------------------------------------------- diff


async def test_diff_is_fetched_as_text(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.add_pull(5, repo=REPO, diff=DIFF)
    assert await get_pull_diff(gh, fake_github.url(f"/repos/{REPO}/pulls/5")) == DIFF
    (request,) = fake_github.requests_to("GET", f"/repos/{REPO}/pulls/5")
    assert request.headers["accept"] == "application/vnd.github.diff"


async def test_too_large_diff_gives_none(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.add_pull(6, repo=REPO, diff=DIFF, too_large=True)
    assert await get_pull_diff(gh, fake_github.url(f"/repos/{REPO}/pulls/6")) is None


async def test_diff_and_json_do_not_share_a_cache_slot(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    """gidgethub keys its ETag cache by URL: a cached diff once came back as the PR's JSON."""
    fake_github.add_pull(7, repo=REPO, diff=DIFF)
    url = fake_github.url(f"/repos/{REPO}/pulls/7")
    cached = gh.derive(cache={})
    pull = await cached.getitem(url)
    assert await get_pull_diff(cached, url) == DIFF
    assert (await cached.getitem(url))["number"] == pull["number"] == 7
    assert await get_pull_diff(cached, url) == DIFF


# ---------------------------------------------------------------- redaction


SIGNED = (
    "https://pipelines.example/_apis/jobs/19/signedlogcontent"
    "?urlExpires=2020-01-22T22%3A44%3A54Z&urlSigningMethod=HMACV1&urlSignature=abc%3D"
)


def test_signed_query_is_dropped_from_records() -> None:
    assert redact_url(SIGNED) == "https://pipelines.example/_apis/jobs/19/signedlogcontent"


def test_pagination_query_is_kept_in_records() -> None:
    url = "https://api.github.com/repos/o/r/pulls/1/files?per_page=100&page=2"
    assert redact_url(url) == url


@given(
    st.dictionaries(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzXYZ_-", min_size=1, max_size=12),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=12, max_size=40),
        max_size=5,
    )
)
def test_only_known_harmless_parameters_survive(params: dict[str, str]) -> None:
    redacted = redact_url(URL("https://logs.example/blob").with_query(params))
    for key, value in params.items():
        if key not in SAFE_QUERY_KEYS:
            assert value not in redacted


@given(
    retry_after=st.one_of(
        st.none(),
        st.integers(-5, 10_000).map(str),
        st.text(alphabet=string.ascii_letters, max_size=8),  # junk GitHub might send
    ),
    remaining=st.sampled_from([None, "0", "17"]),
    reset_in=st.integers(-100, 10_000),
    attempt=st.integers(1, 6),
)
def test_rate_limit_wait_is_never_negative_and_honours_retry_after(
    retry_after: str | None, remaining: str | None, reset_in: int, attempt: int
) -> None:
    now = 1_700_000_000.0
    headers = {"x-ratelimit-reset": str(int(now) + reset_in)}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    if remaining is not None:
        headers["x-ratelimit-remaining"] = remaining
    wait, _ = rate_limit_wait(headers, attempt, now=now)
    assert wait >= 0
    if retry_after is not None and retry_after.lstrip("-").isdigit():
        assert wait == max(0, int(retry_after))
    elif remaining == "0":
        assert wait == max(0, reset_in)
    else:
        assert wait >= 60
