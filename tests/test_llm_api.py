"""GET /api/llm/stats and the LLM calls in a delivery's detail, through the real app."""

from __future__ import annotations

import asyncpg
import pytest

from grimoire_bot.drafts import OutcomeKind
from tests.drafts_scenarios import drafting, error_record, llm_settings
from tests.fakes.openai import FakeOpenAI
from tests.support import token_for
from tests.test_drafts import draft


@pytest.fixture
async def fake():
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
def settings(fake):
    """The app under test configured for drafting, pointed at the fake provider."""
    return llm_settings(fake)


async def test_stats_are_for_admins_only(client) -> None:
    assert (await client.get("/api/llm/stats")).status == 401
    await token_for(client, "admin@example.com")  # the first account is the admin
    curator = await token_for(client, "curator@example.com")
    response = await client.get("/api/llm/stats", headers=curator)
    assert response.status == 403
    assert (await response.json())["detail"] == "This action needs an admin account"


async def test_stats_show_review_rates_per_model_and_the_spend(
    client, fake, fresh_database_url
) -> None:
    admin = await token_for(client, "admin@example.com")
    async with drafting(fresh_database_url, fake) as deps:
        outcomes = [
            (await draft(deps, f"d-{n}", error=error_record(f"fatal: gizmo {n}{n}{n} melted")))[0]
            for n in "abc"
        ]
    assert all(o.kind is OutcomeKind.DRAFTED for o in outcomes)
    approved, rejected, _ = (o.draft.spell_id for o in outcomes)
    # Review itself is another branch's endpoints; its verdicts are rows like these.
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await conn.execute("UPDATE spells SET status = 'approved' WHERE id = $1", approved)
        await conn.execute("UPDATE spells SET status = 'rejected' WHERE id = $1", rejected)
    finally:
        await conn.close()

    response = await client.get("/api/llm/stats", headers=admin)
    assert response.status == 200, await response.text()
    stats = await response.json()
    assert stats["provider"] == "openai" and stats["model"] == "gpt-5.4-mini"
    [model] = stats["models"]
    assert (model["drafts"], model["approved"], model["rejected"], model["pending"]) == (3, 1, 1, 1)
    assert model["approve_rate"] == 0.5 and model["reject_rate"] == 0.5
    [drafted] = stats["outcomes"]
    assert drafted["outcome"] == "drafted" and drafted["calls"] == 3 and drafted["requests"] == 3
    assert stats["today"]["drafts"] == 3 and stats["today"]["max_drafts"] == 50
    assert stats["today"]["cost_usd"] == pytest.approx(drafted["cost_usd"], rel=1e-3)


async def test_a_bad_window_is_a_422(client) -> None:
    admin = await token_for(client, "admin@example.com")
    response = await client.get("/api/llm/stats?days=0", headers=admin)
    assert response.status == 422
    assert response.content_type == "application/json"


async def test_a_delivery_shows_what_drafting_did(client, fake, fresh_database_url) -> None:
    admin = await token_for(client, "admin@example.com")
    fake.refuse("Not today.")
    async with drafting(fresh_database_url, fake) as deps:
        [outcome] = await draft(deps, "d-1")
    response = await client.get("/api/webhook-logs/d-1", headers=admin)
    assert response.status == 200, await response.text()
    [call] = (await response.json())["llm_calls"]
    assert call["outcome"] == "refused" and "Not today." in call["reason"]
    assert call["provider"] == "openai" and call["requests"] == 1
    assert call["error_message"] == outcome.error.message
