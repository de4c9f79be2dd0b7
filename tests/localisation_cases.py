"""Real tool output whose primary error location is known: the localisation tuning set.

Every case is output a tool really printed, trimmed to the lines that matter, with where
it was found in a comment (a GitHub issue or pull request, or a tool's own test fixture
or documentation). `expected` is the repository path and line a person fixing the error
would open. `files`, when given, is the repository's file list (as the commit's tree
would give it); those cases measure the resolver, the others text-only localisation.

The outputs gathered from the fifth localisation round on (real CI output from public
issue threads, 2026-12-07; each with its source) live in
`tests/data/localisation_gathered.jsonl` and are part of the set: those a round located
rightly from the text alone are text-only cases, those it placed rightly only with the
repository's file list carry `files`.

The set is used by `tests/test_matching_locate.py` (every case must pass) and by
`bench/eval_locate.py` (accuracy per class and time per log). It is a tuning set: its
figures are development figures, not held-out ones.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grimoire_bot.matching import ErrorRecord, PathStatus


class Kind(enum.StrEnum):
    CI_ROOT = "other CI systems' workspace roots"
    PREFIX = "line prefixes of wrappers"
    WRAPPED = "hard-wrapped lines"
    OLDER = "older output formats"
    RELATIVE = "paths made relative elsewhere"
    FRAMEWORK = "framework output variants"
    TREE = "paths resolved against the commit's tree"


@dataclass(frozen=True)
class Case:
    name: str
    kind: Kind
    log: str
    expected: str  # "path:line", or "path" when the tool gives no line
    files: tuple[str, ...] | None = None


# Errors a check run would not annotate: their file is not (only) one of the commit's.
UNPLACED = frozenset({PathStatus.NOT_FOUND, PathStatus.AMBIGUOUS})


def primary_location(errors: Sequence[ErrorRecord]) -> str | None:
    """The first located error's place, as `path:line` (`path` without a line); with a
    file list, the first one on a file of the commit."""
    for error in errors:
        if error.file and error.path_status not in UNPLACED:
            return error.file if error.line is None else f"{error.file}:{error.line}"
    return None


# fmt: off
CASES: tuple[Case, ...] = (
    # --- other CI systems' workspace roots -------------------------------------------------
    # ng-packagr/ng-packagr#973 (Travis CI, ts-node)
    Case("travis, ts-node", Kind.CI_ROOT, """\
$ cross-env TS_NODE_PROJECT=integration/tsconfig.specs.json mocha --require ts-node/register "integration/samples/*/specs/**/*.ts"

/home/travis/build/dherges/ng-packagr/node_modules/ts-node/src/index.ts:261
    return new TSError(diagnosticText, diagnosticCodes)
           ^
TSError: \u2a2f Unable to compile TypeScript:
integration/samples/core/specs/ts-api.ts(2,26): error TS2307: Cannot find module '../dist/sample-core'.

    at createTSError (/home/travis/build/dherges/ng-packagr/node_modules/ts-node/src/index.ts:261:12)
    at getOutput (/home/travis/build/dherges/ng-packagr/node_modules/ts-node/src/index.ts:367:40)""",
         "integration/samples/core/specs/ts-api.ts:2"),
    # mozilla-services/circus#644 (Travis CI, unittest; the issue lost the frames' indent)
    Case("travis, unittest traceback", Kind.CI_ROOT, """\
FAIL: test_execute (circus.tests.test_command_stats.StatsCommandTest)
----------------------------------------------------------------------
Traceback (most recent call last):
File "/home/travis/build/mozilla-services/circus/circus/tests/test_command_stats.py", line 74, in test_execute
self.assertRaises(MessageError, cmd.execute, arbiter, props)
AssertionError: MessageError not raised""",
         "circus/tests/test_command_stats.py:74"),
    # etcd-io/etcd#8468 (GOPATH checkout, go vet before Go 1.10: no column)
    Case("gopath checkout, go vet without column", Kind.CI_ROOT, """\
Checking govet...
gopath/src/github.com/coreos/etcd/pkg/pbutil/pbutil_test.go:27: arg m for printf verb %s of wrong type: *pbutil.fakeMarshaler
gopath/src/github.com/coreos/etcd/pkg/pbutil/pbutil_test.go:46: arg m for printf verb %s of wrong type: *pbutil.fakeUnmarshaler
exit status 1""",
         "pkg/pbutil/pbutil_test.go:27"),
    # GoogleCloudPlatform/k8s-multicluster-ingress#60 (GOPATH-relative paths)
    Case("gopath-relative go vet", Kind.CI_ROOT, """\
$ go vet
src/github.com/GoogleCloudPlatform/k8s-multicluster-ingress/app/kubemci/cmd/create.go:204: wrong number of args for format in Errorf call: 1 needed but 2 args
exit status 1""",
         "app/kubemci/cmd/create.go:204"),
    # Azure/apiops#746 (Azure Pipelines, Linux agent)
    Case("azure pipelines, linux agent", Kind.CI_ROOT, """\
/home/vsts/work/1/s/tools/code/common/Functional.cs(1,7): error CS0246: The type or namespace name 'MoreLinq' could not be found (are you missing a using directive or an assembly reference?) [/home/vsts/work/1/s/tools/code/common/common.csproj]""",
         "tools/code/common/Functional.cs:1"),
    # microsoft/azure-pipelines-agent#3172 (Azure Pipelines, Windows hosted agent)
    Case("azure pipelines, windows agent", Kind.CI_ROOT, """\
"D:\\a\\1\\s\\MySolution.sln" (default target) (1) ->
"D:\\a\\1\\s\\MyProject.Tests\\MyProject.Tests.csproj" (default target) (15) ->
(CoreCompile target) ->
  D:\\a\\1\\s\\MyProject.Tests\\MyTests.cs(2,7): error CS0246: The type or namespace name 'AAA' could not be found (are you missing a using directive or an assembly reference?) [D:\\a\\1\\s\\MyProject.Tests\\MyProject.Tests.csproj]""",
         "MyProject.Tests/MyTests.cs:2"),
    # solidify/jira-azuredevops-migrator#115 (Azure Pipelines, path relative to the checkout)
    Case("azure pipelines, checkout-relative path", Kind.CI_ROOT, """\
Build solution **\\*.sln
src\\WorkItemMigrator\\Migration.WIContract\\WiItemProvider.cs(1,17): Error CS0234: The type or namespace name 'Common' does not exist in the namespace 'Migration' (are you missing an assembly reference?)
Process 'msbuild.exe' exited with code '1'.""",
         "src/WorkItemMigrator/Migration.WIContract/WiItemProvider.cs:1"),
    # dimovelev/metrics-sampler#5 (Jenkins agent on Windows, Maven)
    Case("jenkins windows agent workspace", Kind.CI_ROOT, """\
[INFO] -------------------------------------------------------------
[ERROR] COMPILATION ERROR :
[INFO] -------------------------------------------------------------
[ERROR] \\Jenkins_Slave\\workspace\\Build-Metrics-Sampler\\metrics-sampler-extension-oracle-nosql\\src\\main\\java\\org\\metricssampler\\extensions\\oranosql\\OracleNoSQLMetricsReader.java:[107,100] error: cannot find symbol
[INFO] 3 errors""",
         "metrics-sampler-extension-oracle-nosql/src/main/java/org/metricssampler/extensions/oranosql/OracleNoSQLMetricsReader.java:107"),
    # serilog-web/classic-webapi#6 (AppVeyor: C:\projects\R\; file relative to its project)
    Case("appveyor, project-relative file", Kind.CI_ROOT, """\
Classic\\WebApi\\Enrichers\\BaseWebApiContextInfoEnricher.cs(22,51): error CS1525: Invalid expression term 'throw' [C:\\projects\\classic-webapi\\src\\SerilogWeb.Classic.WebApi\\SerilogWeb.Classic.WebApi.csproj]
Classic\\WebApi\\Enrichers\\BaseWebApiContextInfoEnricher.cs(22,51): error CS1002: ; expected [C:\\projects\\classic-webapi\\src\\SerilogWeb.Classic.WebApi\\SerilogWeb.Classic.WebApi.csproj]
Attempting to build package from 'SerilogWeb.Classic.WebApi.csproj'.""",
         "src/SerilogWeb.Classic.WebApi/Classic/WebApi/Enrichers/BaseWebApiContextInfoEnricher.cs:22"),
    # galaxy_ng (ansible/galaxy_ng#1711): the Actions runner root inside an exception message
    Case("pytest collection error on a runner", Kind.CI_ROOT, """\
rootdir: /home/runner/work/galaxy_ng/galaxy_ng
collecting ... collected 66 items / 1 error / 6 deselected / 60 selected

