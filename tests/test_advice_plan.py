"""The planning core: from what is stored about a commit to the one run to send (no I/O)."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from grimoire_bot.advice.buttons import Recheck, Vote, buttons, parse_action
from grimoire_bot.advice.model import (
    AdvisedError,
    CommitAdvice,
    ExtraSection,
    HeldAnnotation,
    PostingSettings,
    SourceAdvice,
    SourceKind,
    SpellInfo,
)
from grimoire_bot.advice.plan import full_summary, plan_run, worth_posting
from grimoire_bot.advice.summary import SUMMARY_LIMIT
from grimoire_bot.drafts import AiDraft, ShownDraft, render_ai_drafts_section
from grimoire_bot.matching import ErrorRecord, RepoFiles

README = Path(__file__).resolve().parents[1] / "README.md"
SAMPLE_START = "<!-- summary sample: tests/test_advice_plan.py -->"
SAMPLE_END = "<!-- end of summary sample -->"
SHA = "0123456789abcdef0123456789abcdef01234567"
PUBLIC_URL = "https://grimoire.example.com"
YAML = SpellInfo(
    12, "Python: a module is not installed", "python -m pip install -r requirements.txt"
)
TS2307 = SpellInfo(40, "TypeScript: a module cannot be found (TS2307)", "npm install lodash")
TYPES = SpellInfo(41, "TypeScript: the module ships no types", "npm install -D @types/lodash")


def error(message: str, file: str | None = None, line: int | None = None) -> ErrorRecord:
    return ErrorRecord(
        message=message,
        error_type=None,
        file=file,
        line=line,
        column=None,
        ecosystem=None,
        context=(),
        fingerprint=re.sub(r"'[^']*'|\d+", "_", message),
        text=message,
        log_line=None,
    )


def job(number: int, name: str, *advised: AdvisedError, **extra: object) -> SourceAdvice:
    return SourceAdvice(
        key=f"check-run:{number}",
        kind=SourceKind.JOB,
        name=name,
        html_url=f"https://github.com/octo-org/octo-repo/actions/runs/77/job/{number}",
        advised=advised,
        **extra,  # type: ignore[arg-type]
    )


MISSING_YAML = AdvisedError(
    error("ModuleNotFoundError: No module named 'yaml'", "tests/test_client.py", 4),
    ((YAML, 0.93),),
)
MISSING_LODASH = AdvisedError(
    error("error TS2307: Cannot find module 'lodash'", "src/api/client.ts", 12),
    ((TS2307, 0.91), (TYPES, 0.84)),
)
DEBUGGER = AdvisedError(
    error("breakpoint()", "app/views.py", 11),
    ((SpellInfo(77, "Python: a debugger call was left in", "Remove the breakpoint() call."), 1.0),),
)


SAMPLE_NOTE = (
    "**Settings:** `octo-org/octo-repo/.github/grimoire.yml` max\\_annotations: Input "
    "should be less than or equal to 1000; the last good settings from it apply until it "
    "is fixed."
)
SAMPLE_DRAFT = ShownDraft(
    "Error: frobnicator quota exhausted for widget 'alpha' (code FQX-17)",
    "tools/build.sh:12",
    AiDraft(
        spell_id=512,
        title="Frobnicator: the widget quota is used up",
        description="The frobnicator refuses more widgets once the quota of the day is spent.",
        error_type="FQX-17",
        error_pattern=r"frobnicator quota exhausted for widget '[^']+'",
        solution_code="frob quota reset --widget alpha",
        tags="build",
        confidence=0.62,
        provider="openai",
        model="gpt-5.4-mini",
    ),
)


def drafts_section(*drafts: ShownDraft) -> ExtraSection:
    return ExtraSection(
        render_ai_drafts_section(list(drafts), public_url=PUBLIC_URL),
        f"_{len(drafts)} AI drafts did not fit._",
    )


def sample_commit(*extras: ExtraSection) -> CommitAdvice:
    """Three matrix jobs and a lint job fail; the pull request adds a debugger call."""
    return CommitAdvice(
        repository="octo-org/octo-repo",
        head_sha=SHA,
        sources=(
            job(1, "test (ubuntu-latest, 3.11)", MISSING_YAML),
            job(2, "test (ubuntu-latest, 3.12)", MISSING_YAML),
            job(3, "test (windows-latest, 3.12)", MISSING_YAML),
            job(4, "lint", MISSING_LODASH),
            SourceAdvice(
                key="diff:21",
                kind=SourceKind.DIFF,
                name="pull request #21",
                html_url="https://github.com/octo-org/octo-repo/pull/21",
                advised=(DEBUGGER,),
            ),
        ),
        tallies={12: (2, 0)},
        extras=extras,
    )


def readme_sample() -> str:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(SAMPLE_START), text.index(SAMPLE_END)
    block = text[start + len(SAMPLE_START) : end].strip("\n")
    return block.removeprefix("````markdown\n").removesuffix("\n````")


def test_the_readme_shows_a_summary_exactly_as_grimoire_renders_it() -> None:
    """The README's sample is rendered here; GRIMOIRE_UPDATE_README=1 rewrites it."""
    plan = plan_run(
        sample_commit(drafts_section(SAMPLE_DRAFT)),
        PostingSettings(public_url=PUBLIC_URL),
        [SAMPLE_NOTE],
    )
    rendered = f"**{plan.title}**\n\n{plan.summary}"
    if os.environ.get("GRIMOIRE_UPDATE_README") == "1":
        text = README.read_text(encoding="utf-8")
        start, end = text.index(SAMPLE_START) + len(SAMPLE_START), text.index(SAMPLE_END)
        block = f"\n````markdown\n{rendered}\n````\n"
        README.write_text(text[:start] + block + text[end:], encoding="utf-8")
    assert readme_sample() == rendered


