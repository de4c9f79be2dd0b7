"""The review queue's privacy and its edit-then-approve action, over HTTP as a browser
drives them: what a signed-in account may read of a private repository's failures, and a
curator correcting a draft or a proposal and approving it in one step."""

from __future__ import annotations

import html
import re
from typing import Any

from aiohttp.test_utils import TestClient

from grimoire_bot.db import llm_budget, open_pool
from grimoire_bot.settings import LLMProvider
from tests.accounts import Accounts
from tests.console_helpers import console_sign_in, csrf_of, failure, page_csrf, plant_failures
from tests.fakes.openai import FakeOpenAI
from tests.github_sign_in import INSTALLATION_ID, PUBLIC_URL, approve, install, login_client

# The line only the private repository's log holds: it must never reach an account that
# cannot see that repository (its message, sample, place, or the draft's examples).
SECRET_LINE = "SauceError: recipe at vault/grandmas-secret-recipe.txt is unreadable"
PUBLIC_LINE = "WidgetError: gear at shop/widget-gear.txt is unreadable"
# What the fake LLM answers: written without the file names, as a reviewer would want it.
SAUCE_DRAFT = {
    "title": "Sauce recipe unreadable",
    "description": "The recipe file cannot be read.",
    "error_type": "SauceError",
    "error_pattern": r"SauceError: recipe at \S+ is unreadable",
    "solution_code": "chmod a+r the recipe",
    "tags": ["sauce"],
    "confidence": 0.7,
}
WIDGET_DRAFT = {
    **SAUCE_DRAFT,
    "title": "Widget gear unreadable",
    "error_type": "WidgetError",
    "error_pattern": r"WidgetError: gear at \S+ is unreadable",
}
SPELL = {
    "title": "Widget: the frobnicator is missing",
    "error_pattern": r"FrobnicatorMissing: no frobnicator in (\S+)",
    "solution_code": "pip install frobnicator",
    "examples": ["FrobnicatorMissing: no frobnicator in widgets.core"],
}
# The editor's text fields a browser would send back.
EDITOR_FIELDS = (
    "title",
    "key",
    "error_pattern",
    "examples",
    "error_type",
    "description",
    "solution_code",
    "tags",
    "revision",
)


def llm_overrides(fake: FakeOpenAI) -> dict[str, Any]:
    return {
        "llm_provider": LLMProvider.OPENAI,
        "openai_api_key": fake.api_key,
        "openai_base_url": fake.base_url,
        "auto_create_spells": True,
        "llm_timeout_seconds": 1.0,
        "llm_max_retries": 1,
        "llm_deadline_seconds": 5.0,
    }


def editor_form(page: str, **changes: str) -> dict[str, str]:
    """The editor's fields as the page fills them (those it shows), then `changes` typed
    over them."""
    form = {"scope": "log", "csrf_token": csrf_of(page)}
    for name in EDITOR_FIELDS:
        found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
            rf'name="{name}"[^>]*>([^<]*)</textarea>', page
        )
        if found is not None:
            form[name] = html.unescape(found.group(1))
    assert {"title", "error_pattern", "solution_code"} <= form.keys()
    return {**form, **changes}


async def github_sign_in(client: TestClient, fake_github, login: str) -> None:
    client.session.cookie_jar.clear()
    fake_github.callback_url = f"{PUBLIC_URL}/console/auth/github/callback"
    start = await client.get("/console/auth/github", allow_redirects=False)
    query = await approve(fake_github, start.headers["Location"], login)
    callback = await client.get(
        "/console/auth/github/callback", params=query, allow_redirects=False
    )
    assert callback.status == 303, await callback.text()


async def draft_from_console(client: TestClient, fingerprint: str) -> int:
    token = await page_csrf(client, "/console/unmatched")
    drafted = await client.post(
        "/console/unmatched/draft",
        data={"csrf_token": token, "fingerprint": fingerprint},
        allow_redirects=False,
    )
    assert drafted.status == 303, await drafted.text()
    return int(drafted.headers["Location"].split("?")[0].rsplit("/", 1)[1])


