"""Drafts through Anthropic's messages API, answered as a forced call of one tool."""

from __future__ import annotations

import json
from typing import Any

import anthropic

from .base import Answer, FailureKind, Prompt, ProviderFailure, Retry
from .costs import estimate_tokens
from .errors import failure_from_sdk
from .prompt import DRAFT_OUTPUT, retry_message
from .transport import EVENT_HOOKS, timeout

NAME = "anthropic"


class AnthropicProvider:
    name = NAME

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None,
        timeout_seconds: float,
        max_retries: int,
        max_output_tokens: int,
    ) -> None:
        self.model = model
        self.max_output_tokens = max_output_tokens
        self.client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout(timeout_seconds),
            max_retries=max_retries,
            http_client=anthropic.DefaultAsyncHttpxClient(event_hooks=EVENT_HOOKS),
        )

    async def ask(self, prompt: Prompt, retry: Retry | None = None) -> Answer:
        output = prompt.output or DRAFT_OUTPUT
        messages: list[dict[str, Any]] = [{"role": "user", "content": prompt.user}]
        if retry is not None:
            messages.extend(_retry_turns(retry, output.tool_name))
        try:
            response = await self.client.messages.create(
                model=self.model,
                max_tokens=self.max_output_tokens,
                system=prompt.system,
                messages=messages,  # type: ignore[arg-type]
                tools=[
                    {
                        "name": output.tool_name,
                        "description": output.tool_description,
                        "input_schema": output.schema,
                    }
                ],
                tool_choice={"type": "tool", "name": output.tool_name},
            )
        except ValueError as exc:  # the SDK hands over a body that is not JSON as is
            sent = estimate_tokens(prompt.system + json.dumps(messages))
            return Answer(None, "", f"the provider's response was not JSON ({exc})", sent, 0)
        except anthropic.AnthropicError as exc:
            raise failure_from_sdk(exc) from None
        return _read(response, output.tool_name)

    async def close(self) -> None:
        await self.client.close()


def _retry_turns(retry: Retry, tool_name: str) -> list[dict[str, Any]]:
    """The refused answer and the reason, as the API wants them: a tool call is answered by
    a tool result, plain text by plain text."""
    previous = retry.previous
    reason = retry_message(retry.reason)
    if previous.call_id is not None:
        return [
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": previous.call_id,
                        "name": tool_name,
                        "input": previous.fields or {},
                    }
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": previous.call_id,
                        "is_error": True,
                        "content": reason,
                    }
                ],
            },
        ]
    return [
        {"role": "assistant", "content": previous.raw or "(no answer)"},
        {"role": "user", "content": reason},
    ]


def _read(response: Any, tool_name: str) -> Answer:
    tokens_in = response.usage.input_tokens
    tokens_out = response.usage.output_tokens
    texts = [block.text for block in response.content if block.type == "text"]
    if response.stop_reason == "refusal":
        detail = " ".join(texts) or "the model declined to answer"
        raise ProviderFailure(
            FailureKind.REFUSED, detail, tokens_in=tokens_in, tokens_out=tokens_out
        )
    calls = [
        block for block in response.content if block.type == "tool_use" and block.name == tool_name
    ]
    if not calls:
        problem = "the answer did not call the tool"
        if response.stop_reason == "max_tokens":
            problem = "the answer was cut off at the token limit"
        return Answer(None, " ".join(texts), problem, tokens_in, tokens_out)
    call = calls[0]
    fields = call.input if isinstance(call.input, dict) else None
    problem = None if fields is not None else "the tool input was not a JSON object"
    raw = json.dumps(call.input, ensure_ascii=False)
    return Answer(fields, raw, problem, tokens_in, tokens_out, call_id=call.id)
