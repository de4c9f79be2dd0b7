"""App authentication against the fake GitHub: private keys, the App JWT, installation tokens."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import aiohttp
import gidgethub
import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grimoire_bot.github.auth import (
    JWT_BACKDATE_SECONDS,
    InstallationTokens,
    load_private_key,
    make_app_jwt,
)
from grimoire_bot.github.client import GitHubClient
from tests.fakes.github import FakeGitHub, fake_github  # noqa: F401

INSTALLATION_ID = 7
REPO = "octo-org/octo-repo"


@pytest.fixture
def app_client(fake_github: FakeGitHub, session: aiohttp.ClientSession) -> GitHubClient:  # noqa: F811
    fake_github.add_installation(INSTALLATION_ID, [REPO])
    return GitHubClient(session, "grimoire-tests", base_url=fake_github.api_url)


@pytest.fixture
def tokens(fake_github: FakeGitHub) -> InstallationTokens:  # noqa: F811
    # The PEM text, as the App gets it from PRIVATE_KEY.
    return InstallationTokens(fake_github.app_id, fake_github.private_key_pem)


# ---------------------------------------------------------------- private key


def test_pem_with_literal_newlines_is_accepted(fake_github: FakeGitHub) -> None:  # noqa: F811
    one_line = fake_github.private_key_pem.strip().replace("\n", "\\n")
    assert load_private_key(one_line, None) == fake_github.private_key_pem


def test_base64_pem_is_accepted(fake_github: FakeGitHub) -> None:  # noqa: F811
    encoded = base64.b64encode(fake_github.private_key_pem.encode()).decode()
    assert load_private_key(encoded, None) == fake_github.private_key_pem


def test_key_file_is_read(fake_github: FakeGitHub, tmp_path: Path) -> None:  # noqa: F811
    key_file = tmp_path / "app.pem"
    key_file.write_text(fake_github.private_key_pem)
    assert load_private_key(None, str(key_file)) == fake_github.private_key_pem


def test_missing_key_file_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PRIVATE_KEY_PATH"):
        load_private_key(None, str(tmp_path / "absent.pem"))


def test_no_key_at_all_names_both_variables() -> None:
    with pytest.raises(ValueError, match="PRIVATE_KEY or PRIVATE_KEY_PATH"):
        load_private_key("  ", None)


def test_damaged_pem_is_refused_without_quoting_it(fake_github: FakeGitHub) -> None:  # noqa: F811
    damaged = fake_github.private_key_pem.replace("A", "B", 20)
    with pytest.raises(ValueError, match="PRIVATE_KEY") as caught:
        load_private_key(damaged, None)
    assert "BEGIN" not in str(caught.value)


@given(st.text(min_size=1, max_size=200).filter(lambda s: s.strip()))
def test_garbage_never_appears_in_the_error(garbage: str) -> None:
    with pytest.raises(ValueError) as caught:
        load_private_key(garbage, None)
    message = str(caught.value)
    assert "PRIVATE_KEY" in message
    if len(garbage.strip()) >= 8:
        assert garbage.strip() not in message


# ---------------------------------------------------------------- App JWT


def test_jwt_is_backdated_and_lives_ten_minutes(fake_github: FakeGitHub) -> None:  # noqa: F811
    now = time.time()
    token = make_app_jwt(fake_github.app_id, fake_github.private_key_pem, now=now)
    claims = jwt.decode(token, fake_github.public_key, algorithms=["RS256"])
    assert claims["iss"] == fake_github.app_id
    assert claims["iat"] == int(now) - JWT_BACKDATE_SECONDS
    assert claims["exp"] - claims["iat"] == 600
    assert fake_github.jwt_problem(token) is None


async def test_fake_accepts_our_jwt_on_app_endpoints(
    app_client: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    token = make_app_jwt(fake_github.app_id, fake_github.private_key_pem)
    app = await app_client.getitem("/app", jwt=token)
    assert app["id"] == int(fake_github.app_id)


async def test_jwt_signed_for_another_app_is_refused(
    app_client: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    token = make_app_jwt("999", fake_github.private_key_pem)
    with pytest.raises(gidgethub.BadRequest) as caught:
        await app_client.getitem("/app", jwt=token)
    assert caught.value.status_code == 401


# ---------------------------------------------------------------- installation tokens


async def test_token_is_minted_once_and_reused(
    app_client: GitHubClient,
    tokens: InstallationTokens,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    first = await tokens.token(app_client, INSTALLATION_ID)
    second = await tokens.token(app_client, INSTALLATION_ID)
    assert first == second
    assert fake_github.mint_count(INSTALLATION_ID) == 1
    minted = fake_github.requests_to("POST", "/app/installations/*/access_tokens")
    assert [r.auth for r in minted] == ["jwt"]


async def test_twenty_concurrent_callers_share_one_mint(
    app_client: GitHubClient,
    tokens: InstallationTokens,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    results = await asyncio.gather(*(tokens.token(app_client, INSTALLATION_ID) for _ in range(20)))
    assert len(set(results)) == 1
    assert fake_github.mint_count(INSTALLATION_ID) == 1


async def test_token_is_renewed_before_it_expires(
    app_client: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    # Tokens live 1.5 s past the renewal margin (expires_at has whole seconds), so the
    # cache must let go of them while GitHub would still accept them.
    margin = 1.0
    fake_github.token_lifetime = margin + 1.5
    tokens = InstallationTokens(fake_github.app_id, fake_github.private_key, refresh_margin=margin)
    first = await tokens.token(app_client, INSTALLATION_ID)
    assert await tokens.token(app_client, INSTALLATION_ID) == first
    await asyncio.sleep(1.6)
    second = await tokens.token(app_client, INSTALLATION_ID)
    assert second != first
    assert fake_github.tokens[first].expires_at > time.time(), "renewed only after expiry"
    assert fake_github.mint_count(INSTALLATION_ID) == 2


async def test_renewal_follows_expires_at_on_the_clock(
    app_client: GitHubClient,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    now = [time.time()]
    tokens = InstallationTokens(fake_github.app_id, fake_github.private_key, clock=lambda: now[0])
    first = await tokens.token(app_client, INSTALLATION_ID)
    now[0] += 54 * 60
    assert await tokens.token(app_client, INSTALLATION_ID) == first
    now[0] += 2 * 60  # 56 minutes: inside the 5-minute margin before the 1-hour expiry
    assert await tokens.token(app_client, INSTALLATION_ID) != first


async def test_unauthorized_token_is_replaced_after_invalidate(
    app_client: GitHubClient,
    tokens: InstallationTokens,
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    fake_github.set_job(1, repo=REPO, log=b"x")
    old = await tokens.token(app_client, INSTALLATION_ID)
    fake_github.revoke_token(old)
    gh = GitHubClient(session, "grimoire-tests", oauth_token=old, base_url=fake_github.api_url)
    with pytest.raises(gidgethub.BadRequest) as caught:
        await gh.getitem(f"/repos/{REPO}/actions/jobs/1")
    assert caught.value.status_code == 401

    tokens.invalidate(INSTALLATION_ID)
    new = await tokens.token(app_client, INSTALLATION_ID)
    assert new != old
    job = await gh.derive(oauth_token=new).getitem(f"/repos/{REPO}/actions/jobs/1")
    assert job["id"] == 1


async def test_failed_mint_reaches_every_waiter_and_is_not_cached(
    app_client: GitHubClient,
    tokens: InstallationTokens,
    fake_github: FakeGitHub,  # noqa: F811
) -> None:
    unknown = 404404
    results = await asyncio.gather(
        *(tokens.token(app_client, unknown) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, gidgethub.BadRequest) and r.status_code == 404 for r in results)
    assert len(fake_github.requests_to("POST", f"/app/installations/{unknown}/*")) == 1
    fake_github.add_installation(unknown)
    assert await tokens.token(app_client, unknown)


async def test_tokens_are_long_and_never_in_repr(
    app_client: GitHubClient,
    tokens: InstallationTokens,
) -> None:
    minted = await tokens.installation_token(app_client, INSTALLATION_ID)
    assert len(minted.token) > 40
    assert minted.token not in repr(minted)
    assert minted.token not in repr(tokens)
