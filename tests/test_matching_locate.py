"""Localisation: CI roots, checkout lines, Go packages, and the real-output tuning set."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from grimoire_bot.matching import extract_errors, resolve_paths
from grimoire_bot.matching.locate import (
    is_external,
    normalise_path,
    package_dir,
    workspace_roots,
)
from tests.localisation_cases import CASES, Case, Kind, primary_location


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        # Each CI system's documented workspace root.
        ("/home/runner/work/shop/shop/src/app.py", "src/app.py"),  # GitHub Actions
        ("/home/travis/build/acme/shop/src/app.py", "src/app.py"),  # Travis CI
        ("/Users/travis/build/acme/shop/App/View.swift", "App/View.swift"),  # Travis macOS
        ("/home/circleci/project/src/app.py", "src/app.py"),  # CircleCI
        ("/builds/acme/shop/src/app.ts", "src/app.ts"),  # GitLab, docker executor
        ("/home/gitlab-runner/builds/Ab1Cd2Ef/0/acme/shop/src/app.ts", "src/app.ts"),  # shell
        ("/var/lib/jenkins/workspace/shop/src/app.py", "src/app.py"),  # Jenkins
        ("/home/jenkins/agent/workspace/shop/src/app.py", "src/app.py"),  # Jenkins on k8s
        (r"\Jenkins_Slave\workspace\shop\core\src\App.java", "core/src/App.java"),  # Windows
        (r"C:\projects\shop\src\Program.cs", "src/Program.cs"),  # AppVeyor
        ("/c/projects/shop/src/main.c", "src/main.c"),  # AppVeyor's MSYS2 shell
        ("/cygdrive/c/projects/shop/src/main.c", "src/main.c"),  # and its Cygwin
        ("/d/a/shop/shop/src/main.c", "src/main.c"),  # Actions' Windows runner, Git Bash
        (r"D:\\a\\shop\\shop\\src\\main.c", "src/main.c"),  # escaped, as JSON and Node print it
        ("/drone/src/cmd/main.go", "cmd/main.go"),  # Drone
        ("/drone/src/github.com/acme/shop/cmd/main.go", "cmd/main.go"),  # Drone 0.x
        ("/var/lib/buildkite-agent/builds/agent-1/acme/shop/src/app.py", "src/app.py"),
        (r"D:\a\1\s\src\Program.cs", "src/Program.cs"),  # Azure Pipelines, Windows
        ("/home/vsts/work/1/s/src/Program.cs", "src/Program.cs"),  # Azure Pipelines, Linux
        ("/home/travis/gopath/src/github.com/acme/shop/cart/cart.go", "cart/cart.go"),
        ("gopath/src/github.com/coreos/etcd/pkg/pbutil/pbutil.go", "pkg/pbutil/pbutil.go"),
        ("/home/me/rpmbuild/BUILD/pycairo-1.21.0/tests/test_cmod.py", "tests/test_cmod.py"),
        ("/usr/ports/net/mpifx/work/mpifx-1.3/test/t.f90", "test/t.f90"),  # a BSD port's WRKSRC
        ("/wrkdirs/usr/ports/devel/foo/work/foo-2.0/src/a.c", "src/a.c"),  # poudriere's
        ("github.com/Arachnid/solidity-stringutils/src/strings.sol", "src/strings.sol"),
        ("/home/me/.nimble/pkgs/nimx-#head/nimx/layout_vars.nim", "nimx/layout_vars.nim"),
        ("../../.dub/packages/dagon/1.6.1/dagon/src/dagon/app.d", "src/dagon/app.d"),
        (r"C:\Users\me\AppData\Local\dub\packages\hunt-1.7.15\hunt\source\a.d", "source/a.d"),
        ("/home/me/app/.zigmod/deps/git/github.com/nektro/zig-json/src/lib.zig", "src/lib.zig"),
        ("/home/vagrant/build/org.acme.shop/app/src/Main.kt", "app/src/Main.kt"),  # F-Droid
        ("/vmr/src/aspnetcore/artifacts/source-build/self/src/src/Http/A.cs", "src/Http/A.cs"),
        ("/usr/src/app/src/server.js", "src/server.js"),  # a container's WORKDIR
        ("/app/app/models/user.rb", "app/models/user.rb"),
        ("/src/Shop.Api/Program.cs", "Shop.Api/Program.cs"),  # .NET Dockerfiles' WORKDIR
        ("/home/user/.jenkins/jobs/shop/workspace/src/App.scala", "src/App.scala"),  # old Jenkins
        (r"C:\Build\Results\jobs\shop\workspace\core\App.java", "core/App.java"),
        ("/opt/render/project/src/app.py", "app.py"),  # Render
        ("/tmp/build_6f3a9c2e/app.py", "app.py"),  # Heroku
        ("/home/semaphore/shop/src/app.py", "src/app.py"),  # Semaphore
        ("/Users/builder/clone/lib/main.dart", "lib/main.dart"),  # Codemagic
        ("/home/bamboo/bamboo-agent-home/xml-data/build-dir/SHOP-JOB1/src/a.py", "src/a.py"),
        ("/var/lib/go-agent/pipelines/shop/src/app.go", "src/app.go"),  # GoCD
        ("/var/www/morgue/htdocs/index.php", "htdocs/index.php"),  # a PHP site's folder
        # Where no root is known: a tool joined its folder with the `./x` it was given...
        ("/srv/ci/jobs/42/crate_docker_tests/./update.py", "update.py"),
        ("/var/lib/jenkins/workspace/Crate/Release/docker_tests/./update.py", "update.py"),
        ("/home/runner/work/shop/shop/tools/./gen.py", "tools/gen.py"),  # the root is exact
        # ... or a build system's variable was printed unexpanded.
        ("$(BUILD_DIR)/tests/test_zipp.py", "tests/test_zipp.py"),
        ("${WORKSPACE}/src/app.py", "src/app.py"),
    ],
)
def test_checkout_roots_of_ci_systems_are_stripped(printed: str, expected: str) -> None:
    assert normalise_path(printed) == expected
    assert not is_external(printed)


@pytest.mark.parametrize(
    "path",
    [
        "src/libcore/result.rs",  # Rust's own sources before 1.47
        "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs",
        "/usr/local/lib/rustlib/src/rust/library/core/src/panicking.rs",
        "/usr/include/c++/13.2.1/cstdlib",
        "/c/msys64/mingw64/include/stdio.h",  # MSYS2's toolchain, as its shell prints it
        r"C:\msys64\ucrt64\include\c++\13.2.0\bits\stl_vector.h",
        "/opt/hostedtoolcache/Python/3.10.17/x64/lib/python3.10/importlib/__init__.py",
    ],
)
def test_toolchain_sources_are_not_the_repository(path: str) -> None:
    assert is_external(path)


def test_old_nodes_syntax_error_is_placed_at_the_file_it_printed_above_its_core_frames() -> None:
    # A Heroku build of a gulp project (Node 7): the script's place heads the error.
    log = """\
