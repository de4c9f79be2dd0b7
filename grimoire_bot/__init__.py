"""Grimoire: a GitHub App that turns red CI into fixes."""

SERVICE_NAME = "grimoire-bot"
