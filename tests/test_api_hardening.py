"""Hostile and unusual requests: each gets a JSON `{"detail": ...}` 4xx, never a 500.

Each test reproduces a request that once crashed the API or answered outside its contract.
"""

from __future__ import annotations

import gzip
import json

import pytest

from grimoire_bot.api.operations import Access, operations_of
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import open_pool
from tests.support import token_for

INT64_MAX = 2**63 - 1
SPELL = {
    "title": "Python: a module is missing",
    "error_pattern": r"ModuleNotFoundError: No module named '([\w.]+)'",
    "solution_code": "python -m pip install -r requirements.txt",
}


async def answer(response) -> tuple[int, object]:
    """The status and the JSON body, after checking the body really is JSON."""
    assert response.content_type == "application/json", await response.text()
    return response.status, await response.json()


def field(loc: list, msg: str, kind: str) -> dict:
    return {"loc": loc, "msg": msg, "type": kind}


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_a_spell_id_beyond_bigint_is_422_not_a_database_error(client, method):
    """`/api/spells/99999999999999999999` reached asyncpg, which raised 'value out of int64
    range': a 500."""
    headers = await token_for(client)
    response = await client.request(
        method, "/api/spells/99999999999999999999", json=SPELL, headers=headers
    )
    assert await answer(response) == (
        422,
        {
            "detail": [
                field(
                    ["path", "spell_id"],
                    f"Input should be less than or equal to {INT64_MAX}",
                    "less_than_equal",
                )
            ]
        },
    )


async def test_spell_ids_are_positive_and_the_largest_bigint_is_simply_missing(client):
    """Ids are bigint identities from 1: 0 and negatives are malformed, 2**63-1 is a 404."""
    response = await client.get(f"/api/spells/{INT64_MAX}")
    assert await answer(response) == (404, {"detail": f"Spell with id {INT64_MAX} not found"})
    for bad in ("0", "-1"):
        response = await client.get(f"/api/spells/{bad}")
        assert await answer(response) == (
            422,
            {
                "detail": [
                    field(
                        ["path", "spell_id"],
                        "Input should be greater than or equal to 1",
                        "greater_than_equal",
                    )
                ]
            },
        )


async def test_a_bad_id_and_a_bad_body_are_reported_together(client):
    """A wrong path and a wrong body are one 422 naming both, as FastAPI does."""
    headers = await token_for(client)
    response = await client.put("/api/spells/abc", json={**SPELL, "title": ""}, headers=headers)
    status, body = await answer(response)
    assert status == 422
    assert [error["loc"] for error in body["detail"]] == [
        ["path", "spell_id"],
        ["body", "title"],
    ]


@pytest.mark.parametrize("path", ["/api/spells", "/api/repos", "/api/webhook-logs"])
async def test_skip_beyond_bigint_is_422_and_the_largest_bigint_is_an_empty_page(client, path):
    """`?skip=9223372036854775808` reached OFFSET and asyncpg refused it: a 500."""
    headers = await token_for(client, "admin@example.com")
    response = await client.get(path, params={"skip": str(INT64_MAX + 1)}, headers=headers)
    assert await answer(response) == (
        422,
        {
            "detail": [
                field(
                    ["query", "skip"],
                    f"Input should be less than or equal to {INT64_MAX}",
                    "less_than_equal",
                )
            ]
        },
    )
    response = await client.get(path, params={"skip": str(INT64_MAX)}, headers=headers)
    assert await answer(response) == (200, [])
    assert response.headers["X-Total-Count"] == "0"


NUL_IN_PATH = field(
    ["path", "{}"], "Value error, must not contain NUL (\\u0000) characters", "value_error"
)


