"""Error extraction and localisation: real output formats of each supported tool."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grimoire_bot.matching import (
    ErrorRecord,
    errors_from_annotations,
    errors_from_check_output,
    extract_errors,
)
from grimoire_bot.matching.locate import root_beside_build_folder

TS = "2024-05-01T12:00:00.1234567Z "


@dataclass(frozen=True)
class Case:
    name: str
    log: str
    file: str | None
    line: int | None
    column: int | None
    error_type: str | None
    ecosystem: str | None
    message_part: str = ""


# fmt: off
CASES = [
    Case(
        "python traceback, deepest repo frame, not site-packages",
        """Traceback (most recent call last):
  File "/home/runner/work/shop/shop/src/shop/cli.py", line 12, in <module>
    main()
  File "/home/runner/work/shop/shop/src/shop/orders.py", line 40, in main
    total = price(order)
  File "/opt/hostedtoolcache/Python/3.12.1/x64/lib/python3.12/site-packages/money/core.py", line 7, in price
    raise ValueError("negative amount")
ValueError: negative amount""",
        "src/shop/orders.py", 40, None, "ValueError", "python", "negative amount",
    ),
    Case(
        "python traceback on a Windows runner, standard library frame skipped",
        r"""Traceback (most recent call last):
  File "D:\a\shop\shop\tools\release.py", line 8, in <module>
    import tomllib
  File "C:\hostedtoolcache\windows\Python\3.10.11\x64\lib\importlib\__init__.py", line 126, in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
ModuleNotFoundError: No module named 'tomllib'""",
        "tools/release.py", 8, None, "ModuleNotFoundError", "python", "tomllib",
    ),
    Case(
        "pytest failure section",
        """=================================== FAILURES ===================================
__________________________________ test_add ___________________________________

    def test_add():
>       assert add(1, 1) == 3
E       assert 2 == 3
E        +  where 2 = add(1, 1)

tests/test_math.py:5: AssertionError
=========================== short test summary info ============================
FAILED tests/test_math.py::test_add - assert 2 == 3""",
        "tests/test_math.py", 5, None, "AssertionError", "python", "assert 2 == 3",
    ),
    Case(
        "pytest collection error (short traceback)",
        "ImportError while importing test module '/home/runner/work/app/app/tests/test_api.py'.\n"
        "Hint: make sure your test modules/packages have valid Python names.\nTraceback:\n"
        "tests/test_api.py:3: in <module>\n    import requests\n"
        "E   ModuleNotFoundError: No module named 'requests'",
        "tests/test_api.py", 3, None, "ModuleNotFoundError", "python", "No module named",
    ),
    Case(
        "mypy with error code",
        'src/app/models.py:27: error: Incompatible return value type (got "int", expected "str")'
        "  [return-value]\nFound 1 error in 1 file (checked 12 source files)",
        "src/app/models.py", 27, None, "return-value", "python", "Incompatible return value",
    ),
    Case(
        "ruff concise in a container job",
        "/__w/shop/shop/src/app.py:3:8: F401 [*] `os` imported but unused\nFound 1 error.",
        "src/app.py", 3, 8, "F401", "python", "imported but unused",
    ),
    Case(
        "ruff full format",
        """F401 [*] `os` imported but unused
 --> src/app.py:1:8
  |
1 | import os
  |        ^^
  |
help: Remove unused import: `os`

Found 1 error.""",
        "src/app.py", 1, 8, "F401", "python", "imported but unused",
    ),
    Case(
        "flake8",
        "./src/app.py:10:80: E501 line too long (88 > 79 characters)",
        "src/app.py", 10, 80, "E501", "python", "line too long",
    ),
    Case(
        "gcc with runner prefix",
        "/home/runner/work/engine/engine/src/main.c:12:5: error: 'count' undeclared "
        "(first use in this function)",
        "src/main.c", 12, 5, None, "cpp", "undeclared",
    ),
    Case(
        "clang fatal error",
        "src/net/socket.cpp:3:10: fatal error: 'boost/asio.hpp' file not found\n"
        "#include <boost/asio.hpp>\n         ^~~~~~~~~~~~~~~~",
        "src/net/socket.cpp", 3, 10, None, "cpp", "file not found",
    ),
    Case(
        "CMake error with location",
        """CMake Error at CMakeLists.txt:14 (find_package):
  Could not find a package configuration file provided by "fmt" with any of
  the following names:

    fmtConfig.cmake
    fmt-config.cmake

-- Configuring incomplete, errors occurred!""",
        "CMakeLists.txt", 14, None, "CMake Error", "cpp", "Could not find a package",
    ),
    Case(
        "CMake error in a toolchain file, located at the repository's call",
        """CMake Error at /opt/vcpkg/scripts/buildsystems/vcpkg.cmake:855 (_find_package):
  Could not find a package configuration file provided by "fmt".

Call Stack (most recent call first):
  /opt/vcpkg/scripts/buildsystems/vcpkg.cmake:900 (find_package)
  src/CMakeLists.txt:12 (find_package)
""",
        "src/CMakeLists.txt", 12, None, "CMake Error", "cpp", "Could not find a package",
    ),
    Case(
        "rustc error with code",
        """error[E0382]: borrow of moved value: `names`
 --> src/main.rs:5:20
  |
3 |     let names = vec![1];
  |         ----- move occurs because `names` has type `Vec<i32>`
4 |     consume(names);
5 |     println!("{:?}", names);
  |                      ^^^^^ value borrowed here after move""",
        "src/main.rs", 5, 20, "E0382", "rust", "borrow of moved value",
    ),
    Case(
        "cargo test panic (Rust 1.73+ format)",
        "thread 'tests::divides' panicked at src/lib.rs:14:9:\nattempt to divide by zero",
        "src/lib.rs", 14, 9, "panic", "rust", "attempt to divide by zero",
    ),
    Case(
        "cargo test panic (older format)",
        "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', "
        "src/config.rs:22:31",
        "src/config.rs", 22, 31, "panic", "rust", "Option::unwrap",
    ),
    Case(
        "go build",
        "# github.com/acme/calc\n./main.go:10:2: undefined: sum",
        "main.go", 10, 2, None, "go", "undefined: sum",
    ),
    Case(
        "go build in an internal/ package",
        "# example.com/octo/internal/store\ninternal/store/cache.go:41:9: undefined: "
        "redis.NewClusterClient",
        "internal/store/cache.go", 41, 9, None, "go", "undefined",
    ),
    Case(
        "go vet",
        "# github.com/acme/calc\nvet: ./report.go:8:2: fmt.Printf format %d has arg name "
        "of wrong type string",
        "report.go", 8, 2, None, "go", "wrong type string",
    ),
    Case(
        "go test joins the test file to its package path",
        """=== RUN   TestAdd
--- FAIL: TestAdd (0.00s)
    add_test.go:12: expected 3, got 2
FAIL
FAIL	github.com/acme/calc/internal/mathx	0.003s
FAIL""",
        "internal/mathx/add_test.go", 12, None, None, "go", "expected 3, got 2",
    ),
    Case(
        "go panic, first repo frame",
        """panic: runtime error: index out of range [3] with length 3

goroutine 1 [running]:
main.pick(...)
	/home/runner/work/calc/calc/pick.go:9 +0x1d
main.main()
	/home/runner/work/calc/calc/main.go:5 +0x25
exit status 2""",
        "pick.go", 9, None, "panic", "go", "index out of range",
    ),
    Case(
        "tsc pretty",
        "src/index.ts:3:21 - error TS2307: Cannot find module 'left-pad' or its corresponding "
        "type declarations.\n\n3 import pad from 'left-pad';\n                      ~~~~~~~~~~",
        "src/index.ts", 3, 21, "TS2307", "typescript", "Cannot find module",
    ),
    Case(
        "tsc plain on a Windows runner",
        r"D:\a\web\web\src\index.ts(3,21): error TS2307: Cannot find module 'left-pad'.",
        "src/index.ts", 3, 21, "TS2307", "typescript", "Cannot find module",
    ),
    Case(
        "eslint stylish",
        """/home/runner/work/web/web/src/app.js
  1:10  error    'foo' is defined but never used  no-unused-vars
  3:1   warning  Unexpected console statement     no-console

