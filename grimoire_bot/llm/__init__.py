"""Large language models behind one small interface: ask for one structured spell draft.

`base` holds what every provider takes and returns (`Provider`, `Prompt`, `Answer`,
`ProviderFailure`); `openai_provider` and `anthropic_provider` wrap the official async SDKs
(structured output through a JSON-schema response format and through a forced tool call);
`prompt` is the prompt, its version and the framing that keeps a log as data
(`rerank_prompt` the question which candidate spell fits an error); `costs` the
price table; `transport` the bounds on waiting (request timeout, SDK retries, `retry-after`,
one deadline per draft) and the count of HTTP requests really sent.
"""

from .base import Answer, FailureKind, Output, Prompt, Provider, ProviderFailure, Retry
from .costs import Price, cost_usd, price_for
from .factory import open_provider
from .prompt import PROMPT_VERSION, build_prompt
from .transport import CallStats, deadline

__all__ = [
    "PROMPT_VERSION",
    "Answer",
    "CallStats",
    "FailureKind",
    "Output",
    "Price",
    "Prompt",
    "Provider",
    "ProviderFailure",
    "Retry",
    "build_prompt",
    "cost_usd",
    "deadline",
    "open_provider",
    "price_for",
]
