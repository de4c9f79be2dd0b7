"""The curator console in a real browser: Chromium, driven by Playwright, against the real app,
a real PostgreSQL, a real worker and the fake GitHub.

Playwright cannot download its own browser here: the tests use the system's Chromium
(Debian's `chromium`, or GRIMOIRE_CHROMIUM) and skip, saying why, when there is none;
with GRIMOIRE_REQUIRE_BROWSER=1 (as CI runs them) a missing browser fails them instead.
With GRIMOIRE_CONSOLE_SCREENSHOTS=DIR the page tour saves a screenshot of each page there
(`docs/` holds the ones the README shows).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from grimoire_bot.app import create_app
from grimoire_bot.db import advice as db_advice
from grimoire_bot.db import drafts as db_drafts
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import open_pool
from grimoire_bot.db import repo_configs as db_repo_configs
from tests.accounts import PASSWORD, Accounts
from tests.advice_scenarios import INSTALLATION_ID, REPOSITORY_ID, failed_job_delivery
from tests.console_helpers import failure, plant_failures
from tests.fakes.github import signed_delivery
from tests.workers import running_worker, settings_for, wait_for_status

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = None  # type: ignore[assignment]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
SECRET = "test-webhook-secret"
SHA_BEFORE = "1" * 40
SHA_AFTER = "2" * 40
WIDGET_ERROR = "FrobnicatorMissing: no frobnicator in widgets.core"
WIDGET_LOG = (
    "##[group]Run python -m widgets\n"
    "Collecting widgets\n"
    f"{WIDGET_ERROR}\n"
    "##[error]Process completed with exit code 1.\n"
).encode()
WIDGET_SPELL = {
    "title": "Widgets: the frobnicator is not installed",
    "error_pattern": r"FrobnicatorMissing: no frobnicator in (\S+)",
    "solution_code": "python -m pip install frobnicator",
    "description": "Widgets needs the frobnicator package at import time.",
    "tags": "python,widgets",
    "ecosystem": "python",
    "examples": [WIDGET_ERROR],
}
PLANTED_ERROR = "GadgetOverheated: the gadget reached 451 degrees in stage assemble"


def chromium_path() -> str | None:
    configured = os.environ.get("GRIMOIRE_CHROMIUM")
    if configured:
        return configured
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, if they cannot."""
    if async_playwright is None:
        return "Playwright for Python is not installed"
    if chromium_path() is None:
        return "no Chromium found (apt-get install chromium, or set GRIMOIRE_CHROMIUM)"
    return None


# Where a browser is meant to be (CI sets GRIMOIRE_REQUIRE_BROWSER=1), its absence fails
# every test here instead of skipping them: a skipped browser suite looks green.
REQUIRE_BROWSER = os.environ.get("GRIMOIRE_REQUIRE_BROWSER") == "1"
MISSING_BROWSER = missing_browser()

pytestmark = [pytest.mark.slow]
if MISSING_BROWSER is not None and not REQUIRE_BROWSER:
    pytestmark.append(pytest.mark.skip(reason=MISSING_BROWSER))


@pytest.fixture(autouse=True)
def required_browser() -> None:
    if MISSING_BROWSER is not None:
        pytest.fail(f"GRIMOIRE_REQUIRE_BROWSER=1 but {MISSING_BROWSER}", pytrace=False)


@pytest.fixture
def settings(fake_github):
    return settings_for(fake_github, github_write_spacing_seconds=0.0)


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=8) as pool:
        yield pool


@pytest.fixture
async def client(aiohttp_client, fresh_database_url, settings) -> TestClient:
    return await aiohttp_client(create_app(settings, fresh_database_url))


@pytest.fixture
def base_url(client: TestClient) -> str:
    return str(client.make_url("")).rstrip("/")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        await context.close()


async def sign_in(page: Page, base_url: str, email: str) -> None:
    await page.goto(f"{base_url}/console/review")
    # Not signed in: the console sends the browser to its login form.
    await expect(page).to_have_url(f"{base_url}/console/login?next=/console/review")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{base_url}/console/review")
    await expect(page.get_by_role("heading", name="Review queue")).to_be_visible()


