"""One message as another toolchain or version words it (dialects.py).

A spell written for one wording must match the others of the same diagnostic, and never
a sibling with another cause that happens to share words.
"""

from __future__ import annotations

import re
import string
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grimoire_bot.matching import SpellDoc, SpellIndex, diagnose
from grimoire_bot.matching.dialects import (
    FAMILIES,
    MAX_TEXT_CHARS,
    SIBLINGS,
    Family,
    _Fields,
    other_wordings,
    reword,
    sample_fields,
)

VERSION_FIELDS = {
    "version",
    "go_version",
    "class_version",
    "running",
    "required",
    "active",
    "supported",
    "release",
    "target",
}


def printed_fields(line: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(line) if name}


def field_values() -> st.SearchStrategy[dict[str, str]]:
    word = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
    version = st.from_regex(r"[1-9]\.[0-9]{1,2}\.[0-9]", fullmatch=True)
    names = {
        name for family in FAMILIES for form in family.forms for name in printed_fields(form.line)
    }
    special = {
        "shell": st.sampled_from(["bash", "sh", "zsh", "python3", "node"]),
        "keyword": st.sampled_from(["import", "export"]),
        "format": st.integers(1, 9).map(str),
        "old": st.integers(10, 24).map(str),
        "new": st.integers(10, 24).map(str),
        "repository": st.from_regex(r"[a-z]{1,8}/[a-z]{1,8}", fullmatch=True),
        "script": st.from_regex(r"\./[a-z]{1,8}\.sh", fullmatch=True),
        "kind": st.sampled_from(["Core", "Standard"]),
        "action": st.sampled_from(["upload", "download"]),
        "repo": st.from_regex(r"[a-z]{1,8}/[a-z][a-z-]{0,8}", fullmatch=True),
        "variable": st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True),
        "url": st.from_regex(r"http://[a-z]{1,8}\.org/[a-z/]{1,12}\.deb", fullmatch=True),
    }
    return st.fixed_dictionaries(
        {name: special.get(name, version if name in VERSION_FIELDS else word) for name in names}
    )


@pytest.mark.parametrize("family", FAMILIES, ids=[family.name for family in FAMILIES])
@settings(max_examples=25, deadline=None)
@given(values=field_values())
def test_every_wording_of_a_family_brings_every_other(family: Family, values) -> None:
    for position, form in enumerate(family.forms):
        carried = {name: values[name] for name in printed_fields(form.line)}
        printed = form.line.format_map(_Fields({**family.defaults, **carried}))
        expected = {
            other.line.format_map(_Fields({**family.defaults, **carried}))
            for index, other in enumerate(family.forms)
            if index != position and other.given
        }
        assert expected <= set(other_wordings(printed)), (form.literal, printed)


def spell(spell_id: int, title: str, pattern: str, tags: str) -> SpellDoc:
    return SpellDoc(
        id=spell_id,
        title=title,
        description="",
        error_type=None,
        error_pattern=pattern,
        tags=tags,
        ecosystem=None,
        status="approved",
    )


