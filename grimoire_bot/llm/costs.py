"""What a draft costs: list prices per model, so budgets can be kept in dollars.

Prices are USD per million tokens as the providers published them in 2026; a provider that
changes them makes the estimate drift, never the count of tokens. A model the table does
not know is priced like the dearest model listed (budgets then run out early rather than
late) unless LLM_PRICE_PER_MTOK names its price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    input_per_mtok: float
    output_per_mtok: float


PRICES: dict[str, Price] = {
    # OpenAI
    "gpt-5.5": Price(5.00, 30.00),
    "gpt-5.4": Price(2.50, 15.00),
    "gpt-5.4-mini": Price(0.75, 4.50),
    "gpt-5.4-nano": Price(0.20, 1.25),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    # Anthropic
    "claude-opus-4-7": Price(5.00, 25.00),
    "claude-opus-4-6": Price(5.00, 25.00),
    "claude-opus-4-5": Price(5.00, 25.00),
    "claude-sonnet-4-6": Price(3.00, 15.00),
    "claude-sonnet-4-5": Price(3.00, 15.00),
    "claude-haiku-4-5": Price(1.00, 5.00),
}
UNKNOWN_MODEL_PRICE = Price(5.00, 30.00)
# A dated snapshot (`gpt-4.1-mini-2025-04-14`, `claude-haiku-4-5-20251001`) costs what its
# alias costs.
DATED_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8})$")
# Tokens are counted by the provider; before a request they are estimated from characters
# (about 4 a token in English and code; 3 keeps the estimate on the safe side).
CHARS_PER_TOKEN_ESTIMATE = 3


def price_for(model: str, override: tuple[float, float] | None = None) -> Price:
    if override is not None:
        return Price(*override)
    return PRICES.get(DATED_SUFFIX.sub("", model), UNKNOWN_MODEL_PRICE)


def cost_usd(price: Price, tokens_in: int, tokens_out: int) -> float:
    return (tokens_in * price.input_per_mtok + tokens_out * price.output_per_mtok) / 1_000_000


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN_ESTIMATE + 1