async def test_a_private_repositorys_log_stays_with_those_who_may_see_it(
    aiohttp_client, fake_github, fresh_database_url
) -> None:
    """Two AI drafts, one from a repository mona can see on GitHub and one from a private
    repository she cannot. As a contributor (GitHub sign-in makes one) she sees neither:
    unreviewed AI drafts are only for curators and admins. Made a curator, she reviews both,
    reads the first's source error, and of the second only that it comes from a repository
    she cannot see: not its name, place or log lines. An admin sees everything."""
    async with FakeOpenAI() as fake:
        client = await login_client(
            aiohttp_client, fake_github, fresh_database_url, **llm_overrides(fake)
        )
        ids = await install(fake_github, fresh_database_url)
        fake_github.grant("mona", "octo-org/widgets", "write")
        secret = failure(
            SECRET_LINE,
            repository="octo-org/secret-sauce",
            repository_id=ids["octo-org/secret-sauce"],
        )
        public = failure(
            PUBLIC_LINE, repository="octo-org/widgets", repository_id=ids["octo-org/widgets"]
        )
        await plant_failures(fresh_database_url, [secret, public])
        accounts = Accounts(client)
        admin = await accounts.admin()
        await console_sign_in(client, "admin@example.com")
        fake.answer(SAUCE_DRAFT)
        sauce_id = await draft_from_console(client, secret.fingerprint)
        fake.answer(WIDGET_DRAFT)
        await draft_from_console(client, public.fingerprint)

    admin_queue = await (await client.get("/console/review")).text()
    assert SECRET_LINE in admin_queue and "octo-org/secret-sauce" in admin_queue

    await github_sign_in(client, fake_github, "mona")
    for path in ("/console/review", "/console/spells", "/console/spells?status=draft"):
        page = await client.get(path)
        assert page.status == 200, path
        text = await page.text()
        assert SAUCE_DRAFT["title"] not in text and WIDGET_DRAFT["title"] not in text, path
        assert "grandmas-secret-recipe" not in text, path
    hidden = await client.get(f"/console/spells/{sauce_id}")
    assert hidden.status == 404
    assert "grandmas-secret-recipe" not in await hidden.text()

    [mona] = [
        user
        for user in await (await client.get("/api/users", headers=admin)).json()
        if user["role"] == "contributor"
    ]
    promoted = await client.patch(
        f"/api/users/{mona['id']}", json={"role": "curator"}, headers=admin
    )
    assert promoted.status == 200, await promoted.text()
    await github_sign_in(client, fake_github, "mona")
    queue = await client.get("/console/review")
    assert queue.status == 200
    items = {
        title: next(part for part in (await queue.text()).split("<article") if title in part)
        for title in (SAUCE_DRAFT["title"], WIDGET_DRAFT["title"])
    }
    sauce, widget = items[SAUCE_DRAFT["title"]], items[WIDGET_DRAFT["title"]]
    assert "From a repository you cannot see." in sauce
    assert "secret-sauce" not in sauce and 'aria-label="Log context"' not in sauce
    assert SECRET_LINE in sauce  # the draft's own example: curators review it
    assert "in octo-org/widgets" in widget and 'aria-label="Log context"' in widget
    assert "From a repository you cannot see." not in widget
    editor = await client.get(f"/console/spells/{sauce_id}")
    assert editor.status == 200  # a curator edits the AI draft in the console
    assert SAUCE_DRAFT["title"] in await editor.text()


async def test_draft_with_llm_names_the_repository_and_charges_its_installation(
    aiohttp_client, fake_github, fresh_database_url
) -> None:
    """The console's "Draft with LLM" records where the failure was seen, as a check run's
    drafting does, and the installation's daily budget pays for it."""
    async with FakeOpenAI() as fake:
        client = await login_client(
            aiohttp_client, fake_github, fresh_database_url, **llm_overrides(fake)
        )
        ids = await install(fake_github, fresh_database_url)
        planted = failure(
            PUBLIC_LINE, repository="octo-org/widgets", repository_id=ids["octo-org/widgets"]
        )
        await plant_failures(fresh_database_url, [planted])
        await Accounts(client).admin()
        await console_sign_in(client, "admin@example.com")
        fake.answer(WIDGET_DRAFT)
        spell_id = await draft_from_console(client, planted.fingerprint)
    async with open_pool(fresh_database_url, max_size=2) as pool, pool.acquire() as conn:
        provenance = await conn.fetchrow(
            "SELECT repository_id, repository, installation_id FROM spell_provenance"
            " WHERE spell_id = $1",
            spell_id,
        )
        spent = await llm_budget.spent_today(conn, INSTALLATION_ID)
    assert provenance is not None
    assert tuple(provenance) == (
        ids["octo-org/widgets"],
        "octo-org/widgets",
        INSTALLATION_ID,
    )
    assert spent.drafts == 1


