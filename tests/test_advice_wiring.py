"""The posting path wired to the rest, end to end through the fake GitHub (and fake LLMs):
effective settings from `.github/grimoire.yml`, paths resolved against the commit's tree,
every error recorded, AI drafts on the run, and the metrics of all of it."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from grimoire_bot.app import create_app
from grimoire_bot.db import open_pool
from grimoire_bot.settings import LLMProvider
from grimoire_bot.spellbook import io as spellbook_io
from tests.advice_scenarios import INSTALLATION_ID, REPOSITORY_ID, failed_job_delivery
from tests.drafts_scenarios import fake_for
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.github import DEFAULT_REPO, signed_delivery
from tests.fakes.openai import FakeOpenAI
from tests.workers import (
    make_due,
    running_worker,
    settings_for,
    wait_for_retry,
    wait_for_status,
)

SECRET = "test-webhook-secret"
SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "fedcba9876543210fedcba9876543210fedcba98"
CONFIG = ".github/grimoire.yml"
FROBNICATION = "error: widget frobnication failed"
UNKNOWN = "fatal: frobnicator quota exhausted for widget 'alpha' (code FQX-17)"
STEP_FAILED = "##[error]Process completed with exit code 1."
DRAFTS_HEADING = "## AI drafts, not reviewed"


def log_of(*lines: str) -> bytes:
    stamped = [f"2026-11-20T10:00:00.0000000Z {line}" for line in (*lines, STEP_FAILED)]
    return ("\n".join(stamped) + "\n").encode()


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=8) as pool:
        async with pool.acquire() as conn:
            report = await spellbook_io.seed_if_empty(conn)
            assert report is not None and not report.errors
        for key, pattern in (
            ("test.general", r"widget frobnication failed"),
            ("test.specific", r"error: widget frobnication failed"),
        ):
            await pool.execute(
                "INSERT INTO spells (key, title, error_pattern, solution_code) "
                "VALUES ($1, $1, $2, 'fix')",
                key,
                pattern,
            )
        yield pool


@pytest.fixture
def settings(fake_github):
    return settings_for(fake_github, github_write_spacing_seconds=0.0)


@pytest.fixture
async def send(aiohttp_client, fresh_database_url, fake_github):
    """Deliver an event to an app built with `settings` (intake only; workers process)."""
    fake_github.add_installation(INSTALLATION_ID)
    clients = {}

    async def deliver(settings, event: str, payload: dict, delivery_id: str) -> None:
        if id(settings) not in clients:
            clients[id(settings)] = await aiohttp_client(create_app(settings, fresh_database_url))
        body, headers = signed_delivery(event, payload, SECRET, delivery_id=delivery_id)
        response = await clients[id(settings)].post(
            "/api/github/webhooks", data=body, headers=headers
        )
        assert response.status == 202, await response.text()

    return deliver


def grimoire_run(fake, sha: str = SHA):
    [run] = [
        r
        for r in fake.check_runs.values()
        if r.data.get("name") == "Grimoire" and r.data["head_sha"] == sha
    ]
    return run


def run_writes(fake):
    return fake.requests_to("POST", "/repos/*/check-runs") + fake.requests_to(
        "PATCH", "/repos/*/check-runs/*"
    )


def places(run) -> set[tuple[str, int]]:
    return {(a["path"], a["start_line"]) for a in run.annotations}


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def handle(send, settings, pool, delivery_id: str, payload: dict) -> None:
    async with running_worker(settings, pool):
        await send(settings, "workflow_job", payload, delivery_id)
        assert await wait_for_status(pool, delivery_id) == "done"


async def push_to_default_branch(send, settings, pool, delivery_id: str) -> None:
    payload = {
        "ref": "refs/heads/main",
        "repository": {"id": REPOSITORY_ID, "full_name": DEFAULT_REPO, "default_branch": "main"},
        "installation": {"id": INSTALLATION_ID},
        "commits": [],
    }
    async with running_worker(settings, pool):
        await send(settings, "push", payload, delivery_id)
        assert await wait_for_status(pool, delivery_id) == "done"


# ---------------------------------------------------------------- effective settings


async def test_a_bad_settings_file_is_named_in_the_summary_and_its_last_good_version_applies(
    send, pool, settings, fake_github
):
    fake_github.set_file(DEFAULT_REPO, CONFIG, "annotation_level: notice\n")
    first = failed_job_delivery(
        fake_github, job_id=101, log=log_of(f"src/a.py:3:1: {FROBNICATION}"), head_sha=SHA
    )
    await handle(send, settings, pool, "good", first)
    run = grimoire_run(fake_github)
    assert [a["annotation_level"] for a in run.annotations] == ["notice"]
    assert "**Settings:**" not in run.output["summary"]

    fake_github.set_file(DEFAULT_REPO, CONFIG, "annotation_level: notice\nmax_annotations: lots\n")
    await push_to_default_branch(send, settings, pool, "push")
    second = failed_job_delivery(
        fake_github, job_id=102, log=log_of(f"src/b.py:5:1: {FROBNICATION}"), head_sha=OTHER_SHA
    )
    await handle(send, settings, pool, "bad", second)
    run = grimoire_run(fake_github, OTHER_SHA)
    summary = run.output["summary"]
    note = next(line for line in summary.split("\n\n") if line.startswith("**Settings:**"))
    assert f"`{DEFAULT_REPO}/{CONFIG}`" in note
    assert "max\\_annotations" in note  # the file's words, escaped like log text
    assert "the last good settings from it apply until it is fixed" in note
    # The note sits under the lead, above the spells.
    assert summary.index(note) < summary.index("## Failed jobs")
    assert [a["annotation_level"] for a in run.annotations] == ["notice"]


async def test_spells_the_settings_file_ignores_are_never_posted(send, pool, settings, fake_github):
    fake_github.set_file(DEFAULT_REPO, CONFIG, "ignore_spells: [test.specific]\n")
    payload = failed_job_delivery(
        fake_github, job_id=201, log=log_of(f"src/a.py:3:1: {FROBNICATION}"), head_sha=SHA
    )
    await handle(send, settings, pool, "ignoring", payload)
    run = grimoire_run(fake_github)
    assert "test.general" in run.output["summary"]
    assert "test.specific" not in run.output["summary"]
    assert [a["title"] for a in run.annotations] == ["Grimoire: test.general"]


# ---------------------------------------------------------------- the commit's tree


async def test_paths_resolve_against_the_commit_tree_and_only_its_files_are_annotated(
    send, pool, settings, fake_github
):
    fake_github.set_tree(SHA, ["src/pkg/a.py", "lib/one/util.py", "lib/two/util.py", "README.md"])
    log = log_of(
        f"a.py:3:1: {FROBNICATION}",  # one file ends so: src/pkg/a.py
        f"gone.py:5:1: {FROBNICATION}",  # no file does
        f"util.py:7:1: {FROBNICATION}",  # two files do
    )
    async with running_worker(settings, pool):
        for job_id in (301, 302):
            payload = failed_job_delivery(
                fake_github, job_id=job_id, log=log, head_sha=SHA, name=f"test {job_id}"
            )
            await send(settings, "workflow_job", payload, f"tree-{job_id}")
            assert await wait_for_status(pool, f"tree-{job_id}") == "done"
    run = grimoire_run(fake_github)
    assert places(run) == {("src/pkg/a.py", 3)}
    summary = run.output["summary"]
    assert "`src/pkg/a.py:3`" in summary and "`gone.py:5`" in summary and "`util.py:7`" in summary
    # Both jobs fail alike at the resolved place: one entry naming both.
    assert "failed in `test 301` and `test 302`" in summary
    # The tree is read once for the commit, whoever handles its jobs.
    assert len(fake_github.requests_to("GET", f"/repos/*/git/trees/{SHA}")) == 1
    recorded = await pool.fetch(
        "SELECT DISTINCT file FROM failure_errors WHERE head_sha = $1 AND matched", SHA
    )
    assert {r["file"] for r in recorded} == {"src/pkg/a.py", "gone.py", "util.py"}
    assert fake_github.schema_violations == []


@pytest.mark.parametrize("status", [403, 404, 409, 502])
async def test_a_tree_github_will_not_list_leaves_paths_as_printed_and_the_run_is_posted(
    send, pool, settings, fake_github, status
):
    fake_github.set_tree(SHA, ["somewhere/else.py"])
    fake_github.inject("GET", r"/git/trees/", status, times=10)
    payload = failed_job_delivery(
        fake_github, job_id=401, log=log_of(f"src/a.py:3:1: {FROBNICATION}"), head_sha=SHA
    )
    await handle(send, settings, pool, f"no-tree-{status}", payload)
    run = grimoire_run(fake_github)
    assert places(run) == {("src/a.py", 3)}
    assert len(fake_github.requests_to("POST", "/repos/*/check-runs")) == 1
    runs = await pool.fetch(
        "SELECT outcome FROM handler_runs WHERE delivery_id = $1", f"no-tree-{status}"
    )
    assert [r["outcome"] for r in runs] == ["ok"]


# ---------------------------------------------------------------- every error recorded


async def test_every_error_is_recorded_once_scrubbed_even_when_a_retry_posts_it(
    send, pool, settings, fake_github
):
    """A retried delivery must not count its errors twice, and no secret may be kept."""
    token = "ghp_" + "A1b2C3d4E5" * 4
    log = log_of(f"src/a.py:3:1: {FROBNICATION} with token={token}", UNKNOWN)
    payload = failed_job_delivery(fake_github, job_id=501, log=log, head_sha=SHA)
    before = {
        result: metric("grimoire_errors_matched_total", result=result)
        for result in ("pattern", "near_miss", "unmatched")
    }
    fake_github.inject("POST", r"/check-runs$", 502)
    async with running_worker(settings, pool):
        await send(settings, "workflow_job", payload, "retried")
        await wait_for_retry(pool, "retried")
        await make_due(pool)
        assert await wait_for_status(pool, "retried") == "done"
    rows = await pool.fetch(
        "SELECT position, message, sample, matched, spell_id, delivery_id, source_key "
        "FROM failure_errors ORDER BY position"
    )
    # The step's closing "exit code 1" is not an error of its own: no spell knows it.
    assert [(r["position"], r["matched"]) for r in rows] == [(0, True), (1, False)]
    assert rows[1]["message"] == UNKNOWN.removeprefix("fatal: ")
    assert {r["delivery_id"] for r in rows} == {"retried"}
    assert {r["source_key"] for r in rows} == {"check-run:501"}
    assert rows[0]["spell_id"] is not None and rows[1]["spell_id"] is None
    assert token not in rows[0]["sample"] and token not in rows[0]["message"]
    assert "[redacted]" in rows[0]["sample"]
    # Counted for each attempt that read them (the metric counts reads; the rows do not).
    attempts = await pool.fetchval("SELECT attempts FROM deliveries WHERE delivery_id = 'retried'")
    assert attempts > 1
    pattern = metric("grimoire_errors_matched_total", result="pattern") - before["pattern"]
    unmatched = metric("grimoire_errors_matched_total", result="unmatched") - before["unmatched"]
    assert (pattern, unmatched) == (attempts, attempts)


async def test_errors_are_recorded_when_nothing_is_posted_and_samples_stay_small(
    send, pool, settings, fake_github
):
    long_line = UNKNOWN + " " + "x" * 10_000
    payload = failed_job_delivery(fake_github, job_id=601, log=log_of(long_line), head_sha=SHA)
    await handle(send, settings, pool, "silent", payload)
    assert fake_github.requests_to("POST", "/repos/*/check-runs") == []
    [first] = await pool.fetch("SELECT sample, matched FROM failure_errors ORDER BY position")
    assert not first["matched"]
    assert len(first["sample"].encode()) <= 4096


# ---------------------------------------------------------------- AI drafts


def drafting_settings(fake_github, fake_llm, **overrides):
    kind = LLMProvider.OPENAI if isinstance(fake_llm, FakeOpenAI) else LLMProvider.ANTHROPIC
    values = {
        "github_write_spacing_seconds": 0.0,
        "llm_provider": kind,
        "openai_api_key": FakeOpenAI().api_key,
        "anthropic_api_key": FakeAnthropic().api_key,
        "openai_base_url": fake_llm.base_url,
        "anthropic_base_url": fake_llm.base_url,
        "auto_create_spells": True,
        "llm_timeout_seconds": 2.0,
        "llm_max_retries": 1,
        "llm_deadline_seconds": 5.0,
        "db_pool_max": 10,
    }
    values.update(overrides)
    return settings_for(fake_github, **values)


@pytest.fixture(params=[LLMProvider.OPENAI, LLMProvider.ANTHROPIC], ids=["openai", "anthropic"])
async def fake_llm(request):
    async with fake_for(request.param) as fake:
        yield fake


async def test_drafts_follow_the_posted_spells_and_every_later_update_keeps_them(
    send, pool, fake_github, fake_llm
):
    settings = drafting_settings(fake_github, fake_llm)
    fake_github.set_file(DEFAULT_REPO, CONFIG, "auto_generate: true\n")  # opted in by the file
    provider, model = settings.llm_provider.value, settings.llm_model_name
    calls_before = metric(
        "grimoire_llm_calls_total", provider=provider, model=model, outcome="drafted"
    )
    tokens_before = metric(
        "grimoire_llm_tokens_total", provider=provider, model=model, direction="input"
    )
    cost_before = metric("grimoire_llm_cost_usd_total", provider=provider, model=model)
    first = failed_job_delivery(
        fake_github,
        job_id=701,
        log=log_of(f"src/a.py:3:1: {FROBNICATION}", UNKNOWN),
        head_sha=SHA,
        name="unit",
    )
    await handle(send, settings, pool, "drafting", first)

    [created, updated] = run_writes(fake_github)
    # The spells went out first, without waiting for the model.
    assert DRAFTS_HEADING not in created.json["output"]["summary"]
    summary = updated.json["output"]["summary"]
    spell_entry = summary.index("**Spell:** test.specific")
    assert summary.index("## Failed jobs") < spell_entry < summary.index(DRAFTS_HEADING)
    assert "AI draft, not reviewed · confidence 0.60" in summary
    assert "frobnicator quota exhausted" in summary[summary.index(DRAFTS_HEADING) :]
    assert "Process completed" not in summary[summary.index(DRAFTS_HEADING) :]
    assert len(fake_llm.requests) == 1
    [call] = await pool.fetch("SELECT outcome::text, spell_id FROM llm_calls")
    assert call["outcome"] == "drafted"
    assert await pool.fetchval(
        "SELECT status::text FROM spells WHERE id = $1", call["spell_id"]
    ) == ("draft")
    assert (
        metric("grimoire_llm_calls_total", provider=provider, model=model, outcome="drafted")
        == calls_before + 1
    )
    assert (
        metric("grimoire_llm_tokens_total", provider=provider, model=model, direction="input")
        > tokens_before
    )
    assert metric("grimoire_llm_cost_usd_total", provider=provider, model=model) > cost_before

    # A sibling job whose error a spell fits updates the run: the drafts stay (read back
    # from the database), and the model is not asked again.
    second = failed_job_delivery(
        fake_github,
        job_id=702,
        log=log_of(f"src/b.py:9:1: {FROBNICATION}"),
        head_sha=SHA,
        name="lint",
    )
    await handle(send, settings, pool, "sibling", second)
    run = grimoire_run(fake_github)
    assert "[lint](" in run.output["summary"]
    assert DRAFTS_HEADING in run.output["summary"]
    assert len(fake_llm.requests) == 1

    # Rejected by a curator: the next update no longer shows it.
    await pool.execute("UPDATE spells SET status = 'rejected' WHERE id = $1", call["spell_id"])
    third = failed_job_delivery(
        fake_github, job_id=703, log=log_of(f"src/c.py:1:1: {FROBNICATION}"), head_sha=SHA
    )
    await handle(send, settings, pool, "after-review", third)
    assert DRAFTS_HEADING not in grimoire_run(fake_github).output["summary"]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ({"status": 500}, "provider_error"),
        ({"status": 429, "retry_after": "120"}, "rate_limited"),
        ({"timeout": True}, "timeout"),
    ],
    ids=["500", "429", "timeout"],
)
async def test_a_provider_that_fails_never_stops_the_spells_or_the_delivery(
    send, pool, fake_github, fake_llm, failure, expected
):
    settings = drafting_settings(fake_github, fake_llm)
    fake_github.set_file(DEFAULT_REPO, CONFIG, "auto_generate: true\n")
    if failure.get("timeout"):
        fake_llm.timeout_delay = 10.0  # longer than LLM_TIMEOUT_SECONDS (2 s)
        fake_llm.timeout(times=10)
    else:
        headers = {name: value for name, value in failure.items() if name != "status"}
        fake_llm.fail(failure["status"], times=10, **headers)
    payload = failed_job_delivery(
        fake_github,
        job_id=801,
        log=log_of(f"src/a.py:3:1: {FROBNICATION}", UNKNOWN),
        head_sha=SHA,
    )
    await handle(send, settings, pool, "down", payload)
    run = grimoire_run(fake_github)
    assert places(run) == {("src/a.py", 3)}
    assert DRAFTS_HEADING not in run.output["summary"]
    [outcome] = await pool.fetchval(
        "SELECT array_agg(outcome::text) FROM llm_calls WHERE delivery_id = 'down'"
    )
    assert outcome == expected
    runs = await pool.fetch("SELECT outcome FROM handler_runs WHERE delivery_id = 'down'")
    assert [r["outcome"] for r in runs] == ["ok"]


async def test_drafts_alone_make_a_run_only_where_the_repository_opted_in(
    send, pool, fake_github, fake_llm
):
    settings = drafting_settings(fake_github, fake_llm)
    payload = failed_job_delivery(fake_github, job_id=901, log=log_of(UNKNOWN), head_sha=SHA)
    await handle(send, settings, pool, "not-opted-in", payload)
    assert fake_llm.requests == []
    assert fake_github.requests_to("POST", "/repos/*/check-runs") == []
    assert await pool.fetchval("SELECT count(*) FROM failure_errors") == 1

    fake_github.set_file(DEFAULT_REPO, CONFIG, "auto_generate: true\n")
    await push_to_default_branch(send, settings, pool, "opt-in")
    payload = failed_job_delivery(fake_github, job_id=902, log=log_of(UNKNOWN), head_sha=OTHER_SHA)
    await handle(send, settings, pool, "opted-in", payload)
    assert len(fake_llm.requests) == 1
    run = grimoire_run(fake_github, OTHER_SHA)
    assert run.output["title"] == "No known spell for 1 failed job"
    assert DRAFTS_HEADING in run.output["summary"]
    assert run.annotations == []
