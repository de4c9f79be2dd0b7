"""Fingerprints: the same error from two runs gets the same one.

The message is masked before hashing: quoted names, paths, URLs, hex ids (hashes,
addresses, UUIDs), version numbers and plain numbers become placeholders, and whitespace
is collapsed. What is left is the error's template ("No module named <q>"), which is what
"the same error" means across runs, machines and temp directories.
"""

from __future__ import annotations

import hashlib
import re

FINGERPRINT_LENGTH = 16
MAX_MASKED_LENGTH = 500

# Straight, typographic and localised quotes: a quoted name is volatile whatever quotes
# the tool or the locale uses.
QUOTE_PAIRS = (
    ("'", "'"),
    ('"', '"'),
    ("`", "`"),
    ("\u2018", "\u2019"),
    ("\u201c", "\u201d"),
    ("\u00ab", "\u00bb"),
)
# Order matters: URLs and paths go before the numbers inside them are masked.
MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.I), "<url>"),
    (
        re.compile(
            "|".join(
                rf"(?<!\w){re.escape(o)}[^{re.escape(c)}\n]{{1,200}}{re.escape(c)}(?!\w)"
                for o, c in QUOTE_PAIRS
            )
        ),
        "<q>",
    ),
    (
        re.compile(
            r"(?:[A-Za-z]:)?(?:[\\/][\w.@~+$%-]+){2,}[\\/]?|(?:[\w.@~+-]+[\\/]){1,}[\w.@~+-]+"
            r"\.\w{1,8}\b"
        ),
        "<path>",
    ),
    (re.compile(r"(?:@?[\w.-]+/)?[\w.-]+(?:@|==|>=|<=|~=|!=)[\^~<>=]*v?\d[\w.+-]*"), "<pkg>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    # Generated names (temp dirs, build refs) mix letters and digits more than once.
    (re.compile(r"\b[A-Za-z]*\d+[A-Za-z]+\d\w*"), "<id>"),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b", re.I), "<hex>"),
    (re.compile(r"\bv?\d+(?:\.\d+)+(?:[-+][\w.]+)?\b"), "<ver>"),
    (re.compile(r"\d+"), "<n>"),
    (re.compile(r"\s+"), " "),
)


def mask(message: str) -> str:
    """`message` with its volatile parts replaced by placeholders."""
    masked = message[: MAX_MASKED_LENGTH * 4]
    for pattern, placeholder in MASKS:
        masked = pattern.sub(placeholder, masked)
    return masked.strip()[:MAX_MASKED_LENGTH]


def fingerprint(message: str, error_type: str | None = None) -> str:
    """A short stable hash of the error's type and masked message."""
    key = f"{error_type or ''}\x1f{mask(message)}"
    digest = hashlib.sha1(key.encode("utf-8", errors="replace"), usedforsecurity=False)
    return digest.hexdigest()[:FINGERPRINT_LENGTH]