async def test_draft_with_llm_stops_at_the_installations_daily_budget(
    aiohttp_client, fake_github, fresh_database_url
) -> None:
    async with FakeOpenAI() as fake:
        client = await login_client(
            aiohttp_client,
            fake_github,
            fresh_database_url,
            **llm_overrides(fake),
            llm_daily_drafts_per_installation=0,
        )
        ids = await install(fake_github, fresh_database_url)
        planted = failure(
            PUBLIC_LINE, repository="octo-org/widgets", repository_id=ids["octo-org/widgets"]
        )
        await plant_failures(fresh_database_url, [planted])
        await Accounts(client).admin()
        await console_sign_in(client, "admin@example.com")
        token = await page_csrf(client, "/console/unmatched")
        refused = await client.post(
            "/console/unmatched/draft",
            data={"csrf_token": token, "fingerprint": planted.fingerprint},
            allow_redirects=False,
        )
        assert refused.status == 409
        assert f"installation {INSTALLATION_ID}" in await refused.text()
        assert fake.requests == []


# ---------------------------------------------------------------- edit, then approve


async def proposal_waiting(client: TestClient) -> tuple[dict[str, str], dict[str, Any], int]:
    """An approved spell, a contributor's proposal to change its solution, and a curator
    signed in to the console."""
    accounts = Accounts(client)
    curator = await accounts.curator()
    spell = await (await client.post("/api/spells", json=SPELL, headers=curator)).json()
    if spell["status"] != "approved":
        approved = await client.post(f"/api/spells/{spell['id']}/approve", headers=curator)
        spell = await approved.json()
    contributor = await accounts.contributor("writer@example.com")
    proposed = await client.post(
        f"/api/spells/{spell['id']}/proposals",
        json={"changes": {"solution_code": "pip install frobnicator==2"}, "reason": "v2"},
        headers=contributor,
    )
    assert proposed.status == 201, await proposed.text()
    await console_sign_in(client, "curator@example.com")
    return curator, spell, (await proposed.json())["id"]


async def test_edit_then_approve_applies_the_curators_version_of_a_proposal_in_one_revision(
    client: TestClient,
) -> None:
    curator, spell, proposal_id = await proposal_waiting(client)
    queue = await (await client.get("/console/review")).text()
    edit_path = f"/console/review/proposals/{proposal_id}/edit"
    assert f'href="{edit_path}" data-action="edit">Edit, then approve</a>' in queue

    editor = await client.get(edit_path)
    assert editor.status == 200, await editor.text()
    page = await editor.text()
    assert "pip install frobnicator==2" in page  # prefilled with the proposal applied
    assert f'action="/console/review/proposals/{proposal_id}/approve-edited"' in page
    assert "Save and approve" in page
    untouched = await (await client.get(f"/api/spells/{spell['id']}")).json()
    assert untouched["solution_code"] == SPELL["solution_code"], "nothing is live yet"

    saved = await client.post(
        f"/console/review/proposals/{proposal_id}/approve-edited",
        data=editor_form(
            page, solution_code="python -m pip install 'frobnicator>=2,<3'", reason="pin it"
        ),
        allow_redirects=False,
    )
    assert saved.status == 303, await saved.text()
    assert saved.headers["Location"] == f"/console/spells/{spell['id']}?notice=approved"
    after = await (await client.get(f"/api/spells/{spell['id']}")).json()
    assert after["solution_code"] == "python -m pip install 'frobnicator>=2,<3'"
    assert after["revision"] == spell["revision"] + 1
    [latest, *_] = await (
        await client.get(f"/api/spells/{spell['id']}/revisions", headers=curator)
    ).json()
    assert latest["revision"] == after["revision"]
    assert latest["change"] == "proposal" and latest["proposal_id"] == proposal_id
    assert latest["reason"] == f"Proposal #{proposal_id} approved with the curator's edits: pin it"
    assert set(latest["changes"]) == {"solution_code"}
    decided = await (await client.get(f"/api/proposals/{proposal_id}", headers=curator)).json()
    assert decided["status"] == "approved"
    assert decided["applied_revision"] == after["revision"]
    empty = await (await client.get("/console/review")).text()
    assert "Nothing waits for review." in empty


