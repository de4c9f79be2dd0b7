"""A fake Anthropic messages API on loopback, speaking the real wire format.

Point the real SDK at it with `base_url=fake.base_url` (`ANTHROPIC_BASE_URL`). It checks
the key (`x-api-key`, or the bearer header the newer SDKs send), `anthropic-version`, the
turns (starting with the user, a `tool_use` answered by a matching `tool_result`) and the
tools, and answers with `message` objects: the structured answer as a `tool_use` block,
refusals with `stop_reason: "refusal"`, errors as `{"type": "error", "error": {...}}`.
"""

from __future__ import annotations

from typing import Any

import pytest_asyncio
from aiohttp import web

from tests.fakes.llm import FakeLLMServer, RequestRejected, count_tokens, require

API_KEY = "ant-test-anthropic-key-0123456789"
ERROR_KINDS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class FakeAnthropic(FakeLLMServer):
    routes = (("POST", "/v1/messages"),)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("api_key", API_KEY)
        super().__init__(**kwargs)

    @property
    def base_url(self) -> str:
        return self.origin

    def check_auth(self, headers: dict[str, str]) -> None:
        keys = {headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer ")}
        if self.api_key not in keys:
            raise RequestRejected(401, "invalid x-api-key", "authentication_error")
        require("anthropic-version" in headers, "anthropic-version: header is required")

    def check_body(self, body: Any) -> None:
        require(isinstance(body, dict), "The request body must be a JSON object.")
        require(isinstance(body.get("model"), str) and body["model"], "model: Field required")
        max_tokens = body.get("max_tokens")
        require(isinstance(max_tokens, int) and max_tokens > 0, "max_tokens: Field required")
        system = body.get("system")
        require(system is None or isinstance(system, str | list), "system: must be text")
        tools = {tool.get("name"): tool for tool in body.get("tools") or []}
        for name, tool in tools.items():
            schema = tool.get("input_schema")
            require(
                isinstance(schema, dict) and schema.get("type") == "object",
                f"tools.{name}.input_schema.type: Input should be 'object'",
            )
        choice = body.get("tool_choice")
        if isinstance(choice, dict) and choice.get("type") == "tool":
            require(choice.get("name") in tools, "tool_choice.name must name one of the tools")
        self._check_turns(body.get("messages"))

    def _check_turns(self, messages: Any) -> None:
        require(isinstance(messages, list) and messages, "messages: at least one message")
        require(messages[0].get("role") == "user", "messages: first message must use the user role")
        pending: set[str] = set()
        for index, message in enumerate(messages):
            role = message.get("role")
            require(role in ("user", "assistant"), f"messages.{index}.role: invalid")
            if index:
                require(role != messages[index - 1]["role"], "roles must alternate")
            content = message.get("content")
            blocks = content if isinstance(content, list) else []
            require(isinstance(content, str | list), f"messages.{index}.content: invalid")
            if role == "user":
                answered = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
                require(
                    pending <= answered,
                    f"messages.{index}: tool_use ids were found without tool_result blocks "
                    "immediately after",
                )
                pending = set()
            else:
                pending = {b.get("id") for b in blocks if b.get("type") == "tool_use"}

    def prompt_text(self, body: Any) -> str:
        first = body["messages"][0]["content"]
        if isinstance(first, str):
            return first
        return "\n".join(block.get("text", "") for block in first if block.get("type") == "text")

    def _message(self, body: Any, content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
        return {
            "id": self.next_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": count_tokens([body.get("system"), body["messages"]]),
                "output_tokens": count_tokens(content),
            },
        }

    def structured_answer(self, body: Any, fields: dict[str, Any]) -> dict[str, Any]:
        name = (body.get("tool_choice") or {}).get("name") or "tool"
        block = {"type": "tool_use", "id": self.next_id("toolu_"), "name": name, "input": fields}
        return self._message(body, [block], "tool_use")

    def text_answer(self, body: Any, text: str) -> dict[str, Any]:
        return self._message(body, [{"type": "text", "text": text}], "end_turn")

    def refusal(self, body: Any, text: str) -> dict[str, Any]:
        return self._message(body, [{"type": "text", "text": text}], "refusal")

    def error_kind(self, status: int) -> str:
        return ERROR_KINDS.get(status, "api_error")

    def error_response(
        self, status: int, message: str, kind: str = "invalid_request_error", headers=None
    ) -> web.Response:
        body = {"type": "error", "error": {"type": kind, "message": message}}
        return web.json_response(body, status=status, headers=headers or {})


@pytest_asyncio.fixture
async def fake_anthropic():
    async with FakeAnthropic() as fake:
        yield fake
