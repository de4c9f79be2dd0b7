"""Markdown for check-run summaries: log text that cannot format or inject, cut to limits."""

from __future__ import annotations

import re

CUT_MARK = "\n…(cut)"
MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]<>#|!~]")
BACKTICK_RUNS = re.compile(r"`+")


def md_text(text: str) -> str:
    """Log text shown as Markdown prose: its punctuation cannot format, link or inject HTML."""
    return MARKDOWN_SPECIAL.sub(r"\\\g<0>", text.replace("\n", " "))


def md_code(text: str) -> str:
    """Inline code whose fence is longer than any run of backticks inside it."""
    text = text.replace("\n", " ")
    longest = max((len(run) for run in BACKTICK_RUNS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def md_link(label: str, url: str | None) -> str:
    """`label` (already Markdown) linked to `url` when there is one."""
    if not url:
        return label
    return f"[{label}]({url.replace(' ', '%20').replace(')', '%29')})"


def fenced(code: str, limit: int) -> str:
    """A code block whose fence no line of the code can close."""
    ticks = "```"
    while ticks in code:
        ticks += "`"
    return f"{ticks}\n{cut_chars(code.rstrip(), limit)}\n{ticks}"


def cut_chars(text: str, limit: int) -> str:
    """At most `limit` characters, cut on a character boundary and marked as cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(CUT_MARK))] + CUT_MARK


def cut_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut on a character boundary and marked as cut."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    room = limit - len(CUT_MARK.encode("utf-8"))
    return encoded[:room].decode("utf-8", errors="ignore") + CUT_MARK


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


def listing(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
