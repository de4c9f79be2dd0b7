"""Reading a unified diff (as GitHub serves a pull request's) down to its added lines."""

from __future__ import annotations

import re

HUNK_RE = re.compile(r"^@@ -\d+(?:,(?P<old>\d+))? \+(?P<start>\d+)(?:,(?P<new>\d+))? @@")
NEW_FILE_RE = re.compile(r'^\+\+\+ (?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<plain>.*?))\s*$')
NEW_PATH_PREFIX = "b/"
NO_FILE = "/dev/null"
C_ESCAPES = {"t": "\t", "n": "\n", '"': '"', "\\": "\\"}


def parse_added_lines(diff_text: str) -> dict[str, list[tuple[int, str]]]:
    """For each file the diff adds to: its added lines as (line number in the new file, text).

    Hunks are read by their line counts, so an added line that itself starts with `++`
    or `@@` is never taken for a header."""
    added: dict[str, list[tuple[int, str]]] = {}
    path: str | None = None
    new_line = old_left = new_left = 0
    for raw in diff_text.replace("\r\n", "\n").split("\n"):
        if old_left > 0 or new_left > 0:
            marker = raw[:1]
            if marker == "+":
                if path is not None:
                    added.setdefault(path, []).append((new_line, raw[1:]))
                new_line, new_left = new_line + 1, new_left - 1
            elif marker == "-":
                old_left -= 1
            elif marker == "\\":
                pass  # "\ No newline at end of file"
            else:  # context (some tools drop the leading space of empty lines)
                new_line, old_left, new_left = new_line + 1, old_left - 1, new_left - 1
            continue
        header = NEW_FILE_RE.match(raw)
        if header:
            path = _new_path(header.group("quoted"), header.group("plain"))
            continue
        hunk = HUNK_RE.match(raw)
        if hunk:
            new_line = int(hunk.group("start"))
            old_left = int(hunk.group("old") or 1)
            new_left = int(hunk.group("new") or 1)
    return added


def _new_path(quoted: str | None, plain: str | None) -> str | None:
    path = _unquote(quoted) if quoted is not None else (plain or "")
    path = path.split("\t", 1)[0]
    if path == NO_FILE or not path:
        return None
    return path[len(NEW_PATH_PREFIX) :] if path.startswith(NEW_PATH_PREFIX) else path


def _unquote(quoted: str) -> str:
    """Git quotes unusual paths C-style: "b/caf\\303\\251.txt"."""
    raw = bytearray()
    index = 0
    while index < len(quoted):
        char = quoted[index]
        if char == "\\" and index + 1 < len(quoted):
            following = quoted[index + 1]
            if following in "01234567" and index + 4 <= len(quoted):
                raw.append(int(quoted[index + 1 : index + 4], 8) & 0xFF)
                index += 4
                continue
            raw.extend(C_ESCAPES.get(following, following).encode())
            index += 2
            continue
        raw.extend(char.encode())
        index += 1
    return raw.decode("utf-8", errors="replace")
