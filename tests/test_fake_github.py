"""Self-tests of the fake GitHub: it must refuse what GitHub refuses and answer in GitHub's shapes.

These talk to the fake with bare aiohttp, not with the client under test, so a lenient fake
cannot hide a client bug.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import jsonschema
import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gidgethub import sansio

from tests.fakes.github import (
    FakeGitHub,
    fake_github,  # noqa: F401
    files_from_diff,
    load_rest_subset,
    openapi_to_jsonschema,
    signed_delivery,
)

INSTALLATION_ID = 21
REPO = "octo-org/octo-repo"
OTHER_REPO = "someone/elsewhere"
SHA = "d" * 40
DIFF = """diff --git a/src/new.py b/src/new.py
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/src/new.py
@@ -0,0 +1,2 @@
+print("a")
+print("b")
diff --git a/README.md b/README.md
index 2222222..3333333 100644
--- a/README.md
+++ b/README.md
@@ -1 +1 @@
-old
+new
"""


@pytest_asyncio.fixture
async def token(fake_github: FakeGitHub, session: aiohttp.ClientSession) -> str:  # noqa: F811
    fake_github.add_installation(INSTALLATION_ID, [REPO])
    status, body, _ = await call(
        session,
        fake_github,
        "POST",
        f"/app/installations/{INSTALLATION_ID}/access_tokens",
        jwt_token=app_jwt(fake_github),
    )
    assert status == 201, body
    return body["token"]


async def call(
    session: aiohttp.ClientSession,
    fake: FakeGitHub,
    method: str,
    path: str,
    *,
    token: str | None = None,
    jwt_token: str | None = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, Mapping[str, str]]:
    sent = {"Accept": "application/vnd.github+json", **(headers or {})}
    if token:
        sent["Authorization"] = f"token {token}"
    if jwt_token:
        sent["Authorization"] = f"Bearer {jwt_token}"
    url = path if path.startswith("http") else fake.url(path)
    async with session.request(
        method, url, json=json, headers=sent, allow_redirects=False
    ) as response:
        if response.content_type == "application/json":
            body = await response.json()
        else:
            body = await response.text()
        return response.status, body, response.headers.copy()


def app_jwt(fake: FakeGitHub, *, iat_offset: int = -60, lifetime: int = 600, iss: str = "") -> str:
    now = int(time.time())
    claims = {
        "iat": now + iat_offset,
        "exp": now + iat_offset + lifetime,
        "iss": iss or fake.app_id,
    }
    return jwt.encode(claims, fake.private_key, algorithm="RS256")


def annotation(**overrides: Any) -> dict[str, Any]:
    return {
        "path": "src/app.py",
        "start_line": 3,
        "end_line": 3,
        "annotation_level": "failure",
        "message": "NameError: name 'oss' is not defined",
        **overrides,
    }


async def create_run(
    session: aiohttp.ClientSession, fake: FakeGitHub, token: str, **body: Any
) -> tuple[int, Any]:
    payload = {"name": "Grimoire", "head_sha": SHA, **body}
    status, response, _ = await call(
        session, fake, "POST", f"/repos/{REPO}/check-runs", token=token, json=payload
    )
    return status, response


# ---------------------------------------------------------------- App JWT


async def test_jwt_expiring_eleven_minutes_ahead_is_refused(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    fake_github.add_installation(INSTALLATION_ID)
    too_long = app_jwt(fake_github, iat_offset=0, lifetime=11 * 60)
    status, body, _ = await call(session, fake_github, "GET", "/app", jwt_token=too_long)
    assert status == 401
    assert "exp" in body["message"]
    assert fake_github.mint_count(INSTALLATION_ID) == 0


@pytest.mark.parametrize(
    ("iat_offset", "lifetime", "iss"),
    [
        (-700, 600, ""),  # expired
        (120, 400, ""),  # issued in the future
        (-60, 600, "1"),  # another App
    ],
)
async def test_bad_jwts_are_refused(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    iat_offset: int,
    lifetime: int,
    iss: str,
) -> None:
    bad = app_jwt(fake_github, iat_offset=iat_offset, lifetime=lifetime, iss=iss)
    status, _, _ = await call(session, fake_github, "GET", "/app", jwt_token=bad)
    assert status == 401


async def test_jwt_signed_with_another_key_is_refused(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    now = int(time.time())
    forged = jwt.encode(
        {"iat": now - 60, "exp": now + 500, "iss": fake_github.app_id}, pem, algorithm="RS256"
    )
    status, _, _ = await call(session, fake_github, "GET", "/app", jwt_token=forged)
    assert status == 401


async def test_unknown_installation_cannot_mint(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    status, _, _ = await call(
        session,
        fake_github,
        "POST",
        "/app/installations/99/access_tokens",
        jwt_token=app_jwt(fake_github),
    )
    assert status == 404


# ---------------------------------------------------------------- installation tokens


async def test_expired_installation_token_is_refused(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    fake_github.set_job(1, repo=REPO, log=b"")
    assert (await call(session, fake_github, "GET", f"/repos/{REPO}/actions/jobs/1", token=token))[
        0
    ] == 200
    fake_github.expire_tokens(INSTALLATION_ID)
    status, body, _ = await call(
        session, fake_github, "GET", f"/repos/{REPO}/actions/jobs/1", token=token
    )
    assert status == 401
    assert body["message"] == "Bad credentials"


async def test_repository_outside_the_installation_is_not_found(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    fake_github.add_check_run(repo=OTHER_REPO, head_sha=SHA, check_run_id=5)
    status, _, _ = await call(
        session, fake_github, "GET", f"/repos/{OTHER_REPO}/check-runs/5", token=token
    )
    assert status == 404


async def test_repository_requests_need_a_token(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    status, _, _ = await call(session, fake_github, "GET", f"/repos/{REPO}/check-runs/1")
    assert status == 401


async def test_unsupported_api_version_is_refused(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    status, _, _ = await call(
        session,
        fake_github,
        "GET",
        f"/repos/{REPO}/check-runs/1",
        token=token,
        headers={"X-GitHub-Api-Version": "2019-01-01"},
    )
    assert status == 400


# ---------------------------------------------------------------- check-run bodies


async def test_fifty_one_annotations_are_refused(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    output = {
        "title": "t",
        "summary": "s",
        "annotations": [annotation(start_line=n, end_line=n) for n in range(1, 52)],
    }
    status, body = await create_run(session, fake_github, token, output=output)
    assert status == 422
    assert body["message"] == "Validation Failed"
    assert fake_github.check_runs == {}
    (violation,) = fake_github.schema_violations
    assert violation.method == "POST"
    assert any("at most 50" in e for e in violation.errors)


async def test_fifty_annotations_are_accepted(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    output = {
        "title": "t",
        "summary": "s",
        "annotations": [annotation(start_line=n, end_line=n) for n in range(1, 51)],
    }
    status, body = await create_run(session, fake_github, token, output=output)
    assert status == 201, body
    assert body["output"]["annotations_count"] == 50
    assert fake_github.schema_violations == []


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (
            {
                "output": {
                    "title": "t",
                    "summary": "s",
                    "annotations": [annotation(annotation_level="error")],
                }
            },
            "annotation_level",
        ),
        (
            {
                "output": {
                    "title": "t",
                    "summary": "s",
                    "annotations": [annotation(end_line=5, start_column=1, end_column=2)],
                }
            },
            "columns",
        ),
        (
            {
                "output": {
                    "title": "t",
                    "summary": "s",
                    "annotations": [annotation(title="x" * 256)],
                }
            },
            "title",
        ),
        (
            {
                "output": {
                    "title": "t",
                    "summary": "s",
                    "annotations": [{"path": "a.py", "start_line": 1}],
                }
            },
            "required",
        ),
        ({"output": {"title": "t", "summary": "x" * 65536}}, "summary"),
        ({"output": {"summary": "no title"}}, "title"),
        ({"status": "completed"}, "conclusion"),
        ({"status": "waiting"}, "status"),
        ({"conclusion": "stale"}, "stale"),
        ({"actions": [{"label": "x" * 21, "description": "d", "identifier": "i"}]}, "label"),
        ({"actions": [{"label": "l", "description": "d", "identifier": "i"}] * 4}, "actions"),
        ({"started_at": "yesterday"}, "started_at"),
    ],
)
async def test_invalid_check_runs_are_refused(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
    body: dict[str, Any],
    complaint: str,
) -> None:
    status, _ = await create_run(session, fake_github, token, **body)
    assert status == 422
    (violation,) = fake_github.schema_violations
    assert any(complaint in e for e in violation.errors), violation.errors


async def test_patch_appends_annotations_and_conclusion_completes(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    status, created = await create_run(session, fake_github, token, status="in_progress")
    assert status == 201
    path = f"/repos/{REPO}/check-runs/{created['id']}"
    for line in (1, 2):
        output = {"summary": "more", "annotations": [annotation(start_line=line, end_line=line)]}
        status, _, _ = await call(
            session, fake_github, "PATCH", path, token=token, json={"output": output}
        )
        assert status == 200
    status, run, _ = await call(
        session, fake_github, "PATCH", path, token=token, json={"conclusion": "failure"}
    )
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert run["completed_at"] is not None
    assert [a["start_line"] for a in fake_github.check_runs[created["id"]].annotations] == [1, 2]
    status, listed, _ = await call(session, fake_github, "GET", path + "/annotations", token=token)
    assert [a["start_line"] for a in listed] == [1, 2]


# ---------------------------------------------------------------- reads


async def test_annotations_are_paginated_with_link_headers(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    run = fake_github.add_check_run(repo=REPO, head_sha=SHA)
    fake_github.set_annotations(run.id, [annotation(start_line=n, end_line=n) for n in range(1, 6)])
    path = f"/repos/{REPO}/check-runs/{run.id}/annotations?per_page=2"
    status, page, headers = await call(session, fake_github, "GET", path, token=token)
    assert status == 200
    assert [a["start_line"] for a in page] == [1, 2]
    assert 'rel="next"' in headers["Link"] and "page=2" in headers["Link"]
    last = await call(session, fake_github, "GET", path + "&page=3", token=token)
    assert [a["start_line"] for a in last[1]] == [5]
    assert 'rel="next"' not in last[2]["Link"]


async def test_check_runs_for_a_commit_filter_by_name(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    fake_github.add_check_run(repo=REPO, head_sha=SHA, name="lint")
    wanted = fake_github.add_check_run(repo=REPO, head_sha=SHA, name="tests")
    fake_github.add_check_run(repo=REPO, head_sha="e" * 40, name="tests")
    path = f"/repos/{REPO}/commits/{SHA}/check-runs?check_name=tests"
    status, body, _ = await call(session, fake_github, "GET", path, token=token)
    assert status == 200
    assert body["total_count"] == 1
    assert [r["id"] for r in body["check_runs"]] == [wanted.id]


async def test_fork_pull_is_found_by_commit_but_not_on_the_check_run(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    fake_github.add_pull(8, repo=REPO, head_sha=SHA, head_repo="contributor/octo-repo")
    run = fake_github.add_check_run(repo=REPO, head_sha=SHA)
    _, check_run, _ = await call(
        session, fake_github, "GET", f"/repos/{REPO}/check-runs/{run.id}", token=token
    )
    assert check_run["pull_requests"] == []
    _, pulls, _ = await call(
        session, fake_github, "GET", f"/repos/{REPO}/commits/{SHA}/pulls", token=token
    )
    assert [p["number"] for p in pulls] == [8]
    assert pulls[0]["head"]["repo"]["full_name"] == "contributor/octo-repo"


async def test_same_repo_pull_is_listed_on_the_check_run(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    fake_github.add_pull(9, repo=REPO, head_sha=SHA)
    run = fake_github.add_check_run(repo=REPO, head_sha=SHA)
    _, check_run, _ = await call(
        session, fake_github, "GET", f"/repos/{REPO}/check-runs/{run.id}", token=token
    )
    assert [p["number"] for p in check_run["pull_requests"]] == [9]


async def test_pull_diff_and_too_large(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    fake_github.add_pull(1, repo=REPO, diff=DIFF)
    fake_github.add_pull(2, repo=REPO, diff=DIFF, too_large=True)
    diff_accept = {"Accept": "application/vnd.github.v3.diff"}
    status, text, _ = await call(
        session, fake_github, "GET", f"/repos/{REPO}/pulls/1", token=token, headers=diff_accept
    )
    assert (status, text) == (200, DIFF)
    status, body, _ = await call(
        session, fake_github, "GET", f"/repos/{REPO}/pulls/2", token=token, headers=diff_accept
    )
    assert status == 406
    assert body["errors"][0]["code"] == "too_large"


def test_files_are_derived_from_the_diff() -> None:
    files = files_from_diff(DIFF)
    assert [(f["filename"], f["status"], f["additions"], f["deletions"]) for f in files] == [
        ("src/new.py", "added", 2, 0),
        ("README.md", "modified", 1, 1),
    ]
    assert files[1]["patch"] == "@@ -1 +1 @@\n-old\n+new"


# ---------------------------------------------------------------- faults


async def test_injected_fault_is_used_up(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    run = fake_github.add_check_run(repo=REPO, head_sha=SHA)
    fake_github.inject("GET", r"/check-runs/\d+$", "rate_limit_429", times=2, retry_after="7")
    path = f"/repos/{REPO}/check-runs/{run.id}"
    first = await call(session, fake_github, "GET", path, token=token)
    second = await call(session, fake_github, "GET", path, token=token)
    third = await call(session, fake_github, "GET", path, token=token)
    assert [first[0], second[0], third[0]] == [429, 429, 200]
    assert first[2]["retry-after"] == "7"


async def test_primary_limit_fault_looks_like_github(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    fake_github.inject("GET", r"/check-runs/", "primary_403")
    status, body, headers = await call(
        session, fake_github, "GET", f"/repos/{REPO}/check-runs/1", token=token
    )
    assert status == 403
    assert headers["x-ratelimit-remaining"] == "0"
    assert int(headers["x-ratelimit-reset"]) > time.time()
    assert "rate limit" in body["message"]


# ---------------------------------------------------------------- log host


async def test_log_host_refuses_and_records_an_authorization_header(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    fake_github.set_job(4, repo=REPO, log=b"hello\n")
    status, _, headers = await call(
        session, fake_github, "GET", f"/repos/{REPO}/actions/jobs/4/logs", token=token
    )
    assert status == 302
    leaked = await call(session, fake_github, "GET", headers["Location"], token=token)
    assert leaked[0] == 400
    assert len(fake_github.auth_leaks) == 1
    clean = await call(session, fake_github, "GET", headers["Location"])
    assert clean[:2] == (200, "hello\n")


async def test_log_host_refuses_a_tampered_signature(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    fake_github.set_job(4, repo=REPO, log=b"hello\n")
    _, _, headers = await call(
        session, fake_github, "GET", f"/repos/{REPO}/actions/jobs/4/logs", token=token
    )
    tampered = headers["Location"].replace("jobs/4/", "jobs/5/")
    assert (await call(session, fake_github, "GET", tampered))[0] == 403


# ---------------------------------------------------------------- GitHub's shapes


RESPONSE_SHAPES = [
    ("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", "/repos/{repo}/check-runs/{run}"),
    (
        "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
        "/repos/{repo}/check-runs/{run}/annotations",
    ),
    ("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", "/repos/{repo}/actions/jobs/{job}"),
    ("GET /repos/{owner}/{repo}/pulls/{pull_number}", "/repos/{repo}/pulls/{pull}"),
    ("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", "/repos/{repo}/pulls/{pull}/files"),
]


@pytest.mark.parametrize(("operation", "path"), RESPONSE_SHAPES)
async def test_responses_match_githubs_schemas(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
    operation: str,
    path: str,
) -> None:
    schema = fake_github.response_schema(operation)
    if schema is None:
        pytest.skip("GitHub's REST reference (shared/github/rest-subset.json) is not available")
    fake_github.add_pull(3, repo=REPO, head_sha=SHA, diff=DIFF)
    run = fake_github.add_check_run(repo=REPO, head_sha=SHA, annotations=[annotation()])
    fake_github.set_job(77, repo=REPO, log=b"")
    url = path.format(repo=REPO, run=run.id, job=77, pull=3)
    status, body, _ = await call(session, fake_github, "GET", url, token=token)
    assert status == 200
    jsonschema.validate(body, schema, cls=jsonschema.Draft4Validator)


async def test_created_check_run_and_token_match_githubs_schemas(
    fake_github: FakeGitHub,  # noqa: F811
    session: aiohttp.ClientSession,
    token: str,
) -> None:
    run_schema = fake_github.response_schema("POST /repos/{owner}/{repo}/check-runs", "201")
    token_schema = fake_github.response_schema(
        "POST /app/installations/{installation_id}/access_tokens", "201"
    )
    if run_schema is None or token_schema is None:
        pytest.skip("GitHub's REST reference (shared/github/rest-subset.json) is not available")
    status, created = await create_run(
        session,
        fake_github,
        token,
        status="completed",
        conclusion="neutral",
        output={"title": "t", "summary": "s", "annotations": [annotation()]},
    )
    assert status == 201
    jsonschema.validate(created, run_schema, cls=jsonschema.Draft4Validator)
    _, minted, _ = await call(
        session,
        fake_github,
        "POST",
        f"/app/installations/{INSTALLATION_ID}/access_tokens",
        jwt_token=app_jwt(fake_github),
    )
    jsonschema.validate(minted, token_schema, cls=jsonschema.Draft4Validator)


def test_nullable_becomes_a_null_type() -> None:
    schema = openapi_to_jsonschema(
        {
            "type": "object",
            "properties": {
                "conclusion": {"type": "string", "enum": ["success"], "nullable": True},
                "app": {"nullable": True, "oneOf": [{"type": "object"}]},
            },
        }
    )
    jsonschema.validate({"conclusion": None, "app": None}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"conclusion": "failure"}, schema)


def test_rest_reference_loads_when_present() -> None:
    subset = load_rest_subset()
    if subset is None:
        pytest.skip("GitHub's REST reference is not available")
    assert "POST /repos/{owner}/{repo}/check-runs" in subset


# ---------------------------------------------------------------- webhook deliveries


def test_signed_delivery_matches_githubs_test_vector() -> None:
    body, headers = signed_delivery("ping", b"Hello, World!", "It's a Secret to Everybody")
    assert body == b"Hello, World!"
    assert headers["X-Hub-Signature-256"] == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_signed_delivery_is_accepted_by_gidgethub() -> None:
    payload = {"action": "completed", "check_run": {"id": 1}, "installation": {"id": 5}}
    body, headers = signed_delivery("check_run", payload, "s3cret", delivery_id="abc-123")
    event = sansio.Event.from_http(
        {k.lower(): v for k, v in headers.items()}, body, secret="s3cret"
    )
    assert (event.event, event.delivery_id, event.data) == ("check_run", "abc-123", payload)
    assert headers["User-Agent"].startswith("GitHub-Hookshot/")
