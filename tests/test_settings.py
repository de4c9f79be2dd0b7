"""Settings: read once from the environment, every problem reported together."""

from __future__ import annotations

import pytest

from grimoire_bot.settings import AppEnv, LogFormat, Settings, SettingsError


def test_defaults_need_nothing_set():
    settings = Settings.from_env({})
    assert settings.app_env is AppEnv.DEVELOPMENT
    assert settings.port == 8000
    assert settings.database_url is None
    assert settings.allow_signup and settings.seed_spellbook
    assert settings.access_token_expire_minutes == 1440
    assert settings.log_format is LogFormat.PRETTY
    assert not settings.github_app_configured


def test_values_are_parsed_into_their_types():
    settings = Settings.from_env(
        {
            "PORT": "9000",
            "ALLOW_SIGNUP": "false",
            "CORS_ORIGINS": "https://a.example, https://b.example,",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "json",
            "APP_ID": "123",
            "PRIVATE_KEY": "pem",
            "GHE_HOST": "github.example.com",
            "GITHUB_WRITE_SPACING_SECONDS": "0",
        }
    )
    assert settings.port == 9000
    assert settings.allow_signup is False
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.log_level == "DEBUG"
    assert settings.log_format is LogFormat.JSON
    assert settings.github_app_configured
    assert settings.github_write_spacing_seconds == 0


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PORT": "70000", "ALLOW_SIGNUP": "maybe", "GHE_HOST": "https://x/y"})
    message = str(caught.value)
    assert "PORT: must be a TCP port" in message
    assert "ALLOW_SIGNUP: must be true or false" in message
    assert "GHE_HOST: must be a host name" in message


def test_production_refuses_to_start_without_its_secrets():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"APP_ENV": "production"})
    message = str(caught.value)
    for name in ("SECRET_KEY", "WEBHOOK_SECRET", "DATABASE_URL"):
        assert f"{name} is required when APP_ENV=production" in message


def test_secrets_never_appear_in_the_settings_repr():
    settings = Settings.from_env(
        {
            "SECRET_KEY": "k" * 40,
            "WEBHOOK_SECRET": "hook-secret-value",
            "PRIVATE_KEY": "pem-body",
            "APP_ID": "1",
        }
    )
    text = repr(settings)
    assert "k" * 40 not in text and "hook-secret-value" not in text and "pem-body" not in text


def test_operations_settings_are_checked():
    settings = Settings.from_env(
        {"RETENTION_DAYS": "14", "PRUNE_SCHEDULE": "5 3 * * *", "WORKER_METRICS_PORT": "9102"}
    )
    assert (settings.retention_days, settings.prune_schedule) == (14, "5 3 * * *")
    assert settings.worker_metrics_port == 9102
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"RETENTION_DAYS": "2", "PRUNE_SCHEDULE": "hourly"})
    message = str(caught.value)
    assert "RETENTION_DAYS: must be at least 3" in message
    assert "PRUNE_SCHEDULE: must be a cron expression" in message


def test_the_metrics_token_stays_out_of_the_repr():
    assert "scrape-secret" not in repr(Settings.from_env({"METRICS_TOKEN": "scrape-secret"}))


def test_webhook_secret_may_hold_two_secrets_while_rotating():
    settings = Settings.from_env({"WEBHOOK_SECRET": "old-secret, new-secret"})
    assert settings.webhook_secrets == ("old-secret", "new-secret")
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"WEBHOOK_SECRET": "a,b,c"})
    assert "at most 2" in str(caught.value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"WEBHOOK_SECRET": "a,"})
    assert "none of them empty" in str(caught.value)


def test_rate_limits_and_github_login_settings():
    settings = Settings.from_env(
        {
            "AUTH_RATE_LIMIT": "5/second",
            "MATCH_RATE_LIMIT": "off",
            "TRUST_PROXY": "true",
            "GITHUB_CLIENT_ID": "Iv1.abc",
            "GITHUB_CLIENT_SECRET": "client-secret-value",
        }
    )
    assert (settings.auth_rate_limit.requests, settings.auth_rate_limit.period_seconds) == (5, 1)
    assert settings.match_rate_limit is None
    assert settings.trust_proxy and settings.github_login_configured
    assert "client-secret-value" not in repr(settings)
    assert str(Settings.from_env({}).auth_rate_limit) == "30/minute"
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"AUTH_RATE_LIMIT": "0/minute", "GITHUB_CLIENT_ID": "Iv1.abc"})
    message = str(caught.value)
    assert "AUTH_RATE_LIMIT: must look like 30/minute" in message
    assert "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET must be set together" in message