/tmp/build_f9f58f3c0733f36bf19ec5e5278434ed/gulpfile.ts:1
(function (exports, require, module, __filename, __dirname) { import * as gulp from 'gulp';
                                                              ^^^^^^
SyntaxError: Unexpected token import
    at createScript (vm.js:56:10)
    at Object.runInThisContext (vm.js:97:10)
    at Module._compile (module.js:542:28)"""
    errors = resolve_paths(extract_errors(log), ["gulpfile.ts", "package.json"])
    assert primary_location(errors) == "gulpfile.ts:1"


def test_a_logs_checkout_lines_name_its_workspace_roots() -> None:
    log = (
        "Initialized empty Git repository in /builds/acme/platform/billing-api/.git/\n"
        "[command]/usr/bin/git init /home/runner/work/shop/shop\n"
        " > git init /var/lib/jenkins/workspace/web Release/web # timeout=10\n"
        'git init "D:\\a\\1\\s"\n'
        "git clone -q --branch=master https://github.com/acme/x.git C:\\projects\\x-app\n"
        " => [server production 1/4] WORKDIR /server                    0.0s\n"
        "Step 3/8 : WORKDIR /\n"
    )
    assert set(workspace_roots(log)) == {
        "/builds/acme/platform/billing-api",
        "/home/runner/work/shop/shop",
        "/var/lib/jenkins/workspace/web Release/web",
        "D:/a/1/s",
        "C:/projects/x-app",
        "/server",
    }


def test_a_nested_gitlab_group_is_stripped_exactly_when_the_log_names_it() -> None:
    log = (
        "Initialized empty Git repository in /builds/acme/platform/billing-api/.git/\n"
        "/builds/acme/platform/billing-api/src/invoice.ts(14,7): error TS2322: Type 'string' "
        "is not assignable to type 'number'.\n"
    )
    (error,) = extract_errors(log)
    assert (error.file, error.line) == ("src/invoice.ts", 14)


@pytest.mark.parametrize(
    ("import_path", "directory"),
    [
        ("github.com/acme/calc", ""),
        ("github.com/acme/calc/internal/mathx", "internal/mathx"),
        ("example.com/shop/internal/cart", "internal/cart"),
        ("golang.org/x/tools/go/ast", "go/ast"),
        ("gopkg.in/yaml.v3", ""),
        ("shop/internal/cart", "internal/cart"),
        ("command-line-arguments", ""),
    ],
)
def test_a_go_package_maps_to_its_repository_folder(import_path: str, directory: str) -> None:
    assert package_dir(import_path) == directory


def locate(case: Case) -> str | None:
    errors = extract_errors(case.log)
    if case.files is not None:
        errors = resolve_paths(errors, case.files)
    return primary_location(errors)


def test_a_folder_a_command_changed_to_prefixes_the_paths_it_prints() -> None:
    log = (
        "$ cd packages/web && npx tsc --noEmit\n"
        "src/App.tsx(12,5): error TS2322: Type 'string' is not assignable to type 'number'.\n"
    )
    assert primary_location(extract_errors(log)) == "packages/web/src/App.tsx:12"


@pytest.mark.parametrize("command", ["cd ..", "cd $PKG_DIR", "cd ~/build", "cd /tmp/elsewhere"])
def test_a_folder_that_cannot_be_told_leaves_the_path_as_printed(command: str) -> None:
    log = f"+ {command}\nsrc/app.py:3:1: F401 'os' imported but unused\n"
    assert primary_location(extract_errors(log)) == "src/app.py:3"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_real_tool_output_is_located_where_a_person_would_look(case: Case) -> None:
    """The localisation tuning set (real output, sources in tests/localisation_cases.py)."""
    assert locate(case) == case.expected


@pytest.mark.parametrize(
    ("commands", "expected"),
    [
        ("$ git clone https://github.com/acme/charts.git\n$ cd charts/web\n", "web/src/app.py:3"),
        ("$ ng new shop\n$ cd shop\n", "src/app.py:3"),
        ("$ git clone https://github.com/acme/charts.git deploy\n$ cd deploy\n", "src/app.py:3"),
        ("$ cd charts/web\n", "charts/web/src/app.py:3"),
    ],
)
def test_a_cd_into_what_a_clone_or_generator_made_starts_at_the_checkout(
    commands: str, expected: str
) -> None:
    log = f"{commands}src/app.py:3:1: F401 'os' imported but unused\n"
    assert primary_location(extract_errors(log)) == expected


def test_a_clone_of_another_repository_is_not_the_checkout_when_the_repository_is_known() -> None:
    log = (
        "$ git clone https://github.com/other/dep.git\n$ cd dep\n"
        "src/app.py:3:1: F401 'os' imported but unused\n"
    )
    errors = extract_errors(log, repo_root_hints=("acme/shop",))
    assert primary_location(errors) == "dep/src/app.py:3"


def test_turborepos_failed_task_names_the_package_folder_of_its_output() -> None:
    log = (
        "cli:build: src/ActiveExecutions.ts(73,34): error TS2589: Type instantiation is "
        "excessively deep and possibly infinite.\n"
        "cli:build: npm ERR! Lifecycle script `build` failed with error:\n"
        "cli:build: ERROR: command finished with error: command (packages/cli) npm run build "
        "exited (1)\n"
        "command (packages/cli) npm run build exited (1)\n"
    )
    assert primary_location(extract_errors(log)) == "packages/cli/src/ActiveExecutions.ts:73"


# npm 7 and later name the failed script's package folder only in the failure's summary,
# below the output; npm 6 in the header of the script it runs.
NPM_FOLDER_LOGS = {
    "npm 10's summary, on Render": (
        "> @word-rush/client@1.0.0 build\n"
        "> tsc -p tsconfig.notype.json && vite build\n\n"
        "tsconfig.notype.json(16,5): error TS5023: Unknown compiler option 'transpileOnly'.\n"
        "npm error Lifecycle script `build` failed with error:\n"
        "npm error code 2\n"
        "npm error path /opt/render/project/src/packages/client\n"
        "npm error workspace @word-rush/client@1.0.0\n"
        "npm error location /opt/render/project/src/packages/client\n"
        "npm error command failed\n"
    ),
    "npm 8's workspace summary, on Actions": (
        "src/kubo-client.ts:7:16 - error TS2307: Cannot find module 'ip' or its "
        "corresponding type declarations.\n\n"
        "npm ERR! Lifecycle script `build` failed with error: \n"
        "npm ERR! Error: command failed \n"
        "npm ERR!   in workspace: @mdip/ipfs@1.0.0 \n"
        "npm ERR!   at location: /home/runner/work/kc/kc/packages/client\n"
    ),
    "npm 7's path above `command failed`": (
        "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n"
        "npm ERR! code 2\n"
        "npm ERR! path /home/runner/work/shop/shop/packages/client\n"
        "npm ERR! command failed\n"
        "npm ERR! command sh -c tsc\n"
    ),
    "npm 6's script header": (
        "> @shop/client@1.0.0 build /home/travis/build/acme/shop/packages/client\n"
        "> tsc\n\n"
        "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n"
    ),
}


@pytest.mark.parametrize("log", NPM_FOLDER_LOGS.values(), ids=NPM_FOLDER_LOGS.keys())
def test_npm_names_the_package_folder_of_a_failed_scripts_output(log: str) -> None:
    [error] = [error for error in extract_errors(log) if error.file]
    assert error.file.startswith("packages/client/")


def test_npms_path_of_another_error_is_not_a_scripts_folder() -> None:
    # ENOENT's `path` is the file npm could not open, not the folder a script ran in
    log = (
        "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n"
        "npm ERR! code ENOENT\n"
        "npm ERR! syscall open\n"
        "npm ERR! path /home/runner/work/shop/shop/packages/client/package.json\n"
        "npm ERR! errno -2\n"
    )
    assert primary_location(extract_errors(log)) == "src/index.ts:3"


def test_the_summary_of_the_next_scripts_failure_names_not_this_ones_folder() -> None:
    log = (
        "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n"
        "\n> @shop/web@1.0.0 build\n> vite build\n"
        "npm error path /home/runner/work/shop/shop/packages/web\n"
        "npm error command failed\n"
    )
    assert primary_location(extract_errors(log)) == "src/index.ts:3"


JEST_IN_A_PACKAGE = {
    "a frame below the code frame": (
        "$ npm run test --prefix=./packages/core\n\n"
        "> @soroban-react/core@5.0.3 test\n> yarn jest\n\n"
        " FAIL  tests/useSorobanReact.test.js\n"
        "  \u25cf Test suite failed to run\n\n"
        "    Cannot find module 'react' from 'jest.setup.js'\n\n"
        "      1 | const { JSDOM } = require('jsdom');\n"
        "    > 2 | const React = require('react');\n"
        "        |               ^\n\n"
        "      at Resolver._throwModNotFoundError "
        "(../../node_modules/jest-resolve/build/resolver.js:427:11)\n"
        "      at Object.require (jest.setup.js:2:15)\n",
        "packages/core/jest.setup.js:2",
    ),
    "the FAIL header": (
        "$ cd packages/web && npx jest\n"
        " FAIL  src/App.test.tsx\n"
        "  \u25cf renders the title\n\n"
        "    expect(received).toBe(expected) // Object.is equality\n\n"
        "      12 |   render(<App />);\n"
        "    > 13 |   expect(screen.getByRole('heading').textContent).toBe('Shop');\n"
        "         |                                                    ^\n",
        "packages/web/src/App.test.tsx:13",
    ),
}


@pytest.mark.parametrize(
    ("log", "expected"), JEST_IN_A_PACKAGE.values(), ids=JEST_IN_A_PACKAGE.keys()
)
def test_jests_places_are_relative_to_the_folder_it_ran_in(log: str, expected: str) -> None:
    assert primary_location(extract_errors(log)) == expected


def test_a_single_packages_npm_header_names_the_checkout_not_a_folder_in_it() -> None:
    # npm 6 runs a script in its package's folder: for most repositories, the checkout
    # (here under a folder of folders a rule takes for a root)
    log = (
        "> ts-node-mocha@1.0.0 test /usr/local/src/Misc/ts-node-mocha\n"
        "> mocha test/**/*.ts --require ts-node/register\n\n"
        "\u2a2f Unable to compile TypeScript\n\n"
        "test/newtest.ts (5,14): Property 'should' does not exist on type 'string'. (2339)\n"
    )
    assert primary_location(extract_errors(log)) == "test/newtest.ts:5"


def test_an_npm_header_under_an_unknown_root_leaves_an_earlier_cd_in_force() -> None:
    log = (
        "$ cd packages/web\n"
        "> web@1.0.0 build /Users/me/code/shop/packages/web\n"
        "> tsc\n"
        "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n"
    )
    assert primary_location(extract_errors(log)) == "packages/web/src/index.ts:3"


# A single line behind `remote: ` is a git server's own message (`remote: Write access to
# repository not granted.`), which spells are written with: it keeps its prefix.
GIT_SERVERS_OWN = "a git server through git push"


# Ways CI systems and pastes wrap a tool's output, line by line. Each must leave the
# tuning set's text-only cases located where they were.
LINE_WRAPPINGS = {
    "a Markdown code block": lambda n, line: f"    {line}",
    "a Markdown quote": lambda n, line: f"> {line}",
    "GitHub Actions' timestamps": lambda n, line: f"2024-05-01T10:00:{n % 60:02d}.1234567Z {line}",
    "Jenkins' ISO timestamps": lambda n, line: f"[2024-05-01T10:00:{n % 60:02d}.123Z] {line}",
    "Jenkins' clock, one space": lambda n, line: f"10:00:{n % 60:02d} {line}",
    "Jenkins' clock, two spaces": lambda n, line: f"10:00:{n % 60:02d}  {line}",
    "BuildKit's step and seconds": lambda n, line: f"#12 {1 + n * 0.013:.3f} {line}",
    "docker compose's service": lambda n, line: f"web_1  | {line}",
    "docker compose v2's service": lambda n, line: f"web-1  | {line}",
    "a container runtime's log": lambda n, line: (
        f"2024-05-01T10:00:{n % 60:02d}.123456789Z stdout F {line}"
    ),
    "GitLab's timestamps": lambda n, line: f"2024-05-01T10:00:{n % 60:02d}.123456Z 00O {line}",
    "Buildkite's times": lambda n, line: f"\x1b_bk;t=17453222{n:05d}\x07{line}",
    "Buildkite's times, escapes lost": lambda n, line: f"_bk;t=17453222{n:05d}{line}",
    "TeamCity's clock and step": lambda n, line: f"[10:00:{n % 60:02d}] :\t [Step 1/2] {line}",
    "fastlane's clock and xcpretty": lambda n, line: f"[10:00:{n % 60:02d}]: \u25b8 {line}",
    "Netlify's clock": lambda n, line: f"10:00:{n % 60:02d} AM: {line}",
    "Cloudflare Pages' clock": lambda n, line: f"10:00:{n % 60:02d}.123\t{line}",
    GIT_SERVERS_OWN: lambda n, line: f"remote: {line}",
    "Heroku's buildpack": lambda n, line: f"remote:        {line}",
    "ANSI colours": lambda n, line: f"\x1b[31m{line}\x1b[0m",
    "Windows line ends": lambda n, line: f"{line}\r",
}
# Runners that put a task's, process's or package's name before each of its lines. A name
# is told from a tool's own first word by repeating, so one-line logs are left out.
RUNNER_LABELS = {
    "turborepo's task": "web:build: ",
    "lerna's package": "@acme/web: ",
    "concurrently's index": "[0] ",
    "concurrently's name": "[tsc] ",
    "yarn's workspace": "[@acme/web]: ",
    "moon's task": "web:build | ",
    "Earthly's target": "+build | ",
}
# Cases whose paste already carries one of these or its own Markdown (two layers are not
# unwrapped), whose every line starts with spaces (a one-space clock then looks like a
# two-space one), or that are one line long (a quote needs two).
WRAPPED_ALREADY = frozenset(
    {
        "gradle-testng, travis (broadinstitute/gatk#311)",
        "gfortran-cmake, local (fortran-lang/stdlib#1071)",
        "webpack, netlify (priyanshu-bharti/chillypopper-react#1)",
        "scss-lint, circleci (uswds/uswds-site#643)",
        "python-traceback, docker (schmitech/orbit#74)",
        "flake8, jenkins (couchbaselabs/mobile-testkit#1350)",
        "solc-truffle, local (Arachnid/solidity-stringutils#38)",
        "msbuild summary, path ..-relative to the project",
        "jest resolver frame first",
        "indented old rust panic",
        "rust-panic, local (lune-org/lune#341)",
        "next, vercel (ingoau/website#186)",
        "cargo-test, local (3axap4eHko/prmt#18)",  # Nix's `       > `
        "jest, local (oscarmorrison/md-page#60)",  # backticks around the paste
        "pylint, github-actions (cleanlab/cleanlab#465)",
        "gcc, local (gambitproject/gambit#262)",
        "delphi, local (HuichanKIM/Ollama-Delphi-GUI#2)",  # one line
        "kotlinc, other (jitpack/jitpack.io#4547)",  # one line
        "msbuild-msvc, local (microsoft/vcpkg#29662)",  # a Markdown quote around MSBuild's
    }
)


def moved_by(
    rewrite: Callable[[Case], str | None], skipped: frozenset[str], *, wrapped: bool = False
) -> dict:
    """The text-only tuning cases whose primary location changes when their log is
    rewritten (`rewrite` gives None for a case it does not apply to): name -> new place.
    With `wrapped`, cases gathered as output behind a wrapper's prefix are left out too."""
    moved = {}
    for case in CASES:
        if case.files is not None or case.name in skipped:
            continue
        if wrapped and case.kind is Kind.PREFIX:
            continue
        log = rewrite(case)
        if log is None:
            continue
        found = primary_location(extract_errors(log))
        if found != case.expected:
            moved[case.name] = found
    return moved


@pytest.mark.parametrize("wrapping", LINE_WRAPPINGS)
def test_output_wrapped_line_by_line_is_located_as_unwrapped(wrapping: str) -> None:
    wrap = LINE_WRAPPINGS[wrapping]

    def wrapped(case: Case) -> str | None:
        lines = case.log.split("\n")
        if wrapping == GIT_SERVERS_OWN and len([line for line in lines if line.strip()]) == 1:
            return None
        return "\n".join(wrap(n, line) for n, line in enumerate(lines))

    assert moved_by(wrapped, WRAPPED_ALREADY, wrapped=True) == {}


@pytest.mark.parametrize("runner", RUNNER_LABELS)
def test_output_labelled_line_by_line_by_a_runner_is_located_as_unlabelled(runner: str) -> None:
    label = RUNNER_LABELS[runner]

    def labelled(case: Case) -> str | None:
        lines = case.log.split("\n")
        if sum(1 for line in lines if line.strip()) < 2:
            return None
        return "\n".join(label + line for line in lines)

    assert moved_by(labelled, WRAPPED_ALREADY, wrapped=True) == {}


def test_runners_labels_nest_and_come_off_from_the_outside_in() -> None:
    log = "\n".join(
        f"[0] web-1  | 2024-05-01T10:00:0{n}.1Z {line}"
        for n, line in enumerate(["> tsc -p .", "src/app.ts(3,7): error TS2322: Type 'x'.", "done"])
    )
    assert primary_location(extract_errors(log)) == "src/app.ts:3"


def test_a_bracketed_file_and_line_is_not_taken_for_a_runners_label() -> None:
    log = (
        "[src/app.c:12]: (error) Array 'a[2]' accessed at index 2, which is out of bounds.\n"
        "[src/app.c:12]: (error) Uninitialized variable: b\n"
    )
    assert primary_location(extract_errors(log)) == "src/app.c:12"


def test_a_code_block_below_prose_loses_the_indentation_markdown_gave_it() -> None:
    log = (
        "The build fails on CI:\n\n"
        "    Traceback (most recent call last):\n"
        '      File "/home/travis/build/acme/shop/shop/cli.py", line 7, in <module>\n'
        "        import yaml\n"
        "    ModuleNotFoundError: No module named 'yaml'\n"
    )
    assert primary_location(extract_errors(log)) == "shop/cli.py:7"


def test_a_tools_own_indented_block_below_its_header_keeps_its_indentation() -> None:
    log = (
        "FAIL src/cart.test.js\n"
        "  ● cart > adds an item\n\n"
        "    expect(received).toBe(expected)\n\n"
        "      at Object.<anonymous> (src/cart.test.js:12:17)\n"
    )
    assert primary_location(extract_errors(log)) == "src/cart.test.js:12"


# Where CI systems and people check a repository out. A text-only tuning case whose log
# prints its expected path as it stands must be located the same when that path is printed
# under any of them.
CHECKOUT_ROOTS = {
    "Travis": "/home/travis/build/acme/shop/",
    "CircleCI": "/home/circleci/project/",
    "GitLab": "/builds/acme/shop/",
    "Jenkins": "/var/lib/jenkins/workspace/shop-pipeline/",
    "Drone": "/drone/src/",
    "Buildkite": "/var/lib/buildkite-agent/builds/agent-1/acme/shop/",
    "Azure Pipelines on Linux": "/home/vsts/work/1/s/",
    "Azure Pipelines on Windows": "D:\\a\\1\\s\\",
    "AppVeyor": "C:\\projects\\shop\\",
    "Actions on Windows": "D:\\a\\shop\\shop\\",
    "Actions on Windows, Git Bash": "/d/a/shop/shop/",
    "Visual Studio's repos folder": "C:\\Users\\me\\source\\repos\\shop\\",
    "a Windows home, forward slashes": "C:/Users/me/shop/",
    "MSYS2": "/c/Users/me/shop/",
    "a Mac home": "/Users/me/code/shop/",
    "a Linux home": "/home/me/projects/shop/",
    "the temporary folder": "/tmp/shop/",
    "GitLab on Windows": "C:\\GitLab-Runner\\builds\\acme\\shop\\",
    "Cloudflare Pages": "/opt/buildhome/repo/",
    "Xcode Cloud": "/Volumes/workspace/repository/",
    "a Mac's Developer folder": "/Users/me/Developer/shop/",
    "a OneDrive folder": "C:\\Users\\me\\OneDrive\\Documents\\shop\\",
    "Downloads, unzipped twice": "C:\\Users\\me\\Downloads\\shop-main\\shop-main\\",
    "a folder named like the repository's own": "C:\\src\\shop\\",
}
# Logs whose other lines say where their paths start (a Go package header, Sphinx's docs
# folder, pylint's module header), that print only a base name a root cannot precede, or
# whose tool never prints such a path with a root.
ROOTED_BY_THEIR_LOG = frozenset(
    {
        "go-test, local (nikoksr/assert-go#4)",
        "go-test, github-actions (mstruebing/tldr#60)",
        "sphinx, local (micropython/micropython#6099)",
        "go, local (lf-edge/edge-home-orchestration-go#104)",
        "go build with package header",
        "pylint, travis (numenta/nupic-legacy#3135)",
        "buf-lint, local (spacemeshos/poet#176)",
        "buildkit excerpt, the solver's line cut off",
        # CMake prints the files of its source tree relative: a root in front is not its
        # output. cargo prints a backtrace's frames relative to the crate (`./tests/`).
        "cmake, local (PDB-REDO/alphafill#54)",
        "cmake, local (nih-at/libzip#52)",
        "cargo-test, buildkite (MaterializeInc/materialize#26551)",
        # GHC's `Compiling Main ( src/Main.hs, ... )` names the module's path relative
        "ghc-stack, local (yamadapc/stack-run#12)",
    }
)


@pytest.mark.parametrize("root", CHECKOUT_ROOTS)
def test_a_path_printed_under_a_checkout_root_is_located_as_printed_bare(root: str) -> None:
    prefix = CHECKOUT_ROOTS[root]

    def rooted(case: Case) -> str | None:
        path = case.expected.rsplit(":", 1)[0]
        bare = re.compile(r"(?<![\w./\\-])" + re.escape(path) + r"(?=[:(\s,'\"]|$)")
        if not bare.search(case.log):
            return None
        printed = prefix + (path.replace("/", "\\") if "\\" in prefix else path)
        return bare.sub(printed.replace("\\", "\\\\"), case.log)  # a literal replacement

    assert moved_by(rooted, ROOTED_BY_THEIR_LOG) == {}


def test_nodes_require_stack_does_not_hide_the_frames_below_it() -> None:
    log = (
        "Error: Cannot find module 'express-session'\n"
        "Require stack:\n"
        "- C:\\Users\\me\\Desktop\\camp\\app.js\n"
        "    at Function.Module._resolveFilename (node:internal/modules/cjs/loader:933:15)\n"
        "    at Object.<anonymous> (C:\\Users\\me\\Desktop\\camp\\app.js:5:17)\n"
    )
    assert primary_location(extract_errors(log)) == "app.js:5"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("# _/C_/GitHub/goawk", "goawk.go:147"),
        ("# _/home/me/projects/goawk/interp", "interp/goawk.go:147"),
    ],
)
def test_a_go_package_outside_gopath_is_named_by_its_folder(header: str, expected: str) -> None:
    log = f"{header}\n.\\goawk.go:147:13: undefined: interp.Config\n"
    assert primary_location(extract_errors(log)) == expected


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ("[dcc32 Hint] Main.pas(12): H2164 Variable 'x' is declared but never used\n"
         "[dcc32 Error] Unit1.pas(43): E2003 Undeclared identifier: 'LastErrorCode'\n"
         "[dcc32 Fatal Error] Player.dpr(6): F2063 Could not compile used unit 'Unit1.pas'\n",
         "Unit1.pas:43"),
        ('Loader.pas(149,36) Error: Identifier not found "ifthen"\n'
         'Loader.pas(149,66) Fatal: Syntax error, ")" expected but "," found\n', "Loader.pas:149"),
    ],
)  # fmt: skip
def test_delphi_and_free_pascal_diagnostics_are_located(log: str, expected: str) -> None:
    assert primary_location(extract_errors(log)) == expected