# Each spell as a curator wrote it for the one wording they had seen.
BOOK = [
    spell(
        1,
        "A header file cannot be found",
        r"fatal error: [\w./+-]+: No such file or directory",
        "cpp,gcc",
    ),
    spell(
        2,
        "Classes compiled for a newer Java than the runtime",
        r"has been compiled by a more recent version of the Java Runtime \(class file version "
        r"[\d.]+\)",
        "java,jvm",
    ),
    spell(
        3,
        "npm 7+ refuses a peer-dependency conflict",
        r"npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE (?:unable to resolve dependency tree"
        r"|could not resolve)",
        "node,npm",
    ),
    spell(
        4,
        "Python cannot import a module that is not installed",
        r"ModuleNotFoundError: No module named '[\w.]+'",
        "python",
    ),
    spell(5, "go.mod requires a newer Go", r"go: go\.mod requires go >= [\d.]+", "go"),
    spell(6, "Node cannot resolve a module", r"Error: Cannot find module '[^']+'", "node"),
    spell(7, "The linker cannot find a symbol", r"undefined reference to `[^']+'", "cpp,ld"),
    spell(
        8,
        "COPY source not found in the build context",
        r"failed to calculate checksum of ref \S+: \"[^\"]+\": not found",
        "docker",
    ),
    spell(
        9,
        "git refuses a repository owned by another user",
        r"detected dubious ownership in repository at '[^']+'",
        "git",
    ),
]
INDEX = SpellIndex.build(BOOK)
NEIGHBOURS = [
    spell(
        10,
        "The Docker daemon is not reachable",
        r"Cannot connect to the Docker daemon at \S+\. Is the docker daemon running\?",
        "docker",
    ),
    spell(
        11,
        "ESLint finds no configuration file",
        r"ESLint couldn't find a configuration file\.",
        "eslint",
    ),
    spell(
        13,
        "A script has Windows line endings (^M)",
        r"/bin/(?:ba)?sh\^M: bad interpreter: No such file or directory",
        "shell,crlf",
    ),
    spell(14, "No C linker for rustc", r"error: linker `cc` not found", "rust"),
    spell(
        15,
        "ImportError: a name is missing from the imported module",
        r"ImportError: cannot import name '\w+' from '[\w.]+'",
        "python",
    ),
    spell(
        16,
        "clang: a header file cannot be found",
        r"fatal error: '[\w/]+\.h' file not found",
        "cpp,clang",
    ),
    spell(
        17,
        "pip finds no distribution for a requirement",
        r"ERROR: No matching distribution found for [\w.\-\[\]=<>~!,]+",
        "python,pip",
    ),
    spell(
        18,
        "The registry refuses the push",
        r"denied: requested access to the resource is denied$",
        "docker",
    ),
]


@pytest.mark.parametrize(
    ("log", "spell_id"),
    [
        # clang, and MSVC's C1083 (a gcc spell)
        (
            "src/net.c:3:10: fatal error: 'openssl/ssl.h' file not found\n#include <openssl/ssl.h>",
            1,
        ),
        (
            "main.cpp(1): fatal error C1083: Cannot open include file: 'boost/asio.hpp': No such "
            "file or directory",
            1,
        ),
        # Java 8's wording of a class file too new (a Java 9+ spell), and javac's
        (
            'Exception in thread "main" java.lang.UnsupportedClassVersionError: '
            "com/android/build/gradle/AppPlugin : Unsupported major.minor version 52.0",
            2,
        ),
        (
            "error: cannot access Foo\n  bad class file: /x/Foo.class\n    class file has wrong "
            "version 61.0, should be 55.0",
            2,
        ),
        # npm 10 prints `npm error` (an npm 9 spell)
        (
            "npm error code ERESOLVE\nnpm error ERESOLVE could not resolve\nnpm error\n"
            "npm error While resolving: app@1.0.0",
            3,
        ),
        # Python 2
        (
            'Traceback (most recent call last):\n  File "setup.py", line 3, in <module>\n'
            "    import yaml\nImportError: No module named yaml",
            4,
        ),
        # Go 1.20 and before meeting a go.mod of Go 1.21's three-part version
        (
            "go: errors parsing go.mod:\n/src/app/go.mod:3: invalid go version '1.21.8': must "
            "match format 1.23",
            5,
        ),
        # Apple's ld
        (
            'Undefined symbols for architecture arm64:\n  "_curl_easy_init", referenced from:\n'
            "      _main in main.o\nld: symbol(s) not found for architecture arm64",
            7,
        ),
        # the legacy builder (a BuildKit spell)
        (
            "Step 4/9 : COPY build/run.sh /app/\nCOPY failed: file not found in build context or "
            "excluded by .dockerignore: stat build/run.sh: file does not exist",
            8,
        ),
        # git 2.35.2 (tpm2-software/tpm2-tools CI), a spell for 2.36's wording
        (
            "Push to branch main\nfatal: unsafe repository ('/github/workspace' is owned by "
            "someone else)\nTo add an exception for this directory, call:",
            9,
        ),
    ],
)
def test_a_spell_written_for_one_wording_is_offered_for_another(log, spell_id) -> None:
    ranked = diagnose(log, INDEX).ranked
    assert ranked and ranked[0].spell_id == spell_id
    assert ranked[0].reason == "similar"


