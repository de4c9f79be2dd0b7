"""What every provider takes and returns."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol


class FailureKind(enum.StrEnum):
    """Why a provider gave no answer to use (a malformed answer is an `Answer` instead)."""

    REFUSED = "refused"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    PROVIDER_ERROR = "provider_error"  # 5xx, a refused request, an unreachable host


class ProviderFailure(Exception):
    def __init__(self, kind: FailureKind, detail: str, *, tokens_in: int = 0, tokens_out: int = 0):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        # A refusal is billed like any answer.
        self.tokens_in = tokens_in
        self.tokens_out = tokens_out


@dataclass(frozen=True)
class Output:
    """The structured answer asked for: a JSON schema, named for OpenAI's response format
    and, for Anthropic, as the one tool the model is made to call."""

    schema_name: str
    tool_name: str
    tool_description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str
    output: Output | None = None  # None: a spell draft (prompt.DRAFT_OUTPUT)


@dataclass(frozen=True)
class Answer:
    """The model's structured answer, or why it could not be read (`fields` None)."""

    fields: dict[str, Any] | None
    raw: str  # the answer as the model wrote it, sent back when asking once more
    problem: str | None
    tokens_in: int
    tokens_out: int
    call_id: str | None = None  # Anthropic's tool_use id, which a retry must answer


@dataclass(frozen=True)
class Retry:
    """Asking once more: the refused answer and what was wrong with it."""

    previous: Answer
    reason: str


class Provider(Protocol):
    name: str
    model: str

    async def ask(self, prompt: Prompt, retry: Retry | None = None) -> Answer:
        """One structured answer; raises ProviderFailure when there is none to read."""
        ...

    async def close(self) -> None: ...
