"""Account administration: roles, deactivation, unlocking, the last admin, and the
`users` command that bootstraps the first admin."""

from __future__ import annotations

import asyncio

import pytest

from grimoire_bot.app import create_app
from tests.accounts import PASSWORD, Accounts, bearer
from tests.conftest import make_settings
from tests.processes import environment, run

SPELL = {
    "title": "A very particular failure",
    "error_pattern": "GRIMOIRE-TEST-0042: the flux capacitor overheated",
    "solution_code": "let it cool down",
}


async def test_admins_list_accounts_with_filters_and_a_total(client):
    accounts = Accounts(client)
    admin = await accounts.admin()
    await accounts.contributor("c1@example.com")
    await accounts.contributor("c2@example.com")
    await accounts.curator("cu@example.com")

    response = await client.get("/api/users", headers=admin)
    assert response.status == 200
    assert response.headers["X-Total-Count"] == "4"
    listed = {user["email"]: user for user in await response.json()}
    assert listed["cu@example.com"]["role"] == "curator"
    assert listed["c1@example.com"] == {
        "id": accounts.ids["c1@example.com"],
        "email": "c1@example.com",
        "role": "contributor",
        "is_active": True,
        "created_at": listed["c1@example.com"]["created_at"],
        "locked_until": None,
    }
    contributors = await client.get("/api/users", params={"role": "contributor"}, headers=admin)
    assert [u["email"] for u in await contributors.json()] == ["c1@example.com", "c2@example.com"]
    page = await client.get("/api/users", params={"skip": 1, "limit": 1}, headers=admin)
    assert len(await page.json()) == 1 and page.headers["X-Total-Count"] == "4"


@pytest.mark.parametrize("role", ["contributor", "curator"])
async def test_only_admins_administer_accounts(client, role):
    accounts = Accounts(client)
    await accounts.admin()
    headers = await getattr(accounts, role)()
    for method, path, body in (
        ("GET", "/api/users", None),
        ("GET", "/api/users/1", None),
        ("PATCH", "/api/users/1", {"role": "contributor"}),
        ("POST", "/api/users/1/unlock", None),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status == 403, (method, path)
        assert (await response.json())["detail"] == "This action needs an admin account"


async def test_a_promoted_contributor_can_edit_spells_at_once(client):
    accounts = Accounts(client)
    person = await accounts.contributor()
    spell = await client.post("/api/spells", json=SPELL, headers=await accounts.admin())
    spell_id = (await spell.json())["id"]
    edit = {"title": "Clearer"}
    refused = await client.patch(f"/api/spells/{spell_id}", json=edit, headers=person)
    assert refused.status == 403
    await accounts.set_role("contributor@example.com", "curator")
    allowed = await client.patch(f"/api/spells/{spell_id}", json=edit, headers=person)
    assert allowed.status == 200


async def test_deactivating_revokes_the_accounts_tokens_in_every_process(
    aiohttp_client, client, fresh_database_url
):
    accounts = Accounts(client)
    admin = await accounts.admin()
    person = await accounts.curator()
    person_id = accounts.ids["curator@example.com"]
    other_process = await aiohttp_client(create_app(make_settings(), fresh_database_url))
    assert (await other_process.get("/auth/me", headers=person)).status == 200

    response = await client.patch(f"/api/users/{person_id}", json={"active": False}, headers=admin)
    assert response.status == 200
    assert (await response.json())["is_active"] is False
    assert (await other_process.get("/auth/me", headers=person)).status == 401
    assert (await other_process.post("/api/spells", json=SPELL, headers=person)).status == 401
    assert (await accounts.login("curator@example.com")).status == 401

    # Reactivated, the account signs in again, but its old tokens stay dead.
    await client.patch(f"/api/users/{person_id}", json={"active": True}, headers=admin)
    assert (await other_process.get("/auth/me", headers=person)).status == 401
    login = await accounts.login("curator@example.com")
    assert login.status == 200
    fresh = bearer((await login.json())["access_token"])
    assert (await other_process.get("/auth/me", headers=fresh)).status == 200


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client):
    accounts = Accounts(client)
    admin = await accounts.admin()
    admin_id = accounts.ids["admin@example.com"]
    for change in ({"role": "curator"}, {"active": False}, {"role": "contributor"}):
        response = await client.patch(f"/api/users/{admin_id}", json=change, headers=admin)
        assert response.status == 409, change
        assert "no active admin" in (await response.json())["detail"]
    # With a second admin, the first may step down.
    await accounts.second_admin()
    stepped_down = await client.patch(
        f"/api/users/{admin_id}", json={"role": "curator"}, headers=admin
    )
    assert stepped_down.status == 200
    assert (await client.get("/api/users", headers=admin)).status == 403


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(client):
    accounts = Accounts(client)
    first = await accounts.admin()
    second = await accounts.second_admin()
    first_id, second_id = accounts.ids["admin@example.com"], accounts.ids["admin2@example.com"]
    responses = await asyncio.gather(
        client.patch(f"/api/users/{second_id}", json={"active": False}, headers=first),
        client.patch(f"/api/users/{first_id}", json={"role": "curator"}, headers=second),
    )
    # Whichever ran second was deactivated (401), demoted (403), or would have left no
    # admin (409): the service keeps exactly one active admin.
    statuses = sorted(r.status for r in responses)
    assert statuses[0] == 200 and statuses[1] in (401, 403, 409), statuses
    listing = await client.get(
        "/api/users", params={"role": "admin", "active": "true"}, headers=first
    )
    if listing.status != 200:
        listing = await client.get(
            "/api/users", params={"role": "admin", "active": "true"}, headers=second
        )
    assert listing.headers["X-Total-Count"] == "1"


