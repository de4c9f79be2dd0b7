"""The API against its own `/openapi.json`: Schemathesis calls every operation it documents.

Each operation is called anonymously, as a contributor and as the admin, with data the
schema says is valid (which must not be refused with 400/422, but for the rules the spec's
description states because JSON Schema cannot) and with data it says is not (which must be
refused with a 4xx). No operation is left out; the webhooks are called unsigned. Every answer must be documented: no 5xx, a status
the operation lists, its content type, and a body matching its schema.

The app is real and runs on loopback on its own event loop in a thread (Schemathesis sends
its requests synchronously), with a migrated database per operation, so one operation's
examples (a deleted spell, a revoked token) cannot change what another one sees. GitHub is
the fake GitHub, on the same loop, with the App installed on a few repositories.

Generation is derandomized and bounded (`EXAMPLES` per operation, caller and mode), so a
run is the same run every time: about 4,000 requests in about two minutes on two cores.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field

import aiohttp
import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from grimoire_bot.api.docs import build_openapi
from grimoire_bot.api.operations import operations_of
from grimoire_bot.app import create_app
from tests.accounts import PASSWORD
from tests.conftest import make_settings
from tests.fakes.github import FakeGitHub
from tests.github_sign_in import install, login_settings

# Examples per operation, caller and mode: 45 operations x 3 callers x 2 modes x EXAMPLES.
# Each operation gets a database and app of its own; its callers share them.
# GRIMOIRE_CONTRACT_EXAMPLES raises it for a deeper run by hand.
EXAMPLES = int(os.environ.get("GRIMOIRE_CONTRACT_EXAMPLES", "20"))
CALLERS = ("anonymous", "contributor", "admin")


def beyond_json_schema(error: dict) -> bool:
    """A 422 entry for a rule the spec documents in words because JSON Schema cannot say it:
    an `error_pattern` RE2 compiles and that is not too broad, `examples` it matches, a
    proposal that changes something."""
    loc = error.get("loc", [])
    return (
        error.get("type") in {"too_broad", "no_change"}
        or (bool(loc) and loc[-1] == "error_pattern")
        or "is not matched by error_pattern" in error.get("msg", "")
    )


# The end of "Sign in with GitHub": a browser brings back GitHub's `code` and the `state`
# only this server issued, so any other query, however well formed, is a 400 that says so.
FLOW_ONLY = {("GET", "/auth/github/callback")}


def valid_data_is_accepted(ctx, response, case) -> bool | None:
    """Schemathesis' `positive_data_acceptance`, except for the rules the spec states in its
    descriptions: data valid by the schema is never a 400, nor a 422 for anything else."""
    try:
        positive_data_acceptance(ctx, response, case)
    except Exception:
        if response.status_code == 400 and (case.method, case.path) in FLOW_ONLY:
            return None
        if response.status_code == 422:
            detail = response.json().get("detail")
            if isinstance(detail, list) and detail and all(map(beyond_json_schema, detail)):
                return None
        raise
    return None


COMMON_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = {
    GenerationMode.POSITIVE: [*COMMON_CHECKS, valid_data_is_accepted],
    GenerationMode.NEGATIVE: [*COMMON_CHECKS, negative_data_rejection],
}

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            # Each caller's own bearer token is sent; generated ones would only be refused.
            "with-security-parameters": False,
            # Unknown query parameters are ignored, as the spec's description says.
            "allow-extra-parameters": False,
        }
    }
)
# The operations as documented, read from the app itself (without a database) so that a
# new operation is called here without anyone listing it.
DOCUMENTED = build_openapi(operations_of(create_app(make_settings(), "postgresql://unused")))
OPERATIONS = sorted(
    (method.upper(), path) for path, methods in DOCUMENTED["paths"].items() for method in methods
)


@dataclass
class Running:
    """A started app: where it listens and a bearer header for each signed-in caller."""

    base_url: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


async def _sign_up(base_url: str, email: str) -> dict[str, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base_url}/auth/signup", json={"email": email, "password": PASSWORD}
        ) as response,
    ):
        assert response.status == 201, await response.text()
        token = (await response.json())["access_token"]
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def app_on_loopback(database_url: str) -> Iterator[Running]:
    """The app (and the fake GitHub) serving on 127.0.0.1 from a thread of their own."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    stack = AsyncExitStack()

    async def start() -> Running:
        fake = await stack.enter_async_context(FakeGitHub())
        await install(fake, database_url)
        runner = web.AppRunner(create_app(login_settings(fake), database_url))
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        running = Running(f"http://127.0.0.1:{port}")
        # The first account outside production is the admin; the next is a contributor.
        running.headers["admin"] = await _sign_up(running.base_url, "admin@example.com")
        running.headers["contributor"] = await _sign_up(running.base_url, "contributor@example.com")
        return running

    try:
        yield asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=60)
    finally:
        asyncio.run_coroutine_threadsafe(stack.aclose(), loop).result(timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def has_inputs(method: str, path: str) -> bool:
    documented = DOCUMENTED["paths"][path][method.lower()]
    return bool(documented.get("parameters") or documented.get("requestBody"))


def only_path_strings(method: str, path: str) -> bool:
    documented = DOCUMENTED["paths"][path][method.lower()]
    parameters = documented.get("parameters", [])
    return (
        "requestBody" not in documented
        and bool(parameters)
        and all(p["in"] == "path" and p["schema"].get("type") == "string" for p in parameters)
    )


def exercise(
    running: Running, operation: schemathesis.APIOperation, method: str, path: str, caller: str
) -> int:
    """Every mode's examples for one operation as one caller; the number of requests sent."""
    sent = 0
    with requests.Session() as http:
        for mode, checks in MODES.items():
            if mode is GenerationMode.NEGATIVE and not has_inputs(method, path):
                continue  # nothing to make invalid: Hypothesis would find no example at all
            try:
                sent += run_examples(running, http, operation, mode, checks, caller)
            except Unsatisfiable:
                # Schemathesis 4.32 makes no invalid path string it will put in a URL (NUL
                # is the pattern's only exclusion; tests/test_api_hardening.py sends that).
                if mode is GenerationMode.POSITIVE or not only_path_strings(method, path):
                    raise
    return sent


def run_examples(
    running: Running,
    http: requests.Session,
    operation: schemathesis.APIOperation,
    mode: GenerationMode,
    checks: list,
    caller: str,
) -> int:
    sent = 0

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: schemathesis.Case) -> None:
        nonlocal sent
        sent += 1
        # Generated headers may include Authorization; the caller's own wins.
        case.call_and_validate(
            base_url=running.base_url,
            session=http,
            headers=running.headers.get(caller, {}),
            checks=checks,
            timeout=30,
        )

    call()
    return sent


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_answers_as_documented(fresh_database_url, method, path):
    failures = []
    with app_on_loopback(fresh_database_url) as running:
        # The document as the running app serves it, not as this module built it.
        schema = schemathesis.openapi.from_url(f"{running.base_url}/openapi.json", config=CONFIG)
        operation = schema[path][method]
        for caller in CALLERS:
            try:
                sent = exercise(running, operation, method, path, caller)
            except Exception as exc:  # every caller's findings in one report
                failures.append(f"--- as {caller}:\n{exc}")
                continue
            assert sent >= 1
            # Seen with `pytest -s`: how many requests each operation got (for the README).
            print(f"contract: {method} {path} as {caller}: {sent} requests")
    assert not failures, "\n".join(failures)


async def test_the_served_document_has_no_operation_this_file_does_not_call(client):
    """The operations are read from the app at import time; the app serving requests (with
    its database, and whatever settings add) documents exactly those."""
    served = await (await client.get("/openapi.json")).json()
    assert (
        sorted(
            (method.upper(), path)
            for path, methods in served["paths"].items()
            for method in methods
        )
        == OPERATIONS
    )
