"""All spell patterns in sharded `re2.Set`s: one linear-time scan finds every matching spell.

RE2 compiles a Set into one automaton; past a few thousand patterns it needs far more
than the default 8 MiB `max_mem` (about 36 MiB for 10k real-looking patterns, 384 MiB for
100k), and one big DFA thrashes its cache on varied text. So the patterns are split into
shards of `SHARD_SIZE`, each compiled with a `max_mem` budget of 16 MiB plus 16 KiB per
pattern (48 MiB for a full shard: a cap, not an allocation; 100k spells peak at about
630 MB of process memory in bench/match_scale.py). Patterns are sorted before sharding so
that alike shapes share a shard, which keeps DFA states few. A shard RE2 still cannot
compile is halved until it can; a single pattern that fits nowhere is refused.

The Python wrapper reports a DFA that ran out of memory at match time only as "no hits"
(and a stderr line when logging is on). Each shard therefore starts with a sentinel
pattern that matches every text: a shard answering "nothing at all" has failed, and the
text is matched again line by line (a short text needs few DFA states), and for any line
that still fails, pattern by pattern.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import re2

from .patterns import MULTILINE_PREFIX, compile_pattern, quiet_options, re2_error_text

SHARD_SIZE = 2000
SHARD_BASE_MEMORY = 16 * 1024 * 1024
SHARD_MEMORY_PER_PATTERN = 16 * 1024
SENTINEL = "(?:)"
SENTINEL_INDEX = 0
NOT_TEXT_REASON = "pattern is not valid Unicode text (it holds a lone surrogate)"
TOO_BIG_REASON = "pattern is too big for RE2 to compile within its memory budget"
EMPTY_MATCH_REASON = "pattern matches empty text, so it would match every log"


@dataclass(frozen=True, slots=True)
class Rejected:
    key: int  # the caller's key for the pattern
    reason: str


class _ShardTooBig(Exception):
    """RE2 could not fit these (valid) patterns into one Set within its memory budget."""

    def __init__(self, keyed_patterns: list[tuple[int, str]]) -> None:
        super().__init__(len(keyed_patterns))
        self.keyed_patterns = keyed_patterns


class _Shard:
    __slots__ = ("keys", "patterns", "set")

    def __init__(self, keyed_patterns: Sequence[tuple[int, str]], rejected: list[Rejected]) -> None:
        size = len(keyed_patterns) + 1
        self.set = re2.Set.SearchSet(
            quiet_options(SHARD_BASE_MEMORY + SHARD_MEMORY_PER_PATTERN * size)
        )
        self.set.Add(SENTINEL)
        self.keys: list[int] = []
        self.patterns: list[str] = []
        for key, pattern in keyed_patterns:
            if not pattern or not pattern.strip():
                rejected.append(Rejected(key, "pattern is empty"))
                continue
            try:
                self.set.Add(MULTILINE_PREFIX + pattern)
            except re2.error:
                rejected.append(Rejected(key, _compile_error(pattern)))
                continue
            except UnicodeEncodeError:
                rejected.append(Rejected(key, NOT_TEXT_REASON))
                continue
            self.keys.append(key)
            self.patterns.append(pattern)
        try:
            self.set.Compile()
        except re2.error:
            raise _ShardTooBig(list(zip(self.keys, self.patterns, strict=True))) from None

    def match(self, text: str) -> list[int]:
        hits = self.set.Match(text)
        if hits is None:
            return self._match_after_failure(text)
        return [self.keys[hit - 1] for hit in hits if hit != SENTINEL_INDEX]

    def _match_after_failure(self, text: str) -> list[int]:
        found: set[int] = set()
        for line in text.split("\n"):
            hits = self.set.Match(line)
            if hits is None:
                found.update(self._match_one_by_one(line))
            else:
                found.update(self.keys[hit - 1] for hit in hits if hit != SENTINEL_INDEX)
        return sorted(found)

    def _match_one_by_one(self, line: str) -> list[int]:
        return [
            key
            for key, pattern in zip(self.keys, self.patterns, strict=True)
            if compile_pattern(pattern).search(line) is not None
        ]


class PatternSet:
    """Every usable pattern of a spellbook, matched in one pass per shard."""

    def __init__(self, keyed_patterns: Sequence[tuple[int, str]]) -> None:
        self.rejected: list[Rejected] = []
        self._shards = _build_shards(keyed_patterns, self.rejected)
        # A pattern that matches empty text would match every log; find them all at once.
        empty_matchers = set(self.match(""))
        if empty_matchers:
            self.rejected.extend(
                Rejected(key, EMPTY_MATCH_REASON) for key in sorted(empty_matchers)
            )
            kept = [
                (key, pattern)
                for shard in self._shards
                for key, pattern in zip(shard.keys, shard.patterns, strict=True)
                if key not in empty_matchers
            ]
            self._shards = _build_shards(kept, [])
        self.size = sum(len(shard.keys) for shard in self._shards)

    def match(self, text: str) -> list[int]:
        """Keys of all patterns that match somewhere in `text` (^ and $ at line edges)."""
        found: list[int] = []
        for shard in self._shards:
            found.extend(shard.match(text))
        return found


def _build_shards(
    keyed_patterns: Sequence[tuple[int, str]], rejected: list[Rejected]
) -> list[_Shard]:
    # Patterns that start alike go into the same shard. A Set's DFA states are sets of
    # partial matches; mixing unrelated shapes (a `^\S+\.go:` pattern, whose partial
    # matches live through every first word, beside literal-led ones) multiplies the
    # distinct states, and building states is what a cold DFA spends its time on. Sorting
    # alone cut first-match time by more than half on 100k synthetic spells.
    ordered = sorted(keyed_patterns, key=lambda keyed: keyed[1])
    shards: list[_Shard] = []
    for start in range(0, len(ordered), SHARD_SIZE):
        shards.extend(_compiled_shards(ordered[start : start + SHARD_SIZE], rejected))
    return shards


def _compiled_shards(
    keyed_patterns: Sequence[tuple[int, str]], rejected: list[Rejected]
) -> list[_Shard]:
    """One shard, or more when RE2 cannot compile them together: a shard over its memory
    budget is halved until it fits, and a single pattern that fits nowhere is refused."""
    try:
        return [_Shard(keyed_patterns, rejected)]
    except _ShardTooBig as too_big:
        valid = too_big.keyed_patterns
    if len(valid) == 1:
        rejected.append(Rejected(valid[0][0], TOO_BIG_REASON))
        return []
    middle = len(valid) // 2
    return [
        *_compiled_shards(valid[:middle], rejected),
        *_compiled_shards(valid[middle:], rejected),
    ]


def _compile_error(pattern: str) -> str:
    try:
        re2.compile(pattern, quiet_options())
    except re2.error as error:
        return f"invalid RE2 pattern: {re2_error_text(error)}"
    return "invalid RE2 pattern"
