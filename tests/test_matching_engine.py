"""One pass over a failure: every error matched once, each error's spells and the ranking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.eval_engine import spell_docs
from bench.evalset import load_spellbook
from grimoire_bot.embeddings import load_embedder
from grimoire_bot.matching import (
    DEFAULT_MIN_SCORE,
    ErrorRecord,
    SpellDoc,
    SpellIndex,
    clean_log,
    diagnose,
    errors_from_annotations,
    extract_errors,
)
from grimoire_bot.matching.blocks import MAX_LINE_CHARS
from grimoire_bot.matching.engine import SAME_ERROR_MARGIN, tail_record


def spell(spell_id: int, pattern: str, *, status: str = "approved", tags: str = "") -> SpellDoc:
    return SpellDoc(
        id=spell_id,
        title=f"spell {spell_id}",
        description="",
        error_type=None,
        error_pattern=pattern,
        tags=tags,
        ecosystem=None,
        status=status,
    )


BOOK = [
    spell(1, r"ModuleNotFoundError: No module named '([\w.]+)'", tags="python"),
    spell(2, r"ModuleNotFoundError: No module named 'yaml'", tags="python,yaml"),
    spell(3, r"error TS2307: Cannot find module '[^']+'", tags="typescript"),
    spell(4, r"Your requirements could not be resolved", tags="php,composer"),
    spell(5, r"Installation failed, reverting \./composer\.json", tags="php,composer"),
    spell(6, r"widget frobnication failed", status="draft"),
    spell(7, r"error: widget frobnication failed"),
]
INDEX = SpellIndex.build(BOOK)
EVALSET_BOOK = Path(__file__).resolve().parent.parent / "bench" / "evalset" / "spellbook.json"

PYTEST_LOG = (
    "tests/test_app.py:3: in <module>\n"
    "    import yaml\n"
    "E   ModuleNotFoundError: No module named 'yaml'\n"
)


def ids(matches) -> list[int]:
    return [m.spell_id for m in matches]


def test_each_error_has_its_own_spells_and_the_ranking_has_each_spell_once() -> None:
    log = PYTEST_LOG + "src/a.ts(3,1): error TS2307: Cannot find module 'lodash'.\n"
    diagnosis = diagnose(log, INDEX)
    assert [e.error_type for e in diagnosis.errors] == ["ModuleNotFoundError", "TS2307"]
    assert [ids(found) for found in diagnosis.each] == [[2, 1], [3]]
    assert sorted(ids(diagnosis.ranked)) == [1, 2, 3]
    assert ids(diagnosis.ranked)[0] == 2  # the specific spell beats the generic one
    scores = [m.score for m in diagnosis.ranked]
    assert scores == sorted(scores, reverse=True)


def test_an_annotation_mirroring_a_log_error_is_not_matched_twice() -> None:
    """Actions copies a log's error lines into annotations: the check run used to see
    the same error twice."""
    [mirrored] = diagnose(PYTEST_LOG, INDEX).errors
    only_in_annotations = ErrorRecord(
        message="error TS2307: Cannot find module 'react'.",
        error_type="TS2307",
        file="src/b.ts",
        line=9,
        column=None,
        ecosystem="typescript",
        context=(),
        fingerprint="ts2307",
        text="error TS2307: Cannot find module 'react'.",
        log_line=None,
    )
    diagnosis = diagnose(PYTEST_LOG, INDEX, extra_errors=[mirrored, only_in_annotations])
    assert diagnosis.errors == [mirrored, only_in_annotations]
    assert [ids(found) for found in diagnosis.each] == [[2, 1], [3]]


def test_a_check_run_without_a_log_is_diagnosed_from_its_annotations() -> None:
    annotations = [
        {
            "path": "src/app.ts",
            "start_line": 9,
            "annotation_level": "failure",
            "message": "error TS2307: Cannot find module 'lodash'.",
        }
    ]
    diagnosis = diagnose(None, INDEX, extra_errors=errors_from_annotations(annotations))
    assert [(e.file, e.line) for e in diagnosis.errors] == [("src/app.ts", 9)]
    assert ids(diagnosis.ranked) == [3]


def test_tail_lines_two_spells_match_become_one_error() -> None:
    """Two spells matching the same line of the tail each appended their own copy of it."""
    log = (
        "Loading composer repositories with package information\n"
        "Your requirements could not be resolved to an installable set of packages. "
        "Installation failed, reverting ./composer.json to its original content.\n"
        "Error: Process completed with exit code 2.\n"
    )
    diagnosis = diagnose(log, INDEX)
    [position] = [i for i, e in enumerate(diagnosis.errors) if "could not be resolved" in e.text]
    assert sorted(ids(diagnosis.each[position])) == [4, 5]
    assert [m.error_index for m in diagnosis.ranked] == [position, position]


def test_drafts_are_ranked_for_curators_but_left_out_of_what_is_posted() -> None:
    log = "src/a.py:3:1: error: widget frobnication failed\n"
    assert set(ids(diagnose(log, INDEX).ranked)) == {6, 7}
    posted = diagnose(log, INDEX, approved_only=True)
    assert ids(posted.ranked) == [7]
    assert [ids(found) for found in posted.each] == [[7]]


def test_feedback_reorders_each_error_and_the_ranking_alike() -> None:
    log = (
        "E: Your requirements could not be resolved to an installable set of packages. "
        "Installation failed, reverting ./composer.json to its original content.\n"
    )
    plain = diagnose(log, INDEX)
    voted = diagnose(log, INDEX, feedback={5: -1.0, 4: 1.0})
    assert ids(plain.ranked) == ids(plain.each[0]) == [5, 4]
    assert ids(voted.ranked) == ids(voted.each[0]) == [4, 5]


def test_nothing_under_the_threshold_and_limits_apply() -> None:
    assert diagnose(PYTEST_LOG, INDEX, min_score=1.01).ranked == []
    assert diagnose(PYTEST_LOG, INDEX, min_score=1.01).each == [[]]
    limited = diagnose(PYTEST_LOG, INDEX, limit=1, per_error=1)
    assert ids(limited.ranked) == ids(limited.each[0]) == [2]


LINES = st.sampled_from(
    [
        "E   ModuleNotFoundError: No module named 'yaml'",
        "E   ModuleNotFoundError: No module named 'numpy'",
        "src/a.ts(3,1): error TS2307: Cannot find module 'lodash'.",
        "src/a.py:3:1: error: widget frobnication failed",
        "Your requirements could not be resolved to an installable set of packages.",
        "Error: Process completed with exit code 1.",
        "collected 3 items",
        "",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(LINES, max_size=12), st.booleans())
def test_the_ranking_is_each_spells_best_over_every_error(lines: list[str], approved: bool) -> None:
    diagnosis = diagnose("\n".join(lines), INDEX, per_error=len(BOOK), approved_only=approved)
    assert len(diagnosis.each) == len(diagnosis.errors)
    best: dict[int, float] = {}
    for position, found in enumerate(diagnosis.each):
        assert all(m.error_index == position for m in found)
        assert len({m.spell_id for m in found}) == len(found)
        for m in found:
            best[m.spell_id] = max(m.score, best.get(m.spell_id, 0.0))
    ranked = diagnosis.ranked
    assert len(ranked) == min(5, len(best))
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
    for m in ranked:
        assert m.score == best[m.spell_id]
        assert m in diagnosis.each[m.error_index]
    left_out = set(best) - {m.spell_id for m in ranked}
    assert all(best[spell_id] <= ranked[-1].score for spell_id in left_out)


def evaluation_book_with(key: str) -> tuple[list[SpellDoc], int]:
    """The evaluation set's spellbook as the engine indexes it, and where `key` is in it."""
    book = json.loads(EVALSET_BOOK.read_text(encoding="utf-8"))
    return spell_docs(book), next(n for n, s in enumerate(book) if s["key"] == key)


