"""One cheap scan that says which lines of a log might hold an error.

A 10 MB log has about 200k lines; running every tool's parser on each would be far too
slow in Python. This single regex (literal-led alternatives, so the scan is fast) finds
the few thousand lines worth parsing; the parsers then read only those and their
neighbours. It is deliberately generous: a line it lets through costs a few microseconds,
a line it misses is an error never reported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

ERRORISH_RE = re.compile(
    r"(?i:error|fail|fatal|panic|exception|traceback|denied|cannot|can't|couldn't|could not"
    r"|unable to|not found|no such|undefined|killed|abort|segmentation fault|refused"
    r"|timed out|incompatible|unsupported|not supported|conflict|invalid|missing"
    r"|exit (?:code|status)|not satisfied|out of memory|no space left|forbidden|unresolved"
    r"|no matching|requires? |not allowed|violation|problems? \(|bad interpreter|http [45]\d\d)"
    r"|ERR!|ERR_|\u2716|\u00d7|\u25cf|--- FAIL|:\d+:\d+|\(\d+,\d+\)|:\d+: |::error|^E {2}"
    r"|\bE\d{3,4}\b"
    r"|^\s+\d+:\d+\s",
    re.MULTILINE,
)


def line_starts(lines: Sequence[str]) -> list[int]:
    """Offsets at which each line begins in "\\n".join(lines)."""
    starts = [0] * len(lines)
    offset = 0
    for index, line in enumerate(lines):
        starts[index] = offset
        offset += len(line) + 1
    return starts


def candidate_lines(text: str, starts: Sequence[int]) -> list[int]:
    """Indices of lines of `text` that the error-ish scan hits, in order, each once."""
    found: list[int] = []
    position = 0
    while (match := ERRORISH_RE.search(text, position)) is not None:
        index = bisect_right(starts, match.start()) - 1
        found.append(index)
        if index + 1 >= len(starts):
            break
        position = starts[index + 1]
    return found


def errorish_count(text: str) -> int:
    """How many error-ish hits `text` has: the density used to decide what to keep."""
    return sum(1 for _ in ERRORISH_RE.finditer(text))
