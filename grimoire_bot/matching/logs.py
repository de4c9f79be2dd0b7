"""Cleaning CI logs, and reading huge ones in bounded memory.

`clean_log` removes what the runner and terminals add around a tool's output: the
timestamp GitHub Actions puts before every line (and the timestamp prefixes of a few other
CI systems), `##[group]`/`##[endgroup]` folding markers (`##[error]` and `##[warning]`
become `Error:` / `Warning:` as the web viewer shows them), ANSI colour codes, carriage
return progress bars (only their final state stays), CRLF line endings and stray control
characters. Wrappers that prefix every line of the tool they run lose their prefix too:
BuildKit's step numbers and seconds (`#12 0.345 `, and the bare seconds inside its error
box), docker compose's service names (`web_1  | `, `api-1  | `), Maven's `[INFO] `,
MSBuild's node numbers (`1>`) and Ant's task names (`    [javac] `). Output pasted
into an issue loses its Markdown first, since it is the outermost layer: a line wrapped in
inline-code backticks or a paste wrapped in one pair of them, a code block's indentation,
and a quoted block (`> ` on two or more lines in a row). A text over a megabyte is a job's
log, not a paste, and skips that step (each of its checks is a pass over the text).
A log copied from the Actions web viewer has numbers turned into links to log lines
(`:[12](https://github.com/.../job/1#step:6:13)6:`); the links become text again.

`BoundedLog` reads a log of any size (job logs reach 100 MB and more) chunk by chunk and
never holds more than about `max_bytes` characters of cleaned text plus one block of raw
input. The cap (`DEFAULT_LOG_CAP`, 16 MiB) is split in two halves:

* the tail: the last ~`max_bytes / 2` of the log, always kept, because a failing step's
  cause is usually printed just before it ends;
* the error-dense regions: the rest of the log is cut into blocks of about 64 KiB at line
  boundaries; each block is scored by how many error-ish lines it holds, and the
  highest-scoring blocks fit into the other half (ties favour earlier blocks, where root
  causes tend to be). Blocks with no error-ish line are dropped first.

What was dropped is replaced by one line `[... N lines omitted ...]`, so line numbers in
`text()` count lines of the kept text. A single line longer than 64 KiB is cut (a progress
bar drawn with carriage returns keeps only its last state). `truncated` tells whether
anything was dropped. Logs under the cap come back whole. Caps under 4 KiB count as 4 KiB.
"""

from __future__ import annotations

import heapq
import itertools
import re
import textwrap
from collections import deque
from dataclasses import dataclass

from .forms import encodable
from .prefilter import errorish_count

DEFAULT_LOG_CAP = 16 * 1024 * 1024
BLOCK_BYTES = 64 * 1024
MAX_LINE_BYTES = 64 * 1024
MIN_LOG_CAP = 4 * 1024
OMISSION_MARKER = "[... {count} lines omitted ...]"

