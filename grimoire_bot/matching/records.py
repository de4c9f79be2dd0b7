"""The error record: one failure found in a log, an annotation or a check run's output."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

# Lines that only say that a step failed, never why ("Process completed with exit code 1",
# make's "*** Error 2"): they top every count of failures and no draft fixes them.
STEP_FAILED_ONLY = re.compile(
    r"(?i)^\s*(?:##\[error\]\s*)?(?:error:?\s*)?(?:"
    r"process completed with exit code \d+"
    r"|the process '[^']*' failed with exit code \d+"
    r"|(?:command|script) failed with exit code \d+"
    r"|make(?:\[\d+\])?: \*\*\* \[[^\]]*\] error \d+"
    r"|(?:npm )?(?:err!|error) (?:code elifecycle|errno \d+)"
    r"|(?:exit|return) (?:code|status) \d+"
    r")\.?\s*$"
)


class PathStatus(enum.StrEnum):
    """Whether an error's file was checked against the repository's files (`paths`)."""

    UNCHECKED = "unchecked"  # no file list to check against: the text's best reading
    FOUND = "found"  # a file of the commit
    NOT_FOUND = "not_found"  # no file of the commit ends with it
    AMBIGUOUS = "ambiguous"  # several files end with it equally well


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    message: str
    error_type: str | None
    file: str | None
    line: int | None
    column: int | None
    ecosystem: str | None
    context: tuple[str, ...]
    fingerprint: str
    text: str  # the error's own lines as cleaned: what patterns are matched against
    log_line: int | None  # 1-based line in the cleaned log where it starts (None: annotation)
    path_status: PathStatus = PathStatus.UNCHECKED

    def as_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "error_type": self.error_type,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "ecosystem": self.ecosystem,
            "fingerprint": self.fingerprint,
            "path_status": str(self.path_status),
        }


def says_only_that_a_step_failed(error: ErrorRecord) -> bool:
    """Whether the error reports that a step failed and nothing of why."""
    first_line = (error.text or error.message).split("\n", 1)[0]
    return any(STEP_FAILED_ONLY.match(text) for text in (error.message, first_line))
