"""Drifted wordings no pattern matches as written: relaxed forms, codes, detail lines.

Each log here is real output (the thread in a comment) whose wording differs from what the
spell's pattern was written for; each spell is written as a curator would for the
wording they knew. The negative cases are where the same mechanisms must stay silent.
"""

from __future__ import annotations

import pytest

from grimoire_bot.matching import SpellDoc, SpellIndex, diagnose
from grimoire_bot.matching.relaxed import (
    Relaxation,
    best_relaxed_match,
    relaxed_forms,
    required_alternatives,
)
from grimoire_bot.matching.tokens import tokenize
from grimoire_bot.spellbook.io import starter_spellbook


def relaxed(pattern: str, text: str) -> Relaxation | None:
    form = best_relaxed_match(relaxed_forms(pattern), text)
    return None if form is None else form.kind


ENGINE = (
    r"The engine \"node\" is incompatible with this module\. Expected version \"[^\"]+\"\. "
    r"Got \"[^\"]+\""
)


@pytest.mark.parametrize(
    ("pattern", "text", "kind"),
    [
        # yarn 1.5 ends the message before `Got "..."`
        (
            ENGINE,
            'error busy@2.4.0: The engine "node" is incompatible with this module. '
            'Expected version ">=7.10.1".',
            Relaxation.LOST_END,
        ),
        # a GraphQL error's second line has no `Error: ` in front
        (
            r"Error: Resource not accessible by integration",
            " - Resource not accessible by integration  ",
            Relaxation.LOST_START,
        ),
        # Go's exec says `permission denied` where the shell says `Permission denied`
        (
            r"\./[\w./-]+: Permission denied",
            "fork/exec ./gradlew: permission denied",
            Relaxation.CASE,
        ),
        # the spell was written when v3 was retired; v1 and v2 were retired the same way
        (
            r"uses a deprecated version of `?actions/(?:upload|download)-artifact: v3`?",
            "This request has been automatically failed because it uses a deprecated version "
            "of `actions/upload-artifact: v2`. Learn more: https://github.blog/changelog/",
            Relaxation.VERSION,
        ),
        (
            r"go: go\.mod requires go >= 1\.21\.0 \(running go [\d.]+\)",
            "go: go.mod requires go >= 1.22.4 (running go 1.21.6)",
            Relaxation.VERSION,
        ),
        # Node 8 names the failed allocation where the pattern lists Node 12+'s words
        # (cerner/terra-ui on Travis)
        (
            r"FATAL ERROR: (?:Reached heap limit|Ineffective mark-compacts near heap limit) "
            r"Allocation failed - JavaScript heap out of memory",
            "FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory",
            Relaxation.OTHER_ALTERNATIVE,
        ),
    ],
)
def test_a_message_cut_short_or_recased_still_fits_its_pattern(
    pattern: str, text: str, kind: Relaxation
) -> None:
    assert relaxed(pattern, text) is kind


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        # the shared first words of another message: the line goes on after them
        (
            r"ModuleNotFoundError: No module named 'distutils(?:\.\w+)?'",
            "ModuleNotFoundError: No module named 'yaml'",
        ),
        # the pattern's own distinction (^M) is what is missing, in the middle of the line
        (
            r"/bin/(?:ba)?sh\^M: bad interpreter: No such file or directory",
            "-bash: ./build_install.sh: bin/bash: bad interpreter: No such file or directory",
        ),
        # too little of the pattern left to say anything
        (
            r"error TS2307: Cannot find module '([^']+)' or its corresponding type declarations",
            "src/server.ts(1,21): error TS2307: Cannot find module 'express'.",
        ),
        (ENGINE, 'The engine "node" is'),
        # the pattern's wildcard would take any other argument once its anchor is cut
        # (komodo-releases: pytest-xdist missing, not pytest-cov)
        (r": error: unrecognized arguments: .*--cov", "pytest: error: unrecognized arguments: -n"),
        # a number that is not a version is the error itself: 137 is the OOM killer, 1 is not
        (r"Process completed with exit code 137", "Process completed with exit code 1"),
        (r"error TS2307: Cannot find module", "error TS2305: Cannot find module"),
        # a changed literal is another message: a circular import, not a missing name
        (
            r"ImportError: cannot import name '\w+' from '[\w.]+'",
            "ImportError: cannot import name 'DiffusionOutput' from partially initialized "
            "module 'vllm_omni.diffusion.data' (most likely due to a circular import)",
        ),
        # another value of a listed phrase is what the spell tells apart: 1 is not 137
        (
            r'error Command failed with (?:signal "SIGKILL"|exit code 137)\.',
            "error Command failed with exit code 1.",
        ),
        # an optional group already allows its absence; only listed alternatives are open
        (
            r"npm (?:ERR!|error) code (?:E404|ETARGET)? No matching version found for \S+",
            "npm ERR! code E404 Not Found - GET https://registry.example/pkg",
        ),
    ],
)
def test_a_different_message_sharing_part_of_the_pattern_is_not_a_relaxed_hit(
    pattern: str, text: str
) -> None:
    assert relaxed(pattern, text) is None


