"""A fake GitHub on loopback that the real client code talks to over HTTP.

Two servers, two origins: the REST API under ``/api/v3`` (reach it with
``GHE_HOST=fake.ghe_host``, ``GHE_PROTOCOL=http``) and a log host that serves the signed
job-log downloads the API redirects to. The fake checks what GitHub checks (App JWT claims,
installation tokens, check-run bodies against GitHub's published schemas), records every
request, and injects the failures GitHub produces (5xx, timeouts, rate limits).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import enum
import fnmatch
import functools
import hashlib
import hmac
import http
import itertools
import json
import math
import os
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import jwt
import pytest_asyncio
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.github_users import UserSide

REPO_ROOT = Path(__file__).resolve().parents[2]
REST_SUBSET_FILE = Path("github") / "rest-subset.json"
API_PREFIX = "/api/v3"
HOST = "127.0.0.1"
DEFAULT_APP_ID = "424242"
DEFAULT_APP_SLUG = "grimoire-test"
DEFAULT_REPO = "octo-org/octo-repo"
ACTIONS_APP_ID = 15368
ACTIONS_APP_SLUG = "github-actions"
DEFAULT_PERMISSIONS = {
    "checks": "write",
    "pull_requests": "read",
    "actions": "read",
    "contents": "read",
    "metadata": "read",
}
DEFAULT_TOKEN_LIFETIME = 3600.0
DEFAULT_LOG_URL_LIFETIME = 60.0
DEFAULT_TIMEOUT_DELAY = 3.0
JWT_MAX_LIFETIME = 600
# How far in the future an `iat` may be before GitHub calls the JWT premature.
JWT_ALLOWED_SKEW = 30
RATE_LIMIT = 5000
RATE_LIMIT_WINDOW = 3600
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
LOG_CHUNK_SIZE = 16 * 1024
SUPPORTED_API_VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
DEFAULT_API_VERSION = "2022-11-28"
DOCS_URL = "https://docs.github.com/rest"
JSON_TYPE = "application/json"
DIFF_MEDIA_TYPES = ("application/vnd.github.diff", "application/vnd.github.v3.diff")

APP_STATUSES = frozenset({"queued", "in_progress", "completed"})
ACTIONS_ONLY_STATUSES = frozenset({"waiting", "requested", "pending"})
APP_CONCLUSIONS = frozenset(
    {"action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out"}
)
ANNOTATION_LEVELS = frozenset({"notice", "warning", "failure"})
ANNOTATION_REQUIRED = ("path", "start_line", "end_line", "annotation_level", "message")
MAX_ANNOTATIONS_PER_REQUEST = 50
MAX_ANNOTATION_TITLE = 255
MAX_ANNOTATION_BYTES = 64 * 1024
MAX_MARKDOWN = 65535
MAX_ACTIONS = 3
ACTION_LIMITS = {"label": 20, "description": 40, "identifier": 20}
ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID {rid}."
)
PRIMARY_LIMIT_MESSAGE = (
    "API rate limit exceeded for installation. If you reach out to GitHub Support for help, "
    "please include the request ID {rid}."
)
TOO_LARGE_MESSAGE = (
    "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull "
    "requests files' API or locally cloning the repository instead."
)


class FaultKind(enum.StrEnum):
    TIMEOUT = "timeout"
    # The request takes effect, then the answer is lost (a proxy's 502 on the way back).
    LOST_RESPONSE = "lost_response"
    RATE_LIMIT_429 = "rate_limit_429"
    SECONDARY_403 = "secondary_403"
    PRIMARY_403 = "primary_403"


class Server(enum.StrEnum):
    API = "api"
    LOGS = "logs"


class AuthKind(enum.StrEnum):
    JWT = "jwt"
    TOKEN = "token"
    USER = "user"  # a GitHub App user token (ghu_)
    NONE = "none"


@dataclasses.dataclass
class RecordedRequest:
    server: Server
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    auth: AuthKind = AuthKind.NONE
    credential: str | None = None
    installation_id: int | None = None
    status: int | None = None


@dataclasses.dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    kind: int | FaultKind
    remaining: int
    headers: dict[str, str | None]


@dataclasses.dataclass
class Installation:
    id: int
    repos: frozenset[str] | None
    permissions: dict[str, str]
    mints: int = 0


@dataclasses.dataclass
class IssuedToken:
    token: str
    installation_id: int
    expires_at: float
    revoked: bool = False


@dataclasses.dataclass
class CheckRun:
    repo: str
    data: dict[str, Any]
    annotations: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def output(self) -> dict[str, Any]:
        return self.data["output"]


@dataclasses.dataclass
class Job:
    repo: str
    data: dict[str, Any]
    log: bytes | None
    log_gone: bool = False
    log_inline: bool = False


@dataclasses.dataclass
class Pull:
    repo: str
    number: int
    data: dict[str, Any]
    diff: str
    files: list[dict[str, Any]]
    too_large: bool = False


@dataclasses.dataclass(frozen=True)
class SchemaViolation:
    method: str
    path: str
    errors: tuple[str, ...]


RECORD_KEY = web.RequestKey("record", RecordedRequest)


class _Reject(Exception):
    """Ends a request early with a GitHub-shaped error response."""

    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__(response.status)
        self.response = response


# --------------------------------------------------------------------------- schemas


def shared_dir() -> Path:
    return Path(os.environ.get("GRIMOIRE_SHARED_DIR", REPO_ROOT.parent / "shared"))


@functools.cache
def _read_rest_subset(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_rest_subset() -> dict[str, Any] | None:
    """GitHub's schemas for the endpoints Grimoire calls, or None when the reference is absent."""
    return _read_rest_subset(shared_dir() / REST_SUBSET_FILE)


def openapi_to_jsonschema(schema: Any) -> Any:
    """Turn an OpenAPI 3.0 schema (``nullable: true``) into plain JSON Schema."""
    if not isinstance(schema, dict):
        return schema
    converted = dict(schema)
    for key in ("properties", "patternProperties"):
        if isinstance(converted.get(key), dict):
            converted[key] = {
                name: openapi_to_jsonschema(sub) for name, sub in converted[key].items()
            }
    for key in ("items", "additionalProperties", "not"):
        if isinstance(converted.get(key), dict):
            converted[key] = openapi_to_jsonschema(converted[key])
    for key in ("oneOf", "anyOf", "allOf"):
        if isinstance(converted.get(key), list):
            converted[key] = [openapi_to_jsonschema(sub) for sub in converted[key]]
    if converted.pop("nullable", False) is True:
        if isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
            if "enum" in converted:
                converted["enum"] = [*converted["enum"], None]
        else:
            return {"anyOf": [converted, {"type": "null"}]}
    return converted


def request_schema(subset: Mapping[str, Any], operation: str) -> dict[str, Any] | None:
    body = (subset.get(operation) or {}).get("requestBody") or {}
    schema = body.get("content", {}).get(JSON_TYPE, {}).get("schema")
    return openapi_to_jsonschema(schema) if schema else None


def response_schema(
    subset: Mapping[str, Any], operation: str, status: str = "200"
) -> dict[str, Any] | None:
    responses = (subset.get(operation) or {}).get("success_responses") or {}
    schema = responses.get(status, {}).get("content", {}).get(JSON_TYPE, {}).get("schema")
    return openapi_to_jsonschema(schema) if schema else None


def schema_errors(schema: Mapping[str, Any], instance: Any) -> list[str]:
    validator = jsonschema.Draft4Validator(schema)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    ]


# --------------------------------------------------------------------------- check-run rules


def check_run_body_errors(body: Any, *, creating: bool) -> list[str]:
    """What GitHub refuses in a POST (creating) or PATCH check-run body."""
    if not isinstance(body, dict):
        return ["body must be a JSON object"]
    errors: list[str] = []
    if creating:
        errors += [
            f"{field} is required"
            for field in ("name", "head_sha")
            if not isinstance(body.get(field), str) or not body[field]
        ]
    errors += _status_errors(body)
    for field in ("started_at", "completed_at"):
        if field in body and not (isinstance(body[field], str) and ISO_8601.match(body[field])):
            errors.append(f"{field} must be an ISO 8601 timestamp")
    for field in ("name", "details_url", "external_id"):
        if field in body and not isinstance(body[field], str):
            errors.append(f"{field} must be a string")
    if "output" in body:
        errors += output_errors(body["output"], creating=creating)
    if "actions" in body:
        errors += actions_errors(body["actions"])
    return errors


