"""`/metrics`: Prometheus text from web and worker processes, optionally behind a token."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import aiohttp
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from grimoire_bot.app import create_app
from grimoire_bot.db import open_pool
from grimoire_bot.db import spells as db_spells
from grimoire_bot.metrics import github_route
from grimoire_bot.spellbook import io as spellbook_io
from tests.advice_scenarios import INSTALLATION_ID, failed_job_delivery, log_bytes
from tests.conftest import make_settings
from tests.fakes.github import RATE_LIMIT, Server, signed_delivery
from tests.payloads import official_payload
from tests.processes import environment, free_port, start, stop
from tests.workers import running_worker, settings_for, wait_for_status, wait_until

SECRET = "test-webhook-secret"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(client, **headers: str) -> dict:
    response = await client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/plain"
    return samples(await response.text())


@pytest.mark.parametrize(
    ("url", "route"),
    [
        (
            "https://api.github.com/repos/octo/app/check-runs/42",
            "/repos/{owner}/{repo}/check-runs/{id}",
        ),
        (
            "http://127.0.0.1:5000/api/v3/repos/o/r/commits/"
            + "a" * 40
            + "/check-runs?per_page=100",
            "/repos/{owner}/{repo}/commits/{sha}/check-runs",
        ),
        (
            "https://api.github.com/app/installations/7/access_tokens",
            "/app/installations/{id}/access_tokens",
        ),
        (
            "https://api.github.com/repos/o/r/actions/jobs/9/logs",
            "/repos/{owner}/{repo}/actions/jobs/{id}/logs",
        ),
    ],
)
def test_github_routes_are_templated_so_each_is_one_series(url: str, route: str) -> None:
    assert github_route(url) == route


async def test_metrics_show_intake_answers_and_database_gauges(aiohttp_client, fresh_database_url):
    client = await aiohttp_client(create_app(make_settings(), fresh_database_url))
    key = ("grimoire_webhooks_received_total", (("event", "check_run"), ("status", "202")))
    before = (await scrape(client)).get(key, 0.0)

    body, headers = signed_delivery("check_run", official_payload("check_run.completed"), SECRET)
    assert (await client.post("/api/github/webhooks", data=body, headers=headers)).status == 202
    refused = await client.post(
        "/api/github/webhooks", data=body, headers={**headers, "X-Hub-Signature-256": "sha256=00"}
    )
    assert refused.status == 401

    after = await scrape(client)
    assert after[key] == before + 1
    assert after[("grimoire_webhooks_received_total", (("event", "-"), ("status", "401")))] >= 1
    # The delivery waits in the queue (no worker runs here).
    assert after[("grimoire_queue_depth", (("state", "ready"),))] == 1
    assert after[("grimoire_queue_oldest_ready_seconds", ())] >= 0
    assert ("grimoire_spellbook_spells", (("status", "approved"),)) not in after  # empty book


async def test_metrics_token_is_required_when_set(aiohttp_client, fresh_database_url):
    settings = make_settings(metrics_token="scrape-me-please")
    client = await aiohttp_client(create_app(settings, fresh_database_url))
    refused = await client.get("/metrics")
    assert refused.status == 401
    assert "METRICS_TOKEN" in (await refused.json())["detail"]
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    await scrape(client, Authorization="Bearer scrape-me-please")


async def test_a_processed_delivery_counts_its_outcome_and_handler_time(
    aiohttp_client, fresh_database_url, fake_github
):
    settings = settings_for(fake_github)
    client = await aiohttp_client(create_app(settings, fresh_database_url))
    payload = official_payload("installation.created")
    before = await scrape(client)
    body, headers = signed_delivery("installation", payload, SECRET, delivery_id="m-1")
    assert (await client.post("/api/github/webhooks", data=body, headers=headers)).status == 202
    async with open_pool(fresh_database_url, max_size=6) as pool, running_worker(settings, pool):
        assert await wait_for_status(pool, "m-1") == "done"
    after = await scrape(client)
    done = ("grimoire_deliveries_processed_total", (("event", "installation"), ("outcome", "done")))
    assert after[done] == before.get(done, 0.0) + 1
    handler = [
        key
        for key in after
        if key[0] == "grimoire_handler_duration_seconds_count"
        and ("handler", "installations.record_installation") in key[1]
    ]
    assert handler and after[handler[0]] >= 1


@pytest.mark.slow
async def test_a_worker_process_serves_its_own_metrics(fresh_database_url):
    port = free_port()
    env = environment(
        DATABASE_URL=fresh_database_url,
        WEBHOOK_SECRET=SECRET,
        WORKER_METRICS_PORT=str(port),
        HOST="127.0.0.1",
    )
    worker = await start("worker", env=env)
    try:
        async with aiohttp.ClientSession() as session:

            async def answers() -> bool:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                        return response.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            await wait_until(answers, within=30)
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                text = await response.text()
        assert re.search(r'^grimoire_queue_depth\{state="ready"\} 0\.0$', text, re.M)
        assert "grimoire_spellbook_compile_seconds" in text
    finally:
        code, output = await stop(worker)
    assert code == 0, output
    await asyncio.sleep(0)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["worker", "web"])
async def test_a_stopped_process_leaves_no_live_gauges_in_multiprocess_mode(
    command, fresh_database_url, tmp_path
):
    """With PROMETHEUS_MULTIPROC_DIR, a stopped process's `liveall`/`livemin` gauges (its
    spellbook size, GitHub's rate limit as it last saw it) were reported for ever."""
    port = free_port()
    env = environment(
        DATABASE_URL=fresh_database_url,
        WEBHOOK_SECRET=SECRET,
        HOST="127.0.0.1",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        **({"WORKER_METRICS_PORT": str(port)} if command == "worker" else {"PORT": str(port)}),
    )
    process = await start(command, env=env)
    pid = str(process.pid)
    try:
        async with aiohttp.ClientSession() as session:

            async def answers() -> bool:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                        return response.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            await wait_until(answers, within=30)
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                text = await response.text()
        live = samples(text)
        assert ("grimoire_spellbook_compiled_spells", (("pid", pid),)) in live
        # The database's figures once, as read now: not also once per process (by pid)
        # from the gauge files every scrape leaves in the shared folder.
        assert text.count("# TYPE grimoire_queue_depth gauge") == 1
        assert live[("grimoire_queue_depth", (("state", "ready"),))] == 0
        assert not [
            key for key in live if key[0] == "grimoire_queue_depth" and "pid" in dict(key[1])
        ]
    finally:
        code, output = await stop(process)
    assert code == 0, output

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(tmp_path))
    after = samples(generate_latest(registry).decode())
    assert [key for key in after if key[0] == "grimoire_spellbook_compiled_spells"] == []
    assert not list(tmp_path.glob(f"gauge_live*_{pid}.db"))
    # What it counted still adds up in the host's totals.
    assert (tmp_path / f"histogram_{pid}.db").exists()


