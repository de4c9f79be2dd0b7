"""Spells on the pull request, end to end: webhook in, Grimoire check run out, on the fake GitHub."""

from __future__ import annotations

import re

import pytest

from grimoire_bot.app import create_app
from grimoire_bot.db import advice as db_advice
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import open_pool
from grimoire_bot.spellbook import io as spellbook_io
from tests.advice_scenarios import (
    INSTALLATION_ID,
    REPOSITORY_ID,
    failed_check_run_delivery,
    failed_job_delivery,
    log_bytes,
    pull_request_delivery,
    vote_delivery,
)
from tests.fakes.github import DEFAULT_REPO, signed_delivery
from tests.payloads import official_payload
from tests.processes import environment, start, stop
from tests.workers import running_worker, settings_for, wait_for_status, wait_until

SECRET = "test-webhook-secret"
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=8) as pool:
        async with pool.acquire() as conn:
            report = await spellbook_io.seed_if_empty(conn)
            assert report is not None and not report.errors
        yield pool


@pytest.fixture
def settings(fake_github):
    return settings_for(fake_github, github_write_spacing_seconds=0.0)


@pytest.fixture
async def client(aiohttp_client, fresh_database_url, settings):
    return await aiohttp_client(create_app(settings, fresh_database_url))


@pytest.fixture
async def send(client, fake_github):
    fake_github.add_installation(INSTALLATION_ID)

    async def deliver(event: str, payload: dict, delivery_id: str) -> None:
        body, headers = signed_delivery(event, payload, SECRET, delivery_id=delivery_id)
        response = await client.post("/api/github/webhooks", data=body, headers=headers)
        assert response.status == 202, await response.text()

    return deliver


async def add_spell(pool, key: str, pattern: str, title: str | None = None) -> None:
    await pool.execute(
        "INSERT INTO spells (key, title, error_pattern, solution_code) VALUES ($1, $2, $3, 'fix')",
        key,
        title or key,
        pattern,
    )


async def configure_repository(pool, **values) -> None:
    """Settings for the scenarios' repository, stored as the settings API stores them."""
    async with pool.acquire() as conn:
        await db_installations.save_settings(
            conn, REPOSITORY_ID, {**db_installations.SETTINGS_DEFAULTS, **values}, None
        )


async def all_done(pool, delivery_ids: list[str]) -> bool:
    statuses = await pool.fetch(
        "SELECT status::text FROM deliveries WHERE delivery_id = ANY($1)", delivery_ids
    )
    return len(statuses) == len(delivery_ids) and all(r["status"] == "done" for r in statuses)


def grimoire_runs(fake):
    return [run for run in fake.check_runs.values() if run.data.get("name") == "Grimoire"]


async def test_a_failed_pytest_job_gets_one_neutral_grimoire_run_with_the_fix_at_the_line(
    send, pool, settings, fake_github
):
    payload = failed_job_delivery(
        fake_github, job_id=501, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "job-1")
        assert await wait_for_status(pool, "job-1") == "done"

    assert fake_github.schema_violations == []
    assert fake_github.auth_leaks == []
    [run] = grimoire_runs(fake_github)
    assert run.data["head_sha"] == SHA
    assert run.data["status"] == "completed"
    assert run.data["conclusion"] == "neutral"
    assert run.data["external_id"] == f"grimoire:commit:{SHA}"
    assert re.fullmatch(r"\d+ spells? for \d+ errors? in 1 failed job", run.output["title"])
    assert "build (ubuntu-latest, 3.12)" in run.output["summary"]
    assert "ModuleNotFoundError" in run.output["summary"]
    [annotation] = run.annotations
    assert (annotation["path"], annotation["start_line"]) == ("tests/test_client.py", 4)
    assert annotation["annotation_level"] == "warning"
    assert "pip install" in annotation["message"]


def run_json(fake, run) -> dict:
    """Our run as GitHub would show it in a webhook (for the buttons and re-run events)."""
    data = dict(run.data)
    data["output"] = dict(run.output)
    return data


@pytest.mark.parametrize(
    ("log", "path", "line", "needle"),
    [
        ("tsc", "src/api/client.ts", 12, "TS2307"),
        ("go-build", "internal/store/cache.go", 41, "undefined"),
        ("rust-borrow", "src/main.rs", 27, "E0382"),
    ],
)
async def test_other_ecosystems_are_annotated_at_their_lines(
    send, pool, settings, fake_github, log, path, line, needle
):
    payload = failed_job_delivery(fake_github, job_id=601, log=log_bytes(log), head_sha=SHA)
    async with running_worker(settings, pool):
        await send("workflow_job", payload, f"job-{log}")
        assert await wait_for_status(pool, f"job-{log}") == "done"
    [run] = grimoire_runs(fake_github)
    places = {(a["path"], a["start_line"]) for a in run.annotations}
    assert (path, line) in places, (places, run.output["summary"])
    assert needle in run.output["summary"]
    assert fake_github.schema_violations == []


