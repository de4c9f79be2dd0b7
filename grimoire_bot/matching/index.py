r"""The spell index: every spell's pattern in sharded RE2 sets plus a lexical index, built
once per spellbook and shared by all requests (matching is read-only and thread-safe).

Patterns are matched in multi-line mode, so `^` and `$` are the edges of a log line, as
spell authors expect. The errors of one log are scanned together, so `\A` and `\z`
(start and end of text) are the start and end of all of them at once.
"""

from __future__ import annotations

import heapq
import re
import threading
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import accumulate
from typing import Literal

import numpy as np
import re2

from .blocks import CODE_FRAME_RE, STACK_FRAME_RE
from .dialects import Rewording, family_lines, reword
from .diff import parse_added_lines
from .ecosystems import Agreement, Ecosystem, agreement, ecosystems_from_tags, parse_ecosystem
from .fixes import FixPattern, compile_patterns, fix_patterns, may_print, printed_lines
from .forms import encodable, matching_text
from .pattern_set import PatternSet
from .patterns import PatternShape, analyse_pattern, compile_pattern
from .rank import (
    DEFAULT_MIN_SCORE,
    Signals,
    error_type_agreement,
    error_type_words,
    is_specific_code,
    lexical_score,
    score,
)
from .records import ErrorRecord
from .relaxed import (
    Relaxation,
    RelaxedForm,
    best_relaxed_match,
    relaxed_forms,
    required_alternatives,
)
from .semantic import Embedder, SemanticIndex, SpellText, error_text, normalised, spell_text
from .similarity import NO_QUERY, Evidence, LexicalIndex, SpellWords
from .tokens import tokenize

# Similarity is the expensive part of matching; a log with hundreds of errors is matched by
# pattern on all of them and by similarity on the first and the last ones (where a job's
# root cause and its final failure are).
FIRST_SIMILARITY_ERRORS = 30
LAST_SIMILARITY_ERRORS = 10
COMPILED_CACHE_SIZE = 4096
MAX_MESSAGE_LINES = 60
DETAIL_LINES = 4
MAX_DIFF_HITS_PER_SPELL = 20
# Relaxed forms of a pattern (relaxed.py) are tried on candidates whose pattern's words are
# mostly in the error already.
RELAXED_MIN_SIGNATURE = 0.4
# Each spell's relaxed forms are about seven small regexes; only candidates get them.
RELAXED_CACHE_SIZE = 512
# When a spell and its specialisation both match an error by pattern, the specialisation
# ranks at least this much above it.
REFINEMENT_MARGIN = 0.01
TAG_SEPARATOR_RE = re.compile(r"[,;]")
# A hyphenated name of three parts or more that a pattern spells out (`maven-compiler-plugin`,
# `no-explicit-any`): an error naming another of its shape (`maven-surefire-plugin`) is
# another tool's or rule's, however many of the pattern's other words it shares.
NAMED_COMPOUND_RE = re.compile(r"(?<![\w\\-])[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*){2,}(?![\w-])")


class Scope(StrEnum):
    LOG = "log"
    DIFF = "diff"


class Status(StrEnum):
    APPROVED = "approved"
    DRAFT = "draft"


@dataclass(frozen=True, slots=True)
class SpellDoc:
    """What the index needs from a spell row."""

    id: int
    title: str
    description: str
    error_type: str | None
    error_pattern: str
    tags: str
    ecosystem: str | None
    status: str
    scope: str = "log"
    feedback: float = 0.0  # -1..1
    examples: tuple[str, ...] = ()
    solution: str = ""  # the fix: the commands it runs are evidence when a log prints them


@dataclass(frozen=True, slots=True)
class Match:
    spell_id: int
    score: float
    error_index: int
    reason: Literal["pattern", "similar"]


@dataclass(frozen=True, slots=True)
class DiffHit:
    spell_id: int
    path: str
    line: int  # line number in the new file
    text: str


@dataclass(frozen=True, slots=True)
class _Texts:
    """An error's text as patterns see it (forms.py) and the spells whose pattern hit it;
    its messages in their other wordings (dialects.py) and the spells only those hit."""

    text: str
    hits: set[int]
    reworded: Rewording
    reworded_hits: set[int]