def nul_error(name: str) -> dict:
    return {**NUL_IN_PATH, "loc": ["path", name]}


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("GET", "/api/repos/a%00/b", "owner"),
        ("PUT", "/api/repos/a/b%00", "repo"),
        ("GET", "/api/webhook-logs/%00", "delivery_id"),
        ("POST", "/api/webhook-logs/%00/redeliver", "delivery_id"),
    ],
)
async def test_nul_in_a_path_parameter_is_422(client, method, path, name):
    """A NUL decoded from `%00` in the path went into a text query parameter, which
    PostgreSQL cannot hold: a 500. Bodies and query strings already refused it."""
    headers = await token_for(client, "admin@example.com")
    response = await client.request(method, path, json={}, headers=headers)
    assert await answer(response) == (422, {"detail": [nul_error(name)]})


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_a_since_outside_what_utc_can_hold_is_422(client, since):
    """`since` is converted to UTC on its way to PostgreSQL; past year 9999 or before year 1
    asyncpg raised 'date value out of range': a 500."""
    headers = await token_for(client, "admin@example.com")
    response = await client.get("/api/webhook-logs", params={"since": since}, headers=headers)
    message = "must lie between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z once in UTC"
    assert await answer(response) == (
        422,
        {"detail": [field(["query", "since"], f"Value error, {message}", "value_error")]},
    )


@pytest.mark.parametrize(
    "since", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59", "2024-01-01"]
)
async def test_a_since_at_the_edges_of_the_range_is_answered(client, since):
    """The extremes that do exist in UTC are ordinary filters, with or without an offset."""
    headers = await token_for(client, "admin@example.com")
    response = await client.get("/api/webhook-logs", params={"since": since}, headers=headers)
    assert await answer(response) == (200, [])


def json_post(client, path: str, data: bytes, **headers: str):
    return client.post(path, data=data, headers={"Content-Type": "application/json", **headers})


@pytest.mark.parametrize("depth", [1000, 100_000])
async def test_deeply_nested_json_is_400(client, depth):
    """`[[[[...]]]]` a thousand deep made json.loads raise RecursionError: a 500."""
    response = await json_post(client, "/api/match", b"[" * depth + b"]" * depth)
    assert await answer(response) == (400, {"detail": "Malformed JSON: nested too deeply"})


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"log": "x", "min_score": NaN}', "Malformed JSON: NaN is not a JSON value"),
        (b'{"log": "x", "limit": -Infinity}', "Malformed JSON: -Infinity is not a JSON value"),
        (
            b'{"log": "x", "limit": ' + b"9" * 5000 + b"}",
            "Malformed JSON: a number has too many digits",
        ),
    ],
)
async def test_what_python_reads_but_json_forbids_is_400(client, body, detail):
    """A 5000-digit number made json.loads raise a bare ValueError (a 500); NaN and
    Infinity, which JSON does not have, were read as floats."""
    response = await json_post(client, "/api/match", body)
    assert await answer(response) == (400, {"detail": detail})


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_is_not_what_its_content_encoding_says_is_400(client, encoding, caplog):
    """`Content-Encoding: gzip` on a body that is not gzip made request.read() raise
    RequestPayloadError: a 500, and the next request on the connection was dropped."""
    response = await json_post(client, "/api/match", b"garbage", **{"Content-Encoding": encoding})
    assert await answer(response) == (
        400,
        {"detail": f"Request body could not be decoded as Content-Encoding: {encoding}"},
    )
    # The connection's parser gave up on this body, so the connection is closed cleanly...
    assert response.headers["Connection"] == "close"
    # ...and the client's next request, on a new connection, is answered.
    again = await client.post("/api/match", json={"log": "all green"})
    assert again.status == 200
    assert "Unhandled exception" not in caplog.text


async def test_a_compressed_body_is_read_and_held_to_the_limit_once_decoded(client):
    """gzip is undone before parsing, and the size limit applies to the decoded body."""
    body = gzip.compress(json.dumps({"log": "all green"}).encode())
    response = await json_post(client, "/api/match", body, **{"Content-Encoding": "gzip"})
    status, result = await answer(response)
    assert (status, result["matches"]) == (200, [])
    bomb = gzip.compress(b'{"log": "' + b" " * (10 * 1024 * 1024) + b'"}')
    response = await json_post(client, "/api/match", bomb, **{"Content-Encoding": "gzip"})
    assert await answer(response) == (
        413,
        {"detail": f"Request body too large (limit {10 * 1024 * 1024} bytes)"},
    )


