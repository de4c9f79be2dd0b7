"""SQL for spell vectors (matching by meaning): one row per spell and model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

# Any constant will do, as long as nothing else in the database uses it.
EMBEDDING_LOCK_KEY = 0x6772696D2D656D62  # "grim-emb"


@dataclass(frozen=True, slots=True)
class StoredVector:
    spell_id: int
    digest: str
    vector: bytes  # little-endian float16


async def stored_vectors(conn: asyncpg.Connection, model: str) -> list[StoredVector]:
    rows = await conn.fetch(
        "SELECT spell_id, digest, vector FROM spell_embeddings WHERE model = $1", model
    )
    return [StoredVector(row["spell_id"], row["digest"], row["vector"]) for row in rows]


async def save_vectors(
    conn: asyncpg.Connection, model: str, dimensions: int, vectors: Sequence[StoredVector]
) -> None:
    """Insert or replace these spells' vectors; a spell deleted meanwhile is skipped."""
    await conn.execute(
        "INSERT INTO spell_embeddings (spell_id, model, digest, dimensions, vector) "
        "SELECT v.spell_id, $1, v.digest, $2, v.vector "
        "FROM unnest($3::bigint[], $4::text[], $5::bytea[]) AS v (spell_id, digest, vector) "
        "JOIN spells ON spells.id = v.spell_id "
        "ON CONFLICT (spell_id, model) DO UPDATE "
        "SET digest = EXCLUDED.digest, dimensions = EXCLUDED.dimensions, "
        "vector = EXCLUDED.vector, computed_at = now()",
        model,
        dimensions,
        [v.spell_id for v in vectors],
        [v.digest for v in vectors],
        [v.vector for v in vectors],
    )


async def lock_embedding(conn: asyncpg.Connection) -> None:
    """Wait until no other process is embedding spells, then hold that role until this
    transaction ends (commit, rollback or a dropped connection)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", EMBEDDING_LOCK_KEY)