@dataclass(frozen=True, slots=True)
class _Entry:
    """A spell as the index keeps it."""

    spell_id: int
    pattern: str
    shape: PatternShape
    ecosystems: tuple[Ecosystem, ...]
    type_words: frozenset[str]
    tags: frozenset[str]
    approved: bool
    feedback: float
    fixes: tuple[FixPattern, ...] = ()  # what a log prints when a tool gives its fix
    # another name of the shape of one the pattern spells out (NAMED_COMPOUND_RE)
    other_names: re.Pattern[str] | None = None

    def refines(self, other: _Entry) -> bool:
        """Whether this spell is a specialisation of `other`: the same error type (or a
        narrower one) and every one of its tags plus some of its own."""
        return (
            bool(other.tags)
            and self.tags > other.tags
            and {w.lower() for w in other.type_words} <= {w.lower() for w in self.type_words}
        )


class SpellIndex:
    """Matches errors and diffs against a spellbook; build with `SpellIndex.build`."""

    def __init__(
        self,
        log_spells: Sequence[tuple[_Entry, SpellWords]],
        diff_entries: Sequence[_Entry],
        skipped: list[tuple[int, str]],
        semantic: SemanticIndex | None = None,
    ) -> None:
        self.skipped = skipped
        self.semantic = semantic
        self._log = [entry for entry, _ in log_spells]
        self._diff = list(diff_entries)
        self._log_patterns = PatternSet([(i, e.pattern) for i, e in enumerate(self._log)])
        self._diff_patterns = PatternSet([(i, e.pattern) for i, e in enumerate(self._diff)])
        self.skipped.extend(
            (self._log[r.key].spell_id, r.reason) for r in self._log_patterns.rejected
        )
        self.skipped.extend(
            (self._diff[r.key].spell_id, r.reason) for r in self._diff_patterns.rejected
        )
        # A spell whose pattern is unusable is left out entirely, near misses included.
        self._unusable = frozenset(r.key for r in self._log_patterns.rejected)
        self._lexical = LexicalIndex.build(words for _, words in log_spells)
        self._by_id = {entry.spell_id: entry for entry in (*self._log, *self._diff)}
        self._compiled: dict[str, re2._Regexp] = {}
        self._relaxed: dict[str, tuple[RelaxedForm, ...]] = {}
        self._fix_commands: dict[int, re2._Regexp | None] = {}
        self._family_members: dict[str, frozenset[int]] = {}
        self._compiled_lock = threading.Lock()

    @classmethod
    def build(
        cls,
        spells: Iterable[SpellDoc],
        *,
        embedder: Embedder | None = None,
        vectors: Mapping[int, np.ndarray] | None = None,
    ) -> SpellIndex:
        """Index `spells`; a spell whose pattern is unusable is left out and listed in
        `.skipped` as (spell id, reason) instead of failing the whole book.

        With an `embedder`, spells are also found by meaning (semantic.py): `vectors`
        holds the spell vectors computed before (by spell id, from `spell_meaning_text`
        and this embedder); a spell without one is embedded here."""
        log_spells: list[tuple[_Entry, SpellWords]] = []
        log_docs: list[SpellDoc] = []
        diff_entries: list[_Entry] = []
        skipped: list[tuple[int, str]] = []
        for spell in spells:
            if not spell.error_pattern or not spell.error_pattern.strip():
                skipped.append((spell.id, "pattern is empty"))
                continue
            entry = _entry(spell)
            if spell.scope == Scope.DIFF:
                diff_entries.append(entry)
            else:
                log_spells.append((entry, _spell_words(spell, entry.shape)))
                log_docs.append(spell)
        semantic = None if embedder is None else _semantic_index(embedder, log_docs, vectors or {})
        return cls(_own_fixes_only(log_spells), diff_entries, skipped, semantic)

    def __len__(self) -> int:
        return len(self._log) + len(self._diff)

    def match(
        self,
        errors: Sequence[ErrorRecord],
        *,
        limit: int = 5,
        min_score: float = DEFAULT_MIN_SCORE,
        feedback: Mapping[int, float] | None = None,
        similarity: bool = True,
    ) -> list[Match]:
        """The best spells for these errors, best first, each spell once (with the error
        it fits best); nothing scoring under `min_score`. `similarity=False` keeps to
        pattern hits, on the wording printed or another of the same message (dialects.py):
        near misses by words or meaning are not looked for."""
        best: dict[int, Match] = {}
        for matches in self._each_error(errors, feedback, similarity):
            for match in matches:
                current = best.get(match.spell_id)
                if current is None or match.score > current.score:
                    best[match.spell_id] = match
        return _best_first(best.values(), min_score, limit)

    def score_each(
        self,
        errors: Sequence[ErrorRecord],
        *,
        feedback: Mapping[int, float] | None = None,
        similarity: bool = True,
    ) -> list[list[Match]]:
        """For each error, every candidate spell's match, scored, in no order and with
        nothing left out: the one pass `engine.diagnose` ranks from."""
        return self._each_error(errors, feedback, similarity)

    def approved(self, spell_id: int) -> bool:
        """Whether a curator approved the spell (only approved spells are posted)."""
        entry = self._by_id.get(spell_id)
        return entry is not None and entry.approved

    def _each_error(
        self,
        errors: Sequence[ErrorRecord],
        feedback: Mapping[int, float] | None,
        similarity: bool,
    ) -> list[list[Match]]:
        """Every candidate spell's match for each error, scored."""
        last_ones = len(errors) - LAST_SIMILARITY_ERRORS
        texts = [matching_text(error.text) for error in errors]
        hits = self._pattern_hits(texts)
        reworded = [
            reword(text, around="\n".join(error.context))
            for text, error in zip(texts, errors, strict=True)
        ]
        reworded_hits = self._reworded_hits([rewording.text for rewording in reworded], hits)
        near = [
            similarity and (error_index < FIRST_SIMILARITY_ERRORS or error_index >= last_ones)
            for error_index in range(len(errors))
        ]
        meanings = self._meanings(errors, near)
        return [
            self._matches_for(
                error,
                error_index,
                _Texts(
                    texts[error_index],
                    hits[error_index],
                    reworded[error_index],
                    reworded_hits[error_index],
                ),
                near[error_index],
                meanings[error_index],
                feedback,
            )
            for error_index, error in enumerate(errors)
        ]

    def _meanings(self, errors: Sequence[ErrorRecord], wanted: Sequence[bool]) -> list:
        """For each error looked at by similarity, its cosine with every spell (None for
        the others, or without a semantic index). All texts go to the model in one call;
        a record without a message (a log's tail) is as close to a spell as its closest
        line."""
        if self.semantic is None or not any(wanted):
            return [None] * len(errors)
        owners: list[int] = []
        queries: list[str] = []
        for error_index, error in enumerate(errors):
            if wanted[error_index]:
                for query in _meaning_queries(error):
                    owners.append(error_index)
                    queries.append(query)
        rows: list[np.ndarray | None] = [None] * len(errors)
        if not queries:
            return rows
        similarities = self.semantic.similarities(queries)
        for owner, row in zip(owners, similarities, strict=True):
            current = rows[owner]
            rows[owner] = row if current is None else np.maximum(current, row)
        return rows

    def _pattern_hits(self, texts: Sequence[str]) -> list[set[int]]:
        """For each text, the spells whose pattern matches it.

        All texts are scanned in one pass per shard, joined by newlines (a cold DFA builds
        fewer states that way: a quarter less time at 100k spells, and it is one call
        instead of one per error); each pattern that hit somewhere then runs alone over
        the joined text to tell which errors it matched. A match that runs across errors
        is checked against each of them on its own."""
        if len(texts) <= 1:
            return [set(self._log_patterns.match(text)) for text in texts]
        joined = "\n".join(texts)
        starts = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
        hits: list[set[int]] = [set() for _ in texts]
        for position in set(self._log_patterns.match(joined)):
            compiled = self._compiled_pattern(self._log[position].pattern)
            for found in compiled.finditer(joined):
                owner = bisect_right(starts, found.start()) - 1
                last = bisect_right(starts, max(found.end() - 1, found.start())) - 1
                if last == owner:
                    hits[owner].add(position)
                    continue
                for touched in range(owner, last + 1):
                    if compiled.search(texts[touched]) is not None:
                        hits[touched].add(position)
        return hits

    def _reworded_hits(self, reworded: Sequence[str], hits: Sequence[set[int]]) -> list[set[int]]:
        """For each error, the spells whose pattern matches only its message in another
        tool's or version's wording (dialects.py); most errors have none."""
        found: list[set[int]] = [set() for _ in reworded]
        owners = [index for index, text in enumerate(reworded) if text]
        if owners:
            each = self._pattern_hits([reworded[index] for index in owners])
            for index, positions in zip(owners, each, strict=True):
                found[index] = positions - hits[index]
        return found

    def _matches_for(
        self,
        error: ErrorRecord,
        error_index: int,
        texts: _Texts,
        with_similarity: bool,
        meaning: np.ndarray | None,
        feedback: Mapping[int, float] | None,
    ) -> list[Match]:
        text, pattern_hits = texts.text, texts.hits
        needs_words = with_similarity or bool(pattern_hits) or bool(texts.reworded_hits)
        query = (
            self._lexical.query(_error_lines(error), _message_words(error))
            if needs_words
            else NO_QUERY
        )
        candidates = pattern_hits | texts.reworded_hits
        if with_similarity:
            candidates.update(self._lexical.candidates(query))
            if meaning is not None and self.semantic is not None:
                candidates.update(self.semantic.nearest(meaning))
            candidates -= self._unusable
        if texts.reworded.unlike:
            candidates -= self._spells_of(texts.reworded.unlike) - pattern_hits
        scored: dict[int, tuple[float, str]] = {}
        margins = _margins(meaning, candidates)
        specific_code = is_specific_code(error.error_type)
        printed: str | None = None
        evidences = {position: self._lexical.evidence(position, query) for position in candidates}
        first_by_wording = _first_by_wording(evidences)
        for position, evidence in evidences.items():
            entry = self._log[position]
            hit = position in pattern_hits
            relaxation, relaxed_specificity = None, 0.0
            if position in texts.reworded_hits:
                relaxation = Relaxation.OTHER_WORDING
                relaxed_specificity = self._matched_specificity(entry, texts.reworded.text)
            elif not hit and evidence.signature >= RELAXED_MIN_SIGNATURE:
                relaxed = self._relaxed_match(entry.pattern, text)
                if relaxed is not None:
                    relaxation, relaxed_specificity = relaxed.kind, relaxed.specificity
            if (
                not hit
                and relaxation is None
                and entry.other_names is not None
                and entry.other_names.search(text)
            ):
                continue  # the error names another tool or rule of the pattern's kind
            fix_printed = False
            if not hit and entry.fixes:
                printed = printed_lines(_own_lines(error)) if printed is None else printed
                fix_printed = self._prints_fix(position, printed)
            type_agreement = error_type_agreement(error.error_type, entry.type_words)
            # Two types that do not agree (AssertionError, OutOfMemoryError) are two errors.
            types_apart = type_agreement is Agreement.UNKNOWN and bool(
                error.error_type and entry.type_words
            )
            signals = Signals(
                pattern_hit=hit,
                specificity=self._matched_specificity(entry, text) if hit else 0.0,
                evidence=evidence,
                ecosystem=agreement(error.ecosystem, entry.ecosystems),
                error_type=type_agreement,
                approved=entry.approved,
                feedback=_feedback(entry, feedback),
                meaning=None if meaning is None else float(meaning[position]),
                meaning_margin=margins.get(position, 0.0),
                relaxed=relaxation,
                relaxed_specificity=relaxed_specificity,
                specific_code=specific_code,
                fix_printed=fix_printed,
                lexical_first=position == first_by_wording and not types_apart,
            )
            value, reason = score(signals)
            scored[position] = (value, reason.value)
        self._lift_refinements(scored, pattern_hits)
        if texts.reworded_hits:
            written = self._written_for_the_wording(texts, feedback)
            _below_literal_hits(scored, written, texts.reworded_hits)
        return [
            Match(
                spell_id=self._log[position].spell_id,
                score=round(value, 4),
                error_index=error_index,
                reason=reason,
            )
            for position, (value, reason) in scored.items()
        ]

    def _lift_refinements(self, scored: dict[int, tuple[float, str]], hits: set[int]) -> None:
        """Rank a specific spell above the generic one it refines when both patterns hit."""
        if len(hits) < 2:
            return
        for specific in hits:
            for generic in hits:
                if specific != generic and self._log[specific].refines(self._log[generic]):
                    floor = min(1.0, scored[generic][0] + REFINEMENT_MARGIN)
                    if scored[specific][0] < floor:
                        scored[specific] = (floor, scored[specific][1])

    def find(self, spell_id: int, text: str) -> tuple[int, int] | None:
        """Where the spell's pattern matches `text` (start, end), or None."""
        entry = self._by_id.get(spell_id)
        if entry is None:
            return None
        found = self._compiled_pattern(entry.pattern).search(encodable(text))
        return None if found is None else found.span()

    def _spells_of(self, families: Iterable[str]) -> frozenset[int]:
        """The spells whose pattern matches what a family's forms print (dialects.py),
        found the first time an error is a known sibling of that family."""
        members: set[int] = set()
        for name in families:
            found = self._family_members.get(name)
            if found is None:
                found = frozenset(
                    position
                    for line in family_lines(name)
                    for position in self._log_patterns.match(line)
                )
                with self._compiled_lock:
                    self._family_members[name] = found
            members |= found
        return frozenset(members)

    def _written_for_the_wording(
        self, texts: _Texts, feedback: Mapping[int, float] | None
    ) -> set[int]:
        """The approved spells, not voted down, whose pattern hit the error as printed, on
        the mark of a wording a family knows (dialects.py): written for this very wording,
        not generic ones."""
        written = set()
        for position in texts.hits:
            entry = self._log[position]
            if not entry.approved or _feedback(entry, feedback) < 0:
                continue
            found = self._compiled_pattern(entry.pattern).search(texts.text)
            if found is not None and any(mark in found.group(0) for mark in texts.reworded.marks):
                written.add(position)
        return written

    def _matched_specificity(self, entry: _Entry, text: str) -> float:
        """Specificity of the pattern branch that matched `text` (patterns.py)."""
        alternatives = entry.shape.alternatives
        if len(alternatives) == 1:
            return alternatives[0].specificity
        found = self._compiled_pattern(entry.pattern).search(text)
        if found is None:
            return entry.shape.specificity
        span = found.group(0).lower()
        fitting = [
            alt.specificity
            for alt in alternatives
            if _contains_in_order(span, [run.lower() for run in alt.literals])
        ]
        return max(fitting, default=entry.shape.specificity)

    def _relaxed_match(self, pattern: str, text: str) -> RelaxedForm | None:
        """The relaxed form of a candidate's pattern that matches `text` (relaxed.py); the
        forms are built the first time a spell is a candidate."""
        forms = self._relaxed.get(pattern)
        if forms is None:
            forms = relaxed_forms(pattern)
            with self._compiled_lock:
                if len(self._relaxed) >= RELAXED_CACHE_SIZE:
                    self._relaxed.clear()
                self._relaxed[pattern] = forms
        return best_relaxed_match(forms, text)

    def _prints_fix(self, position: int, printed: str) -> bool:
        """Whether `printed` carries a command the spell's fix runs (fixes.py); the
        commands are compiled the first time a spell is a candidate whose literal is in
        an error's lines."""
        if not may_print(self._log[position].fixes, printed):
            return False
        compiled = self._fix_commands.get(position)
        if compiled is None:
            compiled = compile_patterns(self._log[position].fixes)
            with self._compiled_lock:
                if len(self._fix_commands) >= RELAXED_CACHE_SIZE:
                    self._fix_commands.clear()
                self._fix_commands[position] = compiled
        return compiled is not None and compiled.search(printed) is not None

    def _compiled_pattern(self, pattern: str) -> re2._Regexp:
        compiled = self._compiled.get(pattern)
        if compiled is None:
            compiled = compile_pattern(pattern)
            with self._compiled_lock:
                if len(self._compiled) >= COMPILED_CACHE_SIZE:
                    self._compiled.clear()
                self._compiled[pattern] = compiled
        return compiled

    def match_diff(self, diff_text: str) -> list[DiffHit]:
        """Lines added by a diff that a diff-scope spell's pattern matches."""
        hits: list[DiffHit] = []
        per_spell: dict[int, int] = {}
        for path, added in parse_added_lines(encodable(diff_text)).items():
            joined = "\n".join(text for _, text in added)
            for position in sorted(set(self._diff_patterns.match(joined))):
                entry = self._diff[position]
                compiled = self._compiled_pattern(entry.pattern)
                for number, text in added:
                    if per_spell.get(entry.spell_id, 0) >= MAX_DIFF_HITS_PER_SPELL:
                        break
                    if compiled.search(text) is not None:
                        hits.append(
                            DiffHit(spell_id=entry.spell_id, path=path, line=number, text=text)
                        )
                        per_spell[entry.spell_id] = per_spell.get(entry.spell_id, 0) + 1
        return sorted(hits, key=lambda hit: (hit.path, hit.line, hit.spell_id))