async def test_a_log_no_spell_knows_posts_nothing(send, pool, settings, fake_github):
    payload = failed_job_delivery(
        fake_github, job_id=701, log=log_bytes("no-known-error"), head_sha=SHA
    )
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "unknown")
        assert await wait_for_status(pool, "unknown") == "done"
    assert fake_github.requests_to("POST", "/repos/*/check-runs") == []
    assert grimoire_runs(fake_github) == []


async def test_a_no_spell_run_is_posted_when_the_repository_asks_for_one(
    send, pool, settings, fake_github
):
    await configure_repository(pool, post_when_no_match=True)
    payload = failed_job_delivery(
        fake_github, job_id=702, log=log_bytes("no-known-error"), head_sha=SHA
    )
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "unknown")
        assert await wait_for_status(pool, "unknown") == "done"
    [run] = grimoire_runs(fake_github)
    assert run.output["title"].startswith("No known spell")
    assert run.annotations == []


async def test_a_redelivery_updates_the_same_run_without_repeating_annotations(
    send, pool, settings, fake_github
):
    payload = failed_job_delivery(
        fake_github, job_id=801, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "first")
        await wait_for_status(pool, "first")
        # GitHub's redelivery has the same id (a duplicate, ignored); a second event for the
        # same job (a new delivery id) must update, not add.
        await send("workflow_job", payload, "second")
        assert await wait_for_status(pool, "second") == "done"
    [run] = grimoire_runs(fake_github)
    assert len(fake_github.requests_to("POST", "/repos/*/check-runs")) == 1
    # The run already says everything the second event found: nothing is sent again.
    assert fake_github.requests_to("PATCH", "/repos/*/check-runs/*") == []
    assert len(run.annotations) == 1


async def test_a_502_on_the_first_post_is_retried_and_still_yields_one_run(
    send, pool, settings, fake_github
):
    from tests.workers import make_due, wait_for_retry

    payload = failed_job_delivery(
        fake_github, job_id=901, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    fake_github.inject("POST", r"/check-runs$", 502)
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "flaky")
        await wait_for_retry(pool, "flaky")
        await make_due(pool)
        assert await wait_for_status(pool, "flaky") == "done"
    assert len(grimoire_runs(fake_github)) == 1
    posts = fake_github.requests_to("POST", "/repos/*/check-runs")
    assert [p.status for p in posts] == [502, 201]


async def test_120_errors_are_posted_in_requests_of_50_50_and_20(send, pool, settings, fake_github):
    await add_spell(
        pool,
        "test.frobnication",
        r"error: widget frobnication failed",
        "Widget frobnication failed",
    )
    await configure_repository(pool, max_annotations=500)
    lines = [
        f"2026-11-20T10:00:00.0000000Z src/widgets/w{i:03}.py:{i + 1}:5: error: widget frobnication failed"
        for i in range(120)
    ]
    log = ("\n".join(lines) + "\n##[error]Process completed with exit code 1.\n").encode()
    payload = failed_job_delivery(fake_github, job_id=1001, log=log, head_sha=SHA)
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "many")
        assert await wait_for_status(pool, "many") == "done"
    writes = fake_github.requests_to("POST", "/repos/*/check-runs") + fake_github.requests_to(
        "PATCH", "/repos/*/check-runs/*"
    )
    assert [len(w.json["output"]["annotations"]) for w in writes] == [50, 50, 20]
    [run] = grimoire_runs(fake_github)
    assert len(run.annotations) == 120
    assert {(a["path"], a["start_line"], a.get("start_column")) for a in run.annotations} == {
        (f"src/widgets/w{i:03}.py", i + 1, 5) for i in range(120)
    }
    assert fake_github.schema_violations == []


async def test_matrix_jobs_with_the_same_error_share_one_entry_and_one_annotation(
    send, pool, settings, fake_github
):
    log = log_bytes("pytest-import-error")
    first = failed_job_delivery(
        fake_github, job_id=1101, log=log, head_sha=SHA, name="test (3.11)", run_id=77
    )
    second = failed_job_delivery(
        fake_github, job_id=1102, log=log, head_sha=SHA, name="test (3.12)", run_id=77
    )
    async with running_worker(settings, pool):
        await send("workflow_job", first, "m1")
        await wait_for_status(pool, "m1")
        await send("workflow_job", second, "m2")
        assert await wait_for_status(pool, "m2") == "done"
    [run] = grimoire_runs(fake_github)
    assert [(a["path"], a["start_line"]) for a in run.annotations] == [("tests/test_client.py", 4)]
    summary = run.output["summary"]
    entries = summary.count("\n#### ")
    assert entries >= 1
    # Every entry is shown once, under the first job, and names both jobs.
    assert summary.count("failed in `test (3.11)` and `test (3.12)`") == entries, summary
    assert f"{entries} errors of this job are listed above, under `test (3.11)`." in summary
    assert run.output["title"].endswith(f"for {entries} errors in 2 failed jobs")


