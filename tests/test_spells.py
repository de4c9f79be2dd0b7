"""The spellbook API: the seed's contract, validation, roles, breadth and search."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.accounts import Accounts
from tests.conftest import make_settings
from tests.support import app_in_own_loop, token_for

SPELL = {
    "title": "Python: a module is missing",
    "description": "The package is not installed in the job's environment.",
    "error_type": "ModuleNotFoundError",
    "error_pattern": r"ModuleNotFoundError: No module named '([\w.]+)'",
    "solution_code": "python -m pip install -r requirements.txt",
    "tags": "python,pip",
}


async def create(client, headers, **overrides):
    response = await client.post("/api/spells", json={**SPELL, **overrides}, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_create_returns_the_spell_with_the_seed_fields_and_ours(client):
    headers = await token_for(client)
    spell = await create(client, headers)
    for field, value in SPELL.items():
        assert spell[field] == value
    assert {"id", "created_at", "updated_at"} <= set(spell)
    assert spell["auto_generated"] is False
    assert spell["confidence"] is None
    assert spell["status"] == "approved"
    assert spell["scope"] == "log"
    assert spell["key"] == f"spell.{spell['id']}"
    me = await (await client.get("/auth/me", headers=headers)).json()
    assert spell["created_by"] == me["id"]


async def test_reads_are_public_and_writes_need_a_token(client):
    headers = await token_for(client)
    spell = await create(client, headers)
    assert (await client.get("/api/spells")).status == 200
    assert (await client.get(f"/api/spells/{spell['id']}")).status == 200
    for method in ("PUT", "PATCH", "DELETE"):
        response = await client.request(method, f"/api/spells/{spell['id']}", json=SPELL)
        assert response.status == 401, method
    assert (await client.post("/api/spells", json=SPELL)).status == 401


async def test_missing_spell_is_404_with_the_seed_message(client):
    headers = await token_for(client)
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = await client.request(method, "/api/spells/999", json=SPELL, headers=headers)
        assert response.status == 404, method
        assert await response.json() == {"detail": "Spell with id 999 not found"}


async def test_put_replaces_and_patch_changes_only_what_is_sent(client):
    headers = await token_for(client)
    spell = await create(client, headers)
    replaced = await client.put(
        f"/api/spells/{spell['id']}",
        json={**SPELL, "title": "Replaced", "tags": ""},
        headers=headers,
    )
    assert replaced.status == 200
    body = await replaced.json()
    assert (body["title"], body["tags"], body["key"]) == ("Replaced", "", spell["key"])

    patched = await client.patch(
        f"/api/spells/{spell['id']}", json={"status": "draft"}, headers=headers
    )
    body = await patched.json()
    assert (body["title"], body["status"]) == ("Replaced", "draft")
    assert body["updated_at"] >= spell["updated_at"]


async def test_a_contributors_spell_is_a_draft_and_a_curators_is_approved(client):
    accounts = Accounts(client)
    contributor = await accounts.contributor()
    curator = await accounts.curator()
    drafted = await create(client, contributor)
    assert drafted["status"] == "draft"
    assert drafted["created_by"] == accounts.ids["contributor@example.com"]
    also_draft = await create(client, contributor, title="Explicit", status="draft")
    assert also_draft["status"] == "draft"
    assert (await create(client, curator, title="Curated"))["status"] == "approved"
    # A curator may park work in progress as a draft.
    assert (await create(client, curator, title="WIP", status="draft"))["status"] == "draft"


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [("status", "approved", "draft"), ("auto_generated", True, "auto_generated")],
)
async def test_a_contributor_cannot_publish_or_pass_off_a_spell_as_an_llm_draft(
    client, field, value, needle
):
    """An LLM draft is shown in its own section: a person must not be able to pose as one."""
    contributor = await Accounts(client).contributor()
    response = await client.post("/api/spells", json={**SPELL, field: value}, headers=contributor)
    assert response.status == 403
    assert needle in (await response.json())["detail"]
    assert (await client.get("/api/spells")).headers["X-Total-Count"] == "0"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_a_contributors_direct_change_is_403_naming_the_proposals_endpoint(client, method):
    accounts = Accounts(client)
    contributor = await accounts.contributor()
    # Even their own draft: changes to a spell go through review.
    spell = await create(client, contributor)
    response = await client.request(
        method, f"/api/spells/{spell['id']}", json=SPELL, headers=contributor
    )
    assert response.status == 403
    detail = (await response.json())["detail"]
    assert f"POST /api/spells/{spell['id']}/proposals" in detail
    unchanged = await (await client.get(f"/api/spells/{spell['id']}")).json()
    unchanged.pop("stats")
    assert unchanged == spell


async def test_a_curator_deletes_and_the_history_stays(client):
    accounts = Accounts(client)
    curator = await accounts.curator()
    spell = await create(client, await accounts.contributor())
    assert (await client.delete(f"/api/spells/{spell['id']}", headers=curator)).status == 204
    assert (await client.get(f"/api/spells/{spell['id']}")).status == 404
    history = await client.get(f"/api/spells/{spell['id']}/revisions", headers=curator)
    assert [r["change"] for r in await history.json()] == ["delete", "create"]


async def test_put_keeps_the_review_status_unless_it_names_it(client):
    """PUT defaulted `status` to approved, so replacing a draft's text approved it."""
    accounts = Accounts(client)
    draft = await create(client, await accounts.contributor())
    curator = await accounts.curator()
    replaced = await client.put(
        f"/api/spells/{draft['id']}", json={**SPELL, "title": "Better"}, headers=curator
    )
    assert (await replaced.json())["status"] == "draft"
    approved = await client.put(
        f"/api/spells/{draft['id']}", json={**SPELL, "status": "approved"}, headers=curator
    )
    assert (await approved.json())["status"] == "approved"


