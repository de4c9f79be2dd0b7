"""A tool that prints the very command a spell's fix runs points at that spell, whatever
words its message used; a command the job ran, or one many spells run, points at none."""

from __future__ import annotations

import pytest

from grimoire_bot.matching import SpellDoc, SpellIndex, diagnose
from grimoire_bot.matching.fixes import advised_options, fix_commands

# git 2.35.2 (tpm2-software/tpm2-tools CI): the spell below was written for 2.36's wording.
UNSAFE_REPOSITORY = """\
Push to branch main
fatal: unsafe repository ('/github/workspace' is owned by someone else)
To add an exception for this directory, call:

\tgit config --global --add safe.directory /github/workspace
"""
DUBIOUS_OWNERSHIP = r"detected dubious ownership in repository at '[^']+'"
SAFE_DIRECTORY_FIX = 'git config --global --add safe.directory "$GITHUB_WORKSPACE"'


def spell(spell_id: int, pattern: str, solution: str, title: str = "") -> SpellDoc:
    return SpellDoc(
        id=spell_id,
        title=title or "git refuses a repository owned by another user",
        description="",
        error_type="git",
        error_pattern=pattern,
        tags="git,containers",
        ecosystem=None,
        status="approved",
        solution=solution,
    )


def ranked(log: str, *spells: SpellDoc) -> list[int]:
    return [match.spell_id for match in diagnose(log, SpellIndex.build(spells)).ranked]


@pytest.mark.parametrize(
    ("solution", "commands"),
    [
        (SAFE_DIRECTORY_FIX, ["git config --global --add safe.directory"]),
        ("bundle lock --add-platform x86_64-linux", ["bundle lock --add-platform x86_64-linux"]),
        # `sudo` is left out; the command is kept up to its first placeholder
        (
            "sudo apt-get install -y pkg-config libssl-dev   # Debian, Ubuntu",
            ["apt-get install -y pkg-config libssl-dev"],
        ),
        ("npm install --save-dev jest-environment-jsdom@<major of jest>", []),
        # generic commands: the fix of many errors
        ("go mod tidy\ngit add go.sum", []),
        ("python -m pip install <package>", []),
        ("sudo apt-get install -y <the -dev package>", []),
        ("docker run --rm -v", []),
        # code and comments are not commands
        ("from collections.abc import Mapping", []),
        ("// or use ts-jest / babel-jest, or native ESM", []),
        ("- run: pnpm install --frozen-lockfile", []),
    ],
)
def test_only_specific_commands_of_a_solution_count(solution: str, commands: list[str]) -> None:
    found = [
        command.replace("[ \\t]+", " ").replace("\\", "") for command in fix_commands(solution)
    ]
    assert found == commands


def test_a_reworded_error_that_prints_the_spells_fix_finds_the_spell() -> None:
    assert ranked(UNSAFE_REPOSITORY, spell(1, DUBIOUS_OWNERSHIP, SAFE_DIRECTORY_FIX)) == [1]


def test_without_the_fix_in_its_solution_the_same_spell_is_not_found() -> None:
    # (git's older wording is also a dialect of the newer one now: dialects.py)
    assert ranked(BUNDLER_2_2, bundler_spell("see the Bundler docs")) == []


@pytest.mark.parametrize(
    "log",
    [
        # a shell's echo, with xtrace's nesting
        "$ git config --global --add safe.directory /github/workspace\n"
        "fatal: could not read Username for 'https://github.com': No such device or address\n",
        "++ git config --global --add safe.directory /github/workspace\n"
        "error: could not lock config file /root/.gitconfig: File exists\n",
        # make echoes a recipe's commands bare
        "make[1]: Entering directory '/w'\n"
        "git config --global --add safe.directory /w\n"
        "configure: error: C compiler cannot create executables\n",
        # an Actions step's script, echoed under its `Run` line
        "Run git config --global --add safe.directory $GITHUB_WORKSPACE\n"
        "  git config --global --add safe.directory $GITHUB_WORKSPACE\n"
        "  make build\n  shell: /usr/bin/bash -e {0}\n"
        "make: *** [Makefile:3: build] Error 2\nerror: build failed\n",
        # a command reported as failed, quoted or not
        "Command failed: git config --global --add safe.directory /w\nfatal: $HOME not set\n",
    ],
)
def test_a_command_the_job_ran_is_not_a_fix_the_tool_printed(log: str) -> None:
    assert ranked(log, spell(1, DUBIOUS_OWNERSHIP, SAFE_DIRECTORY_FIX)) == []


# Bundler 2.2's wording; the spell below was written for a later one, which offers the same
# command
BUNDLER_2_2 = (
    'Your bundle only supports platforms ["x86_64-darwin-19"] but your local platform is\n'
    "x86_64-linux. Add the current platform to the lockfile with\n"
    "`bundle lock --add-platform x86_64-linux` and try again.\n"
)
ADD_PLATFORM_FIX = "bundle lock --add-platform x86_64-linux"


def bundler_spell(solution: str, spell_id: int = 2, title: str = "") -> SpellDoc:
    return spell(
        spell_id,
        r"Your lockfile does not include the current platform, \S+",
        solution,
        title or "Bundler: the lockfile lacks the runner's platform",
    )


def test_a_command_a_tool_quotes_as_advice_counts() -> None:
    assert ranked(BUNDLER_2_2, bundler_spell(ADD_PLATFORM_FIX)) == [2]


def test_a_command_several_spells_run_points_at_none_of_them() -> None:
    other = spell(3, r"Could not find gem '\S+' in locked gems", ADD_PLATFORM_FIX, "gem missing")
    assert ranked(BUNDLER_2_2, bundler_spell(ADD_PLATFORM_FIX), other) == []


@pytest.mark.parametrize(
    ("solution", "options"),
    [
        (
            "close resources in afterAll; find them with jest --detectOpenHandles",
            ["--detectOpenHandles"],
        ),
        ("npm install --legacy-peer-deps   # or fix the peer range", ["--legacy-peer-deps"]),
        # one-word options are everyone's
        ("git config --global --add safe.directory", []),
        ("npx eslint . --fix", []),
    ],
)
def test_only_compound_options_of_a_solution_count(solution: str, options: list[str]) -> None:
    assert advised_options(solution) == options


JEST_OPEN_HANDLES = r"Jest did not exit one second after the test run has completed\."
OPEN_HANDLES_FIX = "close what the tests open in afterAll; find it with jest --detectOpenHandles"


def open_handles_spell() -> SpellDoc:
    return SpellDoc(
        id=7,
        title="Jest did not exit: tests leave handles open",
        description="",
        error_type="jest",
        error_pattern=JEST_OPEN_HANDLES,
        tags="jest,node",
        ecosystem="node",
        status="approved",
        solution=OPEN_HANDLES_FIX,
    )


def test_an_option_the_tool_advises_finds_the_spell_that_passes_it() -> None:
    # Jest's worker pool words the same leak otherwise
    log = (
        "A worker process has failed to exit gracefully and has been force exited. This is "
        "likely caused by tests leaking due to improper teardown. Try running with "
        "--detectOpenHandles to find leaks.\n"
    )
    assert ranked(log, open_handles_spell()) == [7]


def test_an_option_a_failed_command_carried_is_not_advice() -> None:
    log = (
        "error Command failed with exit code 1: jest --detectOpenHandles --ci\n"
        "A worker process has failed to exit gracefully and has been force exited.\n"
    )
    assert ranked(log, open_handles_spell()) == []