# Spells as the evaluation set's book words them, each for the wording of one release.
RELEASES_BOOK = [
    spell(
        21,
        "Node ran out of heap",
        r"FATAL ERROR: (?:Reached heap limit|Ineffective mark-compacts near heap limit) "
        r"Allocation failed - JavaScript heap out of memory",
        "node",
    ),
    spell(
        22,
        "require() of an ES module",
        r"\[ERR_REQUIRE_ESM\]: require\(\) of ES Module \S+",
        "node",
    ),
    spell(
        23,
        "TypeScript cannot resolve an import",
        r"error TS2307: Cannot find module '[^']+' or its corresponding type declarations",
        "typescript",
    ),
    spell(24, "javac cannot find a symbol", r"error: cannot find symbol", "java"),
    spell(
        25,
        "Gradle could not resolve dependencies",
        r"Could not resolve all (?:dependencies|files) for configuration",
        "gradle",
    ),
    spell(26, "CMake finds no C++ compiler", r"No CMAKE_CXX_COMPILER could be found", "cmake"),
    spell(
        27,
        "Deployment install after the Gemfile changed",
        r"You are trying to install in deployment mode after changing\s+your Gemfile",
        "ruby,bundler",
    ),
    spell(
        28,
        "A gem's native extension failed to build",
        r"BuildError: ERROR: Failed to build gem native extension\.",
        "ruby",
    ),
    spell(
        29,
        "The .NET SDK is older than the target framework",
        r"error NETSDK1045: The current \.NET SDK does not support targeting \.NET [\d.]+",
        "dotnet",
    ),
    spell(
        30,
        "Docker Hub pull rate limit",
        r"toomanyrequests: You have reached your pull rate limit",
        "docker",
    ),
    spell(
        31,
        "poetry.lock does not match pyproject.toml",
        r"pyproject\.toml changed significantly since poetry\.lock was last generated\.",
        "python,poetry",
    ),
    spell(
        32,
        "openssl-sys cannot find OpenSSL",
        r"Could not find directory of OpenSSL installation, and this",
        "rust",
    ),
    spell(
        41,
        "The lock file's Bundler is not installed",
        r"Could not find 'bundler' \(\d[\d.]*\) required by your \S*Gemfile\.lock",
        "ruby,bundler",
    ),
    spell(35, "pip refuses a system Python", r"^error: externally-managed-environment", "python"),
    spell(36, "A variable is not set under set -u", r": unbound variable$", "shell"),
    spell(
        37,
        "The apt mirror no longer has a package",
        r"Failed to fetch \S+\s+404\s+Not Found",
        "apt",
    ),
    spell(
        38,
        "NuGet finds no package",
        r"[Ee]rror NU1101: Unable to find package [\w.-]+\. No packages exist with this id in "
        r"source\(s\)",
        "dotnet,nuget",
    ),
    spell(
        39,
        "Jest runs in the node environment",
        r'Consider using the "jsdom" test environment',
        "jest",
    ),
    spell(
        40,
        "A workflow names an action that does not exist",
        r"Unable to resolve action `[^`]+`, (?:unable to find version `[^`]+`|repository not found)",
        "github-actions",
    ),
    spell(
        33,
        "upload/download-artifact v3 is retired",
        r"uses a deprecated version of `?actions/(?:upload|download)-artifact: v3`?",
        "github-actions",
    ),
    spell(
        34,
        "go.mod requires a newer Go than the one running",
        r"go: go\.mod requires go >= [\d.]+ \(running go [\d.]+; GOTOOLCHAIN=local\)",
        "go",
    ),
]
RELEASES_INDEX = SpellIndex.build(RELEASES_BOOK)