async def test_an_unknown_content_encoding_is_415(client):
    """An encoding aiohttp does not undo reached json.loads still encoded."""
    response = await json_post(client, "/api/match", b"{}", **{"Content-Encoding": "compress"})
    assert await answer(response) == (
        415,
        {"detail": "Unsupported Content-Encoding: compress; send the body as is, gzip or deflate"},
    )


@pytest.fixture
async def installed(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=2) as pool, pool.acquire() as conn:
        await db_installations.upsert_installation(
            conn, {"id": 5, "account": {"login": "octo-org", "id": 1, "type": "Organization"}}
        )
        await db_installations.add_repositories(
            conn, 5, [{"id": 11, "full_name": "octo-org/widgets", "private": False}]
        )


@pytest.mark.parametrize(
    ("name", "msg", "kind"),
    [
        ("enabled", "Input should be a valid boolean", "bool_type"),
        ("auto_generate", "Input should be a valid boolean", "bool_type"),
        ("max_annotations", "Input should be a valid integer", "int_type"),
        ("annotation_level", "Input should be 'notice', 'warning' or 'failure'", "literal_error"),
        ("ignore_paths", "Input should be a valid list", "list_type"),
        ("post_when_no_match", "Input should be a valid boolean", "bool_type"),
    ],
)
async def test_null_for_a_repository_setting_that_cannot_be_null_is_422(
    client, installed, name, msg, kind
):
    """`{"enabled": null}` passed the update model, then the merged RepoSettings(...) raised
    ValidationError outside validation: a 500."""
    headers = await token_for(client)
    response = await client.put("/api/repos/octo-org/widgets", json={name: None}, headers=headers)
    assert await answer(response) == (422, {"detail": [field(["body", name], msg, kind)]})


async def test_null_min_score_still_means_the_matchers_own_threshold(client, installed):
    """min_score is the one setting where null means something: keep accepting it."""
    headers = await token_for(client)
    url = "/api/repos/octo-org/widgets"
    await client.put(url, json={"min_score": 0.5}, headers=headers)
    status, body = await answer(await client.put(url, json={"min_score": None}, headers=headers))
    assert (status, body["settings"]["min_score"]) == (200, None)


async def test_the_settings_schema_says_which_fields_may_be_null(client):
    """The schema declared every field of the update nullable, though only min_score is."""
    spec = await (await client.get("/openapi.json")).json()
    properties = spec["components"]["schemas"]["RepoSettingsUpdate"]["properties"]
    nullable = {
        name for name, schema in properties.items() if {"type": "null"} in schema.get("anyOf", [])
    }
    assert nullable == {"min_score"}
    assert all("default" not in schema for schema in properties.values())