async def test_rejecting_needs_the_reject_endpoint_and_its_reason(client):
    headers = await token_for(client)
    spell = await create(client, headers)
    for method in ("PUT", "PATCH"):
        response = await client.request(
            method,
            f"/api/spells/{spell['id']}",
            json={**SPELL, "status": "rejected"},
            headers=headers,
        )
        assert response.status == 422, method
        assert ["body", "status"] in [e["loc"] for e in (await response.json())["detail"]]


@pytest.mark.parametrize("pattern", [r"(?i)error", r"failed", r"\d+"])
async def test_a_catch_all_pattern_is_refused_saying_what_it_matched(client, pattern):
    headers = await token_for(client)
    response = await client.post(
        "/api/spells", json={**SPELL, "error_pattern": pattern, "examples": []}, headers=headers
    )
    assert response.status == 422
    [error] = (await response.json())["detail"]
    assert error["loc"] == ["body", "error_pattern"]
    assert error["type"] == "too_broad"
    assert error["msg"].startswith("pattern is too broad: it matches")


async def test_editing_a_pattern_into_a_catch_all_is_refused_too(client):
    headers = await token_for(client)
    spell = await create(client, headers)
    patched = await client.patch(
        f"/api/spells/{spell['id']}", json={"error_pattern": "(?i)error"}, headers=headers
    )
    assert patched.status == 422
    assert "too broad" in str(await patched.json())
    replaced = await client.put(
        f"/api/spells/{spell['id']}", json={**SPELL, "error_pattern": "Error"}, headers=headers
    )
    assert replaced.status == 422
    unchanged = await client.get(f"/api/spells/{spell['id']}")
    assert (await unchanged.json())["error_pattern"] == SPELL["error_pattern"]


async def test_a_generic_starter_pattern_may_be_kept_when_its_spell_is_edited(client):
    """Breadth is judged on a pattern that changes, and without the spell's own examples."""
    headers = await token_for(client)
    from grimoire_bot.spellbook.io import starter_spellbook

    starter = next(s for s in starter_spellbook() if s.get("examples"))
    spell = await create(
        client,
        headers,
        **{k: starter[k] for k in ("key", "error_pattern", "examples")},
    )
    response = await client.patch(
        f"/api/spells/{spell['id']}",
        json={"error_pattern": starter["error_pattern"], "title": "Renamed"},
        headers=headers,
    )
    assert response.status == 200, await response.text()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "   "),
        ("title", None),
        ("title", "x" * 301),
        ("error_pattern", "(unclosed"),
        ("error_pattern", r"(a)\1"),
        ("error_pattern", r"foo(?=bar)"),
        ("error_pattern", ""),
        ("solution_code", ""),
        ("status", "published"),
        ("scope", "everything"),
        ("confidence", 1.5),
        ("ecosystem", "cobol"),
        ("key", "Has Spaces"),
        ("examples", ["this text is not matched"]),
        ("tags", ["python"]),
        ("description", "nul \x00 byte"),
    ],
)
async def test_each_invalid_field_gets_422_naming_it(client, field, value):
    headers = await token_for(client)
    response = await client.post("/api/spells", json={**SPELL, field: value}, headers=headers)
    assert response.status == 422, await response.text()
    detail = (await response.json())["detail"]
    assert any(field in error["loc"] for error in detail), detail


async def test_a_pattern_error_says_what_is_wrong(client):
    headers = await token_for(client)
    response = await client.post(
        "/api/spells", json={**SPELL, "error_pattern": r"(a)\1"}, headers=headers
    )
    detail = (await response.json())["detail"]
    message = next(e["msg"] for e in detail if "error_pattern" in e["loc"])
    assert "backreference" in message.lower() or "escape" in message.lower(), message


