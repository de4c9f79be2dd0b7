"""Spell vectors in Postgres: computed once per spell change, shared by every process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import numpy as np
import pytest

from grimoire_bot.db import open_pool
from grimoire_bot.matcher import Matcher
from grimoire_bot.spellbook import io as spellbook_io
from tests.conftest import make_settings
from tests.test_matching_semantic import BagOfWords

OLD_JEST_TIMEOUT = (
    "  \u25cf api \u203a creates a user\n\n    Timeout - Async callback was not invoked within "
    "the 5000 ms timeout specified by jest.setTimeout.\n"
)


class SlowBagOfWords(BagOfWords):
    """Takes a while per call, so two processes compiling at once really overlap."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        time.sleep(0.3)
        return super().embed(texts)


@pytest.fixture
async def pool(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=6) as pool:
        yield pool


async def add_spells(pool, count: int, *, scope: str = "log") -> list[int]:
    async with pool.acquire() as conn:
        return [
            await conn.fetchval(
                "INSERT INTO spells (key, title, description, error_pattern, solution_code, scope) "
                "VALUES ($1, $2, $3, $4, 'fix it', $5::spell_scope) RETURNING id",
                f"{scope}.{n}",
                f"Widget {n} exploded",
                f"The widget number {n} blew up while frobnicating.",
                f"widget {n} exploded",
                scope,
            )
            for n in range(count)
        ]


async def stored(pool) -> dict[int, tuple[str, str]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT spell_id, model, digest FROM spell_embeddings")
    return {row["spell_id"]: (row["model"], row["digest"]) for row in rows}


async def test_vectors_are_computed_once_and_read_by_the_next_process(pool):
    log_spells = await add_spells(pool, 3)
    await add_spells(pool, 1, scope="diff")
    first = BagOfWords()
    await Matcher(pool, embedder=first).index()
    assert len(first.texts) == 3
    assert set(await stored(pool)) == set(log_spells)  # diff spells are never embedded

    second = BagOfWords()
    index = await Matcher(pool, embedder=second).index()
    assert second.texts == []  # only the errors it matches will be embedded
    assert index.semantic is not None and len(index.semantic) == 3


async def test_an_edited_spell_is_re_embedded_alone(pool):
    spell_ids = await add_spells(pool, 3)
    embedder = BagOfWords()
    matcher = Matcher(pool, embedder=embedder)
    await matcher.index()
    before = await stored(pool)
    embedder.texts.clear()

    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE spells SET title = 'Widget exploded on Windows' WHERE id = $1", spell_ids[1]
        )
    await matcher.index()
    assert len(embedder.texts) == 1 and "Windows" in embedder.texts[0]
    after = await stored(pool)
    assert after[spell_ids[1]] != before[spell_ids[1]]
    assert {k: v for k, v in after.items() if k != spell_ids[1]} == {
        k: v for k, v in before.items() if k != spell_ids[1]
    }


async def test_processes_compiling_at_once_embed_each_spell_once(fresh_database_url):
    async with (
        open_pool(fresh_database_url, max_size=3) as pool_a,
        open_pool(fresh_database_url, max_size=3) as pool_b,
    ):
        await add_spells(pool_a, 4)
        a, b = SlowBagOfWords(), SlowBagOfWords()
        await asyncio.gather(
            Matcher(pool_a, embedder=a).index(), Matcher(pool_b, embedder=b).index()
        )
        assert len(a.texts) + len(b.texts) == 4


async def test_another_model_gets_its_own_vectors_and_a_deleted_spell_loses_its_own(pool):
    spell_ids = await add_spells(pool, 2)
    await Matcher(pool, embedder=BagOfWords()).index()

    class OtherModel(BagOfWords):
        name = "bag-of-words-64-v2"

    other = OtherModel()
    await Matcher(pool, embedder=other).index()
    assert len(other.texts) == 2
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM spells WHERE id = $1", spell_ids[0])
        models = await conn.fetch("SELECT spell_id, model FROM spell_embeddings ORDER BY model")
    assert {(row["spell_id"], row["model"]) for row in models} == {
        (spell_ids[1], "bag-of-words-64"),
        (spell_ids[1], "bag-of-words-64-v2"),
    }


@pytest.fixture
async def seeded(fresh_database_url):
    async with open_pool(fresh_database_url, max_size=2) as pool, pool.acquire() as conn:
        report = await spellbook_io.seed_if_empty(conn)
    assert report is not None and not report.errors


@pytest.mark.parametrize(("semantic", "expected"), [(True, True), (False, False)])
async def test_the_match_api_finds_a_reworded_error_by_meaning_only_when_asked(
    aiohttp_client, fresh_database_url, seeded, semantic, expected
):
    """Regression: Jest's old timeout wording got no spell, the spell's pattern knowing
    only today's."""
    pytest.importorskip("wordllama")
    from grimoire_bot.app import create_app

    client = await aiohttp_client(
        create_app(make_settings(semantic_matching=semantic), fresh_database_url)
    )
    body = await (await client.post("/api/match", json={"log": OLD_JEST_TIMEOUT})).json()
    keys = [m["spell"]["key"] for m in body["matches"]]
    if expected:
        assert keys[:1] == ["jest.exceeded-timeout"]
        assert body["matches"][0]["reason"] == "similar"
    else:
        assert keys == []
