"""Ruby: RSpec's failure reports, located at the spec's own line of the backtrace."""

from __future__ import annotations

import re

from ..blocks import PATH, Draft, detect_error_type, is_blank
from ..ecosystems import Ecosystem
from .scan import Scan

RSPEC_FAILURE_RE = re.compile(r"^(?P<indent>\s*)Failure/Error: (?P<code>.*)$")
RSPEC_FRAME_RE = re.compile(rf"^\s*# (?P<path>{PATH}):(?P<line>\d+)(?::in\b.*)?$")
RSPEC_EXAMPLE_RE = re.compile(r"^\s*\d+\) \S")
RSPEC_LOOKAHEAD = 60
# RSpec's section headers: the failures follow, each parsed on its own.
RSPEC_SECTION_RE = re.compile(r"^(?:Failures|Failed examples):\s*$")


def parse_rspec(scan: Scan, index: int) -> Draft | None:
    """`Failure/Error: <the failing line>`, the expectation's message below it, then the
    backtrace as `# ./spec/x_spec.rb:8:in ...` lines (gems' frames come first or last)."""
    lines = scan.lines
    if "Fail" not in lines[index]:
        return None
    if RSPEC_SECTION_RE.match(lines[index]):
        return Draft(start=index, end=index, message="", noise=True)
    head = RSPEC_FAILURE_RE.match(lines[index])
    if head is None:
        return None
    margin = len(head.group("indent"))
    end = index
    body: list[str] = []
    for probe in range(index + 1, min(len(lines), index + RSPEC_LOOKAHEAD)):
        line = lines[probe]
        if RSPEC_EXAMPLE_RE.match(line):
            break
        if is_blank(line):
            if (
                probe + 1 < len(lines)
                and len(lines[probe + 1]) - len(lines[probe + 1].lstrip()) < margin
            ):
                break
            continue
        end = probe
        if not RSPEC_FRAME_RE.match(line):
            body.append(line.strip())
    frame = scan.first_repo_frame(index + 1, end + 1, RSPEC_FRAME_RE)
    message = body[0] if body else head.group("code").strip()
    return Draft(
        start=index,
        end=end,
        message=message,
        error_type=detect_error_type("\n".join(body[:3])),
        file=frame.file if frame else None,
        line=frame.line if frame else None,
        ecosystem=Ecosystem.RUBY,
    )
