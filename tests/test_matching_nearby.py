"""Places named near an error when no parser found one anywhere in the log (parsers/nearby.py)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grimoire_bot.matching import SpellDoc, SpellIndex, diagnose, extract_errors, resolve_paths
from tests.localisation_cases import primary_location

# elastic/elasticsearch (randomizedtesting under Gradle): its `   > ` marks hide the stack
# from the JVM parser, and the first frame with a source line is Hamcrest's.
RANDOMIZED_TESTING = """\
FAILURE 1.41s | IndexLevelReplicationTests.testCheckpointsAdvance <<< FAILURES!
   > Throwable #1: java.lang.AssertionError: global checkpoint mismatch
   > Expected: <-2L>
   >      but: was <-1L>
   > \tat __randomizedtesting.SeedInfo.seed([B4AC2695A7576B7:554B23C843CFAD5A]:0)
   > \tat org.hamcrest.MatcherAssert.assertThat(MatcherAssert.java:20)
   > \tat org.elasticsearch.index.replication.IndexLevelReplicationTests.testCheckpointsAdvance(IndexLevelReplicationTests.java:187)
   > \tat java.lang.Thread.run(Thread.java:745)"""


def test_a_stack_under_a_runners_marks_places_the_error_at_its_repository_frame() -> None:
    # No parser reads the failure: it is the step's cause, found at the log's end.
    errors = diagnose(RANDOMIZED_TESTING, SpellIndex.build([])).errors
    assert primary_location(errors) == (
        "src/test/java/org/elasticsearch/index/replication/IndexLevelReplicationTests.java:187"
    )
    tree = [
        "core/src/test/java/org/elasticsearch/index/replication/IndexLevelReplicationTests.java"
    ]
    assert primary_location(resolve_paths(errors, tree)) == f"{tree[0]}:187"


def test_a_place_alone_above_the_message_is_the_errors() -> None:
    # IHaskell on Stackage's build server: GHC 7.10 printed the place, then the message.
    log = """\
[19 of 22] Compiling IHaskell.Eval.Evaluate ( src/IHaskell/Eval/Evaluate.hs, dist/build/IHaskell/Eval/Evaluate.o )

src/IHaskell/Eval/Evaluate.hs:195:66:
    Couldn't match expected type '[Char]'
                with actual type 'Maybe String'"""
    assert primary_location(extract_errors(log)) == "src/IHaskell/Eval/Evaluate.hs:195"


def test_a_quoted_msbuild_place_above_the_message_is_the_errors() -> None:
    # AppMetrics/Reporting on Travis: Cake quotes the build script's place.
    log = """\
Error occurred when compiling build script:
`/home/travis/build/AppMetrics/Reporting/build.cake(239,2)`:
error CS0103: The name `ReSharperReports` does not exist in the current context"""
    assert primary_location(extract_errors(log)) == "build.cake:239"


def test_a_compiler_line_behind_an_unknown_mark_is_placed_through_the_spell_it_matched() -> None:
    # A CI bot quoted gcc's line behind `:: `; no parser reads it, a spell's pattern does.
    log = """\
CI build failing:
  Run make -C app/linux
:: ../../LightingAppCommandDelegate.cpp:31:10: fatal error: app/util/att-storage.h: No such file or directory
compilation terminated."""
    spell = SpellDoc(
        id=1,
        title="A header the compiler cannot find",
        description="",
        error_type=None,
        error_pattern=r"fatal error: \S+\.h: No such file or directory",
        tags="c,cpp",
        ecosystem=None,
        status="approved",
    )
    diagnosis = diagnose(log, SpellIndex.build([spell]))
    [match] = diagnosis.ranked
    tree = ["app/linux/LightingAppCommandDelegate.cpp", "app/util/att-storage.cpp"]
    error = resolve_paths(diagnosis.errors, tree)[match.error_index]
    assert (error.file, error.line) == ("app/linux/LightingAppCommandDelegate.cpp", 31)


def test_an_error_a_parser_placed_keeps_the_others_unplaced() -> None:
    # codymikol/karma-webpack#261: Karma's frame is a line of the bundle; webpack's own
    # error names the real place, so Karma's error takes no place from its frame.
    log = """\