\u2716 2 problems (1 error, 1 warning)""",
        "src/app.js", 1, 10, "no-unused-vars", "eslint", "is defined but never used",
    ),
    Case(
        "eslint compact",
        "/home/runner/work/web/web/src/app.js: line 1, col 10, Error - 'foo' is defined but "
        "never used. (no-unused-vars)",
        "src/app.js", 1, 10, None, "node", "is defined but never used",
    ),
    Case(
        "eslint unix",
        "src/app.js:1:10: 'foo' is defined but never used. [Error/no-unused-vars]",
        "src/app.js", 1, 10, "no-unused-vars", "node", "is defined but never used",
    ),
    Case(
        "jest assertion failure",
        """ FAIL  src/sum.test.js
  \u25cf sum \u203a adds 1 + 2 to equal 3

    expect(received).toBe(expected) // Object.is equality

    Expected: 3
    Received: 4

      3 | test('adds 1 + 2 to equal 3', () => {
    > 4 |   expect(sum(1, 2)).toBe(3);
        |                     ^
      5 | });

      at Object.<anonymous> (src/sum.test.js:4:21)""",
        "src/sum.test.js", 4, 21, None, "jest", "expect(received).toBe(expected)",
    ),
    Case(
        "javac",
        "src/main/java/com/acme/App.java:12: error: cannot find symbol\n"
        "        Strin name = args[0];\n        ^\n  symbol:   class Strin",
        "src/main/java/com/acme/App.java", 12, None, None, "java", "cannot find symbol",
    ),
    Case(
        "maven compiler plugin",
        "[ERROR] /home/runner/work/app/app/src/main/java/com/acme/App.java:[12,8] "
        "cannot find symbol",
        "src/main/java/com/acme/App.java", 12, 8, None, "java", "cannot find symbol",
    ),
    Case(
        "kotlin (new format)",
        "e: file:///home/runner/work/app/app/src/main/kotlin/Main.kt:3:5 "
        "Unresolved reference 'greet'.",
        "src/main/kotlin/Main.kt", 3, 5, None, "java", "Unresolved reference",
    ),
    Case(
        "kotlin (old format)",
        "e: /home/runner/work/app/app/src/main/kotlin/Main.kt: (3, 5): Unresolved reference: greet",
        "src/main/kotlin/Main.kt", 3, 5, None, "java", "Unresolved reference",
    ),
    Case(
        "dotnet / msbuild",
        "/home/runner/work/app/app/src/Api/Program.cs(12,17): error CS0246: The type or "
        "namespace name 'Foo' could not be found [/home/runner/work/app/app/src/Api/Api.csproj]",
        "src/Api/Program.cs", 12, 17, "CS0246", "dotnet", "could not be found",
    ),
    Case(
        "generic path:line:col with ruby",
        "lib/shop/cart.rb:12:in `total': undefined method `price' for nil (NoMethodError)",
        "lib/shop/cart.rb", 12, None, "NoMethodError", "ruby", "undefined method",
    ),
    Case(
        "bash script error",
        "scripts/release.sh: line 3: jq: command not found",
        "scripts/release.sh", 3, None, None, "shell", "command not found",
    ),
    Case(
        "workflow command",
        "::error file=src/app.py,line=10,col=5,title=Lint failed::Missing docstring%0Ain public "
        "function",
        "src/app.py", 10, 5, None, "python", "Missing docstring",
    ),
    Case(
        "timestamps, ANSI colour and group markers around tsc output",
        f"{TS}##[group]Run npx tsc --noEmit\n{TS}\x1b[36;1mnpx tsc --noEmit\x1b[0m\n"
        f"{TS}##[endgroup]\n{TS}\x1b[96msrc/app.ts\x1b[0m:\x1b[93m7\x1b[0m:\x1b[93m3\x1b[0m - "
        f"\x1b[91merror\x1b[0m\x1b[90m TS2339: \x1b[0mProperty 'nme' does not exist on type "
        f"'User'.\n{TS}##[error]Process completed with exit code 2.",
        "src/app.ts", 7, 3, "TS2339", "typescript", "does not exist on type",
    ),
    Case(
        "docker buildkit points at the Dockerfile line",
        """#11 ERROR: failed to calculate checksum of ref abc::def: "/app/dist": not found
------
 > [stage-1 4/5] COPY dist/ /srv/:
------
Dockerfile:12
--------------------
  12 | >>> COPY dist/ /srv/
--------------------
ERROR: failed to solve: failed to compute cache key: failed to calculate checksum""",
        "Dockerfile", 12, None, None, "docker", "failed to calculate checksum",
    ),
    Case(
        "gfortran: the location above the source excerpt, the diagnostic below it",
        """[ 54%] Building Fortran object src/CMakeFiles/stdlib.dir/stdlib_sorting.f90.o
/home/runner/work/stdlib/stdlib/src/stdlib_sorting.f90:16:30:

   16 |         integer(kind=int_index), intent(in) :: N
      |                              1
Error: Symbol 'int_index' at (1) has no IMPLICIT type
make[2]: *** [src/CMakeFiles/stdlib.dir/build.make:244: src/stdlib_sorting.f90.o] Error 1""",
        "src/stdlib_sorting.f90", 16, 30, None, None, "no IMPLICIT type",
    ),
    Case(
        "gfortran before 4.5: `file:line.col:`",
        """network.f90:740.68:

                phi(r) = (E(r) - E(1))**(n-1) / (8.314472**n * gamma(n))
                                                                   1
Error: Function 'gamma' at (1) has no IMPLICIT type""",
        "network.f90", 740, 68, None, None, "has no IMPLICIT type",
    ),
    Case(
        "cppcheck's template before 1.84: [path:line]: (error) message",
        """$ cppcheck --quiet --error-exitcode=1 src
[src/osm_decoder.cpp:127] -> [src/osm_decoder.cpp:120]: (error) Array 'block_type[16]' accessed at index 16, which is out of bounds.
The command "cppcheck --quiet --error-exitcode=1 src" exited with 1.""",
        "src/osm_decoder.cpp", 127, None, None, "cpp", "out of bounds",
    ),
    Case(
        "Nim: path(line, col) Error:, relayed by nimble behind `... `, its hints skipped",
        """        ... /home/runner/work/lofreq3/lofreq3/src/storage.nim(111, 6) Hint: '[]' is declared but not used [XDeclaredButNotUsed]
        ... Hint: algorithm [Processing]
        ... /home/runner/work/lofreq3/lofreq3/src/algorithm.nim(140, 16) Error: type mismatch: got <Processor, int64>
        ... but expected one of:""",
        "src/algorithm.nim", 140, 16, None, None, "type mismatch",
    ),
    Case(
        "solc 0.8 through forge: `Error (code): message`, then the ` --> ` location",
        """[⠒] Compiling 74 files with Solc 0.8.21
Error: Compiler run failed:
Error (7576): Undeclared identifier.
  --> src/morpho-blue/VirtualHealthFactor.sol:54:9:
   |
54 |         healthFactor = maxBorrow.wDivDown(borrowed);
   |         ^^^^^^^^^^^^""",
        "src/morpho-blue/VirtualHealthFactor.sol", 54, 9, "7576", None, "Undeclared identifier",
    ),
    Case(
        "buf lint: path.proto:line:col:message, no space after the colon",
        """buf lint
rpc/api/api.proto:7:9:Service name "Poet" should be suffixed with "Service".""",
        "rpc/api/api.proto", 7, 9, None, None, "should be suffixed",
    ),
    Case(
        "prove: Test::More's failed assertion, the innermost subtest's first",
        """t/01_basic.t .... 1/?
    #   Failed test 'config'
    #   at t/01_basic.t line 30.
    #     Structures begin differing at:
    # Looks like you failed 1 test of 1.
