"""Words for lexical similarity: the same tokenizer for spells and for error texts.

Error texts drift between tool versions in small, regular ways: `npm ERR!` becomes
`npm error`, `couldn't` becomes `could not`, `ModuleNotFoundError` is one word in a
pattern and three in a title, plurals come and go. The tokenizer folds those
differences away so that what is left to compare is vocabulary, not spelling.
"""

from __future__ import annotations

import functools
import re

# `_`, `-`, `.`, `/` and all other punctuation separate words.
WORD_RE = re.compile(r"[A-Za-z0-9]+")
# Inside a mixed-case word the humps are words too (ModuleNotFoundError, locateConfigFile),
# but brand names (ESLint, OpenSSL) only make sense whole, so both are kept.
HUMP_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
CODE_RE = re.compile(r"[A-Za-z]+[0-9]+[A-Za-z0-9]*")
CLASS_SUFFIXES = frozenset({"Error", "Exception", "Warning", "Failure", "Fault"})
CONTRACTION_RE = re.compile(r"(?i)\b(can)not\b|\b(wo|ca)n['\u2019]t\b|n['\u2019]t\b")
# A carriage return as logs and patterns spell it (`bash^M`, `'bash\r'`, `$'\r'`): the one
# thing a CRLF error is about, and nothing the word pattern below would keep.
CARRIAGE_RETURN_RE = re.compile(r"\^M|\\+r(?![a-z])")
CARRIAGE_RETURN_WORD = " carriagereturn "
# Typographic quotes (' ' " " « ») as a web page or a localised tool prints them.
TYPOGRAPHIC = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u00a0": " ",
    }
)

# Function words carry no evidence about which error this is.
# fmt: off
STOPWORDS = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "as", "is",
    "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those",
    "or", "and", "but", "if", "then", "than", "so", "into", "onto", "your", "you", "we", "our",
    "us", "i", "me", "my", "he", "she", "they", "them", "their", "there", "here", "has", "have",
    "had", "do", "does", "did", "will", "would", "should", "may", "might", "must", "shall",
    "also", "which", "who", "whom", "what", "when", "where", "how", "why", "all", "any", "some",
    "such", "only", "own", "same", "other", "more", "most", "very", "just", "yet", "via", "per",
    "eg", "ie", "etc", "please", "see", "try"
})
# fmt: on
# Abbreviations tools use interchangeably with the full word.
ALIASES = {
    "err": "error",
    "warn": "warning",
    "errno": "error",
    "pkg": "package",
    "deps": "dependency",
    "dep": "dependency",
    "cant": "can",
    "msg": "message",
    "dir": "directory",
    "dirs": "directory",
    "config": "config",
    "cfg": "config",
}
# Plain numbers are volatile (line numbers, sizes) except three-digit status and exit codes.
KEPT_NUMBER_LENGTH = 3
MIN_WORD_LENGTH = 2
# Log and spell vocabularies are small and repetitive; normalising a word is a pure
# function, so its results are memoised.
WORD_CACHE_SIZE = 1 << 16


def _expand_contraction(match: re.Match[str]) -> str:
    if match.group(1):
        return f"{match.group(1)} not"
    if match.group(2):
        return {"wo": "will", "ca": "can"}[match.group(2).lower()] + " not"
    return " not"


def stem(word: str) -> str:
    """A light plural folding: dependencies -> dependency, modules -> module."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalise_word(raw: str) -> str | None:
    """The comparable form of one word, or None when it carries no evidence."""
    if raw.isdigit():
        return raw if len(raw) == KEPT_NUMBER_LENGTH else None
    word = raw.lower()
    word = ALIASES.get(word, word)
    if len(word) < MIN_WORD_LENGTH or word in STOPWORDS:
        return None
    return ALIASES.get(stem(word), stem(word))


def tokenize(text: str) -> list[str]:
    """The words of `text` in order, normalised for comparison (duplicates kept)."""
    text = text.translate(TYPOGRAPHIC)
    if "^M" in text or "\\r" in text:
        text = CARRIAGE_RETURN_RE.sub(CARRIAGE_RETURN_WORD, text)
    lowered = text.lower()
    if "n't" in lowered or "cannot" in lowered:
        text = CONTRACTION_RE.sub(_expand_contraction, text)
    return [word for raw in WORD_RE.findall(text) for word in _words_of(raw)]


@functools.lru_cache(maxsize=WORD_CACHE_SIZE)
def _words_of(raw: str) -> tuple[str, ...]:
    """The comparable words one raw token stands for (itself and its humps)."""
    return tuple(word for part in _parts(raw) if (word := normalise_word(part)) is not None)


def _parts(raw: str) -> tuple[str, ...]:
    """`raw` itself, then its camel-case humps when it is an identifier made of words
    (ModuleNotFoundError, locateConfigFile, HttpError). Two-hump names that are not an
    exception class are brands (ESLint, OpenSSL, TypeScript) and stay whole."""
    if CODE_RE.fullmatch(raw) or raw.islower() or raw.isupper() or raw.istitle():
        return (raw,)
    humps = HUMP_RE.findall(raw)
    if len(humps) > 2 or (len(humps) == 2 and humps[-1] in CLASS_SUFFIXES):
        return (raw, *humps)
    return (raw,)
