"""The configured provider, built once per process."""

from __future__ import annotations

from grimoire_bot.settings import LLMProvider, Settings

from .anthropic_provider import AnthropicProvider
from .base import Provider
from .openai_provider import OpenAIProvider

# A spell is a few hundred tokens; this leaves room and bounds what one answer can cost.
MAX_OUTPUT_TOKENS = 2000


def open_provider(settings: Settings) -> Provider | None:
    """The provider LLM_PROVIDER names (close it when done), or None when it is `none`."""
    model = settings.llm_model_name
    api_key = settings.llm_api_key
    if model is None or api_key is None:
        return None
    options = {
        "api_key": api_key,
        "model": model,
        "timeout_seconds": settings.llm_timeout_seconds,
        "max_retries": settings.llm_max_retries,
        "max_output_tokens": MAX_OUTPUT_TOKENS,
    }
    if settings.llm_provider is LLMProvider.OPENAI:
        return OpenAIProvider(base_url=settings.openai_base_url, **options)
    return AnthropicProvider(base_url=settings.anthropic_base_url, **options)