==================================== ERRORS ====================================
______ ERROR collecting galaxy_ng/tests/integration/api/test_ui_paths.py _______
ImportError while importing test module '/home/runner/work/galaxy_ng/galaxy_ng/galaxy_ng/tests/integration/api/test_ui_paths.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/opt/hostedtoolcache/Python/3.8.16/x64/lib/python3.8/importlib/__init__.py:127: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
galaxy_ng/tests/integration/api/test_ui_paths.py:2: in <module>
    from ..utils import UIClient
E   ImportError: cannot import name 'UIClient' from 'galaxy_ng.tests.integration.utils' (/home/runner/work/galaxy_ng/galaxy_ng/galaxy_ng/tests/integration/utils.py)""",
         "galaxy_ng/tests/integration/api/test_ui_paths.py:2"),
    # cosmic-jellyfish/Heartbeat via Bullrich/Status-Page#14: an Actions log copied from the
    # web viewer, which turned numbers into links to log lines
    Case("actions log copied with line links", Kind.CI_ROOT, """\
ncc: Using typescript@5.5.4 (local user-provided)
Error: [tsl] ERROR in /home/runner/work/Heartbeat/Heartbeat/log/src/index.ts(10,[2](https://github.com/cosmic-jellyfish/Heartbeat/actions/runs/12785802375/job/35641555758#step:7:2)8)
      TS2[3](https://github.com/cosmic-jellyfish/Heartbeat/actions/runs/12785802375/job/35641555758#step:7:3)06: File '/home/runner/work/Heartbeat/Heartbeat/log/src/types.ts' is not a module.""",
         "log/src/index.ts:10"),

    # --- line prefixes of wrappers ---------------------------------------------------------
    # n9e/fe#84 (BuildKit `#0 15.97 ` prefixes)
    Case("buildkit step prefixes", Kind.PREFIX, """\
 > [frontend 6/6] RUN npm run build:
#0 0.674
#0 0.674 > n9e-fe@v6.2.0 build
#0 0.674 > tsc && cross-env NODE_OPTIONS=--max-old-space-size=6096 vite build
#0 0.674
#0 15.97 src/plugins/TDengine/Event/Logs.tsx(9,22): error TS2307: Cannot find module '@/plus/datasource/aliyunSLS/Explorer/RawTable' or its corresponding type declarations.""",
         "src/plugins/TDengine/Event/Logs.tsx:9"),
    # bitcoin-s/bitcoin-s-ts#146 (BuildKit prefixes around ts-node; WORKDIR /build is the
    # oracle-server-ui-proxy package)
    Case("buildkit prefixes around ts-node", Kind.PREFIX, """\
#20 [linux/amd64 builder 9/9] RUN npm run build
#20 0.387 > oracle-server-ui-proxy@1.9.1 build
#20 2.603 /build/node_modules/ts-node/src/index.ts:820
#20 2.603     return new TSError(diagnosticText, diagnosticCodes);
#20 2.603            ^
#20 2.622 TSError: \u2a2f Unable to compile TypeScript:
#20 2.622 build/buildVersion.ts(6,26): error TS2307: Cannot find module 'common-ts/util/fs-util' or its corresponding type declarations.
#20 2.622
#20 2.622     at createTSError (/build/node_modules/ts-node/src/index.ts:820:12)""",
         "build/buildVersion.ts:6"),
    # wsvincent/djangoforprofessionals_30#1 (docker-compose v1 service prefix, WORKDIR /code)
    Case("docker compose service prefix", Kind.PREFIX, """\
Attaching to hello_web_1
web_1  | Traceback (most recent call last):
web_1  |   File "/code/manage.py", line 10, in main
web_1  |     from django.core.management import execute_from_command_line
web_1  | ModuleNotFoundError: No module named 'django'""",
         "manage.py:10"),
    # lerna/lerna#2182 (Jest multi-project: the project's name before the path)
    Case("jest project name before the path", Kind.PREFIX, """\
FAIL @foo/a src/Navigation/__tests__/Navigation.test.tsx
  \u25cf Test suite failed to run

    TypeScript diagnostics (customize using `[jest-config].globals.ts-jest.diagnostics` option):
    src/Navigation/__tests__/Navigation.test.tsx:4:61 - error TS2307: Cannot find module '@foo/b'.

    4 import { GlobalNavigationButton, Connected, Settings } from '@foo/b'""",
         "packages/foo-a/src/Navigation/__tests__/Navigation.test.tsx:4",
         files=("lerna.json", "packages/foo-a/src/Navigation/__tests__/Navigation.test.tsx",
                "packages/foo-a/src/Navigation/Navigation.tsx", "packages/foo-b/src/index.ts")),
    # vitest with a workspace project label (`vitest run` output quoted in a repository's
    # notes, their grep line numbers removed)
    Case("vitest project label", Kind.PREFIX, """\
 FAIL  |@wtm/web| src/components/OnboardingDialog.test.ts > OnboardingDialog \u2014 \u8a2d\u5b9a\u753b\u9762\u304b\u3089\u958b\u304d\u76f4\u3059\uff08AC6\uff09 > \u65e2\u5b58\u306e\u5229\u7528\u8005\u3067\u3082\u8a2d\u5b9a\u753b\u9762\u304b\u3089\u958b\u3051\u3001\u30b9\u30ad\u30c3\u30d7\u3059\u308c\u3070\u8a2d\u5b9a\u306f\u4f55\u3082\u5909\u308f\u3089\u306a\u3044
Error: Test timed out in 5000ms.
If this is a long-running test, pass a timeout value as the last argument or configure it globally with "testTimeout".
 \u276f src/components/OnboardingDialog.test.ts:642:3
    640|
    641| describe("OnboardingDialog \u2014 \u8a2d\u5b9a\u753b\u9762\u304b\u3089\u958b\u304d\u76f4\u3059\uff08AC6\uff09", () => {
    642|   it("\u65e2\u5b58\u306e\u5229\u7528\u8005\u3067\u3082\u8a2d\u5b9a\u753b\u9762\u304b\u3089\u958b\u3051\u3001\u30b9\u30ad\u30c3\u30d7\u3059\u308c\u3070\u8a2d\u5b9a\u306f\u4f55\u3082\u5909\u308f\u3089\u306a\u3044", async () => {
       |   ^""",
         "src/components/OnboardingDialog.test.ts:642"),

    # --- hard-wrapped lines ----------------------------------------------------------------
    # awslabs/amazon-kinesis-video-streams-producer-sdk-cpp#382 (MSBuild summary, 120 columns)
    Case("msbuild summary wrapped at 120 columns", Kind.WRAPPED, """\
       "F:\\BATech\\amazon-kinesis-video-streams-producer-sdk-cpp\\kinesis-video-native-build\\kvspic.vcxproj" (default tar
       get) (3) ->
       (ClCompile target) ->
         f:\\batech\\amazon-kinesis-video-streams-producer-sdk-cpp\\kinesis-video-pic\\src\\mkvgen\\src\\mkvgenerator.c(636):
       error C2059: syntax error: '{' [F:\\BATech\\amazon-kinesis-video-streams-producer-sdk-cpp\\kinesis-video-native-bui
       ld\\kvspic.vcxproj]""",
         "kinesis-video-pic/src/mkvgen/src/mkvgenerator.c:636",
         files=("kinesis-video-pic/src/mkvgen/src/mkvgenerator.c", "kinesis-video-native-build/kvspic.vcxproj",
                "kinesis-video-pic/src/mkvgen/include/mkvgen.h")),
    # Azure/azure-powershell#903 (MSBuild console wrapped inside a path, ~110 columns)
    Case("msbuild error wrapped inside its path", Kind.WRAPPED, """\
"C:\\Personal\\azure-powershell\\src\\ResourceManager\\Sql\\Commands.Sql\\Commands.Sql.csproj" (default target) (3
0) ->
(CoreCompile target) ->
  c:\\Personal\\azure-powershell\\src\\Common\\Commands.ResourceManager.Common\\bin\\Debug\\Microsoft.Azure.Command
s.ResourceManager.Common.dll : error CS1684: Warning as Error: Reference to type 'Microsoft.Azure.Common.Au
thentication.Models.AzureRMProfile' claims it is defined in 'c:\\Personal\\azure-powershell\\src\\packages\\Micr
osoft.Azure.Common.Authentication.1.1.3-preview\\lib\\net45\\Microsoft.Azure.Common.Authentication.dll', but i
t could not be found [C:\\Personal\\azure-powershell\\src\\ResourceManager\\Sql\\Commands.Sql\\Commands.Sql.cspr
oj]""",
         "src/ResourceManager/Sql/Commands.Sql/Commands.Sql.csproj",
         files=("src/ResourceManager/Sql/Commands.Sql/Commands.Sql.csproj", "build.proj",
                "src/Common/Commands.ResourceManager.Common/Commands.ResourceManager.Common.csproj")),
    # versionpress/versionpress#1093 (awesome-typescript-loader: `(line,col)` on the next line)
    Case("webpack loader, location split from its file", Kind.WRAPPED, """\
/Users/janvoracek/Projects/versionpress/versionpress/frontend/config/webpack-build.js:14
    throw new gutil.PluginError('webpack', buildError);
    ^
Error: ./src/CommitPanel/CommitPanelOverview.react.tsx
(6,14): error TS2503: Cannot find namespace 'VpApi'.
[10:31:33] 'frontend-build' errored after 12 s""",
         "frontend/src/CommitPanel/CommitPanelOverview.react.tsx:6",
         files=("frontend/config/webpack-build.js", "frontend/src/CommitPanel/CommitPanelOverview.react.tsx",
                "plugins/versionpress/src/Initialization/Initializer.php")),

    # --- older output formats --------------------------------------------------------------
    # mkhan45/CalcuLaTeX#21 (Rust before 1.73: message quoted, spanning lines)
    Case("rust panic, multi-line quoted message", Kind.OLDER, """\
thread 'tests::test_basic' panicked at 'assertion failed: `(left == right)`
  left: `"9000 g"`,
 right: `"5004 g"`', src/main.rs:57:9
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace""",
         "src/main.rs:57"),
    # stegos/stegos#707 (Rust before 1.73, a workspace crate)
    Case("rust panic in a workspace crate", Kind.OLDER, """\
thread 'tokio-runtime-worker-7' panicked at 'assertion failed: `(left == right)`
  left: `None`,
 right: `FullNode`', network/src/gatekeeper/behavior.rs:213:21""",
         "network/src/gatekeeper/behavior.rs:213"),
    # kornelski/deunicode#4 (Rust before 1.73: a doctest's panic)
    Case("rust doctest panic", Kind.OLDER, """\
thread 'src/lib.rs -  (line 10)' panicked at 'test executable failed:

thread 'main' panicked at 'assertion failed: `(left == right)`
  left: `"unicorn biohazard"`,
 right: `"unicorn face biohazard"`', src/lib.rs:11:1""",
         "src/lib.rs:11"),
    # MaxBondABE/attempt#13 (panic inside the toolchain; the backtrace names the caller)
    Case("rust panic with a backtrace", Kind.OLDER, """\
---- test::sad_path_smoke_test_exp stdout ----

thread 'test::sad_path_smoke_test_exp' (147207) panicked at src/main.rs:176:9:
assertion `left == right` failed
  left: None
 right: Some(RetriesExhausted)
stack backtrace:
   0: __rustc::rust_begin_unwind
   1: core::panicking::panic_fmt
   3: core::panicking::assert_failed::<core::option::Option<attempt::Outcome>, core::option::Option<attempt::Outcome>>
             at /usr/local/lib/rustlib/src/rust/library/core/src/panicking.rs:394:5
   4: attempt::test::sad_path_smoke_test_exp
             at ./src/main.rs:176:9""",
         "src/main.rs:176"),
    # apache/casbin-rs#406 (Rust 1.9x prints the thread id)
    Case("rust panic with a thread id", Kind.OLDER, """\
---- enforcer::tests::test_enforce_ex stdout ----

thread 'enforcer::tests::test_enforce_ex' (7643) panicked at src/enforcer.rs:1739:9:
assertion `left == right` failed
  left: (false, [])
 right: (true, [["alice", "data1", "read"]])""",
         "src/enforcer.rs:1739"),
    # tendermint/go-amino#78 (go vet under `go test`, package header, no column)
    Case("go vet package header, no column", Kind.OLDER, """\
# github.com/tendermint/go-wire
./codec.go:215: Errorf format %v reads arg #2, but call has only 1 arg
./codec.go:406: Sprintf format %v reads arg #3, but call has only 2 args
FAIL	github.com/tendermint/go-wire [build failed]""",
         "codec.go:215"),
    # src-d/go-git#349 (go vet, no column)
    Case("go vet without column", Kind.OLDER, """\
remote.go:44: wrong number of args for format in Sprintf call: 2 needed but 3 args
plumbing/format/packfile/scanner.go:304: method Seek(offset int64) (previous int64, err error) should have signature Seek(int64, int) (int64, error)""",
         "remote.go:44"),
    # kubernetes/kompose#825 (go vet behind make)
    Case("go vet behind make", Kind.OLDER, """\
go vet ./pkg/... ./cmd/... .
pkg/loader/compose/compose_test.go:59: arg expected for printf verb %s of wrong type: github.com/kubernetes/kompose/pkg/kobject.HealthCheck
exit status 1
Makefile:75: recipe for target 'vet' failed
make: *** [vet] Error 1""",
         "pkg/loader/compose/compose_test.go:59"),
    # harness/harness#1249 (go build before Go 1.10: no column, under a package header)
    Case("go build without column", Kind.OLDER, """\
go build
# github.com/drone/drone/remote/gitlab
remote/gitlab/gitlab.go:269: client.AddDroneService undefined (type *gogitlab.Gitlab has no field or method AddDroneService)
remote/gitlab/gitlab.go:285: client.DeleteDroneService undefined (type *gogitlab.Gitlab has no field or method DeleteDroneService)
make: *** [build] Error 2""",
         "remote/gitlab/gitlab.go:269"),
    # winsiderss/systeminformer#285 (old MSVC style: a space before the line number)
    Case("msvc with a space before the line", Kind.OLDER, """\
Building ProcessHacker (x32) ...
[ERROR].\\Processhacker\\dbgcon.c (685): error C2065: PhApplicationDirectory: undeclared identifier [.\\ProcessHacker\\ProcessHacker.vcxproj]
.\\processhacker\\mwpgproc.c (262): error C2065: PhCurrentUserName: undeclared identifier [.\\ProcessHacker\\ProcessHacker.vcxproj]""",
         "ProcessHacker/dbgcon.c:685",
         files=("ProcessHacker/dbgcon.c", "ProcessHacker/mwpgproc.c", "ProcessHacker/ProcessHacker.vcxproj",
                "plugins/DotNetTools/main.c")),

    # --- paths made relative elsewhere -----------------------------------------------------
    # actions/setup-dotnet#37 (MSBuild: file relative to the project's folder)
    Case("msbuild project-relative file", Kind.RELATIVE, """\
2019-09-17T23:02:09.5908268Z ##[error]Tightening/TighteningMessages.cs(17,19): error CS0103: The name 'Mid0064' does not exist in the current context [/home/runner/work/OpenProtocolInterpreter/OpenProtocolInterpreter/src/OpenProtocolInterpreter/OpenProtocolInterpreter.csproj]
2019-09-17T23:02:09.5913674Z     0 Warning(s)
2019-09-17T23:02:09.5913798Z     24 Error(s)""",
         "src/OpenProtocolInterpreter/Tightening/TighteningMessages.cs:17"),
    # urbit/urbit#925 (clang: the error sits in a header outside the repository)
    Case("clang include chain into a system header", Kind.RELATIVE, """\
In file included from jets/g/down.c:6:
In file included from /usr/local/include/node/node.h:63:
/usr/local/include/node/v8.h:21:10: fatal error: 'memory' file not found
#include <memory>
         ^~~~~~~~""",
         "jets/g/down.c:6"),
    # uxlfoundation/oneDAL#2706 (gcc: innermost includer first, the repository file last)
    Case("gcc include chain into a system header", Kind.RELATIVE, """\
In file included from /usr/include/c++/13.2.1/bits/stl_algo.h:71,
                 from /usr/include/c++/13.2.1/algorithm:61,
                 from cpp/oneapi/dal/algo/logistic_regression/parameters/cpu/train_parameters.cpp:17:
/usr/include/c++/13.2.1/cstdlib:79:15: fatal error: stdlib.h: No such file or directory
   79 | #include_next <stdlib.h>
      |               ^~~~~~~~~~
compilation terminated.""",
         "cpp/oneapi/dal/algo/logistic_regression/parameters/cpu/train_parameters.cpp:17"),
    # tdf/libcmis#76 (gcc: a repository header includes the system one; built in src/libcmis)
    Case("gcc include chain through a repository header", Kind.RELATIVE, """\
In file included from /usr/include/c++/15/ext/string_conversions.h:45,
                 from /usr/include/c++/15/bits/basic_string.h:4442,
                 from /usr/include/c++/15/string:56,
                 from ../../inc/libcmis/allowable-actions.hxx:32,
                 from allowable-actions.cxx:29:
/usr/include/c++/15/cstdlib:83:15: fatal error: stdlib.h: No such file or directory
   83 | #include_next <stdlib.h>
      |               ^~~~~~~~~~
compilation terminated.""",
         "inc/libcmis/allowable-actions.hxx:32"),
    # jermp/fulgor#68 (clang: absolute includes from a local checkout; the first repository
    # file of the chain, the rest are submodules' headers)
    Case("clang include chain through submodules", Kind.RELATIVE, """\
[ 50%] Building CXX object CMakeFiles/fulgor.dir/tools/fulgor.cpp.o
In file included from /Users/karel/git/fulgor/tools/fulgor.cpp:5:
In file included from /Users/karel/git/fulgor/./external/sshash/src/build.cpp:1:
In file included from /Users/karel/git/fulgor/external/sshash/include/dictionary.hpp:3:
/Users/karel/git/fulgor/external/sshash/external/pthash/include/utils/util.hpp:6:10: fatal error: 'essentials.hpp' file not found
    6 | #include "essentials.hpp"
      |          ^~~~~~~~~~~~~~~~""",
         "external/sshash/external/pthash/include/utils/util.hpp:6",
         files=("tools/fulgor.cpp", "external/sshash/src/build.cpp", "external/sshash/include/dictionary.hpp",
                "external/sshash/external/pthash/include/utils/util.hpp", "CMakeLists.txt")),

    # --- framework output variants ---------------------------------------------------------
    # pytest-dev/pytest testing/test_terminal.py::test_xfail_tb_line: `--tb=line` prints the
    # absolute path (the test matches `*test_xfail_tb_line.py:5: assert 1 == 2`; the
    # prefix, a temporary folder there, is a runner's checkout here)
    Case("pytest --tb=line", Kind.FRAMEWORK, """\
=================================== FAILURES ===================================
/home/runner/work/app/app/tests/test_xfail_tb_line.py:5: assert 1 == 2
=========================== short test summary info ============================
FAILED tests/test_xfail_tb_line.py::test_fail - assert 1 == 2""",
         "tests/test_xfail_tb_line.py:5"),
    # pytest-dev/pytest testing/test_terminal.py::test_tb_crashline_pytrace_false (same
    # prefix substitution as above)
    Case("pytest.fail with --tb=line", Kind.FRAMEWORK, """\
=================================== FAILURES ===================================
/home/runner/work/app/app/test_tb_crashline_pytrace_false.py:3: Failed: test_func1""",
         "test_tb_crashline_pytrace_false.py:3"),
    # pytest-dev/pytest doc/en/example/reportingdemo.rst (nested frames, deepest last)
    Case("pytest long traceback across frames", Kind.FRAMEWORK, """\
____________________ TestFailing.test_simple_multiline _____________________

self = <failure_demo.TestFailing object at 0xdeadbeef0004>

    def test_simple_multiline(self):
>       otherfunc_multi(42, 6 * 9)

failure_demo.py:35:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

a = 42, b = 54

    def otherfunc_multi(a, b):
>       assert a == b
E       assert 42 == 54

failure_demo.py:16: AssertionError""",
         "failure_demo.py:16"),
    # kohya-ss/sd-scripts#2071 (pytest collection error copied from the Actions web viewer)
    Case("pytest collection error with line links", Kind.FRAMEWORK, """\
___________________ ERROR collecting tests/test_optimizer.py ___________________
ImportError while importing test module '/home/runner/work/sd-scripts/sd-scripts/tests/test_optimizer.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/opt/hostedtoolcache/Python/3.10.17/x64/lib/python3.10/importlib/__init__.py:[12](https://github.com/kohya-ss/sd-scripts/actions/runs/14731298048/job/41345985447#step:6:13)6: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
tests/test_optimizer.py:3: in <module>
    from train_network import setup_parser
E   ModuleNotFoundError: No module named 'train_network'""",
         "tests/test_optimizer.py:3"),
    # jestjs/jest e2e/__tests__/__snapshots__/failures.test.ts.snap
    Case("jest assertion with code frame", Kind.FRAMEWORK, """\
FAIL __tests__/assertionCount.test.js
  \u25cf .assertions() \u203a throws

    expect(received).toBeTruthy()

    Received: false

      10 | const throws = () => {
      11 |   expect.assertions(2);
    > 12 |   expect(false).toBeTruthy();
         |                 ^
      13 | };

      at Object.toBeTruthy (__tests__/assertionCount.test.js:12:17)""",
         "__tests__/assertionCount.test.js:12"),
    # circleci/circleci-docs#3817 (Jest on CircleCI: module not found, the importing file)
    Case("jest module not found", Kind.FRAMEWORK, """\
$ react-scripts test
 FAIL  src/components/App/app.test.js
  \u25cf Test suite failed to run

    Cannot find module './app' from 'index.js'

    > 1 | import App from "./app";
        | ^
      2 |
      3 | export default App;

      at Resolver.resolveModule (node_modules/jest-resolve/build/index.js:259:17)
      at Object.<anonymous> (src/components/App/index.js:1:1)""",
         "src/components/App/index.js:1"),
    # ubc/node-canvas-api#50 (Jest: the resolver's frame in node_modules comes first)
    Case("jest resolver frame first", Kind.FRAMEWORK, """\
 FAIL  test/util.test.js
  \u25cf Test suite failed to run

    Cannot find module '../src/util' from 'test/util.test.js'

    > 3 | const buildOptions = require('../src/util')
        |                      ^

      at Resolver._throwModNotFoundError (node_modules/jest-resolve/build/resolver.js:427:11)
      at Object.require (test/util.test.js:3:22)""",
         "test/util.test.js:3"),
    # vitest (a repository's notes quoting `vitest run`): frames marked with \u276f
    Case("vitest failure", Kind.FRAMEWORK, """\
 FAIL  src/services/submit-place.test.ts > submitPublicPlace > throws not_configured when Supabase is not configured and no client is injected
AssertionError: expected SubmitPlaceError: Failed to upload facade\u2026 { \u2026(2) } to match object { kind: 'not_configured' }
(8 matching properties omitted from actual)

- Expected
+ Received

 \u276f src/services/submit-place.test.ts:120:47
    118| describe('submitPublicPlace', () => {
    120|     await expect(submitPublicPlace(validInput)).rejects.toMatchObject(\u2026
       |                                               ^""",
         "src/services/submit-place.test.ts:120"),
    # eslint/eslint docs/src/use/formatters/index.md at v8.57.0 (visualstudio formatter)
    Case("eslint visualstudio formatter", Kind.FRAMEWORK, """\
/var/lib/jenkins/workspace/eslint Release/eslint/fullOfProblems.js(1,10): error no-unused-vars : 'addOne' is defined but never used.
/var/lib/jenkins/workspace/eslint Release/eslint/fullOfProblems.js(2,9): error use-isnan : Use the isNaN function to compare with NaN.

9 problems""",
         "fullOfProblems.js:1",
         files=("fullOfProblems.js", "lib/eslint.js", "docs/src/use/formatters/index.md")),
    # eslint/eslint docs/src/use/formatters/index.md (stylish, the default)
    Case("eslint stylish, path with a space", Kind.FRAMEWORK, """\
/var/lib/jenkins/workspace/eslint Release/eslint/fullOfProblems.js
  1:10  error    'addOne' is defined but never used                              no-unused-vars
  2:9   error    Use the isNaN function to compare with NaN                      use-isnan
  3:20  warning  Missing semicolon                                               semi

\u2716 9 problems (5 errors, 4 warnings)""",
         "fullOfProblems.js:1",
         files=("fullOfProblems.js", "lib/eslint.js", "docs/src/use/formatters/index.md")),
    # bs-community/skinview3d#134 (tsc's summary table names file:line)
    Case("tsc summary table", Kind.FRAMEWORK, """\
Found 119 errors in 5 files.

Errors  Files
    29  src/animation.ts:88
    66  src/model.ts:1
     3  src/nametag.ts:1""",
         "src/animation.ts:88"),
    # chefspec issue quoted in a repository README (RSpec failure and its repository frame)
    Case("rspec failure", Kind.FRAMEWORK, """\
Failures:

  1) chefspec-bug::test on anything enables the cron upstart service
     Failure/Error: expect(chef_run).to enable_service('cron').with(
       expected "service[cron]" to have parameters:

         provider Chef::Provider::Service::Upstart, was Chef::Provider::Service::Upstart
     # ./spec/test_spec.rb:8:in `block (3 levels) in <top (required)>'

Finished in 0.07743 seconds (files took 1.44 seconds to load)
1 example, 1 failure

Failed examples:

rspec ./spec/test_spec.rb:7 # chefspec-bug::test on anything enables the cron upstart service""",
         "spec/test_spec.rb:8"),

    # --- paths resolved against the commit's tree ------------------------------------------
    # jestjs/jest#5662 (Jest on CircleCI: a test under __tests__, the module under src/)
    Case("jest on circleci, stack frame in the repository", Kind.TREE, """\
#!/bin/bash -eo pipefail
yarn test
$ jest --coverage
 FAIL  __tests__/Components/Shared/RoundButton.js
  \u25cf Test suite failed to run

    Cannot find module '../../Themes' from 'RoundButton.js'

      at Resolver.resolveModule (node_modules/jest-resolve/build/index.js:191:17)
      at Object.<anonymous> (src/Components/Shared/RoundButton.js:12:13)""",
         "src/Components/Shared/RoundButton.js:12",
         files=("src/Components/Shared/RoundButton.js", "src/Themes/index.js",
                "__tests__/Components/Shared/RoundButton.js", "package.json")),
    # temurin-build#2406 (Jenkins on Windows with timestamps; the JDK sources are a checkout
    # inside the workspace)
    Case("jenkins timestamps, javac in a nested checkout", Kind.TREE, """\
17:02:47  Compiling 9582 files for BUILD_JDK
17:03:14  e:\\jenkins\\tmp\\workspace\\build\\src\\jdk\\src\\share\\classes\\com\\alibaba\\wisp\\engine\\WispControlGroup.java:32: error: cannot find symbol
17:03:14              Math.min(MAX_PERIOD, WispConfiguration.SYSMON_TICK_US * SCHEDULE_TIMES));
17:03:14                                   ^
17:03:14    symbol:   variable WispConfiguration""",
         "jdk/src/share/classes/com/alibaba/wisp/engine/WispControlGroup.java:32",
         files=("jdk/src/share/classes/com/alibaba/wisp/engine/WispControlGroup.java",
                "jdk/src/share/classes/com/alibaba/wisp/engine/WispConfiguration.java",
                "hotspot/src/share/vm/runtime/thread.cpp", "make/Main.gmk")),

    # --- a second batch, first measured untuned (10 of 15 right), then tuned on -------
    # Haider8/tmessage#34 (pylint)
    Case("pylint colon format", Kind.FRAMEWORK, """************* Module CODE_OF_CONDUCT
CODE_OF_CONDUCT.md:5:6: E0001: invalid syntax (<unknown>, line 5) (syntax-error)
************* Module tmessage.cli
tmessage/cli.py:38:15: W0613: Unused argument 'client' (unused-argument)""", "CODE_OF_CONDUCT.md:5"),
    # smicallef/spiderfoot#294 (pylint's old parseable format: no column)
    Case("pylint parseable, no column", Kind.OLDER, """# pylint -E sfcli.py
Using config file /root/Desktop/spiderfoot/.pylintrc
************* Module sfcli
sfcli.py:355: [E1101(no-member), SpiderFootCli.request] Instance of 'LookupDict' has no 'ok' member""", "sfcli.py:355"),
    # CircleCI-Archived/orb-starter-kit#31 (ShellCheck's default format)
    Case("shellcheck tty", Kind.FRAMEWORK, """In ./_init/_installCLI.sh line 17:
    echo $CLI_FILE_PATH
         ^------------^ SC2086: Double quote to prevent globbing and word splitting.

For more information:
  https://www.shellcheck.net/wiki/SC2086 -- Double quote to prevent globbing ...""", "_init/_installCLI.sh:17"),
    # exercism/exercism#6124 (hadolint 2.x)
    Case("hadolint", Kind.FRAMEWORK, """Dockerfile:4 DL3008 warning: Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`
Dockerfile:4 DL3009 info: Delete the apt-get lists after installing something""", "Dockerfile:4"),
    # MozillaSecurity/orion#11 (hadolint 1.x: no level)
    Case("hadolint old", Kind.OLDER, """% hadolint Dockerfile
Dockerfile:12 SC2038 Use -print0/-0 or -exec + to allow for non-alphanumeric filenames.
Dockerfile:12 DL3003 Use WORKDIR to switch to a directory""", "Dockerfile:12"),
    # jean-bovet/BTrain#15 (swiftc)
    Case("swiftc", Kind.FRAMEWORK, """btrainapp.swift:15:1: error: 'main' attribute cannot be used in a module that contains top-level code
@main
^
btrainapp.swift:1:1: note: top-level code defined in this source file""", "btrainapp.swift:15"),
    # lf-edge/edge-home-orchestration-go#104 (go build behind make)
    Case("go build with package header", Kind.OLDER, """go build -a -ldflags '-extldflags "-static"' -o /home/t25kim/contribution/edge-home-orchestration-go/GoMain/bin/edge-orchestration main || exit 1
# controller/servicemgr/executor/containerexecutor
src/controller/servicemgr/executor/containerexecutor/ce_docker.go:49:10: undefined: docker
Makefile:65: recipe for target 'build-binary' failed""", "src/controller/servicemgr/executor/containerexecutor/ce_docker.go:49"),
    # microsoft/vscode#43664 (tsc --watch)
    Case("tsc watch", Kind.FRAMEWORK, """15:09:26 - Starting compilation in watch mode...

src/views/packages_view.ts(38,18): error TS2339: Property 'depPath' does not exist on type 'PackageDep'.""", "src/views/packages_view.ts:38"),
    # mavlink/MAVSDK#6 (MSVC under MSBuild, a user folder with a space)
    Case("msvc path with a space, local", Kind.TREE, """  C:\\Users\\Julian Oes\\src\\DroneLink\\plugins\\mission\\mission_impl.cpp(296): error C2146: syntax error: missing ';' before identifier 'current' [C:\\Users\\Julian Oes\\src\\DroneLink\\build\\dronelink.vcxproj]
  C:\\Users\\Julian Oes\\src\\DroneLink\\plugins\\mission\\mission_impl.cpp(296): error C2065: 'current': undeclared identifier [C:\\Users\\Julian Oes\\src\\DroneLink\\build\\dronelink.vcxproj]""", "plugins/mission/mission_impl.cpp:296",
      files=("plugins/mission/mission_impl.cpp","plugins/mission/mission.h","core/core.cpp","CMakeLists.txt")),
    # temcocontrols/T3000_Building_Automation_System#7 (old MSVC: `file(line) : error`)
    Case("old msvc 'file(line) : error'", Kind.OLDER, """t3000_building_automation_system\\t3000\\humchamber.h(33) : error C2065: 'IDD_HUM_CHAMBER' : undeclared identifier

t3000_building_automation_system\\t3000\\mainfrm.cpp(4808) : error C2065: 'PM_TSTAT6_HUM_Chamber' : undeclared identifier""", "T3000/HumChamber.h:33",
      files=("T3000/HumChamber.h","T3000/MainFrm.cpp","T3000/T3000.vcxproj")),
    # a Japanese RSpec tutorial's quoted output (tabs for indentation)
    Case("rspec with tabs", Kind.FRAMEWORK, """Failures:
\t1) Note search message for a term when no match is found returns an empty collection
\t\tFailure/Error: expect(Note.count).to eq 3
\t\t\texpected: 3
\t\t\tgot: 0
\t\t\t
\t\t\t(compared using ==)
\t\t# ./spec/models/note_spec.rb:56:in `block (4 levels) in <top (required)>'""", "spec/models/note_spec.rb:56"),
    # EnvoTax README quoting a CI failure (Ruby 3.4 backtrace quotes)
    Case("rspec ruby 3.4 quotes", Kind.FRAMEWORK, """Dashboard when creating time entry with valid data
Failure/Error: expect(page).to have_no_css(form_selector)
expected not to find visible css "form[action='/time_entries']", found 1 match: "Name\\nProject\\nCristopher Kertzmann Jr.\\nDate\\nFrom\\nTo"

     [Screenshot Image]: /home/runner/work/EnvoTax/EnvoTax/tmp/capybara/failures_r_spec_example_groups_dashboard_when_creating_time_entry_with_valid_data_564.png


     # ./spec/system/dashboard/dashboard_index_spec.rb:56:in 'block (3 levels) in <top (required)>'""", "spec/system/dashboard/dashboard_index_spec.rb:56"),
    # alichtman/shallow-backup#115 (trailing double spaces of Markdown)
    Case("pytest collection error with markdown line breaks", Kind.FRAMEWORK, """ImportError while importing test module '/home/watch/gitprojects/shallow-backup/tests/test_copies.py'.\x20\x20
Hint: make sure your test modules/packages have valid Python names.\x20\x20
Traceback:\x20\x20
tests/test_copies.py:4: in <module>\x20\x20
    from shallow_backup import _copy_file, _copy_dir\x20\x20
shallow_backup.py:2: in <module>\x20\x20
    import git\x20\x20
E   ModuleNotFoundError: No module named 'git'""", "shallow_backup.py:2"),
    # healthnlp/examples#1 (Maven, an unpacked archive's folder)
    Case("maven under jenkins on a local extract", Kind.TREE, """[ERROR] COMPILATION ERROR :
[INFO] -------------------------------------------------------------
[ERROR] /root/examples-master/ctakes-web-client/src/main/java/org/apache/ctakes/web/client/servlet/Pipeline.java:[42,41] error: cannot find symbol
[INFO] 1 error""", "ctakes-web-client/src/main/java/org/apache/ctakes/web/client/servlet/Pipeline.java:42",
      files=("ctakes-web-client/pom.xml","ctakes-web-client/src/main/java/org/apache/ctakes/web/client/servlet/Pipeline.java","pom.xml")),
    # pygobject/pycairo#269 (pytest in an rpmbuild tree)
    Case("pycairo collection error, rpmbuild", Kind.CI_ROOT, """rootdir: /home/tkloczko/rpmbuild/BUILD/pycairo-1.21.0
collected 263 items / 1 error / 2 skipped

================================== ERRORS ==================================
____________________ ERROR collecting tests/test_cmod.py ____________________
ImportError while importing test module '/home/tkloczko/rpmbuild/BUILD/pycairo-1.21.0/tests/test_cmod.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
tests/test_cmod.py:7: in <module>
    from . import cmod
E   ImportError: cannot import name 'cmod' from 'tests' (unknown location)""", "tests/test_cmod.py:7"),
    # --- a third batch: the development side of bench/evalset/ missed these (issue 11) -----
    # natumbri/mopidy-youtube#63 (pytest 2.9: no E lines; pytest names its rootdir)
    Case("pytest 2 fixture error, rootdir", Kind.OLDER, """\
rootdir: /home/pi/Progz/SoundServer/code/mopidy-youtube, inifile:\x20
collected 8 items\x20

==================================== ERRORS ====================================
___________________ ERROR at setup of test_lookup_video_uri ____________________
file /home/pi/Progz/SoundServer/code/mopidy-youtube/tests/test_backend.py, line 81
  @vcr.use_cassette('tests/fixtures/lookup_video_uri.yaml')
  def test_lookup_video_uri(caplog):
        fixture 'caplog' not found""", "tests/test_backend.py:81"),
    # OfficeDev/Project-Samples#4 (Visual Studio: `1>` node prefix, a four-number span)
    Case("msbuild node prefix", Kind.PREFIX, """\
1>C:\\projects.temp\\Project-Samples\\365-Project-Online-OM-ProjToolV2\\ProjToolV2\\Utilities\\CsomHelper.cs(95,52,95,60): error CS0246: The type or namespace name 'QueueJob' could not be found (are you missing a using directive or an assembly reference?)
========== Build: 0 succeeded, 1 failed, 0 up-to-date, 0 skipped ==========""",
         "365-Project-Online-OM-ProjToolV2/ProjToolV2/Utilities/CsomHelper.cs:95",
         files=("365-Project-Online-OM-ProjToolV2/ProjToolV2/Utilities/CsomHelper.cs",)),
    # acfr/snark#56 (Visual Studio 2010's Error List copied: the line is a column of its own)
    Case("visual studio error list row", Kind.FRAMEWORK, """\
Error   1   error C2065: 'is' : undeclared identifier   C:\\Users\\j.underwood\\Code\\cpp\\source\\snark\\sensors\\velodyne\\impl\\stream_reader.cpp  57""",
         "sensors/velodyne/impl/stream_reader.cpp:57",
         files=("sensors/velodyne/impl/stream_reader.cpp", "sensors/velodyne/CMakeLists.txt")),
    # postlight/ci-failed-test-reporter#6 (CircleCI's ~/<repo> working directory; Jest's
    # Expected/Received between the error and its stack)
    Case("circleci repo folder, jest assertion", Kind.CI_ROOT, """\
Error: expect(received).toBe(expected) // Object.is equality

Expected: 1000
Received: 100
    at Object.toBe (/home/circleci/ci-test-failure-reporter/src/index.test.js:2:21)
    at Object.asyncJestTest (/home/circleci/ci-test-failure-reporter/node_modules/jest-jasmine2/build/jasmineAsyncInstall.js:102:37)
    at new Promise (<anonymous>)""", "src/index.test.js:2"),
    # veeresht/CommPy#8 (a traceback pasted as a Markdown list item)
    Case("traceback frame with a list bullet", Kind.PREFIX, """\
- File "/home/travis/build/veeresht/CommPy/commpy/__init__.py", line 17, in <module>
    from filters import *
ImportError: No module named 'filters'""", "commpy/__init__.py:17"),
    # fastlib/fCWT#57 (Qt Creator's CMake message, quoted in Markdown)
    Case("markdown quote around a cmake error", Kind.PREFIX, """\
> CMakeLists.txt:14: error: By not providing "FindfCWT.cmake" in CMAKE_MODULE_PATH this project has asked CMake to find a package configuration file provided by "fCWT", but CMake did not find one.

> fCWTConfig.cmake
> fcwt-config.cmake""", "CMakeLists.txt:14"),
    # anyproto/anytype-mcp#17 (tsc's related information on a line of its own)
    Case("tsc related information", Kind.FRAMEWORK, """\
error TS2688: Cannot find type definition file for 'node'.
  The file is in the program because:
    Entry point of type library 'node' specified in compilerOptions

  tsconfig.json:14:4
    14    "node"
          ~~~~~~
    File is entry point of type library specified here.

Found 1 error.""", "tsconfig.json:14"),
    # DefinitelyTyped/DefinitelyTyped#50640 (fork-ts-checker: the location, then the code)
    Case("fork-ts-checker location line", Kind.FRAMEWORK, """\
ERROR in services/crypt.service.ts:1:51
TS7016: Could not find a declaration file for module 'crypto-js'. '/home/yalladealz/Frontend/node_modules/crypto-js/index.js' implicitly has an 'any' type.
  > 1 | import { AES, enc, mode, pad, CipherOption } from 'crypto-js'""", "services/crypt.service.ts:1"),
    # equinor/subscript#624 (a line pasted as Markdown inline code)
    Case("mypy line in inline code", Kind.PREFIX, """\
`src/subscript/ri_wellmod/ri_wellmod.py:246: error: Incompatible types in assignment (expression has type "Instance | None", variable has type "bool")  [assignment]`""",
         "src/subscript/ri_wellmod/ri_wellmod.py:246"),
    # llogiq/flame#25 (a Rust panic before 1.73, indented by the test harness)
    Case("indented old rust panic", Kind.OLDER, """\
\tthread 'threads' panicked at 'assertion failed: `(left == right)` (left: `5`, right: `6`)', tests/tests.rs:111""",
         "tests/tests.rs:111"),
    # mattbgold/phaser-tbs#2 (ts-loader 0.x: the module, then `(line,col): error`)
    Case("old ts-loader module then location", Kind.OLDER, """\
ERROR in ./src/services/state/base.ts
(2,29): error TS2307: Cannot find module './interface'.

ERROR in ./src/inversify.config.ts
(18,29): error TS2307: Cannot find module './services/state/interface'.""", "src/services/state/base.ts:2"),
    # Mapepire-IBMi/mapepire-js#77 (webpack 5: the absolute module, its relative path below)
    Case("webpack 5 module and relative path", Kind.FRAMEWORK, """\
ERROR in /home/runner/work/mapepire-js/mapepire-js/src/tls.ts
./src/tls.ts 28:14-20
[tsl] ERROR in /home/runner/work/mapepire-js/mapepire-js/src/tls.ts(28,15)
      TS2339: Property 'reason' does not exist on type 'Error'.""", "src/tls.ts:28"),
    # schwehr/generic-sensor-format#18 (Travis: gcc run by make inside src/)
    Case("make's working directory", Kind.RELATIVE, """\
$ make test
(cd src && make all)
make[1]: Entering directory `/home/travis/build/schwehr/generic-sensor-format/src'
gcc    -c -o gsf.o gsf.c
gsf.c: In function \u2018gsfStat\u2019:
gsf.c:258:24: error: storage size of \u2018stbuf\u2019 isn\u2019t known
make[1]: *** [gsf.o] Error 1
make[1]: Leaving directory `/home/travis/build/schwehr/generic-sensor-format/src'""", "src/gsf.c:258"),
    # Tencent/ncnn#2002 (a local build: the log names src/ relatively, so the checkout is
    # the folder above it)
    Case("local build, root named by cmake's object path", Kind.CI_ROOT, """\
[ 87%] Building CXX object src/CMakeFiles/ncnn.dir/cpu.cpp.o
/Users/lvfeng/trunk/ncnn/src/cpu.cpp:240:5: error: use of undeclared identifier '__builtin_cpu_init'; did you mean
      '__builtin_isfinite'?
    __builtin_cpu_init();
    ^~~~~~~~~~~~~~~~~~
2 errors generated.
make[2]: *** [src/CMakeFiles/ncnn.dir/cpu.cpp.o] Error 1""", "src/cpu.cpp:240"),
    # d99kris/heapusage#21 (MacPorts' build folder; CMake's object folder mirrors tests/)
    Case("macports build, root named inside CMakeFiles", Kind.CI_ROOT, """\
/opt/local/var/macports/build/_opt_MountainLionPorts_devel_heapusage/heapusage/work/heapusage-867461cdb82313be185c918a7305e4b9974975b0/tests/ex003.cpp:58:12: error: use of undeclared identifier 'EXIT_SUCCESS'
    return EXIT_SUCCESS;
           ^
1 error generated.
make[2]: *** [CMakeFiles/ex003.dir/tests/ex003.cpp.o] Error 1""", "tests/ex003.cpp:58"),

    # --- a fourth batch: tools' own test fixtures (tuning3), measured untuned: 0 of 5 right ---
    # jenkinsci/analysis-model src/test/resources/edu/hm/hafner/analysis/parser/gradle.java.log
    # (javac run by Ant's `java` task on Jenkins: every line behind the task's name)
    Case("ant task prefix around javac, jenkins", Kind.PREFIX, """\
[java] /var/lib/jenkins/workspace/webhooks/src/main/java/File.java:59: error: ';' expected
[java]         eventResources.stream()
[java]                       ^
[java] 1 error
[java] """, "src/main/java/File.java:59"),
    # jenkinsci/analysis-model .../parser/sbtScalac.txt (sbt's `[error] ` around scalac's
    # `file:line: message`, which has no severity; Jenkins' old jobs/<job>/workspace/ home)
    Case("sbt error prefix, scalac without a severity", Kind.PREFIX, """\
[warn] /home/user/.jenkins/jobs/job/workspace/path/SomeFile.scala:111: method stop in class Thread is deprecated: see corresponding Javadoc for more information.
[warn]     Thread.currentThread.stop()
[error] /home/user/.jenkins/jobs/job/workspace/another/path/SomeFile.scala:9: ';' expected but identifier found.
[warn] /home/user/.jenkins/jobs/job/workspace/Main.scala:4:18: implicit numeric widening
[error] Total time: 127 s, completed Oct 7, 2019 9:11:30 AM""", "another/path/SomeFile.scala:9"),
    # reviewdog/errorformat fmts/testdata/stylelint.in (stylelint's string formatter: ESLint's
    # stylish layout with symbols for the level)
    Case("stylelint string formatter", Kind.FRAMEWORK, """\
renderer/style.css
  46:3   \u2716  Unexpected longhand value '0px 5px 0 5px' instead of '0px 5px 0'              shorthand-property-no-redundant-values
  46:12  \u26a0  Unexpected unit                                                               length-zero-no-unit
 116:3   \u2716  Unexpected longhand value '0 5px 0 5px' instead of '0 5px'                    shorthand-property-no-redundant-values""",
         "renderer/style.css:46"),
    # reviewdog/errorformat fmts/testdata/black.in (`black --check` on a file it cannot
    # parse; the checkout is several folders deep in a home folder)
    Case("black cannot parse, checkout deep in a home folder", Kind.TREE, """\
error: cannot format /home/ricks/Development/personal/gh-actions/errorformat/fmts/testdata/resources/python/subfolder/syntax_error.py: Cannot parse: 1:3: jan~20
would reformat /home/ricks/Development/personal/gh-actions/errorformat/fmts/testdata/resources/python/num_guess.py
Oh no! \U0001f4a5 \U0001f494 \U0001f4a5
2 files would be reformatted, 1 file would fail to reformat.""",
         "fmts/testdata/resources/python/subfolder/syntax_error.py:1",
         files=("fmts/testdata/resources/python/subfolder/syntax_error.py",
                "fmts/testdata/resources/python/num_guess.py", "fmts/python.go", "go.mod")),
    # jenkinsci/analysis-model .../parser/kotlin-gradle-error.txt (kotlinc under Gradle, in a
    # container's /project working folder)
    Case("kotlinc under gradle, container /project", Kind.CI_ROOT, """\
registerResGeneratingTask is deprecated, use registerGeneratedFolders(FileCollection)
e: /project/app/src/main/java/ui/Activity.kt: (214, 35): Unresolved reference: feth""",
         "app/src/main/java/ui/Activity.kt:214"),
    # jenkinsci/analysis-model .../parser/issue32298.txt (Ant's `javadoc` task on Jenkins, a
    # job nested in a folder, a space in its name; warnings first)
    Case("ant javadoc task, nested jenkins job with a space", Kind.PREFIX, """\
 [javadoc] /var/lib/jenkins/jobs/Development/jobs/JavaDoc check/workspace/java/src/apps/AppsLaunchFrame.java:190: warning: no description for @param
 [javadoc]      * @param menuBar


 [javadoc] /var/lib/jenkins/jobs/Development/jobs/JavaDoc check/workspace/java/src/jmri/jmrit/withrottle/MultiThrottle.java:25: error: bad use of '>'
 [javadoc]  * <li> MT-L757<;>L757 On T throttle, remove loco L757. (Still has L1234)
 [javadoc]                  ^""", "java/src/jmri/jmrit/withrottle/MultiThrottle.java:25"),
    # jenkinsci/analysis-model .../parser/issue37975.txt (Maven's javadoc plugin: `Failed to
    # execute goal` first, the javadoc errors behind it; a local checkout)
    Case("maven failed goal, then the javadoc errors", Kind.TREE, """\
[INFO] BUILD FAILURE
[INFO] ------------------------------------------------------------------------
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-javadoc-plugin:2.10.4:jar (attach-javadocs) on project cache2k-api: MavenReportException: Error while generating Javadoc:
[ERROR] Exit code: 1 - /home/jeans/ideaWork/cache2k-internal/cache2k/api/src/main/java/org/cache2k/processor/MutableCacheEntry.java:79: error: malformed HTML
[ERROR] * @see <a href="https://github.com/jsr107/jsr107tck/issues/84>JSR107 TCK issue 84</a>
[ERROR] ^
[ERROR] /home/jeans/ideaWork/cache2k-internal/cache2k/api/src/main/java/org/cache2k/processor/MutableCacheEntry.java:79: error: bad use of '>'
[ERROR] * @see <a href="https://github.com/jsr107/jsr107tck/issues/84>JSR107 TCK issue 84</a>
[ERROR] ^""", "api/src/main/java/org/cache2k/processor/MutableCacheEntry.java:79",
         files=("api/src/main/java/org/cache2k/processor/MutableCacheEntry.java",
                "api/src/main/java/org/cache2k/Cache.java", "api/pom.xml", "pom.xml")),
    # reviewdog/errorformat fmts/testdata/tslint.in (TSLint before 5.x: `path[line, col]: `,
    # no severity; palantir/tslint's prose formatter printed `ERROR: ` before it later)
    Case("tslint, old prose format", Kind.OLDER, """\
path/to/file1.ts[418, 38]: ' should be "
path/to/file1.ts[15, 11]: missing semicolon
path/to/file2.ts[5, 1]: forbidden internal module""", "path/to/file1.ts:418"),
    # --- the second evaluation round's development side (bench/evalset/round2, 2026-12-07) ---
    # chmln/sd#39 (Fedora mock build)
    Case("rpmbuild's BUILDSTDERR prefix before rustc", Kind.PREFIX, """\
BUILDSTDERR:    Compiling sd v0.6.1 (/builddir/build/BUILD/sd-0.6.1)
BUILDSTDERR:      Running `/usr/bin/rustc --edition=2018 --crate-name sd src/main.rs --color never --emit=dep-info,link -C opt-level=3 --test -C metadata=db7c97756d2f4430 -C extra-filename=-db7c97756d2f4430 --out-dir /builddir/build/BUILD/sd-0.6.1/target/release/deps -L dependency=/builddir/build/BUILD/sd-0.6.1/target/release/deps --extern memmap=/builddir/build/BUILD/sd-0.6.1/target/release/deps/libmemmap-b3f2069516387a5d.rlib --extern rayon=/builddir/build/BUILD/sd-0.6.1/target/release/deps/librayon-a99e4203c6332a21.rlib --extern regex=/builddir/build/BUILD/sd-0.6.1/target/release/deps/libregex-98ffbc1cf6224c5b.rlib --extern structopt=/builddir/build/BUILD/sd-0.6.1/target/release/deps/libstructopt-01b05acb492cc451.rlib --extern tempfile=/builddir/build/BUILD/sd-0.6.1/target/release/deps/libtempfile-b901b63516f8d697.rlib --extern unescape=/builddir/build/BUILD/sd-0.6.1/target/release/deps/libunescape-fd1a3ef56a6eb871.rlib -Copt-level=3 -Cdebuginfo=2 -Clink-arg=-Wl,-z,relro,-z,now -Ccodegen-units=1`
BUILDSTDERR: error[E0308]: mismatched types
BUILDSTDERR:    --> src/input.rs:181:58
BUILDSTDERR:     |
BUILDSTDERR: 181 |         assert_eq!(std::str::from_utf8(&replacer.replace(src)), Ok(target));
BUILDSTDERR:     |""", "src/input.rs:181"),
    # elixir-lang/elixir#519 (Elixir 0.x bootstrap, 2012)
    Case("elixir compile error, place in the stack below", Kind.OLDER, """\
== Compilation error on file lib/elixir/lib/macro/env.ex ==
** (UndefinedFunctionError) undefined function: Record.deffunctions/2
    Record.deffunctions(Macro.Env, [:module,:file,:line,:function,:aliases,:context,:requires,:macros])
    /Users/wycats/Code/elixir/lib/elixir/lib/macro/env.ex:2: Kernel.defmodule/2
    src/elixir_compiler.erl:77: :elixir_compiler."-code_loading_compilation/6-fun-0-"/5
    src/elixir_compiler.erl:76: :elixir_compiler.code_loading_compilation/6
    src/elixir_module.erl:150: :elixir_module.eval_form/5
    src/elixir_module.erl:71: :elixir_module.compile/5
    erl_eval.erl:572: :erl_eval.do_apply/6
    src/elixir.erl:110: :elixir.eval_forms/3""", "lib/elixir/lib/macro/env.ex:2"),
    # Icinga/icinga2#1026 (CMake-generated solution in build/; Jenkins on Windows)
    Case("msbuild summary, path ..-relative to the project", Kind.RELATIVE, """\
    "c:\\jenkins\\workspace\\icinga2-windows\\build\\icinga2.sln" (default target) (1) ->
    "c:\\jenkins\\workspace\\icinga2-windows\\build\\ALL_BUILD.vcxproj.metaproj" (default target) (2) ->
    "c:\\jenkins\\workspace\\icinga2-windows\\build\\lib\\base\\base.vcxproj.metaproj" (default target) (4) ->
    "c:\\jenkins\\workspace\\icinga2-windows\\build\\lib\\base\\base.vcxproj" (default target) (11) ->
    (ClCompile target) ->
      ..\\..\\..\\lib\\base\\utility.cpp(753): error C2065: 'temp' : undeclared identifier [c:\\jenkins\\workspace\\icinga2-windows\\build\\lib\\base\\base.vcxproj]

        6 Warning(s)
        1 Error(s)""", "lib/base/utility.cpp:753"),
    # microsoft/genaiscript#878 (the folder is only in the yarn command)
    Case("esbuild's box format under yarn --cwd", Kind.FRAMEWORK, """\
$ yarn --cwd packages/cli run compile
yarn run v1.22.22
$ esbuild src/main.ts --metafile=./esbuild.meta.json --bundle --platform=node --target=node20 --outfile=built/genaiscript.cjs --external:tsx --external:esbuild --external:get-tsconfig --external:resolve-pkg-maps --external:dockerode --external:pdfjs-dist --external:web-tree-sitter --external:tree-sitter-wasms --external:promptfoo --external:typescript --external:@lvce-editor/ripgrep --external:gpt-3-encoder --external:mammoth --external:xlsx --external:mathjs --external:@azure/identity --external:gpt-tokenizer --external:playwright --external:@inquirer/prompts --external:jimp --external:turndown --external:vectra --external:tabletojson --external:html-to-text --external:@octokit/rest --external:@octokit/plugin-throttling --external:@octokit/plugin-retry --external:@octokit/plugin-paginate-rest --external:skia-canvas && node ../../scripts/patch-cli.mjs
✘ [ERROR] Could not resolve "../../core/src/default_prompts"

    src/test.ts:20:32:
      20 │ import { promptFooDriver } from "../../core/src/default_prompts"
         ╵                                 ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

✘ [ERROR] Could not resolve "./default_prompts"

    ../core/src/treesitter.ts:3:32:
      3 │ import { treeSitterWasms } from""", "packages/cli/src/test.ts:20"),
    # twilio/twilio-verify-android#226 (Gradle buildSrc on Windows)
    Case("kotlinc file URI with a drive, local GIT folder", Kind.FRAMEWORK, """\
Starting Gradle Daemon...
Gradle Daemon started in 2 s 16 ms
> Task :buildSrc:checkKotlinGradlePluginConfigurationErrors
> Task :buildSrc:generateExternalPluginSpecBuilders UP-TO-DATE
> Task :buildSrc:extractPrecompiledScriptPluginPlugins UP-TO-DATE
> Task :buildSrc:compilePluginsBlocks UP-TO-DATE
> Task :buildSrc:generatePrecompiledScriptPluginAccessors UP-TO-DATE
> Task :buildSrc:generateScriptPluginAdapters UP-TO-DATE
> Task :buildSrc:pluginDescriptors UP-TO-DATE
> Task :buildSrc:processResources UP-TO-DATE

> Task :buildSrc:compileKotlin FAILED
e: file:///D:/DevareaLocal/GIT/twilio-verify-android/buildSrc/src/main/kotlin/plugins/ktlint.gradle.kts:30:5 Unresolved reference: main
e: file:///D:/DevareaLocal/GIT/twilio-verify-android/buildSrc/src/main/kotlin/plugins/ktlint.gradle.kts:42:5 Unresolved reference: main

FAILURE: Build failed with an exception.

* What went wrong:
Execution failed for task ':buildSrc:compileKotlin'.
> A failure occurred while executing org.jetbrains.kotlin.compilerRunner.GradleCompilerRunnerWithWorkers$GradleKotlinCompilerWorkAction
   > Compilation error. See log for more details""", "buildSrc/src/main/kotlin/plugins/ktlint.gradle.kts:30"),
    # lmb-freiburg/netdef-docker#27 (exec format error inside the step box)
    Case("buildkit excerpt, the solver's line cut off", Kind.FRAMEWORK, """\
 > [2/8] RUN apt update                             &&     apt install -y --no-install-recommends        python3                                       python3-distutils                             cmake                                         git                                           curl                                          wget                                          libeigen3-dev                                 sudo:
0.294 exec /bin/sh: exec format error

Dockerfile:11
--------------------
  10 |
  11 | >>> RUN apt update                             && \\
  12 | >>>     apt install -y --no-install-recommends    \\
  13 | >>>     python3                                   \\
  14 | >>>     python3-distutils                         \\
  15 | >>>     cmake                                     \\
  16 | >>>     git                                       \\
  17 | >>>     curl                                      \\
  18 | >>>     wget                                      \\
  19 | >>>     libeigen3-dev                             \\
  20 | >>>     sudo
  21 |
--------------------""", "Dockerfile:11"),
    # etsy/morgue#123 (deployed under /var/www/<site>/)
    Case("php parse error quoted in a sentence", Kind.FRAMEWORK, """\
I am running into 'PHP Parse error:  syntax error, unexpected '[' in /var/www/morgue/htdocs/index.php on line 297'. """, "htdocs/index.php:297"),
    # pylint-dev/pylint#1412 (the file is only in the header)
    Case("pylint 1.x text format under its module header", Kind.OLDER, """\
petrux@orion:~$ pylint test.py
No config file found, using default configuration
************* Module test
C:  1, 0: Missing module docstring (missing-docstring)
E:  2, 5: Generator 'generator' has no 'gen' member (no-member)


Report
======
2 statements analysed.""", "test.py:2"),
    # jaraco/zipp#91 (distribution package build)
    Case("flake8 under an unexpanded $(BUILD_DIR)", Kind.PREFIX, """\
_________________________________ FLAKE8-check _________________________________
$(BUILD_DIR)/tests/test_zipp.py:354:80: E501 line too long (80 > 79 characters)
$(BUILD_DIR)/tests/test_zipp.py:389:80: E501 line too long (84 > 79 characters)
$(BUILD_DIR)/tests/test_zipp.py:408:80: E501 line too long (84 > 79 characters)

_________________________________ FLAKE8-check _________________________________
$(BUILD_DIR)/zipp/__init__.py:351:80: E501 line too long (83 > 79 characters)

_________________________________ FLAKE8-check _________________________________
$(BUILD_DIR)/zipp/py310compat.py:7:80: E501 line too long (81 > 79 characters)
$(BUILD_DIR)/zipp/py310compat.py:11:80: E501 line too long (86 > 79 characters)""", "tests/test_zipp.py:354"),
    # Angular 5's AOT compiler in a Docker image on Travis (development batch of the ninth
    # round): `ERROR in Error at` for the first template error, `Error at` for the rest
    Case("angular 5 aot, ERROR in Error at", Kind.FRAMEWORK, """\
ERROR in Error at /ng-app/src/app/courses/courses.component.html(38,3): Property 'courseTitle' does not exist on type '{}'.
Error at /ng-app/src/app/meetups/meetups.component.html(32,3): Property 'title' does not exist on type '{}'.""",
         "src/app/courses/courses.component.html:38"),
)
# fmt: on


def _gathered(path: Path = Path(__file__).parent / "data" / "localisation_gathered.jsonl") -> tuple[Case, ...]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return tuple(
        Case(row["name"], Kind(row["kind"]), row["log"], row["expected"],
             tuple(row["files"]) if "files" in row else None)
        for row in rows
    )


CASES = CASES + _gathered()