def test_cmakes_build_folder_shows_where_the_checkout_starts() -> None:
    log = (
        "C:\\Users\\me\\Music\\NeuralNote\\NeuralNote\\Source\\Lnf.cpp(71,15): error C2065: "
        "'LABEL_FONT': undeclared identifier "
        "[C:\\Users\\me\\Music\\NeuralNote\\build\\NeuralNote.vcxproj]\n"
    )
    assert primary_location(extract_errors(log)) == "NeuralNote/Source/Lnf.cpp:71"


def test_a_modules_own_build_folder_does_not_start_the_checkout() -> None:
    log = (
        "    [javac] G:\\JSettlers\\jsettlers.logic\\src\\Temple.java:75: error: cannot access X\n"
        "BUILD FAILED\n"
        "G:\\JSettlers\\jsettlers.logic\\build\\build.ant:82: Compile failed\n"
    )
    assert primary_location(extract_errors(log)) == "jsettlers.logic/src/Temple.java:75"


# Where the log says which folder of the checkout a tool ran in, or whose clock it is.
# fmt: off
SAID_BY_THE_LOG = {
    "Docker Desktop's copied clock": (
        "2025-03-11 09:51:31 Traceback (most recent call last):\n"
        '2025-03-11 09:51:31   File "/app/api/ext_logging.py", line 18, in init_app\n'
        "2025-03-11 09:51:31     os.makedirs(log_dir)\n"
        "2025-03-11 09:51:31 FileNotFoundError: [Errno 2] No such file or directory: ''\n",
        "api/ext_logging.py:18",
    ),
    "gh run view's job, step and time": (
        "build\tRun tsc\t2026-04-04T06:48:46.6176137Z src/lib/api.ts(166,20): error TS2454: x\n"
        "build\tRun tsc\t2026-04-04T06:48:46.6561649Z ##[error]Process completed with exit code 2.\n",
        "src/lib/api.ts:166",
    ),
    "Rollup's place in parentheses": (
        "[vite] \u2717 Build failed in 3.37s\n"
        'src/pages/Product.astro (5:9): "Card" is not exported by "src/components/index.ts"\n'
        "file: /opt/buildhome/repo/src/pages/Product.astro:5:9\n",
        "src/pages/Product.astro:5",
    ),
    "turborepo's task folder for a Next.js place": (
        "Failed to compile.\n"
        "./src/app/layout.tsx:21:24\n"
        "`ssr: false` is not allowed with `next/dynamic` in Server Components.\n"
        "web#build: command (/vercel/path0/apps/web) bun run build exited (1)\n",
        "apps/web/src/app/layout.tsx:21",
    ),
    "pnpm's recursive run": (
        "Scope: 2 of 3 workspace projects\n"
        "apps/backend build$ tsc\n"
        "\u2502 server/orders.ts(627,9): error TS2322: Type 'string' is not assignable.\n"
        "\u2514\u2500 Failed in 33.6s\n",
        "apps/backend/server/orders.ts:627",
    ),
    "BuildKit's excerpt of the Dockerfile": (
        "98.17 ./src/tts/Controller.ts:279:46\n"
        "98.17 Type error: Property 'prevMark' does not exist on type 'TTS'.\n"
        "98.36  ELIFECYCLE  Command failed with exit code 1.\n"
        "------\n"
        "Dockerfile:36\n"
        "--------------------\n"
        "  34 |     WORKDIR /app/apps/reader\n"
        "  35 |     \n"
        "  36 | >>> RUN pnpm build-web\n"
        "--------------------\n"
        "ERROR: failed to solve: process \"/bin/sh -c pnpm build-web\" did not complete "
        "successfully: exit code: 1\n",
        "apps/reader/src/tts/Controller.ts:279",
    ),
    "opam's `# ` before a failed build's lines": (
        "# File \"litmus/tst.ml\", line 24, characters 54-65:\n"
        "# Error: Unbound value CLexer.main\n"
        "# File \"gen/critical.ml\", line 40, characters 10-20:\n"
        "# Error: Unbound module Top\n",
        "litmus/tst.ml:24",
    ),
    "a syslog-style date before every line": (
        "Oct 05 20:02:56 [ 61%] Building CXX object torch_xla/csrc/CMakeFiles/ops.dir/t.cpp.o\n"
        "Oct 05 20:02:56 torch_xla/csrc/tensor_ops.cpp:74:23: error: use of undeclared "
        "identifier 'Reduction'\n"
        "Oct 05 20:02:56   return reduction == Reduction::Mean\n"
        "Oct 05 20:02:56                       ^~~~~~~~~\n",
        "torch_xla/csrc/tensor_ops.cpp:74",
    ),
    "an image's /usr/src/<project>": (
        "[ERROR] /usr/src/agent/plugins/http/src/main/java/Headers.java:[73,26] error: "
        "cannot find symbol\n",
        "plugins/http/src/main/java/Headers.java:73",
    ),
}
# fmt: on