def spell(spell_id: int, title: str, error_type: str, pattern: str, tags: str) -> SpellDoc:
    return SpellDoc(
        id=spell_id,
        title=title,
        description="",
        error_type=error_type,
        error_pattern=pattern,
        tags=tags,
        ecosystem=None,
        status="approved",
    )


BOOK = [
    spell(1, "yarn: a package's engines field rejects this Node", "engine", ENGINE, "node,yarn"),
    spell(
        2,
        ".NET Framework reference assemblies not installed (MSB3644)",
        "MSB3644",
        r"[Ee]rror MSB3644: The reference assemblies for (?:framework )?\"?\.NETFramework,"
        r"Version=v[\d.]+\"? were not found",
        "dotnet,msbuild",
    ),
    spell(
        3,
        "GITHUB_TOKEN lacks a permission",
        "HttpError",
        r"Error: Resource not accessible by integration",
        "github-actions,permissions",
    ),
    spell(
        4,
        "Jest cannot parse ESM or TypeScript it did not transform",
        "SyntaxError",
        r"(?:Jest encountered an unexpected token|SyntaxError: Cannot use import statement "
        r"outside a module)",
        "jest,esm,babel",
    ),
    spell(
        5,
        "A script in the repository is not executable",
        "shell",
        r"\./[\w./-]+: Permission denied",
        "shell,permissions",
    ),
    spell(
        7,
        "Use of an undeclared crate or module (E0433)",
        "E0433",
        r"error\[E0433\]: failed to resolve: use of undeclared crate or module",
        "rust,cargo",
    ),
    spell(
        6,
        "Python cannot import a module that is not installed",
        "ModuleNotFoundError",
        r"ModuleNotFoundError: No module named '[\w.]+'",
        "python,import",
    ),
    spell(
        8,
        "Classes compiled for a newer Java than the runtime",
        "UnsupportedClassVersionError",
        r"UnsupportedClassVersionError: \S+ has been compiled by a more recent version of the "
        r"Java Runtime \(class file version [\d.]+\)",
        "java,jvm",
    ),
    spell(
        9,
        "Elixir: a module the code calls is not available",
        "UndefinedFunctionError",
        r"is undefined \(module ([\w.]+) is not available\)",
        "elixir",
    ),
]
INDEX = SpellIndex.build(BOOK)


@pytest.mark.parametrize(
    ("log", "spell_id"),
    [
        # yarn 1.5 (a log in a local issue): the bare `error ` line, cut before `Got`
        (
            "yarn install v1.5.1\n[1/5] Validating package.json...\n"
            'error busy@2.4.0: The engine "node" is incompatible with this module. '
            'Expected version ">=7.10.1".\n'
            'error An unexpected error occurred: "Found incompatible module".\n',
            1,
        ),
        # a Chinese-localised .NET SDK: only the code is in English
        (
            "C:\\Program Files\\dotnet\\sdk\\2.2.300\\Microsoft.Common.CurrentVersion.targets"
            "(1175,5): error MSB3644: \u672a\u627e\u5230\u6846\u67b6\u201c.NETFramework,Versi\n"
            "on=v4.5\u201d\u7684\u5f15\u7528\u7a0b\u5e8f\u96c6\u3002\n",
            2,
        ),
        # actions/github-script's GraphQL flavour: the specific line follows a generic one
        (
            "Error: Request failed due to following response errors:\n"
            " - Resource not accessible by integration  \n",
            3,
        ),
        # Cloud Native Buildpacks run gradlew through Go's exec
        (
            'executing command "./gradlew clean assemble -x test --build-cache --quiet": '
            "fork/exec ./gradlew: permission denied\n",
            5,
        ),
        # Java 7 words it `Unsupported major.minor version`, inside Gradle's cause (Travis CI)
        (
            "FAILURE: Build failed with an exception.\n\n* What went wrong:\n"
            "A problem occurred evaluating project ':app'.\n"
            "> java.lang.UnsupportedClassVersionError: com/android/build/gradle/AppPlugin : "
            "Unsupported major.minor version 52.0\n* Try:\nRun with --stacktrace option.\n",
            8,
        ),
    ],
)
def test_drifted_wordings_find_their_spell(log: str, spell_id: int) -> None:
    ranked = diagnose(log, INDEX).ranked
    assert ranked and ranked[0].spell_id == spell_id
    assert ranked[0].reason == "similar"


@pytest.mark.parametrize(
    "log",
    [
        # GothenburgBitFactory/taskchampion: a Unix-only module built on Windows
        "error[E0433]: failed to resolve: could not find `unix` in `os`\n"
        "  --> cli\\src\\lib.rs:34:14\n",
        # a dependency's macro used quote's private module, removed in quote 1.0.3
        "error[E0433]: failed to resolve: could not find `__rt` in `quote`\n",
    ],
)
def test_the_same_code_with_another_of_its_messages_is_not_the_spell(log: str) -> None:
    """rustc's E0433 has several messages: the code alone no longer speaks for the spell
    when the error shares its wording but not the words that make it this message."""
    assert diagnose(log, INDEX).ranked == []


