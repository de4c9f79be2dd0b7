"""Lexical similarity between an error and the spells: the near-miss matcher.

When a tool's new version rewords a message, a terminal wraps it, a web page swaps its
quotes or a Windows runner flips its slashes, the spell's regex misses although a person
sees at once that it is the same error. What survives those changes is vocabulary and
word order: the distinctive words of the message, in the same short phrases.

The measure is coverage, taken in both directions, with every word weighted by its IDF
over the spellbook (a word found in few spells, like `eresolve` or `checksum`, counts far
more than `error` or `not`):

* signature coverage: how much of the spell's signature - the words of its pattern's
  required literal text, phrase by phrase, plus its error type - appears in the error's
  text, over single words and over adjacent word pairs (so "cannot find module" is not
  matched by "cannot be found ... node module" scattered over a paragraph). A pattern
  with alternatives (`A|B`) is covered as well as its best-covered branch. Its *anchors*,
  the last word of each literal phrase (the module name, the exit code, the flag a
  message ends on), are reported apart: without them it is a different error that shares
  the phrasing;
* message coverage ("explained"): how much of the error's message, words and pairs, the
  spell's vocabulary (signature, title, description, tags) accounts for.

`rank.lexical_score` combines them. Why coverage and not BM25 or character n-grams: BM25
scores grow with the query's length and have no fixed scale, so a threshold that keeps
silence on unrelated logs cannot be set once for all spellbooks; coverage is a fraction in
0..1 with a meaning ("70% of what this spell's pattern looks for is here, in that
order"). Character n-grams would forgive typos that CI output never has, at many times
the memory for 100k spells. The tokenizer folds the spelling differences that do occur
(camel case, `couldn't`, plurals, `ERR!`/`error`, typographic quotes; see tokens.py).

Scale: an inverted index (word -> spells) holds each spell's words as array ids (a few
hundred bytes per spell plus postings). A query looks only at the postings of the error's
rarer words (postings longer than `MAX_POSTING_SHARE` of the book carry almost no IDF
weight and would cost most of the time), counts hits per spell in C (`Counter.update`),
and scores exactly only the best `CANDIDATES` spells.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

CANDIDATES = 64
MAX_POSTING_SHARE = 0.05
MIN_POSTING_CAP = 64
FULL_SIGNATURE_WORDS = 4
PAIR_SHIFT = 32
UNKNOWN = -1

Phrase = Sequence[str]


@dataclass(frozen=True, slots=True)
class SpellWords:
    """The words of one spell, by field."""

    signature: Sequence[Sequence[Phrase]]  # per pattern branch: its literal phrases
    error_type: Phrase  # added to every branch, but never an anchor
    title: Sequence[str]
    body: Sequence[str]  # description and tags
    # per pattern branch: each group of alternatives it requires, as the last word of each
    # alternative (one of them must be present, like an anchor)
    anchor_groups: Sequence[Sequence[Sequence[str]]] = ()


@dataclass(frozen=True, slots=True)
class Message:
    """A message's known words and adjacent pairs with their IDF weights, computed once
    per error rather than once per candidate spell."""

    words: tuple[tuple[int, float], ...]
    words_total: float
    pairs: tuple[tuple[int, float], ...]
    pairs_total: float

    @property
    def known(self) -> int:
        return len(self.words)


@dataclass(frozen=True, slots=True)
class Query:
    words: frozenset[int]
    pairs: frozenset[int]
    messages: tuple[Message, ...] = ()  # the message's words (or each candidate's)


@dataclass(frozen=True, slots=True)
class Evidence:
    signature: float  # coverage of the best-covered branch's words and word pairs
    anchors: float  # share of that branch's phrase-final words present
    confidence: float  # 0..1: a one-word signature proves less than a six-word one
    explained: float  # share of the error message's words (and pairs) the spell uses
    message_confidence: float  # 0..1: likewise, for how many known words the message has


NO_QUERY = Query(words=frozenset(), pairs=frozenset())


@dataclass(frozen=True, slots=True)
class _Branch:
    words: array[int]
    pairs: array[int]
    anchors: array[int]  # the last word of each literal phrase
    anchor_groups: tuple[array[int], ...] = ()  # one of each group's words must be present


class LexicalIndex:
    """Inverted index over spell words with per-field coverage scoring."""

    def __init__(self) -> None:
        self._vocabulary: dict[str, int] = {}
        self._document_frequency: list[int] = []
        self._idf: array[float] = array("d")
        self._postings: list[array[int]] = []
        self._signature: list[tuple[_Branch, ...]] = []
        self._all_words: list[array[int]] = []
        self._all_pairs: list[array[int]] = []
        self._count = 0

    @classmethod
    def build(cls, spells: Iterable[SpellWords]) -> LexicalIndex:
        index = cls()
        for position, words in enumerate(spells):
            index._add(position, words)
        index._finish()
        return index

    def _add(self, position: int, words: SpellWords) -> None:
        error_type = self._id_list(words.error_type)
        signature = [[self._id_list(phrase) for phrase in phrases] for phrases in words.signature]
        title = self._id_list(words.title)
        body = self._id_list(words.body)
        groups = list(words.anchor_groups) if len(words.anchor_groups) == len(signature) else []
        branches = tuple(
            _branch(phrases, error_type, self._anchor_groups(groups[n]) if groups else ())
            for n, phrases in enumerate(signature)
        )
        self._signature.append(branches)
        every = {*title, *body, *error_type}
        for branch in branches:  # the words of its alternatives are the spell's words too
            for group in branch.anchor_groups:
                every.update(group)
        pairs = _pairs(title) | _pairs(body) | _pairs(error_type)
        for phrases in signature:
            for phrase in phrases:
                every.update(phrase)
                pairs.update(_pairs(phrase))
        self._all_words.append(array("I", sorted(every)))
        self._all_pairs.append(array("Q", sorted(pairs)))
        self._count = position + 1

    def _anchor_groups(self, groups: Sequence[Sequence[str]]) -> tuple[array[int], ...]:
        """Word ids of each group's alternatives' last words; a group with an alternative
        that has no word (any text may stand there) says nothing and is left out."""
        kept = []
        for group in groups:
            if group and all(group):
                kept.append(array("I", sorted(set(self._id_list(group)))))
        return tuple(kept)

    def _id_list(self, words: Iterable[str]) -> list[int]:
        """Ids of `words`, new words getting the next free id."""
        vocabulary = self._vocabulary
        return [vocabulary.setdefault(word, len(vocabulary)) for word in words]

    def _finish(self) -> None:
        self._postings = [array("I") for _ in range(len(self._vocabulary))]
        for position, words in enumerate(self._all_words):
            for word_id in words:
                self._postings[word_id].append(position)
        self._document_frequency = [len(postings) for postings in self._postings]
        total = max(self._count, 1)
        self._idf = array(
            "d",
            (
                math.log(1.0 + (total - frequency + 0.5) / (frequency + 0.5))
                for frequency in self._document_frequency
            ),
        )

    def __len__(self) -> int:
        return self._count

    def query(
        self, lines: Iterable[Sequence[str]], messages: Iterable[Sequence[str]] = ()
    ) -> Query:
        """The known words of an error's text and the pairs of known words adjacent in it
        (given line by line: pairs do not span lines), and its message's words (when it is
        not known which line is the message, each candidate line)."""
        vocabulary = self._vocabulary
        prepared = {
            ids: self._message(ids)
            for ids in (tuple(vocabulary.get(word, UNKNOWN) for word in m) for m in messages)
        }
        message_ids = tuple(message for message in prepared.values() if message.known)
        words: set[int] = set()
        pairs: set[int] = set()
        for line in lines:
            previous = UNKNOWN
            for word in line:
                current = vocabulary.get(word, UNKNOWN)
                if current != UNKNOWN:
                    words.add(current)
                    if previous != UNKNOWN and previous != current:
                        pairs.add(_pair(previous, current))
                previous = current
        return Query(words=frozenset(words), pairs=frozenset(pairs), messages=message_ids)

    def candidates(self, query: Query, limit: int = CANDIDATES) -> list[int]:
        """Spell positions sharing the most distinctive words with the query."""
        cap = max(MIN_POSTING_CAP, int(self._count * MAX_POSTING_SHARE))
        counts: Counter[int] = Counter()
        for word_id in query.words:
            postings = self._postings[word_id]
            if len(postings) <= cap:
                counts.update(postings)
        return [position for position, _ in counts.most_common(limit)]

    def evidence(self, position: int, query: Query) -> Evidence:
        best = anchors = 0.0
        best_size = 0
        for branch in self._signature[position]:
            coverage = self._branch_coverage(branch, query)
            if coverage > best or (coverage == best and len(branch.words) > best_size):
                best, best_size = coverage, len(branch.words)
                anchors = self._anchor_coverage(branch, query.words)
        explained, known = 0.0, 0
        if query.messages:
            spell_words = frozenset(self._all_words[position])
            spell_pairs = frozenset(self._all_pairs[position])
            explained, known = max(
                _explained(message, spell_words, spell_pairs) for message in query.messages
            )
        return Evidence(
            signature=best,
            anchors=anchors,
            confidence=min(1.0, best_size / FULL_SIGNATURE_WORDS),
            explained=explained,
            message_confidence=min(1.0, known / FULL_SIGNATURE_WORDS),
        )

    def _anchor_coverage(self, branch: _Branch, present: frozenset[int]) -> float:
        """Share (by IDF) of the branch's anchors present: its phrases' last words, and one
        word of each group of alternatives it requires, weighing as its rarest."""
        if not branch.anchors and not branch.anchor_groups:
            return 1.0
        idf = self._idf
        total = found = 0.0
        for word in branch.anchors:
            total += idf[word]
            if word in present:
                found += idf[word]
        for group in branch.anchor_groups:
            weight = max(idf[word] for word in group)
            total += weight
            if any(word in present for word in group):
                found += weight
        return found / total if total > 0.0 else 0.0

    def _message(self, ids: tuple[int, ...]) -> Message:
        """A message's distinct known words and pairs, weighted as the coverages weigh them."""
        idf = self._idf
        mask = (1 << PAIR_SHIFT) - 1
        words = tuple((w, idf[w]) for w in sorted({w for w in ids if w != UNKNOWN}))
        pairs = tuple(
            (pair, idf[pair >> PAIR_SHIFT] + idf[pair & mask]) for pair in sorted(_pairs(ids))
        )
        return Message(
            words=words,
            words_total=sum(weight for _, weight in words),
            pairs=pairs,
            pairs_total=sum(weight for _, weight in pairs),
        )

    def _branch_coverage(self, branch: _Branch, query: Query) -> float:
        words = self._word_coverage(branch.words, query.words)
        if not branch.pairs:
            return words
        return (words + self._pair_coverage(branch.pairs, query.pairs)) / 2

    def _word_coverage(self, words: array[int], present: frozenset[int]) -> float:
        idf = self._idf
        total = sum(idf[w] for w in words)
        if total <= 0.0:
            return 0.0
        return sum(idf[w] for w in words if w in present) / total

    def _pair_coverage(self, pairs: array[int], present: frozenset[int]) -> float:
        idf = self._idf
        mask = (1 << PAIR_SHIFT) - 1
        total = found = 0.0
        for pair in pairs:
            weight = idf[pair >> PAIR_SHIFT] + idf[pair & mask]
            total += weight
            if pair in present:
                found += weight
        return found / total if total > 0.0 else 0.0