# Line-anchored patterns start with a literal "\n" (the text gets one prepended) rather
# than ^ with MULTILINE: Python's re then jumps from newline to newline instead of trying
# every position, which is ten times faster on a 10 MB log.
ANSI_ESCAPE_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b[\]_][^\x07\x1b\n]*(?:\x07|\x1b\\)?"  # OSC: hyperlinks, titles; APC: Buildkite's times
    r"|\x1b[@-Z\\-_]"  # two-byte escapes
)
# Colour codes whose ESC was lost; not a duration in brackets (`[73ms]`).
BARE_SGR_RE = re.compile(r"\[(?:\d{1,3};)*\d{1,3}m(?!\]|s\])")
# The same, with the escape shown in caret notation by `cat -v`, `less` or a web viewer: `^[[31m`.
CARET_ESCAPE_RE = re.compile(r"\^\[\[[0-?]*[ -/]*[@-~]")
TIMESTAMP_RE = re.compile(
    r"\n\ufeff?(?:"
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? ?"  # Actions
    r"(?:std(?:out|err) [FP] |[0-9a-f]{2}[OE]\+? |(?<=Z)\t)?"  # a container's stream, GitLab's
    r"|\[\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d| UTC)?\] ?"  # Jenkins
    r"|\d{1,2}:\d\d:\d\d(?:[.,]\d+)?(?: ?[AP]M)?: "  # Netlify
    r"|\[\d\d:\d\d:\d\d(?:[.,]\d+)?\](?:[A-Za-z ]?:[ \t]+\[Step \d+/\d+\] ?"  # TeamCity
    r"|: (?:\u25b8 )?| )"  # fastlane (and xcpretty's mark); gulp, make
    r"|(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\.\d{3} \| ?"  # Vercel, Loki and Grafana exports
    r"|\d\d:\d\d:\d\d\.\d{3}(?: {0,2}\t| )"  # Vercel's and Cloudflare Pages' build logs
    r"|_bk;t=\d{13}\x07?"  # Buildkite's time in milliseconds, its escape lost
    r"|\[ *\d+(?:\.\d+)?s\] "  # OBS
    r"|[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{3,6}\] "  # Prow's build-log.txt (glog's level and time)
    r")"
)
# xUnit's console runner labels its own lines (`[xUnit.net 00:00:06.91]`), inside whatever
# a CI system puts in front of them.
XUNIT_LABEL_RE = re.compile(r"\n([ \t]*)\[xUnit\.net \d\d:\d\d:\d\d(?:\.\d+)?\] ?")
# Jenkins' timestamper: `10:15:32  ` (two spaces), or one where a paste lost one. Each log
# keeps one width, told from its least indented lines, so a line's own indentation stays
# (a blank line may keep fewer spaces than the width).
CLOCK_RE = re.compile(r"\n\d\d:\d\d:\d\d( +)(?=\S)")
CLOCK_PREFIX_RES = {width: re.compile(rf"\n\d\d:\d\d:\d\d {{1,{width}}}") for width in (1, 2)}
CLOCK_LINES_SAMPLED = 20
# Any date and time before a line, for `_without_dominant_clock`, and its separator.
CLOCKISH = (
    r"\[?(?:\d{4}[-/]\d\d[-/]\d\d[T ]|[A-Z][a-z]{2} {1,2}\d{1,2} )?"  # a date, ISO or syslog's
    r"\d{1,2}:\d\d:\d\d(?:[.,]\d{1,9})?"
    r"(?:Z|[+-]\d\d:?\d\d| ?UTC(?:[+-]\d\d:\d\d)?| ?[AP]M)?\]?:?"
)
CLOCKISH_LINE_RE = re.compile(rf"{CLOCKISH}([ \t]+)(?=\S)")
# A prefix is the log's own when it starts this share of the first lines of its head.
DOMINANT_HEAD_CHARS = 64 * 1024
DOMINANT_LINES = 40
DOMINANT_SHARE = 0.7
HASH_PREFIX_RE = re.compile(r"\n# |\n#(?=\n)")
REMOTE_RE = re.compile(r"\nremote:( *)(\S+)")
BUILDPACK_HEADER = "\nremote: -----> "
# A short log is wrapped when every line carries the prefix; a single line only when it
# has the buildpack's indentation (`remote: Write access to repository not granted.` is
# git's own message).
MIN_WRAPPED_LINES = 2
# (Each literal checked costs a pass over the log: only the tasks that run compilers.)
ANT_TASKS = ("javac", "java", "javadoc", "exec")
ANT_TASK_RE = re.compile(rf"\n *\[(?:{'|'.join(ANT_TASKS)})\](?: |(?=\n))")
# A wrapper's prefix on each line of the tool it runs, and a literal that must be in a log
# for the (costlier) pattern to be worth running: BuildKit's step and seconds, docker
# compose's service, Maven's level around another tool.
WRAPPER_PREFIXES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("\n#", re.compile(r"\n#\d{1,4} \d{1,6}\.\d{1,3}(?: |(?=\n))")),
    (" | ", re.compile(r"\n[A-Za-z0-9][\w.-]{0,60}?[-_]\d{1,4}(?:_[0-9a-f]{6,64})? {1,40}\| ?")),
    ("\n[INFO]", re.compile(r"\n\[INFO\](?: |(?=\n))")),
    # Nix quotes the last lines of a failed build's log behind `       > `.
    (" log lines:", re.compile(r"\n {4,8}>(?: |(?=\n))")),
    # MSBuild with several nodes (`msbuild -m`, Visual Studio) numbers each project's lines.
    (">", re.compile(r"\n\d{1,3}>(?![>&=\d])")),
    # CTest run verbosely (`ctest -V`) numbers each line of a test's output by the test
    # (`3: [ RUN      ] Foo.Bar`), below the command it names.
    (": Test command: ", re.compile(r"\n\d{1,4}:(?: |(?=\n))")),
    # Ant names the task before each line of a tool it runs, right-aligned (`    [javac] `).
    ("[java", ANT_TASK_RE),
    ("[exec]", ANT_TASK_RE),
    # Google Cloud Build names the step before each line of its output, and a log viewer's
    # line numbers come along when its text is copied (`42.\t`). Rare enough that one pass
    # from line start to line start costs less than looking for a literal first.
    ("", re.compile(r'\n(?:Step #\d{1,3}(?: - "[^"\n]{0,80}")?: |\d{1,6}\.\t)')),
)
# `gh run view --log` names the job and the step before Actions' timestamp: a paste's.
GH_RUN_VIEW_RE = re.compile(r"\n[^\t\n]{1,100}\t[^\t\n]{1,100}\t\d{4}-\d\d-\d\dT[\d:.]{8,20}Z ?")
# A wrapper's name before every line of the tool it runs that the list above does not
# know: rpmbuild's `BUILDSTDERR: `, turborepo's `web:build: `, lerna's `@scope/pkg: `. A
# prefix counts when it starts two lines in a row and at least `MIN_PREFIXED_LINES` in all,
# and is shaped like a wrapper's name, not like what tools print first themselves: all
# capitals (`BUILDSTDERR`), or with a task, scope, folder or hyphen in it (`web:build`,
# `@scope/pkg`, `packages/app`, `web-app`), never a level (`ERROR: `, `e: `), an exception
# (`ModuleNotFoundError: `), a command (`cp: `, `make: `) or a file (`main.go: `).
REPEATED_PREFIX_RE = re.compile(
    r"\n([A-Za-z@][\w@/.+-]{0,80}+(?::[\w.+-]{1,40}+){0,3}: "
    r"|[A-Za-z0-9+@][\w.:/@+-]{0,60}+ +\| "
    r"|\[[^\]\n]{1,60}+\]:? )[^\n]*\n\1"
)
MIN_PREFIXED_LINES = 3
MAX_PREFIX_LAYERS = 3
MAX_PREFIXES_STRIPPED = 8
WRAPPER_NAME_RE = re.compile(
    r"^(?:[A-Z][A-Z0-9_]{3,}|[^:]+(?::[^:]+){1,3}|@.+|.+/.+|[a-z0-9]+(?:-[a-z0-9]+)+)$"
)
NOT_A_WRAPPER_RE = re.compile(
    r"(?i:error|exception|warn|fail|fatal|panic|abort|debug|info|notice|trace|hint|detail"
    r"|statement|success|pass|skip)|\.[A-Za-z][\w+-]{0,11}$|(?:^|/)[A-Z]\w*file$"
)
# A runner's bracketed label names no file and line (cppcheck's `[src/a.c:12]: ` does).
LOCATION_IN_LABEL_RE = re.compile(r"\.[A-Za-z][\w+-]{0,11}(?:[:(]|$)|:\d")
# A Markdown quote: two or more lines that start with `>` (and a space, or nothing), with
# nothing but blank lines between them.
QUOTED_RUN_RE = re.compile(r"(?:\n>(?: [^\n]*)?(?=\n)(?:\n[ \t]*(?=\n))*){2,}")
QUOTE_MARK_RE = re.compile(r"\n> ?")
# A Markdown code block: lines indented by four spaces or a tab (blank lines may sit between
# them), the whole paste or after a blank line below an unindented line, as Markdown has it
# (a paste that only starts indented may start inside a tool's own indented lines). Its
# common indentation is the paste's, not the tool's (an indented block below the tool's own
# indented line, as in Jest's and RSpec's reports, or below esbuild's `✘ [ERROR]` or Jest's
# `●` keeps its indentation).
_BLOCK = r"((?: {4}|\t)[^\n]*(?:\n(?:(?: {4}|\t)[^\n]*|[ \t]*(?=\n)))*)"
INDENTED_BLOCK_RE = re.compile(r"(\n[^ \t\n\u2718\u25b2\u25cf][^\n]*\n(?:[ \t]*\n)+)" + _BLOCK)
LEADING_BLOCK_RE = re.compile(r"((?:[ \t]*\n)*)" + _BLOCK + r"\s*")
# A console a bot pasted into a comment as HTML: its lines joined with `<br/>`.
HTML_BREAK_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
MIN_BREAKS = 3
# A line wrapped in Markdown's inline-code backticks, and the first and last lines of
# output wrapped in one pair of them across lines (the line's only backtick).
INLINE_CODE_LINE_RE = re.compile(r"\n`([^`\n]+)`(?=\n)")
OPENING_TICK_RE = re.compile(r"\n`(?=[^`\n]*\n)")
# BuildKit's error box repeats the failing step's last lines behind their seconds (with
# two decimals since BuildKit 0.11); a paste may keep only the box's end and the verdict.
BUILDKIT_BOX_MARKER = "\n > ["
PASTED_BUILDKIT_BOX_MARKERS = (BUILDKIT_BOX_MARKER, "\n> [", "failed to solve")
PASTE_MAX_CHARS = 1024 * 1024
BUILDKIT_BOX_PREFIX_RE = re.compile(r"\n\d{1,6}\.\d{2,3}(?: |(?=\n))")
# The Actions web viewer links numbers that look like log line numbers when copied.
LOG_LINE_LINK_RE = re.compile(r"\[(\d+)\]\(https://[^)\s]*#step:\d+:\d+\)")
ENDGROUP_RE = re.compile(r"\n(?:##\[endgroup\]|::endgroup::)[^\n]*")
MARKER_RE = re.compile(r"\n(?:##\[(\w+)\]|::(group)::)")
MARKER_REPLACEMENTS = {"error": "Error: ", "warning": "Warning: ", "notice": "Notice: "}
LONG_LINE_RE = re.compile(rf"([^\n]{{{MAX_LINE_BYTES}}})[^\n]+")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_log(raw: str | bytes) -> str:
    """The log as a person reads it in the Actions web viewer (see the module docstring)."""
    if isinstance(raw, (bytes, bytearray)):
        text = raw.decode("utf-8", errors="replace")
    else:
        text = encodable(raw)
    if "\r" in text:
        text = _resolve_carriage_returns(text)
    if "\x1b" in text:
        text = ANSI_ESCAPE_RE.sub("", text)
    if "^[[" in text:
        text = CARET_ESCAPE_RE.sub("", text)
    text = BARE_SGR_RE.sub("", text)
    # Markdown, and a BuildKit box that lost its top, come with text people paste into an
    # issue; a job's log of megabytes is not that, and each check is a pass over it.
    pasted = len(text) <= PASTE_MAX_CHARS
    text = _without_markdown("\n" + text) if pasted else "\n" + text
    if text.count("<br") >= MIN_BREAKS:  # a bot pasted the console as HTML
        # Before the line prefixes go: each break starts a line with its own timestamp.
        text = HTML_BREAK_RE.sub("\n", text)
    text = _without_line_prefixes(text, pasted)
    if "[xUnit.net " in text:
        text = XUNIT_LABEL_RE.sub(r"\n\1", text)
    markers = PASTED_BUILDKIT_BOX_MARKERS if pasted else (BUILDKIT_BOX_MARKER,)
    if any(marker in text for marker in markers):
        text = BUILDKIT_BOX_PREFIX_RE.sub("\n", text)
    if "#step:" in text:
        text = LOG_LINE_LINK_RE.sub(r"\1", text)
    if "##[" in text or "::" in text:
        text = ENDGROUP_RE.sub("", text)
        text = MARKER_RE.sub(_replace_marker, text)
    return CONTROL_RE.sub("", text).removeprefix("\n")


