"""Repository settings: listed, changed by admins, kept across reinstalls."""

from __future__ import annotations

import pytest

from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import open_pool
from tests.support import token_for


@pytest.fixture
async def installed(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=3) as pool, pool.acquire() as conn:
        await db_installations.upsert_installation(
            conn, {"id": 5, "account": {"login": "octo-org", "id": 1, "type": "Organization"}}
        )
        await db_installations.add_repositories(
            conn,
            5,
            [
                {"id": 11, "full_name": "octo-org/widgets", "private": False},
                {"id": 12, "full_name": "octo-org/Secret-Sauce", "private": True},
            ],
        )


async def test_listing_repositories_needs_an_account(client, installed):
    assert (await client.get("/api/repos")).status == 401
    headers = await token_for(client)
    response = await client.get("/api/repos", headers=headers)
    assert response.status == 200
    repos = await response.json()
    assert [r["full_name"] for r in repos] == ["octo-org/Secret-Sauce", "octo-org/widgets"]
    assert response.headers["X-Total-Count"] == "2"
    assert repos[1]["settings"] == {
        "enabled": True,
        "auto_generate": False,
        "min_score": None,
        "max_annotations": 50,
        "annotation_level": "warning",
        "ignore_paths": [],
        "post_when_no_match": False,
        "ignore_spells": [],
    }
    assert set(repos[1]["sources"].values()) == {"default"}


async def test_put_changes_only_what_is_sent_and_is_read_back(client, installed):
    headers = await token_for(client)
    response = await client.put(
        "/api/repos/octo-org/widgets",
        json={
            "annotation_level": "notice",
            "ignore_paths": ["vendor/**", "*.min.js"],
            "min_score": 0.5,
        },
        headers=headers,
    )
    assert response.status == 200, await response.text()
    settings = (await response.json())["settings"]
    assert settings["annotation_level"] == "notice"
    assert settings["ignore_paths"] == ["vendor/**", "*.min.js"]
    assert settings["enabled"] is True

    again = await client.put(
        "/api/repos/octo-org/widgets", json={"enabled": False}, headers=headers
    )
    settings = (await again.json())["settings"]
    assert (settings["enabled"], settings["annotation_level"], settings["min_score"]) == (
        False,
        "notice",
        0.5,
    )
    read = await (await client.get("/api/repos/OCTO-ORG/WIDGETS", headers=headers)).json()
    assert read["settings"] == settings


async def test_put_needs_an_account_and_a_known_repository(client, installed):
    assert (await client.put("/api/repos/octo-org/widgets", json={"enabled": False})).status == 401
    headers = await token_for(client)
    missing = await client.put("/api/repos/octo-org/nope", json={"enabled": False}, headers=headers)
    assert missing.status == 404
    assert "octo-org/nope" in (await missing.json())["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"annotation_level": "error"}, "annotation_level"),
        ({"min_score": 2}, "min_score"),
        ({"max_annotations": -1}, "max_annotations"),
        ({"ignore_paths": "vendor/**"}, "ignore_paths"),
        ({"enabled": "sometimes"}, "enabled"),
    ],
)
async def test_invalid_settings_get_422_naming_the_field(client, installed, body, field):
    headers = await token_for(client)
    response = await client.put("/api/repos/octo-org/widgets", json=body, headers=headers)
    assert response.status == 422
    assert any(field in e["loc"] for e in (await response.json())["detail"])


async def test_settings_survive_an_uninstall_and_reinstall(client, installed, fresh_database_url):
    headers = await token_for(client)
    await client.put("/api/repos/octo-org/widgets", json={"enabled": False}, headers=headers)
    async with open_pool(fresh_database_url, max_size=3) as pool, pool.acquire() as conn:
        await db_installations.delete_installation(conn, 5)
        assert (await client.get("/api/repos/octo-org/widgets", headers=headers)).status == 404
        await db_installations.upsert_installation(
            conn, {"id": 6, "account": {"login": "octo-org"}}
        )
        await db_installations.add_repositories(
            conn, 6, [{"id": 11, "full_name": "octo-org/widgets", "private": False}]
        )
    read = await (await client.get("/api/repos/octo-org/widgets", headers=headers)).json()
    assert read["settings"]["enabled"] is False


async def test_a_new_repository_may_take_the_name_of_a_renamed_one(
    client, installed, fresh_database_url
):
    """We hear nothing of renames: a new repository reusing an old name failed to be added
    (unique name) and the API kept pointing at the old one."""
    async with open_pool(fresh_database_url, max_size=3) as pool, pool.acquire() as conn:
        await db_installations.add_repositories(
            conn, 5, [{"id": 99, "full_name": "octo-org/widgets", "private": False}]
        )
    headers = await token_for(client)
    read = await (await client.get("/api/repos/octo-org/widgets", headers=headers)).json()
    assert read["id"] == 99
