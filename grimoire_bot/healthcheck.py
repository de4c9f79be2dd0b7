"""The container's health check: `python -m grimoire_bot.healthcheck`.

One image runs every Procfile process, so the check finds what this container serves: a
web process answers `/health` on `PORT` (503 while PostgreSQL is unreachable); a worker
serves no API, but with `WORKER_METRICS_PORT` set it answers `/ping` there. Standard library
only, so the check costs no more than starting Python.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 4.0


def answers(url: str) -> bool | None:
    """True for a 2xx, False for any other answer, None when nothing listens."""
    try:
        # Always plain HTTP to this container's loopback, built above from a port number.
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return 200 <= response.status < 300
    except urllib.error.HTTPError:
        return False
    except (urllib.error.URLError, OSError):
        return None


def healthy(environ: dict[str, str]) -> bool:
    web = answers(f"http://127.0.0.1:{environ.get('PORT', '8000')}/health")
    if web is not None:
        return web
    worker_port = environ.get("WORKER_METRICS_PORT")
    return worker_port is not None and answers(f"http://127.0.0.1:{worker_port}/ping") is True


if __name__ == "__main__":
    sys.exit(0 if healthy(dict(os.environ)) else 1)