def _below_literal_hits(
    scored: dict[int, tuple[float, str]], hits: set[int], reworded_hits: set[int]
) -> None:
    """A spell whose pattern hit the message only in another wording ranks below the
    spells written for the wording the tool printed, `hits` (lld's spell above MSVC's
    for lld's message)."""
    if not hits:
        return
    best_literal = max(scored[position][0] for position in hits)
    if best_literal < DEFAULT_MIN_SCORE:
        return  # a literal hit the error contradicts says nothing of the other wordings
    ceiling = best_literal - REFINEMENT_MARGIN
    for position in reworded_hits:
        value, reason = scored[position]
        if value > ceiling:
            scored[position] = (max(0.0, ceiling), reason)


def _best_first(matches: Iterable[Match], min_score: float, limit: int) -> list[Match]:
    ranked = sorted(
        (m for m in matches if m.score >= min_score),
        key=lambda m: (-m.score, m.error_index, m.spell_id),
    )
    return ranked[: max(limit, 0)]


def _entry(spell: SpellDoc) -> _Entry:
    declared = parse_ecosystem(spell.ecosystem)
    from_tags = ecosystems_from_tags(spell.tags)
    ecosystems = ((declared,) if declared else ()) + tuple(e for e in from_tags if e != declared)
    return _Entry(
        spell_id=spell.id,
        pattern=spell.error_pattern,
        shape=analyse_pattern(spell.error_pattern),
        ecosystems=ecosystems,
        type_words=error_type_words(spell.error_type),
        tags=frozenset(
            tag.strip().lower() for tag in TAG_SEPARATOR_RE.split(spell.tags or "") if tag.strip()
        ),
        approved=spell.status == Status.APPROVED,
        feedback=spell.feedback or 0.0,
        fixes=fix_patterns(spell.solution or ""),
        other_names=_other_names(spell.error_pattern),
    )


