"""Driving "Sign in with GitHub" end to end: our app, a browser's cookies, the fake GitHub."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from aiohttp.test_utils import TestClient

from grimoire_bot.app import create_app
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import open_pool
from tests.fakes.github import FakeGitHub
from tests.workers import settings_for

PUBLIC_URL = "http://grimoire.test"
INSTALLATION_ID = 77
ORG = "octo-org"
REPOS = ("octo-org/widgets", "octo-org/secret-sauce", "octo-org/.github")


def login_settings(fake: FakeGitHub, **overrides: Any):
    """Settings of an app whose GitHub App (and its user authorization) is the fake."""
    fake.callback_url = f"{PUBLIC_URL}/auth/github/callback"
    values: dict[str, Any] = {
        "github_client_id": fake.client_id,
        "github_client_secret": fake.client_secret,
        "public_url": PUBLIC_URL,
    }
    values.update(overrides)
    return settings_for(fake, **values)


async def login_client(aiohttp_client, fake: FakeGitHub, database_url: str, **overrides: Any):
    return await aiohttp_client(create_app(login_settings(fake, **overrides), database_url))


async def install(fake: FakeGitHub, database_url: str, repos=REPOS) -> dict[str, int]:
    """The App installed on `repos`, on the fake and in our tables; their ids by name."""
    fake.add_installation(INSTALLATION_ID, repos)
    async with open_pool(database_url, max_size=2) as pool, pool.acquire() as conn:
        await db_installations.upsert_installation(
            conn, {"id": INSTALLATION_ID, "account": {"login": ORG, "type": "Organization"}}
        )
        await db_installations.add_repositories(
            conn,
            INSTALLATION_ID,
            [
                {"id": fake.repo_id(name), "full_name": name, "private": "secret" in name}
                for name in repos
            ],
        )
    return {name: fake.repo_id(name) for name in repos}


async def approve(fake: FakeGitHub, authorize_url: str, login: str) -> dict[str, str]:
    """The user approves on GitHub; the query GitHub's redirect brings back to our callback."""
    fake.add_user(login)
    fake.signed_in = login
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(authorize_url, allow_redirects=False) as response,
    ):
        assert response.status == 302, await response.text()
        location = response.headers["Location"]
    assert location.startswith(fake.callback_url)
    return dict(parse_qsl(urlsplit(location).query))


async def sign_in(
    client: TestClient, fake: FakeGitHub, login: str, headers: dict[str, str] | None = None
) -> aiohttp.ClientResponse:
    start = await client.post("/auth/github/start", headers=headers or {})
    assert start.status == 200, await start.text()
    query = await approve(fake, (await start.json())["authorize_url"], login)
    return await client.get("/auth/github/callback", params=query)


async def bearer_for(client: TestClient, fake: FakeGitHub, login: str) -> dict[str, str]:
    response = await sign_in(client, fake, login)
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['access_token']}"}
