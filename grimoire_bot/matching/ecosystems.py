"""The closed set of ecosystems Grimoire knows, and how to recognise one from a name or a path."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum, StrEnum


class Ecosystem(StrEnum):
    PYTHON = "python"
    NODE = "node"
    TYPESCRIPT = "typescript"
    ESLINT = "eslint"
    JEST = "jest"
    GO = "go"
    RUST = "rust"
    JAVA = "java"
    CPP = "cpp"
    RUBY = "ruby"
    DOCKER = "docker"
    GITHUB_ACTIONS = "github-actions"
    SHELL = "shell"
    DOTNET = "dotnet"
    PHP = "php"
    SWIFT = "swift"
    DART = "dart"
    ELIXIR = "elixir"
    TERRAFORM = "terraform"
    KUBERNETES = "kubernetes"
    BAZEL = "bazel"


class Agreement(Enum):
    """How an error's ecosystem (or error type) relates to a spell's."""

    AGREE = "agree"
    RELATED = "related"
    UNKNOWN = "unknown"
    CONFLICT = "conflict"


# Tool, language and package-manager names that stand for an ecosystem, as they appear in
# spell tags, error types and tool banners.
ECOSYSTEM_NAMES: dict[Ecosystem, str] = {
    Ecosystem.PYTHON: (
        "python python3 py pip pip3 pytest mypy ruff flake8 "
        "pycodestyle pylint poetry tox nox setuptools conda pipenv "
        "uv django numpy black isort pyright"
    ),
    Ecosystem.NODE: (
        "node nodejs npm npx yarn pnpm webpack vite javascript js "
        "babel node-gyp esm commonjs next nextjs react rollup "
        "esbuild"
    ),
    Ecosystem.TYPESCRIPT: "typescript tsc ts ts-node tsx",
    Ecosystem.ESLINT: "eslint eslintrc prettier",
    Ecosystem.JEST: "jest vitest mocha",
    Ecosystem.GO: "go golang gofmt golangci-lint cgo",
    Ecosystem.RUST: "rust rustc cargo clippy rustup crate",
    Ecosystem.JAVA: "java javac maven mvn gradle kotlin kotlinc jdk jvm android scala sbt groovy",
    Ecosystem.CPP: (
        "cpp c c++ gcc g++ clang clang++ cmake make ld linker msvc ninja autoconf meson vcpkg conan"
    ),
    Ecosystem.RUBY: "ruby gem gems bundler bundle rails rake rspec rubygems",
    Ecosystem.DOCKER: "docker dockerfile buildkit buildx podman compose docker-compose",
    Ecosystem.GITHUB_ACTIONS: "github-actions actions gha workflow github-token runner",
    Ecosystem.SHELL: "shell bash sh zsh powershell pwsh",
    Ecosystem.DOTNET: "dotnet .net csharp c# fsharp nuget msbuild vb vbnet",
    Ecosystem.PHP: "php composer phpunit phpstan psalm pest laravel symfony",
    Ecosystem.SWIFT: "swift swiftc xcode xcodebuild swiftpm spm cocoapods pod carthage swiftlint",
    Ecosystem.DART: "dart flutter pub pubspec",
    Ecosystem.ELIXIR: "elixir mix erlang erl hex phoenix exunit otp rebar3",
    Ecosystem.TERRAFORM: "terraform tf opentofu tofu tflint terragrunt hcl",
    Ecosystem.KUBERNETES: "kubernetes k8s kubectl helm kustomize minikube kind",
    Ecosystem.BAZEL: "bazel bazelisk starlark",
}
NAME_TO_ECOSYSTEM: dict[str, Ecosystem] = {
    name: ecosystem for ecosystem, names in ECOSYSTEM_NAMES.items() for name in names.split()
}

# Ecosystems whose errors often show up in each other's logs (a tsc error in an npm script,
# a gcc error while pip builds a wheel); a spell from a related ecosystem is neither
# confirmed nor contradicted.
JAVASCRIPT_FAMILY = frozenset(
    {Ecosystem.NODE, Ecosystem.TYPESCRIPT, Ecosystem.ESLINT, Ecosystem.JEST}
)
NATIVE_BUILD_HOSTS = frozenset({Ecosystem.PYTHON, Ecosystem.NODE, Ecosystem.RUBY, Ecosystem.RUST})
# The runner, its shell, container builds and Bazel run every other ecosystem's tools.
SUBSTRATE = frozenset(
    {Ecosystem.SHELL, Ecosystem.GITHUB_ACTIONS, Ecosystem.DOCKER, Ecosystem.BAZEL}
)

EXTENSION_TO_ECOSYSTEM: dict[str, Ecosystem] = {
    "py": Ecosystem.PYTHON,
    "pyi": Ecosystem.PYTHON,
    "pyx": Ecosystem.PYTHON,
    "js": Ecosystem.NODE,
    "mjs": Ecosystem.NODE,
    "cjs": Ecosystem.NODE,
    "jsx": Ecosystem.NODE,
    "ts": Ecosystem.TYPESCRIPT,
    "tsx": Ecosystem.TYPESCRIPT,
    "mts": Ecosystem.TYPESCRIPT,
    "cts": Ecosystem.TYPESCRIPT,
    "vue": Ecosystem.NODE,
    "svelte": Ecosystem.NODE,
    "go": Ecosystem.GO,
    "rs": Ecosystem.RUST,
    "java": Ecosystem.JAVA,
    "kt": Ecosystem.JAVA,
    "kts": Ecosystem.JAVA,
    "scala": Ecosystem.JAVA,
    "groovy": Ecosystem.JAVA,
    "gradle": Ecosystem.JAVA,
    "c": Ecosystem.CPP,
    "h": Ecosystem.CPP,
    "cc": Ecosystem.CPP,
    "cpp": Ecosystem.CPP,
    "cxx": Ecosystem.CPP,
    "hpp": Ecosystem.CPP,
    "hh": Ecosystem.CPP,
    "hxx": Ecosystem.CPP,
    "cmake": Ecosystem.CPP,
    "m": Ecosystem.CPP,
    "mm": Ecosystem.CPP,
    "cu": Ecosystem.CPP,
    "rb": Ecosystem.RUBY,
    "rake": Ecosystem.RUBY,
    "gemspec": Ecosystem.RUBY,
    "sh": Ecosystem.SHELL,
    "bash": Ecosystem.SHELL,
    "zsh": Ecosystem.SHELL,
    "ps1": Ecosystem.SHELL,
    "cs": Ecosystem.DOTNET,
    "fs": Ecosystem.DOTNET,
    "vb": Ecosystem.DOTNET,
    "csproj": Ecosystem.DOTNET,
    "fsproj": Ecosystem.DOTNET,
    "sln": Ecosystem.DOTNET,
    "php": Ecosystem.PHP,
    "phtml": Ecosystem.PHP,
    "swift": Ecosystem.SWIFT,
    "dart": Ecosystem.DART,
    "ex": Ecosystem.ELIXIR,
    "exs": Ecosystem.ELIXIR,
    "erl": Ecosystem.ELIXIR,
    "tf": Ecosystem.TERRAFORM,
    "tfvars": Ecosystem.TERRAFORM,
    "hcl": Ecosystem.TERRAFORM,
    "bzl": Ecosystem.BAZEL,
    "bazel": Ecosystem.BAZEL,
}

BASENAME_TO_ECOSYSTEM: dict[str, Ecosystem] = {
    "dockerfile": Ecosystem.DOCKER,
    "containerfile": Ecosystem.DOCKER,
    "gemfile": Ecosystem.RUBY,
    "rakefile": Ecosystem.RUBY,
    "gemfile.lock": Ecosystem.RUBY,
    "cmakelists.txt": Ecosystem.CPP,
    "makefile": Ecosystem.CPP,
    "package.json": Ecosystem.NODE,
    "package-lock.json": Ecosystem.NODE,
    "tsconfig.json": Ecosystem.TYPESCRIPT,
    "go.mod": Ecosystem.GO,
    "go.sum": Ecosystem.GO,
    "cargo.toml": Ecosystem.RUST,
    "cargo.lock": Ecosystem.RUST,
    "pom.xml": Ecosystem.JAVA,
    "pyproject.toml": Ecosystem.PYTHON,
    "setup.py": Ecosystem.PYTHON,
    "requirements.txt": Ecosystem.PYTHON,
    "composer.json": Ecosystem.PHP,
    "composer.lock": Ecosystem.PHP,
    "package.swift": Ecosystem.SWIFT,
    "podfile": Ecosystem.SWIFT,
    "podfile.lock": Ecosystem.SWIFT,
    "pubspec.yaml": Ecosystem.DART,
    "pubspec.lock": Ecosystem.DART,
    "mix.exs": Ecosystem.ELIXIR,
    "mix.lock": Ecosystem.ELIXIR,
    "chart.yaml": Ecosystem.KUBERNETES,
    "kustomization.yaml": Ecosystem.KUBERNETES,
    "build": Ecosystem.BAZEL,
    "build.bazel": Ecosystem.BAZEL,
    "workspace": Ecosystem.BAZEL,
    "module.bazel": Ecosystem.BAZEL,
}

# Words in an error's text that name the tool that printed it. Checked in order, so the
# narrower tools (jest, eslint, tsc) win over the runtime they run on (node).
TEXT_SIGNALS: tuple[tuple[re.Pattern[str], Ecosystem], ...] = (
    # Bazel and Xcode drive other compilers: their own words name the failure first.
    (re.compile(r"\bbazel\b|/BUILD(?:\.bazel)?:\d+:\d+|\bStarlark\b", re.I), Ecosystem.BAZEL),
    (
        re.compile(r"\bxcodebuild\b|\bswiftc?\b|\.swift:\d|\bCocoaPods\b|\bpod install\b"),
        Ecosystem.SWIFT,
    ),
    (re.compile(r"\bflutter\b|\bdart\b|\bpubspec\b", re.I), Ecosystem.DART),
    (
        re.compile(
            r"\bPHP (?:Fatal|Parse|Warning)|\bcomposer\b|\bphpunit\b|\.php(?::\d+| on line \d+)",
            re.I,
        ),
        Ecosystem.PHP,
    ),
    (
        re.compile(
            r"\bmix (?:compile|test|deps)|\(CompileError\)|\(UndefinedFunctionError\)|\bhex\.pm\b"
        ),
        Ecosystem.ELIXIR,
    ),
    (re.compile(r"\bterraform\b|\.tf line \d+|\bopentofu\b", re.I), Ecosystem.TERRAFORM),
    (re.compile(r"\bkubectl\b|\bhelm\b|\bkustomize\b|\bkubernetes\b", re.I), Ecosystem.KUBERNETES),
    (re.compile(r"\bjest\b|\bvitest\b", re.I), Ecosystem.JEST),
    (re.compile(r"\beslint\b", re.I), Ecosystem.ESLINT),
    (re.compile(r"\berror TS\d{3,5}\b|\btsc\b|\bTSError\b|\bts-node\b"), Ecosystem.TYPESCRIPT),
    (
        re.compile(
            r"\bnpm (?:ERR!|error|WARN)|\bnode_modules\b|\byarn\b|\bpnpm\b|ERR_PNPM_|"
            r"\bnode:internal\b|JavaScript heap|\bV8\b"
        ),
        Ecosystem.NODE,
    ),
    (
        re.compile(
            r"\bTraceback \(most recent call last\)|\bpip\b|\bpytest\b|\bmypy\b|"
            r"site-packages|(?i:\bpython\d?(?:\.\d+)?\b)"
        ),
        Ecosystem.PYTHON,
    ),
    (re.compile(r"(?i:\bcargo\b)|\brustc\b|error\[E\d{4}\]|\bcrates\.io\b"), Ecosystem.RUST),
    (
        re.compile(r"\bgo(?: build| test| vet| mod| get|\.mod|\.sum)\b|\bgoroutine \d+"),
        Ecosystem.GO,
    ),
    (
        re.compile(r"\bmvn\b|\[ERROR\]|\bmaven\b|\bgradle\b|\bjava\.\w+\.|\bjavac\b", re.I),
        Ecosystem.JAVA,
    ),
    (
        re.compile(r"\bCMake\b|\bgcc\b|\bg\+\+|\bclang\b|/usr/bin/ld\b|\bcollect2\b|\bld returned"),
        Ecosystem.CPP,
    ),
    (re.compile(r"\bbundler?\b|\bGemfile\b|\bgem install\b|\brubygems\b", re.I), Ecosystem.RUBY),
    (
        re.compile(r"\bdocker\b|\bDockerfile\b|\bbuildkit\b|failed to solve:", re.I),
        Ecosystem.DOCKER,
    ),
    (
        re.compile(r"\bdotnet\b|\bMSBuild\b|\bnuget\b|\.csproj\b|error CS\d{4}", re.I),
        Ecosystem.DOTNET,
    ),
    (
        re.compile(r"github-actions|GITHUB_TOKEN|\bactions/[\w-]+@|Resource not accessible"),
        Ecosystem.GITHUB_ACTIONS,
    ),
    (
        re.compile(r": command not found\b|\bbash:|/bin/(?:ba)?sh\b|: Permission denied"),
        Ecosystem.SHELL,
    ),
)

TAG_SPLIT_RE = re.compile(r"[,;\s]+")


def ecosystem_from_name(name: str | None) -> Ecosystem | None:
    """The ecosystem a tool/language name stands for (`pytest` -> python), or None."""
    if not name:
        return None
    key = name.strip().lower()
    return parse_ecosystem(key) or NAME_TO_ECOSYSTEM.get(key)


def ecosystems_from_tags(tags: str | Iterable[str] | None) -> tuple[Ecosystem, ...]:
    """Ecosystems named by a spell's tags, most prominent (first mentioned) first."""
    if not tags:
        return ()
    words = TAG_SPLIT_RE.split(tags) if isinstance(tags, str) else list(tags)
    found: list[Ecosystem] = []
    for word in words:
        ecosystem = ecosystem_from_name(word)
        if ecosystem is not None and ecosystem not in found:
            found.append(ecosystem)
    return tuple(found)


