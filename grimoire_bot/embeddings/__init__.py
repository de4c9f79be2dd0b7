"""Embedding models for matching by meaning, behind `matching.semantic.Embedder`.

`local` is the default: a static model whose weights and tokenizer ship inside its
package, so nothing is downloaded at run time. A provider-backed embedder (an LLM
provider's embeddings endpoint) plugs in by implementing the same three members
(`name`, `dimensions`, `embed(texts) -> array`) and being returned by `load_embedder`;
its `name` must include the provider's model id, so switching models re-embeds the
spellbook.
"""

from __future__ import annotations

import functools

from grimoire_bot.matching.semantic import Embedder

from .local import LocalEmbedder, ModelUnavailable, bundled_model_name


@functools.cache
def load_embedder() -> Embedder:
    """The embedder this process matches with (the bundled local model), loaded once per
    process however many matchers it runs (`serve` runs the web's and the worker's)."""
    return LocalEmbedder.load()


def current_model_name() -> str | None:
    """The name `load_embedder()` would match under, without loading a model (a prune needs
    only the name); None when no model is available here. Keep in step with `load_embedder`."""
    try:
        return bundled_model_name()
    except ModelUnavailable:
        return None


__all__ = [
    "Embedder",
    "LocalEmbedder",
    "ModelUnavailable",
    "current_model_name",
    "load_embedder",
]