async def test_an_admin_unlocks_an_account_locked_by_failed_logins(client):
    """Five wrong guesses every quarter hour kept the admin locked out, short of SQL."""
    accounts = Accounts(client)
    admin = await accounts.admin()
    await accounts.curator()
    victim_id = accounts.ids["curator@example.com"]
    for _ in range(5):
        await accounts.login("curator@example.com", "a wrong password")
    assert (await accounts.login("curator@example.com")).status == 429
    shown = await (await client.get(f"/api/users/{victim_id}", headers=admin)).json()
    assert shown["locked_until"] is not None

    response = await client.post(f"/api/users/{victim_id}/unlock", headers=admin)
    assert response.status == 200
    assert (await response.json())["locked_until"] is None
    assert (await accounts.login("curator@example.com")).status == 200


async def test_unknown_accounts_are_404_and_bad_changes_422(client):
    admin = await Accounts(client).admin()
    for method, path, body in (
        ("GET", "/api/users/999", None),
        ("PATCH", "/api/users/999", {"role": "curator"}),
        ("POST", "/api/users/999/unlock", None),
    ):
        response = await client.request(method, path, json=body, headers=admin)
        assert response.status == 404, path
        assert await response.json() == {"detail": "User with id 999 not found"}
    for body, field in (({"role": "owner"}, "role"), ({"active": "no"}, "active")):
        response = await client.patch("/api/users/1", json=body, headers=admin)
        assert response.status == 422
        assert ["body", field] in [e["loc"] for e in (await response.json())["detail"]]


@pytest.fixture
def env(fresh_database_url):
    return environment(DATABASE_URL=fresh_database_url, SEED_SPELLBOOK="false")


async def test_users_create_bootstraps_an_admin_from_standard_input(
    env, aiohttp_client, fresh_database_url
):
    code, output = await run(
        "users",
        "create",
        "--role",
        "admin",
        "root@example.com",
        env=env,
        stdin=b"s3cret passphrase\n",
    )
    assert code == 0, output
    assert "created admin" in output
    assert "s3cret" not in output
    client = await aiohttp_client(create_app(make_settings(), fresh_database_url))
    login = await client.post(
        "/auth/login", json={"email": "root@example.com", "password": "s3cret passphrase"}
    )
    assert login.status == 200
    assert (await login.json())["user"]["role"] == "admin"

    again = await run("users", "create", "root@example.com", env=env, stdin=b"another one!\n")
    assert again[0] == 1 and "already registered" in again[1]
    short = await run("users", "create", "x@example.com", env=env, stdin=b"short\n")
    assert short[0] == 1 and "password" in short[1]


async def test_users_commands_administer_accounts(env, aiohttp_client, fresh_database_url):
    client = await aiohttp_client(create_app(make_settings(), fresh_database_url))
    accounts = Accounts(client)
    await accounts.admin()
    person = await accounts.contributor()

    code, output = await run("users", "set-role", "contributor@example.com", "curator", env=env)
    assert code == 0, output
    code, output = await run("users", "list", env=env)
    assert "curator" in output and "contributor@example.com" in output
    assert "2 account(s)" in output

    code, output = await run("users", "deactivate", "contributor@example.com", env=env)
    assert code == 0 and "inactive" in output
    assert (await client.get("/auth/me", headers=person)).status == 401

    code, output = await run("users", "deactivate", "admin@example.com", env=env)
    assert code == 1 and "no active admin" in output
    code, output = await run("users", "set-role", "nobody@example.com", "admin", env=env)
    assert code == 1 and "no account" in output

    code, output = await run("users", "activate", "contributor@example.com", env=env)
    assert code == 0
    code, output = await run(
        "users",
        "set-password",
        "contributor@example.com",
        env=env,
        stdin=b"reset by the operator\n",
    )
    assert code == 0, output
    assert (await accounts.login("contributor@example.com", PASSWORD)).status == 401
    assert (await accounts.login("contributor@example.com", "reset by the operator")).status == 200