@pytest.mark.parametrize(
    ("log", "spell_id"),
    [
        (
            "<--- JS stacktrace --->\n\nFATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - "
            "JavaScript heap out of memory\n 1: node::Abort() [node]",
            21,
        ),
        (  # Node 12
            "internal/modules/cjs/loader.js:1089\n      throw new ERR_REQUIRE_ESM(filename);\n"
            "Error [ERR_REQUIRE_ESM]: Must use import to load ES Module: "
            "/app/node_modules/chalk/source/index.js\n    at Module.load",
            22,
        ),
        ("src/app.ts(3,22): error TS2307: Cannot find module './config'.", 23),  # TypeScript 3
        (  # ts-loader
            "[tsl] ERROR in /app/src/index.ts(1,17)\n      TS2307: Cannot find module 'lodash' "
            "or its corresponding type declarations.",
            23,
        ),
        (  # Maven's compiler plugin
            "[ERROR] /home/runner/work/app/app/src/main/java/com/x/App.java:[12,8] cannot find "
            "symbol\n  symbol:   class Foo\n  location: class com.x.App",
            24,
        ),
        (  # Gradle 7
            "* What went wrong:\nCould not resolve all task dependencies for configuration "
            "':app:debugCompileClasspath'.\n> Could not find com.x:y:1.0.",
            25,
        ),
        (  # CMake 2
            'CMake Error: your CXX compiler: "CMAKE_CXX_COMPILER-NOTFOUND" was not found.   '
            "Please set CMAKE_CXX_COMPILER to a valid compiler path or name.",
            26,
        ),
        (  # Bundler 2.5
            "The gemspecs for path gems changed, but the lockfile can't be updated because "
            "frozen mode is set\n\nRun `bundle install` elsewhere and add the updated "
            "Gemfile.lock to version control.",
            27,
        ),
        (  # `gem install`
            "Building native extensions. This could take a while...\nERROR:  Error installing "
            "pg:\n\tERROR: Failed to build gem native extension.\n\n    current directory: "
            "/var/lib/gems/2.7.0/gems/pg-1.2.3/ext",
            28,
        ),
        (  # .NET Core 3
            "/usr/share/dotnet/sdk/3.0.101/Sdks/Microsoft.NET.Sdk/targets/Microsoft.NET."
            "TargetFrameworkInference.targets(127,5): error NETSDK1045: The current .NET SDK does "
            "not support targeting .NET Core 3.1.  Either target .NET Core 3.0 or lower, or use "
            "a version of the .NET SDK that supports .NET Core 3.1.",
            29,
        ),
        (  # since 2025
            "Error response from daemon: toomanyrequests: You have reached your unauthenticated "
            "pull rate limit. https://www.docker.com/increase-rate-limit",
            30,
        ),
        (  # Poetry 1.7, with `poetry check --lock`
            "Error: poetry.lock is not consistent with pyproject.toml. Run `poetry lock "
            "[--no-update]` to fix it.",
            31,
        ),
        (  # v2, retired with v3
            "Error: This request has been automatically failed because it uses a deprecated "
            "version of `actions/upload-artifact: v2`. Learn more: "
            "https://github.blog/changelog/2024-04-16-deprecation-notice-v3-of-the-artifact-actions/",
            33,
        ),
        (  # Go 1.20 building a module of Go 1.21
            "../../go/pkg/mod/golang.org/x/exp@v0.0.0/slices/sort.go:10:2: package cmp is not in "
            "GOROOT (/usr/local/go/src/cmp)",
            34,
        ),
        (  # uv
            "Using Python 3.12.3 environment at: /usr\nerror: The interpreter at /usr is "
            "externally managed, and indicates the following:\n\n  To install Python packages "
            "system-wide, try apt install python3-xyz",
            35,
        ),
        ("+ test -n main\n./ci/deploy.sh: 12: DEPLOY_KEY: parameter not set", 36),  # dash
        (  # apt before 1.0, its summary cut off
            "Err http://archive.ubuntu.com/ubuntu/ trusty-security/main linux-libc-dev amd64 "
            "3.13.0-107.154\n  404  Not Found [IP: 91.189.88.161 80]\nFetched 101 MB in 3min",
            37,
        ),
        (  # nuget.exe restoring packages.config
            "Errors in packages.config projects\n    Unable to find version '2.1.0' of package "
            "'Microsoft.UI.Xaml'.\n      https://api.nuget.org/v3/index.json: Package "
            "'Microsoft.UI.Xaml.2.1.0' is not found on source 'https://api.nuget.org/v3/index.json'.",
            38,
        ),
        (  # Jest 26: no hint, a DOM global missing in a test
            "  ● Home \u203a renders\n\n    ReferenceError: document is not defined\n\n      at render "
            "(node_modules/@testing-library/react/dist/pure.js:83:5)\n      at Object.<anonymous> "
            "(src/Home.test.tsx:9:29)",
            39,
        ),
        (  # the runner in 2020
            "Download action repository 'fsfe/reuse-action@v1'\n##[error]An action could not be "
            "found at the URI 'https://api.github.com/repos/fsfe/reuse-action/tarball/v1'",
            40,
        ),
        (  # Bundler 1 resolving a Gemfile that pins another Bundler
            '    Bundler could not find compatible versions for gem "bundler":\n      In Gemfile:\n'
            "        vagrant was resolved to 1.8.6, which depends on\n"
            "          bundler (= 1.12.5)\n\n      Current Bundler version:\n"
            "        bundler (1.13.6)\n    This Gemfile requires a different version of Bundler.",
            41,
        ),
        (  # a requirement with an operator: the version is what follows it
            'Bundler could not find compatible versions for gem "bundler":\n  In Gemfile:\n'
            "    bundler (~> 2.0)\n\n  Current Bundler version:\n    bundler (1.17.2)\n"
            "This Gemfile requires a different version of Bundler.",
            41,
        ),
        (  # openssl-sys 0.9.7 without pkg-config
            "error: failed to run custom build command for `openssl-sys v0.9.7`\n--- stderr\n"
            "thread 'main' panicked at 'called `Result::unwrap()` on an `Err` value: \"Failed "
            'to run `\\"pkg-config\\" \\"--libs\\" \\"--cflags\\" \\"openssl\\"`: No such '
            "file or directory (os error 2)\"'",
            32,
        ),
    ],
)
def test_a_spell_for_one_release_is_offered_for_another(log: str, spell_id: int) -> None:
    pattern = next(doc.error_pattern for doc in RELEASES_BOOK if doc.id == spell_id)
    assert not re.search(pattern, log, re.MULTILINE)  # the release's own words miss it
    # ... and its family gives them in the wording the spell was written for
    assert re.search(pattern, "\n".join(other_wordings(log)), re.MULTILINE)
    ranked = diagnose(log, RELEASES_INDEX).ranked
    assert ranked and ranked[0].spell_id == spell_id
    assert ranked[0].reason == "similar"


