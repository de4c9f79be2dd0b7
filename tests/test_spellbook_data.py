"""The starter spellbook's data: well-formed, broad, and its patterns do what they claim.

These tests read the shipped JSON exactly as the loader does (through importlib.resources),
so a spell that would fail at import time, match its own examples poorly, or light up on a
green build is caught here rather than on a user's pull request.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from grimoire_bot.matching import Ecosystem, SpellDoc, SpellIndex, clean_log, diagnose

SPELLBOOK_PACKAGE = "grimoire_bot.spellbook"
FORMAT = "grimoire-spellbook/1"
MIN_SPELLS = 400
MIN_ECOSYSTEMS = 12
MIN_DIFF_SPELLS = 6
MIN_EXAMPLES = 2
MAX_EXAMPLES = 4
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
# Where each example came from: a public GitHub issue or pull request, or a file pinned to a
# commit (`owner/repo:path@sha`). Kept beside the spellbook, outside the `*.json` files the
# loader reads as spellbooks.
EXAMPLE_SOURCES = ("provenance", "example_sources.json")
SOURCE_RE = re.compile(
    r"^(https://github\.com/[\w.-]+/[\w.-]+/(issues|pull)/\d+"
    r"|[\w.-]+/[\w.-]+:[^@\s]+@[0-9a-f]{40})$"
)
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9.+#_/-]*$")
ECOSYSTEMS = frozenset(ecosystem.value for ecosystem in Ecosystem)
SCOPES = frozenset({"log", "diff"})
REQUIRED_TEXT_FIELDS = (
    "key", "title", "description", "error_type", "error_pattern", "solution_code", "tags",
    "scope",
)

# Output of builds that went well, as the tools print it. No spell may fire on any of it:
# a spell that matches a green log would annotate pull requests that have nothing wrong.
SUCCESSFUL_CI_OUTPUT = (
    # Python, pip, pytest, linters
    "Successfully installed requests-2.31.0 urllib3-2.2.1",
    "Successfully built grimoire-bot",
    "Requirement already satisfied: pip in ./.venv/lib/python3.12/site-packages (24.0)",
    "Collecting requests==2.31.0",
    "Installing collected packages: urllib3, idna, certifi, requests",
    "collected 12 items",
    "============================== 42 passed in 1.23s ==============================",
    "tests/test_api.py::test_health PASSED                                     [ 50%]",
    "Required test coverage of 80% reached. Total coverage: 91.20%",
    "Success: no issues found in 42 source files",
    "All checks passed!",
    "3 files already formatted",
    "All done! ✨ 🍰 ✨",
    "1 file left unchanged.",
    "Skipped 2 files",
    "Resolved 48 packages in 12ms",
    "Installing dependencies from lock file",
    "No dependencies to install or update",
    # Node, npm, yarn, pnpm, tsc, eslint, jest
    "npm notice",
    "npm notice New minor version of npm available! 10.2.4 -> 10.8.1",
    "added 312 packages, and audited 313 packages in 9s",
    "found 0 vulnerabilities",
    "npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.",
    "Done in 4.21s.",
    "✨  Done in 1.2s.",
    "Lockfile is up to date, resolution step is skipped",
    "Progress: resolved 512, reused 498, downloaded 14, added 512, done",
    "➤ YN0000: · Done with warnings in 3s 216ms",
    "Found 0 errors. Watching for file changes.",
    "webpack 5.91.0 compiled successfully in 5321 ms",
    "✓ built in 2.41s",
    "PASS src/a.test.ts",
    "PASS  src/components/Button.test.tsx (5.123 s)",
    "Test Suites: 3 passed, 3 total",
    "Tests:       12 passed, 12 total",
    "Snapshots:   4 passed, 4 total",
    " ✓ src/utils.test.ts (3 tests) 5ms",
    " Test Files  8 passed (8)",
    # Go
    "ok  \texample.com/pkg\t0.012s",
    "ok  \texample.com/app/internal/api\t(cached)",
    "--- PASS: TestParse (0.00s)",
    "PASS",
    "coverage: 82.1% of statements",
    "go: downloading github.com/stretchr/testify v1.9.0",
    "0 issues.",
    # Rust
    "Compiling serde v1.0.197",
    "   Compiling app v0.1.0 (/home/runner/work/app/app)",
    "Finished `dev` profile [unoptimized + debuginfo] target(s) in 3.2s",
    "    Finished `release` profile [optimized] target(s) in 41.07s",
    "test result: ok. 14 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out;"
    " finished in 0.01s",
    "    Checking app v0.1.0 (/home/runner/work/app/app)",
    # Java, Kotlin
    "[INFO] BUILD SUCCESS",
    "BUILD SUCCESS",
    "[INFO] Tests run: 42, Failures: 0, Errors: 0, Skipped: 0",
    "BUILD SUCCESSFUL in 12s",
    "> Task :app:compileJava UP-TO-DATE",
    "Downloading https://services.gradle.org/distributions/gradle-8.10.2-bin.zip",
    # C, C++, CMake
    "-- The CXX compiler identification is GNU 13.2.0",
    "-- Found OpenSSL: /usr/lib/x86_64-linux-gnu/libcrypto.so (found version \"3.0.13\")",
    "-- Configuring done (0.4s)",
    "-- Build files have been written to: /home/runner/work/app/app/build",
    "[100%] Built target app",
    "100% tests passed, 0 tests failed out of 18",
    # Ruby
    "Bundle complete! 42 Gemfile dependencies, 97 gems now installed.",
    "42 files inspected, no offenses detected",
    "120 examples, 0 failures",
    # Docker
    "#12 DONE 0.3s",
    "#8 [build 4/6] RUN npm ci",
    "Successfully tagged app:latest",
    "#14 naming to docker.io/library/app:latest done",
    "Status: Downloaded newer image for node:20-alpine",
    " Container app-db-1  Healthy",
    # GitHub Actions runner
    "Run actions/checkout@v4",
    "Run actions/setup-node@v4",
    "Run actions/upload-artifact@v4",
    "Post job cleanup.",
    "Cleaning up orphan processes",
    "Artifact dist has been successfully uploaded! Final size is 10240 bytes.",
    "Cache restored from key: Linux-npm-3f2a1b",
    "Successfully set up Python 3.12.3",
    "Syncing repository: octo-org/app",
    # Shell, apt
    "Reading package lists...",
    "Setting up jq (1.7.1-3build1) ...",
    "0 upgraded, 3 newly installed, 0 to remove and 12 not upgraded.",
    "+ echo done",
    # .NET
    "Build succeeded.",
    "    0 Warning(s)",
    "    0 Error(s)",
    "Passed!  - Failed:     0, Passed:    42, Skipped:     0, Total:    42, Duration: 1 s",
    "  Restored /home/runner/work/app/app/src/App/App.csproj (in 1.2 sec).",
)

# Lines a pull request might add that are the *recommended* forms: the diff spells must not
# fire on the very fix they suggest.
SAFE_ADDED_LINES = (
    "      - uses: actions/checkout@v4",
    "      - uses: actions/upload-artifact@v4",
    '        run: echo "version=$VERSION" >> "$GITHUB_OUTPUT"',
    "          PR_TITLE: ${{ github.event.pull_request.title }}",
    "        if: ${{ github.head_ref == 'release' }}",
    "    created_at = datetime.now(timezone.utc)",
    "\tdata, err := os.ReadFile(path)",
    "  it('renders the header', () => {",
    "describe(\"checkout\", () => {",
    '    "no-debugger": "error",',
    "    import pdbx",
    "    debugger.set_breakpoint(frame)",
    "gem 'byebug', group: :development",
    "aws_access_key_id = ${{ secrets.AWS_ACCESS_KEY_ID }}",
)

LOG_PREFIXES = st.sampled_from((
    "", "##[error]", "Error: ", "  ", "\t", "#12 0.532 ", "npm ERR! ", "[app] ", "E   ",
    "build | ",
))


@dataclass(frozen=True)
class Spell:
    """One spell as shipped, remembering which file it came from for failure messages."""

    source: str
    fields: dict[str, Any]

    @property
    def key(self) -> str:
        return str(self.fields.get("key", "?"))

    @property
    def where(self) -> str:
        return f"{self.source}:{self.key}"


def read_spellbook_files() -> dict[str, dict[str, Any]]:
    package = resources.files(SPELLBOOK_PACKAGE)
    return {
        entry.name: json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(package.iterdir(), key=lambda entry: entry.name)
        if entry.name.endswith(".json")
    }


def has_line_anchor(pattern: str) -> bool:
    """Whether the pattern uses `^` as an anchor (outside a character class and unescaped)."""
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # `[]...]` and `[^]...]` treat the first `]` as a literal.
            if pattern[index + 1:index + 2] == "^":
                index += 1
            if pattern[index + 1:index + 2] == "]":
                index += 1
        elif char == "^":
            return True
        index += 1
    return False


@pytest.fixture(scope="module")
def spellbook_files() -> dict[str, dict[str, Any]]:
    return read_spellbook_files()


@pytest.fixture(scope="module")
def spells(spellbook_files: dict[str, dict[str, Any]]) -> list[Spell]:
    return [
        Spell(source=name, fields=raw)
        for name, document in spellbook_files.items()
        for raw in document.get("spells", [])
    ]


@pytest.fixture(scope="module")
def compiled(spells: list[Spell]) -> dict[str, Any]:
    return {spell.where: re2.compile(spell.fields["error_pattern"]) for spell in spells}


def test_has_line_anchor_tells_anchors_from_literals() -> None:
    assert has_line_anchor("^error")
    assert has_line_anchor("(^|x)error")
    assert not has_line_anchor(r"\^M: bad interpreter")
    assert not has_line_anchor(r"[^']+ and [\^x]")
    assert not has_line_anchor(r"[]^]")


def test_every_file_is_a_spellbook(spellbook_files: dict[str, dict[str, Any]]) -> None:
    assert spellbook_files, "no *.json files shipped in the spellbook package"
    for name, document in spellbook_files.items():
        assert document.get("format") == FORMAT, name
        assert isinstance(document.get("spells"), list) and document["spells"], name


def test_the_book_is_big_and_broad(spells: list[Spell]) -> None:
    ecosystems = {spell.fields.get("ecosystem") for spell in spells}
    diff_spells = [spell for spell in spells if spell.fields.get("scope") == "diff"]

    assert len(spells) >= MIN_SPELLS
    assert len(ecosystems) >= MIN_ECOSYSTEMS
    assert len(diff_spells) >= MIN_DIFF_SPELLS


def test_keys_are_unique_and_well_formed(spells: list[Spell]) -> None:
    counts = Counter(spell.key for spell in spells)
    assert [key for key, count in counts.items() if count > 1] == []
    assert [spell.where for spell in spells if not KEY_RE.match(spell.key)] == []
    # The key's group prefix names the file it lives in, so spells are easy to find.
    assert [
        spell.where for spell in spells
        if spell.key.split(".", 1)[0] != spell.source.removesuffix(".json")
    ] == []


def test_required_fields_are_present_and_not_blank(spells: list[Spell]) -> None:
    missing = [
        f"{spell.where}.{name}"
        for spell in spells
        for name in REQUIRED_TEXT_FIELDS
        if not isinstance(spell.fields.get(name), str) or not spell.fields[name].strip()
    ]
    assert missing == []


def test_ecosystem_and_scope_are_in_the_closed_sets(spells: list[Spell]) -> None:
    assert [s.where for s in spells if s.fields.get("ecosystem") not in ECOSYSTEMS] == []
    assert [s.where for s in spells if s.fields.get("scope") not in SCOPES] == []


def test_error_types_are_single_tokens(spells: list[Spell]) -> None:
    assert [s.where for s in spells if re.search(r"\s", s.fields["error_type"])] == []


def test_tags_are_lowercase_comma_separated_words(spells: list[Spell]) -> None:
    bad = [
        spell.where
        for spell in spells
        if not all(TAG_RE.match(tag) for tag in spell.fields["tags"].split(","))
    ]
    assert bad == []


def test_titles_and_patterns_are_not_duplicated(spells: list[Spell]) -> None:
    titles = Counter(spell.fields["title"] for spell in spells)
    patterns = Counter(spell.fields["error_pattern"] for spell in spells)
    assert [title for title, count in titles.items() if count > 1] == []
    assert [pattern for pattern, count in patterns.items() if count > 1] == []


def test_patterns_compile_with_re2_and_are_unanchored(spells: list[Spell]) -> None:
    broken = []
    for spell in spells:
        try:
            re2.compile(spell.fields["error_pattern"])
        except re2.error as error:
            broken.append(f"{spell.where}: {error}")
    assert broken == []
    assert [s.where for s in spells if has_line_anchor(s.fields["error_pattern"])] == []


def test_patterns_do_not_match_empty_text(spells: list[Spell], compiled: dict[str, Any]) -> None:
    assert [spell.where for spell in spells if compiled[spell.where].search("")] == []


def test_every_spell_has_two_to_four_single_line_examples(spells: list[Spell]) -> None:
    # At least two: the wordings of different tool versions where they differ, else the
    # message as printed in different contexts, so a pattern fitted to one line is caught.
    bad = [
        spell.where
        for spell in spells
        if not isinstance(examples := spell.fields.get("examples"), list)
        or not MIN_EXAMPLES <= len(examples) <= MAX_EXAMPLES
        or len(set(examples)) != len(examples)
        or not all(isinstance(e, str) and e.strip() and "\n" not in e for e in examples)
    ]
    assert bad == []


def test_every_example_is_matched_by_its_own_pattern(
    spells: list[Spell], compiled: dict[str, Any]
) -> None:
    unmatched = [
        f"{spell.where}: {example!r}"
        for spell in spells
        for example in spell.fields["examples"]
        if compiled[spell.where].search(example) is None
    ]
    assert unmatched == []


@pytest.fixture(scope="module")
def example_sources() -> dict[str, Any]:
    entry = resources.files(SPELLBOOK_PACKAGE).joinpath(*EXAMPLE_SOURCES)
    return json.loads(entry.read_text(encoding="utf-8"))


def test_source_format_tells_pinned_sources_from_loose_ones() -> None:
    assert SOURCE_RE.match("https://github.com/pytest-dev/pytest/issues/2287")
    assert SOURCE_RE.match("https://github.com/vercel/next.js/pull/9548")
    assert SOURCE_RE.match("owner/repo:tests/fixtures/out.txt@" + "0" * 40)
    assert not SOURCE_RE.match("https://github.com/pytest-dev/pytest/issues/2287#issue-1")
    assert not SOURCE_RE.match("https://stackoverflow.com/questions/1")
    assert not SOURCE_RE.match("owner/repo:tests/fixtures/out.txt@main")
    assert not SOURCE_RE.match("cargo 1.58 wording")


def test_every_example_source_names_a_shipped_example_and_where_it_came_from(
    spells: list[Spell], example_sources: dict[str, Any]
) -> None:
    """Each recorded provenance points at an example its spell still ships, and says where
    the line was printed (a public issue, pull request or pinned file) and what differs."""
    examples = {spell.key: spell.fields["examples"] for spell in spells}
    assert example_sources, "no example sources recorded"
    problems = []
    for key, entries in example_sources.items():
        if key not in examples:
            problems.append(f"{key}: no such spell")
            continue
        if not isinstance(entries, list) or not entries:
            problems.append(f"{key}: no sources listed")
            continue
        for entry in entries:
            example, source = entry.get("example"), entry.get("source")
            if example not in examples[key]:
                problems.append(f"{key}: {example!r} is not among the spell's examples")
            if not isinstance(source, str) or not SOURCE_RE.match(source):
                problems.append(f"{key}: source {source!r} is not an issue/PR URL or repo:path@sha")
            if not isinstance(entry.get("variant"), str) or not entry["variant"].strip():
                problems.append(f"{key}: {example!r} does not say what its variant is")
    assert problems == []


@pytest.mark.parametrize("line", SUCCESSFUL_CI_OUTPUT)
def test_no_spell_fires_on_successful_ci_output(
    line: str, spells: list[Spell], compiled: dict[str, Any]
) -> None:
    assert [spell.where for spell in spells if compiled[spell.where].search(line)] == []


@pytest.mark.parametrize("line", SAFE_ADDED_LINES)
def test_diff_spells_do_not_fire_on_the_fixes_they_suggest(
    line: str, spells: list[Spell], compiled: dict[str, Any]
) -> None:
    diff_spells = [spell for spell in spells if spell.fields["scope"] == "diff"]
    assert [spell.where for spell in diff_spells if compiled[spell.where].search(line)] == []


@settings(max_examples=50, deadline=None)
@given(prefix=LOG_PREFIXES, timestamp=st.datetimes().map(lambda moment: moment.isoformat()))
def test_examples_still_match_behind_log_prefixes(
    spells: list[Spell], compiled: dict[str, Any], prefix: str, timestamp: str
) -> None:
    # CI logs decorate every line (timestamps, "##[error]", step prefixes); patterns must
    # not rely on the error starting the line.
    for spell in spells:
        for example in spell.fields["examples"]:
            line = f"{timestamp} {prefix}{example}"
            assert compiled[spell.where].search(line), f"{spell.where} misses {line!r}"


def test_cleaning_a_log_keeps_what_every_example_is_matched_by(
    spells: list[Spell], compiled: dict[str, Any]
) -> None:
    # Cleaning takes off what wraps a tool's output (a runner's labels, `remote:` from a
    # build behind git push, a log's own clock) so that places can be read; it must never
    # take what a spell's pattern is written with. Each example alone, and a spell's
    # examples as one log, keep their match.
    lost = [
        f"{spell.where}: {log!r}"
        for spell in spells
        for log in (*spell.fields["examples"], "\n".join(spell.fields["examples"]))
        if compiled[spell.where].search(clean_log(log)) is None
    ]
    assert lost == []


# The rank an example's own spell may take when it is not first, and why. Everything not
# listed here must be first among the spells `diagnose` ranks for the example alone.
RANK_EXCEPTIONS: dict[tuple[str, str], tuple[int, str]] = {
    ("node.cannot-find-module", "Error: Cannot find module 'dotenv'"): (
        2,
        "Jest's 'Cannot find module ... from ...' spell is a near miss whose words cover this"
        " bare Node message completely, and a full near miss outscores a pattern hit with a"
        " short literal (the matcher's ranking, not the data); in a real log Node's"
        " 'Require stack:' and MODULE_NOT_FOUND lines follow and the pattern hit is first.",
    ),
}
DIFF_HEADER = "diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -0,0 +1 @@\n"
DIFF_PATH = "src/changed.txt"


@pytest.fixture(scope="module")
def starter_index(spells: list[Spell]) -> SpellIndex:
    return SpellIndex.build(
        SpellDoc(
            id=position,
            title=spell.fields["title"],
            description=spell.fields["description"],
            error_type=spell.fields["error_type"],
            error_pattern=spell.fields["error_pattern"],
            tags=spell.fields["tags"],
            ecosystem=spell.fields.get("ecosystem"),
            status="approved",
            scope=spell.fields["scope"],
        )
        for position, spell in enumerate(spells)
    )


def test_the_matcher_uses_every_starter_spell(starter_index: SpellIndex) -> None:
    assert starter_index.skipped == []


def test_each_log_example_is_matched_first_by_its_own_spell(
    spells: list[Spell], starter_index: SpellIndex
) -> None:
    """Each example, matched alone as a log through the whole engine (cleaning, extraction,
    patterns, near misses, ranking), returns its own spell first: a generic sibling that
    also fits must rank below the specific spell written for that line."""
    misplaced = []
    for position, spell in enumerate(spells):
        if spell.fields["scope"] != "log":
            continue
        for example in spell.fields["examples"]:
            matches = diagnose(example, starter_index, limit=5).ranked
            ranked = [match.spell_id for match in matches]
            rank = ranked.index(position) + 1 if position in ranked else None
            allowed, _ = RANK_EXCEPTIONS.get((spell.key, example), (1, ""))
            if rank is None or rank > allowed:
                owners = [spells[spell_id].key for spell_id in ranked[:3]]
                misplaced.append(f"{spell.where}: rank {rank}, got {owners} for {example!r}")
    assert misplaced == []


def test_rank_exceptions_are_still_needed(spells: list[Spell], starter_index: SpellIndex) -> None:
    """An exception that no longer applies (the spell became first, or the example is gone)
    is removed, so the list says only what is true."""
    examples = {
        (spell.key, example): position
        for position, spell in enumerate(spells)
        for example in spell.fields["examples"]
    }
    stale = []
    for key, example in RANK_EXCEPTIONS:
        position = examples.get((key, example))
        matches = diagnose(example, starter_index, limit=5).ranked
        if position is None or [m.spell_id for m in matches][:1] == [position]:
            stale.append(key)
    assert stale == []


def test_each_diff_example_is_found_on_its_added_line(
    spells: list[Spell], starter_index: SpellIndex
) -> None:
    missed = []
    for position, spell in enumerate(spells):
        if spell.fields["scope"] != "diff":
            continue
        for example in spell.fields["examples"]:
            diff = DIFF_HEADER.format(path=DIFF_PATH) + f"+{example}\n"
            hits = starter_index.match_diff(diff)
            if (position, DIFF_PATH, 1) not in {(h.spell_id, h.path, h.line) for h in hits}:
                missed.append(f"{spell.where}: {example!r}")
    assert missed == []
