"""Every migration's rollback undoes it: a deploy can be walked back step by step."""

from __future__ import annotations

import psycopg
from yoyo import get_backend, read_migrations

from grimoire_bot.db.migrations import MIGRATIONS_DIR, apply_migrations, yoyo_url
from tests.conftest import _admin, database_url

NAME = "grimoire_rollback_round_trip"


def schema_of(url: str) -> set[tuple[str, str]]:
    """Tables and enum types in the database, yoyo's own bookkeeping left out."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """
            SELECT 'table', table_name FROM information_schema.tables
            WHERE table_schema = 'public' AND table_name NOT LIKE '_yoyo%'
              AND table_name <> 'yoyo_lock'
            UNION ALL
            SELECT 'type', t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = 'public' AND t.typtype = 'e'
            """
        ).fetchall()
    return {(kind, name) for kind, name in rows}


def test_each_rollback_undoes_its_migration_and_the_chain_reapplies(template_database):
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{NAME}"')
    url = database_url(NAME)
    try:
        migrations = read_migrations(str(MIGRATIONS_DIR))
        backend = get_backend(yoyo_url(url))
        try:
            before: list[set[tuple[str, str]]] = []
            for migration in migrations:
                before.append(schema_of(url))
                with backend.lock():
                    backend.apply_migrations(
                        backend.to_apply(
                            migrations.filter(lambda m, wanted=migration.id: m.id == wanted)
                        )
                    )
            full = schema_of(url)
            assert ("table", "spells") in full and ("table", "llm_reranks") in full
            for index in reversed(range(len(migrations))):
                migration = migrations[index]
                with backend.lock():
                    backend.rollback_migrations(
                        backend.to_rollback(
                            migrations.filter(lambda m, wanted=migration.id: m.id == wanted)
                        )
                    )
                assert schema_of(url) == before[index], f"rolling back {migration.id}"
            assert schema_of(url) == set()
        finally:
            backend.connection.close()
        assert len(apply_migrations(url)) == len(migrations)
        assert schema_of(url) == full
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