def _without_line_prefixes(text: str, pasted: bool) -> str:
    """Without the prefixes CI systems and wrappers put before every line, layer by layer
    from the outside in. Each pass goes from the CI system's timestamps to a runner's
    labels; a label may hide another layer (turborepo's task around docker compose's
    service), so another pass follows only one that stripped a label (a pass over a 10 MB
    log cost 75 ms). What only a paste has (`gh run view`'s columns, `git push`'s
    `remote:`, opam's `# `) is looked for in pastes only: each look is a pass."""
    for _ in range(MAX_PREFIX_LAYERS):
        text = TIMESTAMP_RE.sub("\n", text)
        text = _without_clock(text)
        text = _without_dominant_clock(text)
        if pasted:
            text = _without_pasted_prefixes(text)
        for literal, prefix in WRAPPER_PREFIXES:
            if literal in text:
                text = prefix.sub("\n", text)
        before = len(text)
        text = _strip_repeated_prefixes(text)
        if len(text) == before:
            break
    return text


def _without_pasted_prefixes(text: str) -> str:
    if "\t20" in text:
        text = GH_RUN_VIEW_RE.sub("\n", text)
    if "\n# " in text:
        text = _without_dominant_hash(text)
    if "\nremote:" in text:
        text = _without_remote(text)
    return text


