"""An embedded PostgreSQL (pgserver) for users who have nothing but Python installed."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the server whose data lives in *data_dir* and return its URL.

    The data directory survives restarts; the server stops when the last process
    that started it exits.
    """
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on servers; pgserver copes without it.
        warnings.simplefilter("ignore")
        import pgserver  # imported here: it is only needed when DATABASE_URL is unset

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pgserver.get_server(data_dir, cleanup_mode="stop")
    logger.warning(
        "DATABASE_URL is not set: using an embedded PostgreSQL with its data in %s", data_dir
    )
    return server.get_uri()
