"""`python -m grimoire_bot` on a machine with nothing but Python: embedded Postgres, seeded, served."""

from __future__ import annotations

import asyncio
import signal
import time

import aiohttp
import pytest

from tests.processes import environment, free_port, start, stop


async def wait_for_health(
    base: str, process: asyncio.subprocess.Process, within: float = 120
) -> dict:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise AssertionError("the service exited before it was healthy")
            try:
                async with session.get(f"{base}/health") as response:
                    if response.status == 200:
                        return await response.json()
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise AssertionError("the service never became healthy")


@pytest.mark.slow
async def test_serve_starts_an_embedded_postgres_from_an_empty_folder_and_keeps_its_data(tmp_path):
    data_dir = tmp_path / "data" / "postgres"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(
        PORT=str(port), HOST="127.0.0.1", EMBEDDED_PG_DIR=str(data_dir), WEBHOOK_SECRET="s" * 20
    )
    env.pop("DATABASE_URL", None)

    service = await start(env=env)
    try:
        health = await wait_for_health(base, service)
        assert health == {"status": "healthy", "service": "grimoire-bot", "database": "ok"}
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/api/spells", params={"limit": 500}) as response:
                assert len(await response.json()) >= 120
            async with session.get(f"{base}/docs") as response:
                assert response.status == 200
                assert "swagger-ui" in await response.text()
            async with session.post(
                f"{base}/auth/signup",
                json={"email": "ada@example.com", "password": "correct horse"},
            ) as response:
                assert response.status == 201
    finally:
        code, output = await stop(service, signal.SIGTERM)
    assert code == 0, output
    assert "embedded PostgreSQL" in output
    assert f"{base}/docs" in output
    assert "/api/github/webhooks" in output
    assert (data_dir / "PG_VERSION").exists()

    restarted = await start(env=env)
    try:
        await wait_for_health(base, restarted)
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{base}/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
            ) as response,
        ):
            assert response.status == 200, "the account survived the restart"
    finally:
        code, output = await stop(restarted, signal.SIGTERM)
    assert code == 0, output