def test_matrix_siblings_share_one_entry_that_names_every_job() -> None:
    plan = plan_run(sample_commit(), PostingSettings())
    summary = plan.summary
    assert summary.count("ModuleNotFoundError") == 1
    assert (
        "failed in `test (ubuntu-latest, 3.11)`, `test (ubuntu-latest, 3.12)` and "
        "`test (windows-latest, 3.12)`" in summary
    )
    assert (
        summary.count("1 error of this job is listed above, under `test (ubuntu-latest, 3.11)`")
        == 2
    )
    assert plan.title == "4 spells for 2 errors in 4 failed jobs and 1 added line"
    # One annotation per place, naming every job it failed in.
    places = [(a.path, a.line) for a in plan.annotations]
    assert places == [("app/views.py", 11), ("tests/test_client.py", 4), ("src/api/client.ts", 12)]
    assert (
        "Failing in: test (ubuntu-latest, 3.11), test (ubuntu-latest, 3.12)"
        in (plan.annotations[1].body["message"])
    )


def test_the_buttons_rate_the_first_entrys_spell_and_the_summary_says_so() -> None:
    plan = plan_run(sample_commit(), PostingSettings())
    assert plan.voted_spell_id == YAML.id
    assert [a["identifier"] for a in plan.actions] == ["helpful:12", "unhelpful:12", "recheck"]
    assert "**The buttons rate spell #12**" in plan.summary
    assert "Votes in this repository: 2 helpful · 0 not relevant" in plan.summary
    assert all(
        len(a["label"]) <= 20 and len(a["description"]) <= 40 and len(a["identifier"]) <= 20
        for a in plan.actions
    )


def test_button_identifiers_read_back_as_what_they_do() -> None:
    assert parse_action("helpful:12") == Vote(12, 1)
    assert parse_action("unhelpful:12") == Vote(12, -1)
    assert parse_action("recheck") == Recheck()
    assert parse_action("unhelpful:") is None and parse_action("merge:1") is None
    # An id too long for an identifier gets no vote buttons, never a wrong spell's.
    assert [a["identifier"] for a in buttons(10**15)] == ["recheck"]


def test_a_failure_no_spell_knows_is_listed_only_when_the_repository_asks() -> None:
    commit = CommitAdvice("o/r", SHA, (job(1, "build"),))
    quiet = plan_run(commit, PostingSettings())
    told = plan_run(commit, PostingSettings(post_when_no_match=True))
    assert quiet.title == told.title == "No known spell for 1 failed job"
    assert "No known spell for its errors." in told.summary
    assert "### [build]" not in quiet.summary
    assert [a["identifier"] for a in told.actions] == ["recheck"]