#   Failed test 'get_config local'
#   at t/01_basic.t line 31.
t/01_basic.t .... Dubious, test returned 1 (wstat 256, 0x100)""",
        "t/01_basic.t", 30, None, None, None, "Failed test 'config'",
    ),
    Case(
        "Perl's die: message at path line N.",
        """Can't locate object method "new" via package "Foo::Bar" at /home/travis/build/acme/shop/lib/Shop/Cart.pm line 42.""",
        "lib/Shop/Cart.pm", 42, None, None, None, "Can't locate object method",
    ),
    Case(
        "testthat 2's summary names the file alone, in tests/testthat/",
        """OK: 193 SKIPPED: 0 WARNINGS: 0 FAILED: 1
1. Failure: complexity measures are aligned (@test-complexity_measures.R#76)""",
        "tests/testthat/test-complexity_measures.R", 76, None, None, None, "complexity measures",
    ),
    Case(
        "testthat 3: ── Failure (file:line:col): name ──",
        """── Failure (test-cart.R:12:3): totals add up ────────
`total(cart)` not equal to 30.""",
        "tests/testthat/test-cart.R", 12, None, None, None, "not equal to 30",
    ),
    Case(
        "Scala 3 behind sbt: the place in the head line, the message under the carets",
        """[error] -- [E006] Not Found Error: /home/runner/work/app/app/webpage/src/main/scala/HttpClient.scala:31:18
[error] 31 |    val request = Request(
[error]    |                  ^^^^^^^
[error]    |                  Not found: Request""",
        "webpage/src/main/scala/HttpClient.scala", 31, 18, "E006", "java", "Not found: Request",
    ),
    Case(
        "Bazel about a BUILD file",
        """ERROR: /home/runner/work/heron/heron/third_party/cereal/BUILD:5:1: Reassignment of builtin build function 'package_name' not permitted.
ERROR: package contains errors: third_party/cereal.""",
        "third_party/cereal/BUILD", 5, 1, None, "bazel", "Reassignment of builtin",
    ),
    Case(
        "Android lint's first finding glued to its Gradle task's name (Gradle before 4)",
        """:app:lintVitalRelease/home/runner/work/cam/cam/app/src/main/res/values/strings.xml:8: Error: "seconds" is not translated in "de" (German) [MissingTranslation]
    <string name="seconds">%1$ds</string>""",
        "app/src/main/res/values/strings.xml", 8, None, None, None, "is not translated",
    ),
    Case(
        "OCaml (dune): the quoted location above the excerpt, `Error:` below it",
        """File "src/colors.ml", line 5, characters 8-26:
5 | let bg = Color.of_hexstring "#282828"
            ^^^^^^^^^^^^^^^^^^
Error: Unbound value Color.of_hexstring
Hint: Did you mean to_hexstring?""",
        "src/colors.ml", 5, None, None, None, "Unbound value",
    ),
    Case(
        "OCaml: a warning made an error, over a span of lines",
        """File "lib/parser.ml", lines 12-14, characters 0-20:
Error (warning 32 [unused-value-declaration]): unused value skip.""",
        "lib/parser.ml", 12, None, None, None, "unused value",
    ),
    # microsoft/playwright#28990: the failure's frames cut off below its code frame
    Case(
        "Playwright: the header names the test file, the code frame the failed line",
        """  6) [Microsoft Edge] \u203a tests/email.test.ts:28:1 \u203a contact form ────────

    Error: elementHandle.isVisible: Test ended.
    Call log:
      -   checking visibility of locator(':scope')

      33 |   // Check the toast
      34 |   expect(
    > 35 |     (await page.waitForSelector('li[data-type="success"]')).isVisible(),
         |                                                             ^
      36 |   ).toBeTruthy();""",
        "tests/email.test.ts", 35, None, None, "node", "isVisible",
    ),
    # ruanyf/react-babel-webpack-boilerplate#24: Babel 6 through babel-loader
    Case(
        "webpack: the loader's message ends with where in the module it failed",
        """ERROR in ./app/main.jsx
Module build failed: SyntaxError: Unexpected token (6:2)

  4 |
  5 | ReactDOM.render(
> 6 |   <App />,
    |   ^""",
        "app/main.jsx", 6, 2, "SyntaxError", "node", "Unexpected token",
    ),
    # olefredrik/FoundationPress#309 (Travis CI): PHP_CodeSniffer's full report
    Case(
        "PHP_CodeSniffer: an error row under its file's header, the message wrapped",
        """FILE: /home/travis/build/acme/theme/comments.php
----------------------------------------------------------------------
FOUND 1 ERROR AFFECTING 1 LINE
----------------------------------------------------------------------
 39 | ERROR | [x] Whitespace found at end of line
    |       |     (Squiz.WhiteSpace.SuperfluousWhitespace.EndLine)
----------------------------------------------------------------------""",
        "comments.php", 39, None, "PHP_CodeSniffer", "php", "Squiz.WhiteSpace",
    ),
    # flutter/flutter#15458 (Travis CI): the checkout's folder has a space, %20 in the URI
    Case(
        "Flutter: what the test framework caught, at the first repository frame",
        """══╡ EXCEPTION CAUGHT BY FLUTTER TEST FRAMEWORK ╞══════════
The following TestFailure object was thrown running a test:
  Expected: exactly one matching node in the widget tree
  Actual: ?:<zero widgets with text "MERCADO" (ignoring offstage widgets)>
When the exception was thrown, this was the stack:
#4      main.<anonymous closure> (file:///home/travis/build/flutter/flutter%20sdk/examples/stocks/test/locale_test.dart:30:5)
<asynchronous suspension>
#5      testWidgets.<anonymous closure> (package:flutter_test/src/widget_tester.dart:61:25)""",
        "examples/stocks/test/locale_test.dart", 30, 5, "TestFailure", "dart", "TestFailure",
    ),
    # an AUR build of a Zig project: the first error glued to the compiler's progress
    Case(
        "Zig: a diagnostic behind the compiler's own progress counter",
        """Semantic Analysis [1964/2886] ./build.zig:142:41: error: expected type '[]const u8', found '(enum literal)'
            .step = std.build.Step.init(.Custom, "Scan Protocols", builder.allocator, make),
                                        ^""",
        "build.zig", 142, 41, None, None, "expected type",
    ),
    # flynn/flynn's CI: gocheck names the test's line, then the check that failed
    Case(
        "gocheck: the failed check's place below the failed test's header",
        """FAIL: logbuf_test.go:112: S.TestClose

logbuf_test.go:141:
    c.Assert(ok, Equals, true)
... obtained bool = false
... expected bool = true

OOPS: 4 passed, 1 FAILED
--- FAIL: Test (0.02s)
FAIL
FAIL	github.com/flynn/flynn/host/logbuf	0.034s""",
        "host/logbuf/logbuf_test.go", 141, None, "gocheck", "go", "obtained",
    ),
    # rocboronat/Atlas-Android-Messenger (Travis CI): the type is in Gradle's nested cause
    Case(
        "Gradle: what went wrong, typed by the cause nested below it",
        """FAILURE: Build failed with an exception.

* Where:
Build file '/home/travis/build/acme/app/app/build.gradle' line: 1
* What went wrong:
A problem occurred evaluating project ':app'.
> java.lang.UnsupportedClassVersionError: com/android/build/gradle/AppPlugin : Unsupported major.minor version 52.0
* Try:
Run with --stacktrace option to get the stack trace.""",
        None, None, None, "UnsupportedClassVersionError", "java", "problem occurred",
    ),
    # pydata/xarray: a traceback pasted from JupyterLab, its frame a Markdown link
    Case(
        "IPython: the class before `Traceback`, a cell's frame and a linked file frame",
        """---------------------------------------------------------------------------
AssertionError                            Traceback (most recent call last)
Cell In[3], line 2
      1 from xarray.tests import create_test_data
----> 2 create_test_data()

File [~/repos/xarray/xarray/tests/__init__.py:329](http://localhost:8888/lab/tree/xarray/tests/__init__.py#line=328), in create_test_data(seed)
    328 obj.encoding = {"foo": "bar"}
--> 329 assert all(var.values.flags.writeable for var in obj.variables.values())
    330 return obj

AssertionError: """,
        "xarray/tests/__init__.py", 329, None, "AssertionError", "python", "AssertionError",
    ),
    # aspnet/KestrelHttpServer on AppVeyor: xUnit's console labels and Mono-style frames
    Case(
        "xUnit console: the runner's time label, a frame that puts its place first",
        r"""[xUnit.net 00:00:06.9116690]     EmptyRequestLoggedAsInformation [FAIL]
[xUnit.net 00:00:06.9119961]       Assert.Equal() Failure
[xUnit.net 00:00:06.9120555]       Expected: 0
[xUnit.net 00:00:06.9120945]       Actual:   1
[xUnit.net 00:00:06.9233700]       Stack Trace:
[xUnit.net 00:00:06.9247879]         C:\projects\kestrel\test\FunctionalTests\HttpsTests.cs(55,0): at FunctionalTests.HttpsTests.<Empty>d__0.MoveNext()
[xUnit.net 00:00:06.9249975]            at System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw()""",
        "test/FunctionalTests/HttpsTests.cs", 55, None, None, "dotnet", "Assert.Equal",
    ),
    # icnocop/AzurePipelines.TestLogger: `dotnet test`, Shouldly's frames without symbols
    Case(
        "dotnet test: `Exception : message`, library frames with no place above the test's",
        r"""  X CreateParents [73ms]
  Error Message:
   Shouldly.ShouldAssertException : [Tests.ClientMessage (-971002351)]
    should be
[Tests.ClientMessage (1542145733)]
    but was not
  Stack Trace:
     at Shouldly.ShouldlyCoreExtensions.AssertAwesomely[T](T actual, Func`2 specifiedConstraint)
   at Shouldly.ShouldBeTestExtensions.ShouldBe[T](IEnumerable`1 actual, Boolean ignoreOrder)
   at Logger.Tests.LoggerQueueTests.CreateParents() in D:\a\logger\logger\tests\Logger.Tests\LoggerQueueTests.cs:line 201""",
        "tests/Logger.Tests/LoggerQueueTests.cs", 201, None, "ShouldAssertException", "dotnet",
        "ShouldAssertException",
    ),
    # dialyxir's short format (an Elixir library's CI): the warning's name after its place
    Case(
        "dialyxir: a place and a warning's name, what it means below",
        """lib/feeder_ex.ex:17:no_return
Function parse_file/1 has no local return.
________________________________________________________________________________
lib/feeder_ex.ex:21:no_return
Function parse/1 has no local return.""",
        "lib/feeder_ex.ex", 17, None, "no_return", "elixir", "parse_file",
    ),
    # a VS Code notebook's traceback: a bracketed frame, the blank line IPython leaves
    Case(
        "IPython: a bracketed frame without its header, a blank line above the exception",
        """File [/home/me/notebooks/src/cr2/__init__.py:1]
----> 1 from utils import running_in_notebook
      3 __all__ = ["running_in_notebook"]

ModuleNotFoundError: No module named 'utils'""",
        "src/cr2/__init__.py", 1, None, "ModuleNotFoundError", "python", "utils",
    ),
    Case(
        "GoogleTest under `ctest -V`: the test's number before each line, CTest's build folder",
        # A CMU 15-445 (bustub) autograder run, as pasted in a public lab notebook.
        """9: Test command: /autograder/source/bustub/build/test/grading_buffer_pool_manager_test "--gtest_filter=BufferPoolManagerTest.DeletePage"
9: Test timeout computed to be: 120
9: Running main() from gmock_main.cc
9: [ RUN      ] BufferPoolManagerTest.DeletePage
9: /autograder/source/bustub/test/buffer/grading_buffer_pool_manager_test.cpp:406: Failure
9: Expected equality of these values:
9:   1
9:   bpm->DeletePage(page_ids[4])
9:     Which is: false
9: [  FAILED  ] BufferPoolManagerTest.DeletePage (1 ms)
9: [----------] 1 test from BufferPoolManagerTest (1 ms total)
9:
9: [  FAILED  ] 1 test, listed below:
9: [  FAILED  ] BufferPoolManagerTest.DeletePage
9:
9:  1 FAILED TEST""",
        "test/buffer/grading_buffer_pool_manager_test.cpp", 406, None, None, "cpp",
        "bpm->DeletePage",
    ),
]
# fmt: on