async def test_edit_then_approve_needs_the_csrf_token_and_the_revision_it_showed(
    client: TestClient,
) -> None:
    curator, spell, proposal_id = await proposal_waiting(client)
    page = await (await client.get(f"/console/review/proposals/{proposal_id}/edit")).text()
    target = f"/console/review/proposals/{proposal_id}/approve-edited"
    forged = {k: v for k, v in editor_form(page).items() if k != "csrf_token"}
    assert (await client.post(target, data=forged)).status == 403

    # Someone changes the spell's title meanwhile: approving would publish unseen values.
    moved = await client.patch(
        f"/api/spells/{spell['id']}", json={"title": "Renamed meanwhile"}, headers=curator
    )
    assert moved.status == 200
    form = editor_form(page)
    assert form["revision"] == str(spell["revision"])
    stale = await client.post(target, data=form)
    assert stale.status == 409
    text = await stale.text()
    assert "changed since you opened the editor" in text
    assert "pip install frobnicator==2" in text  # the editor again, with what was typed
    proposal = await (await client.get(f"/api/proposals/{proposal_id}", headers=curator)).json()
    assert proposal["status"] == "open"


async def test_save_and_approve_of_a_draft_is_one_revision(client: TestClient) -> None:
    accounts = Accounts(client)
    contributor = await accounts.contributor()
    draft = await (await client.post("/api/spells", json=SPELL, headers=contributor)).json()
    assert draft["status"] == "draft"
    curator = await accounts.curator()
    await console_sign_in(client, "curator@example.com")
    queue = await (await client.get("/console/review")).text()
    assert f'href="/console/spells/{draft["id"]}" data-action="edit">Edit, then approve' in queue
    page = await (await client.get(f"/console/spells/{draft['id']}")).text()
    saved = await client.post(
        f"/console/spells/{draft['id']}",
        data=editor_form(page, title="Widgets: install the frobnicator", action="save_approve"),
        allow_redirects=False,
    )
    assert saved.status == 303, await saved.text()
    after = await (await client.get(f"/api/spells/{draft['id']}")).json()
    assert after["status"] == "approved" and after["title"] == "Widgets: install the frobnicator"
    assert after["revision"] == draft["revision"] + 1
    [latest, *_] = await (
        await client.get(f"/api/spells/{draft['id']}/revisions", headers=curator)
    ).json()
    assert latest["change"] == "approve"
    assert latest["reason"] == "Draft approved with the curator's edits"
    assert set(latest["changes"]) == {"title", "status"}


async def test_a_private_repositorys_whole_advice_opens_in_the_console_for_its_readers(
    aiohttp_client, fake_github, fresh_database_url
) -> None:
    """A summary cut at GitHub's limit linked a private repository's readers to an API
    route a browser cannot sign in to; the console shows it to those GitHub lets see it."""
    client = await login_client(aiohttp_client, fake_github, fresh_database_url)
    ids = await install(fake_github, fresh_database_url)
    sha = "d" * 40
    async with open_pool(fresh_database_url, max_size=1) as pool:
        await pool.execute(
            "INSERT INTO commit_runs (repository_id, repository, head_sha, external_id)"
            " VALUES ($1, $2, $3, $3)",
            ids["octo-org/secret-sauce"],
            "octo-org/secret-sauce",
            sha,
        )
    await Accounts(client).admin()
    fake_github.grant("hubot", "octo-org/secret-sauce", "read")
    fake_github.grant("mona", "octo-org/widgets", "write")
    path = f"/console/advice/octo-org/secret-sauce/{sha}"

    anonymous = await client.get(path, allow_redirects=False)
    assert anonymous.status == 303 and "/console/login" in anonymous.headers["Location"]
    await github_sign_in(client, fake_github, "hubot")
    reader = await client.get(path)
    assert reader.status == 200
    assert "Advice on <code>ddddddd</code> in octo-org/secret-sauce" in await reader.text()
    await github_sign_in(client, fake_github, "mona")
    outsider = await client.get(path)
    assert outsider.status == 404 and "that you may see" in await outsider.text()
    client.session.cookie_jar.clear()
    await console_sign_in(client, "admin@example.com")
    assert (await client.get(path)).status == 200
    assert (await client.get(f"/console/advice/octo-org/secret-sauce/{'e' * 40}")).status == 404
