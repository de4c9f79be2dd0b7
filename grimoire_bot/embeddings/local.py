"""The bundled static embedding model: wordllama's 256-dimension `l2_supercat` weights.

A static model embeds a text as the mean of its tokens' vectors: no network, no
attention, microseconds per error, and its 32k x 256 table (32 MB as float32) is the
whole model. wordllama ships the weights and the tokenizer inside its wheel. Its loader
looks for the tokenizer under `cache_dir/tokenizers/`, and for anything it does not find
it tries a download; pointing `cache_dir` at the package's own folder and disabling
downloads makes it load from the wheel or fail at once, never reach the network.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from types import ModuleType

import numpy as np

MODEL_PACKAGE = "wordllama"
MODEL_CONFIG = "l2_supercat"
MODEL_DIMENSIONS = 256
BATCH_SIZE = 64


class ModelUnavailable(RuntimeError):
    """The bundled model cannot be loaded (package missing or its files incomplete)."""


class LocalEmbedder:
    """wordllama's bundled model as an `Embedder`; load once per process with `load()`."""

    def __init__(self, model: object, version: str) -> None:
        self._model = model
        self._name = model_name(version)

    @classmethod
    def load(cls) -> LocalEmbedder:
        try:
            version = metadata.version(MODEL_PACKAGE)
            wordllama = _import_quietly()
        except (ImportError, metadata.PackageNotFoundError) as exc:
            raise ModelUnavailable(f"{MODEL_PACKAGE} is not installed: {exc}") from exc
        package_dir = Path(wordllama.__file__).resolve().parent
        try:
            model = wordllama.WordLlama.load(
                config=MODEL_CONFIG,
                dim=MODEL_DIMENSIONS,
                cache_dir=package_dir,
                disable_download=True,
            )
        except (FileNotFoundError, ValueError) as exc:
            raise ModelUnavailable(f"{MODEL_PACKAGE}'s bundled model is incomplete: {exc}") from exc
        return cls(model, version)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimensions(self) -> int:
        return MODEL_DIMENSIONS

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, MODEL_DIMENSIONS), dtype=np.float32)
        vectors = self._model.embed(list(texts), norm=False, batch_size=BATCH_SIZE)  # type: ignore[attr-defined]
        return np.asarray(vectors, dtype=np.float32)


def model_name(version: str) -> str:
    """The name vectors are stored under: a new wordllama release re-embeds the book."""
    return f"{MODEL_PACKAGE}-{MODEL_CONFIG}-{MODEL_DIMENSIONS}@{version}"


def bundled_model_name() -> str:
    """The name `LocalEmbedder.load().name` would have, without loading the weights."""
    try:
        return model_name(metadata.version(MODEL_PACKAGE))
    except metadata.PackageNotFoundError as exc:
        raise ModelUnavailable(f"{MODEL_PACKAGE} is not installed: {exc}") from exc


def _import_quietly() -> ModuleType:
    """Import wordllama without letting it configure logging: its inference module calls
    `logging.basicConfig(level=INFO)` on import, which would add a second root handler
    (and INFO level) to a process whose logging is already set up, or not yet."""
    root = logging.getLogger()
    guard = logging.NullHandler()
    root.addHandler(guard)
    try:
        import wordllama
    finally:
        root.removeHandler(guard)
    return wordllama