def first_record_with(records: list[ErrorRecord], part: str) -> ErrorRecord:
    for record in records:
        if part in record.message or part in record.text:
            return record
    raise AssertionError(f"no record mentions {part!r}: {[r.message for r in records]}")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_tool_format_is_located_in_the_repository(case: Case) -> None:
    record = first_record_with(extract_errors(case.log), case.message_part)
    assert (record.file, record.line, record.column) == (case.file, case.line, case.column)
    assert record.error_type == case.error_type
    assert record.ecosystem == case.ecosystem


def test_a_googletest_failure_is_told_by_what_failed_not_by_the_word_failure() -> None:
    # thm-mni-ii/sea#110 (GoogleTest 1.8+), and the older `Value of:` form up to the verdict.
    modern = """/home/runner/work/sea/sea/test/bfs_test.cpp:39: Failure
Expected equality of these values:
  c2
    wich is: 0
  order * degree
    wich is: 10000
"""
    older = """[ RUN      ] Foo.Bar
tests/foo_test.cc:42: Failure
Value of: x
  Actual: 3
Expected: 4
[  FAILED  ] Foo.Bar (1 ms)
tests/foo_test.cc:50: Failure
Value of: y
"""
    assert [(e.file, e.line, e.message) for e in extract_errors(modern)] == [
        (
            "test/bfs_test.cpp",
            39,
            "Expected equality of these values: c2 wich is: 0 order * degree wich is: 10000",
        )
    ]
    assert [e.message for e in extract_errors(older)] == [
        "Value of: x Actual: 3 Expected: 4",
        "Value of: y",
    ]


def test_ctest_numbers_go_and_the_assertion_is_what_googletest_said() -> None:
    log = (
        "9: Test command: /w/app/build/test/cart_test\n9: [ RUN      ] Cart.Total\n"
        "9: /w/app/test/cart_test.cc:12: Failure\n9: Expected equality of these values:\n"
        "9:   1\n9:   2\n9:\n9: [  FAILED  ] Cart.Total (0 ms)\n"
    )
    assert [(e.file, e.line, e.message) for e in extract_errors(log)] == [
        ("test/cart_test.cc", 12, "Expected equality of these values: 1 2")
    ]


def test_another_tools_failure_keeps_its_own_words() -> None:
    log = "src/main.rs:10: Failure\nnext line of something else entirely\n"
    assert [e.message for e in extract_errors(log)] == ["Failure"]


def test_a_build_folder_beside_the_source_says_nothing_of_the_root() -> None:
    mirrored = "1: Test command: /w/app/build/test/cart_test\n"
    beside = "1: Test command: /w/build/test/cart_test\n"  # cmake -S app -B build
    assert root_beside_build_folder("/w/app/test/cart_test.cc", mirrored) == "/w/app"
    assert root_beside_build_folder("/w/app/test/cart_test.cc", beside) is None


def test_runner_noise_never_becomes_an_error() -> None:
    log = (
        f"{TS}##[group]Run actions/checkout@v4\n{TS}Syncing repository: acme/shop\n"
        f"{TS}##[endgroup]\n{TS}Downloading 10%\r{TS}Downloading 100%\n"
        f"{TS}All 52 tests passed, 0 errors, 0 failures\n"
    )
    assert extract_errors(log) == []


def test_a_log_full_of_the_same_error_reports_it_once_per_place() -> None:
    log = "\n".join(f"src/app.py:{n}:1: F401 `os` imported but unused" for n in (1, 1, 2))
    records = extract_errors(log)
    assert [(r.file, r.line) for r in records] == [("src/app.py", 1), ("src/app.py", 2)]


def test_a_run_of_long_diagnostics_stays_separate_errors() -> None:
    log = "\n".join(
        f"src/pkg/module_number_{n}.py:{n}:1: F401 `os` imported but unused" for n in range(1, 6)
    )
    assert [r.line for r in extract_errors(log)] == [1, 2, 3, 4, 5]


def test_records_know_where_they_start_in_the_cleaned_log() -> None:
    log = "Collecting foo\nERROR: No matching distribution found for foo==9.9\n"
    (record,) = extract_errors(log)
    assert record.log_line == 2
    assert record.text == "ERROR: No matching distribution found for foo==9.9"
    assert "Collecting foo" in record.context


def test_wrapped_messages_stay_in_one_error() -> None:
    log = (
        'Error: Your bundle only supports platforms ["arm64-darwin-22"] but your local '
        "platform\nis x86_64-linux. Add the current platform to the lockfile with\n"
        "`bundle lock --add-platform x86_64-linux` and try again."
    )
    (record,) = extract_errors(log)
    assert "is x86_64-linux" in record.text


def test_annotations_become_records() -> None:
    annotations = [
        {
            "path": "src/app.ts",
            "start_line": 4,
            "end_line": 4,
            "start_column": 9,
            "annotation_level": "failure",
            "title": "TS2304",
            "message": "Cannot find name 'foo'.",
            "raw_details": None,
        },
        {
            "path": ".github",
            "start_line": 1,
            "end_line": 1,
            "annotation_level": "failure",
            "message": "src/lib.ts(3,1): error TS2582: Cannot find name 'describe'.",
        },
        {"path": "README.md", "annotation_level": "notice", "message": "Spelling"},
    ]
    records = errors_from_annotations(annotations)
    assert [(r.file, r.line, r.error_type) for r in records] == [
        ("src/app.ts", 4, "TS2304"),
        ("src/lib.ts", 3, "TS2582"),
    ]
    assert all(r.log_line is None for r in records)


def test_warnings_count_only_when_there_is_no_failure() -> None:
    warning = {
        "path": "a.py",
        "start_line": 1,
        "annotation_level": "warning",
        "message": "DeprecationWarning: imp is deprecated",
    }
    failure = dict(warning, annotation_level="failure", message="SyntaxError: bad input")
    assert [r.message for r in errors_from_annotations([warning])] == [warning["message"]]
    assert [r.message for r in errors_from_annotations([warning, failure])] == [
        "SyntaxError: bad input"
    ]


def test_check_output_is_parsed_and_falls_back_to_one_record() -> None:
    parsed = errors_from_check_output(
        "Lint", "1 error", "```\nsrc/a.py:2:1: E302 expected 2 blank lines\n```"
    )
    assert [(r.file, r.line, r.error_type) for r in parsed] == [("src/a.py", 2, "E302")]
    (whole,) = errors_from_check_output("Deploy failed", "The deployment quota was exceeded.", None)
    assert whole.file is None and "quota" in whole.text
    assert errors_from_check_output(None, None, None) == []


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_extraction_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    records = extract_errors(data)  # type: ignore[arg-type] - bytes straight off the wire
    assert all(isinstance(record, ErrorRecord) for record in records)


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(exclude_categories=()), max_size=2000))
def test_extraction_never_raises_on_any_text_lone_surrogates_included(text: str) -> None:
    for record in extract_errors(text):
        record.text.encode("utf-8")


ERRORISH_LINES = st.sampled_from(
    [
        "error: ",
        "ERROR ",
        "Traceback (most recent call last):",
        '  File "x.py", line ',
        "panic: ",
        "--- FAIL: T",
        "npm ERR! code ",
        "::error file=",
        "\u25cf ",
        "CMake Error at ",
        "thread 'main' panicked at ",
        "* What went wrong:",
        "E   ",
        "____ t ____",
        " --> ",
        "\x1b[31m",
        "\r",
        "\t",
        "(",
        "):",
        ":1:2: ",
        "\n",
        "/home/runner/work/a/a/",
        "D:\\a\\b\\",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(ERRORISH_LINES, st.text(max_size=20)), max_size=60))
def test_extraction_never_raises_on_error_shaped_garbage(pieces: list[str]) -> None:
    text = "".join(pieces)
    for record in extract_errors(text):
        assert record.message is not None
        assert record.line is None or record.file is not None


@pytest.mark.parametrize(
    ("log", "place"),
    [
        # A Windows console 80 columns wide cut the file name, or the line number.
        (
            "D:\\a\\storefront\\storefront\\packages\\checkout-widgets\\src\\components\\Paym\n"
            "entSummary.tsx(48,17): error TS2339: Property 'totl' does not exist on type 'Order'.",
            ("packages/checkout-widgets/src/components/PaymentSummary.tsx", 48, 17),
        ),
        (
            "D:\\a\\storefront\\storefront\\src\\components\\checkout\\PaymentSummary.tsx(4\n"
            "8,17): error TS2339: Property 'totl' does not exist on type 'Order'.",
            ("src/components/checkout/PaymentSummary.tsx", 48, 17),
        ),
    ],
)
def test_a_location_cut_by_a_consoles_width_is_read_joined(
    log: str, place: tuple[str, int, int]
) -> None:
    (error,) = extract_errors(log)
    assert (error.file, error.line, error.column) == place
    assert error.error_type == "TS2339"


