"""`.github/grimoire.yml`: read from the default branch, validated, layered, refreshed by pushes."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import open_pool
from grimoire_bot.repo_config import Source, effective_settings
from grimoire_bot.repo_config.fields import SETTING_NAMES
from grimoire_bot.repo_config.files import CONFIG_PATH, parse_config
from tests.fakes.github import signed_delivery
from tests.github_sign_in import INSTALLATION_ID, install, login_client, login_settings
from tests.support import token_for
from tests.workers import running_worker, wait_for_status

REPO = "octo-org/widgets"
ORG_REPO = "octo-org/.github"
SECRET = "test-webhook-secret"


# ---------------------------------------------------------------- parsing


def test_db_and_config_agree_on_the_setting_names():
    assert tuple(db_installations.SETTING_FIELDS) == SETTING_NAMES


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("", {}),
        ("# nothing set yet\n", {}),
        ("enabled: false\n", {"enabled": False}),
        (
            "annotation_level: notice\nmin_score: 0.7\nignore_paths: ['vendor/**']\n"
            "ignore_spells: [python.module-not-found, 42]\n",
            {
                "annotation_level": "notice",
                "min_score": 0.7,
                "ignore_paths": ["vendor/**"],
                "ignore_spells": ["python.module-not-found", 42],
            },
        ),
        ("min_score: null\n", {"min_score": None}),
    ],
)
def test_a_valid_file_states_only_what_it_sets(text, values):
    parsed = parse_config(text)
    assert (parsed.values, parsed.problems) == (values, [])


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("enabled: [unclosed\n", "is not valid YAML"),
        ("- enabled\n", "must be a mapping"),
        ("enabld: false\n", "enabld: Extra inputs are not permitted"),
        ("max_annotations: 5000\n", "max_annotations: Input should be less than or equal to 1000"),
        ("max_annotations: '10'\n", "max_annotations: Input should be a valid integer"),
        ("enabled: 1\n", "enabled: Input should be a valid boolean"),
        ("annotation_level: error\n", "annotation_level"),
        ("ignore_spells: [0]\n", "ignore_spells"),
        ("a: &x [1]\nb: *x\n", "aliases (*name) are not allowed"),
        ("ignore_paths: ['" + "x" * 70_000 + "']\n", "is larger than 64 KiB"),
    ],
)
def test_an_invalid_file_is_refused_whole_with_its_reason(text, needle):
    parsed = parse_config(text)
    assert parsed.values is None
    assert any(needle in problem for problem in parsed.problems), parsed.problems


# Globs hold no control or line-break characters (PyYAML does not round-trip U+0085).
glob_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=20,
).filter(str.strip)
settings_files = st.fixed_dictionaries(
    {},
    optional={
        "enabled": st.booleans(),
        "auto_generate": st.booleans(),
        "min_score": st.none() | st.floats(0, 1),
        "max_annotations": st.integers(0, 1000),
        "annotation_level": st.sampled_from(["notice", "warning", "failure"]),
        "ignore_paths": st.lists(glob_text, max_size=5),
        "post_when_no_match": st.booleans(),
        "ignore_spells": st.lists(
            st.integers(1, 2**40) | st.from_regex(r"[a-z][a-z.-]{0,30}", fullmatch=True),
            max_size=5,
        ),
    },
)


@given(settings_files)
def test_property_any_valid_settings_survive_a_round_trip_through_yaml(values):
    parsed = parse_config(yaml.safe_dump(values, allow_unicode=True))
    assert parsed.problems == []
    assert parsed.values == values


# ---------------------------------------------------------------- through GitHub


@pytest.fixture
async def admin_client(aiohttp_client, fake_github, fresh_database_url):
    await install(fake_github, fresh_database_url, repos=(REPO, ORG_REPO))
    client = await login_client(aiohttp_client, fake_github, fresh_database_url)
    client.headers = await token_for(client, "admin@example.com")  # type: ignore[attr-defined]
    return client


async def read(client, repo: str = REPO) -> dict:
    response = await client.get(f"/api/repos/{repo}", headers=client.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def push(client, fake, database_url, repo: str, ref: str = "refs/heads/main") -> None:
    payload = {
        "ref": ref,
        "repository": {
            "id": fake.repo_id(repo),
            "full_name": repo,
            "default_branch": fake.default_branch(repo),
        },
        "installation": {"id": INSTALLATION_ID},
        "commits": [],
    }
    body, headers = signed_delivery("push", payload, SECRET)
    response = await client.post("/api/github/webhooks", data=body, headers=headers)
    assert response.status == 202
    async with (
        open_pool(database_url, max_size=4) as pool,
        running_worker(login_settings(fake), pool),
    ):
        assert await wait_for_status(pool, headers["X-GitHub-Delivery"]) == "done"


def contents_requests(fake, repo: str = REPO):
    return fake.requests_to("GET", f"/repos/{repo}/contents/{CONFIG_PATH}")


async def test_the_repository_file_sets_what_it_states_and_says_so(admin_client, fake_github):
    fake_github.set_file(REPO, CONFIG_PATH, "annotation_level: notice\nmax_annotations: 7\n")
    body = await read(admin_client)
    assert body["settings"]["annotation_level"] == "notice"
    assert body["settings"]["max_annotations"] == 7
    assert body["sources"]["annotation_level"] == "repository_file"
    assert body["sources"]["enabled"] == "default"
    files = {f["source"]: f for f in body["config_files"]}
    assert files["repository_file"]["status"] == "valid"
    assert files["repository_file"]["path"] == ".github/grimoire.yml"
    assert files["organization_file"]["status"] == "absent"


async def test_precedence_repository_file_then_api_then_organisation_then_defaults(
    admin_client, fake_github
):
    fake_github.set_file(
        ORG_REPO,
        CONFIG_PATH,
        "annotation_level: failure\nmax_annotations: 10\npost_when_no_match: true\n",
    )
    fake_github.set_file(REPO, CONFIG_PATH, "annotation_level: notice\n")
    saved = await admin_client.put(
        f"/api/repos/{REPO}", json={"max_annotations": 20}, headers=admin_client.headers
    )
    assert saved.status == 200
    body = await read(admin_client)
    assert (body["settings"]["annotation_level"], body["sources"]["annotation_level"]) == (
        "notice",
        "repository_file",
    )
    assert (body["settings"]["max_annotations"], body["sources"]["max_annotations"]) == (20, "api")
    assert (body["settings"]["post_when_no_match"], body["sources"]["post_when_no_match"]) == (
        True,
        "organization_file",
    )
    assert body["sources"]["enabled"] == "default"
    assert body["saved_settings"] == ["max_annotations"]


async def test_an_unchanged_file_is_asked_for_with_its_etag_and_costs_a_304(
    admin_client, fake_github, fresh_database_url
):
    fake_github.set_file(REPO, CONFIG_PATH, "enabled: false\n")
    await read(admin_client)
    assert len(contents_requests(fake_github)) == 1
    await read(admin_client)
    assert len(contents_requests(fake_github)) == 1, "a fresh file is not asked for again"

    await push(admin_client, fake_github, fresh_database_url, REPO)
    body = await read(admin_client)
    again = contents_requests(fake_github)
    assert len(again) == 2
    assert again[-1].headers["if-none-match"].startswith('W/"')
    assert again[-1].status == 304
    assert body["settings"]["enabled"] is False


async def test_a_push_to_the_default_branch_brings_a_changed_file_in(
    admin_client, fake_github, fresh_database_url
):
    fake_github.set_file(REPO, CONFIG_PATH, "max_annotations: 5\n")
    assert (await read(admin_client))["settings"]["max_annotations"] == 5
    fake_github.set_file(REPO, CONFIG_PATH, "max_annotations: 9\n")
    # A push to another branch changes nothing on the default branch.
    await push(admin_client, fake_github, fresh_database_url, REPO, ref="refs/heads/feature")
    assert (await read(admin_client))["settings"]["max_annotations"] == 5
    await push(admin_client, fake_github, fresh_database_url, REPO)
    assert (await read(admin_client))["settings"]["max_annotations"] == 9


async def test_a_bad_file_keeps_the_last_good_settings_and_names_its_problem(
    admin_client, fake_github, fresh_database_url
):
    fake_github.set_file(REPO, CONFIG_PATH, "enabled: false\nmax_annotations: 5\n")
    await read(admin_client)
    fake_github.set_file(REPO, CONFIG_PATH, "enabled: false\nmax_annotations: lots\n")
    await push(admin_client, fake_github, fresh_database_url, REPO)
    body = await read(admin_client)
    assert (body["settings"]["enabled"], body["settings"]["max_annotations"]) == (False, 5)
    repo_file = next(f for f in body["config_files"] if f["source"] == "repository_file")
    assert repo_file["status"] == "invalid"
    assert any("max_annotations" in problem for problem in repo_file["problems"])

    async with open_pool(fresh_database_url, max_size=2) as pool:
        effective = await effective_settings(pool, None, REPO, fake_github.repo_id(REPO))
    assert effective["max_annotations"] == 5
    assert len(effective.problems) == 1
    assert effective.problems[0].startswith(f"`{REPO}/.github/grimoire.yml` max_annotations")
    assert effective.problems[0].endswith("its last good version still applies.")

    # Deleting the file stops it applying at all.
    fake_github.delete_file(REPO, CONFIG_PATH)
    await push(admin_client, fake_github, fresh_database_url, REPO)
    body = await read(admin_client)
    assert (body["settings"]["enabled"], body["sources"]["enabled"]) == (True, "default")


async def test_a_push_to_the_organisation_repository_refreshes_its_defaults(
    admin_client, fake_github, fresh_database_url
):
    fake_github.set_file(ORG_REPO, CONFIG_PATH, "annotation_level: failure\n")
    assert (await read(admin_client))["settings"]["annotation_level"] == "failure"
    fake_github.set_file(ORG_REPO, CONFIG_PATH, "annotation_level: notice\n")
    await push(admin_client, fake_github, fresh_database_url, ORG_REPO)
    body = await read(admin_client)
    assert (body["settings"]["annotation_level"], body["sources"]["annotation_level"]) == (
        "notice",
        "organization_file",
    )


async def test_ignore_spells_names_spells_by_key_or_id(
    admin_client, fake_github, fresh_database_url
):
    async with open_pool(fresh_database_url, max_size=2) as pool:
        ids = [
            await pool.fetchval(
                "INSERT INTO spells (key, title, error_pattern, solution_code) "
                "VALUES ($1, $1, 'boom', 'fix') RETURNING id",
                key,
            )
            for key in ("noisy.one", "noisy.two", "kept")
        ]
        fake_github.set_file(REPO, CONFIG_PATH, f"ignore_spells: [noisy.one, {ids[1]}, missing]\n")
        body = await read(admin_client)
        assert body["settings"]["ignore_spells"] == ["noisy.one", ids[1], "missing"]
        effective = await effective_settings(pool, None, REPO, fake_github.repo_id(REPO))
    assert effective.ignored_spell_ids == {ids[0], ids[1]}
    assert effective.ignores(ids[0]) and not effective.ignores(ids[2])
    assert effective.sources["ignore_spells"] is Source.REPOSITORY_FILE


async def test_an_organisation_repository_the_app_cannot_read_counts_as_absent(
    aiohttp_client, fake_github, fresh_database_url
):
    await install(fake_github, fresh_database_url, repos=(REPO,))
    fake_github.set_file(ORG_REPO, CONFIG_PATH, "enabled: false\n")
    client = await login_client(aiohttp_client, fake_github, fresh_database_url)
    headers = await token_for(client, "admin@example.com")
    body = await (await client.get(f"/api/repos/{REPO}", headers=headers)).json()
    assert body["settings"]["enabled"] is True
    org_file = next(f for f in body["config_files"] if f["source"] == "organization_file")
    assert org_file["status"] == "absent"


async def test_github_down_keeps_what_was_last_read(admin_client, fake_github, fresh_database_url):
    fake_github.set_file(REPO, CONFIG_PATH, "max_annotations: 3\n")
    await read(admin_client)
    await push(admin_client, fake_github, fresh_database_url, REPO)
    fake_github.inject("GET", r"/contents/", 502, times=20)
    body = await read(admin_client)
    assert body["settings"]["max_annotations"] == 3