def _explained(
    message: Message, spell_words: frozenset[int], spell_pairs: frozenset[int]
) -> tuple[float, int]:
    """How much of the message's vocabulary (words and adjacent pairs) the spell uses."""
    if message.words_total <= 0.0:
        words = 0.0
    else:
        found = sum(weight for word, weight in message.words if word in spell_words)
        words = found / message.words_total
    if not message.pairs:
        return words, message.known
    pairs = 0.0
    if message.pairs_total > 0.0:
        found = sum(weight for pair, weight in message.pairs if pair in spell_pairs)
        pairs = found / message.pairs_total
    return (words + pairs) / 2, message.known


def _branch(
    phrases: Sequence[Sequence[int]],
    error_type: Sequence[int],
    anchor_groups: tuple[array[int], ...] = (),
) -> _Branch:
    """A pattern branch's words (error-type words included), its literal phrases' word
    pairs and its anchors. An error type is a label ("npm ELIFECYCLE"), not text a log
    prints, so its words count but its word order does not."""
    words: set[int] = set(error_type)
    pairs: set[int] = set()
    anchors: set[int] = set()
    for phrase in phrases:
        words.update(phrase)
        pairs.update(_pairs(phrase))
        if phrase:
            anchors.add(phrase[-1])
    return _Branch(
        words=array("I", sorted(words)),
        pairs=array("Q", sorted(pairs)),
        anchors=array("I", sorted(anchors)),
        anchor_groups=anchor_groups,
    )


def _pair(first: int, second: int) -> int:
    return (first << PAIR_SHIFT) | second


def _pairs(ids: Sequence[int]) -> set[int]:
    """Keys of the adjacent pairs of known, distinct words in a sequence of word ids."""
    return {_pair(a, b) for a, b in pairwise(ids) if a != b and UNKNOWN not in (a, b)}