def _status_errors(body: Mapping[str, Any]) -> list[str]:
    errors = []
    status = body.get("status")
    if "status" in body and status not in APP_STATUSES:
        if status in ACTIONS_ONLY_STATUSES:
            errors.append(f"status {status!r} can only be set by GitHub Actions")
        else:
            errors.append(f"status must be one of {sorted(APP_STATUSES)}")
    conclusion = body.get("conclusion")
    if "conclusion" in body and conclusion not in APP_CONCLUSIONS:
        if conclusion == "stale":
            errors.append("conclusion 'stale' can only be set by GitHub")
        else:
            errors.append(f"conclusion must be one of {sorted(APP_CONCLUSIONS)}")
    if (status == "completed" or "completed_at" in body) and "conclusion" not in body:
        errors.append("conclusion is required when status is completed or completed_at is set")
    return errors


def output_errors(output: Any, *, creating: bool) -> list[str]:
    if not isinstance(output, dict):
        return ["output must be an object"]
    errors = []
    required = ("title", "summary") if creating else ("summary",)
    errors += [f"output.{field} is required" for field in required if field not in output]
    for field in ("title", "summary", "text"):
        if field in output and not isinstance(output[field], str):
            errors.append(f"output.{field} must be a string")
    for field in ("summary", "text"):
        if isinstance(output.get(field), str) and len(output[field]) > MAX_MARKDOWN:
            errors.append(f"output.{field} is longer than {MAX_MARKDOWN} characters")
    annotations = output.get("annotations", [])
    if not isinstance(annotations, list):
        errors.append("output.annotations must be an array")
    else:
        if len(annotations) > MAX_ANNOTATIONS_PER_REQUEST:
            errors.append(
                f"output.annotations has {len(annotations)} items; "
                f"at most {MAX_ANNOTATIONS_PER_REQUEST} per request"
            )
        for index, annotation in enumerate(annotations):
            errors += annotation_errors(annotation, f"output.annotations[{index}]")
    for index, image in enumerate(output.get("images") or []):
        if not isinstance(image, dict) or not {"alt", "image_url"} <= image.keys():
            errors.append(f"output.images[{index}] needs alt and image_url")
    return errors


def annotation_errors(annotation: Any, where: str) -> list[str]:
    if not isinstance(annotation, dict):
        return [f"{where} must be an object"]
    missing = [f"{where}.{field} is required" for field in ANNOTATION_REQUIRED]
    missing = [m for m, f in zip(missing, ANNOTATION_REQUIRED, strict=True) if f not in annotation]
    if missing:
        return missing
    errors = []
    if not isinstance(annotation["path"], str) or not annotation["path"]:
        errors.append(f"{where}.path must be a non-empty string")
    lines_ok = all(_is_positive_int(annotation[f]) for f in ("start_line", "end_line"))
    if not lines_ok:
        errors.append(f"{where}: start_line and end_line must be integers >= 1")
    elif annotation["end_line"] < annotation["start_line"]:
        errors.append(f"{where}: end_line is before start_line")
    if annotation["annotation_level"] not in ANNOTATION_LEVELS:
        errors.append(
            f"{where}.annotation_level must be one of {sorted(ANNOTATION_LEVELS)}, "
            f"not {annotation['annotation_level']!r}"
        )
    if not isinstance(annotation["message"], str) or not annotation["message"]:
        errors.append(f"{where}.message must be a non-empty string")
    errors += _column_errors(annotation, where, lines_ok)
    title = annotation.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > MAX_ANNOTATION_TITLE):
        errors.append(f"{where}.title must be a string of at most {MAX_ANNOTATION_TITLE} chars")
    for field in ("message", "raw_details"):
        value = annotation.get(field)
        if isinstance(value, str) and len(value.encode("utf-8")) > MAX_ANNOTATION_BYTES:
            errors.append(f"{where}.{field} is larger than 64 KB")
        if field == "raw_details" and value is not None and not isinstance(value, str):
            errors.append(f"{where}.raw_details must be a string")
    return errors


def _column_errors(annotation: Mapping[str, Any], where: str, lines_ok: bool) -> list[str]:
    columns = [f for f in ("start_column", "end_column") if annotation.get(f) is not None]
    if not columns:
        return []
    errors = [
        f"{where}.{f} must be an integer >= 1"
        for f in columns
        if not _is_positive_int(annotation[f])
    ]
    if lines_ok and annotation["start_line"] != annotation["end_line"]:
        errors.append(f"{where}: columns are only allowed when start_line == end_line")
    return errors


def actions_errors(actions: Any) -> list[str]:
    if not isinstance(actions, list):
        return ["actions must be an array"]
    errors = []
    if len(actions) > MAX_ACTIONS:
        errors.append(f"at most {MAX_ACTIONS} actions are allowed")
    for index, action in enumerate(actions):
        if not isinstance(action, dict):
            errors.append(f"actions[{index}] must be an object")
            continue
        for field, limit in ACTION_LIMITS.items():
            value = action.get(field)
            if not isinstance(value, str) or not value:
                errors.append(f"actions[{index}].{field} is required")
            elif len(value) > limit:
                errors.append(f"actions[{index}].{field} is longer than {limit} characters")
    return errors


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


# --------------------------------------------------------------------------- helpers


