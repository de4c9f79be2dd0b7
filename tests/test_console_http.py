"""The curator console over plain HTTP: sessions, CSRF, roles and what each page shows.
(The browser tests in test_console_browser.py drive the same pages in Chromium.)"""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.accounts import Accounts
from tests.console_helpers import (
    console_sign_in,
    csrf_of,
    failure,
    page_csrf,
    plant_failures,
)

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