def test_an_error_of_one_template_is_placed_at_its_first_occurrence() -> None:
    """Angular's AOT compiler reports one TS2339 per property; the names around each make
    the spell fit the third far better than the first (`'FeatureComponent'` against
    `'string'`), but they are one error, and the first is where the reader goes."""
    docs, property_missing = evaluation_book_with("ts-property-missing")
    log = (
        "ERROR in src/app/app.component.html(4,10): : Property 'content' does not exist on "
        "type 'string'.\n"
        "src/app/app.component.html(9,8): : Property 'name' does not exist on type 'string'.\n"
        "src/app/feature/feature.component.html(1,6): : Property '_editable' does not exist on "
        "type 'FeatureComponent'.\n"
    )
    index = SpellIndex.build(docs, embedder=load_embedder())
    diagnosis = diagnose(log, index)
    scores = [  # each error scored on its own
        max((m.score for m in found if m.spell_id == property_missing), default=0.0)
        for found in index.score_each(diagnosis.errors)
    ]
    assert scores[0] + SAME_ERROR_MARGIN < scores[2]  # the third one's words fit better
    match = next(m for m in diagnosis.ranked if m.spell_id == property_missing)
    placed = diagnosis.errors[match.error_index]
    assert (placed.file, placed.line) == ("src/app/app.component.html", 4)
    assert match.score == scores[2]
    assert match in diagnosis.each[match.error_index]


