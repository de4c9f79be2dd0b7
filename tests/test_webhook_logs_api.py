"""The delivery log: admins see what arrived and what happened, and can redeliver."""

from __future__ import annotations

import pytest
from gidgethub import routing, sansio

from grimoire_bot.db import open_pool
from grimoire_bot.events.context import HandlerContext
from tests.fakes.github import signed_delivery
from tests.support import token_for
from tests.workers import running_worker, settings_for, wait_for_status

SECRET = "test-webhook-secret"


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=8) as pool:
        yield pool


async def send(client, event: str, payload: dict, delivery_id: str) -> None:
    body, headers = signed_delivery(event, payload, SECRET, delivery_id=delivery_id)
    response = await client.post("/api/github/webhooks", data=body, headers=headers)
    assert response.status in (200, 202)


def counting_router(calls: list[str]) -> routing.Router:
    router = routing.Router()

    @router.register("check_run", action="completed")
    async def look_at_the_run(event: sansio.Event, ctx: HandlerContext) -> None:
        calls.append(event.delivery_id)
        gh = await ctx.github()
        await gh.getitem(event.data["check_run"]["url"])

    return router


async def test_admins_see_the_log_and_curators_do_not(client):
    admin = await token_for(client, "admin@example.com")
    curator = await token_for(client, "curator@example.com")
    assert (await client.get("/api/webhook-logs")).status == 401
    refused = await client.get("/api/webhook-logs", headers=curator)
    assert refused.status == 403
    assert (await client.get("/api/webhook-logs", headers=admin)).status == 200


async def test_the_log_filters_by_event_status_repository_and_time(client):
    admin = await token_for(client, "admin@example.com")
    await send(client, "ping", {"zen": "z", "hook_id": 1}, "p1")
    await send(
        client, "check_run", {"action": "completed", "repository": {"full_name": "o/widgets"}}, "c1"
    )
    await send(
        client, "check_run", {"action": "completed", "repository": {"full_name": "o/other"}}, "c2"
    )

    async def ids(**params):
        response = await client.get("/api/webhook-logs", params=params, headers=admin)
        assert response.status == 200, await response.text()
        return [d["delivery_id"] for d in await response.json()]

    assert await ids() == ["c2", "c1", "p1"]
    assert await ids(event="check_run") == ["c2", "c1"]
    assert await ids(status="ignored") == ["p1"]
    assert await ids(repository="O/Widgets") == ["c1"]
    assert await ids(since="2999-01-01T00:00:00Z") == []
    assert await ids(limit=1, skip=1) == ["c1"]
    bad = await client.get("/api/webhook-logs", params={"since": "yesterday"}, headers=admin)
    assert bad.status == 422


async def test_detail_shows_history_handlers_and_github_requests_then_redelivery_reruns(
    client, pool, fake_github
):
    admin = await token_for(client, "admin@example.com")
    fake_github.add_installation(9)
    run = fake_github.add_check_run(head_sha="d" * 40)
    payload = {
        "action": "completed",
        "installation": {"id": 9},
        "check_run": {"url": fake_github.url(f"/repos/octo-org/octo-repo/check-runs/{run.id}")},
    }
    calls: list[str] = []
    settings = settings_for(fake_github)
    async with running_worker(settings, pool, counting_router(calls)):
        await send(client, "check_run", payload, "d1")
        assert await wait_for_status(pool, "d1") == "done"

        detail = await (await client.get("/api/webhook-logs/d1", headers=admin)).json()
        assert [t["status"] for t in detail["transitions"]] == ["queued", "processing", "done"]
        assert "x-hub-signature-256" not in {h.lower() for h in detail["headers"]}
        assert detail["payload"] == payload
        assert [(h["handler"], h["outcome"]) for h in detail["handlers"]] == [
            ("test_webhook_logs_api.counting_router.<locals>.look_at_the_run", "ok")
        ]
        methods = [(r["method"], r["status"]) for r in detail["github_requests"]]
        assert ("POST", 201) in methods  # the installation token
        assert ("GET", 200) in methods  # the check run

        response = await client.post("/api/webhook-logs/d1/redeliver", headers=admin)
        assert response.status == 202
        assert await response.json() == {"status": "queued", "delivery_id": "d1"}
        await wait_for_status(pool, "d1")
        assert calls == ["d1", "d1"]

    detail = await (await client.get("/api/webhook-logs/d1", headers=admin)).json()
    assert detail["attempts"] == 2
    assert [t["status"] for t in detail["transitions"]] == [
        "queued",
        "processing",
        "done",
        "queued",
        "processing",
        "done",
    ]
    assert detail["transitions"][3]["detail"] == "redelivered by admin@example.com"


async def test_redelivery_of_an_unknown_or_waiting_delivery_is_refused(client):
    admin = await token_for(client, "admin@example.com")
    missing = await client.post("/api/webhook-logs/nope/redeliver", headers=admin)
    assert missing.status == 404
    assert (await client.get("/api/webhook-logs/nope", headers=admin)).status == 404
    await send(client, "check_run", {"action": "completed"}, "waiting")
    busy = await client.post("/api/webhook-logs/waiting/redeliver", headers=admin)
    assert busy.status == 409


async def test_a_queued_delivery_whose_job_is_gone_can_still_be_redelivered(client, pool):
    """Redelivery refused anything marked queued, so a delivery whose job the queue had
    parked (a retry that itself failed) could never be recovered."""
    admin = await token_for(client, "admin@example.com")
    await send(client, "check_run", {"action": "completed"}, "orphan")
    await pool.execute("DELETE FROM pgqueuer")
    response = await client.post("/api/webhook-logs/orphan/redeliver", headers=admin)
    assert response.status == 202
    assert await pool.fetchval("SELECT count(*) FROM pgqueuer WHERE status = 'queued'") == 1