def _other_names(pattern: str) -> re.Pattern[str] | None:
    """A regex for the names shaped like one the pattern spells out but not it: the same
    first and last parts, other parts between (`maven-[^-]+-plugin` but not `compiler`)."""
    shapes = []
    for name in dict.fromkeys(NAMED_COMPOUND_RE.findall(pattern)):
        first, *middle, last = name.split("-")
        between = "-".join(middle)
        shapes.append(
            rf"(?<![\w-]){re.escape(first)}-(?!{re.escape(between)}-{re.escape(last)}(?![\w-]))"
            rf"[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*){{{len(middle) - 1}}}-{re.escape(last)}(?![\w-])"
        )
    return re.compile("|".join(shapes)) if shapes else None


def _own_fixes_only(
    log_spells: Sequence[tuple[_Entry, SpellWords]],
) -> list[tuple[_Entry, SpellWords]]:
    """The spells with only the fix commands no other spell of the book runs: a command
    several spells run (`sudo apt-get install -y build-essential`) says none of them."""
    runs = Counter(command for entry, _ in log_spells for command in set(entry.fixes))
    return [
        (
            replace(entry, fixes=tuple(c for c in entry.fixes if runs[c] == 1))
            if entry.fixes
            else entry,
            words,
        )
        for entry, words in log_spells
    ]