def ecosystem_from_path(path: str | None) -> Ecosystem | None:
    """The ecosystem of a source file, judged by its name."""
    if not path:
        return None
    base = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if base in BASENAME_TO_ECOSYSTEM:
        return BASENAME_TO_ECOSYSTEM[base]
    if base.startswith(("dockerfile", "containerfile")) or base.endswith(".dockerfile"):
        return Ecosystem.DOCKER
    if "." not in base:
        return None
    return EXTENSION_TO_ECOSYSTEM.get(base.rsplit(".", 1)[1])


def ecosystem_from_text(text: str) -> Ecosystem | None:
    """The ecosystem whose tool most plausibly printed `text`, from the names it mentions."""
    for signal, ecosystem in TEXT_SIGNALS:
        if signal.search(text):
            return ecosystem
    return None


def are_related(one: Ecosystem, other: Ecosystem) -> bool:
    """Whether errors of one ecosystem plausibly come from the other's tools."""
    pair = {one, other}
    return (
        pair <= JAVASCRIPT_FAMILY
        or bool(pair & SUBSTRATE)
        or (Ecosystem.CPP in pair and bool(pair & NATIVE_BUILD_HOSTS))
    )


def parse_ecosystem(value: str | None) -> Ecosystem | None:
    """`value` as an Ecosystem when it is one of the enum's values, else None."""
    return Ecosystem._value2member_map_.get(value) if value else None  # type: ignore[return-value]


def agreement(error_ecosystem: str | None, spell_ecosystems: Iterable[Ecosystem]) -> Agreement:
    """Whether an error's ecosystem confirms, fits with, or contradicts a spell's."""
    mine = parse_ecosystem(error_ecosystem)
    theirs = tuple(spell_ecosystems)
    if mine is None or not theirs:
        return Agreement.UNKNOWN
    if mine in theirs:
        return Agreement.AGREE
    if any(are_related(mine, other) for other in theirs):
        return Agreement.RELATED
    return Agreement.CONFLICT
