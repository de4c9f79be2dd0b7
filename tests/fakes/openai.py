"""A fake OpenAI chat-completions API on loopback, speaking the real wire format.

Point the real SDK at it with `base_url=fake.base_url` (`OPENAI_BASE_URL`). It checks the
bearer key, the messages and a strict `json_schema` response format as the API does, and
answers with `chat.completion` objects: the structured answer as the message content,
refusals in `message.refusal`, errors as `{"error": {...}}` with the API's status codes.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest_asyncio
from aiohttp import web

from tests.fakes.llm import (
    FakeLLMServer,
    RequestRejected,
    count_tokens,
    require,
    strict_schema_problem,
)

API_KEY = "sk-test-openai-key-0123456789"
ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
SCHEMA_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
ERROR_KINDS = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    429: "rate_limit_exceeded",
    500: "server_error",
    503: "server_error",
}


class FakeOpenAI(FakeLLMServer):
    routes = (("POST", "/v1/chat/completions"),)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("api_key", API_KEY)
        super().__init__(**kwargs)

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def check_auth(self, headers: dict[str, str]) -> None:
        if headers.get("authorization") != f"Bearer {self.api_key}":
            raise RequestRejected(401, "Incorrect API key provided.", "invalid_request_error")

    def check_body(self, body: Any) -> None:
        require(isinstance(body, dict), "The request body must be a JSON object.")
        require(isinstance(body.get("model"), str) and body["model"], "you must provide a model")
        messages = body.get("messages")
        require(isinstance(messages, list) and messages, "'messages' must be a non-empty array")
        for index, message in enumerate(messages):
            require(isinstance(message, dict), f"messages[{index}] must be an object")
            require(message.get("role") in ROLES, f"messages[{index}].role is invalid")
            content = message.get("content")
            require(
                isinstance(content, str | list) or message["role"] == "assistant",
                f"messages[{index}].content must be a string or an array",
            )
        response_format = body.get("response_format")
        if response_format is not None:
            self._check_response_format(response_format)
        limit = body.get("max_completion_tokens")
        require(
            limit is None or (isinstance(limit, int) and limit > 0),
            "max_completion_tokens must be a positive integer",
        )

    def _check_response_format(self, response_format: Any) -> None:
        require(isinstance(response_format, dict), "response_format must be an object")
        if response_format.get("type") in ("text", "json_object"):
            return
        require(response_format.get("type") == "json_schema", "response_format.type is invalid")
        spec = response_format.get("json_schema")
        require(isinstance(spec, dict), "response_format.json_schema is required")
        name = spec.get("name")
        require(
            isinstance(name, str) and 0 < len(name) <= 64 and set(name) <= SCHEMA_NAME_CHARS,
            "response_format.json_schema.name must be a-z, A-Z, 0-9, _ or -, at most 64",
        )
        schema = spec.get("schema")
        require(isinstance(schema, dict), "response_format.json_schema.schema is required")
        if spec.get("strict"):
            problem = strict_schema_problem(schema)
            require(problem is None, f"Invalid schema for response_format '{name}': {problem}")

    def prompt_text(self, body: Any) -> str:
        users = [m["content"] for m in body["messages"] if m["role"] == "user"]
        first = users[0] if users else ""
        return first if isinstance(first, str) else json.dumps(first)

    def _completion(self, body: Any, message: dict[str, Any], finish: str) -> dict[str, Any]:
        prompt_tokens = count_tokens(body["messages"])
        completion_tokens = count_tokens(message.get("content") or message.get("refusal") or "")
        return {
            "id": self.next_id("chatcmpl-"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_fake",
        }

    def structured_answer(self, body: Any, fields: dict[str, Any]) -> dict[str, Any]:
        content = json.dumps(fields)
        return self.text_answer(body, content)

    def text_answer(self, body: Any, text: str) -> dict[str, Any]:
        message = {"role": "assistant", "content": text, "refusal": None}
        return self._completion(body, message, "stop")

    def refusal(self, body: Any, text: str) -> dict[str, Any]:
        message = {"role": "assistant", "content": None, "refusal": text}
        return self._completion(body, message, "stop")

    def error_kind(self, status: int) -> str:
        return ERROR_KINDS.get(status, "server_error" if status >= 500 else "invalid_request_error")

    def error_response(
        self, status: int, message: str, kind: str = "invalid_request_error", headers=None
    ) -> web.Response:
        body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        return web.json_response(body, status=status, headers=headers or {})


@pytest_asyncio.fixture
async def fake_openai():
    async with FakeOpenAI() as fake:
        yield fake
