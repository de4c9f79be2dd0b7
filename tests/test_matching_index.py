"""Matching errors against spells: patterns, near misses, ranking, silence, scale."""

from __future__ import annotations

import threading
import time

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grimoire_bot.matching import (
    DEFAULT_MIN_SCORE,
    SpellDoc,
    SpellIndex,
    diagnose,
    extract_errors,
)
from grimoire_bot.matching.pattern_set import PatternSet


def spell(
    spell_id: int,
    pattern: str,
    *,
    title: str = "",
    description: str = "",
    error_type: str | None = None,
    tags: str = "",
    ecosystem: str | None = None,
    status: str = "approved",
    scope: str = "log",
    feedback: float = 0.0,
) -> SpellDoc:
    return SpellDoc(
        id=spell_id,
        title=title or f"spell {spell_id}",
        description=description,
        error_type=error_type,
        error_pattern=pattern,
        tags=tags,
        ecosystem=ecosystem,
        status=status,
        scope=scope,
        feedback=feedback,
    )


# A small spellbook written for these tests, in the shapes real spells take.
BOOK = [
    spell(
        1,
        r"ModuleNotFoundError: No module named '([\w.]+)'",
        title="Python module not installed",
        error_type="ModuleNotFoundError",
        description="The job's interpreter cannot import a module: add it to the "
        "requirements or install it into the interpreter that runs the tests.",
        tags="python,pip,import",
    ),
    spell(
        2,
        r"ModuleNotFoundError: No module named 'yaml'",
        title="PyYAML is not installed (the module is called yaml)",
        error_type="ModuleNotFoundError",
        description="Install the PyYAML distribution.",
        tags="python,pip,import,pyyaml",
    ),
    spell(
        3,
        r"npm ERR! code ELIFECYCLE",
        title="npm script failed (ELIFECYCLE)",
        error_type="npm ELIFECYCLE",
        description="A package.json script exited non-zero.",
        tags="node,npm,scripts",
    ),
    spell(
        4,
        r"error TS2304: Cannot find name '\w+'",
        title="TS2304: Cannot find name",
        error_type="TS2304",
        description="An identifier is not declared: a missing import or missing type definitions.",
        tags="typescript,tsc",
    ),
    spell(
        5,
        r"(?m)^fatal: could not read Username for 'https://github\.com'",
        title="git cannot authenticate to GitHub over HTTPS",
        error_type="git auth",
        description="The checkout has no credentials: pass a token to actions/checkout or use SSH.",
        tags="git,github-actions,auth",
    ),
    spell(
        6,
        r"Cannot connect to the Docker daemon at unix:///var/run/docker\.sock",
        title="Docker daemon not running",
        error_type="docker daemon",
        description="The job runs docker commands where no Docker daemon is available.",
        tags="docker",
    ),
    spell(
        7,
        r"java\.lang\.OutOfMemoryError: Java heap space",
        title="JVM out of heap space",
        error_type="OutOfMemoryError",
        description="Raise -Xmx in MAVEN_OPTS or org.gradle.jvmargs.",
        tags="java,maven,gradle,memory",
    ),
    spell(
        8,
        r"Your requirements could not be resolved to an installable set of packages",
        title="Composer cannot resolve requirements",
        error_type="composer",
        description="Dependency constraints conflict.",
        tags="php,composer",
    ),
    spell(
        9,
        r"console\.log\(",
        title="console.log left in code",
        scope="diff",
        description="Remove debugging output before merging.",
        tags="node,lint",
    ),
    spell(
        10,
        r"exit code 137|\bKilled\b",
        title="Process killed: out of memory",
        error_type="exit 137",
        description="The runner ran out of memory.",
        tags="github-actions,memory",
    ),
]


@pytest.fixture(scope="module")
def index() -> SpellIndex:
    return SpellIndex.build(BOOK)


def top_ids(index: SpellIndex, log: str, **kwargs: object) -> list[int]:
    return [match.spell_id for match in diagnose(log, index, **kwargs).ranked]