@pytest.mark.parametrize("told", SAID_BY_THE_LOG)
def test_what_the_log_says_of_its_folders_and_clock_places_the_error(told: str) -> None:
    log, expected = SAID_BY_THE_LOG[told]
    assert primary_location(extract_errors(log)) == expected


def test_a_distributions_sources_under_usr_src_are_not_the_repository() -> None:
    log = (
        "/usr/src/googletest/googletest/include/gtest/gtest.h:12:3: error: x\n"
        "tests/unit.cc:7:1: error: expected ';'\n"
    )
    assert primary_location(extract_errors(log)) == "tests/unit.cc:7"


def test_mavens_place_may_hold_a_jenkins_jobs_spaces_and_its_message_below() -> None:
    log = (
        "[ERROR] /var/lib/jenkins/workspace/first pipeline/backend/src/test/java/AuthTest.java"
        ":[34,23] \n"
        "com.acme.entity.User is abstract; cannot be instantiated\n"
    )
    assert primary_location(extract_errors(log)) == "backend/src/test/java/AuthTest.java:34"


# Test runners' failure reports, as pastes often cut them: without the runner's header, or
# with the assertion library's frames first.
# fmt: off
TEST_FAILURES = {
    "testify without go test's header": (
        "    traverse_test.go:59: \n"
        "        \tError Trace:\t/home/runner/work/graph/graph/pkg/graph/traverse_test.go:59\n"
        "        \tError:      \tNot equal: \n"
        "        \t            \texpected: 2\n",
        "pkg/graph/traverse_test.go:59",
    ),
    "Ginkgo 2's [FAILED] and its place": (
        "[FAILED] Expected\n"
        "      <v1alpha1.Phase>: Failed\n"
        "  to equal\n"
        "      <v1alpha1.Phase>: Succeeded\n"
        "  In [It] at: /home/runner/_work/conduit/conduit/pkg/controller/flow_test.go:427 "
        "@ 03/24/26 11:30:39.035\n",
        "pkg/controller/flow_test.go:427",
    ),
    "dotnet 9's failed test and a frame without `line`": (
        '  failed Invalid_Name_Should_Fail ("net9.0",Debug) (6s 220ms)\n'
        "    Assert.AreEqual failed. Expected:<1>. Actual:<2>. \n"
        "      at Acme.Tests.SdkTests.Invalid_Name_Should_Fail(String tfm) in "
        "/_/test/Acme.Tests/SdkTests.cs:280\n",
        "test/Acme.Tests/SdkTests.cs:280",
    ),
    "Playwright's code frame and the frame it marks": (
        "      31 |   await expect(page.locator('nav').first()).toBeVisible()\n"
        "    > 32 |   await expect(page.locator('main').first()).toBeVisible()\n"
        "         |                                              ^\n"
        "      33 |\n"
        "        at /home/runner/work/site/site/tests/docs.test.ts:32:46\n",
        "tests/docs.test.ts:32",
    ),
    "an assertion library's frames above the test's": (
        "Error: expected 0 to equal 2\n"
        "    at Assertion.assert (expect.js:100:11)\n"
        "    at Assertion.equal (expect.js:227:8)\n"
        "    at Context.apply (test/api/crashes.spec.ts:142:41)\n"
        "    at Object.apply (wrap_function.js:73:30)\n",
        "test/api/crashes.spec.ts:142",
    ),
    "Jenkins' matrix workspace": (
        "not ok 2412 parallel/test-performance\n"
        "  ---\n"
        "  AssertionError [ERR_ASSERTION]: 1 == 2\n"
        "      at Object.<anonymous> "
        "(/home/iojs/build/workspace/node-test/nodes/ubuntu-x64/test/parallel/test-performance.js"
        ":118:8)\n",
        "test/parallel/test-performance.js:118",
    ),
}
# fmt: on