def delta(before: dict, after: dict, key: tuple) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_a_failed_job_handled_by_a_worker_shows_in_every_series_it_touches(
    aiohttp_client, fresh_database_url, fake_github
):
    """A real failure, end to end: the GitHub requests it made (by route and status), the
    rate limit GitHub's last answer gave, the spellbook the worker compiled, the errors it
    read, its handlers' times and the delivery's outcome. Counters are shared by every
    test of this process, so each is checked as a difference."""
    settings = settings_for(fake_github, github_write_spacing_seconds=0.0)
    client = await aiohttp_client(create_app(settings, fresh_database_url))
    fake_github.add_installation(INSTALLATION_ID)
    payload = failed_job_delivery(
        fake_github, job_id=4301, log=log_bytes("pytest-import-error"), head_sha="cd" * 20
    )
    async with open_pool(fresh_database_url, max_size=6) as pool:
        async with pool.acquire() as conn:
            assert await spellbook_io.seed_if_empty(conn) is not None
            # One more spell than the starter book, so the gauge cannot hold a figure an
            # earlier test left.
            await conn.execute(
                "INSERT INTO spells (key, title, error_pattern, solution_code) "
                "VALUES ('test.extra', 'extra', 'no such thing here', 'fix')"
            )
            compilable = len(await db_spells.spells_for_index(conn))
        before = await scrape(client)
        body, headers = signed_delivery("workflow_job", payload, SECRET, delivery_id="m-job")
        assert (await client.post("/api/github/webhooks", data=body, headers=headers)).status == 202
        async with running_worker(settings, pool):
            assert await wait_for_status(pool, "m-job") == "done"
        handler_runs = await pool.fetch(
            "SELECT handler, outcome FROM handler_runs WHERE delivery_id = 'm-job'"
        )
        errors_read = await pool.fetchval("SELECT count(*) FROM failure_errors")
    after = await scrape(client)

    done = ("event", "workflow_job"), ("outcome", "done")
    assert delta(before, after, ("grimoire_deliveries_processed_total", done)) == 1

    # Every request the fake GitHub answered, counted under its templated route and status.
    api = [r for r in fake_github.requests if r.server is Server.API]
    expected = Counter((r.method, github_route(r.path), str(r.status)) for r in api)
    assert ("POST", "/repos/{owner}/{repo}/check-runs", "201") in expected
    for (method, route, status), count in expected.items():
        key = (
            "grimoire_github_requests_total",
            (("method", method), ("route", route), ("status", status)),
        )
        assert delta(before, after, key) == count, key

    # GitHub's last answer: what is left for the credential that sent the last request.
    last = api[-1]
    used = sum(1 for r in api if r.credential == last.credential)
    remaining = after[("grimoire_github_rate_limit_remaining", (("resource", "core"),))]
    assert remaining == RATE_LIMIT - used

    assert after[("grimoire_spellbook_compiled_spells", ())] == compilable

    results = [k for k in after if k[0] == "grimoire_errors_matched_total"]
    assert sum(delta(before, after, k) for k in results) == errors_read > 0
    pattern = ("grimoire_errors_matched_total", (("result", "pattern"),))
    assert delta(before, after, pattern) >= 1  # the starter book knows a missing module

    assert handler_runs
    for run in handler_runs:
        labels = (("handler", run["handler"]), ("outcome", run["outcome"]))
        assert delta(before, after, ("grimoire_handler_duration_seconds_count", labels)) == 1