def test_the_specific_spell_ranks_above_the_generic_one(index: SpellIndex) -> None:
    log = (
        'Traceback (most recent call last):\n  File "app.py", line 1, in <module>\n'
        "    import yaml\nModuleNotFoundError: No module named 'yaml'"
    )
    assert top_ids(index, log)[:2] == [2, 1]


def test_the_generic_spell_answers_when_the_specific_one_does_not_apply(index: SpellIndex) -> None:
    log = "ModuleNotFoundError: No module named 'requests'"
    assert top_ids(index, log) == [1]


def test_match_reports_the_error_each_spell_fits(index: SpellIndex) -> None:
    errors = extract_errors(
        "src/a.ts(3,5): error TS2304: Cannot find name 'describe'.\n"
        "npm ERR! code ELIFECYCLE\nnpm ERR! errno 2\n"
    )
    matches = index.match(errors)
    by_spell = {m.spell_id: errors[m.error_index] for m in matches}
    assert by_spell[4].error_type == "TS2304"
    assert by_spell[3].error_type == "ELIFECYCLE"
    assert all(0.0 <= m.score <= 1.0 and m.reason == "pattern" for m in matches)


def test_each_hit_is_credited_to_the_error_it_is_in() -> None:
    """Errors are scanned together; a match must not borrow text from a neighbour."""
    index = SpellIndex.build([spell(1, r"(?i)worker\s+failed"), spell(2, r"^disk full$")])
    errors = extract_errors(
        "error: no reply from the worker\nFailed to start the job\n"
        "error: worker failed\nerror: disk full\n"
    )
    assert errors[1].text == "Failed to start the job"
    matched = {m.spell_id: errors[m.error_index].message for m in index.match(errors)}
    assert matched == {1: "worker failed", 2: "disk full"}


def test_each_error_gets_its_own_spells_as_separate_matches_would(index: SpellIndex) -> None:
    log = (
        "ModuleNotFoundError: No module named 'yaml'\nnpm ERR! code ELIFECYCLE\n"
        "error: nothing any spell knows about\n"
    )
    diagnosis = diagnose(log, index, per_error=2)
    one_by_one = [index.match([error], limit=2) for error in diagnosis.errors]
    assert [[(m.spell_id, m.score) for m in found] for found in diagnosis.each] == [
        [(m.spell_id, m.score) for m in found] for found in one_by_one
    ]
    assert [[m.spell_id for m in found] for found in diagnosis.each] == [[2, 1], [3], []]
    assert all(
        m.error_index == position for position, found in enumerate(diagnosis.each) for m in found
    )


def test_at_most_limit_matches_each_spell_once_best_first(index: SpellIndex) -> None:
    errors = extract_errors(
        "\n".join(
            f"ModuleNotFoundError: No module named '{name}'" for name in ("yaml", "x", "y", "yaml")
        )
        + "\nnpm ERR! code ELIFECYCLE"
    )
    matches = index.match(errors, limit=2)
    assert len(matches) == 2
    assert len({m.spell_id for m in matches}) == 2
    assert matches[0].score >= matches[1].score
    assert index.match(errors, limit=0) == []


def test_an_unrelated_failure_gets_no_spell(index: SpellIndex) -> None:
    log = (
        "Run ./gradlew test\n> Task :app:test FAILED\n"
        "ExampleTest > addition_isCorrect FAILED\n"
        "    org.opentest4j.AssertionFailedError: expected: <4> but was: <5>\n"
        "Error: Process completed with exit code 1."
    )
    assert top_ids(index, log) == []


def test_min_score_controls_silence(index: SpellIndex) -> None:
    log = "ModuleNotFoundError: No module named 'requests'"
    assert top_ids(index, log, min_score=1.01) == []
    assert top_ids(index, log, min_score=DEFAULT_MIN_SCORE) == [1]


@pytest.mark.parametrize(
    "log",
    [
        # wording drift between tool versions: npm 10 says "npm error" where npm 9 said "ERR!"
        "npm error code ELIFECYCLE\nnpm error path /home/runner/work/web/web\n"
        "npm error command failed",
        # the message wrapped by the terminal
        "Error: Cannot connect to the Docker daemon at\n"
        "unix:///var/run/docker.sock. Is the docker daemon running?",
        # typographic quotes from a web page, and a Windows runner's backslashes
        "fatal: could not read Username for \u2018https:\\\\github.com\u2019: "
        "No such device or address",
    ],
    ids=["reworded", "wrapped", "quotes-and-backslashes"],
)
def test_near_misses_are_still_recognised(index: SpellIndex, log: str) -> None:
    ids = top_ids(index, log)
    assert ids, "no spell matched"
    assert ids[0] in {3, 5, 6}