def _without_clock(text: str) -> str:
    sampled = itertools.islice(CLOCK_RE.finditer(text), CLOCK_LINES_SAMPLED)
    widths = [len(match.group(1)) for match in sampled]
    if not widths:
        return text
    return CLOCK_PREFIX_RES[min(2, *widths)].sub("\n", text)


def _without_dominant_clock(text: str) -> str:
    """Without a date and time of a shape no pattern above knows (Docker Desktop's
    `2025-03-11 09:51:31 `, a build service's `22:13:21.793  \t`), when it starts most
    lines of the log's head: then it is the log's own clock, not a tool's output. The
    separator's width is read from those lines, so a line's own indentation stays."""
    lines = _head_lines(text)
    stamped = [match for match in map(CLOCKISH_LINE_RE.match, lines) if match]
    if not _dominant(len(stamped), len(lines)):
        return text
    width = min(len(match.group(1)) for match in stamped)
    return re.sub(rf"\n{CLOCKISH}(?:[ \t]{{{width}}}|[ \t]*(?=\n))", "\n", text)


def _without_dominant_hash(text: str) -> str:
    """Without the `# ` opam and other package builders put before every line of a failed
    build's output, when it starts most lines of the log's head (Go's `# package` headers
    and a script's comments are a few lines among many)."""
    lines = _head_lines(text)
    marked = sum(1 for line in lines if line.startswith("# ") or line == "#")
    if not _dominant(marked, len(lines)):
        return text
    return HASH_PREFIX_RE.sub("\n", text)