def test_a_pattern_hit_is_not_moved_to_an_error_of_the_template_it_does_not_match() -> None:
    """`No module named 'requests'` and `'distutils'` share a fingerprint (quoted names are
    masked), but only the second is the distutils spell's: its hit stays there."""
    docs, distutils = evaluation_book_with("py-distutils-removed")
    log = (
        'Traceback (most recent call last):\n  File "setup.py", line 1, in <module>\n'
        "    import requests\nModuleNotFoundError: No module named 'requests'\n"
        'Traceback (most recent call last):\n  File "build.py", line 2, in <module>\n'
        "    from distutils.core import setup\nModuleNotFoundError: No module named 'distutils'\n"
    )
    diagnosis = diagnose(log, SpellIndex.build(docs, embedder=load_embedder()))
    assert diagnosis.errors[0].fingerprint == diagnosis.errors[1].fingerprint
    match = next(m for m in diagnosis.ranked if m.spell_id == distutils)
    assert match.reason == "pattern"
    assert "distutils" in diagnosis.errors[match.error_index].message


def test_the_tail_carries_the_errors_read_among_its_lines_as_context() -> None:
    cleaned = "\n".join(["line 0", "error: read already", "line 2", "x" * 5000, "line 4"])
    tail = [(0, "line 0"), (2, "line 2"), (4, "line 4")]
    record = tail_record(tail, cleaned.split("\n"))
    assert record.text == "line 0\nline 2\nline 4"
    assert record.context == ("error: read already", "x" * MAX_LINE_CHARS)
    many = "\n".join(f"error {n}" for n in range(50)) + "\nlast"
    assert tail_record([(0, "error 0"), (50, "last")], many.split("\n")).context == tuple(
        f"error {n}" for n in range(30, 50)
    )


def test_an_error_repeated_is_ranked_at_its_first_occurrence() -> None:
    """Regression: the same spell fitting three `missing go.sum entry` lines took the last
    one (its words scored a hair higher), so the check run pointed at cmd/db-server/main.go
    instead of the first failing import (matrixorigin/matrixone#1015)."""
    docs, go_sum = evaluation_book_with("go-sum-entry-missing")
    log = (
        "pkg/vm/driver/cube_driver.go:35:2: missing go.sum entry for module providing package "
        "github.com/matrixorigin/matrixcube/config (imported by "
        "github.com/matrixorigin/matrixone/pkg/frontend); to add:\n"
        "\tgo get github.com/matrixorigin/matrixone/pkg/frontend\n"
        "cmd/db-server/main.go:48:2: missing go.sum entry for module providing package "
        "github.com/matrixorigin/matrixcube/pb/bhmetapb; to add:\n"
        "\tgo mod download github.com/matrixorigin/matrixcube\n"
    )
    diagnosis = diagnose(log, SpellIndex.build(docs))
    first, last = (next(m.score for m in found if m.spell_id == go_sum) for found in diagnosis.each)
    assert first < last  # the words around the first one fit the spell a little worse
    match = diagnosis.ranked[0]
    assert match.spell_id == go_sum
    assert diagnosis.errors[match.error_index].file == "pkg/vm/driver/cube_driver.go"


def test_a_step_that_fails_with_a_line_no_parser_reads_gets_that_line_as_its_error():
    """Regression: the only error recorded was "Process completed with exit code 1", so the
    failure record and drafting never saw why the step failed."""
    log = (
        "##[group]Run python -m widgets\n"
        "Collecting widgets\n"
        "GizmoError: no gizmo registered for widgets.core\n"
        "Cleaning up temporary files\n"
        "##[error]Process completed with exit code 1.\n"
    )
    diagnosis = diagnose(log, SpellIndex.build([]))
    messages = [error.message for error in diagnosis.errors]
    assert "GizmoError: no gizmo registered for widgets.core" in messages
    assert diagnosis.ranked == []