async def test_our_own_check_run_never_triggers_us(send, pool, settings, fake_github):
    payload, _ = failed_check_run_delivery(
        fake_github,
        head_sha=SHA,
        app_id=int(fake_github.app_id),
        app_slug="grimoire-test",
        output={"title": "x", "summary": "ModuleNotFoundError: No module named 'yaml'"},
    )
    async with running_worker(settings, pool):
        await send("check_run", payload, "ours")
        await wait_for_status(pool, "ours")
    assert fake_github.requests_to("POST", "/repos/*/check-runs") == []


async def test_an_actions_job_seen_as_check_run_and_workflow_job_is_advised_once(
    send, pool, settings, fake_github
):
    payload = failed_job_delivery(
        fake_github, job_id=1201, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    as_check_run = official_payload("check_run.completed.failure", installation_id=INSTALLATION_ID)
    as_check_run["check_run"] = run_json(fake_github, fake_github.check_runs[1201])
    as_check_run["repository"] = payload["repository"]
    async with running_worker(settings, pool):
        await send("check_run", as_check_run, "as-run")
        await send("workflow_job", payload, "as-job")
        await wait_for_status(pool, "as-run")
        await wait_for_status(pool, "as-job")
    assert len(grimoire_runs(fake_github)) == 1


async def test_another_apps_failed_check_run_is_advised_from_its_output_and_annotations(
    send, pool, settings, fake_github
):
    payload, _ = failed_check_run_delivery(
        fake_github,
        head_sha=SHA,
        output={"title": "1 error", "summary": "Lint failed", "text": None},
        annotations=[
            {
                "path": "src/app.ts",
                "start_line": 9,
                "end_line": 9,
                "annotation_level": "failure",
                "message": "error TS2307: Cannot find module 'lodash' or its corresponding type declarations.",
            }
        ],
    )
    async with running_worker(settings, pool):
        await send("check_run", payload, "circle")
        assert await wait_for_status(pool, "circle") == "done"
    [run] = grimoire_runs(fake_github)
    assert [(a["path"], a["start_line"]) for a in run.annotations] == [("src/app.ts", 9)]
    assert fake_github.log_downloads == []


async def test_a_fork_pr_is_found_from_the_commit_and_its_changed_lines_come_first(
    send, pool, settings, fake_github
):
    lines = [
        "2026-11-20T10:00:00.0000000Z src/a.py:3:1: error: widget frobnication failed",
        "2026-11-20T10:00:00.0000000Z src/b.py:7:1: error: widget frobnication failed",
        "2026-11-20T10:00:00.0000000Z ##[error]Process completed with exit code 1.",
    ]
    await add_spell(
        pool, "test.frobnication", r"widget frobnication failed", "Widget frobnication failed"
    )
    diff = (
        "diff --git a/src/b.py b/src/b.py\n--- a/src/b.py\n+++ b/src/b.py\n"
        "@@ -5,2 +5,3 @@\n context\n context\n+changed = True\n"
    )
    fake_github.add_pull(12, head_sha=SHA, head_repo="someone/octo-repo", diff=diff)
    fake_github.pulls_for_commit(SHA, [12])
    payload = failed_job_delivery(
        fake_github, job_id=1301, log="\n".join(lines).encode(), head_sha=SHA
    )
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "fork")
        assert await wait_for_status(pool, "fork") == "done"
    [run] = grimoire_runs(fake_github)
    assert [a["path"] for a in run.annotations] == ["src/b.py", "src/a.py"]
    assert fake_github.requests_to("GET", f"/repos/*/commits/{SHA}/pulls")
    assert fake_github.requests_to("GET", "/repos/*/pulls/12/files")


async def test_ignored_paths_and_levels_from_the_repository_settings_apply(
    send, pool, settings, fake_github
):
    await configure_repository(pool, annotation_level="notice", ignore_paths=["tests/**"])
    payload = failed_job_delivery(
        fake_github, job_id=1401, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "ignored")
        await wait_for_status(pool, "ignored")
    [run] = grimoire_runs(fake_github)
    assert run.annotations == []
    assert "ModuleNotFoundError" in run.output["summary"]


async def test_a_disabled_repository_gets_nothing(send, pool, settings, fake_github):
    await configure_repository(pool, enabled=False)
    payload = failed_job_delivery(
        fake_github, job_id=1501, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "off")
        await wait_for_status(pool, "off")
    assert grimoire_runs(fake_github) == []
    assert fake_github.log_downloads == []


