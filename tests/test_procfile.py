"""Each Procfile process starts from what the container image holds, as a non-root user.

No container engine runs here, so the image is approximated: a folder with exactly the
paths the Dockerfile copies, the Dockerfile's environment, and (when the tests run as
root) the unprivileged uid the image uses. That proves the processes need nothing else
from the repository and write nothing but what an unprivileged user may.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from tests.processes import REPO_ROOT, environment, free_port
from tests.workers import wait_until

UNPRIVILEGED_UID = 65534  # nobody: the tests cannot create the image's own user
COPY_RE = re.compile(r"^COPY\s+(?P<sources>.+?)\s+(?P<target>\S+)\s*$")


def procfile() -> dict[str, list[str]]:
    processes = {}
    for line in (REPO_ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if command.strip():
            processes[name.strip()] = shlex.split(command)
    return processes


def dockerfile() -> list[str]:
    return (REPO_ROOT / "Dockerfile").read_text().splitlines()


def copied_paths() -> list[str]:
    paths = []
    for line in dockerfile():
        found = COPY_RE.match(line)
        if found and "requirements.txt" not in found["sources"]:
            paths.extend(found["sources"].split())
    return paths


def dockerfile_env() -> dict[str, str]:
    text = "\n".join(dockerfile()).replace("\\\n", " ")
    env_line = next(line for line in text.splitlines() if line.startswith("ENV "))
    return dict(pair.split("=", 1) for pair in shlex.split(env_line[len("ENV ") :]))


@pytest.fixture
def image_dir() -> Iterator[Path]:
    """A folder holding only what the Dockerfile copies, readable by anyone."""
    root = Path(tempfile.mkdtemp(prefix="grimoire-image-"))
    try:
        for name in copied_paths():
            source = REPO_ROOT / name.rstrip("/")
            target = root / name.rstrip("/")
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def others_may_run(path: Path) -> bool:
    """Whether an unprivileged user can reach and run `path` (every folder above it
    searchable, the file itself readable and executable)."""
    resolved = path.resolve()
    folders_ok = all(folder.stat().st_mode & 0o001 for folder in resolved.parents)
    return folders_ok and resolved.stat().st_mode & 0o005 == 0o005


def unprivileged() -> bool:
    return os.geteuid() == 0 and others_may_run(Path(sys.executable))


def drop_privileges() -> None:
    os.setgid(UNPRIVILEGED_UID)
    os.setuid(UNPRIVILEGED_UID)


async def start_process(name: str, image: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    command = procfile()[name]
    assert command[0] == "python", command
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *command[1:],
        cwd=image,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        # No threads run between fork and exec here.
        preexec_fn=drop_privileges if unprivileged() else None,
    )


async def read_until(process: asyncio.subprocess.Process, text: str, within: float = 60) -> str:
    """What the process printed up to and including the line that holds `text`."""
    assert process.stdout is not None
    seen = []
    async with asyncio.timeout(within):
        while line := (await process.stdout.readline()).decode():
            seen.append(line)
            if text in line:
                return "".join(seen)
    raise AssertionError(f"{text!r} never printed:\n" + "".join(seen))


def left_out_of_the_image() -> list[str]:
    """Requirements the Dockerfile filters out of its `pip install` (`grep -v '^name'`)."""
    return re.findall(r"grep -v '\^([\w-]+)' requirements\.txt", "\n".join(dockerfile()))


@pytest.fixture
def not_installed(image_dir: Path) -> Iterator[Path]:
    """A folder that shadows each package the image leaves out with one that refuses to
    import, so a process that needs it fails here as it would in the image."""
    root = Path(tempfile.mkdtemp(prefix="grimoire-not-installed-"))
    try:
        for name in left_out_of_the_image():
            package = root / name.replace("-", "_")
            package.mkdir()
            (package / "__init__.py").write_text(
                f"raise ImportError('{name} is not installed in the image')\n"
            )
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def image_env(database_url: str, port: int, shadowed: Path) -> dict[str, str]:
    env = environment(**dockerfile_env())
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="container-secret-key-0123456789abcdef",
        WEBHOOK_SECRET="container-webhook-secret",
        PORT=str(port),
        HOST="127.0.0.1",
        PYTHONPATH=str(shadowed),
        HOME="/nonexistent",
    )
    return env


def test_the_image_runs_the_procfile_commands_as_its_default():
    cmd = next(line for line in dockerfile() if line.startswith("CMD "))
    assert shlex.join(procfile()["web"]) == " ".join(eval(cmd[len("CMD ") :]))  # noqa: S307
    assert any(line.startswith("USER ") and "root" not in line for line in dockerfile())
    assert any(line.startswith("HEALTHCHECK ") for line in dockerfile())
    assert set(procfile()) == {"release", "web", "worker"}


async def health_check(image: Path, env: dict[str, str]) -> int:
    line = next(
        line
        for line in dockerfile()
        if line.strip().startswith('CMD ["python", "-m", "grimoire_bot.healthcheck')
    )
    command = json.loads(line.strip()[len("CMD ") :])
    process = await asyncio.create_subprocess_exec(sys.executable, *command[1:], cwd=image, env=env)
    return await asyncio.wait_for(process.wait(), timeout=30)


async def health_ok(image: Path, env: dict[str, str]) -> bool:
    return await health_check(image, env) == 0


def test_compose_runs_the_procfile_processes_in_order_from_the_image():
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {name: services[name]["command"] for name in procfile()} == procfile()
    # web and worker wait for the release step, which waits for a healthy PostgreSQL.
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "release": {"condition": "service_completed_successfully"}
        }
    assert services["release"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["release"]["restart"] == "no"
    assert all(services[name]["build"] == "." for name in procfile())


@pytest.mark.slow
async def test_each_procfile_process_starts_from_the_image_contents(
    image_dir, not_installed, fresh_database_url
):
    port = free_port()
    assert left_out_of_the_image() == ["pgserver"]
    env = image_env(fresh_database_url, port, not_installed)

    release = await start_process("release", image_dir, env)
    output, _ = await asyncio.wait_for(release.communicate(), timeout=120)
    assert release.returncode == 0, output.decode()
    assert "Applied 0 migration(s)" in output.decode()  # the template is already migrated

    web = await start_process("web", image_dir, env)
    worker_env = {**env, "WORKER_METRICS_PORT": str(free_port()), "PORT": str(free_port())}
    worker = await start_process("worker", image_dir, worker_env)
    try:
        async with aiohttp.ClientSession() as session:

            async def healthy() -> bool:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/health") as response:
                        return response.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            await wait_until(healthy, within=60, interval=0.3)
        worker_started = await read_until(worker, "worker started")
        # The image's HEALTHCHECK, as each container would run it.
        assert await health_check(image_dir, env) == 0
        await wait_until(lambda: health_ok(image_dir, worker_env), within=30, interval=0.5)
        nothing_listens = {**worker_env, "WORKER_METRICS_PORT": str(free_port())}
        assert await health_check(image_dir, nothing_listens) == 1
    finally:
        for process in (web, worker):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        outputs = [
            (await asyncio.wait_for(process.communicate(), timeout=60))[0].decode()
            for process in (web, worker)
        ]
    assert web.returncode == 0, outputs[0]
    assert worker.returncode == 0, outputs[1]
    assert "worker stopped" in outputs[1], worker_started + outputs[1]
