"""GitHub I/O: App authentication, the REST client with back-off, and job-log downloads."""

from grimoire_bot.github.auth import (
    InstallationToken,
    InstallationTokens,
    load_private_key,
    make_app_jwt,
)
from grimoire_bot.github.client import (
    GitHubClient,
    RequestRecord,
    TransientGitHubError,
    get_pull_diff,
    github_api_url,
    installation_client,
    redact_url,
)
from grimoire_bot.github.logs import LogDownload, download_job_log

__all__ = [
    "GitHubClient",
    "InstallationToken",
    "InstallationTokens",
    "LogDownload",
    "RequestRecord",
    "TransientGitHubError",
    "download_job_log",
    "get_pull_diff",
    "github_api_url",
    "installation_client",
    "load_private_key",
    "make_app_jwt",
    "redact_url",
]
