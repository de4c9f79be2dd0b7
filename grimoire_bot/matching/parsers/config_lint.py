"""Linters of configuration and documentation files: yamllint, markdownlint (the Node CLIs),
ansible-lint and helm lint. Each prints its own shape of `path:line`, none of them the
compilers' `path:line:col: error: message`."""

from __future__ import annotations

import posixpath
import re

from ..blocks import LINE_PATH, PATH, Draft, block_end, detect_error_type, to_int
from ..ecosystems import Ecosystem
from .scan import Scan

# The `Error: ` / `Warning: ` an annotation shows before a line when Actions renders it.
ANNOTATION_LEVEL = r"(?:(?:Error|Warning|error|warning):? +)?"
YAML_PATH = r"(?:[A-Za-z]:)?[\w.\-@~+$%/\\]*\.ya?ml"


# --- yamllint's parsable format: `path:1:1: [warning] message (rule)` -----------------------

YAMLLINT_PARSABLE_RE = re.compile(
    rf"^\s*{ANNOTATION_LEVEL}(?P<path>{LINE_PATH}):(?P<line>\d+):(?P<col>\d+): "
    r"\[(?P<level>error|warning)\] (?P<message>.+?)(?: \((?P<rule>[\w-]+)\))?\s*$"
)


def parse_yamllint(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    if "] " not in line:
        return None
    match = YAMLLINT_PARSABLE_RE.match(line)
    return None if match is None else _one_line_finding(scan, index, match)


def _one_line_finding(scan: Scan, index: int, match: re.Match[str]) -> Draft:
    """A linter's finding read from one line: path, line, column, level, rule, message."""
    return Draft(
        start=index,
        end=index,
        message=match.group("message").strip(),
        error_type=match.group("rule"),
        file=scan.repo_path_at(match.group("path"), index),
        line=to_int(match.group("line")),
        column=to_int(match.group("col")),
        warning=match.group("level") == "warning",
    )


# --- markdownlint-cli and -cli2: `README.md:3:81 MD013/line-length Line length [...]` -------

# The older CLI spaces its numbers (`README.md: 3: MD013/line-length ...`); cli2 0.14 and
# later print a level before the rule. Ruby's mdl (`README.md:3: MD013 Line length`) is a
# compiler-shaped diagnostic and read as one.
MARKDOWNLINT_RE = re.compile(
    rf"^\s*{ANNOTATION_LEVEL}(?P<path>{LINE_PATH}): ?(?P<line>\d+)(?:: ?(?P<col>\d+))?:?"
    r"(?: (?P<level>error|warning))? (?P<rule>MD\d{3})(?:/[\w-]+)+ (?P<message>.+)$"
)
INLINE_CODE_RE = re.compile(r"`([^`\n]{8,})`")


def parse_markdownlint(scan: Scan, index: int) -> Draft | None:
    line = scan.lines[index]
    if " MD" not in line:
        return None
    match = MARKDOWNLINT_RE.match(line)
    if match is None and "`" in line:
        # One quoted in a sentence: `README.md:3:151 MD013/line-length Line length`.
        quoted = (MARKDOWNLINT_RE.match(span) for span in INLINE_CODE_RE.findall(line))
        match = next((found for found in quoted if found), None)
    return None if match is None else _one_line_finding(scan, index, match)


# --- ansible-lint --------------------------------------------------------------------------

# The default format puts the rule and message on one line and the place alone below it:
# `yaml[truthy]: Truthy value ...` (6 and later), `yaml: ... (truthy)` (5), `[206] ...` (4);
# the place may be followed by the task's name (`roles/x/tasks/main.yml:3 Task/Handler: x`).
ANSIBLE_PLACE_RE = re.compile(rf"^(?P<path>{YAML_PATH}):(?P<line>\d+)(?:\s.*)?$")
ANSIBLE_RULE = r"(?P<rule>\[E?\d{3}\]|[a-z][\w-]*(?:\[[\w-]+\])?:) (?P<message>\S.*)$"
ANSIBLE_RULE_RE = re.compile(rf"^{ANSIBLE_RULE}")
SEVERITY_WORDS = frozenset({"error", "warning", "note", "info", "hint", "notice", "fatal"})
# `--parseable`: `path:2: yaml[truthy]: message`, `path:7: [E206] message`.
ANSIBLE_PARSEABLE_RE = re.compile(
    rf"^(?P<path>{YAML_PATH}):(?P<line>\d+)(?::(?P<col>\d+))?: {ANSIBLE_RULE}"
)


def parse_ansible_lint(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    parseable = ANSIBLE_PARSEABLE_RE.match(lines[index])
    if parseable is not None:
        if parseable.group("rule").rstrip(":") in SEVERITY_WORDS:
            return None  # a compiler-shaped diagnostic, read as one
        return _ansible_draft(scan, index, index, parseable, parseable)
    place = ANSIBLE_PLACE_RE.match(lines[index])
    if place is None or index == 0:
        return None
    rule = ANSIBLE_RULE_RE.match(lines[index - 1])
    if rule is None:
        return None
    return _ansible_draft(scan, index - 1, index, rule, place)


def _ansible_draft(
    scan: Scan, start: int, index: int, rule: re.Match[str], place: re.Match[str]
) -> Draft:
    return Draft(
        start=start,
        end=index,
        message=rule.group("message").strip(),
        error_type=rule.group("rule").strip("[]:"),
        file=scan.repo_path_at(place.group("path"), index),
        line=to_int(place.group("line")),
        column=to_int(place.groupdict().get("col")),
    )


# --- helm lint (and helm's template errors) ------------------------------------------------

# `[ERROR] templates/: parse error at (mychart/templates/a.yaml:301): unexpected EOF`,
# `... template: mychart/templates/_helpers.tpl:63: unexpected "=" in operand`: a template is
# named after its chart (`<chart name>/templates/...`), not after the chart's folder.
HELM_TEMPLATE_RE = re.compile(
    rf"(?:\(|template: )(?P<chart>[\w.-]+)/(?P<path>templates/{PATH}):(?P<line>\d+)"
)
# `[ERROR] templates/deployment.yaml: unable to parse YAML: ...`, `[ERROR] Chart.yaml: ...`:
# a file of the chart, relative to its folder; the line a YAML error gives is in the
# rendered output, not in the template.
HELM_LINT_RE = re.compile(
    rf"^\s*\[ERROR\] (?P<path>(?:templates/)?{PATH}|templates/): (?P<message>.+)$"
)
HELM_ERROR_RE = re.compile(r"^\s*Error: (?P<message>.*\btemplate: .+)$")
HELM_LINTING_RE = re.compile(r"^==> Linting (?P<dir>\S+)\s*$")
HELM_LOOKBACK = 200


def parse_helm(scan: Scan, index: int) -> Draft | None:
    lines = scan.lines
    line = lines[index]
    head = HELM_LINT_RE.match(line) or HELM_ERROR_RE.match(line)
    if head is None:
        return None
    chart_dir = _helm_chart_dir(scan, index)
    template = HELM_TEMPLATE_RE.search(line)
    if template is not None:
        file = _in_chart(scan, index, chart_dir, template.group("path"), template.group("chart"))
        number = to_int(template.group("line"))
    else:
        path = head.groupdict().get("path")
        if path is None or path.endswith("/"):
            return None
        file, number = _in_chart(scan, index, chart_dir, path, None), None
    message = head.group("message").strip()
    return Draft(
        start=index,
        end=block_end(lines, index),
        message=message,
        error_type=detect_error_type(message) or "helm",
        file=file,
        line=number,
        ecosystem=Ecosystem.KUBERNETES,
    )


def _helm_chart_dir(scan: Scan, index: int) -> str | None:
    """The folder `helm lint` said it was linting above line `index`, as printed."""
    for probe in range(index - 1, max(-1, index - HELM_LOOKBACK), -1):
        linting = HELM_LINTING_RE.match(scan.lines[probe])
        if linting is not None:
            return linting.group("dir").rstrip("/")
    return None


def _in_chart(
    scan: Scan, index: int, chart_dir: str | None, path: str, chart: str | None
) -> str | None:
    """A chart's file in the repository: joined to the folder linted when that folder is
    the chart (`.`, or a folder of the chart's name), else as helm names it."""
    if chart_dir is None or chart_dir.endswith((".tgz", ".tar.gz")):
        return scan.repo_path(f"{chart}/{path}" if chart else path)
    if chart is not None and chart_dir not in (".", "") and posixpath.basename(chart_dir) != chart:
        return scan.repo_path(f"{chart}/{path}")
    joined = path if chart_dir in (".", "") else f"{chart_dir}/{path}"
    return scan.repo_path_at(joined, index)