async def fail_job(client, pool, settings, fake, job_id: int, head_sha: str) -> list:
    """A failed Actions job delivered and handled by a real worker: Grimoire's runs on it."""
    payload = failed_job_delivery(fake, job_id=job_id, log=WIDGET_LOG, head_sha=head_sha)
    delivery_id = f"job-{job_id}"
    body, headers = signed_delivery("workflow_job", payload, SECRET, delivery_id=delivery_id)
    async with running_worker(settings, pool):
        response = await client.post("/api/github/webhooks", data=body, headers=headers)
        assert response.status == 202, await response.text()
        assert await wait_for_status(pool, delivery_id) == "done"
    assert fake.schema_violations == []
    return [
        run
        for run in fake.check_runs.values()
        if run.data.get("name") == "Grimoire" and run.data["head_sha"] == head_sha
    ]


async def test_a_draft_approved_with_the_keyboard_is_posted_on_the_next_failure(
    client, pool, settings, fake_github, page, base_url
):
    fake_github.add_installation(INSTALLATION_ID)
    accounts = Accounts(client)
    created = await client.post(
        "/api/spells", json=WIDGET_SPELL, headers=await accounts.contributor()
    )
    assert (await created.json())["status"] == "draft"
    await accounts.curator()
    assert await fail_job(client, pool, settings, fake_github, 801, SHA_BEFORE) == [], (
        "a draft is never posted"
    )

    await sign_in(page, base_url, "curator@example.com")
    item = page.locator("[data-review-item]").first
    await expect(item).to_contain_text(WIDGET_SPELL["title"])
    await expect(item).to_contain_text(WIDGET_ERROR)  # the lines it was written for
    await page.keyboard.press("j")
    await expect(item).to_be_focused()
    await page.keyboard.press("a")
    await expect(page.get_by_role("status")).to_contain_text("Approved")
    await expect(page.locator("[data-review-item]")).to_have_count(0)

    [run] = await fail_job(client, pool, settings, fake_github, 802, SHA_AFTER)
    assert WIDGET_SPELL["title"] in run.output["summary"]
    assert "python -m pip install frobnicator" in run.output["summary"]


async def test_editing_a_pattern_shows_at_once_what_it_matches(client, page, base_url):
    accounts = Accounts(client)
    created = await client.post("/api/spells", json=WIDGET_SPELL, headers=await accounts.curator())
    spell_id = (await created.json())["id"]
    await sign_in(page, base_url, "curator@example.com")
    await page.goto(f"{base_url}/console/spells/{spell_id}")

    pattern = page.get_by_label("Pattern (RE2)")
    status = page.locator("#pattern-status")
    await expect(status).to_contain_text("compiles under RE2")
    await pattern.fill(r"FrobnicatorMissing: no frobnicator in (\S+")
    await expect(status).to_contain_text("invalid RE2 pattern")
    await expect(status).to_contain_text("missing )")
    await pattern.fill(r"FrobnicatorMissing: no frobnicator in widgets\.cli")
    await expect(status).to_contain_text("compiles under RE2")
    await expect(page.locator("#examples-status")).to_contain_text("✗ not matched: " + WIDGET_ERROR)
    await pattern.fill(r"FrobnicatorMissing: no frobnicator in (\S+)")
    await expect(page.locator("#examples-status")).to_contain_text("✓ matched: " + WIDGET_ERROR)

    await page.get_by_label("Paste a log").fill(WIDGET_LOG.decode())
    results = page.locator("#log-results")
    await expect(results).to_contain_text("Grimoire finds 2 errors")  # and the failed step
    widget = results.locator("li", has_text=WIDGET_ERROR)
    await expect(widget).to_contain_text("This spell ranks #1")
    # The ranking is of the pattern as typed, not as saved.
    await pattern.fill(r"FrobnicatorMissing: no frobnicator in nowhere")
    await expect(results).not_to_contain_text("This spell ranks")
    await expect(results).to_contain_text("This spell is not offered for it")

    await pattern.fill(r"FrobnicatorMissing: no frobnicator in ([\w.]+)")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("status").first).to_contain_text("Saved")
    saved = await (await client.get(f"/api/spells/{spell_id}")).json()
    assert saved["error_pattern"] == r"FrobnicatorMissing: no frobnicator in ([\w.]+)"
    # The history shows the change as a diff, newest first.
    await expect(page.locator("details.revision").first).to_contain_text(r"+ FrobnicatorMissing")


