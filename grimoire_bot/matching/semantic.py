"""Matching by meaning: spells whose text says what an error says, in other words.

A tool's next version rewords its message ("missing go.sum entry; to add it:" for
"missing go.sum entry for module providing package"), drops the prefix a pattern
required, or prints only a native stack: no pattern hits and too few of the spell's
words are left for a lexical near miss. A sentence embedding still places the two
wordings close together. Each spell is embedded once from everything that describes it
(title, description, error type, the literal text of its pattern, its examples); each
error from its type and message with the volatile parts (paths, quoted names, numbers)
masked, since those name *this* failure and not its kind.

This module is pure: the model comes in through `Embedder` (a local static model, see
`grimoire_bot.embeddings`, or an LLM provider's embeddings) and the spell vectors come
in as a matrix (computed once per spell change and kept in Postgres by the caller).
Search is a brute-force cosine over the matrix: one matrix product per batch of errors,
a few milliseconds for 10k spells of 256 dimensions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .fingerprint import mask

# What each spell contributes to its text, in characters: enough for a description and a
# few examples, not so much that one long field drowns the others in the mean.
MAX_FIELD_CHARS = 600
MAX_EXAMPLES = 4
MAX_ERROR_CHARS = 600
# How many spells by meaning each error offers to the ranking.
SEMANTIC_CANDIDATES = 8
VECTOR_DTYPE = np.float32
PLACEHOLDER_RE = re.compile(r"<(?:url|q|path|pkg|id|hex|ver|n)>")
SPACES_RE = re.compile(r"\s+")


class Embedder(Protocol):
    """Turns texts into unit-length vectors; a local model or a provider's embeddings.

    `name` identifies the model and its version: vectors stored under another name are
    stale and are computed again. `embed` is called off the event loop and must be safe
    to call from several threads."""

    @property
    def name(self) -> str: ...

    @property
    def dimensions(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class SpellText:
    """What describes a spell, for embedding."""

    title: str
    description: str
    error_type: str | None
    literals: Sequence[str]  # the literal text its pattern requires
    examples: Sequence[str]


def spell_text(spell: SpellText) -> str:
    """The one text a spell is embedded from."""
    parts = [spell.title, spell.error_type or "", spell.description[:MAX_FIELD_CHARS]]
    literals = " ".join(dict.fromkeys(run.strip() for run in spell.literals if run.strip()))
    parts.append(literals[:MAX_FIELD_CHARS])
    parts.extend(_masked(example)[:MAX_FIELD_CHARS] for example in spell.examples[:MAX_EXAMPLES])
    return _squeeze(". ".join(part for part in parts if part.strip()))


def text_digest(text: str) -> str:
    """A short stable digest of a spell's text: its stored vector is stale when it moves."""
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()[:32]


def error_text(message: str, error_type: str | None) -> str:
    """The text an error is embedded from: its type and its masked message."""
    masked = _masked(message)[:MAX_ERROR_CHARS]
    if error_type and error_type.lower() not in masked.lower():
        masked = f"{error_type}: {masked}"
    return masked


def _masked(text: str) -> str:
    """Paths, quoted names, versions and numbers removed: they name one failure, not a kind."""
    return _squeeze(PLACEHOLDER_RE.sub(" ", mask(text)))


def _squeeze(text: str) -> str:
    return SPACES_RE.sub(" ", text).strip()


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero), as float32."""
    vectors = np.asarray(vectors, dtype=VECTOR_DTYPE)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


class SemanticIndex:
    """Spell vectors (one row per log spell, in the lexical index's order) and the model
    that embeds errors into the same space."""

    def __init__(self, embedder: Embedder, vectors: np.ndarray) -> None:
        if vectors.ndim != 2 or vectors.shape[1] != embedder.dimensions:
            raise ValueError(
                f"spell vectors have shape {vectors.shape}, the model {embedder.dimensions} "
                "dimensions"
            )
        self.embedder = embedder
        self._vectors = np.ascontiguousarray(vectors, dtype=VECTOR_DTYPE)
        # A spell without a vector (all zeros) never comes up by meaning.
        self._known = np.linalg.norm(self._vectors, axis=1) > 0

    def __len__(self) -> int:
        return len(self._vectors)

    @property
    def nbytes(self) -> int:
        return self._vectors.nbytes

    def similarities(self, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each text with every spell: shape (len(texts), spells)."""
        if not texts or not len(self._vectors):
            return np.zeros((len(texts), len(self._vectors)), dtype=VECTOR_DTYPE)
        queries = normalised(self.embedder.embed(list(texts)))
        return queries @ self._vectors.T

    def nearest(self, row: np.ndarray, limit: int = SEMANTIC_CANDIDATES) -> list[int]:
        """Positions of the `limit` spells most similar to one row of `similarities`."""
        count = min(limit, int(self._known.sum()))
        if count <= 0:
            return []
        masked = np.where(self._known, row, -np.inf)
        top = np.argpartition(-masked, count - 1)[:count]
        return [int(position) for position in top[np.argsort(-masked[top])]]
