"""This process's compiled spellbook, rebuilt whenever the spellbook in Postgres changes.

Every write to `spells` bumps one version counter (a statement trigger), so each process
asks for that number before matching and rebuilds its `SpellIndex` only when it moved:
a spell saved through any web process is matched by every worker on its next use.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Mapping, Sequence

import asyncpg

from grimoire_bot import metrics
from grimoire_bot.db import advice as db_advice
from grimoire_bot.db import spells as db_spells
from grimoire_bot.embeddings import Embedder, ModelUnavailable, load_embedder
from grimoire_bot.embeddings.store import spell_vectors
from grimoire_bot.matching import (
    DEFAULT_MIN_SCORE,
    Diagnosis,
    ErrorRecord,
    SpellDoc,
    SpellIndex,
    diagnose,
)
from grimoire_bot.matching.engine import SPELLS_PER_ERROR

logger = logging.getLogger(__name__)


def spell_doc(row: Mapping) -> SpellDoc:
    return SpellDoc(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        error_type=row["error_type"],
        error_pattern=row["error_pattern"],
        tags=row["tags"],
        ecosystem=row["ecosystem"],
        status=row["status"],
        scope=row["scope"],
        examples=tuple(row.get("examples") or ()),
        solution=row.get("solution_code") or "",
    )


class Matcher:
    def __init__(
        self, pool: asyncpg.Pool, *, semantic: bool = False, embedder: Embedder | None = None
    ) -> None:
        """`semantic`: also find spells by meaning, with `embedder` or else the bundled
        model (loaded on the first compile)."""
        self.pool = pool
        self._semantic = semantic or embedder is not None
        self._embedder = embedder
        self._index: SpellIndex | None = None
        self._version: int | None = None
        self._rebuilding = asyncio.Lock()

    async def index(self) -> SpellIndex:
        async with self.pool.acquire() as conn:
            version = await db_spells.spellbook_version(conn)
        if self._index is not None and version == self._version:
            return self._index
        async with self._rebuilding:
            if self._index is None or version != self._version:
                await self._rebuild(version)
        assert self._index is not None
        return self._index

    async def _rebuild(self, version: int) -> None:
        started = time.perf_counter()
        # Read the rows and the version in one snapshot, so a concurrent write is never
        # recorded as included when it is not.
        async with (
            self.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            version = await db_spells.spellbook_version(conn)
            rows = await db_spells.spells_for_index(conn)
        spells = [spell_doc(row) for row in rows]
        embedder = await self._embedder_if_wanted()
        vectors = None if embedder is None else await spell_vectors(self.pool, embedder, spells)
        index = await asyncio.to_thread(
            functools.partial(SpellIndex.build, spells, embedder=embedder, vectors=vectors)
        )
        self._index, self._version = index, version
        metrics.SPELLBOOK_COMPILE.observe(time.perf_counter() - started)
        metrics.SPELLBOOK_COMPILED_SPELLS.set(len(index))
        for spell_id, problem in index.skipped:
            logger.warning(
                "spell skipped by the matcher", extra={"spell_id": spell_id, "problem": problem}
            )
        logger.info(
            "spellbook compiled",
            extra={
                "spells": len(rows),
                "version": version,
                "ms": round((time.perf_counter() - started) * 1000),
            },
        )

    async def _embedder_if_wanted(self) -> Embedder | None:
        """The model for matching by meaning, loaded once, off the event loop; without it
        (package missing or incomplete) matching goes on by pattern and words."""
        if self._semantic and self._embedder is None:
            try:
                self._embedder = await asyncio.to_thread(load_embedder)
            except ModelUnavailable as exc:
                logger.warning("matching by meaning is off", extra={"problem": str(exc)})
                self._semantic = False
        return self._embedder

    async def diagnose(
        self,
        text: str | bytes | None,
        *,
        extra_errors: Sequence[ErrorRecord] = (),
        repository_id: int | None = None,
        limit: int = 5,
        per_error: int = SPELLS_PER_ERROR,
        min_score: float | None = None,
        approved_only: bool = False,
        repo_root_hints: Sequence[str] = (),
    ) -> Diagnosis:
        """The one pass over a failure (`matching.diagnose`), off the event loop. With a
        repository, its votes (and everyone's) move the ranking, as on its pull requests."""
        index = await self.index()
        feedback = None
        if repository_id is not None:
            async with self.pool.acquire() as conn:
                feedback = await db_advice.feedback_scores(conn, repository_id)
        return await asyncio.to_thread(
            functools.partial(
                diagnose,
                text,
                index,
                extra_errors=extra_errors,
                limit=limit,
                per_error=per_error,
                min_score=DEFAULT_MIN_SCORE if min_score is None else min_score,
                feedback=feedback,
                approved_only=approved_only,
                repo_root_hints=repo_root_hints,
            )
        )