async def test_a_vote_is_recorded_shown_on_the_run_and_changes_the_ranking(
    send, pool, settings, fake_github, client
):
    # Two spells that both fit the same error, one slightly more specific than the other.
    for key, pattern in (
        ("test.general", r"widget frobnication failed"),
        ("test.specific", r"error: widget frobnication failed"),
    ):
        await add_spell(pool, key, pattern)
    log = (
        b"2026-11-20T10:00:00.0000000Z src/a.py:3:1: error: widget frobnication failed\n"
        b"2026-11-20T10:00:00.0000000Z ##[error]Process completed with exit code 1.\n"
    )
    ids = {
        r["key"]: r["id"]
        for r in await pool.fetch("SELECT key, id FROM spells WHERE key LIKE 'test.%'")
    }
    async with running_worker(settings, pool):
        await send(
            "workflow_job",
            failed_job_delivery(fake_github, job_id=1601, log=log, head_sha=SHA),
            "before",
        )
        await wait_for_status(pool, "before")
        [run] = grimoire_runs(fake_github)
        first_choice = run.annotations[0]["title"].removeprefix("Grimoire: ")
        loser = ids[first_choice]
        [helpful, not_relevant, _] = run.data["actions"]
        assert helpful["identifier"] == f"helpful:{loser}"

        for voter in (("ada", 1), ("grace", 2)):
            vote = vote_delivery(
                fake_github, run_json(fake_github, run), not_relevant["identifier"], voter
            )
            await send("check_run", vote, f"vote-{voter[0]}")
            assert await wait_for_status(pool, f"vote-{voter[0]}") == "done"
        assert "0 helpful · 2 not relevant" in fake_github.check_runs[run.id].output["summary"]

        await send(
            "workflow_job",
            failed_job_delivery(fake_github, job_id=1602, log=log, head_sha="f" * 40),
            "after",
        )
        await wait_for_status(pool, "after")
    after = next(r for r in grimoire_runs(fake_github) if r.data["head_sha"] == "f" * 40)
    assert after.annotations[0]["title"].removeprefix("Grimoire: ") != first_choice

    stats = await (await client.get(f"/api/spells/{loser}")).json()
    assert stats["stats"]["not_relevant"] == 2
    assert stats["stats"]["helpful"] == 0
    assert stats["stats"]["matches"] == 2


async def test_diff_spells_annotate_the_exact_added_line(send, pool, settings, fake_github):
    diff = (
        "diff --git a/app/views.py b/app/views.py\n"
        "--- a/app/views.py\n+++ b/app/views.py\n"
        "@@ -10,3 +10,5 @@ def index(request):\n"
        "     items = load()\n"
        "+    breakpoint()\n"
        "     return render(items)\n"
        "-    # old\n"
        "+    log(items)\n"
        "+    return None\n"
    )
    fake_github.add_pull(21, head_sha=SHA, diff=diff)
    async with running_worker(settings, pool):
        await send("pull_request", pull_request_delivery(fake_github, 21), "pr-21")
        assert await wait_for_status(pool, "pr-21") == "done"
    [run] = grimoire_runs(fake_github)
    assert run.data["external_id"] == f"grimoire:commit:{SHA}"
    assert [(a["path"], a["start_line"]) for a in run.annotations] == [("app/views.py", 11)]
    assert fake_github.schema_violations == []


async def test_a_diff_too_large_to_render_falls_back_to_the_files_api(
    send, pool, settings, fake_github
):
    diff = (
        "diff --git a/tests/test_x.js b/tests/test_x.js\n"
        "--- a/tests/test_x.js\n+++ b/tests/test_x.js\n"
        "@@ -1,2 +1,3 @@\n describe('x', () => {\n+  it.only('works', () => {});\n });\n"
    )
    fake_github.add_pull(22, head_sha=SHA, diff=diff, too_large=True)
    async with running_worker(settings, pool):
        await send("pull_request", pull_request_delivery(fake_github, 22, "synchronize"), "pr-22")
        assert await wait_for_status(pool, "pr-22") == "done"
    [run] = grimoire_runs(fake_github)
    assert [(a["path"], a["start_line"]) for a in run.annotations] == [("tests/test_x.js", 2)]
    assert fake_github.requests_to("GET", "/repos/*/pulls/22/files")


async def test_a_clean_pull_request_gets_no_run(send, pool, settings, fake_github):
    diff = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1,2 @@\n x = 1\n+y = 2\n"
    fake_github.add_pull(23, head_sha=SHA, diff=diff)
    async with running_worker(settings, pool):
        await send("pull_request", pull_request_delivery(fake_github, 23, "reopened"), "pr-23")
        await wait_for_status(pool, "pr-23")
    assert grimoire_runs(fake_github) == []


