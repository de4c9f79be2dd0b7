"""The curator console over plain HTTP: sessions, CSRF, roles and what each page shows.
(The browser tests in test_console_browser.py drive the same pages in Chromium.)"""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestClient

from grimoire_bot.app import create_app
from grimoire_bot.settings import RateLimit
from tests.accounts import PASSWORD, Accounts
from tests.conftest import make_settings
from tests.console_helpers import (
    console_sign_in,
    csrf_of,
    failure,
    page_csrf,
    plant_failures,
)
from tests.drafts_scenarios import llm_settings
from tests.fakes.openai import FakeOpenAI
from tests.github_sign_in import PUBLIC_URL, approve, install, login_client

DRAFT = {
    "title": "Widget: the frobnicator is missing",
    "error_pattern": r"FrobnicatorMissing: no frobnicator in (\S+)",
    "solution_code": "pip install frobnicator",
    "examples": ["FrobnicatorMissing: no frobnicator in widgets.core"],
}


async def signed_in(client: TestClient, role: str) -> tuple[Accounts, dict[str, str]]:
    """An account of `role`, signed in to the console; its API bearer header too."""
    accounts = Accounts(client)
    email = f"{role}@example.com"
    headers = await getattr(accounts, role)()
    response = await console_sign_in(client, email)
    assert response.status == 303, await response.text()
    return accounts, headers