def _wrapped_at(text: str, width: int) -> str:
    return "\n".join(
        line[start : start + width]
        for line in text.split("\n")
        for start in range(0, max(len(line), 1), width)
    )


def test_a_path_cut_at_the_logs_own_width_is_read_joined() -> None:
    """A console of an unusual width (126 columns, a build bot's) cut a path inside a
    folder's name: the log's longest lines, several of them, say that width."""
    repository = "llvm-project-mirror-of-the-upstream-sources-"  # puts the cut in `AArch64`
    log = _wrapped_at(
        "cd /tmp/bot/build/ROCmLLVM/19.0.0/llvm.obj.1/tools/lli/ChildTarget && /cvmfs/software/"
        "linux/aarch64/CMake/3.31.3/bin/cmake -E cmake_link_script CMakeFiles/lli-child-target."
        "dir/link.txt --verbose=1 --and-some-more-options-to-make-it-long\n"
        + "-I/tmp/bot/build/ROCmLLVM/19.0.0/include"
        * 8
        + f"\n/home/runner/work/{repository}/{repository}/llvm/lib/Target/AArch64/GISel/"
        "AArch64InstructionSelector.cpp:6628: error: no declaration matches "
        "'bool AArch64InstructionSelector::selectPtrAuthGlobalValue(MachineInstr&) const'",
        126,
    )
    assert "Target/AA\nrch64/GISel" in log
    located = [(e.file, e.line) for e in extract_errors(log) if e.file]
    assert located[0] == ("llvm/lib/Target/AArch64/GISel/AArch64InstructionSelector.cpp", 6628)


def test_a_complete_diagnostic_is_not_glued_to_the_long_line_above() -> None:
    """Regression: joining cut lines once glued a whole diagnostic to a long path above."""
    log = (
        "/home/runner/work/r/r/node_modules/.bin/some-long-tool-name-here-that-runs\n"
        "src/a.ts(1,2): error TS2304: Cannot find name 'x'."
    )
    assert [(e.file, e.line) for e in extract_errors(log)] == [("src/a.ts", 1)]


def test_msbuild_places_a_compiled_artifacts_error_on_its_project() -> None:
    log = (
        "CSC : error CS0006: Metadata file 'obj/ref/Core.dll' could not be found "
        "[/home/vsts/work/1/s/src/Api/Api.csproj]\n"
        "/home/vsts/work/1/s/src/Core/bin/Debug/Core.dll : error CS1684: Reference to type "
        "'Foo' claims it is defined in 'Bar.dll', but it could not be found "
        "[/home/vsts/work/1/s/src/Api/Api.csproj]"
    )
    located = [(e.file, e.line, e.error_type) for e in extract_errors(log) if e.file]
    assert located == [("src/Api/Api.csproj", None, "CS1684")]


def test_paths_relative_to_the_folder_make_or_ninja_entered_are_joined_to_it() -> None:
    log = (
        "ninja: Entering directory `build'\n"
        "FAILED: CMakeFiles/app.dir/src/main.c.o\n"
        "../src/main.c:3:10: fatal error: foo.h: No such file or directory\n"
        "make[1]: Entering directory '/home/runner/work/r/r/lib'\n"
        "make[2]: Entering directory '/home/runner/work/r/r/lib/sub'\n"
        "make[2]: Leaving directory '/home/runner/work/r/r/lib/sub'\n"
        "util.c:9:1: error: expected ';' before '}' token\n"
        "make[1]: Leaving directory '/home/runner/work/r/r/lib'\n"
        "make[1]: Entering directory '/home/someone/elsewhere'\n"
        "other.c:2:1: error: unknown type name 'bool'\n"
    )
    assert [(e.file, e.line) for e in extract_errors(log)] == [
        ("src/main.c", 3),
        ("lib/util.c", 9),
        ("other.c", 2),  # a folder outside the repository says nothing about it
    ]


def test_an_absolute_path_is_cut_where_the_log_names_a_relative_folder() -> None:
    located = "/opt/b/app/lib/src/cpu.cpp:240:5: error: use of undeclared identifier 'x'\n"
    alone = extract_errors(located)
    assert alone[0].file == "/opt/b/app/lib/src/cpu.cpp"  # nothing says where app/ starts
    named = extract_errors(
        "[ 87%] Building CXX object src/CMakeFiles/app.dir/cpu.cpp.o\n" + located
    )
    assert named[0].file == "src/cpu.cpp"


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        # A checkout in a home folder, under folders that hold checkouts.
        ("/home/x43/projects/KeAir/gen/android/BuildTask.kt", "gen/android/BuildTask.kt"),
        ("/Users/me/code/app/src/cpu.cpp", "src/cpu.cpp"),
        ("C:/Users/me/source/repos/Shop/Shop/Program.cs", "Shop/Program.cs"),
        ("/root/shop/src/main.rs", "src/main.rs"),
        ("C:/Source/P/Ext/Tests/Test.cs", "Ext/Tests/Test.cs"),
        ("D:/shop/src/Shop/Program.cs", "src/Shop/Program.cs"),  # cloned at a drive's top
        ("/Users/me/forks/shop/core/src/App.scala", "core/src/App.scala"),
        ("/Users/me/Dropbox/shop/build.sbt", "build.sbt"),
        # Codespaces and dev containers; a GitHub archive unpacked.
        ("/workspaces/shop/src/app.ts", "src/app.ts"),
        ("/opt/x/examples-master/web/src/Pipeline.java", "web/src/Pipeline.java"),
        ("C:/Users/me/Downloads/shop-main/src/App.cs", "src/App.cs"),
        # Never a home folder's own settings or libraries.
        ("/Users/me/Library/Developer/Xcode/x.swift", "/Users/me/Library/Developer/Xcode/x.swift"),
    ],
)
def test_an_absolute_path_of_a_local_checkout_loses_its_root(printed: str, expected: str) -> None:
    [error] = extract_errors(f"{printed}:12:5: error: use of undeclared identifier 'x'\n")
    assert error.file == expected


def test_the_log_naming_a_folder_beats_the_shape_of_a_local_checkout() -> None:
    located = "/home/me/code/app/lib/src/cpu.cpp:240:5: error: use of undeclared identifier 'x'\n"
    assert extract_errors(located)[0].file == "lib/src/cpu.cpp"
    named = extract_errors(
        "[ 87%] Building CXX object src/CMakeFiles/app.dir/cpu.cpp.o\n" + located
    )
    assert named[0].file == "src/cpu.cpp"


def test_a_template_backtrace_line_is_context_not_an_error() -> None:
    # The first lines are gcc's, from jenkinsci/analysis-model's issue66835 fixture: a
    # warning in a template, with where it was instantiated.
    log = (
        "In file included from ../src/ProblemFile.cpp:14:0:\n"
        "../inc/Library/ProblemFile.h: In instantiation of \u2018OurTemplate<T>::Fn() "
        "[with T = OurClass]\u2019:\n"
        "../src/ProblemFile.cpp:64:49:   required from here\n"
        "../inc/Library/ProblemFile.h:246:16: warning: format \u2018%llX\u2019 expects argument "
        "of type \u2018long long unsigned int\u2019 [-Wformat=]\n"
        "../src/Other.cpp:12:3: error: \u2018fread2\u2019 was not declared in this scope\n"
    )
    assert [(e.file, e.line) for e in extract_errors(log)] == [("src/Other.cpp", 12)]


def test_phpunit_failures_are_placed_at_the_test_files_line() -> None:
    # sebastianbergmann/phpunit#2984: the actual side of PHPUnit's own failure-isolation
    # test (the test file lives at tests/_files/ in that repository, checked out under
    # /usr/local/src/phpunit)
    log = (
        "There were 2 failures:\n\n"
        "1) FailureTest::testAssertArrayEqualsArray\nmessage\n"
        "Failed asserting that two arrays are equal.\n--- Expected\n+++ Actual\n@@ @@\n"
        " Array (\n-    0 => 1\n+    0 => 2\n )\n\n"
        "/usr/local/src/phpunit/tests/_files/FailureTest.php:8\n\n"
        "2) FailureTest::testAssertIntegerEqualsInteger\nmessage\n"
        "Failed asserting that 2 matches expected 1.\n\n"
        "/usr/local/src/phpunit/tests/_files/FailureTest.php:13\n"
    )
    errors = [e for e in extract_errors(log) if e.file]
    assert [(e.file, e.line) for e in errors] == [
        ("tests/_files/FailureTest.php", 8),
        ("tests/_files/FailureTest.php", 13),
    ]
    assert errors[1].ecosystem == "php"


def test_located_warnings_count_only_when_no_error_is_located() -> None:
    # rust-build/rust-build.action#77: hadolint fails the job on warnings alone
    warnings = (
        "* Dockerfile:9 DL3018 warning: Pin versions in apk add. Instead of `apk add <package>`"
        " use `apk add <package>=<version>`\n"
        "* Dockerfile:12 DL3018 warning: Pin versions in apk add. Instead of `apk add <package>`"
        " use `apk add <package>=<version>`\n"
    )
    located = [(e.file, e.line) for e in extract_errors(warnings) if e.file]
    assert located == [("Dockerfile", 9), ("Dockerfile", 12)]
    error = "src/app.c:3:10: fatal error: config.h: No such file or directory\n"
    assert [(e.file, e.line) for e in extract_errors(warnings + error) if e.file] == [
        ("src/app.c", 3)
    ]


