"""Health, docs and the error contract every endpoint shares."""

from __future__ import annotations

import pytest

from grimoire_bot.app import create_app
from tests.conftest import _admin, database_url, make_settings

STATIC_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js")


async def test_health_and_ping(client):
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {
        "status": "healthy",
        "service": "grimoire-bot",
        "database": "ok",
    }
    ping = await client.get("/ping")
    assert (ping.status, await ping.text()) == (200, "PONG")


async def test_health_is_503_when_the_database_goes_away(aiohttp_client, template_database):
    name = "grimoire_health_down"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    client = await aiohttp_client(create_app(make_settings(), database_url(name)))
    assert (await client.get("/health")).status == 200
    with _admin() as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    response = await client.get("/health")
    assert response.status == 503
    assert await response.json() == {
        "status": "unhealthy",
        "service": "grimoire-bot",
        "database": "unavailable",
    }
    assert (await client.get("/ping")).status == 200


async def test_openapi_describes_every_route_with_schemas(client):
    spec = await (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    routes = {
        (route.method, route.resource.canonical)
        for route in client.app.router.routes()
        if route.method not in ("HEAD", "OPTIONS")
        and not route.resource.canonical.startswith("/docs-assets")
        # The curator console's pages (HTML, sessions) are not part of the JSON API.
        and not route.resource.canonical.startswith("/console")
    }
    assert routes <= documented, routes - documented
    create = spec["paths"]["/api/spells"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]
    assert create["responses"]["201"]["content"]["application/json"]["schema"]
    assert create["security"] == [{"bearer": []}]
    refs = str(spec)
    for name in ("SpellIn", "SpellOut", "TokenOut", "MatchResult", "RepoOut", "DeliveryDetail"):
        assert name in spec["components"]["schemas"], name
        assert f"#/components/schemas/{name}" in refs


async def test_openapi_is_valid_json_schema_wherever_it_declares_one(client):
    jsonschema = pytest.importorskip("jsonschema")
    spec = await (await client.get("/openapi.json")).json()
    for schema in spec["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def _refs(node: object, where: str = "#") -> list[tuple[str, str]]:
    """Every `$ref` in a JSON document, with where it was found."""
    if isinstance(node, dict):
        found = [(where, node["$ref"])] if "$ref" in node else []
        for key, value in node.items():
            found += _refs(value, f"{where}/{key}")
        return found
    if isinstance(node, list):
        return [ref for index, item in enumerate(node) for ref in _refs(item, f"{where}/{index}")]
    return []


async def test_every_ref_in_the_openapi_document_resolves(client):
    """GET /api/webhook-logs's 200 pointed at #/components/schemas/DeliverySummary, which
    only existed in a local $defs: list responses must bring their models along."""
    spec = await (await client.get("/openapi.json")).json()
    refs = _refs(spec)
    assert refs
    for where, ref in refs:
        assert ref.startswith("#/"), (where, ref)
        target = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(target, dict) and part in target, f"{where}: {ref} is missing"
            target = target[part]
    assert "$defs" not in str(spec)
    items = spec["paths"]["/api/webhook-logs"]["get"]["responses"]["200"]["content"]
    assert items["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/DeliverySummary"
    }


async def test_docs_pages_load_their_viewers_from_this_service(client):
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        response = await client.get(page)
        assert response.status == 200
        html = await response.text()
        assert f"/docs-assets/{asset}" in html
        assert "http://" not in html and "https://" not in html, "no CDN"
    for asset in STATIC_ASSETS:
        response = await client.get(f"/docs-assets/{asset}")
        assert response.status == 200
        assert len(await response.read()) > 10_000


async def test_errors_are_json_details_never_html(client):
    missing = await client.get("/no/such/route")
    assert missing.status == 404
    assert await missing.json() == {"detail": "Not Found"}
    wrong_method = await client.delete("/health")
    assert wrong_method.status == 405
    assert "detail" in await wrong_method.json()
    malformed = await client.post(
        "/auth/login", data=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert malformed.status == 400
    assert (await malformed.json())["detail"].startswith("Malformed JSON")
    form = await client.post("/auth/login", data={"email": "a@b.co"})
    assert form.status == 415
    not_an_id = await client.get("/api/spells/abc")
    assert not_an_id.status == 422
    assert (await not_an_id.json())["detail"][0]["loc"] == ["path", "spell_id"]


async def test_cors_allows_only_the_configured_origins(aiohttp_client, fresh_database_url):
    client = await aiohttp_client(
        create_app(make_settings(cors_origins=("https://curators.example",)), fresh_database_url)
    )
    allowed = await client.get("/api/spells", headers={"Origin": "https://curators.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://curators.example"
    assert "X-Total-Count" in allowed.headers["Access-Control-Expose-Headers"]
    other = await client.get("/api/spells", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = await client.options(
        "/api/spells",
        headers={"Origin": "https://curators.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


async def test_errors_carry_cors_headers_so_a_browser_can_read_them(
    aiohttp_client, fresh_database_url
):
    """The CORS headers were added only to successful responses: a browser could not read
    a 401's, 404's or 429's detail."""
    client = await aiohttp_client(
        create_app(make_settings(cors_origins=("https://curators.example",)), fresh_database_url)
    )
    origin = {"Origin": "https://curators.example"}
    for response in (
        await client.get("/auth/me", headers=origin),
        await client.get("/api/spells/123456", headers=origin),
        await client.post("/api/spells", json={}, headers=origin),
    ):
        assert response.status >= 400
        assert response.headers["Access-Control-Allow-Origin"] == "https://curators.example"