def github_time(epoch: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _node_id(prefix: str, number: int) -> str:
    return f"{prefix}_" + base64.b64encode(f"{prefix}:{number}".encode()).decode().rstrip("=")


def _error_body(message: str, status: int, **extra: Any) -> dict[str, Any]:
    return {"message": message, "documentation_url": DOCS_URL, "status": str(status), **extra}


def _reject(status: int, message: str, **extra: Any) -> _Reject:
    return _Reject(web.json_response(_error_body(message, status, **extra), status=status))


def files_from_diff(diff: str) -> list[dict[str, Any]]:
    """The ``pulls/{n}/files`` entries a unified diff describes: names, status, counts, patch."""
    files = []
    for section in re.split(r"(?m)^(?=diff --git )", diff):
        if not section.startswith("diff --git "):
            continue
        header = section.splitlines()[0]
        match = re.match(r"diff --git a/(?P<old>\S+) b/(?P<new>\S+)", header)
        if match is None:
            continue
        hunk_start = section.find("\n@@")
        patch = section[hunk_start + 1 :].rstrip("\n") if hunk_start >= 0 else None
        body_lines = patch.splitlines() if patch else []
        additions = sum(1 for line in body_lines if line.startswith("+"))
        deletions = sum(1 for line in body_lines if line.startswith("-"))
        entry: dict[str, Any] = {
            "filename": match["new"],
            "status": _diff_status(section, match["old"], match["new"]),
            "additions": additions,
            "deletions": deletions,
            "changes": additions + deletions,
        }
        if match["old"] != match["new"]:
            entry["previous_filename"] = match["old"]
        if patch is not None:
            entry["patch"] = patch
        files.append(entry)
    return files


def _diff_status(section: str, old: str, new: str) -> str:
    if "\nnew file mode" in section:
        return "added"
    if "\ndeleted file mode" in section:
        return "removed"
    if old != new:
        return "renamed"
    return "modified"


def signed_delivery(
    event: str,
    payload: Mapping[str, Any] | bytes,
    secret: str,
    delivery_id: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A webhook delivery as GitHub sends it: the exact body bytes and the signed headers."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    key = secret.encode("utf-8")
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
        "X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest(),
        "X-GitHub-Hook-ID": "123456789",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-GitHub-Hook-Installation-Target-ID": DEFAULT_APP_ID,
        "Content-Type": JSON_TYPE,
        "User-Agent": "GitHub-Hookshot/8f2b2a9",
    }
    return body, headers


def _generate_app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _process_app_key() -> rsa.RSAPrivateKey:
    # RSA generation costs ~50 ms; one key per test process keeps hundreds of fakes cheap.
    return _generate_app_key()


# --------------------------------------------------------------------------- git trees

# GitHub's limit on one recursive tree answer (it also stops at 7 MB).
GIT_TREE_MAX_ENTRIES = 100_000
BLOB_MODE = "100644"
TREE_MODE = "040000"
SUBMODULE_MODE = "160000"


@dataclasses.dataclass
class GitTrees:
    """Git tree objects per repository, as the git trees API serves them.

    A commit's file list is stored as nested trees with stable shas, so a recursive
    answer, one folder's entries and a subtree read by its own sha all agree.
    ``max_entries`` is where a recursive answer stops and says ``truncated``.
    """

    max_entries: int = GIT_TREE_MAX_ENTRIES
    trees: dict[tuple[str, str], list[dict[str, Any]]] = dataclasses.field(default_factory=dict)
    commits: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)

    def add_commit(
        self, repo: str, commit_sha: str, paths: Iterable[str], submodules: Iterable[str] = ()
    ) -> str:
        root: dict[str, Any] = {}
        for path, kind in [(p, "blob") for p in paths] + [(p, "commit") for p in submodules]:
            *folders, name = path.split("/")
            node = root
            for folder in folders:
                node = node.setdefault(folder, {})
            node[name] = kind
        tree_sha = self._store(repo, root)
        self.commits[(repo, commit_sha)] = tree_sha
        return tree_sha

    def _store(self, repo: str, node: Mapping[str, Any]) -> str:
        entries = []
        for name in sorted(node):
            child = node[name]
            if isinstance(child, dict):
                entries.append(
                    {
                        "path": name,
                        "mode": TREE_MODE,
                        "type": "tree",
                        "sha": self._store(repo, child),
                    }
                )
            elif child == "commit":
                entries.append(
                    {
                        "path": name,
                        "mode": SUBMODULE_MODE,
                        "type": "commit",
                        "sha": _git_sha("commit", f"{repo}:{name}"),
                    }
                )
            else:
                entries.append(
                    {
                        "path": name,
                        "mode": BLOB_MODE,
                        "type": "blob",
                        "sha": _git_sha("blob", f"{repo}:{name}"),
                        "size": len(name),
                    }
                )
        sha = _git_sha("tree", json.dumps(entries, sort_keys=True))
        self.trees[(repo, sha)] = entries
        return sha

    def resolve(self, repo: str, ref: str) -> str | None:
        """The tree sha a commit or tree sha names in ``repo``, if it exists."""
        sha = self.commits.get((repo, ref), ref)
        return sha if (repo, sha) in self.trees else None

    def listing(self, repo: str, sha: str, *, recursive: bool) -> tuple[list[dict[str, Any]], bool]:
        """(entries, truncated) of tree ``sha``, with paths relative to it."""
        found: list[dict[str, Any]] = []
        pending = [("", sha)]
        while pending:
            prefix, tree = pending.pop(0)
            for entry in self.trees[(repo, tree)]:
                found.append(dict(entry, path=prefix + entry["path"]))
                if recursive and entry["type"] == "tree":
                    pending.append((f"{prefix}{entry['path']}/", entry["sha"]))
        if len(found) > self.max_entries:
            return found[: self.max_entries], True
        return found, False


def _git_sha(kind: str, content: str) -> str:
    return hashlib.sha1(f"{kind} {content}".encode(), usedforsecurity=False).hexdigest()