async def test_patch_cannot_leave_examples_unmatched_by_a_new_pattern(client):
    headers = await token_for(client)
    spell = await create(client, headers, examples=["ModuleNotFoundError: No module named 'yaml'"])
    response = await client.patch(
        f"/api/spells/{spell['id']}", json={"error_pattern": "something else"}, headers=headers
    )
    assert response.status == 422
    assert "examples[0]" in str(await response.json())


async def test_list_paginates_with_skip_and_limit(client):
    headers = await token_for(client)
    ids = [(await create(client, headers, title=f"Spell {i}"))["id"] for i in range(5)]
    page = await client.get("/api/spells", params={"skip": 1, "limit": 2})
    assert [s["id"] for s in await page.json()] == ids[1:3]
    assert page.headers["X-Total-Count"] == "5"
    for bad in ({"limit": 0}, {"limit": 501}, {"skip": -1}, {"limit": "many"}):
        response = await client.get("/api/spells", params=bad)
        assert response.status == 422, bad
        assert next(iter(bad)) in str((await response.json())["detail"])


async def test_list_filters_by_search_tags_error_type_status_and_origin(client):
    headers = await token_for(client)
    missing = await create(client, headers)
    lockfile = await create(
        client,
        headers,
        title="npm ci refuses an out-of-date lockfile",
        description="package.json and package-lock.json disagree",
        error_type="EUSAGE",
        error_pattern="npm ci can only install packages when",
        tags="npm,node,lockfile",
        status="draft",
        auto_generated=True,
    )

    async def ids(**params):
        # A curator's view: an AI draft is listed to no one else until it is approved.
        response = await client.get("/api/spells", params=params, headers=headers)
        assert response.status == 200
        return [s["id"] for s in await response.json()]

    assert await ids(q="lockfile") == [lockfile["id"]]
    assert await ids(q="modules missing") == [missing["id"]]
    assert await ids(tags="node,npm") == [lockfile["id"]]
    assert await ids(tags="NPM, python") == []
    assert await ids(error_type="modulenotfounderror") == [missing["id"]]
    assert await ids(status="draft") == [lockfile["id"]]
    assert await ids(status="approved", tags="pip") == [missing["id"]]
    assert await ids(auto_generated="true") == [lockfile["id"]]
    assert await ids(auto_generated="false") == [missing["id"]]


# Text Postgres can store (no NUL) and JSON can carry (no lone surrogates).
storable = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=200
)
non_blank = storable.filter(lambda s: s.strip() != "")


@st.composite
def spells(draw):
    # A marker keeps an arbitrary literal specific: a bare "0" would be refused as too broad.
    literal = "GRIMOIRE-PROPERTY " + draw(non_blank)
    return {
        "title": draw(non_blank.map(lambda s: s[:300])),
        "description": draw(storable),
        "error_type": draw(st.none() | storable),
        "error_pattern": __import__("re2").escape(literal),
        "solution_code": draw(non_blank),
        "tags": draw(storable),
        "status": draw(st.sampled_from(["approved", "draft"])),
        "examples": [literal],
        "confidence": draw(st.none() | st.floats(0, 1)),
        "auto_generated": draw(st.booleans()),
    }


def test_property_create_get_update_get_returns_exactly_what_was_sent(fresh_database_url):
    """The seed's Property 5, for arbitrary Unicode text."""
    with app_in_own_loop(make_settings(), fresh_database_url) as (runner, client):
        headers = runner.run(token_for(client))

        async def round_trip(created_spell: dict, updated_spell: dict) -> None:
            response = await client.post("/api/spells", json=created_spell, headers=headers)
            assert response.status == 201, await response.text()
            spell_id = (await response.json())["id"]
            got = await (await client.get(f"/api/spells/{spell_id}", headers=headers)).json()
            assert {k: got[k] for k in created_spell} == created_spell
            response = await client.put(
                f"/api/spells/{spell_id}", json=updated_spell, headers=headers
            )
            assert response.status == 200, await response.text()
            got = await (await client.get(f"/api/spells/{spell_id}", headers=headers)).json()
            assert {k: got[k] for k in updated_spell} == updated_spell

        @hypothesis_settings(
            max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        )
        @given(spells(), spells())
        def check(created_spell: dict, updated_spell: dict) -> None:
            runner.run(round_trip(created_spell, updated_spell))

        check()


def test_nul_characters_are_refused_not_stored(fresh_database_url):
    with app_in_own_loop(make_settings(), fresh_database_url) as (runner, client):
        headers = runner.run(token_for(client))

        @hypothesis_settings(max_examples=20, deadline=None)
        @given(
            st.text(alphabet=string.ascii_letters, min_size=1),
            st.text(alphabet=string.ascii_letters),
        )
        def check(before: str, after: str) -> None:
            async def post() -> None:
                response = await client.post(
                    "/api/spells", json={**SPELL, "title": f"{before}\x00{after}"}, headers=headers
                )
                assert response.status == 422

            runner.run(post())

        check()