@pytest.mark.parametrize(
    "log",
    [
        # Jest's resolver, not Node's (a moduleNameMapper or a path alias)
        "Cannot find module '@app/constants' from 'src/index.ts'\n\n  at Resolver.resolveModule",
        # the dynamic loader at run time, not the linker
        "ImportError: /usr/lib/python3/site-packages/_ext.so: undefined symbol: _ZN3foo3barEv",
    ],
)
def test_a_sibling_with_another_cause_is_not_reworded(log: str) -> None:
    assert other_wordings(log) == []


@pytest.mark.parametrize(
    ("message", "wording"),
    [
        (
            "npm error code ERESOLVE\nnpm error ERESOLVE could not resolve",
            "npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE could not resolve",
        ),
        (
            "main.cpp(1): fatal error C1083: Cannot open include file: 'boost/asio.hpp': No such "
            "file or directory",
            "fatal error: boost/asio.hpp: No such file or directory",
        ),
        ("ImportError: No module named yaml", "ModuleNotFoundError: No module named 'yaml'"),
        (
            'error LNK2019: unresolved external symbol "void __cdecl f(void)" (?f@@YAXXZ) '
            "referenced in function main",
            'undefined reference to `"void __cdecl f(void)"\'',
        ),
        (
            "The term 'npx' is not recognized as a name of a cmdlet, function, script file, or "
            "executable program.",
            "bash: npx: command not found",
        ),
        ('error Command failed with signal "SIGKILL".', "exit code 137"),
    ],
)
def test_a_message_is_given_in_its_other_wordings(message: str, wording: str) -> None:
    assert wording in other_wordings(message)


@pytest.mark.parametrize(
    ("message", "not_said"),
    [
        ("tee: ./build.log: Permission denied", "./build.log"),  # writing a file
        ("Error: command not found", "Error"),  # no shell said it
        # npm 7 warns of an engine; its failure is elsewhere
        (
            'npm WARN notsup Unsupported engine for vite@5.0.0: wanted: {"node":">=18"} '
            '(current: {"node":"16.0.0"})',
            "EBADENGINE",
        ),
        # gcc's qualified name: no unknown type called `std`
        ("error: 'string' in namespace 'std' does not name a type", "unknown type name"),
        # not every process killed is yarn's
        ("web_1 exited with code 137", "SIGKILL"),
        # pkg-config missing another library: nothing says it is OpenSSL
        (
            'run pkg_config fail: "`\\"pkg-config\\" \\"--libs\\" \\"--cflags\\" \\"libffi\\"`',
            "OpenSSL",
        ),
        # a server-side render touching the DOM: no test runs
        (
            'Error occurred prerendering page "/".\nReferenceError: window is not defined\n'
            "    at Home (/app/.next/server/pages/index.js:1:2035)",
            "jsdom",
        ),
        # CMake lacks a C compiler, not the C++ one
        ("No CMAKE_C_COMPILER could be found.", "CMAKE_CXX_COMPILER"),
    ],
)
def test_a_message_of_another_kind_is_not_reworded_as_one(message: str, not_said: str) -> None:
    assert not [line for line in other_wordings(message) if not_said in line]


