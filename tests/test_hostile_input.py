"""Input beyond what a schema describes: huge, broken, deeply nested or odd bodies, and text
no one types by hand. Each is stored exactly as sent and read back the same, or refused with a
JSON `{"detail": ...}` 4xx that says why; never a 500.
"""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from grimoire_bot.app import create_app
from tests.accounts import Accounts
from tests.conftest import _admin, database_url, make_settings
from tests.support import app_in_own_loop, token_for

SPELL = {
    "title": "Python: a module is missing",
    "error_pattern": r"ModuleNotFoundError: No module named '([\w.]+)'",
    "solution_code": "python -m pip install -r requirements.txt",
}
# Text fields of a spell that take free text, with the longest each accepts.
FREE_TEXT = {"title": 300, "description": 20_000, "solution_code": 100_000, "tags": 1000}
MIB = 1024 * 1024
SQL_LOOKING = [
    "'; DROP TABLE spells; --",
    'Robert"); DROP TABLE users;--',
    "1' OR '1'='1",
    "$1 $$ E'\\x00' ::text -- /* */",
    "%_\\% LIKE '%' ESCAPE '\\'",
]


async def detail_of(response) -> tuple[int, object]:
    """The status and `detail`, after checking the body is a JSON error object."""
    assert response.content_type == "application/json", await response.text()
    body = await response.json()
    assert set(body) == {"detail"}, body
    return response.status, body["detail"]


def raw_post(client, path: str, data: bytes, headers: dict, content_type="application/json"):
    return client.post(path, data=data, headers={**headers, "Content-Type": content_type})


# --- size ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "limit"), [("/api/spells", MIB), ("/auth/login", MIB), ("/api/match", 10 * MIB)]
)
async def test_a_body_over_the_limit_is_413_with_the_limit_named(client, path, limit):
    headers = await token_for(client)
    body = json.dumps({**SPELL, "description": "x" * limit}).encode()
    response = await raw_post(client, path, body, headers)
    assert await detail_of(response) == (413, f"Request body too large (limit {limit} bytes)")


