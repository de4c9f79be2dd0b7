"""A repository's settings and where each comes from: its `.github/grimoire.yml`, the settings
saved through the API, its organisation's `.github` repository, and the defaults."""

from grimoire_bot.repo_config.effective import (
    ConfigFileState,
    EffectiveSettings,
    effective_settings,
    forget_config_of,
)
from grimoire_bot.repo_config.fields import RepoSettings, Source

__all__ = [
    "ConfigFileState",
    "EffectiveSettings",
    "RepoSettings",
    "Source",
    "effective_settings",
    "forget_config_of",
]