def test_every_form_reads_back_what_it_prints_with_real_values() -> None:
    for family in FAMILIES:
        for fields in sample_fields():
            for form in family.forms:
                line = form.line.format_map(_Fields({**family.defaults, **fields}))
                assert form.literal in line and form.regex.search(line), (family.name, line)


@pytest.mark.parametrize("family", FAMILIES, ids=[family.name for family in FAMILIES])
def test_no_form_backtracks_for_long_on_a_hostile_error(family: Family) -> None:
    """An error's text is untrusted and capped, not short: a long run of word characters,
    of one URL or of spaces before or after a form's literal must not make its regex try
    every position (`(\\w+): unbound variable` took 1.8 s on 20,000 letters)."""
    fill = MAX_TEXT_CHARS - 200
    for form in family.forms:
        for hostile in (
            "a" * fill + form.literal + " x",
            form.literal + "a" * fill + "\n" + form.literal,
            "Err http://" + "a" * fill + "\n " + form.literal,
            form.literal + " " * fill + "x",
        ):
            started = time.perf_counter()
            other_wordings(hostile)
            assert time.perf_counter() - started < 0.5, (form.literal, hostile[:40])


def test_a_sibling_may_be_told_by_the_lines_around_its_message() -> None:
    message = "No matching distribution found for numpy"
    unreachable = (
        "Could not fetch URL https://pypi.python.org/simple/numpy/: There was a problem "
        "confirming the ssl certificate: [SSL: CERTIFICATE_VERIFY_FAILED] - skipping"
    )
    family = "pip finds no distribution for a requirement"
    assert family in reword(message, around=unreachable).unlike
    assert family in reword(unreachable + "\n" + message).unlike  # one block of lines
    assert family not in reword(message).unlike
    assert family not in reword(message, around="Collecting numpy").unlike


@pytest.mark.parametrize(
    "log",
    [
        # a repository's Release file gone (a dead PPA): not a package the mirror dropped
        "Err:5 http://ppa.launchpad.net/deadsnakes/ppa/ubuntu jammy Release\n  404  Not Found "
        "[IP: 185.125.190.80 80]\nE: The repository 'http://ppa.launchpad.net/deadsnakes/ppa/"
        "ubuntu jammy Release' does not have a Release file.",
    ],
)
def test_a_repository_gone_is_not_a_package_the_mirror_dropped(log: str) -> None:
    assert not [line for line in other_wordings(log) if "Failed to fetch" in line]


@pytest.mark.parametrize(
    "log",
    [
        "Could not resolve all files for configuration ':app:debugRuntimeClasspath'.\n"
        "> Failed to transform core-1.9.0.aar (androidx.core:core:1.9.0) to match attributes",
        "Could not resolve all task dependencies for configuration ':app:debugCompileClasspath'."
        "\n> Could not resolve project :core.\n  No matching variant of project :core was found.",
    ],
)
def test_gradle_using_what_it_resolved_is_a_sibling_of_a_missing_dependency(log: str) -> None:
    assert "Gradle cannot resolve a configuration" in reword(log).unlike


def test_every_sibling_names_a_family() -> None:
    assert {sibling.family for sibling in SIBLINGS} <= {family.name for family in FAMILIES}