async def test_a_planted_frequent_unmatched_failure_is_at_the_top(
    client, fresh_database_url, page, base_url
):
    await Accounts(client).admin()  # admins see every repository's failures
    planted = [
        failure(PLANTED_ERROR, sha=f"{n:040x}", repository=repo, repository_id=rid)
        for n, (repo, rid) in enumerate([("octo-org/widgets", 1)] * 4 + [("octo-org/api", 2)] * 2)
    ]
    # One error whose numbers differ: one fingerprint, as Grimoire recognises it across runs.
    others = [failure(f"RareError number {n}", sha=f"{n:040x}", position=1) for n in range(3)]
    matched = [failure("Known error", sha=f"{n:040x}", position=2, matched=True) for n in range(9)]
    old = [failure("Old news", sha=f"{n:040x}", position=3, days_ago=20) for n in range(9)]
    await plant_failures(fresh_database_url, planted + others + matched + old)

    await sign_in(page, base_url, "admin@example.com")
    await page.get_by_role("link", name="Unmatched failures").click()
    top = page.locator("li.failure").first
    await expect(top).to_contain_text(PLANTED_ERROR)
    await expect(top.locator(".count")).to_have_text("6")
    await expect(top).to_contain_text("octo-org/api, octo-org/widgets")
    await expect(page.locator("li.failure")).to_have_count(2)  # never the matched one
    await expect(page.locator("li.failure").nth(1)).to_contain_text("RareError number")
    await page.get_by_role("link", name="Last 30 days").click()
    await expect(page.locator("li.failure").first).to_contain_text("Old news")

    await page.get_by_role("link", name="Last 7 days").click()
    await top.get_by_role("link", name="Write a spell").click()
    await expect(page.get_by_label("Title")).to_have_value(PLANTED_ERROR)
    await expect(page.locator("#examples-status")).to_contain_text("✓ matched: " + PLANTED_ERROR)
    await expect(page.locator("#recent-status")).to_contain_text("Matches 1 of the")


async def test_a_proposal_edited_then_approved_goes_live_as_edited(client, page, base_url):
    """ "e" on a proposal opens it in the editor; nothing is live until "Save and approve",
    and then the curator's version is."""
    accounts = Accounts(client)
    curator = await accounts.curator()
    created = await client.post("/api/spells", json=WIDGET_SPELL, headers=curator)
    spell = await created.json()
    if spell["status"] != "approved":
        await client.post(f"/api/spells/{spell['id']}/approve", headers=curator)
    proposed = await client.post(
        f"/api/spells/{spell['id']}/proposals",
        json={"changes": {"solution_code": "pip install frobnicator==2"}},
        headers=await accounts.contributor("writer@example.com"),
    )
    assert proposed.status == 201

    await sign_in(page, base_url, "curator@example.com")
    await page.keyboard.press("j")
    await page.keyboard.press("e")
    proposal_id = (await proposed.json())["id"]
    await expect(page).to_have_url(f"{base_url}/console/review/proposals/{proposal_id}/edit")
    solution = page.get_by_label("Solution")
    await expect(solution).to_have_value("pip install frobnicator==2")
    live = await (await client.get(f"/api/spells/{spell['id']}")).json()
    assert live["solution_code"] == WIDGET_SPELL["solution_code"]
    await solution.fill("python -m pip install 'frobnicator>=2,<3'")
    await page.get_by_role("button", name="Save and approve").click()
    await expect(page).to_have_url(f"{base_url}/console/spells/{spell['id']}?notice=approved")
    await expect(page.get_by_role("status").first).to_contain_text("Approved")
    live = await (await client.get(f"/api/spells/{spell['id']}")).json()
    assert live["solution_code"] == "python -m pip install 'frobnicator>=2,<3'"


