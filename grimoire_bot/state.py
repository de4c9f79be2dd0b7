"""Typed keys for what the aiohttp application holds: one place to see the shared state."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from grimoire_bot.auth.limits import ClientLimiter
from grimoire_bot.auth.passwords import PasswordHasher
from grimoire_bot.auth.repo_access import RepoAccess
from grimoire_bot.auth.tokens import TokenIssuer
from grimoire_bot.github.app import GitHubApp
from grimoire_bot.github.oauth import GitHubOAuth
from grimoire_bot.matcher import Matcher
from grimoire_bot.settings import Settings
from grimoire_bot.webhooks.recorder import DeliveryRecorder

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
TOKENS = web.AppKey("tokens", TokenIssuer)
PASSWORDS = web.AppKey("passwords", PasswordHasher)
GITHUB = web.AppKey("github", GitHubApp)
MATCHER = web.AppKey("matcher", Matcher)
RECORDER = web.AppKey("recorder", DeliveryRecorder)
OAUTH = web.AppKey("oauth", GitHubOAuth | None)  # None: GitHub sign-in is not configured
REPO_ACCESS = web.AppKey("repo_access", RepoAccess)
LIMITER = web.AppKey("limiter", ClientLimiter)
