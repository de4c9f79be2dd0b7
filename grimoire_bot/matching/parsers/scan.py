"""The log being parsed, and the shape every parser has."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..blocks import Draft
from ..locate import is_external, normalise_path


@dataclass(frozen=True, slots=True)
class Scan:
    """The cleaned log's lines and what the caller knows about the repository's location."""

    lines: Sequence[str]
    hints: Sequence[str] = ()

    def path(self, raw: str) -> str:
        return normalise_path(raw, self.hints)

    def repo_path(self, raw: str | None) -> str | None:
        """The repo-relative path, or None for third-party and toolchain files."""
        if not raw or raw.lstrip().startswith("<") or is_external(raw):
            return None
        path = self.path(raw)
        return None if is_external(path) else path


Parser = Callable[[Scan, int], Draft | None]
