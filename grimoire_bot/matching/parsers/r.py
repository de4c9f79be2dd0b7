"""R: testthat's failures, which name the test file without its folder."""

from __future__ import annotations

import re

from ..blocks import Draft, block_end, is_blank, to_int
from .scan import Scan

# testthat 2: `1. Failure: totals add up (@test-cart.R#76)`; 3: `── Failure (test-cart.R:76:3):
# totals add up ──` (the file quoted in 3.0: `('test-cart.R:76:3')`), `Error` alike.
TESTTHAT_FAILURE_RE = re.compile(
    r"^\s*(?:\d+\. (?:Failure|Error): (?P<name>.*?) \(@(?P<path>[\w.\-/]+\.[Rr])#(?P<line>\d+)\)"
    r"|(?:\u2500\u2500 )?(?:Failure|Error) \('?(?P<path2>[\w.\-/]+\.[Rr]):(?P<line2>\d+)"
    r"(?::\d+)?'?\): (?P<name2>.*?)(?: \u2500+)?)\s*$"
)
# testthat runs from the package's tests/testthat/ folder, where the files it names are.
TESTTHAT_FOLDER = "tests/testthat/"


def parse_testthat(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    failure = TESTTHAT_FAILURE_RE.match(lines[index])
    if failure is None:
        return None
    raw_path = failure.group("path") or failure.group("path2")
    following = next((line for line in lines[index + 1 : index + 3] if not is_blank(line)), "")
    said = following.strip()
    if TESTTHAT_FAILURE_RE.match(following) or said.startswith("```"):
        said = ""  # the summary's next failure, or the end of a paste
    return Draft(
        start=index,
        end=block_end(lines, index),
        message=said or failure.group("name") or failure.group("name2"),
        file=scan.repo_path(raw_path if "/" in raw_path else TESTTHAT_FOLDER + raw_path),
        line=to_int(failure.group("line") or failure.group("line2")),
    )