async def test_the_keyboard_reaches_the_content_first(client, page, base_url):
    await Accounts(client).curator()
    await sign_in(page, base_url, "curator@example.com")
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"


async def _plant_tour(client: TestClient, pool, fake, database_url: str) -> dict[str, Any]:
    """Something on every page: an AI draft with its source error, a contributor's draft,
    a proposal, unmatched failures, matches and votes, a delivery."""
    fake.add_installation(INSTALLATION_ID)
    accounts = Accounts(client)
    admin = await accounts.admin()
    async with pool.acquire() as conn:
        await db_installations.upsert_installation(
            conn, {"id": INSTALLATION_ID, "account": {"login": "octo-org", "type": "Organization"}}
        )
        await db_installations.add_repositories(
            conn,
            INSTALLATION_ID,
            [{"id": REPOSITORY_ID, "full_name": "octo-org/widgets", "private": False}],
        )
    approved = await (await client.post("/api/spells", json=WIDGET_SPELL, headers=admin)).json()
    contributor = await accounts.contributor()
    proposed = await client.post(
        f"/api/spells/{approved['id']}/proposals",
        json={
            "changes": {"solution_code": "python -m pip install 'frobnicator>=2'"},
            "reason": "frobnicator 1 is gone from PyPI",
        },
        headers=contributor,
    )
    await client.post(
        "/api/spells",
        json={
            "title": "Sprockets: the sprocket cache is stale",
            "error_pattern": r"SprocketCacheStale: cache from (\d+) is older than the lockfile",
            "solution_code": "rm -rf .sprockets && make sprockets",
            "examples": ["SprocketCacheStale: cache from 1700000000 is older than the lockfile"],
            "ecosystem": "node",
        },
        headers=contributor,
    )
    ai_error = "TimeoutError: gizmo handshake timed out after 30 s"
    ai_fingerprint = failure(ai_error).fingerprint  # as the pipeline names the error
    async with pool.acquire() as conn:
        claim = await db_drafts.claim_draft(conn, ai_fingerprint, 60)
        await db_drafts.store_draft(
            conn,
            claim,
            {
                "title": "Gizmo: the handshake times out on CI runners",
                "description": "The gizmo server starts slowly on shared runners.",
                "error_type": "TimeoutError",
                "error_pattern": r"TimeoutError: gizmo handshake timed out after \d+ s",
                "solution_code": "export GIZMO_HANDSHAKE_TIMEOUT=120",
                "tags": "gizmo,timeout",
                "status": "draft",
                "auto_generated": True,
                "confidence": 0.82,
                "examples": [ai_error],
            },
            db_drafts.Provenance(
                provider="openai",
                model="gpt-5.4-mini",
                prompt_version="1",
                tokens_in=1210,
                tokens_out=342,
                cost_usd=0.0011,
                requests=1,
                fingerprint=ai_fingerprint,
                repository_id=REPOSITORY_ID,
                repository="octo-org/widgets",
                installation_id=INSTALLATION_ID,
                delivery_id=None,
            ),
        )
        await db_repo_configs.save_file(
            conn,
            "octo-org/widgets",
            ".github/grimoire.yml",
            status="valid",
            etag=None,
            settings={"ignore_spells": [approved["key"]]},
            problems=[],
        )
        for voter in range(4):
            await db_advice.record_vote(
                conn,
                spell_id=approved["id"],
                repository_id=REPOSITORY_ID,
                voter_id=100 + voter,
                voter_login=f"dev{voter}",
                vote=-1 if voter < 3 else 1,
                check_run_id=None,
            )
    repos = [("octo-org/widgets", REPOSITORY_ID), ("octo-org/api", 2)]
    rows = [
        failure(PLANTED_ERROR, sha=f"{n:040x}", repository=r, repository_id=i)
        for n, (r, i) in enumerate(repos * 3)
    ]
    rows += [failure(ai_error, sha=f"{n:040x}", position=1) for n in range(2)]
    rows += [
        failure(
            WIDGET_ERROR,
            sha=f"{n:040x}",
            position=2,
            matched=True,
            spell_id=approved["id"],
            days_ago=n * n / 30,
        )
        for n in range(12)
    ]
    await plant_failures(database_url, rows)
    body, headers = signed_delivery(
        "ping",
        {"zen": "Keep it logically awesome.", "hook_id": 1},
        SECRET,
        delivery_id=str(uuid.uuid4()),
    )
    await client.post("/api/github/webhooks", data=body, headers=headers)
    return {"approved": approved, "proposal": await proposed.json()}


