"""Grimoire's matching engine: from a failed job's output to the spells that fix it.

Pure functions and immutable indexes, no I/O. A failure goes through `diagnose` (engine.py),
once, whoever asks (the check run, the API, the `match` command, the benchmarks):

* `logs`: cleaning (timestamps, group markers, ANSI, progress bars) and `BoundedLog`, which
  reads logs of any size in bounded memory;
* `prefilter`, `parsers`, `blocks`, `extract`: one RE2 scan flags candidate lines, a parser
  per tool format reads each error, its block of lines and its type; `locate` turns the
  paths tools print into repository paths; `paths` resolves them against a commit's
  file list when it is known; `fingerprint` names an error across runs;
* `index`: a spellbook built once into sharded RE2 sets (`pattern_set`, with `patterns`
  for validation and specificity) and a lexical index for near misses (`similarity`,
  `tokens`, `forms`) and, given an embedding model, by meaning (`semantic`), ranked by
  `rank`; `diff` reads pull-request diffs for diff spells;
* `evaluation`: recall@k, MRR and false-positive rate for a matcher's answers.
"""

from .diff import parse_added_lines
from .ecosystems import Ecosystem
from .engine import Diagnosis, diagnose
from .extract import errors_from_annotations, errors_from_check_output, extract_errors
from .fingerprint import fingerprint
from .index import DiffHit, Match, SpellDoc, SpellIndex
from .logs import DEFAULT_LOG_CAP, BoundedLog, clean_log
from .paths import RepoFiles, Resolution, resolve_paths
from .patterns import PatternError, check_pattern
from .rank import DEFAULT_MIN_SCORE
from .records import ErrorRecord, PathStatus, says_only_that_a_step_failed

__all__ = [
    "DEFAULT_LOG_CAP",
    "DEFAULT_MIN_SCORE",
    "BoundedLog",
    "Diagnosis",
    "DiffHit",
    "Ecosystem",
    "ErrorRecord",
    "Match",
    "PathStatus",
    "PatternError",
    "RepoFiles",
    "Resolution",
    "SpellDoc",
    "SpellIndex",
    "check_pattern",
    "clean_log",
    "diagnose",
    "errors_from_annotations",
    "errors_from_check_output",
    "extract_errors",
    "fingerprint",
    "parse_added_lines",
    "resolve_paths",
    "says_only_that_a_step_failed",
]
