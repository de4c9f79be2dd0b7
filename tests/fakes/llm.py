"""What the fake OpenAI and Anthropic servers share: a loopback HTTP server that records
every request, checks it the way the real API would, and answers from a script.

Each test scripts what the next requests get (`answer`, `fail`, `timeout`, `refuse`,
`malformed_body`, `malformed_answer`); a request with nothing scripted gets the default
answer, a valid spell written for the error found in the prompt (`default_spell`). Every
body the service sent is kept in `requests`, so tests assert on what left the service.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import enum
import itertools
import json
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

HOST = "127.0.0.1"
DEFAULT_TIMEOUT_DELAY = 30.0
# Characters per token when the fake counts usage (the real APIs count about 4).
CHARS_PER_TOKEN = 4
LOG_BLOCK = re.compile(r"<(ci-log-[0-9a-f]+)>\n(?P<body>[\s\S]*?)\n</\1>")
RE2_SPECIAL = set("\\.^$|?*+()[]{}")


class Step(enum.StrEnum):
    ANSWER = "answer"
    STATUS = "status"
    TIMEOUT = "timeout"
    REFUSE = "refuse"
    MALFORMED_BODY = "malformed_body"
    MALFORMED_ANSWER = "malformed_answer"


@dataclasses.dataclass
class Scripted:
    step: Step
    fields: dict[str, Any] | None = None
    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    text: str = ""


@dataclasses.dataclass
class RecordedLLMRequest:
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes
    status: int | None = None


class RequestRejected(Exception):
    """The request is not one the real API would accept."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


def re2_literal(text: str) -> str:
    return "".join("\\" + char if char in RE2_SPECIAL else char for char in text)


def logged_error_line(prompt_text: str) -> str:
    """The first line of the error inside the prompt's data block."""
    found = LOG_BLOCK.search(prompt_text)
    body = found["body"] if found else prompt_text
    lines = [line for line in body.split("\n") if line.strip()]
    if lines and lines[0].startswith("The error's lines:") and len(lines) > 1:
        return lines[1].strip()
    return lines[0].strip() if lines else "unknown error"


def default_spell(prompt_text: str) -> dict[str, Any]:
    """A valid answer: the error's first line, literally, as the pattern."""
    line = logged_error_line(prompt_text)[:200]
    return {
        "title": f"Fix: {line[:80]}",
        "description": "The build printed this error; see the fix below.",
        "error_type": "BuildError",
        "error_pattern": re2_literal(line),
        "solution_code": "make clean && make",
        "tags": ["build"],
        "confidence": 0.6,
    }


