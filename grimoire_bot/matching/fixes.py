"""The commands and options a spell's fix runs, found among an error's lines.

Many tools print their own fix under the error, in words of their own above it: git's
`fatal: unsafe repository (... is owned by someone else)` is followed by `git config
--global --add safe.directory /w`, and Bundler names the `bundle lock --add-platform
x86_64-linux` it wants. When a version rewords the message, the command it prints often
stays the same, and it is the command the spell's solution runs: evidence that the spell
is the fix, whatever words the message used.

Only a specific command counts: at least `MIN_COMMAND_WORDS` words up to its first
placeholder (`"$PWD"`, `<package>`), `sudo` left out, with an argument after the program and
its subcommand that names something (`safe.directory`, `x86_64-linux`, `--add-platform`;
not `--global` or `-y`). A generic one (`python -m pip install`, `go mod tidy`, `sudo
apt-get install -y`) is the fix of many errors, and so is a command that several spells of
the book run (`SpellIndex` counts them for none).

Tools also name the one option that fixes or diagnoses the error in a sentence of advice
(Jest's `Try running with --detectOpenHandles`, npm's `or retry this command with --force,
or --legacy-peer-deps`). An option of the solution counts when it is a compound one
(`--legacy-peer-deps`, `--detectOpenHandles`; not `--global` or `--fix`) and a verb of
advice in the imperative offers it (`try`, `retry`, `run`, `use`, ... at the start of a
sentence or after `or`, `please`, `then`): a failed command line that carries it
(`Command failed with exit code 2: tsc --noEmit`) or a report of how a tool was run (`yarn
was run with --frozen-lockfile`) is not advice.

A command counts only where a tool offers it: quoted (`` `bundle lock --add-platform
x86_64-linux` ``), or after a colon or a verb of advice that ends the line above it or
comes right before it (git's `To add an exception for this directory, call:`). Lines that
echo a command the job ran (`$ ...`, `+ ...`, `++ ...`, `Run ...`, BuildKit's `#5 [2/4] RUN
...`) or report one that failed (`Command failed: ...`, `process "/bin/sh -c ..."`) are
not read: a job that ran a command was not told to run it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import re2

from .patterns import quiet_options

MIN_COMMAND_WORDS = 4
MAX_COMMAND_WORDS = 8
# A placeholder in a solution's command: the command is kept up to it.
PLACEHOLDER_RE = re.compile(r"[$<>*]|\.\.\.|\{\{|^['\"]|^\[")
# An argument that names something: a name with a dot, underscore or hyphen inside, or an
# option of several words.
SPECIFIC_ARGUMENT_RE = re.compile(r"^\w+[._-]\w|^--[a-z]+-[a-z]")
# Code, not a command: a statement or a call.
CODE_LINE_RE = re.compile(
    r"^(?:from|import|const|let|var|def|class|return|if|for|export|require|uses|run|with|"
    r"name|steps)\b|^(?://|--\s|-\s|;)|[(){};=]|:\s*$|^\w+:\s"
)
# A line that echoes a command the job ran.
COMMAND_ECHO_RE = re.compile(
    r"^\s*(?:[$>%]\s|\++\s|Run\s|RUN\s|#\d+\s|Step\s+\d+/\d+|\[command\]|Executing:?\s"
    r"|Running:?\s)"
)
# A line that reports a command that failed: the job ran it, nobody advised it.
FAILED_COMMAND_RE = re.compile(
    r"(?i)\bcommand failed\b|\bprocess \"|\bcommand '|returned non-zero|exit (?:code|status) \d"
)
# How a tool offers a command: quoted, or after a colon or a verb of advice that ends the
# line above it or comes right before it (git's `..., call:` then the command indented).
OFFERED = (
    r"(?:[`'\"]|(?:\b(?i:call|run|with|execute|try|using|use)\b|:)[ \t]*"
    r"(?:\n(?:[ \t]*\n)?)?[ \t]*[`'\"]?)"
)
WORD_GAP = r"[ \t]+"
# An option of several words: `--legacy-peer-deps`, `--detectOpenHandles`.
COMPOUND_OPTION_RE = re.compile(
    r"(?<![\w-])--(?:[a-z]+(?:-[a-z]+)+|[a-z]+(?:[A-Z][a-z]+)+)(?![\w-])"
)
# A verb of advice in the imperative (`Try running with`, `or retry this command with`;
# not `yarn was run with`), then up to the option it offers, on its line or the next.
ADVICE = (
    r"(?i:(?:^|[.:;!,(]|\bor|\bplease|\bthen)\s*(?:try|retry|re-?run|run|use|pass|consider|add)\b)"
    r"(?:[^\n]{0,60}?\n)?[^\n]{0,60}?"
)


def fix_commands(solution: str) -> list[str]:
    """The specific commands a spell's solution runs, as written (placeholders cut)."""
    commands = (_command_words(line) for line in solution.splitlines())
    return list(dict.fromkeys(" ".join(words) for words in commands if words is not None))


def advised_options(solution: str) -> list[str]:
    """The compound options a spell's solution passes."""
    return list(dict.fromkeys(COMPOUND_OPTION_RE.findall(solution)))


@dataclass(frozen=True, slots=True)
class FixPattern:
    """What a log prints when a tool gives a fix: `source`, a regular expression, which
    never matches a text without `literal` (checked first: most texts have none)."""

    literal: str
    source: str


def fix_patterns(solution: str) -> tuple[FixPattern, ...]:
    """What a log prints when a tool gives the spell's fix: its commands (the words in
    order, any spacing between them) and its compound options offered as advice."""
    return (
        *(
            FixPattern(max(words, key=len), OFFERED + WORD_GAP.join(map(re.escape, words)))
            for words in map(str.split, fix_commands(solution))
        ),
        *(
            FixPattern(option, f"{ADVICE}{re.escape(option)}(?:[^\\w-]|$)")
            for option in advised_options(solution)
        ),
    )


def compile_patterns(patterns: Iterable[FixPattern]) -> re2._Regexp | None:
    """One expression for all of a spell's fix patterns, or None when it has none."""
    sources = [pattern.source for pattern in patterns]
    if not sources:
        return None
    return re2.compile("(?m)" + "|".join(f"(?:{source})" for source in sources), quiet_options())


def may_print(patterns: Iterable[FixPattern], text: str) -> bool:
    """Whether `text` holds a literal one of the patterns needs: the cheap test first."""
    return any(pattern.literal in text for pattern in patterns)


def printed_lines(lines: Iterable[str]) -> str:
    """An error's lines that a tool printed, without the echoes of commands the job ran."""
    return "\n".join(
        line
        for line in lines
        if not COMMAND_ECHO_RE.match(line) and not FAILED_COMMAND_RE.search(line)
    )


def _command_words(line: str) -> list[str] | None:
    text = line.split(" #", 1)[0].strip()
    if text.startswith("#") or not text or CODE_LINE_RE.search(text):
        return None
    words: list[str] = []
    for word in text.removeprefix("sudo ").split():
        if PLACEHOLDER_RE.search(word) or word in ("&&", "||", "|", ";"):
            break
        words.append(word)
    words = words[:MAX_COMMAND_WORDS]
    if len(words) < MIN_COMMAND_WORDS:
        return None
    if not any(SPECIFIC_ARGUMENT_RE.search(word) for word in words[2:]):
        return None
    return words