def _head_lines(text: str) -> list[str]:
    """The first lines with text of the log's head, where a prefix of the log's own shows."""
    lines = (line for line in text[:DOMINANT_HEAD_CHARS].split("\n")[1:] if line.strip())
    return list(itertools.islice(lines, DOMINANT_LINES))


def _dominant(marked: int, sampled: int) -> bool:
    return marked >= MIN_PREFIXED_LINES and marked >= DOMINANT_SHARE * sampled


def _without_remote(text: str) -> str:
    """Without `remote:`, a git server's lines through `git push` (Heroku's builds), and the
    indentation all its lines but a buildpack's `-----> ` headers share: when a buildpack
    speaks (its `-----> ` headers), or `remote:` starts most lines of the log's head, or
    all of a short one's (a single line: with the buildpack's indentation). A git server's
    own lines among git's (`remote: Permission to o/r.git denied to github-actions[bot].`
    above `fatal: unable to access`) keep it: spells for them are written with it."""
    lines = _head_lines(text)
    marked = [line for line in lines if line.startswith("remote:")]
    every = len(marked) == len(lines) and (
        len(lines) >= MIN_WRAPPED_LINES or all(line.startswith("remote:  ") for line in marked)
    )
    if BUILDPACK_HEADER not in text and not (_dominant(len(marked), len(lines)) or every):
        return text
    sampled = itertools.islice(REMOTE_RE.finditer(text), CLOCK_LINES_SAMPLED)
    widths = [len(match.group(1)) for match in sampled if match.group(2) != "----->"]
    width = min(widths, default=1)
    return re.sub(rf"\nremote:(?: {{{width}}}| -----> | ?)", "\n", text)


