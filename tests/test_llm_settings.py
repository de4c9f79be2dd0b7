"""LLM settings: read once with the rest, every problem reported together, keys never shown."""

from __future__ import annotations

import pytest

from grimoire_bot.settings import LLMProvider, Settings, SettingsError


def test_drafting_is_off_by_default():
    settings = Settings.from_env({})
    assert settings.llm_provider is LLMProvider.NONE
    assert settings.auto_create_spells is False
    assert settings.llm_model_name is None


def test_provider_settings_are_parsed():
    settings = Settings.from_env(
        {
            "LLM_PROVIDER": "anthropic",
            "ANTHROPIC_API_KEY": "anthropic-key-123",
            "ANTHROPIC_BASE_URL": "http://gateway.internal:8080/",
            "AUTO_CREATE_SPELLS": "true",
            "LLM_DAILY_DRAFTS": "0",
            "LLM_DAILY_COST_USD_PER_INSTALLATION": "0.25",
            "LLM_PRICE_PER_MTOK": "0, 0",
        }
    )
    assert settings.llm_provider is LLMProvider.ANTHROPIC
    assert settings.llm_model_name == "claude-haiku-4-5"
    assert settings.llm_api_key == "anthropic-key-123"
    assert settings.anthropic_base_url == "http://gateway.internal:8080"
    assert settings.auto_create_spells is True
    assert settings.llm_daily_drafts == 0
    assert settings.llm_daily_cost_usd_per_installation == 0.25
    assert settings.llm_price_per_mtok == (0.0, 0.0)
    assert "anthropic-key-123" in settings.secret_values


def test_llm_model_overrides_the_default():
    settings = Settings.from_env(
        {"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "k" * 20, "LLM_MODEL": "gpt-4.1-mini"}
    )
    assert settings.llm_model_name == "gpt-4.1-mini"


def test_every_llm_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(
            {
                "LLM_PROVIDER": "openai",
                "LLM_DAILY_DRAFTS": "-1",
                "LLM_PRICE_PER_MTOK": "cheap",
                "OPENAI_BASE_URL": "localhost:1234",
                "LLM_TIMEOUT_SECONDS": "60",
                "LLM_DEADLINE_SECONDS": "30",
            }
        )
    message = str(caught.value)
    assert "OPENAI_API_KEY is required when LLM_PROVIDER=openai" in message
    assert "LLM_DAILY_DRAFTS: must not be negative" in message
    assert "LLM_PRICE_PER_MTOK: must be two numbers" in message
    assert "OPENAI_BASE_URL: must start with http:// or https://" in message
    assert "LLM_DEADLINE_SECONDS must not be shorter than LLM_TIMEOUT_SECONDS" in message


def test_auto_create_without_a_provider_is_refused():
    with pytest.raises(SettingsError, match="AUTO_CREATE_SPELLS=true needs LLM_PROVIDER"):
        Settings.from_env({"AUTO_CREATE_SPELLS": "true"})


def test_api_keys_never_appear_in_the_settings_repr():
    settings = Settings.from_env(
        {"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "sk-very-secret", "ANTHROPIC_API_KEY": "ak-x"}
    )
    assert "sk-very-secret" not in repr(settings) and "ak-x" not in repr(settings)