Firefox 50.0.0 (Linux 0.0.0) ERROR
  Error: Cannot find module "../showif"
  at test/test.js:97

ERROR in ./test/test.js
Module not found: Error: Can't resolve '../showif' in '/home/travis/build/hosein2398/showIf/test'
 @ ./test/test.js 1:13-33"""
    errors = extract_errors(log)
    assert [(e.file, e.line) for e in errors if e.file] == [("test/test.js", 1)]


def test_an_error_whose_lines_name_no_place_stays_unplaced() -> None:
    log = "Error: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect"
    assert [(e.file, e.line) for e in extract_errors(log)] == [(None, None)]


LIBRARY_FRAMES = st.sampled_from(
    [
        "org.hamcrest.MatcherAssert.assertThat(MatcherAssert.java:20)",
        "org.junit.Assert.assertEquals(Assert.java:115)",
        "java.lang.Thread.run(Thread.java:745)",
        "org.testng.Assert.fail(Assert.java:96)",
    ]
)


@given(
    before=st.lists(LIBRARY_FRAMES, max_size=3),
    after=st.lists(LIBRARY_FRAMES, max_size=3),
    line=st.integers(min_value=1, max_value=99999),
)
def test_library_frames_around_the_repository_frame_are_never_the_place(
    before: list[str], after: list[str], line: int
) -> None:
    frames = [*before, f"org.acme.shop.CartTest.total(CartTest.java:{line})", *after]
    log = "   > Throwable #1: java.lang.AssertionError: expected 2\n" + "\n".join(
        f"   > \tat {frame}" for frame in frames
    )
    errors = diagnose(log, SpellIndex.build([])).errors
    assert primary_location(errors) == f"src/test/java/org/acme/shop/CartTest.java:{line}"


def test_python_frames_behind_a_runners_marks_place_the_error_at_the_last_repository_frame() -> (
    None
):
    log = """\
   > Traceback (most recent call last):
   >   File "/home/me/shop/tests/test_cart.py", line 12, in test_total
   >     assert_total(cart, 3)
   >   File "/home/me/shop/tests/helpers.py", line 40, in check
   >     raise ValueError(total)
   >   File "/usr/lib/python3.12/json/decoder.py", line 337, in decode
   > ValueError: 2"""
    errors = diagnose(log, SpellIndex.build([])).errors
    tree = ["tests/test_cart.py", "tests/helpers.py", "shop/cart.py"]
    assert primary_location(resolve_paths(errors, tree)) == "tests/helpers.py:40"


@pytest.mark.parametrize(
    "log",
    [
        # a host and port, a method call: not source files
        "npm ERR! code ETIMEDOUT\nnpm ERR! connect ETIMEDOUT registry.npmjs.org:443",
        "Error: expected Buffer.alloc(10) to equal Buffer.alloc(12)",
        # prose that says "at" is not a stack
        "warning: deprecated call at src/legacy.c:88\nnote: retried at 12:01\n"
        "Error: build failed at link step",
        # a place above a blank line belongs to something else
        "`/home/travis/build/acme/shop/build.cake(239,2)`:\n\nError: unrelated failure",
    ],
)
def test_what_only_looks_like_a_place_is_not_taken(log: str) -> None:
    errors = diagnose(log, SpellIndex.build([])).errors
    assert [(e.file, e.line) for e in errors] == [(None, None)], [e.message for e in errors]


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        # a repository's own files named like Node's core modules keep their place
        ("events.js:3:1: error: Unexpected token", "events.js:3"),
        ("node.js(3,1): error TS2304: Cannot find name 'process'.", "node.js:3"),
    ],
)
def test_files_named_like_nodes_core_modules_are_the_repositorys_outside_a_stack(
    log: str, expected: str
) -> None:
    assert primary_location(extract_errors(log)) == expected


def test_a_pathological_line_costs_no_more_than_a_short_one() -> None:
    # Every character of this line could start a path: the shapes must not try each start
    # against the whole rest of the line.
    log = "Error: boom " + "@" * 65_536 + "\n   > \tat x"
    started = time.perf_counter()
    diagnose(log, SpellIndex.build([]))
    assert time.perf_counter() - started < 2.0
