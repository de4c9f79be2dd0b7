"""Relaxed forms of a spell's pattern, for messages a tool's other version prints differently.

A pattern is written for one version's message. Two kinds of drift leave most of it intact:

* **case**: `Permission denied` (libc) and `permission denied` (Go's exec), `No such file`
  and `no such file`: the pattern matched without regard to case;
* **another version**: a pattern written for `actions/upload-artifact: v3` (or Python 3.12,
  Node 18.x) meets the same message about v2: the versions the pattern spells out (`v3`,
  `3.12`, `1.2.3`) match any version. A bare number (exit code 137, HTTP 404, TS2307) is
  left alone: there the number is the error;
* **another alternative**: the pattern lists the words a version prints in the middle of
  the message (`FATAL ERROR: (?:Reached heap limit|Ineffective mark-compacts near heap
  limit) Allocation failed`) and another version prints other words there (Node 8's
  `CALL_AND_RETRY_LAST`): the group is replaced by a short run of other text on the same
  line. Only a group of alternatives the author wrote is replaced, never a literal part of
  the message: a changed literal is another message (`cannot import name 'x' from
  partially initialized module` is a circular import, not a missing name). And the other
  words must be another phrase, not one of the listed ones with another value: where the
  pattern lists `signal "SIGKILL"|exit code 137`, `exit code 1` is the very thing the
  spell tells apart;
* **a lost end**: the message was cut short, or the next version dropped a clause
  (yarn 1.5 ends `Expected version ">=7.10.1".` where later versions add `Got "..."`;
  tsc before 4 has no `or its corresponding type declarations`), or the line lost the
  prefix the pattern starts with (`Error: ` in front of a GraphQL error's second line).
  The pattern with its last (or first) top-level parts removed still matches, and the
  match runs to the end of the line (or starts the line): the message ends (or starts)
  where the cut is, so it is the same message, shorter, not another one that happens to
  share its first words (`No module named '` is a prefix of the distutils spell's pattern,
  but a missing `yaml` continues after it). What was cut may still be printed in part,
  but never past a wildcard of the pattern: `.*` would accept any continuation.

Only parts that keep 60% of the pattern's literal text (`KEPT_SHARES`), and at least
`MIN_KEPT_CHARS` characters of it, count. The forms are built lazily for candidate spells
(the lexical and semantic near misses of an error), never for the whole book.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import takewhile

import re2

from .patterns import SPECIFICITY_SCALE, analyse_pattern, quiet_options

# Cut forms keep at least these shares of the pattern's literal text, and this much of it.
KEPT_SHARES = (0.9, 0.75, 0.6)
MIN_KEPT_CHARS = 16
MULTILINE_PREFIX = "(?m)"
# What may follow a message cut short before the line ends, and what may come before a
# message that lost its first words: indentation, list bullets, quote marks, a severity.
LINE_END = r"[\s.,:;!?'\"`)\]]*$"
LINE_START = (
    r"^[\s>*|\-\x{2022}]*(?:(?:[Ee]rror|ERROR|[Ff]atal|FATAL|ERR!|npm (?:ERR!|error)|E)"
    r"(?:\[[\w-]+\])?:?\s+)?"
)

# What another version prints in place of a group of alternatives: a few words, one line.
OTHER_ALTERNATIVE_TEXT = r"(?P<grimoire_other>[^\n]{1,60}?)"
WORD_RE = re.compile(r"[a-z]{2,}")

# A pattern's wildcard for any text: `.*`, `.+`, `.{2,}` (an unescaped dot, repeated).
ANY_TEXT_RE = re.compile(r"(?<!\\)\.[*+{]")


# A version the pattern spells out in its literal text: `v3` (not `\v`, `dev3`), `3.12`,
# `1.2.3` (with the dots escaped, as a pattern writes them; not inside `{2,4}` or `\x41`).
PATTERN_VERSION_RE = re.compile(r"(?<![\w\\])v\d+(?![\d}])|(?<![\w\\{,.])\d+(?:\\\.\d+)+(?![\d}])")
ANY_VERSION = r"v?\d+(?:\.\d+)*"


class Relaxation(StrEnum):
    CASE = "case"
    VERSION = "version"
    LOST_END = "lost-end"
    LOST_START = "lost-start"
    OTHER_ALTERNATIVE = "other-alternative"
    # not a form of the pattern: the message in another tool's wording hit it (dialects.py)
    OTHER_WORDING = "other-wording"


@dataclass(frozen=True, slots=True)
class RelaxedForm:
    kind: Relaxation
    regex: re2._Regexp
    specificity: float  # of the literal text the form still requires, 0..1
    # OTHER_ALTERNATIVE: the words of the alternatives it replaced, which the other text
    # must not share
    replaced_words: frozenset[str] = frozenset()


def relaxed_forms(pattern: str) -> tuple[RelaxedForm, ...]:
    """The case-folded pattern, the pattern with its versions matching any version, then
    its cut forms, the ones keeping most first."""
    forms: list[RelaxedForm] = []
    specificity = analyse_pattern(pattern).specificity
    folded = _compile(f"(?i:{pattern})")
    if folded is not None:
        forms.append(RelaxedForm(Relaxation.CASE, folded, specificity))
    any_version = PATTERN_VERSION_RE.sub(lambda _: ANY_VERSION, pattern)
    if any_version != pattern and (regex := _compile(any_version)) is not None:
        forms.append(RelaxedForm(Relaxation.VERSION, regex, specificity))
    cuts: list[tuple[float, RelaxedForm]] = []
    seen: set[str] = set()
    for branch in _top_level_branches(pattern):
        cuts.extend(_other_alternative_forms(branch))
        chunks = _chunks(_atoms(branch))
        total = sum(weight for _, weight in chunks)
        for share in KEPT_SHARES:
            for kind in (Relaxation.LOST_END, Relaxation.LOST_START):
                source, kept = _cut(chunks, kind, share * total)
                if source is None or source in seen or kept < MIN_KEPT_CHARS or kept >= total:
                    continue
                seen.add(source)
                regex = _compile(source)
                if regex is not None:
                    cuts.append((kept, RelaxedForm(kind, regex, _weight_specificity(kept))))
    forms.extend(form for _, form in sorted(cuts, key=lambda pair: -pair[0]))
    return tuple(forms)


def _other_alternative_forms(branch: str) -> list[tuple[float, RelaxedForm]]:
    """The branch with one of its inner groups of alternatives replaced by other text,
    where what is left keeps enough of the literal text."""
    atoms = _atoms(branch)
    weights = [_literal_weight(atom) for atom in atoms]
    total = sum(weights)
    forms: list[tuple[float, RelaxedForm]] = []
    for position in range(1, len(atoms) - 1):
        kept = total - weights[position]
        if (
            not _is_group_of_alternatives(atoms[position])
            or kept >= total
            or kept < max(MIN_KEPT_CHARS, KEPT_SHARES[-1] * total)
            or not any(weights[:position])
            or not any(weights[position + 1 :])
        ):
            continue
        source = "".join((*atoms[:position], OTHER_ALTERNATIVE_TEXT, *atoms[position + 1 :]))
        if (regex := _compile(source)) is not None:
            replaced = " ".join(_alternative_texts(atoms[position]))
            form = RelaxedForm(
                Relaxation.OTHER_ALTERNATIVE,
                regex,
                _weight_specificity(kept),
                frozenset(WORD_RE.findall(replaced.lower())),
            )
            forms.append((kept, form))
    return forms


def required_alternatives(pattern: str) -> list[list[list[str]]]:
    """Per top-level branch of `pattern`, each group of alternatives it requires (not an
    optional one), as the literal texts of the group's alternatives ("" for one with none).
    A pattern's literal text leaves such groups out (any alternative may be printed),
    though they often hold the words that tell its error from another's (`Command failed
    with (?:signal "SIGKILL"|exit code 137)`)."""
    groups: list[list[list[str]]] = []
    for branch in _top_level_branches(pattern):
        required = []
        for atom in _atoms(branch):
            if _is_group_of_alternatives(atom):
                required.append(_alternative_texts(atom))
        groups.append(required)
    return groups


def _alternative_texts(group: str) -> list[str]:
    """The literal text each alternative of a group requires, one per alternative."""
    return [
        " ".join(run for alt in analyse_pattern(listed).alternatives for run in alt.literals)
        for listed in _top_level_branches(_group_body(group))
    ]


def _is_group_of_alternatives(atom: str) -> bool:
    """`(?:a|b)` or `(a|b)`, required (no `?` or `*` after it)."""
    if not atom.startswith("(") or not atom.endswith(")"):
        return False
    body = _group_body(atom)
    return not body.startswith("?") and len(_top_level_branches(body)) > 1


def _group_body(atom: str) -> str:
    return atom[3:-1] if atom.startswith("(?:") else atom[1:-1]


def _cut(
    chunks: Sequence[tuple[str, float]], kind: Relaxation, wanted: float
) -> tuple[str | None, float]:
    """The pattern that requires chunks worth at least `wanted` from the start (LOST_END)
    or the end (LOST_START) and allows the rest of the cut side, and what it requires."""
    ordered = list(chunks) if kind is Relaxation.LOST_END else list(reversed(chunks))
    kept = 0.0
    required = 0
    while required < len(ordered) and kept < wanted:
        kept += ordered[required][1]
        required += 1
    if kept < wanted or required >= len(ordered):
        return None, 0.0
    kept_sources = [source for source, _ in ordered[:required]]
    # The cut side may still be printed in part, but only up to a wildcard: `.*` would let
    # any other continuation through (`unrecognized arguments: -n` for `--cov`).
    cut_side = list(takewhile(lambda chunk: not ANY_TEXT_RE.search(chunk[0]), ordered[required:]))
    optional = ""
    if kind is Relaxation.LOST_END:
        for source, _ in reversed(cut_side):
            optional = f"(?:{source}{optional})?"
        return f"(?:{''.join(kept_sources)}){optional}{LINE_END}", kept
    for source, _ in reversed(cut_side):  # from the pattern's first chunk on
        optional = f"(?:{optional}{source})?"
    return f"{LINE_START}{optional}(?:{''.join(reversed(kept_sources))})", kept


def _chunks(atoms: Sequence[str]) -> list[tuple[str, float]]:
    """Atoms grouped into pieces a message can be cut between: words with what follows
    them up to the next word (a cut inside a word would not end a message)."""
    chunks: list[tuple[str, float]] = []
    current: list[str] = []
    for position, atom in enumerate(atoms):
        current.append(atom)
        following = atoms[position + 1] if position + 1 < len(atoms) else ""
        if not (_is_word_char(atom) and _is_word_char(following)):
            source = "".join(current)
            chunks.append((source, _literal_weight(source)))
            current = []
    if current:
        source = "".join(current)
        chunks.append((source, _literal_weight(source)))
    return chunks


def _is_word_char(atom: str) -> bool:
    return len(atom) == 1 and (atom.isalnum() or atom == "_")


def best_relaxed_match(forms: Sequence[RelaxedForm], text: str) -> RelaxedForm | None:
    """The first form (case-folded, any version, then the longest cut) that matches `text`."""
    for form in forms:
        found = form.regex.search(text)
        if found is None:
            continue
        if form.replaced_words and form.replaced_words & set(
            WORD_RE.findall(found.group("grimoire_other").lower())
        ):
            continue
        return form
    return None


def _compile(source: str) -> re2._Regexp | None:
    try:
        return re2.compile(MULTILINE_PREFIX + source, quiet_options())
    except re2.error:
        return None


def _weight_specificity(weight: float) -> float:
    return 1.0 - math.exp(-weight / SPECIFICITY_SCALE)


def _literal_weight(atom: str) -> float:
    """The literal text an atom requires (its quantifier included), in characters."""
    return min((alt.weight for alt in analyse_pattern(atom).alternatives), default=0.0)


def _top_level_branches(pattern: str) -> list[str]:
    """`A|B|C` at depth zero, split (a pattern with a leading flag group keeps it on each)."""
    branches: list[str] = []
    depth = 0
    start = 0
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1 : index + 2] == "]":
                index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
        index += 1
    branches.append(pattern[start:])
    return [branch for branch in branches if branch]


def _atoms(branch: str) -> list[str]:
    """A branch as its top-level atoms, each with its quantifier: `a`, `\\.`, `[^"]+`,
    `(?:upload|download)`, `\\d{2,4}`."""
    atoms: list[str] = []
    index = 0
    while index < len(branch):
        end = _atom_end(branch, index)
        end = _quantifier_end(branch, end)
        atoms.append(branch[index:end])
        index = end
    return atoms


def _atom_end(text: str, index: int) -> int:
    char = text[index]
    if char == "\\":
        if text[index + 1 : index + 2] in ("x", "p", "P") and text[index + 2 : index + 3] == "{":
            return text.index("}", index) + 1
        if text[index + 1 : index + 2] == "Q":
            end = text.find("\\E", index)
            return len(text) if end < 0 else end + 2
        return min(len(text), index + 2 + (2 if text[index + 1 : index + 2] == "x" else 0))
    if char == "[":
        probe = index + 1
        if text[probe : probe + 1] == "^":
            probe += 1
        if text[probe : probe + 1] == "]":
            probe += 1
        while probe < len(text) and text[probe] != "]":
            if text.startswith("[:", probe):
                probe = text.index(":]", probe) + 2
                continue
            probe += 2 if text[probe] == "\\" else 1
        return probe + 1
    if char == "(":
        depth = 0
        probe = index
        in_class = False
        while probe < len(text):
            current = text[probe]
            if current == "\\":
                probe += 2
                continue
            if in_class:
                in_class = current != "]"
            elif current == "[":
                in_class = True
            elif current == "(":
                depth += 1
            elif current == ")":
                depth -= 1
                if depth == 0:
                    return probe + 1
            probe += 1
        return len(text)
    return index + 1


def _quantifier_end(text: str, index: int) -> int:
    if index < len(text) and text[index] in "*+?":
        index += 1
    elif index < len(text) and text[index] == "{":
        close = text.find("}", index)
        body = text[index + 1 : close] if close > 0 else ""
        if close > 0 and body.replace(",", "").isdigit():
            index = close + 1
        else:
            return index
    else:
        return index
    if index < len(text) and text[index] == "?":
        index += 1
    return index
