"""OpenAPI 3.1 built from the declared operations, with Swagger UI and ReDoc served offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter

from grimoire_bot.api.errors import REASONS, ApiError
from grimoire_bot.api.operations import Access, Operation, operation, operations_of

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/docs-assets"
# The files served under STATIC_PREFIX, fixed at start: a name is looked up, never joined.
STATIC_ASSETS = frozenset(path.name for path in STATIC_DIR.iterdir() if path.is_file())
API_TITLE = "Grimoire"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "Grimoire turns red CI into fixes. These endpoints curate the spellbook (known error → fix), "
    "match CI logs against it, manage accounts, configure installed repositories and inspect "
    'webhook deliveries. Errors are always `{"detail": ...}`.\n\n'
    "## What the schemas do not say\n\n"
    "Each schema is as strict as the server wherever JSON Schema can say it (lengths, ranges, "
    "patterns, enums, `additionalProperties: false`). These rules it cannot say; each is a 422 "
    "naming the field:\n\n"
    "- `error_pattern` must compile as RE2 (no backreferences or lookaround) and must not be "
    "too broad: a pattern that matches many ordinary, passing log lines is refused "
    "(`type: too_broad`), with examples of lines it matched.\n"
    "- Each of a spell's `examples` must be matched by its `error_pattern`.\n"
    "- A proposal must change at least one field (`type: no_change`).\n"
    "- Text must be valid Unicode: JSON's `\\ud800`-style escapes of an unpaired surrogate "
    "are refused (NUL, which PostgreSQL cannot store, is excluded by each string's `pattern`).\n"
    "\n"
    "And how requests are read:\n\n"
    "- Bodies are JSON (`Content-Type: application/json`; a form is a 415), as is, gzip or "
    "deflate; at most 1 MiB (10 MiB for `/api/match`, 25 MiB for webhooks), else a 413. "
    "Malformed JSON, `NaN`/`Infinity`, numbers of over 4300 digits and documents nested deeper "
    "than Python's parser goes are a 400.\n"
    "- A number without a fractional part is an integer, as in JSON Schema: `5.0` is `5`. "
    "Booleans and strings are never read as numbers, nor numbers as booleans.\n"
    "- Unknown query parameters are ignored, and so are unknown body properties except where "
    "a schema has `additionalProperties: false`.\n"
    "- A private repository a caller may not see on GitHub is answered exactly as one "
    "Grimoire is not installed on (404), so its existence stays private.\n"
    "- `/auth/github/callback` needs the `code` and `state` GitHub sends back to a sign-in "
    "started here (or GitHub's `error`); any other query is a 400.\n"
    "- Whatever reads the database answers 503 while PostgreSQL is unreachable; 429 comes "
    "with `Retry-After` on the rate-limited sign-in and matching endpoints."
)
REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "description": "A message, or for 422 a list of `{loc, msg, type}` field errors.",
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                            "msg": {"type": "string"},
                            "type": {"type": "string"},
                        },
                    },
                },
            ],
        }
    },
}

routes = web.RouteTableDef()

SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - API docs</title>
<link rel="stylesheet" href="{prefix}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{prefix}/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui",
persistAuthorization: true}});</script></body></html>
"""