@pytest.mark.parametrize(
    ("log", "spell_id"),
    [
        # Jest's resolver on a stylesheet it has no mapper for (a Node spell is close by words)
        (
            "Cannot find module './App.css' from 'App.js'\n\n"
            "  at Resolver.resolveModule (node_modules/jest-resolve/build/index.js:259:17)",
            6,
        ),
        ("Cannot find module '@/components/Nav' from 'src/App.test.ts'", 6),
        # the daemon runs; this user may not use its socket (a daemon-down spell is close)
        (
            "permission denied while trying to connect to the Docker daemon socket at "
            'unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/info": '
            "dial unix /var/run/docker.sock: connect: permission denied",
            10,
        ),
        # a shared config in `extends` is missing, not the project's own
        (
            'ESLint couldn\'t find the config "airbnb" to extend from. Please check that the name '
            "of the config is correct.",
            11,
        ),
        # a shebang without its leading slash: no carriage return in it
        ("-bash: ./build_install.sh: bin/bash: bad interpreter: No such file or directory", 13),
        # MSVC's linker, whose fix is Visual Studio's C++ tools, not a Unix compiler
        (
            "error: linker `link.exe` not found\n  |\n  = note: program not found\n\nnote: the msvc "
            "targets depend on the msvc linker but `link.exe` was not found",
            14,
        ),
        # a system library the extension needs
        (
            'Traceback (most recent call last):\n  File "app.py", line 1, in <module>\n'
            "    import cv2\nImportError: libGL.so.1: cannot open shared object file: No such file "
            "or directory",
            15,
        ),
        # gcc's missing input file, against a header spell that asks for `.h`
        ("cc1: fatal error: src/main.c: No such file or directory\ncompilation terminated.", 16),
        # a pull of an image never built, not a push
        (
            "docker: Error response from daemon: pull access denied for cs50/sandbox, repository "
            "does not exist or may require 'docker login': denied: requested access to the "
            "resource is denied.",
            18,
        ),
        # a package importing itself in the wrong order: the name exists
        (
            "ImportError: cannot import name 'DiffusionOutput' from partially initialized module "
            "'vllm_omni.diffusion.data' (most likely due to a circular import)",
            15,
        ),
    ],
)
def test_a_known_sibling_is_not_offered_its_neighbours_spell(log: str, spell_id: int) -> None:
    by_words = SpellIndex.build([*BOOK, *NEIGHBOURS])
    assert spell_id not in [m.spell_id for m in diagnose(log, by_words, min_score=0.0).ranked]


def test_jests_resolver_missing_a_package_is_still_nodes_missing_package() -> None:
    log = "Cannot find module 'react' from 'jest.setup.js'"
    assert 6 in [m.spell_id for m in diagnose(log, INDEX).ranked]


def test_a_script_shadowing_a_package_stays_a_missing_name() -> None:
    # `xxx.py` importing the package `xxx` imports itself: the top-level module is the
    # project's file, and the family's spell (rename it) is the fix
    log = (
        "ImportError: cannot import name 'App' from partially initialized module 'xxx' (most "
        "likely due to a circular import) (/home/me/xxx.py)"
    )
    by_words = SpellIndex.build([*BOOK, *NEIGHBOURS])
    assert 15 in [m.spell_id for m in diagnose(log, by_words, min_score=0.0).ranked]


def test_pip_finding_nothing_on_an_index_it_never_reached_is_not_a_missing_distribution() -> None:
    # pip 9 without an SSL module; its line about the index is an error of its own, near the
    # spell by words (well below any threshold), and the spell is not offered for the rest
    log = (
        "Collecting numpy\n  Could not fetch URL https://pypi.python.org/simple/numpy/: There "
        "was a problem confirming the ssl certificate: Can't connect to HTTPS URL because the "
        "SSL module is not available. - skipping\n  Could not find a version that satisfies "
        "the requirement numpy (from versions: )\nNo matching distribution found for numpy"
    )
    by_words = SpellIndex.build([*BOOK, *NEIGHBOURS])
    assert 17 not in [m.spell_id for m in diagnose(log, by_words).ranked]


def test_pip_finding_nothing_on_an_index_it_reached_is_still_a_missing_distribution() -> None:
    log = (
        "Collecting tensorflow==1.2.0\n  Could not find a version that satisfies the requirement "
        "tensorflow==1.2.0 (from versions: 1.13.1, 1.14.0)\nNo matching distribution found for "
        "tensorflow==1.2.0"
    )
    by_words = SpellIndex.build([*BOOK, *NEIGHBOURS])
    assert [m.spell_id for m in diagnose(log, by_words).ranked][:1] == [17]


def test_a_spell_whose_pattern_matches_the_sibling_is_still_offered() -> None:
    jest = spell(
        12,
        "Jest cannot resolve a mapped module",
        r"Cannot find module '[^']+' from '[^']+'",
        "jest",
    )
    log = "Cannot find module './constants' from 'src/index.ts'"
    ranked = diagnose(log, SpellIndex.build([*BOOK, jest])).ranked
    assert [m.spell_id for m in ranked] == [12]


@pytest.mark.parametrize(
    "message",
    [
        "error: expected ';' before '}' token",  # no family knows it
        # gcc's missing input file is no missing header, whatever clang would say of one
        "cc1: fatal error: src/main.c: No such file or directory",
        # Docker's socket refusing this user is no daemon that is down
        "permission denied while trying to connect to the Docker daemon socket",
    ],
)
def test_nothing_is_added_for_a_message_no_family_knows(message: str) -> None:
    assert other_wordings(message) == []