async def test_every_status_the_api_can_answer_is_documented(client):
    """Operations with a JSON body answer 400, 413 and 415 and those with path parameters
    422, but /openapi.json listed only what each declaration remembered to name."""
    spec = await (await client.get("/openapi.json")).json()
    for op in operations_of(client.app):
        documented = set(spec["paths"][op.path][op.method.lower()]["responses"])
        expected = set()
        if op.body is not None:
            expected |= {"400", "413", "415", "422"}
        if op.params is not None or op.query is not None:
            expected.add("422")
        if op.access is not Access.PUBLIC:
            expected.add("401")
        if op.access is Access.ADMIN:
            expected.add("403")
        assert expected <= documented, (op.method, op.path, expected - documented)
    delivery = spec["paths"]["/api/webhook-logs/{delivery_id}"]["get"]["responses"]
    assert delivery["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    match = spec["paths"]["/api/match"]["post"]["responses"]
    assert match["413"]["description"] == f"Request body larger than {10 * 1024 * 1024} bytes"


async def test_a_documented_415_is_answered(client):
    """The 415 now documented for every JSON body is what a form gets, as JSON."""
    headers = await token_for(client)
    response = await client.put(
        "/api/repos/octo-org/widgets", data={"enabled": "0"}, headers=headers
    )
    assert await answer(response) == (
        415,
        {
            "detail": "Expected a JSON body (Content-Type: application/json), "
            "got application/x-www-form-urlencoded"
        },
    )


STRING = ("Input should be a valid string", "string_type")


@pytest.mark.parametrize(
    ("name", "msg", "kind"),
    [
        ("title", *STRING),
        ("description", *STRING),
        ("error_pattern", *STRING),
        ("solution_code", *STRING),
        ("tags", *STRING),
        ("scope", "Input should be 'log' or 'diff'", "literal_error"),
        ("status", "Input should be 'approved' or 'draft'", "literal_error"),
        ("examples", "Input should be a valid list", "list_type"),
        ("auto_generated", "Input should be a valid boolean", "bool_type"),
    ],
)
async def test_patch_refuses_null_where_the_schema_now_says_it_cannot_be_null(
    client, name, msg, kind
):
    """The PATCH schema offered null for every field, but `{"title": null}` was a 422: the
    schema now says which fields are nullable, and null elsewhere is a 422 naming it."""
    headers = await token_for(client)
    spell = await (await client.post("/api/spells", json=SPELL, headers=headers)).json()
    response = await client.patch(f"/api/spells/{spell['id']}", json={name: None}, headers=headers)
    assert await answer(response) == (422, {"detail": [field(["body", name], msg, kind)]})


async def test_patch_null_clears_the_optional_fields_and_keeps_the_key(client):
    """error_type, ecosystem and confidence may be cleared; a null key keeps the key."""
    headers = await token_for(client)
    created = await client.post(
        "/api/spells",
        json={**SPELL, "error_type": "ModuleNotFoundError", "ecosystem": "python", "confidence": 1},
        headers=headers,
    )
    spell = await created.json()
    cleared = {"error_type": None, "ecosystem": None, "confidence": None}
    response = await client.patch(
        f"/api/spells/{spell['id']}", json={**cleared, "key": None}, headers=headers
    )
    status, body = await answer(response)
    assert status == 200
    assert {name: body[name] for name in cleared} == cleared
    assert body["key"] == spell["key"]


async def test_the_patch_schema_says_which_fields_may_be_null(client):
    """SpellFields documented every field as nullable with a null default."""
    spec = await (await client.get("/openapi.json")).json()
    properties = spec["components"]["schemas"]["SpellFields"]["properties"]
    nullable = {
        name for name, schema in properties.items() if {"type": "null"} in schema.get("anyOf", [])
    }
    assert nullable == {"key", "error_type", "ecosystem", "confidence"}
    assert all("default" not in schema for schema in properties.values())


INTEGER = ("Input should be a valid integer", "int_type")
NUMBER = ("Input should be a valid number", "float_type")
BOOLEAN = ("Input should be a valid boolean", "bool_type")


@pytest.mark.parametrize(
    ("path", "method", "body", "name", "msg", "kind"),
    [
        ("/api/match", "POST", {"log": "x", "limit": True}, "limit", *INTEGER),
        ("/api/match", "POST", {"log": "x", "limit": "5"}, "limit", *INTEGER),
        ("/api/match", "POST", {"log": "x", "min_score": False}, "min_score", *NUMBER),
        (
            "/api/repos/octo-org/widgets",
            "PUT",
            {"max_annotations": True},
            "max_annotations",
            *INTEGER,
        ),
        ("/api/repos/octo-org/widgets", "PUT", {"min_score": "0.5"}, "min_score", *NUMBER),
        ("/api/repos/octo-org/widgets", "PUT", {"enabled": 1}, "enabled", *BOOLEAN),
        (
            "/api/repos/octo-org/widgets",
            "PUT",
            {"post_when_no_match": "yes"},
            "post_when_no_match",
            *BOOLEAN,
        ),
        ("/api/spells", "POST", {**SPELL, "confidence": True}, "confidence", *NUMBER),
        ("/api/spells", "POST", {**SPELL, "auto_generated": "true"}, "auto_generated", *BOOLEAN),
    ],
)
async def test_json_numbers_and_booleans_must_have_their_json_type(
    client, installed, path, method, body, name, msg, kind
):
    """Pydantic's lax mode read `"limit": true` as 1, `"min_score": false` as 0 and
    `"enabled": 1` as true, though the schema says integer, number and boolean."""
    headers = await token_for(client)
    response = await client.request(method, path, json=body, headers=headers)
    assert await answer(response) == (422, {"detail": [field(["body", name], msg, kind)]})


async def test_an_integer_is_still_a_number(client):
    """A JSON integer is a valid `number`: min_score 0 or confidence 1 are accepted."""
    response = await client.post("/api/match", json={"log": "all green", "min_score": 0})
    status, body = await answer(response)
    assert (status, body["matches"]) == (200, [])


@pytest.mark.parametrize("path", ["/docs-assets/nope.js", "/docs-assets/.nope"])
async def test_a_missing_docs_asset_is_the_usual_json_404(client, path):
    """aiohttp's static route answered a missing file with an empty
    application/octet-stream 404, decided after every middleware had run."""
    assert await answer(await client.get(path)) == (404, {"detail": "Not Found"})
    head = await client.head(path)
    assert (head.status, head.content_type) == (404, "application/json")


async def test_docs_assets_are_still_served_with_their_type(client):
    """The packaged viewer files keep being served, with a content type and caching headers."""
    response = await client.get("/docs-assets/swagger-ui.css")
    assert (response.status, response.content_type) == (200, "text/css")
    assert "Last-Modified" in response.headers
    assert len(await response.read()) > 10_000


async def test_a_taken_spell_key_is_a_409_naming_it_on_post_put_and_patch(client):
    """A duplicate key was a 422, as if the field were malformed; like a registered email
    it is a conflict with stored data, and the detail names the key."""
    headers = await token_for(client)
    await client.post("/api/spells", json={**SPELL, "key": "python.missing"}, headers=headers)
    other = await (await client.post("/api/spells", json=SPELL, headers=headers)).json()
    conflict = (409, {"detail": "Another spell already has the key 'python.missing'"})

    response = await client.post(
        "/api/spells", json={**SPELL, "key": "python.missing"}, headers=headers
    )
    assert await answer(response) == conflict
    url = f"/api/spells/{other['id']}"
    response = await client.put(url, json={**SPELL, "key": "python.missing"}, headers=headers)
    assert await answer(response) == conflict
    response = await client.patch(
        url, json={"key": "python.missing", "title": "Renamed"}, headers=headers
    )
    assert await answer(response) == conflict
    unchanged = await (await client.get(url)).json()
    assert (unchanged["key"], unchanged["title"]) == (other["key"], other["title"])


async def test_a_default_key_someone_already_chose_is_named_in_the_409(client):
    """A spell sent without a key gets `spell.<id>`; if a curator already gave that key to
    another spell, the conflict names it rather than an absent key."""
    headers = await token_for(client)
    first = await (await client.post("/api/spells", json=SPELL, headers=headers)).json()
    taken = f"spell.{first['id'] + 2}"
    await client.post("/api/spells", json={**SPELL, "key": taken}, headers=headers)
    response = await client.post("/api/spells", json=SPELL, headers=headers)
    assert await answer(response) == (
        409,
        {"detail": f"Another spell already has the key '{taken}'"},
    )
    again = await client.post("/api/spells", json=SPELL, headers=headers)
    assert again.status == 201
