"""Drafts through OpenAI's chat completions, answered in a strict JSON-schema format."""

from __future__ import annotations

import json
from typing import Any

import openai

from .base import Answer, FailureKind, Prompt, ProviderFailure, Retry
from .costs import estimate_tokens
from .errors import failure_from_sdk
from .prompt import DRAFT_OUTPUT, retry_message
from .transport import EVENT_HOOKS, timeout

NAME = "openai"


class OpenAIProvider:
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
        self.client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout(timeout_seconds),
            max_retries=max_retries,
            http_client=openai.DefaultAsyncHttpx2Client(event_hooks=EVENT_HOOKS),
        )

    async def ask(self, prompt: Prompt, retry: Retry | None = None) -> Answer:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ]
        if retry is not None:
            messages.append({"role": "assistant", "content": retry.previous.raw})
            messages.append({"role": "user", "content": retry_message(retry.reason)})
        output = prompt.output or DRAFT_OUTPUT
        try:
            response = await self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                response_format={
                    "type": "json_schema",
                    "json_schema": {
                        "name": output.schema_name,
                        "schema": output.schema,
                        "strict": True,
                    },
                },
                max_completion_tokens=self.max_output_tokens,
            )
        except ValueError as exc:  # the SDK hands over a body that is not JSON as is
            return unreadable(f"the provider's response was not JSON ({exc})", messages)
        except openai.OpenAIError as exc:
            raise failure_from_sdk(exc) from None
        return self._read(response, messages)

    def _read(self, response: Any, messages: list[dict[str, Any]]) -> Answer:
        usage = response.usage
        tokens_in = usage.prompt_tokens if usage else estimate_tokens(json.dumps(messages))
        choice = response.choices[0] if response.choices else None
        message = choice.message if choice else None
        content = (message.content if message else None) or ""
        tokens_out = usage.completion_tokens if usage else estimate_tokens(content)
        if message is not None and message.refusal:
            raise ProviderFailure(
                FailureKind.REFUSED, message.refusal, tokens_in=tokens_in, tokens_out=tokens_out
            )
        if choice is not None and choice.finish_reason == "content_filter":
            raise ProviderFailure(
                FailureKind.REFUSED,
                "the answer was withheld by the provider's content filter",
                tokens_in=tokens_in,
                tokens_out=tokens_out,
            )
        problem = None
        fields = None
        if choice is None:
            problem = "the answer had no choices"
        elif choice.finish_reason == "length":
            problem = "the answer was cut off at the token limit"
        else:
            try:
                parsed = json.loads(content)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                fields = parsed
            else:
                problem = "the answer was not a JSON object"
        return Answer(fields, content, problem, tokens_in, tokens_out)

    async def close(self) -> None:
        await self.client.close()


def unreadable(problem: str, messages: list[dict[str, Any]]) -> Answer:
    return Answer(None, "", problem, estimate_tokens(json.dumps(messages)), 0)