# --------------------------------------------------------------------------- the fake


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeGitHub(UserSide):
    """GitHub's REST API and log host on loopback, with state to seed and inspect.

    The App's RSA key pair is ``private_key_pem`` (or the loaded ``private_key``) and
    ``public_key``; it is generated once per test process (``fresh_key=True`` for a new one).
    """

    def __init__(
        self,
        *,
        app_id: str = DEFAULT_APP_ID,
        token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
        log_url_lifetime: float = DEFAULT_LOG_URL_LIFETIME,
        timeout_delay: float = DEFAULT_TIMEOUT_DELAY,
        validate_schemas: bool = True,
        fresh_key: bool = False,
    ) -> None:
        self.app_id = str(app_id)
        self.token_lifetime = token_lifetime
        self.log_url_lifetime = log_url_lifetime
        self.timeout_delay = timeout_delay
        self.requests: list[RecordedRequest] = []
        self.schema_violations: list[SchemaViolation] = []
        self.auth_leaks: list[RecordedRequest] = []
        self.installations: dict[int, Installation] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.jobs: dict[int, Job] = {}
        self.pulls: dict[tuple[str, int], Pull] = {}
        self.faults: list[Fault] = []
        self.git_trees = GitTrees()
        self.moved_repos: dict[str, str] = {}
        self._commit_pulls: dict[str, list[tuple[str | None, int]]] = {}
        self._repo_ids: dict[str, int] = {}
        self._ids = itertools.count(4_000_001)
        self._rate_used: dict[str, int] = {}
        self._rate_window_start = time.time()
        self._log_signing_key = secrets.token_bytes(32)
        self._rest_subset = load_rest_subset() if validate_schemas else None
        self.private_key = _generate_app_key() if fresh_key else _process_app_key()
        self.private_key_pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode("ascii")
        self.public_key = self.private_key.public_key()
        self._init_user_side()
        self._runners: list[web.AppRunner] = []
        self._api_port = 0
        self._log_port = 0

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> FakeGitHub:
        api_runner = await self._serve(self._api_app())
        log_runner = await self._serve(self._log_app())
        self._api_port = api_runner.addresses[0][1]
        self._log_port = log_runner.addresses[0][1]
        return self

    async def close(self) -> None:
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()

    async def __aenter__(self) -> FakeGitHub:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _serve(self, app: web.Application) -> web.AppRunner:
        # handler_cancellation: a client that gave up (timeout test) ends the sleeping handler.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5
        )
        await runner.setup()
        await web.TCPSite(runner, HOST, 0).start()
        self._runners.append(runner)
        return runner

    @property
    def ghe_host(self) -> str:
        """What GHE_HOST must be for the App to reach this fake."""
        return f"{HOST}:{self._api_port}"

    @property
    def ghe_protocol(self) -> str:
        return "http"

    @property
    def api_url(self) -> str:
        return f"http://{self.ghe_host}{API_PREFIX}"

    @property
    def html_url(self) -> str:
        return f"http://{self.ghe_host}"

    @property
    def log_origin(self) -> str:
        return f"http://{HOST}:{self._log_port}"

    def url(self, path: str) -> str:
        """Absolute API URL for a path such as ``/repos/o/r/check-runs/1``."""
        return self.api_url + path

    # ---------------------------------------------------------------- seeding

    def add_installation(
        self,
        installation_id: int,
        repos: Iterable[str] | None = None,
        *,
        permissions: Mapping[str, str] | None = None,
    ) -> Installation:
        """An installation of the App; ``repos=None`` means all repositories."""
        installation = Installation(
            id=installation_id,
            repos=None if repos is None else frozenset(repos),
            permissions=dict(permissions or DEFAULT_PERMISSIONS),
        )
        self.installations[installation_id] = installation
        return installation

    def add_check_run(
        self,
        *,
        repo: str = DEFAULT_REPO,
        head_sha: str,
        name: str = "build",
        status: str = "completed",
        conclusion: str | None = "failure",
        output: Mapping[str, Any] | None = None,
        check_run_id: int | None = None,
        app_id: int = ACTIONS_APP_ID,
        app_slug: str = ACTIONS_APP_SLUG,
        external_id: str = "",
        details_url: str | None = None,
        check_suite_id: int | None = None,
        annotations: Iterable[Mapping[str, Any]] = (),
    ) -> CheckRun:
        """A check run someone else (by default GitHub Actions) put on a commit."""
        run_id = check_run_id or self._next_id()
        run = CheckRun(
            repo=repo,
            data=self._check_run_data(
                repo,
                run_id,
                name=name,
                head_sha=head_sha,
                status=status,
                conclusion=conclusion,
                app=self._app_json(app_id, app_slug),
                external_id=external_id,
                details_url=details_url,
                check_suite_id=check_suite_id,
            ),
        )
        self.check_runs[run_id] = run
        self._update_output(run, dict(output or {"title": None, "summary": None, "text": None}))
        self.set_annotations(run_id, annotations)
        return run

    def set_annotations(self, check_run_id: int, annotations: Iterable[Mapping[str, Any]]) -> None:
        run = self.check_runs[check_run_id]
        run.annotations = [self._stored_annotation(run, a) for a in annotations]
        self._refresh_annotation_count(run)

    def set_job(
        self,
        job_id: int,
        *,
        repo: str = DEFAULT_REPO,
        log: bytes | None = None,
        name: str = "build",
        status: str = "completed",
        conclusion: str | None = "failure",
        head_sha: str = "a" * 40,
        head_branch: str = "feature",
        workflow_name: str = "CI",
        run_id: int | None = None,
        run_attempt: int = 1,
        steps: list[dict[str, Any]] | None = None,
        check_run_id: int | None = None,
        log_gone: bool = False,
        log_inline: bool = False,
    ) -> Job:
        """An Actions job; its log (bytes) is what ``.../jobs/{id}/logs`` redirects to.

        ``log_gone`` answers 410 instead; ``log_inline`` serves the log with a 200 and no
        redirect, as some proxies in front of Enterprise Server do.
        """
        run = run_id or self._next_id()
        api_repo = f"{self.api_url}/repos/{repo}"
        now = github_time()
        job = Job(
            repo=repo,
            log=log,
            log_gone=log_gone,
            log_inline=log_inline,
            data={
                "id": job_id,
                "run_id": run,
                "run_url": f"{api_repo}/actions/runs/{run}",
                "run_attempt": run_attempt,
                "node_id": _node_id("CR", job_id),
                "head_sha": head_sha,
                "url": f"{api_repo}/actions/jobs/{job_id}",
                "html_url": f"{self.html_url}/{repo}/actions/runs/{run}/job/{job_id}",
                "status": status,
                "conclusion": conclusion,
                "created_at": now,
                "started_at": now,
                "completed_at": now if status == "completed" else None,
                "name": name,
                "steps": steps
                if steps is not None
                else [
                    {
                        "name": "Set up job",
                        "status": "completed",
                        "conclusion": "success",
                        "number": 1,
                        "started_at": now,
                        "completed_at": now,
                    },
                    {
                        "name": "Run tests",
                        "status": status,
                        "conclusion": conclusion,
                        "number": 2,
                        "started_at": now,
                        "completed_at": now,
                    },
                ],
                # In Actions a job's id is also its check run's id.
                "check_run_url": f"{api_repo}/check-runs/{check_run_id or job_id}",
                "labels": ["ubuntu-latest"],
                "runner_id": 1,
                "runner_name": "GitHub Actions 1",
                "runner_group_id": 2,
                "runner_group_name": "GitHub Actions",
                "workflow_name": workflow_name,
                "head_branch": head_branch,
            },
        )
        self.jobs[job_id] = job
        return job

    def add_pull(
        self,
        number: int,
        *,
        repo: str = DEFAULT_REPO,
        head_sha: str = "a" * 40,
        base_sha: str = "b" * 40,
        head_ref: str = "feature",
        base_ref: str = "main",
        head_repo: str | None = None,
        diff: str = "",
        files: Iterable[Mapping[str, Any]] | None = None,
        too_large: bool = False,
        title: str = "Fix the build",
        user: str = "octocat",
        state: str = "open",
    ) -> Pull:
        """A pull request; ``head_repo`` names a fork. Files default to those in ``diff``."""
        entries = [dict(f) for f in files] if files is not None else files_from_diff(diff)
        pull = Pull(
            repo=repo,
            number=number,
            diff=diff,
            too_large=too_large,
            files=[self._diff_entry(repo, head_sha, entry) for entry in entries],
            data=self._pull_json(
                repo,
                number,
                head_sha=head_sha,
                base_sha=base_sha,
                head_ref=head_ref,
                base_ref=base_ref,
                head_repo=head_repo or repo,
                title=title,
                user=user,
                state=state,
                entries=entries,
            ),
        )
        self.pulls[(repo, number)] = pull
        return pull

    def set_tree(
        self,
        commit_sha: str,
        paths: Iterable[str],
        *,
        repo: str = DEFAULT_REPO,
        submodules: Iterable[str] = (),
        max_entries: int | None = None,
    ) -> str:
        """The files of a commit, served by ``git/trees``; returns its root tree's sha.

        ``max_entries`` lowers the point where a recursive answer is ``truncated``.
        """
        if max_entries is not None:
            self.git_trees.max_entries = max_entries
        return self.git_trees.add_commit(repo, commit_sha, paths, submodules)

    def pulls_for_commit(
        self, sha: str, numbers: Iterable[int], *, repo: str | None = None
    ) -> None:
        """What ``/commits/{sha}/pulls`` answers; without this, PRs whose head is ``sha``."""
        self._commit_pulls[sha] = [(repo, n) for n in numbers]

    def move_repo(self, old: str, new: str) -> None:
        """Answer requests under ``/repos/{old}/`` with 301 to ``new``, as after a rename."""
        self.moved_repos[old] = new

    def expire_tokens(self, installation_id: int | None = None) -> None:
        """Make issued installation tokens expire now (all, or one installation's)."""
        now = time.time()
        for issued in self.tokens.values():
            if installation_id is None or issued.installation_id == installation_id:
                issued.expires_at = min(issued.expires_at, now - 1)

    def revoke_token(self, token: str) -> None:
        self.tokens[token].revoked = True

    def inject(
        self,
        method: str,
        path_regex: str,
        kind: int | str | FaultKind,
        times: int = 1,
        **headers: str | None,
    ) -> Fault:
        """Answer the next ``times`` matching requests with a failure instead.

        ``kind`` is an HTTP status or a FaultKind; ``headers`` (``retry_after="1"`` becomes
        ``retry-after: 1``; None drops a default) are added to the failure response.
        """
        fault = Fault(
            method=method.upper(),
            pattern=re.compile(path_regex),
            kind=kind if isinstance(kind, int) else FaultKind(kind),
            remaining=times,
            headers={name.replace("_", "-").lower(): value for name, value in headers.items()},
        )
        self.faults.append(fault)
        return fault

    # ---------------------------------------------------------------- inspection

    def requests_to(
        self, method: str, path_glob: str, *, server: Server = Server.API
    ) -> list[RecordedRequest]:
        """Recorded requests by method (``*`` for any) and API path glob (no ``/api/v3``)."""
        return [
            r
            for r in self.requests
            if r.server is server
            and (method == "*" or r.method == method.upper())
            and fnmatch.fnmatchcase(r.path, path_glob)
        ]

    def mint_count(self, installation_id: int) -> int:
        installation = self.installations.get(installation_id)
        return installation.mints if installation else 0

    @property
    def log_downloads(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.server is Server.LOGS]

    def response_schema(self, operation: str, status: str = "200") -> dict[str, Any] | None:
        """GitHub's JSON Schema for an operation's success response, if the reference is here."""
        if self._rest_subset is None:
            return None
        return response_schema(self._rest_subset, operation, status)

    # ---------------------------------------------------------------- apps

    def _api_app(self) -> web.Application:
        app = web.Application(middlewares=[self._api_middleware])
        routes = [
            ("GET", "/app", self._get_app),
            ("POST", "/app/installations/{installation_id}/access_tokens", self._mint_token),
            ("GET", "/repos/{owner}/{repo}/installation", self._get_repo_installation),
            ("POST", "/repos/{owner}/{repo}/check-runs", self._create_check_run),
            ("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", self._get_check_run),
            ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", self._update_check_run),
            (
                "GET",
                "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
                self._list_annotations,
            ),
            ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", self._list_check_runs),
            ("GET", "/repos/{owner}/{repo}/commits/{sha}/pulls", self._list_commit_pulls),
            ("GET", "/repos/{owner}/{repo}/actions/runs", self._list_workflow_runs),
            ("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", self._list_run_jobs),
            ("GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}", self._get_job),
            ("GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs", self._get_job_logs),
            ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", self._get_pull),
            ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", self._list_pull_files),
            ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}", self._get_git_tree),
        ]
        routes += self._user_routes()
        for method, path, handler in routes:
            app.router.add_route(method, API_PREFIX + path, handler)
        for method, path, handler in self._web_routes():
            app.router.add_route(method, path, handler)
        return app

    def _log_app(self) -> web.Application:
        app = web.Application(middlewares=[self._log_middleware])
        app.router.add_get(
            "/{tenant}/_apis/pipelines/1/jobs/{job_id}/signedlogcontent", self._download_log
        )
        return app

    @web.middleware
    async def _api_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        record = await self._record(request, Server.API)
        request[RECORD_KEY] = record
        try:
            lost = self._take_fault(request, record.path, applied_first=True)
            await self._apply_fault(request, record.path)
            self._check_api_version(request)
            self._redirect_moved_repo(request, record.path)
            if record.path.startswith("/app"):
                self._authenticate_app(request, record)
            elif record.path.startswith("/repos/"):
                self._authenticate_installation(request, record)
            elif record.path == "/user" or record.path.startswith("/user/"):
                self._authenticate_user(request, record)
            response = await handler(request)
            if lost is not None:
                response = await self._fault_response(lost)
        except _Reject as rejection:
            response = rejection.response
        except web.HTTPNotFound:
            response = web.json_response(_error_body("Not Found", 404), status=404)
        except web.HTTPMethodNotAllowed:
            response = web.json_response(_error_body("Not Found", 404), status=404)
        self._add_api_headers(request, record, response)
        record.status = response.status
        return response

    @web.middleware
    async def _log_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        record = await self._record(request, Server.LOGS)
        request[RECORD_KEY] = record
        try:
            await self._apply_fault(request, record.path)
            response = await handler(request)
        except _Reject as rejection:
            response = rejection.response
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            response = web.Response(status=404, text="BlobNotFound")
        record.status = response.status
        return response

    async def _record(self, request: web.Request, server: Server) -> RecordedRequest:
        body = await request.read()
        parsed: Any = None
        if body and request.content_type == JSON_TYPE:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        path = request.path
        if server is Server.API and path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :] or "/"
        record = RecordedRequest(
            server=server,
            method=request.method,
            path=path,
            query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            json=parsed,
        )
        self.requests.append(record)
        return record

    # ---------------------------------------------------------------- faults

    def _take_fault(self, request: web.Request, path: str, *, applied_first: bool) -> Fault | None:
        """The next matching fault of the wanted kind, counted as used."""
        for fault in self.faults:
            if fault.remaining <= 0 or (fault.kind == FaultKind.LOST_RESPONSE) != applied_first:
                continue
            if fault.method not in ("*", request.method) or not fault.pattern.search(path):
                continue
            fault.remaining -= 1
            return fault
        return None

    async def _apply_fault(self, request: web.Request, path: str) -> None:
        fault = self._take_fault(request, path, applied_first=False)
        if fault is not None:
            raise _Reject(await self._fault_response(fault))

    async def _fault_response(self, fault: Fault) -> web.Response:
        request_id = uuid.uuid4().hex[:16].upper()
        status, body, headers = self._fault_shape(fault.kind, request_id)
        if fault.kind == FaultKind.TIMEOUT:
            # Longer than any sane client timeout in tests; cancelled when the client hangs up.
            await asyncio.sleep(self.timeout_delay)
        for name, value in fault.headers.items():
            if value is None:
                headers.pop(name, None)
            else:
                headers[name] = str(value)
        if isinstance(body, str):
            return web.Response(status=status, text=body, content_type="text/html", headers=headers)
        return web.json_response(body, status=status, headers=headers)

    def _fault_shape(
        self, kind: int | FaultKind, request_id: str
    ) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        now = int(time.time())
        limits = {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(RATE_LIMIT - 10),
            "x-ratelimit-used": "10",
            "x-ratelimit-reset": str(now + RATE_LIMIT_WINDOW),
            "x-ratelimit-resource": "core",
        }
        match kind:
            case FaultKind.TIMEOUT:
                return 504, _error_body("We couldn't respond to your request in time.", 504), {}
            case FaultKind.RATE_LIMIT_429:
                message = SECONDARY_LIMIT_MESSAGE.format(rid=request_id)
                return 429, _error_body(message, 429), {**limits, "retry-after": "60"}
            case FaultKind.SECONDARY_403:
                return 403, _error_body(SECONDARY_LIMIT_MESSAGE.format(rid=request_id), 403), limits
            case FaultKind.PRIMARY_403:
                exhausted = {
                    **limits,
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-used": str(RATE_LIMIT),
                    "x-ratelimit-reset": str(now + 1800),
                }
                message = PRIMARY_LIMIT_MESSAGE.format(rid=request_id)
                return 403, _error_body(message, 403), exhausted
            case 502 | FaultKind.LOST_RESPONSE:
                return 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", {}
            case int(status):
                return status, _error_body(http.HTTPStatus(status).phrase, status), {}
        raise ValueError(f"unknown fault kind {kind!r}")

    def _redirect_moved_repo(self, request: web.Request, path: str) -> None:
        for old, new in self.moved_repos.items():
            prefix = f"/repos/{old}/"
            if path.startswith(prefix):
                target = request.url.with_path(f"{API_PREFIX}/repos/{new}/{path[len(prefix) :]}")
                raise _Reject(web.Response(status=301, headers={"Location": str(target)}))

    # ---------------------------------------------------------------- authentication

    def _check_api_version(self, request: web.Request) -> None:
        version = request.headers.get("x-github-api-version")
        if version is not None and version not in SUPPORTED_API_VERSIONS:
            raise _reject(400, f"API version '{version}' is not supported.")

    def _authenticate_app(self, request: web.Request, record: RecordedRequest) -> None:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credential:
            raise _reject(401, "A JSON web token could not be decoded")
        record.auth, record.credential = AuthKind.JWT, credential
        problem = self.jwt_problem(credential.strip())
        if problem is not None:
            raise _reject(401, problem)

    def jwt_problem(self, token: str, *, now: float | None = None) -> str | None:
        """Why GitHub would refuse this App JWT, or None if it accepts it."""
        try:
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            return "A JSON web token could not be decoded"
        current = time.time() if now is None else now
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or iat > current + JWT_ALLOWED_SKEW:
            return "'Issued at' claim ('iat') must be an Integer representing a time in the past"
        if not isinstance(exp, int) or exp <= current:
            return (
                "'Expiration time' claim ('exp') must be a numeric value representing the "
                "future time at which the assertion expires"
            )
        if exp - iat > JWT_MAX_LIFETIME or exp > current + JWT_MAX_LIFETIME + JWT_ALLOWED_SKEW:
            return "'Expiration time' claim ('exp') is too far in the future"
        if str(claims.get("iss")) != self.app_id:
            return "'Issuer' claim ('iss') must be an Integer"
        return None

    def _authenticate_installation(self, request: web.Request, record: RecordedRequest) -> None:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or not credential:
            raise _reject(401, "Requires authentication")
        record.auth, record.credential = AuthKind.TOKEN, credential.strip()
        issued = self.tokens.get(credential.strip())
        if issued is None or issued.revoked or issued.expires_at <= time.time():
            raise _reject(401, "Bad credentials")
        record.installation_id = issued.installation_id
        repo = f"{request.match_info.get('owner')}/{request.match_info.get('repo')}"
        installation = self.installations.get(issued.installation_id)
        if installation is None or (
            installation.repos is not None and repo not in installation.repos
        ):
            raise _reject(404, "Not Found")

    # ---------------------------------------------------------------- /app

    async def _get_app(self, request: web.Request) -> web.Response:
        return self._json(request, self._app_json(int(self.app_id), DEFAULT_APP_SLUG))

    async def _mint_token(self, request: web.Request) -> web.Response:
        installation = self.installations.get(int(request.match_info["installation_id"]))
        if installation is None:
            raise _reject(404, "Not Found")
        record = request[RECORD_KEY]
        if record.body:
            self._validate_request(
                request,
                "POST /app/installations/{installation_id}/access_tokens",
                record.json,
                [],
            )
        installation.mints += 1
        token = f"ghs_{self.app_id}_{secrets.token_urlsafe(96)}"
        expires_at = time.time() + self.token_lifetime
        self.tokens[token] = IssuedToken(token, installation.id, expires_at)
        body: dict[str, Any] = {
            "token": token,
            "expires_at": github_time(expires_at),
            "permissions": installation.permissions,
            "repository_selection": "all" if installation.repos is None else "selected",
        }
        return self._json(request, body, status=201)

    async def _get_repo_installation(self, request: web.Request) -> web.Response:
        repo = self._repo_name(request)
        for installation in self.installations.values():
            if installation.repos is None or repo in installation.repos:
                return self._json(
                    request,
                    {
                        "id": installation.id,
                        "app_id": int(self.app_id),
                        "app_slug": DEFAULT_APP_SLUG,
                        "permissions": installation.permissions,
                        "repository_selection": "all" if installation.repos is None else "selected",
                    },
                )
        raise _reject(404, "Not Found")

    # ---------------------------------------------------------------- check runs

    async def _create_check_run(self, request: web.Request) -> web.Response:
        repo = self._repo_name(request)
        body = self._json_body(request)
        self._validate_request(
            request,
            "POST /repos/{owner}/{repo}/check-runs",
            body,
            check_run_body_errors(body, creating=True),
        )
        run_id = self._next_id()
        run = CheckRun(
            repo=repo,
            data=self._check_run_data(
                repo,
                run_id,
                name=body["name"],
                head_sha=body["head_sha"],
                status="queued",
                conclusion=None,
                app=self._app_json(int(self.app_id), DEFAULT_APP_SLUG),
                external_id=body.get("external_id", ""),
                details_url=body.get("details_url"),
                check_suite_id=None,
            ),
        )
        self.check_runs[run_id] = run
        self._apply_check_run_changes(run, body)
        return self._json(request, self._check_run_json(run), status=201)

    async def _update_check_run(self, request: web.Request) -> web.Response:
        run = self._find_check_run(request)
        body = self._json_body(request)
        self._validate_request(
            request,
            "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
            body,
            check_run_body_errors(body, creating=False),
        )
        self._apply_check_run_changes(run, body)
        return self._json(request, self._check_run_json(run))

    async def _get_check_run(self, request: web.Request) -> web.Response:
        return self._json(request, self._check_run_json(self._find_check_run(request)))

    async def _list_annotations(self, request: web.Request) -> web.Response:
        run = self._find_check_run(request)
        page, link = self._paginate(request, run.annotations)
        return self._json(request, page, link=link)

    async def _list_check_runs(self, request: web.Request) -> web.Response:
        repo, ref = self._repo_name(request), request.match_info["ref"]
        runs = [r for r in self.check_runs.values() if r.repo == repo and r.data["head_sha"] == ref]
        check_name, status = request.query.get("check_name"), request.query.get("status")
        runs = [
            r
            for r in runs
            if (check_name is None or r.data["name"] == check_name)
            and (status is None or r.data["status"] == status)
        ]
        if request.query.get("filter", "latest") == "latest":
            latest: dict[str, CheckRun] = {}
            for run in sorted(runs, key=lambda r: r.id):
                latest[run.data["name"]] = run
            runs = list(latest.values())
        page, link = self._paginate(request, sorted(runs, key=lambda r: r.id))
        body = {"total_count": len(runs), "check_runs": [self._check_run_json(r) for r in page]}
        return self._json(request, body, link=link)

    def _apply_check_run_changes(self, run: CheckRun, body: Mapping[str, Any]) -> None:
        data = run.data
        for field in ("name", "details_url", "external_id", "started_at", "completed_at"):
            if field in body:
                data[field] = body[field]
        if "status" in body:
            data["status"] = body["status"]
        if "conclusion" in body:
            # Sending a conclusion alone completes the run.
            data["conclusion"] = body["conclusion"]
            data["status"] = "completed"
        if data["status"] == "completed" and not data.get("completed_at"):
            data["completed_at"] = github_time()
        if data["status"] in ("in_progress", "completed") and not data.get("started_at"):
            data["started_at"] = github_time()
        if "actions" in body:
            data["actions"] = list(body["actions"])
        output = body.get("output")
        if isinstance(output, Mapping):
            self._update_output(run, output)
            # Annotations accumulate across requests; GitHub never replaces them.
            run.annotations += [
                self._stored_annotation(run, a) for a in output.get("annotations", [])
            ]
            self._refresh_annotation_count(run)

    def _update_output(self, run: CheckRun, output: Mapping[str, Any]) -> None:
        stored = run.data.setdefault("output", {"title": None, "summary": None, "text": None})
        for field in ("title", "summary", "text"):
            if field in output:
                stored[field] = output[field]
        if "images" in output:
            stored["images"] = list(output["images"])

    def _refresh_annotation_count(self, run: CheckRun) -> None:
        run.output["annotations_count"] = len(run.annotations)
        run.output["annotations_url"] = f"{run.data['url']}/annotations"

    def _stored_annotation(self, run: CheckRun, annotation: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "path": annotation["path"],
            "start_line": annotation["start_line"],
            "end_line": annotation["end_line"],
            "start_column": annotation.get("start_column"),
            "end_column": annotation.get("end_column"),
            "annotation_level": annotation.get("annotation_level"),
            "title": annotation.get("title"),
            "message": annotation.get("message"),
            "raw_details": annotation.get("raw_details"),
            "blob_href": f"{self.html_url}/{run.repo}/blob/{run.data['head_sha']}/"
            f"{annotation['path']}",
        }

    def _find_check_run(self, request: web.Request) -> CheckRun:
        run = self.check_runs.get(_int_or_zero(request.match_info["check_run_id"]))
        if run is None or run.repo != self._repo_name(request):
            raise _reject(404, "Not Found")
        return run

    def _check_run_data(
        self,
        repo: str,
        run_id: int,
        *,
        name: str,
        head_sha: str,
        status: str,
        conclusion: str | None,
        app: dict[str, Any],
        external_id: str,
        details_url: str | None,
        check_suite_id: int | None,
    ) -> dict[str, Any]:
        url = f"{self.api_url}/repos/{repo}/check-runs/{run_id}"
        now = github_time()
        return {
            "id": run_id,
            "node_id": _node_id("CR", run_id),
            "head_sha": head_sha,
            "external_id": external_id,
            "url": url,
            "html_url": f"{self.html_url}/{repo}/runs/{run_id}",
            "details_url": details_url or f"{self.html_url}/apps/{app['slug']}",
            "status": status,
            "conclusion": conclusion,
            "started_at": now if status != "queued" else None,
            "completed_at": now if status == "completed" else None,
            "output": {
                "title": None,
                "summary": None,
                "text": None,
                "annotations_count": 0,
                "annotations_url": f"{url}/annotations",
            },
            "name": name,
            "check_suite": {"id": check_suite_id or self._suite_id(repo, head_sha, app["id"])},
            "app": app,
        }

    def _check_run_json(self, run: CheckRun) -> dict[str, Any]:
        data = {k: v for k, v in run.data.items() if k != "actions"}
        data["output"] = {k: v for k, v in run.output.items() if k != "images"}
        data["pull_requests"] = [
            self._minimal_pull(pull)
            for pull in self.pulls.values()
            if pull.repo == run.repo
            and pull.data["head"]["sha"] == run.data["head_sha"]
            # The Checks API cannot see pushes to forks: their runs list no pull requests.
            and pull.data["head"]["repo"]["full_name"] == pull.repo
        ]
        return data

    def _suite_id(self, repo: str, head_sha: str, app_id: int) -> int:
        digest = hashlib.sha256(f"{repo}:{head_sha}:{app_id}".encode()).digest()
        return int.from_bytes(digest[:4], "big")

    # ---------------------------------------------------------------- actions jobs

    async def _get_job(self, request: web.Request) -> web.Response:
        return self._json(request, self._find_job(request).data)

    async def _get_job_logs(self, request: web.Request) -> web.Response:
        job = self._find_job(request)
        if job.log_gone:
            raise _reject(410, "Gone")
        if job.log is None:
            raise _reject(404, "Not Found")
        if job.log_inline:
            return web.Response(body=job.log, content_type="text/plain", charset="utf-8")
        return web.Response(status=302, headers={"Location": self._signed_log_url(job)})

    async def _list_workflow_runs(self, request: web.Request) -> web.Response:
        """Workflow runs, from the jobs set up (``head_sha`` filters, as on GitHub)."""
        repo, sha = self._repo_name(request), request.query.get("head_sha")
        runs: dict[int, dict[str, Any]] = {}
        for job in self.jobs.values():
            if job.repo == repo and sha in (None, job.data["head_sha"]):
                run_id = job.data["run_id"]
                runs[run_id] = {
                    "id": run_id,
                    "head_sha": job.data["head_sha"],
                    "run_attempt": job.data["run_attempt"],
                    "url": job.data["run_url"],
                    "jobs_url": f"{job.data['run_url']}/jobs",
                    "name": job.data["workflow_name"],
                }
        page, link = self._paginate(request, sorted(runs.values(), key=lambda r: r["id"]))
        body = {"total_count": len(runs), "workflow_runs": page}
        return self._json(request, body, link=link)

    async def _list_run_jobs(self, request: web.Request) -> web.Response:
        repo, run_id = self._repo_name(request), _int_or_zero(request.match_info["run_id"])
        jobs = [j.data for j in self.jobs.values() if j.repo == repo and j.data["run_id"] == run_id]
        page, link = self._paginate(request, sorted(jobs, key=lambda j: j["id"]))
        return self._json(request, {"total_count": len(jobs), "jobs": page}, link=link)

    def _find_job(self, request: web.Request) -> Job:
        job = self.jobs.get(_int_or_zero(request.match_info["job_id"]))
        if job is None or job.repo != self._repo_name(request):
            raise _reject(404, "Not Found")
        return job

    def _signed_log_url(self, job: Job) -> str:
        expires = datetime.fromtimestamp(time.time() + self.log_url_lifetime, UTC)
        stamp = expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        job_id = job.data["id"]
        signature = self._log_signature(job_id, stamp)
        return (
            f"{self.log_origin}/{uuid.uuid4().hex}/_apis/pipelines/1/jobs/{job_id}/signedlogcontent"
            f"?urlExpires={stamp}&urlSigningMethod=HMACV1&urlSignature={signature}"
        )

    def _log_signature(self, job_id: int, stamp: str) -> str:
        digest = hmac.new(self._log_signing_key, f"{job_id}|{stamp}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")

    async def _download_log(self, request: web.Request) -> web.StreamResponse:
        record = request[RECORD_KEY]
        if "authorization" in record.headers:
            self.auth_leaks.append(record)
            return _blob_error(400, "InvalidAuthenticationInfo", "Unexpected Authorization header")
        job = self.jobs.get(_int_or_zero(request.match_info["job_id"]))
        stamp = request.query.get("urlExpires", "")
        expected = self._log_signature(job.data["id"], stamp) if job else ""
        if not job or not hmac.compare_digest(expected, request.query.get("urlSignature", "")):
            return _blob_error(403, "AuthenticationFailed", "Signature did not match")
        if datetime.fromisoformat(stamp).timestamp() <= time.time():
            return _blob_error(403, "AuthenticationFailed", "Signed expiry time has passed")
        log = job.log or b""
        response = web.StreamResponse(
            status=200, headers={"Content-Type": "text/plain; charset=utf-8"}
        )
        response.content_length = len(log)
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for start in range(0, len(log), LOG_CHUNK_SIZE):
                await response.write(log[start : start + LOG_CHUNK_SIZE])
            await response.write_eof()
        return response

    # ---------------------------------------------------------------- git trees

    async def _get_git_tree(self, request: web.Request) -> web.Response:
        record = request[RECORD_KEY]
        installation = self.installations.get(record.installation_id or 0)
        if installation is None or installation.permissions.get("contents") not in (
            "read",
            "write",
        ):
            raise _reject(403, "Resource not accessible by integration")
        repo = self._repo_name(request)
        sha = self.git_trees.resolve(repo, request.match_info["tree_sha"])
        if sha is None:
            raise _reject(404, "Not Found")
        # GitHub: any value of `recursive` (even "0" or "false") lists the whole tree.
        recursive = "recursive" in request.query
        entries, truncated = self.git_trees.listing(repo, sha, recursive=recursive)
        api_repo = f"{self.api_url}/repos/{repo}"
        for entry in entries:
            kind = "blobs" if entry["type"] == "blob" else "trees"
            if entry["type"] != "commit":
                entry["url"] = f"{api_repo}/git/{kind}/{entry['sha']}"
        return self._json(
            request,
            {
                "sha": sha,
                "url": f"{api_repo}/git/trees/{sha}",
                "tree": entries,
                "truncated": truncated,
            },
        )

    # ---------------------------------------------------------------- pull requests

    async def _get_pull(self, request: web.Request) -> web.Response:
        pull = self._find_pull(request)
        accept = request.headers.get("accept", "")
        if any(media in accept for media in DIFF_MEDIA_TYPES):
            if pull.too_large:
                raise _reject(
                    406,
                    TOO_LARGE_MESSAGE,
                    errors=[{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
                )
            return self._conditional(
                request,
                web.Response(
                    body=pull.diff.encode("utf-8"),
                    headers={"Content-Type": "application/vnd.github.diff; charset=utf-8"},
                ),
            )
        return self._json(request, pull.data)

    async def _list_pull_files(self, request: web.Request) -> web.Response:
        pull = self._find_pull(request)
        page, link = self._paginate(request, pull.files)
        return self._json(request, page, link=link)

    async def _list_commit_pulls(self, request: web.Request) -> web.Response:
        repo, sha = self._repo_name(request), request.match_info["sha"]
        if sha in self._commit_pulls:
            pulls = [
                self.pulls[(pull_repo or repo, number)]
                for pull_repo, number in self._commit_pulls[sha]
                if (pull_repo or repo, number) in self.pulls
            ]
        else:
            pulls = [
                p for p in self.pulls.values() if p.repo == repo and p.data["head"]["sha"] == sha
            ]
        page, link = self._paginate(request, [p.data for p in pulls])
        return self._json(request, page, link=link)

    def _find_pull(self, request: web.Request) -> Pull:
        key = (self._repo_name(request), _int_or_zero(request.match_info["pull_number"]))
        if key not in self.pulls:
            raise _reject(404, "Not Found")
        return self.pulls[key]

    def _pull_json(
        self,
        repo: str,
        number: int,
        *,
        head_sha: str,
        base_sha: str,
        head_ref: str,
        base_ref: str,
        head_repo: str,
        title: str,
        user: str,
        state: str,
        entries: list[dict[str, Any]],
    ) -> dict[str, Any]:
        api_repo = f"{self.api_url}/repos/{repo}"
        url = f"{api_repo}/pulls/{number}"
        html = f"{self.html_url}/{repo}/pull/{number}"
        pull_id = self._repo_id(repo) * 1000 + number
        author = self._user_json(user)
        now = github_time()
        links = {
            "self": url,
            "html": html,
            "issue": f"{api_repo}/issues/{number}",
            "comments": f"{api_repo}/issues/{number}/comments",
            "review_comments": f"{url}/comments",
            "review_comment": f"{api_repo}/pulls/comments{{/number}}",
            "commits": f"{url}/commits",
            "statuses": f"{api_repo}/statuses/{head_sha}",
        }
        return {
            "url": url,
            "id": pull_id,
            "node_id": _node_id("PR", pull_id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": links["issue"],
            "commits_url": links["commits"],
            "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": links["statuses"],
            "number": number,
            "state": state,
            "locked": False,
            "title": title,
            "user": author,
            "body": None,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._pull_ref(head_repo, head_ref, head_sha),
            "base": self._pull_ref(repo, base_ref, base_sha),
            "_links": {name: {"href": href} for name, href in links.items()},
            "author_association": "CONTRIBUTOR",
            "auto_merge": None,
            "draft": False,
            "merged": False,
            "mergeable": None,
            "rebaseable": None,
            "mergeable_state": "unknown",
            "merged_by": None,
            "comments": 0,
            "review_comments": 0,
            "maintainer_can_modify": head_repo != repo,
            "commits": 1,
            "additions": sum(e.get("additions", 0) for e in entries),
            "deletions": sum(e.get("deletions", 0) for e in entries),
            "changed_files": len(entries),
        }

    def _pull_ref(self, repo: str, ref: str, sha: str) -> dict[str, Any]:
        owner = repo.split("/")[0]
        return {
            "label": f"{owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self._user_json(owner),
            "repo": self._repo_json(repo),
        }

    def _minimal_pull(self, pull: Pull) -> dict[str, Any]:
        def side(name: str) -> dict[str, Any]:
            ref = pull.data[name]
            repo = ref["repo"]
            return {
                "ref": ref["ref"],
                "sha": ref["sha"],
                "repo": {"id": repo["id"], "url": repo["url"], "name": repo["name"]},
            }

        return {
            "id": pull.data["id"],
            "number": pull.number,
            "url": pull.data["url"],
            "head": side("head"),
            "base": side("base"),
        }

    def _diff_entry(self, repo: str, head_sha: str, entry: Mapping[str, Any]) -> dict[str, Any]:
        filename = entry["filename"]
        additions = int(entry.get("additions", 0))
        deletions = int(entry.get("deletions", 0))
        stored = {
            "sha": entry.get("sha", hashlib.sha1(filename.encode()).hexdigest()),  # noqa: S324
            "filename": filename,
            "status": entry.get("status", "modified"),
            "additions": additions,
            "deletions": deletions,
            "changes": int(entry.get("changes", additions + deletions)),
            "blob_url": f"{self.html_url}/{repo}/blob/{head_sha}/{filename}",
            "raw_url": f"{self.html_url}/{repo}/raw/{head_sha}/{filename}",
            "contents_url": f"{self.api_url}/repos/{repo}/contents/{filename}?ref={head_sha}",
        }
        for optional in ("patch", "previous_filename"):
            if entry.get(optional) is not None:
                stored[optional] = entry[optional]
        return stored

    # ---------------------------------------------------------------- shapes

    def _app_json(self, app_id: int, slug: str) -> dict[str, Any]:
        now = "2024-01-01T00:00:00Z"
        return {
            "id": app_id,
            "slug": slug,
            "node_id": _node_id("A", app_id),
            "client_id": f"Iv1.{app_id:016x}",
            "owner": self._user_json("octo-org", kind="Organization"),
            "name": slug.replace("-", " ").title(),
            "description": None,
            "external_url": f"{self.html_url}/apps/{slug}",
            "html_url": f"{self.html_url}/apps/{slug}",
            "created_at": now,
            "updated_at": now,
            "permissions": {"checks": "write", "metadata": "read"},
            "events": ["check_run", "check_suite"],
        }

    def _user_json(self, login: str, *, kind: str = "User") -> dict[str, Any]:
        user_id = self._repo_id(f"user:{login}")
        api_user = f"{self.api_url}/users/{login}"
        return {
            "login": login,
            "id": user_id,
            "node_id": _node_id("U", user_id),
            "avatar_url": f"{self.html_url}/avatars/u/{user_id}",
            "gravatar_id": "",
            "url": api_user,
            "html_url": f"{self.html_url}/{login}",
            "followers_url": f"{api_user}/followers",
            "following_url": f"{api_user}/following{{/other_user}}",
            "gists_url": f"{api_user}/gists{{/gist_id}}",
            "starred_url": f"{api_user}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api_user}/subscriptions",
            "organizations_url": f"{api_user}/orgs",
            "repos_url": f"{api_user}/repos",
            "events_url": f"{api_user}/events{{/privacy}}",
            "received_events_url": f"{api_user}/received_events",
            "type": kind,
            "site_admin": False,
        }

    def _repo_json(self, repo: str) -> dict[str, Any]:
        owner, name = repo.split("/", 1)
        return {
            "id": self._repo_id(repo),
            "node_id": _node_id("R", self._repo_id(repo)),
            "name": name,
            "full_name": repo,
            "private": False,
            "owner": self._user_json(owner),
            "html_url": f"{self.html_url}/{repo}",
            "url": f"{self.api_url}/repos/{repo}",
            "fork": False,
            "default_branch": self.default_branch(repo),
        }

    def _repo_id(self, name: str) -> int:
        return self._repo_ids.setdefault(name, 1_000 + len(self._repo_ids))

    def _next_id(self) -> int:
        return next(self._ids)

    # ---------------------------------------------------------------- responses

    def _repo_name(self, request: web.Request) -> str:
        return f"{request.match_info['owner']}/{request.match_info['repo']}"

    def _json_body(self, request: web.Request) -> Any:
        record = request[RECORD_KEY]
        if record.json is None:
            raise _reject(400, "Problems parsing JSON")
        return record.json

    def _validate_request(
        self, request: web.Request, operation: str, body: Any, errors: list[str]
    ) -> None:
        """422 like GitHub, recording the violation, when the body breaks the rules or schema."""
        found = list(errors)
        schema = request_schema(self._rest_subset, operation) if self._rest_subset else None
        if schema is not None:
            found += [f"schema: {e}" for e in schema_errors(schema, body)]
        if not found:
            return
        record = request[RECORD_KEY]
        self.schema_violations.append(SchemaViolation(record.method, record.path, tuple(found)))
        raise _reject(
            422,
            "Validation Failed",
            errors=[{"resource": "CheckRun", "code": "custom", "message": e} for e in found],
        )

    def _paginate(self, request: web.Request, items: list[Any]) -> tuple[list[Any], str | None]:
        per_page = min(
            MAX_PER_PAGE, max(1, _int_or_zero(request.query.get("per_page")) or DEFAULT_PER_PAGE)
        )
        page = max(1, _int_or_zero(request.query.get("page")) or 1)
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(number: int, rel: str) -> str:
            target = request.url.update_query({"per_page": str(per_page), "page": str(number)})
            return f'<{target}>; rel="{rel}"'

        links = []
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return chunk, ", ".join(links) or None

    def _json(
        self, request: web.Request, body: Any, *, status: int = 200, link: str | None = None
    ) -> web.Response:
        response = web.json_response(body, status=status)
        if link:
            response.headers["Link"] = link
        return self._conditional(request, response) if request.method == "GET" else response

    def _conditional(self, request: web.Request, response: web.Response) -> web.Response:
        body = response.body if isinstance(response.body, bytes) else b""
        etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
        if request.headers.get("if-none-match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        response.headers["ETag"] = etag
        return response

    def _add_api_headers(
        self, request: web.Request, record: RecordedRequest, response: web.StreamResponse
    ) -> None:
        if response.prepared:
            return
        key = record.credential or f"ip:{request.remote}"
        used = self._rate_used[key] = self._rate_used.get(key, 0) + 1
        defaults = {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(max(0, RATE_LIMIT - used)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(int(self._rate_window_start + RATE_LIMIT_WINDOW)),
            "x-ratelimit-resource": "core",
            "x-github-request-id": uuid.uuid4().hex[:20].upper(),
            "x-github-api-version-selected": request.headers.get(
                "x-github-api-version", DEFAULT_API_VERSION
            ),
            "x-github-media-type": "github.v3; format=json",
        }
        for name, value in defaults.items():
            response.headers.setdefault(name, value)


def _blob_error(status: int, code: str, message: str) -> web.Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return web.Response(status=status, text=body, content_type="application/xml")


def _int_or_zero(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


@pytest_asyncio.fixture
async def fake_github() -> AsyncIterator[FakeGitHub]:
    """A started FakeGitHub, closed after the test."""
    async with FakeGitHub() as fake:
        yield fake