def test_the_spells_type_alone_does_not_make_another_cause_its_error() -> None:
    """UndefinedFunctionError is the elixir spell's type, but its pattern is about a module
    that is missing; an undefined function of a module that is there is another cause."""
    log = (
        "== Compilation error on file lib/elixir/lib/macro/env.ex ==\n"
        "** (UndefinedFunctionError) undefined function: Record.deffunctions/2\n"
        "    lib/elixir/lib/macro/env.ex:2: Kernel.defmodule/2\n"
    )
    assert diagnose(log, INDEX).ranked == []


def test_the_same_code_in_an_older_wording_still_finds_the_spell() -> None:
    log = "error[E0433]: failed to resolve: use of undeclared type or module `tokio`\n"
    ranked = diagnose(log, INDEX).ranked
    assert ranked and ranked[0].spell_id == 7


def test_a_python_syntax_error_is_not_offered_a_jest_spell() -> None:
    """Regression: flake8's E999 SyntaxError shared every word of the Jest spell's
    signature, and a Jest spell was offered for a truncated line of Python."""
    log = "./AddAfterAlarmToEvent.py:54:17: E999 SyntaxError: invalid syntax\n"
    assert diagnose(log, INDEX).ranked == []


def test_a_carriage_return_is_a_word_of_its_own() -> None:
    """A CRLF error is about its ^M (or \\r); the word pattern dropped it, so a shebang
    missing its slash read as the CRLF spell's message (bench/evalset g-0013)."""
    assert "carriagereturn" in tokenize("/bin/bash^M: bad interpreter: No such file")
    assert "carriagereturn" in tokenize("/usr/bin/env: 'bash\\r': No such file or directory")
    assert "carriagereturn" not in tokenize("bin/bash: bad interpreter: No such file")
    assert "carriagereturn" not in tokenize("C:\\repo\\readme.md")


def test_a_word_a_console_cut_in_two_is_read_whole() -> None:
    """MSBuild at a fixed console width cut 'TestMethod' into 'TestMe' / 'thod'
    (p-org/P's build log); joined with a space the pattern still missed it."""
    book = [
        spell(
            7,
            "C#: a type or namespace is missing (CS0246)",
            "CS0246",
            r"error CS0246: The type or namespace name '\w+' could not be found",
            "dotnet",
        ),
    ]
    log = (
        "  Integration\\DynamicError\\Advanced\\BangaloreToRedmondTest.cs(298,10): error CS0246:"
        " The type or namespace name 'TestMe\n"
        "thod' could not be found (are you missing a using directive or an assembly reference?)"
        " [C:\\Source\\P\\Ext\\PSharp\\Tests\\Te\n"
        "stingServices.Tests.Unit\\TestingServices.Tests.Unit.csproj]\n"
    )
    [match] = diagnose(log, SpellIndex.build(book)).ranked
    assert (match.spell_id, match.reason) == (7, "pattern")


def test_every_starter_pattern_has_relaxed_forms_that_keep_its_examples() -> None:
    """The atom reader copes with every real pattern: the case-folded form matches what the
    pattern matches, and no cut form matches an empty line."""
    for spell in starter_spellbook():
        forms = relaxed_forms(spell["error_pattern"])
        assert forms and forms[0].kind is Relaxation.CASE, spell["key"]
        for example in spell["examples"]:
            assert forms[0].regex.search(example), (spell["key"], example)
        assert not any(form.regex.search("") for form in forms), spell["key"]
        assert all(0.0 < form.specificity <= 1.0 for form in forms), spell["key"]


def test_a_spell_written_for_one_version_is_offered_for_the_same_message_about_another() -> None:
    # actions/upload-artifact v1, as pasted in a thread; the spell was written for v3.
    artifact = spell(
        9,
        "actions/upload-artifact v3 is retired",
        "",
        r"uses a deprecated version of `?actions/(?:upload|download)-artifact: v3`?",
        "github-actions,artifacts",
    )
    log = (
        "Error: This request has been automatically failed because it uses a deprecated "
        "version of `actions/upload-artifact: v1`. Learn more: "
        "https://github.blog/changelog/2024-02-13-deprecation-notice-v1-and-v2-of-the-artifact-actions/"
    )
    [match] = diagnose(log, SpellIndex.build([artifact])).ranked
    assert match.spell_id == 9 and match.score >= 0.5


def test_the_groups_of_alternatives_a_pattern_requires_are_read_per_branch() -> None:
    assert required_alternatives(r'failed with (?:signal "SIGKILL"|exit code 137)\.') == [
        [['signal "SIGKILL"', "exit code 137"]]
    ]
    # each top-level branch its own; an optional group is not required; an alternative
    # with no literal text (any number) is kept empty, so it says nothing
    assert required_alternatives(r"a (?:b|c) d|e (?:f|\d+) g (?:h|i)? j") == [
        [["b", "c"]],
        [["f", ""]],
    ]
