"""What a spell's RE2 pattern says: whether it is usable, its literal words, how specific it is.

Specificity answers "how many distinct logs could this pattern match?" without running it:
a pattern is narrow in proportion to the text it *requires* - literal characters outside
optional parts - with a little credit for character classes (`\\d+` still constrains) and
for alternation groups (the shortest branch counts). Each top-level alternative is scored
on its own, because `A|B` is only as narrow as the branch that actually matched. The
figure is mapped to 0..1 with a saturating curve so that 40 required characters are
already "very specific" and a bare `command not found` is middling.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

import re2

MAX_PATTERN_LENGTH = 4000
# RE2 program size (instructions) above which a single pattern is refused: real error
# patterns compile to a few hundred; a huge one would dominate the shared Set's memory.
MAX_PROGRAM_SIZE = 20_000
MULTILINE_PREFIX = "(?m)"
# A pattern needing this many characters of literal text counts as fully specific.
SPECIFICITY_SCALE = 25.0
CLASS_WEIGHT = 0.3
CASE_INSENSITIVE_WEIGHT = 0.8
PERL_CLASSES = frozenset("dDwWsSpP")
ASSERTIONS = frozenset("bBAzZ")
PLAIN_RUN_RE = re.compile(r"[^\\\[\](){}|.*+?^$]+")
ESCAPED_CONTROLS = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}


class PatternError(ValueError):
    """A spell pattern that cannot be used; the message says why, for an API 422 detail."""


@dataclass(frozen=True, slots=True)
class Alternative:
    """One top-level branch of a pattern, as far as specificity is concerned."""

    literals: tuple[str, ...]  # required literal runs, in order
    weight: float  # literal characters plus partial credit for classes/groups

    @property
    def specificity(self) -> float:
        return 1.0 - math.exp(-self.weight / SPECIFICITY_SCALE)


@dataclass(frozen=True, slots=True)
class PatternShape:
    alternatives: tuple[Alternative, ...]

    @property
    def specificity(self) -> float:
        """The narrowness of the pattern's widest branch."""
        return min((alt.specificity for alt in self.alternatives), default=0.0)


def re2_error_text(error: Exception) -> str:
    """RE2's own error message; the wrapper hands it over as the repr of a bytes object."""
    text = str(error)
    if text[:2] in ("b'", 'b"'):
        try:
            return ast.literal_eval(text).decode("utf-8", "replace")
        except (ValueError, SyntaxError):
            return text
    return text


def quiet_options(max_mem: int | None = None) -> re2.Options:
    """RE2 options that never write to stderr (errors are reported to the caller instead)."""
    options = re2.Options()
    options.log_errors = False
    if max_mem is not None:
        options.max_mem = max_mem
    return options


def compile_pattern(pattern: str) -> re2._Regexp:
    """The pattern compiled as spells are matched: multi-line, so ^ and $ are line edges."""
    return re2.compile(MULTILINE_PREFIX + pattern, quiet_options())


def check_pattern(pattern: str) -> None:
    """Raise PatternError unless `pattern` is a usable spell pattern."""
    if not pattern or not pattern.strip():
        raise PatternError("pattern is empty")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(
            f"pattern is too long ({len(pattern)} > {MAX_PATTERN_LENGTH} characters)"
        )
    try:
        re2.compile(pattern, quiet_options())
        compiled = compile_pattern(pattern)
    except re2.error as error:
        raise PatternError(f"invalid RE2 pattern: {re2_error_text(error)}") from None
    except UnicodeEncodeError:
        raise PatternError("pattern is not valid Unicode text") from None
    if compiled.programsize > MAX_PROGRAM_SIZE:
        raise PatternError(
            f"pattern is too big once compiled ({compiled.programsize} > {MAX_PROGRAM_SIZE}"
            " instructions); split it or use fewer counted repetitions"
        )
    if compiled.search("") is not None:
        raise PatternError("pattern matches empty text, so it would match every log")


def analyse_pattern(pattern: str) -> PatternShape:
    """The required literal text and specificity of each branch of `pattern` (best effort,
    never raises: an unreadable pattern counts as having no literal text)."""
    parser = _ShapeParser(pattern)
    try:
        branches = parser.parse_alternation(top=True)
    except (IndexError, ValueError, RecursionError):
        branches = [_Branch()]
    return PatternShape(tuple(branch.freeze(parser.case_insensitive) for branch in branches))


class _Branch:
    """A sequence being parsed: literal runs so far and accumulated weight."""

    __slots__ = ("current", "runs", "weight")

    def __init__(self) -> None:
        self.runs: list[str] = []
        self.current: list[str] = []
        self.weight = 0.0

    def add_char(self, text: str) -> None:
        self.current.append(text)

    def break_run(self) -> None:
        if self.current:
            self.runs.append("".join(self.current))
            self.current = []

    def total_weight(self) -> float:
        self.break_run()
        return self.weight + sum(len(run) for run in self.runs)

    def freeze(self, case_insensitive: bool) -> Alternative:
        weight = self.total_weight()
        if case_insensitive:
            weight *= CASE_INSENSITIVE_WEIGHT
        return Alternative(literals=tuple(self.runs), weight=weight)