def _spell_words(spell: SpellDoc, shape: PatternShape) -> SpellWords:
    return SpellWords(
        signature=[
            [words for words in map(tokenize, alternative.literals) if words]
            for alternative in shape.alternatives
        ],
        error_type=tokenize(spell.error_type or ""),
        title=tokenize(spell.title or ""),
        body=tokenize(f"{spell.description or ''} {spell.tags or ''}"),
        anchor_groups=[
            [[_last_word(text) for text in group] for group in branch]
            for branch in required_alternatives(spell.error_pattern)
        ]
        if "|" in spell.error_pattern  # most patterns have no alternatives: skip reading them
        else [],
    )


def _last_word(text: str) -> str:
    words = tokenize(text)
    return words[-1] if words else ""


def _error_lines(error: ErrorRecord) -> list[list[str]]:
    """The error's words line by line: its text, its context, its type and ecosystem."""
    lines = [tokenize(line) for line in error.text.split("\n")]
    lines.extend(tokenize(line) for line in error.context)
    if error.error_type:
        lines.append(tokenize(error.error_type))
    if error.ecosystem:
        lines.append([error.ecosystem])
    return lines


def _own_lines(error: ErrorRecord) -> list[str]:
    """The error's lines and the lines around it, where a tool prints its fix."""
    return [*error.text.split("\n"), *error.context]