def _without_markdown(text: str) -> str:
    """Output pasted into an issue or a mail, without the Markdown around it: the outermost
    layer, so it goes before the prefixes of the CI system and wrappers inside it."""
    if "`" in text:
        text = INLINE_CODE_LINE_RE.sub(r"\n\1", text + "\n")[:-1]
        text = _without_lone_ticks(text)
    if "\n    " in text or "\n\t" in text:
        whole = LEADING_BLOCK_RE.match(text[1:])
        if whole is not None and whole.end() == len(text) - 1:
            text = "\n" + _dedent(whole)
        text = INDENTED_BLOCK_RE.sub(_dedent, "\n" + text)[1:]
    if "\n>" in text:
        text = QUOTED_RUN_RE.sub(_unquote, text + "\n")[:-1]
    return text


def _without_lone_ticks(text: str) -> str:
    """Without the backtick that opens a line and the one that closes a line, each the
    line's only one. Closing ones are looked for from each backtick that ends a line, not
    line by line: a pattern reading every line cost a 10 MB log 80 ms."""
    text = OPENING_TICK_RE.sub("\n", text + "\n")[:-1]
    pieces, start = [], 0
    at = text.find("`\n")
    while at >= 0:
        if text.rfind("`", text.rfind("\n", 0, at) + 1, at) < 0:
            pieces.append(text[start:at])
            start = at + 1
        at = text.find("`\n", at + 1)
    if text.endswith("`") and text.rfind("`", text.rfind("\n") + 1, len(text) - 1) < 0:
        return "".join(pieces) + text[start:-1]
    return "".join(pieces) + text[start:]


def _dedent(match: re.Match[str]) -> str:
    return match.group(1) + textwrap.dedent(match.group(2))


def _strip_repeated_prefixes(text: str) -> str:
    """`text` without the wrapper prefixes `REPEATED_PREFIX_RE` finds (see there)."""
    stripped: set[str] = set()
    for match in REPEATED_PREFIX_RE.finditer(text):
        prefix = match.group(1)
        if prefix in stripped or not _is_wrapper_prefix(prefix):
            continue
        count = text.count("\n" + prefix)
        if count >= MIN_PREFIXED_LINES or count == text.count("\n"):  # or every line
            stripped.add(prefix)
            if len(stripped) >= MAX_PREFIXES_STRIPPED:
                break
    for prefix in stripped:
        text = text.replace("\n" + prefix, "\n")
    return text


def _is_wrapper_prefix(prefix: str) -> bool:
    if prefix.endswith("| "):
        return True  # docker compose names a service however it likes: `ankerctl  | `
    if prefix.startswith("["):
        return _is_wrapper_label(prefix.rstrip(": ")[1:-1])
    name = prefix[:-2]
    if any(part.isdigit() for part in name.split(":")):
        return False
    return bool(WRAPPER_NAME_RE.match(name)) and not NOT_A_WRAPPER_RE.search(name)


def _is_wrapper_label(label: str) -> bool:
    """A runner's label in brackets (concurrently's `[0]` or `[tsc]`, yarn's `[@scope/pkg]`),
    not a level (`[ERROR]`), a file and line (cppcheck's `[src/a.c:12]`) or a rule."""
    if label.isdigit():
        return True
    if label != label.strip() or not any(char.isalpha() for char in label):
        return False
    return not NOT_A_WRAPPER_RE.search(label) and not LOCATION_IN_LABEL_RE.search(label)


def _unquote(match: re.Match[str]) -> str:
    return QUOTE_MARK_RE.sub("\n", match.group(0))


def _resolve_carriage_returns(text: str) -> str:
    """CRLF becomes LF; a line redrawn with CR (a progress bar) keeps its last state."""
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(_last_state(line) if "\r" in line else line for line in lines)


def _last_state(line: str) -> str:
    states = [state for state in line.split("\r") if state.strip()]
    return states[-1] if states else ""


def _replace_marker(match: re.Match[str]) -> str:
    name = (match.group(1) or match.group(2)).lower()
    return "\n" + MARKER_REPLACEMENTS.get(name, "")


@dataclass(slots=True)
class _Block:
    index: int
    first_line: int  # 0-based line number in the raw stream
    line_count: int
    text: str  # cleaned, without the final newline
    hits: int