class _ShapeParser:
    """A small recursive reader of RE2 syntax, enough to find required literals."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.case_insensitive = False

    def peek(self) -> str:
        return self.pattern[self.pos] if self.pos < len(self.pattern) else ""

    def parse_alternation(self, top: bool = False) -> list[_Branch]:
        branches = [_Branch()]
        while self.pos < len(self.pattern):
            char = self.peek()
            if char == ")" and not top:
                break
            if char == "|":
                self.pos += 1
                branches.append(_Branch())
                continue
            self.parse_atom(branches[-1])
        for branch in branches:
            branch.break_run()
        return branches

    def parse_atom(self, branch: _Branch) -> None:
        run = PLAIN_RUN_RE.match(self.pattern, self.pos)
        if run and run.end() - run.start() > 1:
            # All but the last character of a plain run are literal whatever follows; the
            # last one goes through the quantifier rules below.
            branch.add_char(run.group(0)[:-1])
            self.pos = run.end() - 1
        char = self.peek()
        if char == "(":
            self.parse_group_into(branch)
            return
        literal: str | None = None
        weight = 0.0
        if char == "\\":
            literal, weight = self.parse_escape(branch)
        elif char == "[":
            self.skip_class()
            weight = CLASS_WEIGHT
        elif char == ".":
            self.pos += 1
            weight = CLASS_WEIGHT / 2
        elif char in "^$":
            self.pos += 1
        else:
            self.pos += 1
            literal = char
        self.apply_quantifier(branch, literal, weight)

    def apply_quantifier(self, branch: _Branch, literal: str | None, weight: float) -> None:
        minimum, repeated = self.read_quantifier()
        if minimum == 0:
            branch.break_run()
        elif literal is None:
            branch.break_run()
            branch.weight += weight
        else:
            branch.add_char(literal)
            if repeated:
                branch.break_run()

    def read_quantifier(self) -> tuple[int, bool]:
        """(minimum repetitions, whether more than one is allowed) of the next quantifier."""
        char = self.peek()
        if char and char in "*?+":
            self.pos += 1
            if self.peek() == "?":
                self.pos += 1
            return (1 if char == "+" else 0), char != "?"
        if char == "{":
            end = self.pattern.find("}", self.pos)
            body = self.pattern[self.pos + 1 : end] if end > 0 else ""
            low, _, high = body.partition(",")
            if end > 0 and low.isdigit() and (not high or high.isdigit() or body.endswith(",")):
                self.pos = end + 1
                if self.peek() == "?":
                    self.pos += 1
                return int(low), body != low or low != "1"
        return 1, False

    def parse_escape(self, branch: _Branch) -> tuple[str | None, float]:
        self.pos += 1
        char = self.peek()
        self.pos += 1
        if char in PERL_CLASSES:
            if char in "pP":
                self.skip_unicode_class_name()
            return None, CLASS_WEIGHT
        if char in ASSERTIONS:
            return None, 0.0
        if char == "Q":
            end = self.pattern.find("\\E", self.pos)
            end = len(self.pattern) if end < 0 else end
            quoted = self.pattern[self.pos : end]
            self.pos = end + 2
            branch.add_char(quoted[:-1])
            return (quoted[-1] if quoted else None), 0.0
        if char == "x":
            return self.parse_hex_escape(), 0.0
        if char in ESCAPED_CONTROLS:
            return ESCAPED_CONTROLS[char], 0.0
        if char.isdigit():
            return None, CLASS_WEIGHT
        return char, 0.0

    def parse_hex_escape(self) -> str:
        if self.peek() == "{":
            end = self.pattern.find("}", self.pos)
            digits = self.pattern[self.pos + 1 : end]
            self.pos = end + 1
        else:
            digits = self.pattern[self.pos : self.pos + 2]
            self.pos += 2
        return chr(int(digits, 16))

    def skip_unicode_class_name(self) -> None:
        if self.peek() == "{":
            self.pos = self.pattern.index("}", self.pos) + 1
        else:
            self.pos += 1

    def skip_class(self) -> None:
        self.pos += 1
        if self.peek() == "^":
            self.pos += 1
        if self.peek() == "]":
            self.pos += 1
        while self.peek() and self.peek() != "]":
            if self.pattern.startswith("[:", self.pos):
                self.pos = self.pattern.index(":]", self.pos) + 2
            elif self.peek() == "\\":
                self.pos += 2
            else:
                self.pos += 1
        self.pos += 1

    def parse_group_into(self, branch: _Branch) -> None:
        """Parse `( ... )` and its quantifier; a required single-branch group's literals
        join the enclosing branch, a required alternation adds its shortest branch's
        weight (half of it: any one branch may match)."""
        self.pos += 1
        if self.peek() == "?":
            self.pos += 1
            flags = []
            while self.peek() and self.peek() not in ":)<P'":
                flags.append(self.peek())
                self.pos += 1
            if self.peek() == ")":
                # A bare flag group such as (?i) changes the rest of the pattern.
                self.pos += 1
                if "i" in flags and "-" not in flags:
                    self.case_insensitive = True
                return
            if self.peek() in "P<'":
                self.pos = self.pattern.index(">" if self.peek() != "'" else "'", self.pos + 1) + 1
            elif self.peek() == ":":
                self.pos += 1
        inner = self.parse_alternation()
        if self.peek() == ")":
            self.pos += 1
        minimum, _ = self.read_quantifier()
        branch.break_run()
        if minimum == 0:
            return
        if len(inner) == 1:
            branch.runs.extend(inner[0].runs)
            branch.weight += inner[0].weight
        else:
            branch.weight += 0.5 * min(b.total_weight() for b in inner)