def _message_words(error: ErrorRecord) -> list[list[str]]:
    """The error's message as words, and the few lines that follow it (a generic head,
    `Request failed due to following response errors:`, is often followed by the one
    that says which); a record without a message (a log's tail) offers each of its lines."""
    if error.message:
        head = tokenize(f"{error.error_type or ''} {error.message}")
        return [head, *(words for words in map(tokenize, _detail_lines(error)) if words)]
    return [words for words in map(tokenize, error.text.split("\n")[-MAX_MESSAGE_LINES:]) if words]


def _detail_lines(error: ErrorRecord) -> list[str]:
    """Up to `DETAIL_LINES` lines of the error's text after its message line, stack and
    code frames left out."""
    lines = error.text.split("\n")
    first = error.message.split("\n", 1)[0].strip()[:40]
    start = next((n + 1 for n, line in enumerate(lines) if first and first in line), 1)
    details = [
        line
        for line in lines[start : start + 2 * DETAIL_LINES]
        if line.strip() and not STACK_FRAME_RE.match(line) and not CODE_FRAME_RE.match(line)
    ]
    return details[:DETAIL_LINES]


def spell_meaning_text(spell: SpellDoc) -> str:
    """The text a spell's meaning is embedded from (stored vectors are keyed by its digest)."""
    shape = analyse_pattern(spell.error_pattern)
    return spell_text(
        SpellText(
            title=spell.title,
            description=spell.description,
            error_type=spell.error_type,
            literals=[run for alternative in shape.alternatives for run in alternative.literals],
            examples=spell.examples,
        )
    )