async def test_rerunning_a_grimoire_run_updates_it(send, pool, settings, fake_github):
    payload = failed_job_delivery(
        fake_github, job_id=1701, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "orig")
        await wait_for_status(pool, "orig")
        [run] = grimoire_runs(fake_github)
        rerun = official_payload("check_run.rerequested")
        rerun["installation"] = {"id": INSTALLATION_ID}
        rerun["check_run"] = run_json(fake_github, run)
        rerun["repository"] = payload["repository"]
        await send("check_run", rerun, "rerun")
        assert await wait_for_status(pool, "rerun") == "done"
    assert len(grimoire_runs(fake_github)) == 1
    assert len(fake_github.requests_to("PATCH", f"/repos/*/check-runs/{run.id}")) == 1
    assert len(fake_github.log_downloads) == 2


async def test_a_retry_after_a_lost_create_response_does_not_repeat_annotations(
    send, pool, settings, fake_github
):
    """GitHub created the run but the answer was lost: the retry found the run and posted
    its annotations a second time."""
    from tests.workers import make_due, wait_for_retry

    payload = failed_job_delivery(
        fake_github, job_id=1801, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    fake_github.inject("POST", r"/check-runs$", "lost_response")
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "lost-post")
        await wait_for_retry(pool, "lost-post")
        await make_due(pool)
        assert await wait_for_status(pool, "lost-post") == "done"
    [run] = grimoire_runs(fake_github)
    assert [(a["path"], a["start_line"]) for a in run.annotations] == [("tests/test_client.py", 4)]


async def test_a_lost_answer_to_an_annotation_batch_is_never_resent_blindly(
    send, pool, settings, fake_github
):
    """A PATCH that GitHub applied but whose answer was lost was retried inline by the
    client, appending its 50 annotations twice."""
    from tests.workers import make_due, wait_for_retry

    await add_spell(
        pool, "test.frobnication", r"widget frobnication failed", "Widget frobnication failed"
    )
    await configure_repository(pool, max_annotations=500)
    lines = [
        f"2026-11-20T10:00:00.0000000Z src/w{i:03}.py:{i + 1}:1: error: widget frobnication failed"
        for i in range(60)
    ]
    log = ("\n".join(lines) + "\n##[error]Process completed with exit code 1.\n").encode()
    payload = failed_job_delivery(fake_github, job_id=1802, log=log, head_sha=SHA)
    fake_github.inject("PATCH", r"/check-runs/\d+$", "lost_response")
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "lost-patch")
        await wait_for_retry(pool, "lost-patch")
        await make_due(pool)
        assert await wait_for_status(pool, "lost-patch") == "done"
    [run] = grimoire_runs(fake_github)
    places = [(a["path"], a["start_line"]) for a in run.annotations]
    assert len(places) == 60
    assert len(set(places)) == 60


async def test_a_rerun_that_ranks_another_spell_first_neither_stacks_nor_exceeds_the_cap(
    send, pool, settings, fake_github
):
    """After votes changed the best spell, a re-run added a second annotation at the same
    line, beyond the repository's max_annotations."""
    for key, pattern in (
        ("test.general", r"widget frobnication failed"),
        ("test.specific", r"error: widget frobnication failed"),
    ):
        await add_spell(pool, key, pattern)
    await configure_repository(pool, max_annotations=1)
    log = (
        b"2026-11-20T10:00:00.0000000Z src/a.py:3:1: error: widget frobnication failed\n"
        b"2026-11-20T10:00:00.0000000Z src/b.py:5:1: error: widget frobnication failed\n"
        b"2026-11-20T10:00:00.0000000Z ##[error]Process completed with exit code 1.\n"
    )
    payload = failed_job_delivery(fake_github, job_id=1803, log=log, head_sha=SHA)
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "cap-1")
        await wait_for_status(pool, "cap-1")
        [run] = grimoire_runs(fake_github)
        first = run.annotations[0]["title"].removeprefix("Grimoire: ")
        for voter in (("ada", 1), ("grace", 2), ("linus", 3)):
            vote = vote_delivery(
                fake_github,
                run_json(fake_github, run),
                f"unhelpful:{run.data['actions'][0]['identifier'].split(':')[1]}",
                voter,
            )
            await send("check_run", vote, f"v-{voter[0]}")
            await wait_for_status(pool, f"v-{voter[0]}")
        await send("workflow_job", payload, "cap-2")
        assert await wait_for_status(pool, "cap-2") == "done"
    [run] = grimoire_runs(fake_github)
    assert len(run.annotations) == 1
    assert run.annotations[0]["title"].removeprefix("Grimoire: ") == first