async def test_pages_need_a_session(client: TestClient) -> None:
    response = await client.get("/console/review", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/console/login?next=/console/review"


async def test_sign_in_sets_an_httponly_lax_session_cookie(client: TestClient) -> None:
    await Accounts(client).admin()
    response = await console_sign_in(client, "admin@example.com")
    assert response.status == 303
    assert response.headers["Location"] == "/console/review"
    cookie = response.cookies["grimoire_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/console"
    assert not cookie["secure"]  # PUBLIC_URL is not https here
    page = await client.get("/console/review")
    assert page.status == 200
    assert "admin@example.com" in await page.text()


async def test_a_wrong_password_is_a_401_page_that_keeps_the_email(client: TestClient) -> None:
    await Accounts(client).admin()
    response = await console_sign_in(client, "admin@example.com", "not the password")
    assert response.status == 401
    text = await response.text()
    assert "Incorrect email or password" in text
    assert 'value="admin@example.com"' in text
    assert "grimoire_console" not in response.cookies


async def test_the_login_form_needs_its_own_token(client: TestClient) -> None:
    """Another site cannot post the login form: its token is a cookie it cannot read."""
    await Accounts(client).admin()
    response = await client.post(
        "/console/login",
        data={"email": "admin@example.com", "password": "correct horse battery", "csrf_token": "x"},
        allow_redirects=False,
    )
    assert response.status == 403
    assert "grimoire_console" not in response.cookies


async def test_forms_without_the_csrf_token_change_nothing(client: TestClient) -> None:
    _, headers = await signed_in(client, "curator")
    created = await client.post("/api/spells", json={**DRAFT, "status": "draft"}, headers=headers)
    spell_id = (await created.json())["id"]
    response = await client.post(f"/console/review/spells/{spell_id}/approve", data={})
    assert response.status == 403
    assert "security token" in await response.text()
    spell = await (await client.get(f"/api/spells/{spell_id}")).json()
    assert spell["status"] == "draft"


async def test_approving_from_the_queue_approves_the_spell(client: TestClient) -> None:
    accounts = Accounts(client)
    contributor = await accounts.contributor()
    created = await client.post("/api/spells", json=DRAFT, headers=contributor)
    spell_id = (await created.json())["id"]
    await accounts.curator()
    await console_sign_in(client, "curator@example.com")
    queue = await client.get("/console/review")
    text = await queue.text()
    assert DRAFT["title"] in text and "contributor@example.com" in text
    response = await client.post(
        f"/console/review/spells/{spell_id}/approve",
        data={"csrf_token": csrf_of(text)},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    spell = await (await client.get(f"/api/spells/{spell_id}")).json()
    assert spell["status"] == "approved"


async def test_contributors_cannot_approve(client: TestClient) -> None:
    _, headers = await signed_in(client, "contributor")
    created = await client.post("/api/spells", json=DRAFT, headers=headers)
    spell_id = (await created.json())["id"]
    token = await page_csrf(client)
    response = await client.post(
        f"/console/review/spells/{spell_id}/approve", data={"csrf_token": token}
    )
    assert response.status == 403
    spell = await (await client.get(f"/api/spells/{spell_id}")).json()
    assert spell["status"] == "draft"


async def test_rejecting_needs_a_reason(client: TestClient) -> None:
    _, headers = await signed_in(client, "curator")
    created = await client.post("/api/spells", json={**DRAFT, "status": "draft"}, headers=headers)
    spell_id = (await created.json())["id"]
    token = await page_csrf(client)
    empty = await client.post(
        f"/console/review/spells/{spell_id}/reject", data={"csrf_token": token, "reason": ""}
    )
    assert empty.status == 422
    assert "reason" in await empty.text()
    rejected = await client.post(
        f"/console/review/spells/{spell_id}/reject",
        data={"csrf_token": token, "reason": "duplicates spell 3"},
        allow_redirects=False,
    )
    assert rejected.status == 303
    spell = await (await client.get(f"/api/spells/{spell_id}")).json()
    assert spell["status"] == "rejected"


async def test_every_page_renders_for_an_admin(client: TestClient, fresh_database_url) -> None:
    _, headers = await signed_in(client, "admin")
    created = await client.post("/api/spells", json=DRAFT, headers=headers)
    spell_id = (await created.json())["id"]
    await plant_failures(
        fresh_database_url,
        [
            failure("FrobnicatorMissing: no frobnicator in x", matched=True, spell_id=spell_id),
            failure("Gadget exploded", position=1),
        ],
    )
    for path in (
        "/console/review",
        "/console/spells",
        "/console/spells/new",
        f"/console/spells/{spell_id}",
        "/console/unmatched",
        "/console/unmatched?days=30",
        "/console/health",
        "/console/deliveries",
    ):
        response = await client.get(path)
        assert response.status == 200, (path, await response.text())
        assert response.headers["Content-Type"].startswith("text/html")
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_signing_out_ends_the_session_everywhere(client: TestClient) -> None:
    await signed_in(client, "admin")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/console/"))
    token = await page_csrf(client)
    response = await client.post(
        "/console/logout", data={"csrf_token": token}, allow_redirects=False
    )
    assert response.status == 303
    # The old cookie, replayed, no longer opens anything.
    client.session.cookie_jar.update_cookies(cookie)
    again = await client.get("/console/review", allow_redirects=False)
    assert again.status == 303 and again.headers["Location"].startswith("/console/login")


async def test_deactivating_an_account_ends_its_sessions(client: TestClient) -> None:
    accounts, _ = await signed_in(client, "curator")
    admin = await accounts.admin()
    await client.patch(
        f"/api/users/{accounts.ids['curator@example.com']}", json={"active": False}, headers=admin
    )
    response = await client.get("/console/review", allow_redirects=False)
    assert response.status == 303


async def test_a_changed_password_ends_the_sessions(client: TestClient) -> None:
    _, headers = await signed_in(client, "curator")
    assert (await client.get("/console/review", allow_redirects=False)).status == 200
    changed = await client.post(
        "/auth/password",
        json={"current_password": "correct horse battery", "new_password": "a brand new one"},
        headers=headers,
    )
    assert changed.status == 200
    assert (await client.get("/console/review", allow_redirects=False)).status == 303


async def test_github_sign_in_opens_a_session_showing_only_visible_repositories(
    aiohttp_client, fake_github, fresh_database_url
) -> None:
    """Sign in with GitHub ends in a console session, and the unmatched failures of a
    repository the account cannot see on GitHub are neither listed nor counted."""
    client = await login_client(aiohttp_client, fake_github, fresh_database_url)
    fake_github.callback_url = f"{PUBLIC_URL}/console/auth/github/callback"
    ids = await install(fake_github, fresh_database_url)
    fake_github.grant("mona", "octo-org/widgets", "write")
    await plant_failures(
        fresh_database_url,
        [
            failure(
                "VisibleTrouble in widgets",
                repository="octo-org/widgets",
                repository_id=ids["octo-org/widgets"],
            ),
            *[
                failure(
                    "SecretTrouble in sauce",
                    repository="octo-org/secret-sauce",
                    repository_id=ids["octo-org/secret-sauce"],
                    sha=f"{n:040x}",
                )
                for n in range(5)
            ],
        ],
    )
    start = await client.get("/console/auth/github", allow_redirects=False)
    assert start.status == 302
    query = await approve(fake_github, start.headers["Location"], "mona")
    callback = await client.get(
        "/console/auth/github/callback", params=query, allow_redirects=False
    )
    assert callback.status == 303, await callback.text()
    assert callback.headers["Location"] == "/console/review"
    assert callback.cookies["grimoire_console"]["httponly"]

    page = await client.get("/console/unmatched")
    assert page.status == 200
    text = await page.text()
    assert "VisibleTrouble in widgets" in text
    assert "SecretTrouble" not in text and "secret-sauce" not in text


async def test_a_github_callback_from_another_browser_signs_no_one_in(
    aiohttp_client, fake_github, fresh_database_url
) -> None:
    client = await login_client(aiohttp_client, fake_github, fresh_database_url)
    fake_github.callback_url = f"{PUBLIC_URL}/console/auth/github/callback"
    start = await client.get("/console/auth/github", allow_redirects=False)
    query = await approve(fake_github, start.headers["Location"], "mona")
    client.session.cookie_jar.clear()  # the victim's browser never started this flow
    callback = await client.get(
        "/console/auth/github/callback", params=query, allow_redirects=False
    )
    assert callback.status == 400
    assert "another browser" in await callback.text()
    assert "grimoire_console" not in callback.cookies


async def test_the_live_check_needs_a_session_and_the_csrf_header(client: TestClient) -> None:
    await signed_in(client, "contributor")
    body = {"error_pattern": "Boom: (\\d+", "examples": ["Boom: 1"]}
    refused = await client.post("/console/api/check", json=body)
    assert refused.status == 403
    assert "X-CSRF-Token" in (await refused.json())["detail"]
    token = await page_csrf(client)
    answer = await client.post("/console/api/check", json=body, headers={"X-CSRF-Token": token})
    assert answer.status == 200
    result = await answer.json()
    assert result["pattern"]["ok"] is False
    assert "missing )" in result["pattern"]["problem"]
    client.session.cookie_jar.clear()
    anonymous = await client.post("/console/api/check", json=body, headers={"X-CSRF-Token": token})
    assert anonymous.status == 401


async def test_the_live_check_says_what_a_pattern_matches_and_where_it_ranks(
    client: TestClient,
) -> None:
    _, headers = await signed_in(client, "curator")
    await client.post("/api/spells", json=DRAFT, headers=headers)
    token = await page_csrf(client)
    log = "Running\nFrobnicatorMissing: no frobnicator in widgets.core\nError: exit 1\n"
    body = {
        "title": "Widgets, more precisely",
        "error_pattern": r"FrobnicatorMissing: no frobnicator in widgets\.\w+",
        "examples": ["FrobnicatorMissing: no frobnicator in widgets.core", "something else"],
        "log": log,
    }
    answer = await client.post("/console/api/check", json=body, headers={"X-CSRF-Token": token})
    result = await answer.json()
    assert result["pattern"] == {"ok": True, "problem": None}
    assert [e["matched"] for e in result["examples"]] == [True, False]
    assert result["breadth"]["problem"] is None
    [error] = [e for e in result["errors"] if "Frobnicator" in e["message"]]
    assert error["rank"] in (1, 2)
    titles = [spell["title"] for spell in error["best"]]
    assert "Widgets, more precisely" in titles and DRAFT["title"] in titles

    broad = await client.post(
        "/console/api/check",
        json={"error_pattern": "(?i)error"},
        headers={"X-CSRF-Token": token},
    )
    assert "too broad" in (await broad.json())["breadth"]["problem"]


async def test_the_live_check_is_rate_limited_like_match(
    aiohttp_client, fresh_database_url
) -> None:
    app = create_app(make_settings(match_rate_limit=RateLimit(2, 60)), fresh_database_url)
    client = await aiohttp_client(app)
    await signed_in(client, "contributor")
    token = await page_csrf(client)
    statuses = []
    for _ in range(3):
        response = await client.post(
            "/console/api/check", json={"error_pattern": "x+y"}, headers={"X-CSRF-Token": token}
        )
        statuses.append(response.status)
    assert statuses == [200, 200, 429]
    assert "Retry-After" in response.headers


async def test_contributors_propose_changes_from_the_editor(client: TestClient) -> None:
    accounts = Accounts(client)
    curator = await accounts.curator()
    created = await client.post("/api/spells", json=DRAFT, headers=curator)
    spell = await created.json()
    await accounts.contributor()
    await console_sign_in(client, "contributor@example.com")
    token = await page_csrf(client, f"/console/spells/{spell['id']}")
    form = {
        "csrf_token": token,
        "title": spell["title"],
        "error_pattern": spell["error_pattern"],
        "examples": "\n".join(spell["examples"]),
        "solution_code": "pip install 'frobnicator>=2'",
        "scope": "log",
        "reason": "version 1 is gone",
    }
    response = await client.post(f"/console/spells/{spell['id']}", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()
    [proposal] = await (await client.get("/api/proposals", headers=curator)).json()
    assert proposal["changes"] == {"solution_code": "pip install 'frobnicator>=2'"}
    assert proposal["reason"] == "version 1 is gone"
    unchanged = await (await client.get(f"/api/spells/{spell['id']}")).json()
    assert unchanged["solution_code"] == DRAFT["solution_code"]


async def test_an_invalid_spell_is_shown_again_with_what_is_wrong(client: TestClient) -> None:
    await signed_in(client, "curator")
    token = await page_csrf(client, "/console/spells/new")
    form = {
        "csrf_token": token,
        "title": "Half written",
        "error_pattern": "Boom: (unclosed",
        "examples": "Boom: x",
        "solution_code": "fix it",
        "scope": "log",
    }
    response = await client.post("/console/spells/new", data=form)
    assert response.status == 422
    text = await response.text()
    assert "error_pattern" in text and "missing )" in text
    assert "Boom: (unclosed" in text  # what was typed is kept
    assert (await (await client.get("/api/spells")).json()) == []


# Who may use each console route: the least role, or "public". Paths are filled with ids of
# things that exist (see test_console_access_matrix).
CONSOLE_ACCESS = {
    ("GET", "/console"): "public",
    ("GET", "/console/"): "public",
    ("GET", "/console/login"): "public",
    ("POST", "/console/login"): "public",
    ("POST", "/console/logout"): "public",
    ("GET", "/console/auth/github"): "public",
    ("GET", "/console/auth/github/callback"): "public",
    ("GET", "/console/static"): "public",
    ("GET", "/console/review"): "contributor",
    ("POST", "/console/review/spells/{spell_id}/approve"): "curator",
    ("POST", "/console/review/spells/{spell_id}/reject"): "curator",
    ("POST", "/console/review/proposals/{proposal_id}/approve"): "curator",
    ("POST", "/console/review/proposals/{proposal_id}/reject"): "curator",
    ("GET", "/console/review/proposals/{proposal_id}/edit"): "curator",
    ("POST", "/console/review/proposals/{proposal_id}/approve-edited"): "curator",
    ("GET", "/console/spells"): "contributor",
    ("GET", "/console/spells/new"): "contributor",
    ("POST", "/console/spells/new"): "contributor",
    ("GET", "/console/spells/{spell_id}"): "contributor",
    ("POST", "/console/spells/{spell_id}"): "contributor",
    ("POST", "/console/spells/{spell_id}/revisions/{revision}/restore"): "curator",
    ("POST", "/console/api/check"): "contributor",
    ("GET", "/console/unmatched"): "contributor",
    ("POST", "/console/unmatched/draft"): "curator",
    ("GET", "/console/health"): "contributor",
    ("GET", "/console/deliveries"): "admin",
    ("GET", "/console/deliveries/{delivery_id}"): "admin",
    ("POST", "/console/deliveries/{delivery_id}/redeliver"): "admin",
    ("GET", "/console/advice/{owner}/{repo}/{sha}"): "contributor",
}
ROLES = ("contributor", "curator", "admin")


def console_routes() -> set[tuple[str, str]]:
    app = create_app(make_settings(), "postgresql://unused")
    return {
        (route.method, route.resource.canonical.split("/{filename")[0])
        for route in app.router.routes()
        if route.method not in ("HEAD", "OPTIONS")
        and route.resource.canonical.startswith("/console")
    }


def test_every_console_route_says_who_may_use_it() -> None:
    """A console page added without saying who may use it fails here."""
    routes = console_routes()
    assert routes - CONSOLE_ACCESS.keys() == set(), "console routes without an access rule"
    assert CONSOLE_ACCESS.keys() - routes == set(), "rules for routes that no longer exist"


async def test_console_access_matrix(client: TestClient) -> None:
    """Below the route's role: 403 (a page saying why); not signed in: the login form for a
    page, 401 for a form target; at or above it: anything but those."""
    accounts = Accounts(client)
    admin = await accounts.admin()
    spell = await (await client.post("/api/spells", json=DRAFT, headers=admin)).json()
    checked = [
        (method, path, least)
        for (method, path), least in CONSOLE_ACCESS.items()
        if least != "public"
    ]
    filled = {
        "{spell_id}": str(spell["id"]),
        "{proposal_id}": "999",
        "{revision}": "1",
        "{delivery_id}": "no-such-delivery",
        "{owner}/{repo}/{sha}": "octo-org/widgets/" + "a" * 40,
    }
    for role in (None, *ROLES):
        client.session.cookie_jar.clear()
        if role is not None:
            if role != "admin":
                await getattr(accounts, role)(f"{role}-matrix@example.com")
            await console_sign_in(
                client, "admin@example.com" if role == "admin" else f"{role}-matrix@example.com"
            )
        token = await page_csrf(client) if role else "none"
        for method, path, least in checked:
            url = path
            for name, value in filled.items():
                url = url.replace(name, value)
            if method == "GET":
                response = await client.get(url, allow_redirects=False)
            elif path == "/console/api/check":
                response = await client.post(
                    url, json={"error_pattern": "x"}, headers={"X-CSRF-Token": token}
                )
            else:
                response = await client.post(
                    url,
                    data={"csrf_token": token, "reason": "r", "fingerprint": "f"},
                    allow_redirects=False,
                )
            allowed = role is not None and ROLES.index(role) >= ROLES.index(least)
            where = (role, method, path, response.status)
            if role is None:
                expected = 303 if method == "GET" else 401
                assert response.status == expected, where
            elif allowed:
                assert response.status not in (401, 403), where
            else:
                assert response.status == 403, where


async def test_draft_with_llm_asks_once_and_opens_the_draft(
    aiohttp_client, fresh_database_url
) -> None:
    """The button drafts the way a failure on a pull request would: the provider is asked
    once per error; a second press reuses the draft."""
    async with FakeOpenAI() as fake:
        client = await aiohttp_client(create_app(llm_settings(fake), fresh_database_url))
        await signed_in(client, "admin")
        message = "QuuxError: the quux daemon refused the socket"
        planted = failure(message)
        await plant_failures(fresh_database_url, [planted])
        token = await page_csrf(client, "/console/unmatched")
        form = {"csrf_token": token, "fingerprint": planted.fingerprint}
        first = await client.post("/console/unmatched/draft", data=form, allow_redirects=False)
        assert first.status == 303, await first.text()
        assert first.headers["Location"].endswith("?notice=drafted")
        spell_path = first.headers["Location"].split("?")[0]
        again = await client.post("/console/unmatched/draft", data=form, allow_redirects=False)
        assert again.headers["Location"].split("?")[0] == spell_path
        assert len(fake.requests) == 1
    spell_id = spell_path.rsplit("/", 1)[1]
    conn = await asyncpg.connect(fresh_database_url)
    try:
        spell = await conn.fetchrow(
            "SELECT status::text AS status, auto_generated FROM spells WHERE id = $1",
            int(spell_id),
        )
    finally:
        await conn.close()
    assert spell["status"] == "draft" and spell["auto_generated"] is True
    queue = await (await client.get("/console/review")).text()
    assert "AI draft" in queue and "openai" in queue and message in queue
    unmatched = await (await client.get("/console/unmatched")).text()
    assert f'A draft waits for review: <a href="/console/spells/{spell_id}">' in unmatched


async def test_bad_input_is_a_4xx_page_saying_what_is_wrong(client: TestClient) -> None:
    await signed_in(client, "admin")
    for path, status, words in (
        ("/console/unmatched?days=5", 422, "days must be 7 or 30"),
        ("/console/spells/not-a-number", 422, "spell_id"),
        ("/console/spells/99999999", 404, "Spell with id 99999999 not found"),
        ("/console/deliveries?status=exploded", 422, "status"),
        ("/console/deliveries/no-such-delivery", 404, "not found"),
    ):
        response = await client.get(path)
        assert response.status == status, path
        assert response.headers["Content-Type"].startswith("text/html")
        assert words in await response.text(), path


async def test_the_session_cookie_is_secure_behind_https(
    aiohttp_client, fresh_database_url
) -> None:
    settings = make_settings(public_url="https://grimoire.example.com")
    client = await aiohttp_client(create_app(settings, fresh_database_url))
    await Accounts(client).admin()
    page = await client.get("/console/login")
    assert page.cookies["grimoire_console_login"]["secure"]
    token = csrf_of(await page.text())
    # A browser sends a Secure cookie back over https only; this test speaks http.
    response = await client.post(
        "/console/login",
        data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": f"grimoire_console_login={token}"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    assert response.cookies["grimoire_console"]["secure"]


async def test_a_failure_a_new_spell_matches_is_marked_resolved_and_listed_last(
    client: TestClient, fresh_database_url
) -> None:
    """Rows keep `matched = false` for the days they were seen; once a spell is approved
    for the error, the list says so instead of asking for another spell."""
    _, headers = await signed_in(client, "admin")
    await plant_failures(
        fresh_database_url,
        [
            *[failure(DRAFT["examples"][0], sha=f"{n:040x}") for n in range(3)],
            failure("Gadget exploded", position=1),
        ],
    )
    before = await (await client.get("/console/unmatched")).text()
    assert before.index("FrobnicatorMissing") < before.index("Gadget exploded")
    assert "Resolved" not in before
    spell = await (await client.post("/api/spells", json=DRAFT, headers=headers)).json()
    after = await (await client.get("/console/unmatched")).text()
    assert after.index("Gadget exploded") < after.index("FrobnicatorMissing")
    assert f"spell #{spell['id']}</a> matches it now" in after