async def test_every_page_passes_axe_and_is_photographed(
    client, pool, fake_github, fresh_database_url, browser, base_url
):
    """Labels on every control, contrast, landmarks: axe-core's WCAG 2 A and AA rules."""
    tour = await _plant_tour(client, pool, fake_github, fresh_database_url)
    # The console's CSP allows no inline script; axe is injected as one.
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{base_url}/console/login")
    await _check_page(page, "login")
    await sign_in(page, base_url, "admin@example.com")
    delivery = await pool.fetchval("SELECT delivery_id FROM deliveries LIMIT 1")
    await pool.execute(
        "INSERT INTO commit_runs (repository_id, repository, head_sha, external_id)"
        " VALUES ($1, 'octo-org/widgets', $2, $2)",
        REPOSITORY_ID,
        SHA_BEFORE,
    )
    for name, path in (
        ("review", "/console/review"),
        ("editor", f"/console/spells/{tour['approved']['id']}"),
        ("proposal", f"/console/review/proposals/{tour['proposal']['id']}/edit"),
        ("unmatched", "/console/unmatched"),
        ("health", "/console/health"),
        ("spells", "/console/spells"),
        ("deliveries", "/console/deliveries"),
        ("delivery", f"/console/deliveries/{delivery}"),
        ("advice", f"/console/advice/octo-org/widgets/{SHA_BEFORE}"),
    ):
        await page.goto(f"{base_url}{path}")
        if name == "editor":
            await page.get_by_label("Paste a log").fill(WIDGET_LOG.decode())
            await expect(page.locator("#log-results")).to_contain_text("ranks #1")
        await _check_page(page, name)
    await page.goto(f"{base_url}/console/review")
    ai_draft = page.locator("[data-review-item]", has_text="AI draft")
    await expect(ai_draft).to_contain_text("82%")
    await expect(ai_draft).to_contain_text("openai · gpt-5.4-mini")
    await expect(ai_draft).to_contain_text("$0.0011")
    await expect(ai_draft.get_by_label("Log context")).to_contain_text("##[group]Run tests")
    proposal = page.locator("[data-review-item]", has_text="Proposed change")
    await expect(proposal.locator("pre.diff .added")).to_have_text(
        "+ python -m pip install 'frobnicator>=2'"
    )
    await page.goto(f"{base_url}/console/health")
    flagged = page.locator("tr.flagged")
    await expect(flagged).to_have_count(1)
    await expect(flagged).to_contain_text(WIDGET_SPELL["title"])
    await expect(flagged).to_contain_text("75%")
    await expect(flagged).to_contain_text("octo-org/widgets")  # its file ignores the spell


async def _check_page(page: Page, name: str) -> None:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert problems == [], f"{name}: {problems}"
    folder = os.environ.get("GRIMOIRE_CONSOLE_SCREENSHOTS")
    if folder:
        await page.screenshot(path=str(Path(folder) / f"console-{name}.png"), full_page=True)


async def test_a_failure_handled_by_the_worker_is_listed_as_unmatched(
    client, pool, settings, fake_github, page, base_url
):
    """No planted rows: two failed jobs go through the webhook, the queue and a real worker,
    and the error no spell knows is at the top of the unmatched list."""
    fake_github.add_installation(INSTALLATION_ID)
    await Accounts(client).admin()
    assert await fail_job(client, pool, settings, fake_github, 901, SHA_BEFORE) == []
    assert await fail_job(client, pool, settings, fake_github, 902, SHA_AFTER) == []

    await sign_in(page, base_url, "admin@example.com")
    await page.goto(f"{base_url}/console/unmatched")
    top = page.locator("li.failure").first
    await expect(top).to_contain_text(WIDGET_ERROR, timeout=3_000)
    await expect(top.locator(".count")).to_have_text("2")