def test_anchored_patterns_match_lines_of_a_raw_actions_log(index: SpellIndex) -> None:
    log = (
        "2024-05-01T12:00:00.0000000Z ##[group]Run actions/checkout@v4\n"
        "2024-05-01T12:00:01.0000000Z ##[endgroup]\n"
        "2024-05-01T12:00:02.0000000Z fatal: could not read Username for "
        "'https://github.com': terminal prompts disabled\n"
        "2024-05-01T12:00:02.1000000Z ##[error]Process completed with exit code 128.\n"
    )
    assert top_ids(index, log)[0] == 5


def test_a_spell_for_a_line_no_parser_knows_is_found_in_the_tail(index: SpellIndex) -> None:
    log = (
        "Building the release bundle\n"
        "Your requirements could not be resolved to an installable set of packages.\n"
        "Error: Process completed with exit code 2.\n"
    )
    diagnosis = diagnose(log, index)
    best = diagnosis.ranked[0]
    assert best.spell_id == 8
    assert "could not be resolved" in diagnosis.errors[best.error_index].text


def test_approved_beats_draft_and_feedback_counts() -> None:
    pattern = r"java\.lang\.OutOfMemoryError: Java heap space"
    draft = spell(1, pattern, title="heap", status="draft", tags="java")
    approved = spell(2, pattern, title="heap", tags="java")
    log = 'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space'
    index = SpellIndex.build([draft, approved])
    assert top_ids(index, log) == [2, 1]
    errors = extract_errors(log)
    liked = index.match(errors, feedback={1: 1.0, 2: -1.0})
    assert [m.spell_id for m in liked] == [1, 2]


def test_scopes_keep_log_spells_and_diff_spells_apart(index: SpellIndex) -> None:
    assert 9 not in top_ids(index, "console.log(error)\nError: console.log( failed")
    diff = (
        "diff --git a/src/app.js b/src/app.js\n--- a/src/app.js\n+++ b/src/app.js\n"
        "@@ -10,2 +10,3 @@ function main() {\n   start();\n-  console.log(old);\n"
        "+  console.log(value);\n   stop();\n"
    )
    hits = index.match_diff(diff)
    assert [(h.spell_id, h.path, h.line, h.text) for h in hits] == [
        (9, "src/app.js", 11, "  console.log(value);")
    ]
    removed_only = diff.replace("+  console.log(value);\n", "")
    assert index.match_diff(removed_only) == []


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(exclude_categories=()), max_size=500))
def test_matching_never_raises_on_any_text(index: SpellIndex, text: str) -> None:
    diagnosis = diagnose(text + "\nerror: " + text, index)
    assert all(0 <= m.error_index < len(diagnosis.errors) for m in diagnosis.ranked)
    assert len(diagnosis.each) == len(diagnosis.errors)
    index.match_diff("+++ b/x\n@@ -0,0 +1 @@\n+" + text)


def test_bad_patterns_are_skipped_and_reported() -> None:
    too_big = "(?:" + "".join(f"[^\\n]{{1000}}z{n}" for n in range(40)) + ")"
    index = SpellIndex.build(
        [
            spell(1, r"ok pattern \d+"),
            spell(2, r"broken (group"),
            spell(3, r"(?<=lookbehind)x"),
            spell(4, r".*"),
            spell(5, "   "),
            spell(6, too_big),
        ]
    )
    reasons = dict(index.skipped)
    assert set(reasons) == {2, 3, 4, 5, 6}
    assert "missing )" in reasons[2]
    assert "empty text" in reasons[4]
    assert "too big" in reasons[6]
    assert top_ids(index, "ok pattern 12") == [1]