def long_commit(entries: int) -> CommitAdvice:
    solution = "x" * 2900
    advised = tuple(
        AdvisedError(
            error(f"gizmo {name} exploded", f"src/{name}.py", number + 1),
            ((SpellInfo(number + 1, f"Gizmo {name}", solution), 0.9),),
        )
        for number, name in enumerate(
            f"part{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(entries)
        )
    )
    return CommitAdvice("octo-org/octo-repo", SHA, (job(1, "build", *advised),))


def test_a_summary_too_long_for_github_keeps_whole_entries_and_says_where_the_rest_are() -> None:
    commit = long_commit(40)
    plan = plan_run(commit, PostingSettings(public_url=PUBLIC_URL))
    assert len(plan.summary) <= SUMMARY_LIMIT
    shown = plan.summary.count("\n#### ")
    assert plan.left_out == 40 - shown > 0
    assert f"**{plan.left_out} more entries left out:** GitHub shows 65,535 characters" in (
        plan.summary
    )
    assert f"({PUBLIC_URL}/api/advice/octo-org/octo-repo/{SHA})" in plan.summary
    assert plan.summary.rstrip().endswith("rebuilds this run._")
    assert full_summary(commit, PostingSettings()).count("\n#### ") == 40
    without_url = plan_run(commit, PostingSettings())
    assert f"`GET /api/advice/octo-org/octo-repo/{SHA}`" in without_url.summary


def test_a_cut_summary_of_a_private_repository_links_to_the_console() -> None:
    """A browser has no API token: a private repository's readers are sent to the console,
    which checks what GitHub lets them see."""
    commit = dataclasses.replace(long_commit(40), private=True)
    plan = plan_run(commit, PostingSettings(public_url=PUBLIC_URL))
    assert f"({PUBLIC_URL}/console/advice/octo-org/octo-repo/{SHA})" in plan.summary
    assert "/api/advice/" not in plan.summary
    without_url = plan_run(commit, PostingSettings())
    assert f"`/console/advice/octo-org/octo-repo/{SHA}`" in without_url.summary


def test_a_summary_that_fits_is_never_cut() -> None:
    plan = plan_run(long_commit(15), PostingSettings())
    assert plan.left_out == 0
    assert "left out" not in plan.summary
    assert plan.summary.count("\n#### ") == 15


def test_annotations_skip_held_places_keep_the_budget_and_put_changed_lines_first() -> None:
    advised = tuple(
        AdvisedError(error(f"boom {n}", f"src/m{n}.py", 10), ((YAML, 0.9),)) for n in range(80)
    )
    held = tuple(HeldAnnotation(f"src/m{n}.py", 10, YAML.id, "t") for n in range(5))
    commit = CommitAdvice("o/r", SHA, (job(1, "build", *advised),), held=held)
    changed = {"src/m70.py": frozenset({10}), "src/m3.py": frozenset({10})}
    plan = plan_run(commit, PostingSettings(max_annotations=60, changed_lines=changed))
    places = [(a.path, a.line) for a in plan.annotations]
    assert len(places) == 55 == len(set(places))
    assert places[0] == ("src/m70.py", 10)  # changed; src/m3.py is held already
    assert not {(h.path, h.line) for h in held} & set(places)
    assert [len(batch) for batch in plan.batches()] == [50, 5]
    ignored = plan_run(commit, PostingSettings(ignore_paths=("src/*",)))
    assert ignored.annotations == []
    assert plan_run(commit, PostingSettings(annotate=False)).annotations == []


