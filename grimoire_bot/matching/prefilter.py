"""One cheap scan that says which lines of a log might hold an error.

A 10 MB log has about 200k lines; running every tool's parser on each would be far too
slow in Python. This single RE2 pattern (a DFA, so one linear pass, about 8 ms per MB;
Python's `re` needs 30 times longer for the same case-insensitive alternation) finds the
few thousand lines worth parsing; the parsers then read only those and their neighbours.
It is deliberately generous: a line it lets through costs a few microseconds, a line it
misses is an error never reported.
"""

from __future__ import annotations

import re2

from .patterns import quiet_options

ERRORISH = (
    r"(?i:error|fail|fatal|panic|exception|traceback|denied|cannot|can't|couldn't|could not"
    r"|unable to|not found|no such|undefined|killed|abort|segmentation fault|refused"
    r"|timed out|incompatible|unsupported|not supported|conflict|invalid|missing"
    r"|exit (?:code|status)|not satisfied|out of memory|no space left|forbidden|unresolved"
    r"|no matching|requires? |not allowed|violation|problems? \(|bad interpreter|http [45]\d\d)"
    r"|ERR!|ERR_|\x{2716}|\x{00d7}|\x{25cf}|--- FAIL|:\d+:\d+|\(\d+, ?\d+\)|:\d+: |::error"
    # error in Chinese (simplified, traditional), Japanese, Korean, German, French, Italian
    # and Russian, as localised compilers and Visual Studio print it
    r"|\x{9519}\x{8BEF}|\x{932F}\x{8AA4}|\x{30A8}\x{30E9}\x{30FC}|\x{C624}\x{B958}"
    r"|(?i:fehler|erreur|errore|\x{043E}\x{0448}\x{0438}\x{0431}\x{043A}\x{0430})"
    r"|^E {2}|\bE\d{3,4}\b|^[A-Z]{1,4}\d{3,4}\b|^_{5,} |^[ \t]+\d+:\d+\s|\b(?:SC|DL)\d{4}\b"
    r"|\[\d+, \d+\]: "
    r"|(?i:dockerfile|containerfile)[\w.-]*:\d+[ \t]*$"  # BuildKit's excerpt of the failed step
    r"|^[EF]\d{0,4}: *\d+, *-?\d+: "  # pylint 1.x
    r"|^>> Issue: \[|^[ \t]+Line \d+:\d+: |rspec \./"  # Bandit, create-react-app, RSpec reruns
    r"|^\d+\) [\w\\]+::\w|\.exs?:\d+[ \t]*$"  # PHPUnit's and ExUnit's failures
    r"|\.ya?ml:\d+\b| MD\d{3}\b"  # ansible-lint's place below its rule, markdownlint's rules
    r"|^[ \t\x{2502}]*on \S+\.tf(?:\.json)? line \d"  # tflint's below its `Warning:`
    r"|#L\d+(?:-L\d+)?[ \t]*$"  # GitHub's annotations copied from a run's summary
    r"|\.rst:\d+:"  # Sphinx -W's warnings, which have no level
    r"|:\d+ char:\d+| \(\d+:\d+\): "  # PowerShell's place, Rollup's
    r"|^[ \t]+Line {2,}\S|:\d+(?::\d+)? \[[EW]\] "  # PHPStan's table of a file, scss-lint
    r"|^\* What went wrong:"  # Gradle's, whose cause may name no error (`> Task :a FAILED`)
    r"|\.(?:exs?|erl):\d+:(?:\d+:)?[a-z_]+[ \t]*$"  # dialyxir's place and warning name
)
ERRORISH_TEXT = re2.compile(ERRORISH, quiet_options())
# Whole lines that contain an error-ish token: one match per candidate line.
ERRORISH_LINE = re2.compile(rf"(?m)^.*(?:{ERRORISH}).*$", quiet_options())


def candidate_lines(text: str | bytes) -> list[int]:
    """0-based indices of the lines of `text` that the error-ish scan hits, in order."""
    data = text.encode("utf-8", errors="replace") if isinstance(text, str) else text
    found: list[int] = []
    line = 0
    counted_to = 0
    for match in ERRORISH_LINE.finditer(data):
        start = match.start()
        line += data.count(b"\n", counted_to, start)
        counted_to = start
        found.append(line)
    return found


def errorish_count(text: str | bytes) -> int:
    """How many lines of `text` look error-ish: the density used to decide what to keep."""
    data = text.encode("utf-8", errors="replace") if isinstance(text, str) else text
    return sum(1 for _ in ERRORISH_LINE.finditer(data))