def test_missing_optional_fields_do_not_stop_the_build() -> None:
    bare = SpellDoc(
        id=1,
        title=None,
        description=None,
        error_type=None,  # type: ignore[arg-type]
        error_pattern=r"Segmentation fault \(core dumped\)",
        tags=None,  # type: ignore[arg-type]
        ecosystem=None,
        status="approved",
    )
    index = SpellIndex.build([bare])
    assert index.skipped == []
    assert top_ids(index, "./run.sh: line 4: 2231 Segmentation fault (core dumped) ./t") == [1]


ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=80)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            SpellDoc,
            id=st.integers(0, 10**6),
            title=ANY_TEXT,
            description=ANY_TEXT,
            error_type=st.none() | ANY_TEXT,
            error_pattern=ANY_TEXT,
            tags=ANY_TEXT,
            ecosystem=st.none() | ANY_TEXT,
            status=ANY_TEXT,
            scope=st.sampled_from(["log", "diff"]),
            feedback=st.floats(-1, 1),
        ),
        max_size=8,
    )
)
def test_building_never_raises_whatever_the_spells(spells: list[SpellDoc]) -> None:
    index = SpellIndex.build(spells)
    assert {spell_id for spell_id, _ in index.skipped} <= {s.id for s in spells}
    diagnose("error: something failed\n", index)


def test_a_shard_whose_automaton_gave_up_still_finds_every_hit() -> None:
    """RE2 reports a DFA out of memory only as "no hits"; the shard then matches line by
    line and pattern by pattern. That path must find exactly what a normal match finds
    (it cannot be provoked reliably, so it is called directly)."""
    patterns = [(n, rf"(?i)step {n} failed|code E{n:03d}\b") for n in range(300)]
    pattern_set = PatternSet(patterns)
    text = "build ok\nStep 7 FAILED\nnpm ERR! code E042\nstep 299 failed\n"
    (shard,) = pattern_set._shards
    assert (
        sorted(shard._match_after_failure(text)) == sorted(pattern_set.match(text)) == [7, 42, 299]
    )


def test_matching_is_safe_from_many_threads(index: SpellIndex) -> None:
    logs = [
        "ModuleNotFoundError: No module named 'yaml'",
        "npm ERR! code ELIFECYCLE",
        "java.lang.OutOfMemoryError: Java heap space",
    ]
    expected = [top_ids(index, log) for log in logs]
    results: list[list[list[int]]] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = [top_ids(index, log) for log in logs * 5]
        with lock:
            results.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected * 5 for result in results)


# --- a spell always finds the error text it was written for --------------------------------

IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9_]{2,12}", fullmatch=True)
ERROR_SHAPES = st.one_of(
    st.builds("ModuleNotFoundError: No module named '{}'".format, IDENTIFIERS),
    st.builds("error TS{}: Cannot find name '{}'.".format, st.integers(1000, 9999), IDENTIFIERS),
    st.builds(
        "error[E{:04d}]: cannot find value `{}` in this scope".format,
        st.integers(1, 999),
        IDENTIFIERS,
    ),
    st.builds("npm ERR! code E{}".format, IDENTIFIERS.map(str.upper)),
    st.builds("fatal error: {}/{}.h: No such file or directory".format, IDENTIFIERS, IDENTIFIERS),
    st.builds("Could not resolve dependencies for project com.acme:{}:jar:1.0".format, IDENTIFIERS),
    st.builds("{}: command not found".format, IDENTIFIERS),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=ERROR_SHAPES,
    whole=st.booleans(),
    noise=st.lists(
        st.sampled_from(
            [
                "Collecting wheel",
                "Run npm ci",
                "added 12 packages in 2s",
                "tests/test_app.py::test_ok PASSED",
                "Downloading 100%",
            ]
        ),
        max_size=5,
    ),
)
def test_a_spell_finds_the_error_it_was_written_for(
    text: str, whole: bool, noise: list[str]
) -> None:
    # The pattern is the whole error text, or its meaningful part (without the name). The
    # distractors are the book's spells for other errors: similar words, other patterns.
    part = text if whole else text.rsplit(" ", 1)[0]
    own = spell(
        100, re2.escape(part), title="the spell written for this error", error_type=None, tags="ci"
    )
    distractors = [s for s in BOOK if re2.search(s.error_pattern, text) is None]
    index = SpellIndex.build([own, *distractors])
    log = "\n".join([*noise, text, "Error: Process completed with exit code 1."])
    assert top_ids(index, log)[0] == 100


