"""Driving the curator console over HTTP as a browser does: its cookies and its forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

from grimoire_bot.db import console as db_console
from grimoire_bot.db import open_pool
from grimoire_bot.matching import extract_errors, fingerprint
from tests.accounts import PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


async def console_sign_in(client: TestClient, email: str, password: str = PASSWORD):
    """Sign in through the login form; the client's cookie jar then holds the session."""
    page = await client.get("/console/login")
    assert page.status == 200, await page.text()
    return await client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(await page.text())},
        allow_redirects=False,
    )


async def page_csrf(client: TestClient, path: str = "/console/review") -> str:
    page = await client.get(path)
    assert page.status == 200, await page.text()
    return csrf_of(await page.text())


def failure(
    message: str,
    *,
    repository: str = "octo-org/widgets",
    repository_id: int = 1,
    sha: str = "a" * 40,
    source: str = "build",
    position: int = 0,
    matched: bool = False,
    spell_id: int | None = None,
    days_ago: float = 1.0,
    error_type: str | None = None,
) -> db_console.FailureError:
    sample = f"##[group]Run tests\n{message}\n##[error]Process completed with exit code 1."
    # Named as the pipeline names it: the error Grimoire extracts from the sample, if any.
    extracted = next((e for e in extract_errors(sample) if e.message == message), None)
    if extracted is not None:
        error_type = error_type or extracted.error_type
    return db_console.FailureError(
        repository_id=repository_id,
        repository=repository,
        head_sha=sha,
        source_key=source,
        source_name=source,
        position=position,
        fingerprint=extracted.fingerprint if extracted else fingerprint(message, error_type),
        message=message,
        sample=sample,
        matched=matched,
        spell_id=spell_id,
        error_type=error_type,
        seen_at=datetime.now(UTC) - timedelta(days=days_ago),
    )


async def plant_failures(database_url: str, errors: list[db_console.FailureError]) -> None:
    async with open_pool(database_url, max_size=2) as pool, pool.acquire() as conn:
        await db_console.insert_failure_errors(conn, errors)
