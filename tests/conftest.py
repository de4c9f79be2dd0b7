"""Shared fixtures: a real PostgreSQL database per test, cloned from a migrated template."""

from __future__ import annotations

import functools
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import psycopg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from grimoire_bot.app import create_app
from grimoire_bot.db.embedded import start_embedded_postgres
from grimoire_bot.db.migrations import MIGRATIONS_DIR, apply_migrations
from grimoire_bot.github.client import RequestRecord
from grimoire_bot.settings import AppEnv, Settings
from tests.fakes.github import fake_github  # noqa: F401 - a fixture for every test module

LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
EMBEDDED_DIR = Path(__file__).resolve().parents[1] / "data" / "test-postgres"
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def _answers(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


@functools.cache
def admin_url() -> str:
    """GRIMOIRE_TEST_DATABASE_URL, else the local server on 5432, else an embedded one."""
    configured = os.environ.get("GRIMOIRE_TEST_DATABASE_URL")
    if configured:
        return configured
    if _answers(LOCAL_SERVER_URL):
        return LOCAL_SERVER_URL
    return start_embedded_postgres(EMBEDDED_DIR)


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(admin_url())._replace(path=f"/{name}"))


def _migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _admin() -> psycopg.Connection:
    return psycopg.connect(admin_url(), autocommit=True)


@pytest.fixture(scope="session")
def template_database() -> str:
    """A migrated database that each test clones; rebuilt whenever a migration changes."""
    name = f"grimoire_template_{_migrations_fingerprint()}"
    with _admin() as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            building = f"{name}_building_{os.getpid()}"
            admin.execute(f'CREATE DATABASE "{building}"')
            apply_migrations(database_url(building))
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name


@pytest.fixture
def fresh_database_url(template_database: str) -> Iterator[str]:
    name = f"grimoire_test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    try:
        yield database_url(name)
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "app_env": AppEnv.TEST,
        "secret_key": TEST_SECRET_KEY,
        "webhook_secret": "test-webhook-secret",
        "db_pool_max": 5,
        # Matching by meaning embeds the whole spellbook on a fresh database (seconds per
        # test): its own tests turn it on.
        "semantic_matching": False,
        # Every test client comes from one address; the limits' own tests set them.
        "auth_rate_limit": None,
        "match_rate_limit": None,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
async def client(
    aiohttp_client, settings: Settings, fresh_database_url: str
) -> AsyncIterator[TestClient]:
    yield await aiohttp_client(create_app(settings, fresh_database_url))


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """One HTTP session, as a process has one, for tests that drive GitHub clients directly."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def records() -> list[RequestRecord]:
    """Where a client under test reports each request it made."""
    return []
