"""Setting up drafting scenarios: a real database, the real SDKs pointed at a fake provider,
an installed repository that opted in, and deliveries to record outcomes on."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from grimoire_bot.db import deliveries as db_deliveries
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import open_pool
from grimoire_bot.drafts import DraftDeps, open_draft_deps
from grimoire_bot.matching import ErrorRecord, fingerprint
from grimoire_bot.settings import LLMProvider
from tests.conftest import make_settings
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.llm import FakeLLMServer
from tests.fakes.openai import FakeOpenAI

INSTALLATION_ID = 4242
OTHER_INSTALLATION_ID = 4343
REPOSITORY_ID = 777
OTHER_REPOSITORY_ID = 778
REPOSITORY = "octo-org/widgets"
OTHER_REPOSITORY = "other-org/gadgets"
# No starter spell knows this tool.
UNKNOWN_ERROR = "fatal: frobnicator quota exhausted for widget 'alpha' (code FQX-17)"


@dataclass(frozen=True)
class Repo:
    id: int
    full_name: str


REPO = Repo(REPOSITORY_ID, REPOSITORY)
OTHER_REPO = Repo(OTHER_REPOSITORY_ID, OTHER_REPOSITORY)


def error_record(
    message: str = UNKNOWN_ERROR,
    *,
    text: str | None = None,
    context: tuple[str, ...] = (),
    error_type: str | None = "FrobnicatorError",
) -> ErrorRecord:
    return ErrorRecord(
        message=message,
        error_type=error_type,
        file="tools/build.sh",
        line=12,
        column=None,
        ecosystem="shell",
        context=context,
        fingerprint=fingerprint(message, error_type),
        text=text if text is not None else message,
        log_line=40,
    )


def fake_for(kind: LLMProvider, **options: float) -> FakeLLMServer:
    return FakeOpenAI(**options) if kind is LLMProvider.OPENAI else FakeAnthropic(**options)


def llm_settings(fake: FakeLLMServer, **overrides: object):
    kind = LLMProvider.OPENAI if isinstance(fake, FakeOpenAI) else LLMProvider.ANTHROPIC
    values: dict[str, object] = {
        "llm_provider": kind,
        "openai_api_key": FakeOpenAI().api_key,
        "anthropic_api_key": FakeAnthropic().api_key,
        "openai_base_url": getattr(fake, "base_url", None),
        "anthropic_base_url": getattr(fake, "base_url", None),
        "auto_create_spells": True,
        "llm_timeout_seconds": 1.0,
        "llm_max_retries": 1,
        "llm_deadline_seconds": 5.0,
        "db_pool_max": 12,
    }
    values.update(overrides)
    return make_settings(**values)


@asynccontextmanager
async def drafting(
    database_url: str, fake: FakeLLMServer, **overrides: object
) -> AsyncIterator[DraftDeps]:
    settings = llm_settings(fake, **overrides)
    async with (
        open_pool(database_url, min_size=1, max_size=settings.db_pool_max) as pool,
        open_draft_deps(settings, pool) as deps,
    ):
        async with pool.acquire() as conn:
            await install(conn)
        yield deps


async def install(conn: asyncpg.Connection) -> None:
    """Two installations, each with one repository that opted in to drafts."""
    for installation_id, repo in ((INSTALLATION_ID, REPO), (OTHER_INSTALLATION_ID, OTHER_REPO)):
        owner = repo.full_name.split("/")[0]
        await db_installations.upsert_installation(
            conn, {"id": installation_id, "account": {"login": owner, "id": installation_id}}
        )
        await db_installations.add_repositories(
            conn, installation_id, [{"id": repo.id, "full_name": repo.full_name}]
        )
        await set_auto_generate(conn, repo.id, True)


async def set_auto_generate(conn: asyncpg.Connection, repository_id: int, value: bool) -> None:
    values = {**db_installations.SETTINGS_DEFAULTS, "auto_generate": value}
    await db_installations.save_settings(conn, repository_id, values, None)


async def delivery(pool: asyncpg.Pool, delivery_id: str, repository: str = REPOSITORY) -> str:
    async with pool.acquire() as conn:
        await db_deliveries.record_deliveries(
            conn,
            [
                db_deliveries.NewDelivery(
                    delivery_id=delivery_id,
                    event="workflow_job",
                    action="completed",
                    installation_id=INSTALLATION_ID,
                    repository=repository,
                    headers={},
                    payload_json=json.dumps({"action": "completed"}),
                )
            ],
            ["processing"],
        )
    return delivery_id