class BoundedLog:
    """A streaming log reader that keeps the tail and the error-dense regions (see module)."""

    def __init__(self, max_bytes: int = DEFAULT_LOG_CAP) -> None:
        # A cap too small to hold a block and a tail would keep nothing useful.
        self.max_bytes = max(max_bytes, MIN_LOG_CAP)
        self.truncated = False
        self.bytes_seen = 0
        self._block_bytes = min(BLOCK_BYTES, self.max_bytes // 16)
        self._tail_budget = self.max_bytes // 2
        self._kept_budget = self.max_bytes - self._tail_budget
        self._pending = bytearray()
        self._skipping_long_line = False
        self._tail: deque[_Block] = deque()
        self._tail_size = 0
        self._kept: list[tuple[int, int, _Block]] = []
        self._kept_size = 0
        self._next_index = 0
        self._next_line = 0

    def feed(self, chunk: bytes) -> None:
        """Take the next piece of the log (any size, split anywhere)."""
        if not chunk:
            return
        self.bytes_seen += len(chunk)
        if self._skipping_long_line:
            newline = chunk.find(b"\n")
            if newline < 0:
                return
            chunk = chunk[newline:]
            self._skipping_long_line = False
        self._pending += chunk
        self._seal_full_blocks()
        self._bound_current_line()

    def text(self) -> str:
        """The cleaned text kept so far, in log order, with omission markers."""
        blocks = sorted(
            [entry[2] for entry in self._kept] + list(self._tail), key=lambda block: block.index
        )
        if self._pending:
            blocks.append(self._make_block(bytes(self._pending), count_lines=True))
        pieces: list[str] = []
        expected_line = 0
        for block in blocks:
            if block.first_line > expected_line:
                pieces.append(OMISSION_MARKER.format(count=block.first_line - expected_line))
            pieces.append(block.text)
            expected_line = block.first_line + block.line_count
        return "\n".join(pieces)

    def _seal_full_blocks(self) -> None:
        while len(self._pending) >= self._block_bytes:
            end = self._pending.find(b"\n", self._block_bytes - 1)
            if end < 0:
                return
            block = self._make_block(bytes(self._pending[: end + 1]), count_lines=False)
            del self._pending[: end + 1]
            self._next_index += 1
            self._next_line += block.line_count
            self._push_tail(block)

    def _make_block(self, data: bytes, *, count_lines: bool) -> _Block:
        line_count = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        text = clean_log(data)
        if len(text) > MAX_LINE_BYTES:
            text, cut = LONG_LINE_RE.subn(r"\1", text)
            self.truncated = self.truncated or cut > 0
        if text.endswith("\n"):
            text = text[:-1]
        return _Block(
            index=self._next_index,
            first_line=self._next_line,
            line_count=line_count,
            text=text,
            hits=errorish_count(text),
        )

    def _bound_current_line(self) -> None:
        """Cut the unfinished last line if it outgrew MAX_LINE_BYTES."""
        start = self._pending.rfind(b"\n") + 1
        if len(self._pending) - start <= MAX_LINE_BYTES:
            return
        carriage = self._pending.rfind(b"\r", start)
        if carriage >= 0 and len(self._pending) - carriage - 1 <= MAX_LINE_BYTES:
            del self._pending[start : carriage + 1]  # a progress bar: its last state is enough
            return
        del self._pending[start + MAX_LINE_BYTES :]
        self._skipping_long_line = True
        self.truncated = True

    def _push_tail(self, block: _Block) -> None:
        self._tail.append(block)
        self._tail_size += len(block.text)
        while self._tail_size > self._tail_budget and len(self._tail) > 1:
            old = self._tail.popleft()
            self._tail_size -= len(old.text)
            self._keep_if_dense(old)

    def _keep_if_dense(self, block: _Block) -> None:
        if block.hits == 0:
            self.truncated = True
            return
        heapq.heappush(self._kept, (block.hits, -block.index, block))
        self._kept_size += len(block.text)
        while self._kept_size > self._kept_budget:
            _, _, dropped = heapq.heappop(self._kept)
            self._kept_size -= len(dropped.text)
            self.truncated = True