# Linters of configuration and documentation files, type checkers and test runners whose
# output is no compiler's `path:line:col: error:` line: (name, log, the first place shown).
# fmt: off
PLACED_FORMATS = [
    ("yamllint's parsable format, its warnings failing the job with --strict",
     "Run yamllint -f parsable --strict .\n"
     ".github/workflows/ci.yml:1:1: [warning] missing document start \"---\" (document-start)\n"
     "Error: Process completed with exit code 2.",
     ".github/workflows/ci.yml:1"),
    ("yamllint's standard format: the file, then its rows",
     "$ yamllint .\n./.github/workflows/yaml-lint.yml\n"
     "  2:1       warning  truthy value should be one of [false, true]  (truthy)\n"
     "  9:81      error    line too long (92 > 80 characters)  (line-length)",
     ".github/workflows/yaml-lint.yml:9"),
    ("markdownlint-cli2, behind the annotation's Error: prefix",
     "Error: CLAUDE.md:120:81 MD013/line-length Line length [Expected: 80; Actual: 107]",
     "CLAUDE.md:120"),
    ("markdownlint-cli quoted in a sentence",
     "my logs say `README.md:3:151 MD013/line-length Line length [Expected: 150; Actual: 1221]`.",
     "README.md:3"),
    ("markdownlint-cli before 0.19, its numbers spaced",
     "docs/setup.md: 12: MD009/no-trailing-spaces Trailing spaces [Expected: 0; Actual: 1]",
     "docs/setup.md:12"),
    ("Ruby's mdl run on ./",
     "mdl ./\n.//README.md:191: MD013 Line length\n\nExited with code 1",
     "README.md:191"),
    ("ansible-lint 5: the rule, then its place alone",
     "$ ansible-lint scale.yml\nyaml: truthy value should be one of [false, true] (truthy)\n"
     "roles/chrony/handlers/main.yml:7\n",
     "roles/chrony/handlers/main.yml:7"),
    ("ansible-lint 6: the place followed by the task's name",
     "name[casing]: All names should start with an uppercase letter.\n"
     "roles/web/tasks/main.yml:3 Task/Handler: install nginx\n",
     "roles/web/tasks/main.yml:3"),
    ("ansible-lint --parseable",
     "WARNING  Listing 2 violation(s) that are fatal\n"
     "defaults/main.yml:2: yaml[truthy]: Truthy value should be one of [false, true]\n"
     "tasks/main.yml:7: [E206] Variables should have spaces before and after: {{ var }}",
     "defaults/main.yml:2"),
    ("a run's annotation copied from its summary page",
     "Annotations\n1 error\n\n yaml[truthy]: .github/workflows/ansible-lint.yml#L2\n"
     "Truthy value should be one of \\[false, true]",
     ".github/workflows/ansible-lint.yml:2"),
    ("helm lint of the chart in the folder it runs in",
     "$ cd charts/web && helm lint\n==> Linting .\n[INFO] Chart.yaml: icon is recommended\n"
     "[ERROR] templates/: parse error at (web/templates/deployment.yaml:301): unexpected EOF\n\n"
     "Error: 1 chart(s) linted, 1 chart(s) failed",
     "charts/web/templates/deployment.yaml:301"),
    ("helm lint of a chart's folder",
     "==> Linting charts/web\n[ERROR] templates/: template: web/templates/_helpers.tpl:63: "
     "unexpected \"=\" in operand\n",
     "charts/web/templates/_helpers.tpl:63"),
    ("tflint's warning, which fails its run",
     "Warning: data \"aws_iam_policy_document\" \"bucket\" is declared but not used "
     "(terraform_unused_declarations)\n\n  on tf/modules/s3_bucket/main.tf line 92:\n"
     "  92: data \"aws_iam_policy_document\" \"bucket\" {\n",
     "tf/modules/s3_bucket/main.tf:92"),
    ("pyright before 1.1.300: the file, then rows of line:col (only warnings here)",
     "$ pyright\nFound 1 source file\n/home/me/demo/src/warnings.py\n"
     "  3:12 - warning: Inferred type of 'the_list' is partially unknown\n"
     "  6:1 - warning: 'CONST_VAR' is constant and cannot be redefined\n"
     "0 errors, 2 warnings",
     "src/warnings.py:3"),
    ("pyright: an error row below a warning, a wrapped message between",
     "/home/runner/work/app/app/app/models.py\n"
     "  3:12 - warning: Import \"x\" could not be resolved\n"
     "    Second line of the warning (reportMissingImports)\n"
     "  9:5 - error: \"foo\" is not defined (reportUndefinedVariable)\n",
     "app/models.py:9"),
    ("Sphinx -W: a warning made an error has no level",
     "Warning, treated as error:\n"
     "docs/library/esp32.rst:87:duplicate object description of esp32.Partition.readblocks",
     "docs/library/esp32.rst:87"),
    ("Sphinx's warning with its level",
     "/home/runner/work/lib/lib/docs/usage.rst:14: WARNING: undefined label: 'install'",
     "docs/usage.rst:14"),
    ("docutils' level and severity number",
     "README.rst:33: (ERROR/3) Unknown directive type \"code-block\".",
     "README.rst:33"),
    ("doctest's failed example",
     "**********************************************************************\n"
     "File \"scipy/linalg/_basic.py\", line 1026, in _basic.py\nFailed example:\n"
     "    linalg.det(c[0, 0])\nExpected:\n    -2.0\nGot:\n    -2.0000000000000004\n",
     "scipy/linalg/_basic.py:1026"),
    ("svelte-check: a hint skipped, the workspace a paste elided cut, a route folder kept",
     "Loading svelte-check in workspace: .../sveet\nGetting Svelte diagnostics...\n\n"
     ".../sveet/src/routes/[id]/sveet.ts:102:12\nHint: 'key' is declared but never read.\n\n\n"
     ".../sveet/src/routes/[id]/sveet.ts:85:7\nError: Parameter 'a' implicitly has an 'any' type.",
     "src/routes/[id]/sveet.ts:85"),
    ("svelte-check: a blank line between the place and the error",
     "src/lib/Row.svelte:75:22\n\nError: Binding element 'update' implicitly has an 'any' type. (ts)",
     "src/lib/Row.svelte:75"),
    ("deno check: the place is the `at` line, not the module the message names",
     "Check file:///home/me/code/cli/src/main.ts\n"
     "TS2307 [ERROR]: Cannot find module 'file:///home/me/code/cli/src/core.js'.\n"
     "    at file:///home/me/code/cli/src/main.ts:6:30\n\nFound 1 error.",
     "src/main.ts:6"),
    ("bun test: the stack's frame below the expectation, above the failed test's mark",
     "lib/file.test.ts:\n13 |   expect(2 + 2).toBe(5);\n      ^\n"
     "error: expect(received).toBe(expected)\n\nExpected: 5\nReceived: 4\n\n"
     "      at /home/runner/work/ts/ts/lib/file.test.ts:13:2\n\u2717 adds [1.48ms]\n",
     "lib/file.test.ts:13"),
    ("PHPStan's table: the file in its header, the line in its first row",
     " ------ ------------------------------------------\n"
     "  Line   src/Auth/LoginAuthenticator.php\n"
     " ------ ------------------------------------------\n"
     "  163    Property App\\Auth\\LoginAuthenticator::$router\n"
     "         (Symfony\\Router) does not accept UrlGeneratorInterface.\n"
     " ------ ------------------------------------------\n",
     "src/Auth/LoginAuthenticator.php:163"),
    ("Sorbet's error and its note on a previous definition",
     "sorbet/rbi/gems/tapioca@0.5.4.rbi:159: Method RBI::Tree#merge redefined without matching"
     " argument count. Expected: 4, got: 1 https://srb.help/4010\n"
     "     159 |  def merge(other); end\n"
     "    sorbet/rbi/gems/rbi@0.0.7.rbi:1308: Previous definition\n",
     "sorbet/rbi/gems/tapioca@0.5.4.rbi:159"),
    ("gulp-scss-lint: the file in full above its bare name",
     "[22:47:53] 1 issues found in /home/circleci/project/css/styleguide.scss\n"
     "[22:47:53] styleguide.scss:8 [W] FinalNewline: Files should end with a trailing newline\n",
     "css/styleguide.scss:8"),
    ("ESLint's row below a blank line a paste added (the scan must flag the row, not the blank)",
     "/home/runner/work/a/a/src/x.js\n\n  6:3  error  Parsing error: Unexpected token )\n",
     "src/x.js:6"),
]
# fmt: on


@pytest.mark.parametrize(
    ("log", "place"), [case[1:] for case in PLACED_FORMATS], ids=[c[0] for c in PLACED_FORMATS]
)
def test_linters_and_checkers_of_every_kind_are_placed(log: str, place: str) -> None:
    first = next(e for e in extract_errors(log) if e.file)
    assert f"{first.file}:{first.line}" == place