PATHS = st.sampled_from(["src/a.py", "src/b.py", "/usr/lib/x.py", "../up.py", "C:\\a.py", None])
ERRORS = st.builds(
    lambda message, path, line, score: AdvisedError(error(message, path, line), ((YAML, score),)),
    st.sampled_from(["boom", "bang 'x'", "crash 3"]),
    PATHS,
    st.none() | st.integers(0, 5),
    st.floats(0.5, 1.0),
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(ERRORS, max_size=6), max_size=5),
    st.lists(st.tuples(PATHS, st.integers(1, 5)), max_size=4),
    st.integers(0, 12),
)
def test_a_run_never_holds_a_place_twice_nor_more_than_its_budget(
    jobs_errors: list[list[AdvisedError]], held_places: list, budget: int
) -> None:
    held = tuple(
        HeldAnnotation(path, line, 1, "t") for path, line in dict.fromkeys(held_places) if path
    )
    sources = tuple(job(n, f"job {n}", *errors) for n, errors in enumerate(jobs_errors))
    plan = plan_run(
        CommitAdvice("o/r", SHA, sources, held=held), PostingSettings(max_annotations=budget)
    )
    places = [(a.path, a.line) for a in plan.annotations]
    assert len(places) == len(set(places))
    assert not set(places) & {(h.path, h.line) for h in held}
    assert len(held) + len(places) <= max(budget, len(held))
    assert all(a.path.startswith("src/") and a.line >= 1 for a in plan.annotations)
    assert len(plan.summary) <= SUMMARY_LIMIT


def test_notes_follow_the_lead_and_drafts_follow_every_spell() -> None:
    plan = plan_run(sample_commit(drafts_section(SAMPLE_DRAFT)), PostingSettings(), [SAMPLE_NOTE])
    summary = plan.summary
    lead_end = summary.index("(the first one below)")
    assert lead_end < summary.index(SAMPLE_NOTE) < summary.index("## Failed jobs")
    drafts = summary.index("## AI drafts, not reviewed")
    assert drafts > summary.index("## Known trouble in added lines")
    assert drafts > summary.rindex("**Spell:**")
    assert summary.rstrip().endswith("rebuilds this run._")
    # Drafts never change what the title counts, nor which spell the buttons rate.
    assert plan.title == plan_run(sample_commit(), PostingSettings()).title
    assert plan.voted_spell_id == YAML.id


def test_drafts_get_only_the_room_the_spells_leave() -> None:
    """An AI draft must never push an approved spell out of a summary GitHub cuts."""
    commit = long_commit(40)
    without = plan_run(commit, PostingSettings())
    draft = drafts_section(SAMPLE_DRAFT)
    crowded = plan_run(
        CommitAdvice(commit.repository, SHA, commit.sources, extras=(draft,)), PostingSettings()
    )
    assert "## AI drafts" not in crowded.summary
    assert draft.left_out in crowded.summary
    assert crowded.summary.count("\n#### ") == without.summary.count("\n#### ")
    assert len(crowded.summary) <= SUMMARY_LIMIT
    roomy = plan_run(
        CommitAdvice(commit.repository, SHA, long_commit(3).sources, extras=(draft,)),
        PostingSettings(),
    )
    assert "## AI drafts, not reviewed" in roomy.summary
    assert draft.left_out not in roomy.summary


def test_a_commit_with_only_drafts_is_worth_a_run() -> None:
    commit = CommitAdvice("o/r", SHA, (job(1, "build"),), extras=(drafts_section(SAMPLE_DRAFT),))
    plan = plan_run(commit, PostingSettings())
    assert plan.title == "No known spell for 1 failed job"
    assert "## AI drafts, not reviewed" in plan.summary
    assert worth_posting(commit, PostingSettings())
    assert not worth_posting(CommitAdvice("o/r", SHA, (job(1, "build"),)), PostingSettings())


def test_only_files_the_commit_has_are_annotated_when_its_tree_is_known() -> None:
    advised = tuple(
        AdvisedError(error("boom", path, 3), ((YAML, 0.9),))
        for path in ("src/real.py", "src/gone.py")
    )
    commit = CommitAdvice("o/r", SHA, (job(1, "build", *advised),))
    known = RepoFiles(["src/real.py", "README.md"])
    assert [a.path for a in plan_run(commit, PostingSettings(files=known)).annotations] == [
        "src/real.py"
    ]
    # Without the tree, or with one GitHub cut short, the printed paths are trusted.
    for files in (None, RepoFiles(["src/real.py"], complete=False)):
        planned = plan_run(commit, PostingSettings(files=files)).annotations
        assert [a.path for a in planned] == ["src/real.py", "src/gone.py"]