def count_tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value)
    return max(1, len(text) // CHARS_PER_TOKEN)


class FakeLLMServer:
    """A provider's API on loopback; subclasses speak one wire format."""

    routes: tuple[tuple[str, str], ...] = ()

    def __init__(
        self,
        *,
        api_key: str,
        answer_delay: float = 0.0,
        timeout_delay: float = DEFAULT_TIMEOUT_DELAY,
    ) -> None:
        self.api_key = api_key
        self.answer_delay = answer_delay
        self.timeout_delay = timeout_delay
        self.requests: list[RecordedLLMRequest] = []
        self.rejections: list[str] = []
        self.script: collections.deque[Scripted] = collections.deque()
        self.responder: Callable[[str], dict[str, Any]] = default_spell
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port = 0

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> FakeLLMServer:
        app = web.Application()
        for method, path in self.routes:
            app.router.add_route(method, path, self._handle)
        # handler_cancellation: a client that gave up ends the sleeping handler.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, 0).start()
        self._port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeLLMServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self._port}"

    # ---------------------------------------------------------------- scripting

    def answer(self, fields: dict[str, Any], times: int = 1) -> None:
        self.script.extend(Scripted(Step.ANSWER, fields=fields) for _ in range(times))

    def fail(self, status: int, times: int = 1, **headers: str) -> None:
        """Answer with an HTTP error; `retry_after="2"` becomes a `retry-after: 2` header."""
        named = {name.replace("_", "-").lower(): value for name, value in headers.items()}
        self.script.extend(
            Scripted(Step.STATUS, status=status, headers=named) for _ in range(times)
        )

    def timeout(self, times: int = 1) -> None:
        self.script.extend(Scripted(Step.TIMEOUT) for _ in range(times))

    def refuse(self, text: str = "I can't help with that.") -> None:
        self.script.append(Scripted(Step.REFUSE, text=text))

    def malformed_body(self) -> None:
        self.script.append(Scripted(Step.MALFORMED_BODY))

    def malformed_answer(self, text: str = "Sure! Here is your spell: {title: oops") -> None:
        self.script.append(Scripted(Step.MALFORMED_ANSWER, text=text))

    # ---------------------------------------------------------------- inspection

    @property
    def bodies(self) -> list[Any]:
        return [request.body for request in self.requests]

    def sent_text(self) -> str:
        """Everything the service sent in request bodies, as one string."""
        return "\n".join(request.raw.decode("utf-8", "replace") for request in self.requests)

    # ---------------------------------------------------------------- serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        record = RecordedLLMRequest(
            path=request.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=None,
            raw=raw,
        )
        self.requests.append(record)
        try:
            record.body = json.loads(raw)
        except ValueError:
            record.status = 400
            return self.error_response(400, "We could not parse the JSON body of your request.")
        try:
            self.check_auth(record.headers)
            self.check_body(record.body)
        except RequestRejected as rejected:
            self.rejections.append(rejected.message)
            record.status = rejected.status
            return self.error_response(rejected.status, rejected.message, rejected.kind)
        step = self.script.popleft() if self.script else Scripted(Step.ANSWER)
        response = await self._perform(step, record.body)
        record.status = response.status
        return response

    async def _perform(self, step: Scripted, body: Any) -> web.StreamResponse:
        match step.step:
            case Step.STATUS:
                return self.error_response(
                    step.status,
                    f"scripted {step.status}",
                    self.error_kind(step.status),
                    headers=step.headers,
                )
            case Step.TIMEOUT:
                await asyncio.sleep(self.timeout_delay)
                return self.error_response(504, "timed out")
            case Step.MALFORMED_BODY:
                await asyncio.sleep(self.answer_delay)
                return web.Response(status=200, text="{not json", content_type="application/json")
        await asyncio.sleep(self.answer_delay)
        if step.step is Step.REFUSE:
            return web.json_response(self.refusal(body, step.text))
        if step.step is Step.MALFORMED_ANSWER:
            return web.json_response(self.text_answer(body, step.text))
        fields = step.fields if step.fields is not None else self.responder(self.prompt_text(body))
        return web.json_response(self.structured_answer(body, fields))

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    # ---------------------------------------------------------------- wire format

    def check_auth(self, headers: dict[str, str]) -> None:
        raise NotImplementedError

    def check_body(self, body: Any) -> None:
        raise NotImplementedError

    def prompt_text(self, body: Any) -> str:
        raise NotImplementedError

    def structured_answer(self, body: Any, fields: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def text_answer(self, body: Any, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def refusal(self, body: Any, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def error_kind(self, status: int) -> str:
        raise NotImplementedError

    def error_response(
        self, status: int, message: str, kind: str = "invalid_request_error", headers=None
    ) -> web.Response:
        raise NotImplementedError


def require(condition: bool, message: str, status: int = 400) -> None:
    if not condition:
        raise RequestRejected(status, message)


def strict_schema_problem(schema: Any, where: str = "schema") -> str | None:
    """OpenAI's strict mode: every object closes its properties and requires all of them."""
    if not isinstance(schema, dict):
        return None
    if schema.get("type") == "object":
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            return f"{where}: 'additionalProperties' is required to be supplied and to be false"
        if set(schema.get("required", [])) != set(properties):
            return f"{where}: 'required' is required to be supplied and to list every property"
        for name, sub in properties.items():
            problem = strict_schema_problem(sub, f"{where}.{name}")
            if problem:
                return problem
    if schema.get("type") == "array":
        return strict_schema_problem(schema.get("items"), f"{where}[]")
    return None