# --- matching time grows linearly with the log --------------------------------------------


def test_analysis_time_grows_linearly_with_log_size(index: SpellIndex) -> None:
    chunk = "\n".join(
        [
            "2024-05-01T12:00:00.0000000Z tests/test_app.py::test_case PASSED   [ 10%]",
            "2024-05-01T12:00:00.0000000Z \x1b[32mok\x1b[0m   github.com/acme/app/internal 0.2s",
            "2024-05-01T12:00:00.0000000Z src/app.ts(3,5): error TS2304: Cannot find name 'x'.",
            "2024-05-01T12:00:00.0000000Z npm WARN deprecated glob@7.2.3: no longer supported",
        ]
        * 50
    )
    small, large = chunk * 20, chunk * 160

    def best_of(log: str) -> float:
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            diagnose(log, index)
            timings.append(time.perf_counter() - started)
        return min(timings)

    diagnose(small, index)  # warm the automata once
    ratio = best_of(large) / best_of(small)
    assert ratio < 20, f"8x the log took {ratio:.1f}x the time"


# A group of alternatives in the middle of a pattern holds the words that tell its error
# from a sibling's; a near miss must have one of them, like the last word of a phrase.
YARN_KILLED = spell(
    1,
    r'error Command failed with (?:signal "SIGKILL"|exit code 137)\.',
    title="yarn: the build was killed, usually by the out-of-memory killer",
    description="The runner's out-of-memory killer stopped the build.",
    error_type="SIGKILL",
    tags="node,yarn,memory",
    ecosystem="node",
)


@pytest.mark.parametrize(
    ("log", "offered"),
    [
        ('error Command failed with signal "SIGKILL".', True),  # the pattern
        ("error Command failed with exit code 137", True),  # a near miss: its period lost
        ("Command failed with exit code 137 (killed)", True),
        # yarn's every failure: regression, offered the out-of-memory spell at 0.64
        ("error Command failed with exit code 1.", False),
        ("error Command failed with exit code 2.", False),
    ],
)
def test_a_near_miss_needs_one_of_the_words_a_patterns_alternatives_end_on(
    log: str, offered: bool
) -> None:
    matches = diagnose(log, SpellIndex.build([YARN_KILLED])).ranked
    assert bool(matches) is offered


MAVEN_COMPILER = spell(
    1,
    r"Failed to execute goal org\.apache\.maven\.plugins:maven-compiler-plugin:[\d.]+:"
    r"(?:testCompile|compile)",
    title="Maven's compiler plugin failed",
    description="javac reported errors while Maven compiled the module.",
    tags="java,maven",
)


@pytest.mark.parametrize(
    "log",
    [
        # surefire's fork crashing (an OpenJDK 8u181 classpath check), not the compiler
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:2.18.1:"
        "test (default-test) on project recorder: Execution default-test of goal "
        "org.apache.maven.plugins:maven-surefire-plugin:2.18.1:test failed: The forked VM "
        "terminated without properly saying goodbye. VM crash or System.exit called?",
        # javadoc's HTML check
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-javadoc-plugin:2.10.4:jar "
        "(attach-javadocs) on project cache2k-api: MavenReportException: Error while "
        "generating Javadoc:",
    ],
)
def test_an_error_naming_another_tool_of_the_patterns_kind_is_not_a_near_miss(log: str) -> None:
    """Every word of the compiler plugin's pattern but one is there; that one names the
    plugin, and another plugin's failure is not the compiler's."""
    index = SpellIndex.build([MAVEN_COMPILER])
    assert diagnose(log, index, min_score=0.0).ranked == []


def test_the_tool_the_pattern_names_is_still_matched_when_its_version_differs() -> None:
    log = (
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.13.0:"
        "compile (default-compile) on project app: Compilation failure"
    )
    ranked = diagnose(log, SpellIndex.build([MAVEN_COMPILER])).ranked
    assert [(m.spell_id, m.reason) for m in ranked] == [(1, "pattern")]
