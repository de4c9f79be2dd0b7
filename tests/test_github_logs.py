"""Job-log downloads against the fake: redirect by hand, no token on the log host, capped stream."""

from __future__ import annotations

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
from grimoire_bot.github.logs import LogDownload, download_job_log
from tests.fakes.github import FakeGitHub, Server, fake_github  # noqa: F401

INSTALLATION_ID = 3
REPO = "octo-org/octo-repo"
JOB_ID = 289782451
LOG = b"".join(f"2024-01-01T00:00:{n % 60:02d}Z line {n}\n".encode() for n in range(20_000))


@pytest_asyncio.fixture
async def gh(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    records: list[RequestRecord],
) -> GitHubClient:
    fake_github.add_installation(INSTALLATION_ID, [REPO])
    app_client = GitHubClient(
        session,
        "grimoire-tests",
        base_url=fake_github.api_url,
        on_request=records.append,
        backoff_base=0.01,
        request_timeout=0.25,
    )
    tokens = InstallationTokens(fake_github.app_id, fake_github.private_key)
    client = await installation_client(app_client, tokens, INSTALLATION_ID)
    records.clear()
    return client


def logs_url(fake: FakeGitHub, job_id: int = JOB_ID) -> str:
    return fake.url(f"/repos/{REPO}/actions/jobs/{job_id}/logs")


async def download(
    gh: GitHubClient, fake: FakeGitHub, *, max_bytes: int = 10_000_000, job_id: int = JOB_ID
) -> tuple[LogDownload, bytes, list[int]]:
    chunks: list[bytes] = []
    result = await download_job_log(
        gh, gh.session, logs_url(fake, job_id), sink=chunks.append, max_bytes=max_bytes
    )
    return result, b"".join(chunks), [len(c) for c in chunks]


async def test_log_is_fetched_through_the_redirect(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    result, body, chunk_sizes = await download(gh, fake_github)
    assert result == LogDownload(found=True, size=len(LOG), truncated=False)
    assert body == LOG
    assert len(chunk_sizes) > 1, "the log should arrive in chunks, not as one read"


async def test_token_goes_to_the_api_and_never_to_the_log_host(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    await download(gh, fake_github)
    (api_request,) = fake_github.requests_to("GET", f"/repos/{REPO}/actions/jobs/{JOB_ID}/logs")
    assert api_request.status == 302
    assert api_request.credential == gh.oauth_token
    (log_request,) = fake_github.log_downloads
    assert "authorization" not in log_request.headers
    assert fake_github.auth_leaks == []


async def test_download_stops_at_max_bytes(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    result, body, _ = await download(gh, fake_github, max_bytes=50_000)
    assert result == LogDownload(found=True, size=50_000, truncated=True)
    assert body == LOG[:50_000]


async def test_log_of_exactly_max_bytes_is_not_truncated(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    result, body, _ = await download(gh, fake_github, max_bytes=len(LOG))
    assert result.truncated is False
    assert body == LOG


@pytest.mark.parametrize("gone", [False, True])
async def test_missing_or_expired_log_is_not_found(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
    gone: bool,
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=None, log_gone=gone)
    result, body, _ = await download(gh, fake_github)
    assert result == LogDownload(found=False)
    assert body == b""


async def test_records_hold_both_requests_without_the_signature(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
    records: list[RequestRecord],
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    await download(gh, fake_github)
    assert [(r.method, r.status) for r in records] == [("GET", 302), ("GET", 200)]
    assert records[0].url == logs_url(fake_github)
    assert records[1].url.startswith(fake_github.log_origin)
    assert "?" not in records[1].url
    assert all("Signature" not in r.url and "urlExpires" not in r.url for r in records)


async def test_log_host_failure_is_retried_with_a_fresh_signed_url(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    fake_github.inject("GET", r"/signedlogcontent$", 503)
    result, body, _ = await download(gh, fake_github)
    assert result.found and body == LOG
    assert len(fake_github.requests_to("GET", f"/repos/{REPO}/actions/jobs/{JOB_ID}/logs")) == 2


async def test_lapsed_signed_url_is_asked_for_again(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    fake_github.log_url_lifetime = -1  # every signed URL is already stale
    with pytest.raises(TransientGitHubError):
        await download(gh, fake_github)
    statuses = [r.status for r in fake_github.log_downloads]
    assert statuses == [403] * gh.max_attempts


async def test_rate_limited_redirect_is_retried_like_any_api_call(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    fake_github.inject("GET", r"/logs$", "rate_limit_429", retry_after="0")
    result, body, _ = await download(gh, fake_github)
    assert result.found and body == LOG


async def test_log_host_timeout_before_any_byte_is_retried(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    fake_github.inject("GET", r"/signedlogcontent$", "timeout")
    result, body, _ = await download(gh, fake_github)
    assert result.found and body == LOG
    assert [r.server for r in fake_github.log_downloads] == [Server.LOGS, Server.LOGS]


async def test_log_of_a_renamed_repository_is_followed_with_the_token(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG)
    fake_github.move_repo("octo-org/old-name", REPO)
    url = fake_github.url(f"/repos/octo-org/old-name/actions/jobs/{JOB_ID}/logs")
    chunks: list[bytes] = []
    result = await download_job_log(gh, gh.session, url, sink=chunks.append, max_bytes=len(LOG))
    assert result.found and b"".join(chunks) == LOG
    (moved,) = fake_github.requests_to("GET", f"/repos/{REPO}/actions/jobs/{JOB_ID}/logs")
    assert moved.credential == gh.oauth_token
    assert fake_github.auth_leaks == []


async def test_log_served_without_a_redirect_is_still_capped(
    gh: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    fake_github.set_job(JOB_ID, repo=REPO, log=LOG, log_inline=True)
    result, body, _ = await download(gh, fake_github, max_bytes=1000)
    assert result == LogDownload(found=True, size=1000, truncated=True)
    assert body == LOG[:1000]