def _semantic_index(
    embedder: Embedder, spells: Sequence[SpellDoc], vectors: Mapping[int, np.ndarray]
) -> SemanticIndex:
    """The log spells' vectors in index order; those not given are embedded now."""
    matrix = np.zeros((len(spells), embedder.dimensions), dtype=np.float32)
    missing: list[int] = []
    for position, spell in enumerate(spells):
        vector = vectors.get(spell.id)
        if vector is not None and vector.shape == (embedder.dimensions,):
            matrix[position] = vector
        else:
            missing.append(position)
    if missing:
        texts = [spell_meaning_text(spells[position]) for position in missing]
        matrix[missing] = embedder.embed(texts)
    return SemanticIndex(embedder, normalised(matrix))


def _first_by_wording(evidences: Mapping[int, Evidence]) -> int | None:
    """The one candidate no other scores as high by wording (None on a tie or none)."""
    ranked = heapq.nlargest(2, ((lexical_score(e), p) for p, e in evidences.items()))
    if not ranked or ranked[0][0] <= 0.0 or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
        return None
    return ranked[0][1]


def _margins(meaning: np.ndarray | None, positions: Iterable[int]) -> dict[int, float]:
    """For each position, its cosine minus the best cosine of any other spell."""
    if meaning is None or len(meaning) < 2:
        return {}
    first, second = np.argpartition(-meaning, 1)[:2]
    if meaning[second] > meaning[first]:
        first, second = second, first
    best, runner_up = float(meaning[first]), float(meaning[second])
    return {
        position: float(meaning[position]) - (runner_up if position == first else best)
        for position in positions
    }


def _meaning_queries(error: ErrorRecord) -> list[str]:
    """The texts an error's meaning is taken from: its message, or each of its last lines."""
    if error.message:
        return [error_text(error.message, error.error_type)]
    lines = [line for line in error.text.split("\n")[-MAX_MESSAGE_LINES:] if line.strip()]
    return [query for line in lines if (query := error_text(line, None))]


def _feedback(entry: _Entry, overrides: Mapping[int, float] | None) -> float:
    if overrides is not None and entry.spell_id in overrides:
        return overrides[entry.spell_id]
    return entry.feedback


def _contains_in_order(text: str, runs: Sequence[str]) -> bool:
    position = 0
    for run in runs:
        found = text.find(run, position)
        if found < 0:
            return False
        position = found + len(run)
    return True