async def test_the_check_run_ranks_a_log_as_api_match_does_with_that_repository(
    send, pool, settings, fake_github, client
):
    """The check run matched each log twice with another ranking (feedback only there),
    so what `/api/match` and the benchmarks measured was not what the PR showed."""
    for key, pattern in (
        ("test.general", r"widget frobnication failed"),
        ("test.specific", r"error: widget frobnication failed"),
    ):
        await add_spell(pool, key, pattern)
    async with pool.acquire() as conn:
        await db_installations.upsert_installation(conn, {"id": INSTALLATION_ID})
        await db_installations.add_repositories(
            conn, INSTALLATION_ID, [{"id": REPOSITORY_ID, "full_name": DEFAULT_REPO}]
        )
    log = (
        "2026-11-20T10:00:00.0000000Z src/a.py:3:1: error: widget frobnication failed\n"
        "2026-11-20T10:00:00.0000000Z ##[error]Process completed with exit code 1.\n"
    )
    request = {"log": log, "repository": DEFAULT_REPO}
    unvoted = (await (await client.post("/api/match", json=request)).json())["matches"]
    async with pool.acquire() as conn:
        for voter in (1, 2, 3):
            await db_advice.record_vote(
                conn,
                spell_id=unvoted[0]["spell"]["id"],
                repository_id=REPOSITORY_ID,
                voter_id=voter,
                voter_login=f"voter{voter}",
                vote=-1,
                check_run_id=None,
            )
    answer = await (await client.post("/api/match", json=request)).json()
    assert [m["spell"]["id"] for m in answer["matches"]] == [
        m["spell"]["id"] for m in unvoted[::-1]
    ]
    async with running_worker(settings, pool):
        await send(
            "workflow_job",
            failed_job_delivery(fake_github, job_id=1901, log=log.encode(), head_sha=SHA),
            "agree",
        )
        assert await wait_for_status(pool, "agree") == "done"
    [run] = grimoire_runs(fake_github)
    offered = re.findall(r"\*\*(?:Spell|Or):\*\* (.+?) · score (\d\.\d\d)", run.output["summary"])
    expected = [(m["spell"]["title"], f"{m['score']:.2f}") for m in answer["matches"]]
    assert offered == expected[: len(offered)]
    assert run.annotations[0]["title"] == f"Grimoire: {expected[0][0]}"


async def test_three_matrix_jobs_failing_at_once_in_two_worker_processes_get_one_run(
    send, pool, fake_github, fresh_database_url
):
    """Each failed job got a run of its own named Grimoire, and GitHub shows only the
    latest run of a name: two of the three jobs' advice was unreachable."""
    jobs = [
        (3101, "test (3.11)", "pytest-import-error"),
        (3102, "test (3.12)", "pytest-import-error"),
        (3103, "lint", "tsc"),
    ]
    # Every job's first read answers slowly, so the three are in flight together.
    fake_github.timeout_delay = 3.0
    for job_id, name, log in jobs:
        fake_github.inject("GET", rf"/check-runs/{job_id}$", "timeout")
        payload = failed_job_delivery(
            fake_github, job_id=job_id, log=log_bytes(log), head_sha=SHA, name=name, run_id=31
        )
        await send("workflow_job", payload, f"matrix-{job_id}")
    env = environment(
        DATABASE_URL=fresh_database_url,
        WEBHOOK_SECRET=SECRET,
        APP_ID=fake_github.app_id,
        PRIVATE_KEY=fake_github.private_key_pem,
        GHE_HOST=fake_github.ghe_host,
        GHE_PROTOCOL="http",
        GITHUB_WRITE_SPACING_SECONDS="0",
        WORKER_CONCURRENCY="2",
    )
    workers = [await start("worker", env=env) for _ in range(2)]
    try:
        # Process start-up and the slow first reads take several seconds on a loaded machine.
        await wait_until(
            lambda: all_done(pool, [f"matrix-{job_id}" for job_id, _, _ in jobs]), within=90
        )
    finally:
        outputs = [output for _, output in [await stop(worker) for worker in workers]]
    assert all("delivery processed" in output for output in outputs), "both workers took jobs"
    posts = fake_github.requests_to("POST", "/repos/*/check-runs")
    assert [p.json["head_sha"] for p in posts] == [SHA]
    assert len(fake_github.requests_to("PATCH", "/repos/*/check-runs/*")) == 2
    [run] = grimoire_runs(fake_github)
    for _, name, _ in jobs:
        assert f"[{name}](" in run.output["summary"]
    places = [(a["path"], a["start_line"]) for a in run.annotations]
    assert len(places) == len(set(places))
    assert {("src/api/client.ts", 12), ("tests/test_client.py", 4)} <= set(places)
    assert fake_github.schema_violations == []


