"""Cleaning runner logs and reading huge ones in bounded memory."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grimoire_bot.matching import BoundedLog, clean_log
from grimoire_bot.matching.logs import NOT_A_WRAPPER_RE

TS = "2024-05-01T12:00:00.1234567Z "


def test_clean_log_shows_what_the_web_viewer_shows() -> None:
    raw = (
        f"{TS}##[group]Run npm test\r\n"
        f"{TS}\x1b[36;1mnpm test\x1b[0m\r\n"
        f"{TS}##[endgroup]\r\n"
        f"{TS}Downloading 10%\rDownloading 55%\rDownloading 100%\r\n"
        f"{TS}  \x1b[31m\u2716\x1b[39m 1 problem\r\n"
        f"{TS}##[error]Process completed with exit code 1.\r\n"
        f"{TS}##[warning]Node.js 16 actions are deprecated.\r\n"
    )
    assert clean_log(raw.encode()) == (
        "Run npm test\nnpm test\nDownloading 100%\n  \u2716 1 problem\n"
        "Error: Process completed with exit code 1.\n"
        "Warning: Node.js 16 actions are deprecated.\n"
    )


def test_clean_log_keeps_indentation_and_strips_other_ci_timestamps() -> None:
    raw = (
        "7:51:34 PM: npm error code ERESOLVE\n[08:16:10] Starting 'build'...\n"
        "[   40s]   error: linker failed\n    indented stays indented\n"
    )
    assert clean_log(raw) == (
        "npm error code ERESOLVE\nStarting 'build'...\n"
        "  error: linker failed\n    indented stays indented\n"
    )


def test_clean_log_survives_invalid_utf8_and_colour_codes_without_escape() -> None:
    assert clean_log(b"bad \xff\xfe bytes [31mred[0m\n") == "bad \ufffd\ufffd bytes red\n"


def test_a_small_log_comes_back_whole() -> None:
    raw = "".join(f"{TS}line {n}\n" for n in range(1000)).encode()
    log = BoundedLog(max_bytes=1024 * 1024)
    log.feed(raw)
    assert not log.truncated
    assert log.text() == clean_log(raw).rstrip("\n")


def test_a_huge_log_keeps_its_tail_and_its_errors_within_the_cap() -> None:
    cap = 512 * 1024
    noise = "".join(f"{TS}[INFO] compiling module {n} of 90000\n" for n in range(2000)).encode()
    log = BoundedLog(max_bytes=cap)
    for block in range(60):  # about 8 MB
        log.feed(noise)
        if block == 20:
            log.feed(f"{TS}src/core.c:10:3: error: 'size' undeclared\n".encode())
    log.feed(
        f"{TS}make: *** [all] Error 1\n{TS}##[error]Process completed with exit code 2.\n".encode()
    )
    text = log.text()
    assert log.truncated
    assert len(text) <= cap * 1.05
    assert "src/core.c:10:3: error: 'size' undeclared" in text
    assert text.endswith("Error: Process completed with exit code 2.")
    assert "lines omitted ...]" in text


def test_a_runaway_line_is_cut() -> None:
    log = BoundedLog(max_bytes=1024 * 1024)
    log.feed(b"x" * 300_000 + b"\nnext line\n")
    lines = log.text().split("\n")
    assert len(lines[0]) < 100_000
    assert lines[1] == "next line"
    assert log.truncated


def test_a_progress_bar_without_newlines_keeps_its_last_state() -> None:
    log = BoundedLog(max_bytes=1024 * 1024)
    for percent in range(0, 101):
        log.feed(f"\rDownloading {percent:3d}% {'#' * 2000}".encode())
    log.feed(b"\ndone\n")
    assert log.text().startswith("Downloading 100%")
    assert log.text().endswith("done")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=400), max_size=30), st.data())
def test_how_the_log_is_chunked_does_not_change_what_is_read(
    parts: list[bytes], data: st.DataObject
) -> None:
    raw = b"".join(parts)
    whole = BoundedLog(max_bytes=1024 * 1024)
    whole.feed(raw)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=10)))
    chunked = BoundedLog(max_bytes=1024 * 1024)
    for start, end in zip([0, *cuts], [*cuts, len(raw)], strict=True):
        chunked.feed(raw[start:end])
    assert chunked.text() == whole.text()


def test_wrapper_prefixes_come_off_each_line() -> None:
    # BuildKit (n9e/fe#84), docker compose v1 with and without a container id
    # (djangoforprofessionals_30#1, onadata#1517), compose v2, Maven around npm.
    raw = (
        "#0 0.674 > n9e-fe@v6.2.0 build\n#0 0.674\n"
        "#0 15.97 src/plugins/Logs.tsx(9,22): error TS2307: Cannot find module 'x'\n"
        "web_1  | Traceback (most recent call last):\n"
        'web_1_e3a9308a6405 |   File "/usr/lib/python3/dist-packages/virtualenv.py", line 2363\n'
        "api-1  | ReferenceError: PORT is not defined\n"
        "[INFO] src/app/cart.ts(12,5): error TS2322: Type 'string' is not assignable\n"
        "[INFO]\n"
    )
    assert clean_log(raw) == (
        "> n9e-fe@v6.2.0 build\n\n"
        "src/plugins/Logs.tsx(9,22): error TS2307: Cannot find module 'x'\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3/dist-packages/virtualenv.py", line 2363\n'
        "ReferenceError: PORT is not defined\n"
        "src/app/cart.ts(12,5): error TS2322: Type 'string' is not assignable\n\n"
    )


def test_lines_that_only_look_prefixed_are_kept() -> None:
    raw = (
        "      10 | const throws = () => {\n"  # a Jest code frame
        "| name | value |\n"  # a Markdown table
        "#1  0x00007f3a in main () at src/main.c:12\n"  # a gdb frame
        "0.512 seconds elapsed\n"  # seconds outside a BuildKit error box
        "[INFO]: not Maven's prefix\n"
        "> Could not resolve all files for configuration ':app:debugCompileClasspath'.\n"
        "   > Could not find com.android.tools.build:gradle:9.9.\n"  # Gradle, not a quote
        "2>&1 | tee build.log\n"  # a redirection, not an MSBuild node
        "`npm ci` can only install packages when your package.json and lock are in sync\n"
    )
    assert clean_log(raw) == raw


def test_markdown_around_pasted_output_comes_off() -> None:
    # fastlib/fCWT#57 (a quote with blank lines between), equinor/subscript#624 (inline
    # code), OfficeDev/Project-Samples#4 (MSBuild's node numbers)
    raw = (
        '> CMakeLists.txt:14: error: By not providing "FindfCWT.cmake"\n\n'
        "> fCWTConfig.cmake\n>\n> fcwt-config.cmake\n"
        "`src/ri_wellmod.py:246: error: Incompatible types in assignment  [assignment]`\n"
        "1>C:\\src\\Utilities\\CsomHelper.cs(95,52,95,60): error CS0246: The type\n"
        "12>  Done building project.\n"
    )
    assert clean_log(raw) == (
        'CMakeLists.txt:14: error: By not providing "FindfCWT.cmake"\n\n'
        "fCWTConfig.cmake\n\nfcwt-config.cmake\n"
        "src/ri_wellmod.py:246: error: Incompatible types in assignment  [assignment]\n"
        "C:\\src\\Utilities\\CsomHelper.cs(95,52,95,60): error CS0246: The type\n"
        "  Done building project.\n"
    )


def test_buildkit_error_box_loses_its_seconds() -> None:
    raw = (
        "------\n > [builder 6/6] RUN go build ./cmd/app:\n0.512 # example.com/shop/cart\n"
        "0.512 cart/cart.go:41:9: undefined: redis.NewClusterClient\n------\n"
    )
    assert clean_log(raw) == (
        "------\n > [builder 6/6] RUN go build ./cmd/app:\n# example.com/shop/cart\n"
        "cart/cart.go:41:9: undefined: redis.NewClusterClient\n------\n"
    )


def test_jenkins_timestamper_prefix_is_removed_keeping_indentation() -> None:
    # temurin-build#2406
    raw = (
        "17:03:14  e:\\jenkins\\WispControlGroup.java:32: error: cannot find symbol\n"
        "17:03:14              Math.min(MAX_PERIOD, WispConfiguration.SYSMON_TICK_US);\n"
    )
    assert clean_log(raw) == (
        "e:\\jenkins\\WispControlGroup.java:32: error: cannot find symbol\n"
        "            Math.min(MAX_PERIOD, WispConfiguration.SYSMON_TICK_US);\n"
    )


def test_log_line_links_of_a_copied_actions_log_become_numbers_again() -> None:
    # kohya-ss/sd-scripts#2071
    link = "https://github.com/kohya-ss/sd-scripts/actions/runs/14731298048/job/41345985447"
    raw = f"/opt/hostedtoolcache/Python/3.10.17/x64/lib/python3.10/importlib/__init__.py:[12]({link}#step:6:13)6: in import_module\n"
    assert clean_log(raw) == (
        "/opt/hostedtoolcache/Python/3.10.17/x64/lib/python3.10/importlib/__init__.py:126: "
        "in import_module\n"
    )


# A wrapper's own name before each line (rpmbuild's `BUILDSTDERR: `, turborepo's
# `web:build: `, lerna's `@scope/pkg: `) of outputs at least three lines long.
WRAPPER_NAMES = st.one_of(
    st.from_regex(r"[A-Z]{4,12}", fullmatch=True),  # rpmbuild's BUILDSTDERR
    st.from_regex(r"@[a-z]{3,8}/[a-z][a-z0-9-]{2,10}", fullmatch=True),  # lerna, nx
    st.from_regex(r"[a-z][a-z0-9-]{2,10}:(?:build|dist|test|lint)", fullmatch=True),  # turbo
    st.from_regex(r"[a-z]{2,6}-[a-z]{2,6}", fullmatch=True),  # a workspace package
).filter(lambda name: not NOT_A_WRAPPER_RE.search(name))
WRAPPED_OUTPUTS = (
    "src/app.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.\n"
    "src/app.ts(20,1): error TS2304: Cannot find name 'foo'.\n"
    "Found 2 errors in the same file, starting at: src/app.ts:12\n",
    "error[E0308]: mismatched types\n   --> src/input.rs:181:58\n    |\n"
    "181 |         assert_eq!(a, Ok(target));\n    |\n",
    "./plugins/modules/cert.py:278:1: E402 module level import not at top of file\n"
    "./plugins/modules/cert.py:279:1: E402 module level import not at top of file\n"
    "2     E402 module level import not at top of file\n",
)


@settings(max_examples=60, deadline=None)
@given(name=WRAPPER_NAMES, output=st.sampled_from(WRAPPED_OUTPUTS))
def test_a_wrappers_name_before_every_line_is_dropped(name: str, output: str) -> None:
    from grimoire_bot.matching import extract_errors

    prefix = f"{name}: "
    wrapped = "".join(prefix + line + "\n" for line in output.splitlines())
    plain = [(e.file, e.line, e.message) for e in extract_errors(output)]
    assert [(e.file, e.line, e.message) for e in extract_errors(wrapped)] == plain


@pytest.mark.parametrize(
    "log",
    [
        "error: linking failed\nerror: could not compile `app`\nerror: build failed\n",
        "ModuleNotFoundError: No module named 'a'\nModuleNotFoundError: No module named 'b'\n"
        "ModuleNotFoundError: No module named 'c'\n",
        "cp: cannot stat 'a': No such file\ncp: cannot stat 'b': No such file\n"
        "cp: cannot stat 'c': No such file\n",
        "main.go: needs gofmt\nmain.go: has a TODO\nmain.go: is long\n",
        "ERROR: one\nERROR: two\nERROR: three\n",
    ],
)
def test_what_tools_print_first_is_not_taken_for_a_wrapper(log: str) -> None:
    assert clean_log(log) == log


def test_a_compose_service_without_an_index_loses_its_name_too() -> None:
    # A `container_name` makes docker compose print the bare name (Ankermgmt/ankermake-m5-protocol#57).
    log = (
        "ankerctl  | Traceback (most recent call last):\n"
        'ankerctl  |   File "/app/ankerctl.py", line 28, in <module>\n'
        "ankerctl  |     import web\n"
        "ankerctl  | ModuleNotFoundError: No module named 'web'\n"
    )
    assert clean_log(log).splitlines()[1] == '  File "/app/ankerctl.py", line 28, in <module>'


def test_a_console_pasted_as_html_gets_its_lines_back() -> None:
    log = "BUILD FAILURE<br/>[ERROR] a.java:[1,2] x<br/>  symbol: y<br/>  location: z<br/>"
    assert clean_log(log).splitlines()[:2] == ["BUILD FAILURE", "[ERROR] a.java:[1,2] x"]


def test_a_date_before_a_few_lines_is_not_taken_for_the_logs_clock() -> None:
    lines = [
        f"2025-03-11 09:51:{n % 60:02d} started step {n}" if n % 10 == 0 else f"output {n}"
        for n in range(300)
    ]
    assert clean_log("\n".join(lines)).split("\n")[0] == "2025-03-11 09:51:00 started step 0"
    stamped = [f"2025-03-11 09:51:{n % 60:02d} output {n}" for n in range(300)]
    assert clean_log("\n".join(stamped)).split("\n")[0] == "output 0"


@pytest.mark.parametrize(
    "log",
    [
        # GitHub's answer to a push with a read-only token: a spell is written with `remote:`
        "remote: Write access to repository not granted.\n"
        "fatal: unable to access 'https://github.com/octo/app/': The requested URL returned "
        "error: 403",
        "To https://github.com/octo/app.git\n"
        "remote: Permission to octo/app.git denied to github-actions[bot].\n"
        "fatal: unable to access 'https://github.com/octo/app/': The requested URL returned "
        "error: 403",
    ],
)
def test_a_git_servers_own_lines_keep_their_remote(log: str) -> None:
    assert clean_log(log) == log


def test_a_build_behind_git_push_loses_remote() -> None:
    log = (
        "Enumerating objects: 5, done.\n"
        "remote: -----> Building on the Heroku-22 stack\n"
        "remote: -----> Using buildpack: heroku/nodejs\n"
        "remote:        src/app.ts(3,1): error TS2304: Cannot find name 'x'.\n"
    )
    assert clean_log(log).splitlines()[-1] == "src/app.ts(3,1): error TS2304: Cannot find name 'x'."


def test_a_bots_html_console_keeps_no_timestamp_at_any_line_start() -> None:
    # apache/incubator-kie-kogito-runtimes#1990: a Jenkins bot's comment, one line of <br/>s
    raw = (
        "[2022-02-14T11:37:43.365Z] [ERROR] Failed to execute goal (default-testCompile): "
        "Compilation failure: <br/>[2022-02-14T11:37:43.365Z] [ERROR] /w/jbpm/src/A.java:[22,36]"
        " cannot find symbol<br/>[2022-02-14T11:37:43.365Z] [ERROR]   symbol:   class X<br/>"
    )
    assert clean_log(raw).split("\n")[1:3] == [
        "[ERROR] /w/jbpm/src/A.java:[22,36] cannot find symbol",
        "[ERROR]   symbol:   class X",
    ]


def test_colour_codes_shown_in_caret_notation_come_off() -> None:
    # chahyasantoso/motion5's archived Actions log: ESC written as `^[`
    raw = "^[[31m\u276f^[[39m packages/core/test/a.test.ts ^[[2m(^[[22m4 tests^[[2m)^[[22m\n"
    assert clean_log(raw) == "\u276f packages/core/test/a.test.ts (4 tests)\n"


def test_a_task_name_with_colons_is_a_wrapper_prefix_too() -> None:
    # microsoft/playwright#28990: turborepo runs the `dev:test` script of a scoped package
    raw = "".join(
        f"@weatherio/e2e-web-tests:dev:test: {line}\n"
        for line in ("", "    Error: elementHandle.isVisible: Test ended.", "    Call log:", "")
    )
    assert clean_log(raw) == "\n    Error: elementHandle.isVisible: Test ended.\n    Call log:\n\n"


def test_prows_level_and_time_come_off_each_line() -> None:
    # kubernetes/kubernetes' pull-kubernetes-unit build log (glog's level and time)
    raw = (
        "I1019 09:06:27.379] FAIL\tk8s.io/kubernetes/pkg/kubectl/cmd [build failed]\n"
        'W1019 09:08:26.812] pkg/kubectl/cmd/apply_test.go:564: undefined: "x".Registry\n'
    )
    assert clean_log(raw) == (
        "FAIL\tk8s.io/kubernetes/pkg/kubectl/cmd [build failed]\n"
        'pkg/kubectl/cmd/apply_test.go:564: undefined: "x".Registry\n'
    )


def test_a_duration_in_brackets_is_not_a_colour_code_that_lost_its_escape() -> None:
    # `dotnet test` on an old SDK: `X CreateParents [73ms]`; `[31m` alone is a colour
    assert (
        clean_log("  X CreateParents [73ms]\n[31mFailed[0m\n")
        == "  X CreateParents [73ms]\nFailed\n"
    )