def test_elixir_warnings_are_placed_at_the_line_below_them() -> None:
    # `mix compile --warnings-as-errors` fails on them: 1.13's two lines, then 1.15's excerpt
    log = (
        "$ cd utils\n$ mix compile --warnings-as-errors\nCompiling 14 files (.ex)\n"
        'warning: variable "h" is unused (if the variable is not meant to be used, prefix it '
        "with an underscore)\n"
        "  lib/solutions.ex:1034: Utils.Solutions.Sublist.sublists/2\n\n"
        "warning: variable y is unused\n  lib/quark/ski.ex:55\n\n"
        'warning: variable "x" is unused\n'
        "    \u2502\n 12 \u2502   def foo(x) do\n    \u2502           ~\n    \u2502\n"
        "    \u2514\u2500 lib/a.ex:12:11: A.foo/1\n"
    )
    located = [(e.file, e.line, e.ecosystem) for e in extract_errors(log)]
    assert located == [
        ("utils/lib/solutions.ex", 1034, "elixir"),
        ("utils/lib/quark/ski.ex", 55, "elixir"),
        ("utils/lib/a.ex", 12, "elixir"),
    ]


def test_hadolint_info_findings_are_placed_when_nothing_else_is() -> None:
    # camunda/keycloak#631: hadolint 2.15 fails on DL3066, an `info` finding, by default
    log = (
        "  keycloak-26/Dockerfile:40 DL3066 info: Non-numeric user-id may not be resolvable "
        "by host system\n"
        "  keycloak-26/Dockerfile:85 DL3066 info: Non-numeric user-id may not be resolvable "
        "by host system\n  exit 1\n"
    )
    first = next(e for e in extract_errors(log) if e.file)
    assert (first.file, first.line) == ("keycloak-26/Dockerfile", 40)


def test_an_error_list_row_whose_description_runs_over_several_lines_is_read_whole() -> None:
    # dotnet-playground's Visual Studio Error List: NuGet's NU1102 lists every source it
    # searched inside the description, and the project, file and line follow the last one
    log = (
        "Severity\tCode\tDescription\tProject\tFile\tLine\tSuppression State\n"
        "Error\tNU1102\tUnable to find package Lib.AspNetCore.ServerTiming.Abstractions with "
        "version (>= 5.0.0)\n"
        "  - Found 1 version(s) in nuget.org [ Nearest version: 1.0.0 ]\n"
        "  - Found 0 version(s) in Microsoft Visual Studio Offline Packages\n"
        "  - Found 0 version(s) in rh\tDotnetPlayground.Web\t"
        "C:\\Users\\usr\\source\\repos\\Dotnet-Playground\\DotnetPlayground.Web\\"
        "DotnetPlayground.Web.csproj\t1\t\n"
    )
    [error] = extract_errors(log)
    assert error.error_type == "NU1102"
    assert error.message.startswith("Unable to find package Lib.AspNetCore.ServerTiming")
    assert (error.file, error.line) == ("DotnetPlayground.Web/DotnetPlayground.Web.csproj", 1)


# Forms the ninth and tenth localisation rounds met in fresh CI output: (name, log, the
# first place).
# fmt: off
LATER_ROUNDS_FORMS = [
    ("kotlinc 1.3, its message moved to the next line by the console",
     "e: /Users/me/Project/app/login/src/main/java/a/OAuth.kt: (345, 28): \n"
     "Type mismatch: inferred type is String? but String was expected\n",
     "login/src/main/java/a/OAuth.kt:345"),
    ("kotlinc behind Maven's level, no colon after its place",
     "[ERROR] /home/me/dev/kaadin/core/src/test/kotlin/MenuBarTest.kt: (58, 55) Type mismatch: "
     "inferred type is Command but (MenuItem) -> Unit was expected\n",
     "core/src/test/kotlin/MenuBarTest.kt:58"),
    ("kotlinc behind Gradle 2's task, a space in the folder",
     ":core:compileKotlin: C:\\projects\\my shop\\core\\src\\main\\kotlin\\Cart.kt: (47, 36): "
     "Type mismatch: inferred type is String but Int was expected\n",
     "core/src/main/kotlin/Cart.kt:47"),
    ("GNU make's fatal error in another language",
     "$ make\nMakefile:14: *** Fehlender Trenner.  Schluss.\n", "Makefile:14"),
    ("Flow's error header, the message below it",
     "Error ------------------------------------------ src/api/index.js:216:65\n"
     "Cannot resolve name SnapshotType.\n", "src/api/index.js:216"),
    ("bluebird's unhandled rejection, the test's frame below the library's",
     "Unhandled rejection AssertionError: expected 'a' to equal undefined\n"
     "    at assertEqual (/home/travis/build/o/app/node_modules/chai/lib/chai/core/assertions.js:487:12)\n"
     "    at /home/travis/build/o/app/test/test_session.js:229:55\n",
     "test/test_session.js:229"),
    ("Vercel's millisecond clock before each line",
     "18:40:09.875 Failed to compile.\n18:40:09.876 \n"
     "18:40:09.876 ./app/(website)/(main)/contact/page.tsx:89:35\n"
     "18:40:09.876 Type error: Property 'x' does not exist on type '{ name: string; }'.\n",
     "app/(website)/(main)/contact/page.tsx:89"),
    ("BuildKit 0.11's two-decimal seconds at the end of its box",
     "46.41 cmd/pruner.go:13:2: no required module provides package example.com/x; to add it:\n"
     "46.41 \tgo get example.com/x\n------\nDockerfile:8\n--------------------\n"
     "   8 | >>> RUN go build -o app\n--------------------\n"
     "ERROR: failed to solve: process \"/bin/sh -c go build -o app\" did not complete "
     "successfully: exit code: 1\n",
     "cmd/pruner.go:13"),
    ("a paste wrapped in one pair of backticks across its lines",
     "`cleanlab/count.py:31:0: W0611: Unused pandas imported as pd (unused-import)\n"
     "cleanlab/count.py:34:0: W0611: Unused csr_vstack imported (unused-import)\n`",
     "cleanlab/count.py:31"),
    ("PowerShell 5's parse error, its message below the quoted code",
     "PS C:\\shop-main> .\\install.ps1\nAt C:\\shop-main\\scripts\\install.ps1:142 char:75\n"
     "+ ...  restart so hooks load.\" -ForegroundColor Yellow\n"
     "+                                                 ~~~~~~~~~~\n"
     "The string is missing the terminator: \".\n",
     "scripts/install.ps1:142"),
    ("PowerShell's runtime error, its message above the place",
     "Get-Item : Cannot find path 'C:\\x' because it does not exist.\n"
     "At D:\\a\\shop\\shop\\build.ps1:3 char:1\n+ Get-Item C:\\x\n+ ~~~~~~~~~~~~~\n",
     "build.ps1:3"),
    ("a localised Visual Studio's Error List",
     "严重性\t代码\t说明\t项目\t文件\t行\n"
     "错误\tC2039\t\"one_field\": 不是 \"pqxx::result\" 的成员\trunner\t"
     "D:\\git\\libpqxx-master\\test\\unit\\test_pipeline.cxx\t26\t\n",
     "test/unit/test_pipeline.cxx:26"),
    ("a Windows traceback printed in lower case",
     "Traceback (most recent call last):\n"
     "  File \"c:\\users\\me\\appdata\\local\\programs\\python\\python35\\lib\\threading.py\", "
     "line 914, in _bootstrap\n"
     "  File \"c:\\users\\me\\Documents\\GitHub\\futgui\\core\\bid.py\", line 62, in bid\n"
     "KeyError: 'Desc'\n",
     "core/bid.py:62"),
    ("Nix's last lines of a failed build, behind its `       > `",
     "error: builder for '/nix/store/a5h8-circom-2.0.6.drv' failed with exit code 101;\n"
     "       last 10 log lines:\n"
     "       > thread 'tests::produce_code' panicked at 'called `Result::unwrap()` on an `Err` "
     "value', code_producers/src/wasm.rs:1560:43\n"
     "       > note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
     "code_producers/src/wasm.rs:1560"),
    ("Stackage's unpacked package, its path cut at 132 columns",
     "       [11 of 13] Compiling Configuration.Utils\n\n"
     "       /var/stackage/work/unpack-dir/unpacked/configuration-tools-0.6.1-a4d8ab36e66d452ec300"
     "7201723df0ea827f1bf7cfd3cd94cd3e6d09c1c3\n"
     "d8e6/src/Configuration/Utils.hs:742:5: error: [GHC-88464]\n"
     "           Variable not in scope: void :: m0 ((), f T.Text) -> m a0\n",
     "src/Configuration/Utils.hs:742"),
    ("Bazel's failed action above the compiler's error",
     "ERROR: /home/me/projects/bazel/third_party/ijar/BUILD:47:11: Compiling "
     "third_party/ijar/zlib_client.cc failed: (Exit 1): gcc failed: error executing command\n"
     "In file included from third_party/ijar/zlib_client.cc:20:\n"
     "./third_party/ijar/zlib_client.h:64:46: error: 'numeric_limits' is not a member of 'std'\n",
     "third_party/ijar/zlib_client.h:64"),
    ("next lint: the file, then `2:8  Error: ...` rows",
     "./app/api/health/route.test.ts\n"
     "2:8  Error: 'React' is defined but never used.  @typescript-eslint/no-unused-vars\n",
     "app/api/health/route.test.ts:2"),
    ("fork-ts-checker under vue-cli: the file, then `95:12 message`",
     " error  in /home/me/Dev/ethvm/src/charts/vuechart.vue\n\n"
     "ERROR in /home/me/Dev/ethvm/src/charts/vuechart.vue\n"
     "95:12 Property 'chart' does not exist on type 'Vue'.\n",
     "src/charts/vuechart.vue:95"),
    ("dartanalyzer before Dart 2.12: `message at path:12:3 • (code)`",
     "  error • Undefined name 'rootBundle' at task/lib/main.dart:13:27 • (undefined_identifier)\n",
     "task/lib/main.dart:13"),
    ("MSBuild's generated solution project is no place to annotate",
     "D:\\a\\1\\s\\src\\App.sln.metaproj(0,0): error MSB4126: The specified solution "
     "configuration is invalid.\n"
     "D:\\a\\1\\s\\src\\Migration\\WiItemProvider.cs(1,1): error CS0246: The type or "
     "namespace name 'X' could not be found\n",
     "src/Migration/WiItemProvider.cs:1"),
    ("pytest-mypy's section of a file, its rows numbered only",
     "=================================== FAILURES ===================================\n"
     "____________________________ mypy/test/testcheck.py ____________________________\n"
     "31: error: Incompatible types in assignment (expression has type \"None\", variable has "
     "type Module)  [assignment]\n",
     "mypy/test/testcheck.py:31"),
    ("BuildKit's seconds under a step whose box lost its leading space",
     "> [client 6/6] RUN npm run build:\n1.017 > next build\n35.68 Failed to compile.\n35.68\n"
     "35.68 ./components/card/index.tsx:14:7\n"
     "35.68 Type error: Type 'Element' is not assignable to type 'ReactNode'.\n",
     "components/card/index.tsx:14"),
]
# fmt: on