async def test_a_diff_finding_and_a_job_failure_on_one_commit_share_one_run(
    send, pool, settings, fake_github
):
    diff = (
        "diff --git a/app/views.py b/app/views.py\n--- a/app/views.py\n+++ b/app/views.py\n"
        "@@ -10,2 +10,3 @@ def index(request):\n     items = load()\n+    breakpoint()\n"
        "     return render(items)\n"
    )
    fake_github.add_pull(31, head_sha=SHA, diff=diff)
    async with running_worker(settings, pool):
        await send("pull_request", pull_request_delivery(fake_github, 31), "pr-31")
        assert await wait_for_status(pool, "pr-31") == "done"
        payload = failed_job_delivery(
            fake_github, job_id=3201, log=log_bytes("pytest-import-error"), head_sha=SHA
        )
        await send("workflow_job", payload, "job-3201")
        assert await wait_for_status(pool, "job-3201") == "done"
    [run] = grimoire_runs(fake_github)
    assert len(fake_github.requests_to("POST", "/repos/*/check-runs")) == 1
    summary = run.output["summary"]
    assert "## Failed jobs" in summary and "## Known trouble in added lines" in summary
    assert "in 1 failed job and 1 added line" in run.output["title"]
    assert {(a["path"], a["start_line"]) for a in run.annotations} == {
        ("app/views.py", 11),
        ("tests/test_client.py", 4),
    }


async def test_re_check_rebuilds_the_run_from_what_fails_now(send, pool, settings, fake_github):
    """A job whose re-run passed stays out of the rebuilt summary."""
    async with running_worker(settings, pool):
        for job_id, name, log in ((3301, "unit", "pytest-import-error"), (3302, "lint", "tsc")):
            payload = failed_job_delivery(
                fake_github, job_id=job_id, log=log_bytes(log), head_sha=SHA, name=name
            )
            await send("workflow_job", payload, f"job-{job_id}")
            assert await wait_for_status(pool, f"job-{job_id}") == "done"
        [run] = grimoire_runs(fake_github)
        assert "[lint](" in run.output["summary"]
        fake_github.jobs[3302].data["conclusion"] = "success"  # its re-run passed
        downloads = len(fake_github.log_downloads)
        recheck = vote_delivery(fake_github, run_json(fake_github, run), "recheck", ("ada", 1))
        await send("check_run", recheck, "recheck")
        assert await wait_for_status(pool, "recheck") == "done"
    [run] = grimoire_runs(fake_github)
    assert "[unit](" in run.output["summary"] and "[lint](" not in run.output["summary"]
    assert run.output["title"].endswith("in 1 failed job")
    assert len(fake_github.log_downloads) == downloads + 1
    assert fake_github.requests_to("GET", "/repos/*/actions/runs")
    assert await pool.fetchval("SELECT count(*) FROM spell_votes") == 0


