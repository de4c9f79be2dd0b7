"""Apply the yoyo SQL migrations in `migrations/`, safely when many processes start at once."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from yoyo import get_backend, read_migrations

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# Any constant will do, as long as nothing else in the database uses it.
MIGRATION_LOCK_KEY = 0x6772696D6F697265  # "grimoire"


def yoyo_url(database_url: str) -> str:
    """Point yoyo at psycopg 3, the synchronous driver it needs."""
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))


def apply_migrations(database_url: str, migrations_dir: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations and return their ids.

    A session-level advisory lock serialises concurrent starters (a release phase and
    a web dyno booting together); unlike yoyo's lock row it vanishes with a killed
    process, so a crash mid-migration never wedges the next deploy.
    """
    with psycopg.connect(database_url, autocommit=True) as guard:
        guard.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            return _apply_locked(database_url, migrations_dir)
        finally:
            guard.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def _apply_locked(database_url: str, migrations_dir: Path) -> list[str]:
    backend = get_backend(yoyo_url(database_url))
    try:
        # Holding the advisory lock means no other migrator is alive, so any yoyo
        # lock row left behind is stale.
        backend.break_lock()
        migrations = read_migrations(str(migrations_dir))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        applied = [m.id for m in pending]
    finally:
        backend.connection.close()
    for migration_id in applied:
        logger.info("applied migration %s", migration_id)
    return applied
