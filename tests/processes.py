"""Running Grimoire's own commands as real processes, the way Heroku and users run them."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Variables the tests set explicitly; anything inherited would make a run depend on its shell.
GRIMOIRE_VARIABLES = (
    "APP_ENV",
    "DATABASE_URL",
    "SECRET_KEY",
    "WEBHOOK_SECRET",
    "APP_ID",
    "PRIVATE_KEY",
    "PRIVATE_KEY_PATH",
    "GHE_HOST",
    "GHE_PROTOCOL",
    "PORT",
    "SEED_SPELLBOOK",
    "EMBEDDED_PG_DIR",
    "LLM_PROVIDER",
    "LLM_MODEL",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "AUTO_CREATE_SPELLS",
    "LLM_RERANK",
)


def environment(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in GRIMOIRE_VARIABLES}
    # Matching by meaning off unless a test asks: it embeds the whole spellbook on a fresh
    # database, seconds that only its own tests need to spend.
    env.update(
        {
            "APP_ENV": "test",
            "LOG_LEVEL": "info",
            "PYTHONUNBUFFERED": "1",
            "SEMANTIC_MATCHING": "false",
        }
    )
    env.update(overrides)
    return env


async def start(*args: str, env: Mapping[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "grimoire_bot",
        *args,
        cwd=REPO_ROOT,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


class OutputDrain:
    """Reads a process's output as it comes. A long-running process that logs a lot would
    otherwise fill the pipe and block on its next log line, with its event loop."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.chunks: list[bytes] = []
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(65536):
            self.chunks.append(chunk)

    async def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        if self.process.returncode is None:
            self.process.send_signal(signum)
        await asyncio.wait_for(self.process.wait(), timeout=60)
        await self._task
        code = self.process.returncode
        return code if code is not None else -1, b"".join(self.chunks).decode(errors="replace")


async def run(*args: str, env: Mapping[str, str], stdin: bytes | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "grimoire_bot",
        *args,
        cwd=REPO_ROOT,
        env=dict(env),
        stdin=asyncio.subprocess.PIPE if stdin is not None else None,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(stdin), timeout=120)
    return process.returncode or 0, output.decode(errors="replace")


async def stop(
    process: asyncio.subprocess.Process, signum: int = signal.SIGTERM
) -> tuple[int, str]:
    """Signal the process, wait for it, and return its exit code and everything it printed."""
    if process.returncode is None:
        process.send_signal(signum)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode if process.returncode is not None else -1, output.decode(
        errors="replace"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
