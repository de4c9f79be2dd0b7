"""Where a JVM or .NET stack says the failure is: its innermost frame in the repository.

A JVM frame names a class and its source file's base name (`at com.acme.cart.CartTest.
total(CartTest.java:42)`), never a path: the package gives the folders, and the source set
is guessed from the build tools' standard layout (`src/test/java/` for a class named like a
test, `src/main/<language>/` otherwise). Resolved against the commit's tree, the package
path finds the module too (`core/src/test/java/...`). A .NET frame carries the path itself
(`at Shop.Cart.Total() in /src/Shop/Cart.cs:line 42`, in the runtime's language: `en ...
en ...:línea 42`, `bei ... in ...:Zeile 42`). Frames of the runtime, the test frameworks
and the assertion libraries are never the place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..blocks import to_int
from .scan import Location, Scan

JVM_FRAME_RE = re.compile(
    r"^\s*(?:at |\tat )?(?P<cls>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)\.[\w$<>-]+"
    r"\((?P<file>[\w$-]+\.(?P<ext>java|kt|scala|groovy|clj))(?::(?P<line>\d+))?\)\s*$"
)
JVM_LIBRARIES = (
    "java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.", "groovy.",
    "org.codehaus.groovy.", "org.junit.", "junit.", "org.testng.", "org.apache.maven.",
    "org.gradle.", "worker.org.gradle.", "org.mockito.", "org.hamcrest.", "org.assertj.",
    "org.opentest4j.", "org.spockframework.", "net.bytebuddy.", "com.intellij.", "android.",
    "androidx.", "com.android.", "dalvik.", "org.jetbrains.kotlin.", "org.apache.tools.ant.",
)  # fmt: skip
JVM_SOURCE_DIRS = {"java": "java", "kt": "kotlin", "scala": "scala", "groovy": "groovy"}
JVM_TEST_CLASS_RE = re.compile(r"(?:Tests?|TestCase|IT|Spec|Specification)$|^Test[A-Z]")

DOTNET_FRAME_RE = re.compile(
    r"^\s*(?:at|en|bei|à|в|em|w|di|na)\s+(?P<method>[^\s(][^(]*)\([^)]*\)\s+"
    r"(?:in|en|bei|dans|в|em|w|di|na|ve)\s+(?P<path>.+?):"
    r"(?:(?:line|línea|Zeile|ligne|riga|строка|linha|wiersz|sat\u0131r|řádek|regel|行)\s*)?"
    r"(?P<line>\d+)\s*$"
)
# xUnit 1 and Mono print a frame place first: `C:\\w\\Tests.cs(55,0): at Ns.Tests.Method()`.
DOTNET_PLACE_FIRST_FRAME_RE = re.compile(
    r"^\s*(?P<path>[^\s\[][^()]*?\.(?:cs|fs|vb))\((?P<line>\d+),\d+\): at (?P<method>\S+)"
)
# A frame of a library built without symbols: `at Shouldly.ShouldBe[T](T actual)`, no place.
# (JavaScript's `at Object.require.extensions.(anonymous function) [as .ts] (...)` is not.)
DOTNET_BARE_FRAME_RE = re.compile(r"^\s*at [\w.`<>\[\]]+\([^()]*\)\s*$")
DOTNET_LIBRARIES = (
    "System.", "Microsoft.VisualStudio.TestPlatform.", "Microsoft.VisualStudio.TestTools.",
    "Microsoft.TestPlatform.", "Xunit.", "NUnit.", "FluentAssertions.", "Shouldly.", "Moq.",
    "Castle.", "NSubstitute.", "Microsoft.Extensions.", "lambda_method",
)  # fmt: skip
STACK_LINES = 80


def first_jvm_frame(scan: Scan, start: int, stop: int) -> Location | None:
    """The innermost repository frame of a JVM stack in lines [start, stop)."""
    for index in range(max(start, 0), min(stop, len(scan.lines))):
        frame = JVM_FRAME_RE.match(scan.lines[index])
        if frame is None or frame.group("line") is None:
            continue
        place = jvm_frame_place(scan, frame)
        if place is not None:
            return place
    return None


def jvm_frame_place(scan: Scan, frame: re.Match[str]) -> Location | None:
    """The repository place a JVM frame (groups `cls`, `file`, `ext`, `line`) names, or None
    for the runtime's, a test framework's or an assertion library's frame."""
    cls = frame.group("cls")
    if cls.startswith(JVM_LIBRARIES):
        return None
    path = scan.repo_path(jvm_source_path(cls, frame.group("file"), frame.group("ext")))
    return None if path is None else Location(path, to_int(frame.group("line")))


def jvm_source_path(cls: str, file: str, extension: str) -> str:
    """Where a class's source file sits in the standard layout (see the module)."""
    parts = cls.split(".")
    cut = next((i for i, part in enumerate(parts) if part[:1].isupper()), len(parts) - 1)
    package = parts[:cut]  # the lower-case part: `Outer.Inner` and `Cart$1` are classes
    source_set = "test" if JVM_TEST_CLASS_RE.search(file.rsplit(".", 1)[0]) else "main"
    language = JVM_SOURCE_DIRS.get(extension, extension)
    return "/".join(["src", source_set, language, *package, file])


def first_dotnet_frame(scan: Scan, start: int, stop: int) -> Location | None:
    """The innermost repository frame of a .NET stack in lines [start, stop)."""
    for index in range(max(start, 0), min(stop, len(scan.lines))):
        line = scan.lines[index]
        frame = DOTNET_FRAME_RE.match(line) or DOTNET_PLACE_FIRST_FRAME_RE.match(line)
        if frame is None or frame.group("method").startswith(DOTNET_LIBRARIES):
            continue
        path = scan.repo_path(frame.group("path"))
        if path is not None:
            return Location(path, to_int(frame.group("line")))
    return None


def first_stack_frame(scan: Scan, start: int, stop: int) -> Location | None:
    """The innermost repository frame of whichever JVM or .NET stack the lines hold."""
    return first_jvm_frame(scan, start, stop) or first_dotnet_frame(scan, start, stop)


def is_frame(line: str) -> bool:
    """A JVM or .NET stack frame, with a place or (a library's) without one."""
    return bool(
        JVM_FRAME_RE.match(line)
        or DOTNET_FRAME_RE.match(line)
        or DOTNET_PLACE_FIRST_FRAME_RE.match(line)
        or DOTNET_BARE_FRAME_RE.match(line)
    )


def stack_end(lines: Sequence[str], start: int) -> int:
    """The last frame of the stack that starts at `start`, however its lines are indented
    (`dotnet test` indents a stack's first frame more than the others)."""
    end = start
    while end + 1 < len(lines) and is_frame(lines[end + 1]):
        end += 1
    return end


def stack_start(lines: Sequence[str], after: int, limit: int = 12) -> int | None:
    """The first JVM or .NET frame within `limit` lines after `after`: an assertion's
    message may run over several lines before its stack."""
    for index in range(after + 1, min(len(lines), after + 1 + limit)):
        if is_frame(lines[index]):
            return index
    return None
