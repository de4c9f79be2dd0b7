"""Matching by meaning: the pure semantic index, the near-miss score, the bundled model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grimoire_bot.matching import SpellDoc, SpellIndex, diagnose
from grimoire_bot.matching.ecosystems import Agreement
from grimoire_bot.matching.index import spell_meaning_text
from grimoire_bot.matching.rank import (
    AGREEMENT_MIN_COSINE,
    DEFAULT_MIN_SCORE,
    MEANING_FLOOR,
    PATTERN_BASE,
    Signals,
    near_miss_score,
    score,
)
from grimoire_bot.matching.semantic import SemanticIndex, error_text, normalised
from grimoire_bot.matching.similarity import Evidence
from grimoire_bot.spellbook.io import starter_spellbook

WORD_RE = re.compile(r"[a-z]+")


class BagOfWords:
    """A tiny deterministic embedder: each word hashed to one of 64 dimensions."""

    name = "bag-of-words-64"
    dimensions = 64

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in WORD_RE.findall(text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=2).digest()
                vectors[row, int.from_bytes(digest, "big") % self.dimensions] += 1.0
        return vectors


def test_nearest_spells_come_best_first_and_spells_without_a_vector_never():
    embedder = BagOfWords()
    vectors = normalised(embedder.embed(["disk full", "module missing", "disk quota", ""]))
    index = SemanticIndex(embedder, vectors)
    row = index.similarities(["the disk is full"])[0]
    assert index.nearest(row, limit=2) == [0, 2]
    assert 3 not in index.nearest(row, limit=10)


def test_vectors_of_another_size_than_the_model_are_refused():
    with pytest.raises(ValueError, match="64 dimensions"):
        SemanticIndex(BagOfWords(), np.zeros((2, 8), dtype=np.float32))


def test_an_errors_meaning_text_leaves_out_what_names_only_this_failure():
    text = error_text(
        "missing go.sum entry for module github.com/spf13/pflag@v1.0.5 in /home/runner/work/a/a/go.mod",
        "GoModError",
    )
    assert text.startswith("GoModError: missing go.sum entry")
    assert "pflag" not in text and "/home/runner" not in text and "1.0.5" not in text


def test_a_spells_meaning_text_has_its_title_pattern_words_and_examples():
    doc = SpellDoc(
        id=1,
        title="Go: go.sum lacks an entry",
        description="A dependency was added without updating go.sum.",
        error_type="MissingGoSum",
        error_pattern=r"missing go\.sum entry for module providing package (\S+)",
        tags="go",
        ecosystem="go",
        status="approved",
        examples=("main.go:7:2: missing go.sum entry for module providing package x/y",),
    )
    text = spell_meaning_text(doc)
    for part in ("go.sum lacks an entry", "MissingGoSum", "without updating", "providing package"):
        assert part in text


@given(
    lexical=st.floats(0, 1),
    cosine=st.floats(-1, 1),
    margin=st.floats(-2, 2),
)
def test_meaning_never_lowers_a_near_miss_and_stays_in_range(lexical, cosine, margin):
    value = near_miss_score(lexical, cosine, margin)
    assert lexical <= value <= 1.0


def test_meaning_alone_below_the_floor_adds_nothing():
    assert near_miss_score(0.2, MEANING_FLOOR - 0.01, 0.0) == 0.2
    assert near_miss_score(0.0, None) == 0.0


def test_the_index_embeds_a_spell_only_when_no_vector_is_given():
    embedder = BagOfWords()
    spells = [
        SpellDoc(1, "disk full", "", None, "no space left", "", None, "approved"),
        SpellDoc(2, "module missing", "", None, "No module named", "", None, "approved"),
    ]
    given_vector = embedder.embed(["disk full"])[0]
    embedder.texts.clear()
    SpellIndex.build(spells, embedder=embedder, vectors={1: given_vector})
    assert embedder.texts == [spell_meaning_text(spells[1])]


# With the bundled model, on the starter spellbook: drifted wordings from real tool
# versions that no pattern matches, and errors no starter spell fits.
# (The runner's "Node.js 20 actions are deprecated" was here too, until the starter spell's
# pattern learnt that wording.)
DRIFTED = [
    (
        "  ● api \u203a creates a user\n\n    Timeout - Async callback was not invoked within the "
        "5000 ms timeout specified by jest.setTimeout.",
        "jest.exceeded-timeout",
    ),
]
UNRELATED = [
    "FAILED tests/test_api.py::test_create_user - AssertionError: assert 201 == 200",
    "thread 'main' panicked at src/main.rs:10:5:\nattempt to subtract with overflow",
    "Error: The operation was canceled.",
    "ValueError: invalid literal for int() with base 10: 'abc'",
    "TypeError: Cannot read properties of undefined (reading 'map')",
    # Django's connection error is not the Elixir/Ecto spell it reads like: a qualified
    # Python exception is Python's, and a near miss across ecosystems loses
    "django.db.utils.OperationalError: could not connect to server: Connection refused\n"
    '\tIs the server running on host "localhost" (127.0.0.1) and accepting\n'
    "\tTCP/IP connections on port 5432?",
]


@pytest.fixture(scope="module")
def starter_indexes() -> tuple[SpellIndex, SpellIndex, dict[int, str]]:
    from grimoire_bot import embeddings

    book = [s for s in starter_spellbook() if s.get("scope", "log") == "log"]
    docs = [
        SpellDoc(
            id=position,
            title=s["title"],
            description=s.get("description", ""),
            error_type=s.get("error_type"),
            error_pattern=s["error_pattern"],
            tags=s.get("tags", ""),
            ecosystem=s.get("ecosystem"),
            status="approved",
            examples=tuple(s.get("examples", ())),
        )
        for position, s in enumerate(book)
    ]
    # wordllama is a requirement: a model that cannot load fails these tests, never skips them.
    embedder = embeddings.load_embedder()
    keys = {position: s["key"] for position, s in enumerate(book)}
    return SpellIndex.build(docs), SpellIndex.build(docs, embedder=embedder), keys


@pytest.mark.parametrize(("log", "key"), DRIFTED)
def test_a_drifted_wording_no_pattern_matches_is_found_by_meaning(starter_indexes, log, key):
    """Regression: a reworded message (another tool version) got no spell at all."""
    words_only, with_meaning, keys = starter_indexes
    assert diagnose(log, words_only).ranked == []
    matches = diagnose(log, with_meaning).ranked
    assert [keys[m.spell_id] for m in matches][:1] == [key]
    assert matches[0].reason == "similar"


@pytest.mark.parametrize("log", UNRELATED)
def test_errors_no_spell_fits_stay_silent_with_meaning_on(starter_indexes, log):
    _, with_meaning, keys = starter_indexes
    assert [keys[m.spell_id] for m in diagnose(log, with_meaning).ranked] == []


def test_the_bundled_model_loads_offline_and_gives_unit_vectors(monkeypatch):
    """wordllama is a requirement: a model that cannot load (or wants the network, which
    HF_HUB_OFFLINE refuses) is a failure here, not a skip that looks green."""
    from grimoire_bot import embeddings

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = embeddings.LocalEmbedder.load()
    vectors = normalised(embedder.embed(["missing go.sum entry", ""]))
    assert vectors.shape == (2, embedder.dimensions)
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0)
    assert not vectors[1].any()
    assert embedder.name.startswith("wordllama-")


def test_meaning_counts_only_for_a_spell_whose_words_the_error_shares():
    """Regression: CMake's 'The C compiler ... is not able to compile a simple test
    program' sat at cosine 0.73 from the 'No CMAKE_CXX_COMPILER could be found' spell with
    almost none of its words, and was offered it (bench/evalset g-0050)."""
    close = Signals(
        pattern_hit=False,
        specificity=0.0,
        evidence=Evidence(
            signature=0.2, anchors=0.0, confidence=1.0, explained=0.15, message_confidence=1.0
        ),
        ecosystem=Agreement.AGREE,
        error_type=Agreement.UNKNOWN,
        approved=True,
        feedback=0.0,
        meaning=0.9,
        meaning_margin=0.3,
    )
    assert score(close)[0] < DEFAULT_MIN_SCORE
    sharing = replace(close, evidence=replace(close.evidence, signature=0.4))
    assert score(sharing)[0] >= DEFAULT_MIN_SCORE


# Wording and meaning agreeing on one spell (rank.agreement_score): real messages from
# tests/data/localisation_gathered.jsonl that neither signal alone lifts over the threshold.
AGREED = [
    (
        # Next.js prints tsc's TS2339 without its code
        "web:build: Type error: Property 'domain' does not exist on type '{ page: number; "
        "limit: number; } & { columns: string[]; }'.",
        "typescript.ts2339-property-missing",
    ),
    (
        'archive.py:65: error: "None" has no attribute "has_option"',
        "python-lint.mypy-optional-attribute",
    ),
    (
        # rustc 1.0's wording, before E0432 and its `no X in Y`
        "src\\racer\\snippets.rs:6:5: 6:37 error: unresolved import "
        "`syntax::ext::quote::rt::ToSource`. There is no `ToSource` in `syntax::ext::quote::rt`",
        "rust.e0432-unresolved-import",
    ),
]
# Siblings that come as close by both signals but must stay silent: a generic message (too
# few words on either side to agree on), and an exception of another class.
NOT_AGREED = [
    "/home/runner/work/ListBot/ListBot/src/commands/poll.js\n"
    "  127:1  error  Parsing error: Unexpected token }",
    "FAILURE 7.99s | RollupIT.testBig <<< FAILURES!\n"
    "   > Throwable #1: java.lang.AssertionError: \n"
    "   > Expected: <89L>\n"
    "   >      but: was <88L>\n"
    "   >    at org.hamcrest.MatcherAssert.assertThat(MatcherAssert.java:20)\n"
    "   >    at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
]


@pytest.mark.parametrize(("log", "key"), AGREED)
def test_a_spell_first_by_wording_and_by_meaning_is_offered(starter_indexes, log, key):
    """Regression: each of these got no spell; its spell was the first by wording and by
    meaning, each too weakly to clear the threshold alone."""
    words_only, with_meaning, keys = starter_indexes
    assert diagnose(log, words_only).ranked == []
    matches = diagnose(log, with_meaning).ranked
    assert [keys[m.spell_id] for m in matches] == [key]
    assert matches[0].reason == "similar"
    assert matches[0].score < PATTERN_BASE + 0.1  # below what a pattern hit scores


@pytest.mark.parametrize("log", NOT_AGREED)
def test_siblings_close_by_wording_and_meaning_stay_silent(starter_indexes, log):
    _, with_meaning, keys = starter_indexes
    assert [keys[m.spell_id] for m in diagnose(log, with_meaning).ranked] == []


AGREEING = Signals(
    pattern_hit=False,
    specificity=0.0,
    evidence=Evidence(
        signature=0.5, anchors=1.0, confidence=1.0, explained=0.3, message_confidence=1.0
    ),
    ecosystem=Agreement.UNKNOWN,
    error_type=Agreement.UNKNOWN,
    approved=True,
    feedback=0.0,
    meaning=0.7,
    meaning_margin=0.1,
    lexical_first=True,
)


def test_wording_and_meaning_agreeing_clear_the_threshold_neither_clears_alone():
    assert score(AGREEING)[0] >= DEFAULT_MIN_SCORE
    assert score(replace(AGREEING, lexical_first=False))[0] < DEFAULT_MIN_SCORE
    assert score(replace(AGREEING, meaning=None))[0] < DEFAULT_MIN_SCORE


@pytest.mark.parametrize(
    "disagreeing",
    [
        replace(AGREEING, meaning_margin=-0.01),  # another spell is closer in meaning
        replace(AGREEING, meaning=AGREEMENT_MIN_COSINE - 0.01),
        replace(AGREEING, evidence=replace(AGREEING.evidence, confidence=0.75)),  # 3 words
        replace(AGREEING, evidence=replace(AGREEING.evidence, message_confidence=0.75)),
        replace(AGREEING, evidence=replace(AGREEING.evidence, anchors=0.0)),
        replace(AGREEING, error_type=Agreement.CONFLICT),  # TS2322 for a TS2345 spell
        replace(AGREEING, ecosystem=Agreement.CONFLICT),
    ],
)
def test_agreement_needs_both_signals_first_with_enough_words_and_nothing_against(disagreeing):
    assert score(disagreeing)[0] < DEFAULT_MIN_SCORE


@given(
    signature=st.floats(0, 1),
    anchors=st.floats(0, 1),
    explained=st.floats(0, 1),
    cosine=st.floats(-1, 1),
    margin=st.floats(-1, 1),
    ecosystem=st.sampled_from([Agreement.AGREE, Agreement.RELATED, Agreement.UNKNOWN]),
    error_type=st.sampled_from([Agreement.AGREE, Agreement.RELATED, Agreement.UNKNOWN]),
    approved=st.booleans(),
)
def test_agreement_never_lifts_a_near_miss_above_a_pattern_hit_on_the_same_terms(
    signature, anchors, explained, cosine, margin, ecosystem, error_type, approved
):
    """What agreement adds stays below what the spell's pattern hitting would score, with
    the same ecosystem, type and review status: a curator's pattern outranks it."""
    signals = replace(
        AGREEING,
        evidence=replace(
            AGREEING.evidence, signature=signature, anchors=anchors, explained=explained
        ),
        meaning=cosine,
        meaning_margin=margin,
        ecosystem=ecosystem,
        error_type=error_type,
        approved=approved,
    )
    agreed, apart = score(signals)[0], score(replace(signals, lexical_first=False))[0]
    hit = score(replace(signals, pattern_hit=True, specificity=0.0, lexical_first=False))[0]
    assert agreed >= apart
    assert agreed <= max(apart, hit)