REDOC_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - API reference</title></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="{prefix}/redoc.standalone.js"></script></body></html>
"""


def _documented_types(operations: list[Operation]) -> list[tuple[Any, str]]:
    """Each body and response type with its mode, once: models, and also `list[Model]`..."""
    types: list[tuple[Any, str]] = []
    for op in operations:
        if op.body is not None:
            types.append((op.body, "validation"))
        if op.response is not None and not isinstance(op.response, str):
            types.append((op.response, "serialization"))
    return list(dict.fromkeys(types))


def build_openapi(operations: list[Operation]) -> dict[str, Any]:
    # One pass over every type, so the models inside `list[Model]` or `dict[str, Model]`
    # land in components.schemas like the rest and every `$ref` resolves.
    keyed, definitions = TypeAdapter.json_schemas(
        [(spec, mode, TypeAdapter(spec)) for spec, mode in _documented_types(operations)],
        ref_template=REF_TEMPLATE,
    )
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation_object(op, keyed, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": API_TITLE, "version": API_VERSION, "description": API_DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _schema_for(spec: Any, keyed: dict, mode: str) -> dict[str, Any]:
    return keyed[(spec, mode)]


def _parameters(
    model: type[BaseModel] | None, location: str, schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    # Types a parameter refers to (an enum, say) must be in components.schemas too.
    for name, definition in schema.get("$defs", {}).items():
        schemas.setdefault(name, definition)
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": location,
            "required": location == "path" or name in required,
            "schema": {k: v for k, v in prop.items() if k != "description"},
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation_id(op: Operation) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", op.path.lower()).strip("_")
    return f"{op.method.lower()}_{words}"


def _operation_object(op: Operation, keyed: dict, schemas: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": _operation_id(op),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op.params, "path", schemas)
        + _parameters(op.query, "query", schemas),
        "responses": {},
    }
    if op.description:
        result["description"] = op.description
    if op.access is not Access.PUBLIC:
        result["security"] = [{"bearer": []}]
    if op.body is not None or op.documented_body is not None:
        schema = op.documented_body or _schema_for(op.body, keyed, "validation")
        result["requestBody"] = {
            "required": not op.body_optional,
            "content": {"application/json": {"schema": schema}},
        }
    success: dict[str, Any] = {"description": "Success"}
    if op.status != 204 and op.response is not None:
        if isinstance(op.response, str):
            success["content"] = {op.response_media_type: {"schema": {"type": "string"}}}
        else:
            schema = _schema_for(op.response, keyed, "serialization")
            success["content"] = {op.response_media_type: {"schema": schema}}
    result["responses"][str(op.status)] = success
    for status, description in op.extra_responses.items():
        result["responses"][str(status)] = {"description": description}
    for status in op.possible_errors:
        result["responses"][str(status)] = {
            "description": _error_description(op, status),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return result


def _error_description(op: Operation, status: int) -> str:
    if op.body is not None:
        if status == 400:
            return "Malformed JSON, or a body that does not match its Content-Encoding"
        if status == 413:
            return f"Request body larger than {op.max_body} bytes"
        if status == 415:
            return "Not a JSON body (a form), or an unsupported Content-Encoding"
    if status == 422:
        return "A wrong field: `detail` lists each as `{loc, msg, type}`"
    return REASONS.get(status, "Error")


@operation(
    routes,
    "GET",
    "/openapi.json",
    summary="This OpenAPI 3.1 description",
    tag="meta",
    uses_database=False,
    response=dict[str, Any],
)
async def openapi_json(request: web.Request) -> dict[str, Any]:
    return build_openapi(operations_of(request.app))


@operation(
    routes,
    "GET",
    "/docs",
    summary="Interactive API documentation (Swagger UI)",
    tag="meta",
    uses_database=False,
    response="html",
    response_media_type="text/html",
)
async def swagger_ui(request: web.Request) -> web.Response:
    html = SWAGGER_PAGE.format(title=API_TITLE, prefix=STATIC_PREFIX)
    return web.Response(text=html, content_type="text/html")


@operation(
    routes,
    "GET",
    "/redoc",
    summary="API reference (ReDoc)",
    tag="meta",
    uses_database=False,
    response="html",
    response_media_type="text/html",
)
async def redoc(request: web.Request) -> web.Response:
    html = REDOC_PAGE.format(title=API_TITLE, prefix=STATIC_PREFIX)
    return web.Response(text=html, content_type="text/html")


async def static_asset(request: web.Request) -> web.FileResponse:
    """One packaged asset of the viewers; anything else is the API's JSON 404.

    (aiohttp's static route answers a missing file from inside FileResponse.prepare, after
    every middleware has returned, with an empty application/octet-stream 404.)
    """
    name = request.match_info["name"]
    if name not in STATIC_ASSETS:
        raise ApiError(404)
    return web.FileResponse(STATIC_DIR / name)


def add_docs_routes(app: web.Application) -> None:
    app.router.add_routes(routes)
    app.router.add_get(STATIC_PREFIX + "/{name}", static_asset)