async def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit_too(client):
    """No Content-Length to refuse up front: the body is read only as far as the limit."""
    headers = await token_for(client)

    async def chunks():
        yield b'{"title": "'
        for _ in range(2 * 1024):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post(
        "/api/spells",
        data=chunks(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert await detail_of(response) == (413, f"Request body too large (limit {MIB} bytes)")


async def test_a_field_over_its_length_is_422_naming_the_field(client):
    headers = await token_for(client)
    response = await client.post("/api/spells", json={**SPELL, "title": "t" * 301}, headers=headers)
    status, detail = await detail_of(response)
    assert status == 422
    assert [(e["loc"], e["type"]) for e in detail] == [(["body", "title"], "too_long")]


# --- malformed and nested ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"", "Request body is empty; expected a JSON document"),
        (b"   \n", "Request body is empty; expected a JSON document"),
        (b'{"title": "x"', "Malformed JSON: Expecting ',' delimiter at line 1 column 14"),
        (b'{"title": "x"} trailing', "Malformed JSON: Extra data at line 1 column 16"),
        (
            b"{'title': 'x'}",
            "Malformed JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        (b'{"title": "\xff\xfe"}', "Request body is not valid UTF-8"),
        (
            b'{"title": "x",}',
            "Malformed JSON: Expecting property name enclosed in double quotes at line 1 column 15",
        ),
    ],
)
async def test_malformed_json_is_400_saying_what_is_wrong(client, body, detail):
    headers = await token_for(client)
    response = await raw_post(client, "/api/spells", body, headers)
    assert await detail_of(response) == (400, detail)


@pytest.mark.parametrize(
    ("path", "opening", "closing"),
    [
        ("/api/spells", b'{"a":' * 100_000, b"}" * 100_000),
        ("/api/spells", b"[" * 100_000, b"]" * 100_000),
        ("/auth/signup", b'{"email":' * 50_000, b"}" * 50_000),
        # (80,000 levels: 100,000 would be over the 1 MiB limit, a 413)
        ("/api/spells/1/proposals", b'{"changes":' * 80_000, b"}" * 80_000),
    ],
)
async def test_json_nested_a_hundred_thousand_deep_is_400(client, path, opening, closing):
    headers = await token_for(client)
    response = await raw_post(client, path, opening + b"1" + closing, headers)
    assert await detail_of(response) == (400, "Malformed JSON: nested too deeply")


async def test_moderately_nested_json_in_an_unknown_field_is_simply_ignored(client):
    """Nesting Python can read is not an error by itself: the spell has no such field."""
    headers = await token_for(client)
    body = json.dumps({**SPELL, "extra": json.loads("[" * 500 + "]" * 500)}).encode()
    response = await raw_post(client, "/api/spells", body, headers)
    assert response.status == 201, await response.text()


@pytest.mark.parametrize("document", [b"[]", b'"spell"', b"42", b"null", b"true"])
async def test_a_json_document_that_is_not_an_object_is_422(client, document):
    headers = await token_for(client)
    response = await raw_post(client, "/api/spells", document, headers)
    status, detail = await detail_of(response)
    assert status == 422
    assert detail[0]["loc"] == ["body"]


# --- content types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
async def test_a_form_is_415_not_misread(client, content_type):
    headers = await token_for(client)
    response = await raw_post(client, "/api/spells", b"title=x", headers, content_type)
    status, detail = await detail_of(response)
    assert status == 415
    assert detail.startswith("Expected a JSON body (Content-Type: application/json)")


async def test_an_unsigned_webhook_of_garbage_is_a_4xx_with_detail(client):
    response = await raw_post(client, "/api/github/webhooks", b"\x00\xff garbage", {})
    status, detail = await detail_of(response)
    assert 400 <= status < 500 and isinstance(detail, str) and detail


# --- any text ----------------------------------------------------------------------------------


async def test_sql_looking_text_is_stored_verbatim_and_read_back(client):
    headers = await token_for(client)
    ids = []
    for index, text in enumerate(SQL_LOOKING):
        sent = {
            **SPELL,
            "title": text,
            "description": text,
            "solution_code": text,
            "tags": text,
            "examples": [f"ModuleNotFoundError: No module named 'm{index}' {text}"],
        }
        response = await client.post("/api/spells", json=sent, headers=headers)
        assert response.status == 201, await response.text()
        spell_id = (await response.json())["id"]
        ids.append(spell_id)
        got = await (await client.get(f"/api/spells/{spell_id}")).json()
        assert {name: got[name] for name in sent} == sent
        # As a search it is text to look for, not SQL: an answer, never an error.
        found = await client.get("/api/spells", params={"q": text})
        assert found.status == 200, await found.text()
    # The words of the first one find it, and only spells that say them.
    found = await (await client.get("/api/spells", params={"q": SQL_LOOKING[0]})).json()
    assert ids[0] in [spell["id"] for spell in found]
    # The table is still there, with every spell in it.
    listing = await (await client.get("/api/spells", params={"limit": 500})).json()
    assert set(ids) <= {spell["id"] for spell in listing}


def test_any_unicode_in_spell_text_is_stored_verbatim_or_refused_with_a_reason(
    fresh_database_url,
):
    """Every code point JSON can carry, NUL and lone surrogates included (sent as `\\u`
    escapes): stored and read back equal, or a 422 naming the field and saying why."""
    with app_in_own_loop(make_settings(), fresh_database_url) as (runner, client):
        headers = runner.run(token_for(client))

        async def post(name: str, text: str) -> None:
            body = json.dumps({**SPELL, name: text}, ensure_ascii=True).encode()
            response = await raw_post(client, "/api/spells", body, headers)
            if response.status == 201:
                spell_id = (await response.json())["id"]
                got = await (await client.get(f"/api/spells/{spell_id}")).json()
                assert got[name] == text
                assert "\x00" not in text
                return
            status, detail = await detail_of(response)
            assert status == 422, (status, detail)
            assert [entry["loc"] for entry in detail] == [["body", name]]
            reasons = " ".join(entry["msg"] for entry in detail)
            assert any(
                why in reasons for why in ("NUL", "surrogates", "blank", "at most", "at least")
            ), reasons

        @hypothesis_settings(
            max_examples=150,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(
            name=st.sampled_from(sorted(FREE_TEXT)),
            text=st.text(
                st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF),
                min_size=1,
                max_size=50,
            )
            | st.text(alphabet=string.whitespace + "\x00", max_size=5),
        )
        def check(name: str, text: str) -> None:
            runner.run(post(name, text))

        check()


async def test_nul_anywhere_in_a_spell_is_a_422_never_a_database_error(client):
    accounts = Accounts(client)
    headers = await accounts.admin()
    for name in ("title", "description", "solution_code", "tags", "error_type"):
        response = await client.post(
            "/api/spells", json={**SPELL, name: "before\x00after"}, headers=headers
        )
        status, detail = await detail_of(response)
        assert status == 422
        assert detail == [
            {
                "loc": ["body", name],
                "msg": "Value error, must not contain NUL (\\u0000) characters",
                "type": "value_error",
            }
        ]


# --- the database goes away -------------------------------------------------------------------


async def test_while_the_database_is_gone_reads_and_writes_are_503_not_500(
    aiohttp_client, template_database
):
    """Documented on every operation that reads the database: a retryable 503."""
    name = "grimoire_hostile_db_down"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    client = await aiohttp_client(create_app(make_settings(), database_url(name)))
    headers = await token_for(client)
    assert (await client.get("/api/spells")).status == 200
    with _admin() as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    for method, path, kwargs in [
        ("GET", "/api/spells", {}),
        ("GET", "/api/spells/1", {}),
        ("POST", "/api/spells", {"json": SPELL, "headers": headers}),
        ("GET", "/auth/me", {"headers": headers}),
    ]:
        response = await client.request(method, path, **kwargs)
        assert await detail_of(response) == (
            503,
            "The database is unavailable; try again later",
        ), (method, path)
        assert response.headers["Retry-After"] == "5"
    spec = await (await client.get("/openapi.json")).json()
    for path in ("/api/spells", "/auth/me"):
        assert "503" in spec["paths"][path]["get"]["responses"]
    assert (await client.get("/ping")).status == 200


# --- found by the contract test (tests/test_contract.py) ------------------------------------


async def test_a_revision_beyond_what_postgres_integer_holds_is_422_not_500(client):
    """`/revisions/49808275915741136/restore` reached asyncpg, which cannot send it: a 500."""
    headers = await token_for(client)
    response = await client.post(
        "/api/spells/1/revisions/49808275915741136/restore", json={}, headers=headers
    )
    status, detail = await detail_of(response)
    assert status == 422
    assert [(e["loc"], e["type"]) for e in detail] == [(["path", "revision"], "less_than_equal")]


@pytest.mark.parametrize(("limit", "status"), [(3.0, 200), (1e1, 200), (3.5, 422), (True, 422)])
async def test_an_integer_written_with_a_fraction_of_zero_is_an_integer(client, limit, status):
    """JSON Schema counts 3.0 as an integer, so a schema-valid `"limit": 3.0` was a 422."""
    response = await client.post("/api/match", json={"log": "all green", "limit": limit})
    assert response.status == status, await response.text()


@pytest.mark.parametrize(
    "email", ["ada@example.com\n", "\x85ada@example.com", "ada@exam ple.com", "ada@example.c"]
)
async def test_an_email_the_published_pattern_refuses_is_refused(client, email):
    """Python's `$` let a trailing newline through, and `\\s` is not ECMA's `\\s`: the
    server and the schema's pattern now spell out the same characters."""
    response = await client.post(
        "/auth/signup", json={"email": email, "password": "correct horse battery"}
    )
    status, detail = await detail_of(response)
    assert status == 422
    assert detail[0]["loc"] == ["body", "email"]


async def test_the_published_schemas_say_what_the_server_refuses(client):
    spec = await (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    email = schemas["Credentials"]["properties"]["email"]
    assert email["maxLength"] == 254 and email["pattern"].startswith("^[^@")
    title = schemas["SpellIn"]["properties"]["title"]
    assert title["minLength"] == 1 and "\\x00" in title["pattern"]
    repository = schemas["MatchRequest"]["properties"]["repository"]["anyOf"][0]
    assert repository["pattern"] == "^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$"
    limit = schemas["MatchRequest"]["properties"]["limit"]
    assert (limit["minimum"], limit["maximum"]) == (1, 50)
    restore = spec["paths"]["/api/spells/{spell_id}/revisions/{revision}/restore"]["post"]
    revision = next(p for p in restore["parameters"] if p["name"] == "revision")
    assert revision["schema"]["maximum"] == 2**31 - 1
    assert "What the schemas do not say" in spec["info"]["description"]