@pytest.mark.parametrize("report", TEST_FAILURES)
def test_a_test_runners_report_is_placed_at_the_failed_assertion(report: str) -> None:
    log, expected = TEST_FAILURES[report]
    assert primary_location(extract_errors(log)) == expected


ASSERTION_IN_A_HELPER = """\
FAIL: test_creates_stats_model (core.jobs.stats_jobs_test.StatsJobTests)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/home/runner/work/oppia/oppia/core/jobs/stats_jobs_test.py", line 136, in test_creates_stats_model
    [datetime.date.today()]
  File "/home/runner/work/oppia/oppia/core/tests/test_utils.py", line 1316, in {helper}
    {raising}
{exception}
"""


@pytest.mark.parametrize(
    ("helper", "exception", "expected"),
    [
        # oppia/oppia: the project's own assertion helper raised the test's failure
        (
            "assertItemsEqual",
            "AssertionError: Element counts were not equal:",
            "core/jobs/stats_jobs_test.py:136",
        ),
        ("_assert_same_rows", "AssertionError", "core/jobs/stats_jobs_test.py:136"),
        # a helper that is not an assertion, or an error that is not a failed assertion,
        # is where the repository's code raised
        (
            "make_model",
            "AssertionError: Element counts were not equal:",
            "core/tests/test_utils.py:1316",
        ),
        ("assertItemsEqual", "TypeError: unhashable type: 'list'", "core/tests/test_utils.py:1316"),
    ],
)
def test_a_failed_assertion_in_a_projects_assertion_helper_is_the_tests(
    helper: str, exception: str, expected: str
) -> None:
    log = ASSERTION_IN_A_HELPER.format(
        helper=helper, raising="return super().assertCountEqual(a, b)", exception=exception
    )
    assert primary_location(extract_errors(log)) == expected
