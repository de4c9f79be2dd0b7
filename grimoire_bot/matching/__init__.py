"""Grimoire's matching engine: from a failed job's output to the spells that fix it.

Pure functions and immutable indexes (no I/O): clean and read logs (`logs`), extract
errors with their repository locations (`extract`, `parsers`, `locate`), fingerprint
them (`fingerprint`), and match them against the spellbook by pattern and by lexical
similarity (`index`, `pattern_set`, `similarity`, `rank`).
"""

from .diff import parse_added_lines
from .ecosystems import Ecosystem
from .engine import analyse
from .extract import errors_from_annotations, errors_from_check_output, extract_errors
from .fingerprint import fingerprint
from .index import DiffHit, Match, SpellDoc, SpellIndex
from .logs import DEFAULT_LOG_CAP, BoundedLog, clean_log
from .patterns import PatternError, check_pattern
from .rank import DEFAULT_MIN_SCORE
from .records import ErrorRecord

__all__ = [
    "DEFAULT_LOG_CAP",
    "DEFAULT_MIN_SCORE",
    "BoundedLog",
    "DiffHit",
    "Ecosystem",
    "ErrorRecord",
    "Match",
    "PatternError",
    "SpellDoc",
    "SpellIndex",
    "analyse",
    "check_pattern",
    "clean_log",
    "errors_from_annotations",
    "errors_from_check_output",
    "extract_errors",
    "fingerprint",
    "parse_added_lines",
]
