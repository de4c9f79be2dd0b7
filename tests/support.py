"""Helpers for tests that drive the real app."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp.test_utils import TestClient, TestServer

from grimoire_bot.app import create_app
from grimoire_bot.settings import Settings


@contextmanager
def app_in_own_loop(
    settings: Settings, database_url: str
) -> Iterator[tuple[asyncio.Runner, TestClient]]:
    """A started app and client on a private event loop.

    Hypothesis drives examples from a synchronous function, so a property test owns its
    loop and runs each example to completion on it.
    """

    async def start() -> TestClient:
        client = TestClient(TestServer(create_app(settings, database_url)))
        await client.start_server()
        return client

    with asyncio.Runner() as runner:
        client = runner.run(start())
        try:
            yield runner, client
        finally:
            runner.run(client.close())


async def token_for(client: TestClient, email: str = "curator@example.com") -> dict[str, str]:
    response = await client.post(
        "/auth/signup", json={"email": email, "password": "correct horse battery"}
    )
    assert response.status == 201, await response.text()
    token = (await response.json())["access_token"]
    return {"Authorization": f"Bearer {token}"}