def test_the_spell_for_the_printed_wording_ranks_above_the_one_for_another() -> None:
    # gcc's spell spells out more of its wording than clang's, yet clang printed this
    gcc = spell(
        1,
        "gcc: a header file cannot be found",
        r"fatal error: openssl/[\w./+-]+\.h: No such file or directory",
        "cpp,gcc",
    )
    clang = spell(2, "clang: a header file cannot be found", r"file not found", "cpp,clang")
    log = "src/net.c:3:10: fatal error: 'openssl/ssl.h' file not found"
    ranked = diagnose(log, SpellIndex.build([gcc, clang])).ranked
    assert [(m.spell_id, m.reason) for m in ranked] == [(2, "pattern"), (1, "similar")]
    assert ranked[0].score > ranked[1].score


def test_a_generic_spell_matching_around_the_wording_does_not_hold_the_specific_one_down() -> None:
    # a curator's catch-all for missing commands, and the CRLF spell for another wording of
    # the same script: bash's `$'\r'` is the carriage return, which the catch-all ignores
    catch_all = spell(
        1, "A command is not installed", r"(?:: command not found|: not found)$", "shell"
    )
    crlf = spell(
        2,
        "A script has Windows line endings",
        r"/bin/(?:ba)?sh\^M: bad interpreter: No such file or directory",
        "shell",
    )
    log = "test/win32.sh: line 2: $'\\r': command not found"
    ranked = diagnose(log, SpellIndex.build([catch_all, crlf])).ranked
    assert [m.spell_id for m in ranked] == [2, 1]


def test_npm_6s_engine_refusal_is_npm_7s_and_not_yarns() -> None:
    # the same refusal, but yarn's fix (--ignore-engines) is not npm's (engine-strict)
    npm = spell(
        1, "npm: engines field rejects this Node", r"npm (?:ERR!|error) code EBADENGINE", "node,npm"
    )
    yarn = spell(
        2,
        "yarn: engines field rejects this Node",
        r"The engine \"node\" is incompatible with this module\. Expected version "
        r"\"[^\"]+\"\. Got \"[^\"]+\"",
        "node,yarn",
    )
    log = (
        "npm ERR! code ENOTSUP\nnpm ERR! notsup Unsupported engine for vite@5.0.0: wanted: "
        '{"node":"^18.0.0 || >=20.0.0"} (current: {"node":"16.20.2","npm":"8.19.4"})'
    )
    assert [m.spell_id for m in diagnose(log, SpellIndex.build([npm, yarn])).ranked] == [1]


def test_a_generic_npm_spell_does_not_hold_down_the_one_for_the_message() -> None:
    # both spells were written for npm 9; npm 10 printed the message
    generic = spell(1, "npm failed", r"npm ERR! code \w+", "node,npm")
    eresolve = spell(
        2,
        "npm refuses a peer-dependency conflict",
        r"npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE could not resolve",
        "node,npm",
    )
    log = "npm error code ERESOLVE\nnpm error ERESOLVE could not resolve\nnpm error"
    ranked = diagnose(log, SpellIndex.build([generic, eresolve])).ranked
    assert [m.spell_id for m in ranked][:1] == [2]


def test_a_tail_line_in_another_wording_is_where_its_spell_points() -> None:
    push = spell(
        1,
        "git push from a workflow is refused",
        r"remote: Permission to \S+ denied to github-actions\[bot\]",
        "git",
    )
    log = (
        "Run git push origin HEAD:main\nEnumerating objects: 5, done.\n"
        "remote: Write access to repository not granted.\n"
        "fatal: unable to access 'https://github.com/o/r/': The requested URL returned error: 403\n"
        "Error: Process completed with exit code 128.\n"
    )
    diagnosis = diagnose(log, SpellIndex.build([push]))
    best = diagnosis.ranked[0]
    assert best.spell_id == 1
    assert diagnosis.errors[best.error_index].log_line == 3


def test_npm_10s_prefix_alone_is_reworded_for_the_matcher() -> None:
    # no message a family knows, only npm's prefix: `reword` is what the index calls
    reworded = reword("npm error code ELIFECYCLE\nnpm error errno 1")
    assert reworded.text == "npm ERR! code ELIFECYCLE\nnpm ERR! errno 1"