async def test_re_running_the_suite_rebuilds_the_run(send, pool, settings, fake_github):
    payload = failed_job_delivery(
        fake_github, job_id=3401, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    async with running_worker(settings, pool):
        await send("workflow_job", payload, "job-3401")
        await wait_for_status(pool, "job-3401")
        [run] = grimoire_runs(fake_github)
        rerun = official_payload("check_suite.rerequested", installation_id=INSTALLATION_ID)
        rerun["check_suite"] = {
            **rerun["check_suite"],
            "head_sha": SHA,
            "app": run.data["app"],
        }
        rerun["repository"] = payload["repository"]
        await send("check_suite", rerun, "suite-rerun")
        assert await wait_for_status(pool, "suite-rerun") == "done"
    assert len(grimoire_runs(fake_github)) == 1
    assert len(fake_github.requests_to("PATCH", f"/repos/*/check-runs/{run.id}")) == 1
    assert len(fake_github.log_downloads) == 2


async def test_200_errors_over_four_jobs_never_exceed_the_annotation_budget(
    send, pool, settings, fake_github
):
    await add_spell(
        pool, "test.frobnication", r"widget frobnication failed", "Widget frobnication failed"
    )
    await configure_repository(pool, max_annotations=120)
    async with running_worker(settings, pool):
        for job in range(4):
            lines = [
                f"2026-11-20T10:00:00.0000000Z src/j{job}/w{i:02}.py:{i + 1}:1: error: "
                "widget frobnication failed"
                for i in range(50)
            ]
            log = ("\n".join(lines) + "\n##[error]Process completed with exit code 1.\n").encode()
            payload = failed_job_delivery(
                fake_github, job_id=3500 + job, log=log, head_sha=SHA, name=f"shard {job}"
            )
            await send("workflow_job", payload, f"shard-{job}")
            assert await wait_for_status(pool, f"shard-{job}") == "done"
    [run] = grimoire_runs(fake_github)
    writes = fake_github.requests_to("POST", "/repos/*/check-runs") + fake_github.requests_to(
        "PATCH", "/repos/*/check-runs/*"
    )
    sizes = [len(w.json["output"].get("annotations", [])) for w in writes]
    assert max(sizes) <= 50
    assert sum(sizes) == len(run.annotations) == 120
    places = [(a["path"], a["start_line"]) for a in run.annotations]
    assert len(set(places)) == 120
    assert "200 errors in 4 failed jobs" in run.output["title"]
    assert fake_github.schema_violations == []


async def test_a_summary_too_long_for_github_is_cut_and_the_api_serves_it_whole(
    send, pool, settings, fake_github, client
):
    names = [f"part{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(30)]
    for name in names:
        await pool.execute(
            "INSERT INTO spells (key, title, error_pattern, solution_code) VALUES ($1, $1, $2, $3)",
            f"test.{name}",
            f"gizmo {name} exploded",
            f"# fix the {name} gizmo\n" + "x = 1\n" * 500,
        )
    lines = [f"2026-11-20T10:00:00.0000000Z error: gizmo {name} exploded" for name in names]
    log = ("\n".join(lines) + "\n##[error]Process completed with exit code 1.\n").encode()
    async with pool.acquire() as conn:
        await db_installations.upsert_installation(conn, {"id": INSTALLATION_ID})
        await db_installations.add_repositories(
            conn, INSTALLATION_ID, [{"id": REPOSITORY_ID, "full_name": DEFAULT_REPO}]
        )
    async with running_worker(settings, pool):
        payload = failed_job_delivery(fake_github, job_id=3601, log=log, head_sha=SHA)
        await send("workflow_job", payload, "long")
        assert await wait_for_status(pool, "long") == "done"
    [run] = grimoire_runs(fake_github)
    summary = run.output["summary"]
    assert len(summary) <= 65535
    shown = summary.count("\n#### ")
    assert 0 < shown < 30
    assert f"**{30 - shown} more entries left out:**" in summary
    assert f"`GET /api/advice/{DEFAULT_REPO}/{SHA}`" in summary
    assert fake_github.schema_violations == []

    response = await client.get(f"/api/advice/{DEFAULT_REPO}/{SHA}")
    assert response.status == 200
    assert response.content_type == "text/markdown"
    whole = await response.text()
    assert whole.count("\n#### ") == 30 and "left out" not in whole
    missing = await client.get(f"/api/advice/{DEFAULT_REPO}/{'f' * 40}")
    assert missing.status == 404 and "detail" in await missing.json()
    assert (await client.get(f"/api/advice/{DEFAULT_REPO}/not-a-sha")).status == 422


async def test_a_lost_create_answer_is_recovered_by_the_next_jobs_delivery(
    send, pool, settings, fake_github
):
    """The run was created but its answer lost; a sibling job's delivery came before the
    retry and created a second run for the commit."""
    fake_github.inject("POST", r"/check-runs$", "lost_response")
    first = failed_job_delivery(
        fake_github, job_id=3701, log=log_bytes("pytest-import-error"), head_sha=SHA, name="a"
    )
    second = failed_job_delivery(
        fake_github, job_id=3702, log=log_bytes("tsc"), head_sha=SHA, name="b"
    )
    async with running_worker(settings, pool):
        await send("workflow_job", first, "lost")
        await wait_for_status(pool, "lost", ("queued",))
        await send("workflow_job", second, "next")
        assert await wait_for_status(pool, "next") == "done"
    [run] = grimoire_runs(fake_github)
    assert len(fake_github.requests_to("POST", "/repos/*/check-runs")) == 1
    assert "[a](" in run.output["summary"] and "[b](" in run.output["summary"]
    places = [(a["path"], a["start_line"]) for a in run.annotations]
    assert len(places) == len(set(places))
    assert {("src/api/client.ts", 12), ("tests/test_client.py", 4)} <= set(places)


async def test_runs_posted_per_job_before_this_change_are_left_as_they_are(
    send, pool, settings, fake_github
):
    old = fake_github.add_check_run(
        head_sha=SHA,
        name="Grimoire",
        status="completed",
        conclusion="neutral",
        app_id=int(fake_github.app_id),
        app_slug="grimoire-test",
        external_id="grimoire:3800",
        output={"title": "1 spell for 1 error in build", "summary": "the old summary"},
    )
    spell_id = await pool.fetchval("SELECT min(id) FROM spells")
    payload = failed_job_delivery(
        fake_github, job_id=3801, log=log_bytes("pytest-import-error"), head_sha=SHA
    )
    async with running_worker(settings, pool):
        vote = vote_delivery(
            fake_github, run_json(fake_github, old), f"helpful:{spell_id}", ("ada", 1)
        )
        await send("check_run", vote, "old-vote")
        assert await wait_for_status(pool, "old-vote") == "done"
        rerun = official_payload("check_run.rerequested")
        rerun["installation"] = {"id": INSTALLATION_ID}
        rerun["check_run"] = run_json(fake_github, old)
        rerun["repository"] = payload["repository"]
        await send("check_run", rerun, "old-rerun")
        assert await wait_for_status(pool, "old-rerun") == "done"
    assert fake_github.requests_to("PATCH", f"/repos/*/check-runs/{old.id}") == []
    assert old.output["summary"] == "the old summary"
    assert await pool.fetchval("SELECT vote FROM spell_votes WHERE spell_id = $1", spell_id) == 1
    new = [run for run in grimoire_runs(fake_github) if run.id != old.id]
    assert [run.data["external_id"] for run in new] == [f"grimoire:commit:{SHA}"]
