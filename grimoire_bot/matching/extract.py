"""Finding the errors in a log, in check-run annotations and in a check run's output.

The log is scanned once by the prefilter; only the lines it flags are handed to the
format parsers (`parsers.PARSERS`; `parsers_for` leaves out the rarer formats when
the line carries none of their literals), first match wins, and a parsed error's block is
skipped so its own lines are not reported again. Records are deduplicated by
(fingerprint, file, line) and capped. Nothing here raises on any input: a parser that
trips over a malformed line is skipped for that line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from .blocks import (
    LINE_PATH,
    MAX_LINE_CHARS,
    Draft,
    block_end,
    compact_text,
    detect_error_type,
    to_int,
)
from .ecosystems import ecosystem_from_path, ecosystem_from_text
from .fingerprint import fingerprint
from .locate import (
    is_absolute,
    is_external,
    local_checkout_root,
    normalise_path,
    root_beside_build_folder,
    root_beside_dependencies,
    root_named_in_log,
    workspace_roots,
)
from .logs import clean_log
from .parsers import Scan, parsers_for
from .parsers.nearby import place_nearby
from .prefilter import candidate_lines
from .records import ErrorRecord

MAX_ERRORS = 200
LAST_ERRORS_KEPT = 50  # when capping, the end of the log is kept too: failures end there
MAX_CANDIDATES = 6000
CONTEXT_LINES = 3
MAX_MESSAGE_CHARS = 500
ANNOTATION_LEVELS = ("failure", "warning")
PLACEHOLDER_ANNOTATION_PATHS = frozenset({"", ".github"})
HTML_TAG_RE = re.compile(
    r"</?(?:details|summary|pre|code|p|br|b|i|strong|em|ul|ol|li|h\d|table|tr|td|th|thead|tbody"
    r"|div|span|a|img|sub|sup|hr)\b[^>]*>",
    re.IGNORECASE,
)
MARKDOWN_FENCE_RE = re.compile(r"^\s*(?:```|~~~)[\w+-]*\s*$", re.MULTILINE)
# A location on a line of its own inside an error's block: tsc's related information
# (`  tsconfig.json:14:4` under `error TS2688`), a linker's or a bundler's "at" line,
# esbuild's `    src/a.ts:20:32:` under `✘ [ERROR]`, Elixir 1.15's `└─ lib/a.ex:12:5: A.f/0`.
LONE_LOCATION_RE = re.compile(
    rf"^\s+(?:\u2514\u2500 )?(?P<path>{LINE_PATH}):(?P<line>\d+)(?::(?P<col>\d+))?"
    r"(?::(?: [A-Z][\w.]*\.[\w?!]+/\d+)?)?\s*$"
)

logger = logging.getLogger(__name__)


def extract_errors(
    text: str, *, repo_root_hints: Sequence[str] = (), already_clean: bool = False
) -> list[ErrorRecord]:
    """The errors in a log, in log order. The log is cleaned first unless the caller says
    it already went through `clean_log` (cleaning twice is harmless, only slower)."""
    if not already_clean or not isinstance(text, str):
        text = clean_log(text)
    if not text.strip():
        return []
    lines = text.split("\n")
    scan = Scan(lines=lines, hints=(*repo_root_hints, *workspace_roots(text)))
    candidates = candidate_lines(text)
    if len(candidates) > MAX_CANDIDATES:
        half = MAX_CANDIDATES // 2
        candidates = candidates[:half] + candidates[-half:]
    errors: list[Draft] = []
    warnings: list[Draft] = []
    next_free = 0
    for index in candidates:
        if index < next_free:
            continue
        draft = parse_line(scan, index)
        if draft is None:
            continue
        if draft.warning:
            if len(warnings) < MAX_ERRORS:
                warnings.append(draft)
        elif not draft.noise:
            errors.append(draft)
        next_free = max(draft.end, index) + 1
    reported = errors
    records = [to_record(scan, draft) for draft in reported]
    if warnings and not any(record.file for record in records):
        # A linter that fails the job on warnings (hadolint, ESLint --max-warnings 0) has
        # only warnings to show where to look.
        reported = sorted((*errors, *warnings), key=lambda draft: draft.start)
        records = [to_record(scan, draft) for draft in reported]
    if records and not any(record.file for record in records):
        # No parser found a place anywhere: then the places the errors' own lines, or the
        # lines around them, name in other shapes are the best the log offers.
        records = [to_record(scan, draft, nearby=True) for draft in reported]
    return _deduplicate(_rooted_by_log(records, text))


def _rooted_by_log(records: list[ErrorRecord], text: str) -> list[ErrorRecord]:
    """Absolute paths no known root explained, made relative where the log itself shows
    where the repository starts (`locate.root_named_in_log`,
    `locate.root_beside_dependencies`, `locate.root_beside_build_folder`), else where
    checkouts on people's machines and in containers usually are
    (`locate.local_checkout_root`)."""
    roots: dict[str, str | None] = {}
    rooted = []
    for record in records:
        file = record.file
        if file and is_absolute(file) and not is_external(file):
            folder = file.rsplit("/", 1)[0]
            if folder not in roots:
                roots[folder] = (
                    next((r for r in roots.values() if r and file.startswith(r + "/")), None)
                    or root_named_in_log(file, text)
                    or root_beside_dependencies(file, text)
                    or root_beside_build_folder(file, text)
                    or local_checkout_root(file)
                )
            root = roots[folder]
            if root:
                record = replace(record, file=file[len(root) + 1 :])
        rooted.append(record)
    return rooted


def parse_line(scan: Scan, index: int) -> Draft | None:
    """The error starting at line `index`, as the first parser that accepts it reads it."""
    for parser in parsers_for(scan.lines[index]):
        try:
            draft = parser(scan, index)
        except Exception:
            # One malformed line must not cost the rest of the log its errors.
            logger.debug(
                "parser failed", extra={"parser": parser.__name__, "line": index}, exc_info=True
            )
            continue
        if draft is not None:
            return draft
    return None


def record_at_line(
    text: str, index: int, *, repo_root_hints: Sequence[str] = (), nearby: bool = False
) -> ErrorRecord:
    """A record for the (0-based) line `index` of cleaned `text`, parsed when it can be;
    `nearby` as for `to_record`."""
    lines = text.split("\n")
    scan = Scan(lines=lines, hints=(*repo_root_hints, *workspace_roots(text)))
    index = min(max(index, 0), len(lines) - 1)
    draft = parse_line(scan, index)
    if draft is None or not draft.start <= index <= draft.end:
        draft = Draft(start=index, end=block_end(lines, index), message=lines[index].strip())
    [record] = _rooted_by_log([to_record(scan, draft, nearby=nearby)], text)
    return record


def to_record(scan: Scan, draft: Draft, *, nearby: bool = False) -> ErrorRecord:
    """The record for a parsed error; with `nearby`, one without a place takes the one
    its lines or the lines above it name in any shape (`parsers.nearby`)."""
    lines = scan.lines
    if draft.file is None:
        lone = scan.first_repo_frame(draft.start + 1, draft.end + 1, LONE_LOCATION_RE, in_cwd=True)
        if lone is None and nearby:
            lone = place_nearby(scan, draft.start, draft.end)
        if lone is not None:
            draft.file, draft.line, draft.column = lone.file, lone.line, lone.column
    own_lines = draft.text_lines or lines[draft.start : draft.end + 1]
    text = compact_text(own_lines)
    before = lines[max(0, draft.start - CONTEXT_LINES) : draft.start]
    after = lines[draft.end + 1 : draft.end + 1 + CONTEXT_LINES]
    context = tuple(line.strip()[:MAX_LINE_CHARS] for line in (*before, *after) if line.strip())
    message = (draft.message.strip() or text.split("\n", 1)[0].strip())[:MAX_MESSAGE_CHARS]
    error_type = draft.error_type or detect_error_type(text)
    ecosystem = (
        draft.ecosystem
        or ecosystem_from_path(draft.file)
        or ecosystem_from_text("\n".join((text, *context)))
    )
    # A line number means nothing without the file it is in.
    line, column = (draft.line, draft.column) if draft.file else (None, None)
    return ErrorRecord(
        message=message,
        error_type=error_type,
        file=draft.file,
        line=line,
        column=column,
        ecosystem=str(ecosystem) if ecosystem else None,
        context=context,
        fingerprint=fingerprint(message, error_type),
        text=text,
        log_line=draft.start + 1,
    )


def _deduplicate(records: list[ErrorRecord]) -> list[ErrorRecord]:
    """One record per (error, place); a summary line repeating an error already located
    in the same file (pytest's `FAILED path::test - msg`) is dropped."""
    located = {(r.file, r.message) for r in records if r.file and r.line is not None}
    seen: set[tuple[str, str | None, int | None]] = set()
    unique: list[ErrorRecord] = []
    for record in records:
        key = (record.fingerprint, record.file, record.line)
        if key in seen or (record.line is None and (record.file, record.message) in located):
            continue
        seen.add(key)
        unique.append(record)
    if len(unique) > MAX_ERRORS:
        unique = unique[: MAX_ERRORS - LAST_ERRORS_KEPT] + unique[-LAST_ERRORS_KEPT:]
    return unique


def errors_from_annotations(annotations: Sequence[Mapping]) -> list[ErrorRecord]:
    """Error records for a check run's annotations (failures; warnings only if no failure)."""
    usable = [a for a in annotations if isinstance(a, Mapping)]
    levels = {str(a.get("annotation_level") or "failure").lower() for a in usable}
    wanted = next((level for level in ANNOTATION_LEVELS if level in levels), None)
    records: list[ErrorRecord] = []
    for annotation in usable:
        if str(annotation.get("annotation_level") or "failure").lower() == wanted:
            records.extend(_annotation_records(annotation))
    return _deduplicate(records)


def _annotation_records(annotation: Mapping) -> list[ErrorRecord]:
    title = _text_field(annotation, "title")
    message = _text_field(annotation, "message")
    details = _text_field(annotation, "raw_details")
    path = normalise_path(_text_field(annotation, "path"))
    body = "\n".join(part for part in (title, message, details) if part)
    if not body.strip():
        return []
    if path in PLACEHOLDER_ANNOTATION_PATHS:
        # Actions puts `::error::` lines and step failures on `.github`: the message itself
        # may carry the real location (`src/a.ts(3,1): error TS2582: ...`).
        parsed = extract_errors(body)
        if parsed:
            return [replace(record, log_line=None) for record in parsed]
        path = ""
    first_line = next((line.strip() for line in (message or title).split("\n") if line.strip()), "")
    error_type = detect_error_type(body)
    ecosystem = ecosystem_from_path(path) or ecosystem_from_text(body)
    return [
        ErrorRecord(
            message=first_line[:MAX_MESSAGE_CHARS],
            error_type=error_type,
            file=path or None,
            line=to_int(str(annotation.get("start_line") or "")),
            column=to_int(str(annotation.get("start_column") or "")),
            ecosystem=str(ecosystem) if ecosystem else None,
            context=(title,) if title else (),
            fingerprint=fingerprint(first_line, error_type),
            text=compact_text(body.split("\n")),
            log_line=None,
        )
    ]


def _text_field(mapping: Mapping, key: str) -> str:
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def errors_from_check_output(
    title: str | None, summary: str | None, text: str | None
) -> list[ErrorRecord]:
    """Error records for a check run's output; one record for the whole output when no
    error has a recognisable shape but the output says something."""
    body = "\n".join(part for part in (summary, text) if part)
    body = MARKDOWN_FENCE_RE.sub("", HTML_TAG_RE.sub("", body))
    records = extract_errors(body) if body.strip() else []
    if records:
        return records
    everything = "\n".join(part for part in (title, body) if part and part.strip())
    if not everything.strip():
        return []
    lines = clean_log(everything).split("\n")
    first_line = next((line.strip() for line in lines if line.strip()), "")
    text = compact_text(lines)
    error_type = detect_error_type(text)
    ecosystem = ecosystem_from_text(text)
    return [
        ErrorRecord(
            message=first_line[:MAX_MESSAGE_CHARS],
            error_type=error_type,
            file=None,
            line=None,
            column=None,
            ecosystem=str(ecosystem) if ecosystem else None,
            context=(),
            fingerprint=fingerprint(first_line, error_type),
            text=text,
            log_line=None,
        )
    ]