@pytest.mark.parametrize(
    ("name", "log", "place"), LATER_ROUNDS_FORMS, ids=[f[0] for f in LATER_ROUNDS_FORMS]
)
def test_this_rounds_forms_are_placed(name: str, log: str, place: str) -> None:
    first = next(error for error in extract_errors(log) if error.file)
    assert f"{first.file}:{first.line}" == place


@pytest.mark.parametrize(
    ("log", "place"),
    [
        # npm 6 and pnpm echo the folder of the script they run.
        (
            "> shop@1.0.0 lint /Users/me/dev/github/acme/shop\n> eslint .\n\n"
            "/Users/me/dev/github/acme/shop/addon/data/a.js\n  4:10  error  'x' is defined but "
            "never used  no-unused-vars\n",
            "addon/data/a.js:4",
        ),
        (
            "> @acme/web@1.2.0 build /home/me/shop/packages/web\n"
            "/home/me/shop/packages/web/src/a.ts(3,1): error TS2304: Cannot find name 'x'.\n",
            "packages/web/src/a.ts:3",
        ),
        # A stack through the project's node_modules shows where the project is.
        (
            "TypeError: Cannot read property 'length' of null\n"
            "    at /home/bitnami/src/classes/AppRouter.js:65:33\n"
            "    at /home/bitnami/node_modules/mongoose/lib/query.js:3122:9\n",
            "src/classes/AppRouter.js:65",
        ),
        # Debian's pybuild and a release unpacked in a build folder build a copy.
        (
            "_____ ERROR at setup of test_load_json _____\n"
            "file /build/heudiconv-0.6.0/.pybuild/pythonX.Y_2.7/build/heudiconv/tests/test_utils.py"
            ", line 70\n  def test_load_json(tmp_path):\nE       fixture 'tmp_path' not found\n",
            "heudiconv/tests/test_utils.py:70",
        ),
        (
            "build/ignition-common-4.3.0/src/Console_TEST.cc:514: Failure\nValue of: x\n",
            "src/Console_TEST.cc:514",
        ),
    ],
)
def test_the_log_shows_where_a_local_project_starts(log: str, place: str) -> None:
    first = next(error for error in extract_errors(log) if error.file)
    assert f"{first.file}:{first.line}" == place


@pytest.mark.parametrize(
    "line",
    [
        "ERROR 2023/07/03 23:12:15 Failed to read Git log: fatal: unsafe repository",  # Go's log
        "2023-07-03 23:12:15,123 ERROR Failed to read Git log: fatal: unsafe repository",
        "2023-07-03T23:12:15.120Z ERROR: Failed to read Git log: fatal: unsafe repository",
    ],
)
def test_a_loggers_date_and_time_around_its_level_stay_out_of_the_message(line: str) -> None:
    [error] = extract_errors(f"Start building sites\n{line}\n")
    assert error.message == "Failed to read Git log: fatal: unsafe repository"


@pytest.mark.parametrize(
    "log",
    [
        # Flutter's header, its library name followed by a run of spaces
        "\u2550\u2550\u2561 EXCEPTION CAUGHT BY A" + " " * 20_000 + "a\n",
        # a Dart frame's line full of ` (`
        "\u2550\u2550\u2561 EXCEPTION CAUGHT BY FLUTTER TEST FRAMEWORK \u255e\u2550\u2550\n"
        + ("#4      f " + " (" * 12_000 + "\n") * 3,
        # PHP_CodeSniffer's header and rows padded with spaces
        "FILE: a" + " " * 20_000 + "b\n" + "  39 | ERROR | [x] bad" + " " * 2_000 + "!\n" * 50,
        # paths at a width no console has, each above an error (the log's own width was
        # read again for each: 60 s for 200k lines)
        ("/home/runner/work/app/app/" + "x" * 35 + "\nsrc/a.c:1:2: error: boom\n") * 3_000
        + "ok\n" * 50_000,
        # ESLint's rows under a relative header, their rules scoped packages (`@`): each row
        # once looked for a folder its tool ran in, hundreds of lines up and down
        "".join(
            f"src/file{n}.ts\n"
            + "".join(
                f"  {row}:7  error  'x' is assigned a value but never used  "
                "@typescript-eslint/no-unused-vars\n"
                for row in range(1, 51)
            )
            + "\n"
            for n in range(200)
        ),
    ],
    ids=["flutter header", "dart frames", "phpcs report", "cut paths", "eslint rows"],
)
def test_a_pathological_report_costs_no_more_than_a_short_one(log: str) -> None:
    started = time.perf_counter()
    extract_errors(log)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("build", "place"),
    [
        ("/home/runner/work/lite/lite/compiler/build", "compiler/CMakeLists.txt:3"),
        ("D:\\a\\lite\\lite\\compiler\\cmake-build-debug", "compiler/CMakeLists.txt:3"),
        ("/home/runner/work/lite/lite/build", "CMakeLists.txt:3"),  # the checkout's own
        ("/home/runner/work/lite/lite/compiler/out", "CMakeLists.txt:3"),  # not a build folder
    ],
)
def test_cmakes_paths_are_relative_to_the_source_folder_its_build_folder_is_in(
    build: str, place: str
) -> None:
    log = (
        "CMake Error at CMakeLists.txt:3 (PROJECT):\n"
        "  No CMAKE_CXX_COMPILER could be found.\n\n"
        "-- Configuring incomplete, errors occurred!\n"
        f'See also "{build}/CMakeFiles/CMakeOutput.log".\n'
    )
    [error] = extract_errors(log)
    assert f"{error.file}:{error.line}" == place


def test_a_file_listing_of_equal_paths_is_not_a_consoles_width() -> None:
    """Regression: three header paths of one length, the log's longest lines, were taken
    for a console's width and glued to the error below them."""
    paths = [f"/home/runner/work/app/app/include/project/subsystem/module_{c}.h" for c in "abc"]
    log = "\n".join([*paths, "src/main.c:3:5: error: 'x' undeclared"])
    assert [(e.file, e.line) for e in extract_errors(log) if e.file] == [("src/main.c", 3)]


@pytest.mark.parametrize(
    ("head", "place"),
    [
        # printed absolute: outside CMake's source folder (here the checkout's cmake/)
        (
            "CMake Error at /home/runner/work/app/app/cmake/deps.cmake:5 (message):\n"
            "  Missing dependency zlib\n",
            "cmake/deps.cmake:5",
        ),
        # a module's error: the source folder's own call in the call stack
        (
            "CMake Error at /usr/share/cmake-3.22/Modules/FindPackageHandleStandardArgs.cmake:230 "
            "(message):\n  Could NOT find ZLIB (missing: ZLIB_LIBRARY)\n"
            "Call Stack (most recent call first):\n"
            "  /usr/share/cmake-3.22/Modules/FindZLIB.cmake:120 (FIND_PACKAGE_HANDLE_STANDARD_ARGS)\n"
            "  src/CMakeLists.txt:7 (find_package)\n",
            "native/src/CMakeLists.txt:7",
        ),
    ],
)
def test_cmakes_source_folder_joins_only_what_cmake_printed_relative(head: str, place: str) -> None:
    log = (
        f"{head}\n\n-- Configuring incomplete, errors occurred!\n"
        'See also "/home/runner/work/app/app/native/build/CMakeFiles/CMakeOutput.log".\n'
    )
    first = next(error for error in extract_errors(log) if error.file)
    assert f"{first.file}:{first.line}" == place
