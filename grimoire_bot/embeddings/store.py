"""Spell vectors kept in Postgres: computed once per spell change, read by every process.

Each process compiling the spellbook asks for every spell's vector under its model's
name. Vectors whose spell text changed (its digest moved) or that were never computed are
embedded by one process at a time, under an advisory lock: a second process waits, then
finds them stored. The embedding runs off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping, Sequence

import asyncpg
import numpy as np

from grimoire_bot.db import embeddings as db_embeddings
from grimoire_bot.db.embeddings import StoredVector
from grimoire_bot.matching import SpellDoc
from grimoire_bot.matching.index import Scope, spell_meaning_text
from grimoire_bot.matching.semantic import Embedder, text_digest

STORED_DTYPE = np.dtype("<f2")  # half the bytes of float32, ample for a cosine

logger = logging.getLogger(__name__)


async def spell_vectors(
    pool: asyncpg.Pool, embedder: Embedder, spells: Sequence[SpellDoc]
) -> dict[int, np.ndarray]:
    """The vector of every log spell under `embedder`, computing what is missing or stale."""
    texts = await asyncio.to_thread(_texts_by_id, spells)
    digests = {spell_id: text_digest(text) for spell_id, text in texts.items()}
    async with pool.acquire() as conn:
        stored = await db_embeddings.stored_vectors(conn, embedder.name)
    vectors, stale = _fresh(stored, digests, embedder.dimensions)
    if not stale:
        return vectors
    async with pool.acquire() as conn, conn.transaction():
        await db_embeddings.lock_embedding(conn)
        # Another process may have embedded them while this one waited for the lock.
        stored = await db_embeddings.stored_vectors(conn, embedder.name)
        vectors, stale = _fresh(stored, digests, embedder.dimensions)
        if stale:
            started = time.perf_counter()
            computed = await asyncio.to_thread(
                _embed,
                embedder,
                [(spell_id, texts[spell_id], digests[spell_id]) for spell_id in stale],
            )
            await db_embeddings.save_vectors(conn, embedder.name, embedder.dimensions, computed)
            vectors.update((row.spell_id, decode(row.vector)) for row in computed)
            logger.info(
                "spell vectors computed",
                extra={
                    "spells": len(computed),
                    "model": embedder.name,
                    "ms": round((time.perf_counter() - started) * 1000),
                },
            )
    return vectors


def encode(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=STORED_DTYPE).tobytes()


def decode(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=STORED_DTYPE).astype(np.float32)


def _texts_by_id(spells: Iterable[SpellDoc]) -> dict[int, str]:
    """The meaning text of every spell that is matched against logs."""
    return {
        spell.id: spell_meaning_text(spell)
        for spell in spells
        if spell.scope != Scope.DIFF and spell.error_pattern.strip()
    }


def _fresh(
    stored: Iterable[StoredVector], digests: Mapping[int, str], dimensions: int
) -> tuple[dict[int, np.ndarray], list[int]]:
    """The stored vectors still valid for these spells, and the spells that need one."""
    vectors: dict[int, np.ndarray] = {}
    for row in stored:
        if digests.get(row.spell_id) == row.digest and len(row.vector) == 2 * dimensions:
            vectors[row.spell_id] = decode(row.vector)
    return vectors, sorted(spell_id for spell_id in digests if spell_id not in vectors)


def _embed(embedder: Embedder, spells: Sequence[tuple[int, str, str]]) -> list[StoredVector]:
    matrix = embedder.embed([text for _, text, _ in spells])
    return [
        StoredVector(spell_id=spell_id, digest=digest, vector=encode(vector))
        for (spell_id, _, digest), vector in zip(spells, matrix, strict=True)
    ]