def test_a_step_whose_log_says_why_gets_no_extra_error():
    log = (
        "src/app.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n"
        "Build stopped: cannot continue\n"
        "##[error]Process completed with exit code 2.\n"
    )
    extracted = [error.message for error in extract_errors(clean_log(log))]
    assert [error.message for error in diagnose(log, SpellIndex.build([])).errors] == extracted


def test_a_spell_found_without_its_pattern_in_the_tail_is_placed_at_the_steps_cause() -> None:
    # The spell was written for v3; the pasted log (Markdown fence and all) is about v1, so
    # only a relaxed form of the pattern finds it, and no line matches the pattern itself.
    artifact = spell(
        9,
        r"uses a deprecated version of `?actions/(?:upload|download)-artifact: v3`?",
        tags="github-actions,artifacts",
    )
    cause = (
        "This request has been automatically failed because it uses a deprecated version of "
        "`actions/upload-artifact: v1`."
    )
    log = f"```\nRun actions/upload-artifact@v1\n{cause}\n```"
    diagnosis = diagnose(log, SpellIndex.build([artifact]))
    [match] = diagnosis.ranked
    error = diagnosis.errors[match.error_index]
    assert (error.message, error.log_line) == (cause, 3)


# webpack 4 on Node 17+: Node prints the failed hash's error object, its code last, and
# the spell was written for the message line this paste does not have
NODE_OSSL_ERROR_OBJECT = (
    "> shop@1.0.0 build\n> webpack --mode production\n\n"
    "[webpack-cli] Compiler starting...\n"
    "[webpack-cli] Compiler is using config: '/home/runner/work/shop/shop/webpack.config.js'\n"
    "node:internal/crypto/hash:71\n"
    "  this[kHandle] = new _Hash(algorithm, xofLen);\n"
    "  opensslErrorStack: [ 'error:03000086:digital envelope routines::initialization error' ],\n"
    "  library: 'digital envelope routines',\n"
    "  reason: 'unsupported',\n"
    "  code: 'ERR_OSSL_EVP_UNSUPPORTED'\n"
    "}\n\nNode.js v18.12.0\n"
)


def test_the_steps_cause_is_matched_on_its_own_when_no_parser_found_an_error() -> None:
    # among the 88 spells of the project's evaluation book, the tail's words alone are
    # too few for the spell; the cause line carries its code
    book = load_spellbook()
    keys = [entry["key"] for entry in book]
    diagnosis = diagnose(NODE_OSSL_ERROR_OBJECT, SpellIndex.build(spell_docs(book)))
    assert [keys[m.spell_id] for m in diagnosis.ranked] == ["node-openssl3-md4-hash"]
    assert (
        diagnosis.errors[diagnosis.ranked[0].error_index].error_type == "ERR_OSSL_EVP_UNSUPPORTED"
    )


@pytest.mark.parametrize("min_score", [0.0, 0.3, DEFAULT_MIN_SCORE])
def test_a_lower_threshold_never_loses_the_score_of_the_steps_cause(min_score) -> None:
    """Regression: below the default threshold the tail's weak match of the same spell was
    kept and placed the cause's line first, and the cause's own score (its code agrees)
    was dropped: 0.37 at `min_score` 0.3 against 0.78 at 0.5."""
    book = load_spellbook()
    index = SpellIndex.build(spell_docs(book))
    default = diagnose(NODE_OSSL_ERROR_OBJECT, index).ranked[0]
    lowered = diagnose(NODE_OSSL_ERROR_OBJECT, index, min_score=min_score).ranked[0]
    assert (lowered.spell_id, lowered.score) == (default.spell_id, default.score)


def test_the_steps_cause_is_placed_relative_to_the_checkout_like_any_error() -> None:
    """Regression: a line the engine made an error of (the step's cause, a line of the tail
    a spell matched) kept the absolute path of a checkout on someone's machine, which the
    log's own errors have stripped."""
    log = (
        "complexity - 2h debt\n"
        "        LargeClass - 200/200 - [AwesomeBarView] at "
        "/home/androidstudio/fenix/app/src/main/java/org/mozilla/fenix/AwesomeBarView.kt:36:7\n"
    )
    [error] = diagnose(log, SpellIndex.build([])).errors
    assert (error.file, error.line) == ("app/src/main/java/org/mozilla/fenix/AwesomeBarView.kt", 36)
