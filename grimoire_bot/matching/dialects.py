"""One message as other tools and other versions of a tool word it.

A spell's pattern is written for the wording its author saw: gcc's and not clang's, Python
3's `ModuleNotFoundError` and not Python 2's `ImportError`, npm 9's `npm ERR!` and not npm
10's `npm error`, Java 9's class-file message and not Java 8's `Unsupported major.minor
version`. The same failure then passes unmatched when another toolchain reports it. A
family below lists the forms one message takes, each a regex over an error's (folded)
text with named fields and the line that form prints; an error in one form is matched in
every other form of its family too (`other_wordings`), so a pattern written for any of
them finds it. Such a hit ranks as a near miss (`Relaxation.OTHER_WORDING`), below the
pattern hit of a spell written for the wording the tool printed: one whose match holds
that wording's mark (`Form.literal`: lld's `undefined symbol`), not a generic spell whose
match leaves it out (`: command not found` of bash's `$'\\r': command not found`).

Only wordings of one and the same diagnostic belong in a family: never a sibling with
another cause (gcc's missing input file is not a missing header, a loader's `undefined
symbol` at run time is not the linker's, Jest's `Cannot find module ... from` is not
Node's, Docker's `permission denied` on its socket is not a daemon that is down).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .forms import encodable
from .pattern_set import PatternSet

# A field the matching form does not capture gets a neutral value (a pattern's `[\d.]+`
# or `\S+` still matches it; nothing shows it to anyone).
DEFAULT_FIELD = "0"
# An error's text is short; these bound the work on a pathological one.
MAX_MATCHES_PER_FORM = 4
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Form:
    literal: str  # must be in the text for `regex` to be worth running
    regex: re.Pattern[str]
    line: str  # what this form prints, with the family's fields in braces
    # False: the form is read, and gives the family's other forms, but is never given for
    # them (a tool's own wording of a general fact: yarn's SIGKILL is exit status 137, but
    # not every exit status 137 is yarn's)
    given: bool = True


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    forms: tuple[Form, ...]
    defaults: Mapping[str, str] = field(default_factory=dict)


def _form(literal: str, regex: str, line: str, *, given: bool = True) -> Form:
    return Form(literal, re.compile(regex, re.MULTILINE), line, given)


# A header as an #include names it (`openssl/ssl.h`, `foo.pb.h`, `../inc/x.h`, `filesystem`),
# never a source file given to the compiler (`main.c`: another error).
HEADER = (
    r"(?P<header>(?:\.\./){0,5}[\w+-][\w+.-]{0,100}(?:/[\w+.-]{1,100}){0,10})"
    r"(?<!\.c)(?<!\.cc)(?<!\.cpp)(?<!\.cxx)(?<!\.m)(?<!\.mm)(?<!\.s)(?<!\.S)(?<!\.o)"
)
SYMBOL = r"(?P<symbol>[^\s'\"`][^'\"`\n]{0,300}?)"
NAME = r"(?P<name>[A-Za-z_][\w:]{0,200})"
COMMAND = r"(?P<command>[\w.+-]{1,100})"
SHELL = r"(?:ba|z|da|k)?sh|python\d?|node|ruby|perl"

FAMILIES: tuple[Family, ...] = (
    Family(
        "missing header",
        (
            _form(
                "No such file or directory",
                rf"fatal error: {HEADER}: No such file or directory",
                "fatal error: {header}: No such file or directory",
            ),
            _form(
                "file not found",
                rf"fatal error: '{HEADER}' file not found",
                "fatal error: '{header}' file not found",
            ),
            _form(
                "C1083",
                rf"fatal error C1083: Cannot open include file: '{HEADER}'",
                "fatal error C1083: Cannot open include file: '{header}': "
                "No such file or directory",
            ),
        ),
    ),
    Family(
        "undefined symbol at link time",
        (
            _form(
                "undefined reference",
                rf"undefined reference to [`']{SYMBOL}'",
                "undefined reference to `{symbol}'",
            ),
            _form(
                "undefined symbol",
                rf"(?:ld(?:\.lld)?|lld-link|wasm-ld|rust-lld): error: "
                rf"(?:[^\n]{{0,200}}: )?undefined symbol: {SYMBOL}$",
                "ld.lld: error: undefined symbol: {symbol}",
            ),
            _form(
                "Undefined symbols for architecture",
                rf"Undefined symbols for architecture (?P<arch>\w+):[ \t]*\n"
                rf"[ \t]*\"{SYMBOL}\", referenced",
                'Undefined symbols for architecture {arch}:\n  "{symbol}", referenced from:',
            ),
            _form(
                "unresolved external symbol",
                r"LNK(?:2001|2019): unresolved external symbol "
                r"(?P<symbol>\"[^\"\n]{1,300}\"|\S{1,300})",
                "error LNK2019: unresolved external symbol {symbol} referenced in function main",
            ),
        ),
        {"arch": "x86_64"},
    ),
    Family(
        "undeclared identifier",
        (
            _form(
                "was not declared",
                rf"'{NAME}' was not declared in this scope",
                "'{name}' was not declared in this scope",
            ),
            _form(
                "undeclared identifier",
                rf"use of undeclared identifier '{NAME}'",
                "use of undeclared identifier '{name}'",
            ),
            _form(
                "C2065",
                rf"C2065: '{NAME}': undeclared identifier",
                "error C2065: '{name}': undeclared identifier",
            ),
        ),
    ),
    Family(
        "unknown type name",
        (
            _form(
                "unknown type name", rf"unknown type name '{NAME}'", "unknown type name '{name}'"
            ),
            _form(
                "does not name a type",
                rf"(?<!namespace )'{NAME}' does not name a type",
                "'{name}' does not name a type",
            ),
        ),
    ),
    Family(
        "no type in a namespace",
        (
            _form(
                "no type named",
                rf"no type named '{NAME}' in namespace '(?P<namespace>[\w:]+)'",
                "no type named '{name}' in namespace '{namespace}'",
            ),
            _form(
                "in namespace",
                rf"'{NAME}' in namespace '(?P<namespace>[\w:]+)' does not name a type",
                "'{name}' in namespace '{namespace}' does not name a type",
            ),
        ),
    ),
    Family(
        "python module not installed",
        (
            _form(
                "ModuleNotFoundError",
                r"ModuleNotFoundError: No module named '(?P<module>[\w.]+)'",
                "ModuleNotFoundError: No module named '{module}'",
            ),
            _form(
                "ImportError: No module named",
                r"ImportError: No module named '?(?P<module>[\w.]+)'?$",
                "ImportError: No module named {module}",
            ),
        ),
    ),
    Family(
        "class file too new for the JVM",
        (
            _form(
                "Unsupported major.minor",
                r"(?:UnsupportedClassVersionError: (?P<cls>\S+) : )?"
                r"Unsupported major\.minor version (?P<class_version>[\d.]+)",
                "java.lang.UnsupportedClassVersionError: {cls} : Unsupported major.minor version "
                "{class_version}",
            ),
            _form(
                "more recent version of the Java Runtime",
                r"(?:UnsupportedClassVersionError: (?P<cls>\S+) )?has been compiled by a "
                r"more recent "
                r"version of the Java Runtime \(class file version "
                r"(?P<class_version>[\d.]+)\), this "
                r"version of the Java Runtime only recognizes class file versions up to "
                r"(?P<supported>[\d.]+)",
                "java.lang.UnsupportedClassVersionError: {cls} has been compiled by a more recent "
                "version of the Java Runtime (class file version {class_version}), "
                "this version of the "
                "Java Runtime only recognizes class file versions up to {supported}",
            ),
            _form(
                "class file has wrong version",
                r"class file has wrong version (?P<class_version>[\d.]+), "
                r"should be (?P<supported>[\d.]+)",
                "class file has wrong version {class_version}, should be {supported}",
            ),
        ),
        {"cls": "Main", "supported": "52.0"},
    ),
    Family(
        "javac does not support the release asked for",
        (
            _form(
                "invalid target release",
                r"invalid target release: (?P<release>[\w.]+)",
                "invalid target release: {release}",
            ),
            _form(
                "invalid source release",
                r"invalid source release: (?P<release>[\w.]+)",
                "invalid source release: {release}",
            ),
            _form(
                "not supported",
                r"error: release version (?P<release>[\w.]+) not supported",
                "error: release version {release} not supported",
            ),
        ),
    ),
    Family(
        "command not found",
        (
            _form(
                "command not found",
                rf"(?:\b(?:ba|k)?sh: |: line \d+: ){COMMAND}: command not found",
                "bash: {command}: command not found",
            ),
            _form("not found", rf"\bsh: \d+: {COMMAND}: not found", "sh: 1: {command}: not found"),
            _form(
                "zsh: command not found",
                rf"zsh: command not found: {COMMAND}",
                "zsh: command not found: {command}",
            ),
            _form(
                "is not recognized as an internal",
                rf"'{COMMAND}' is not recognized as an internal or external command",
                "'{command}' is not recognized as an internal or external command,",
            ),
            _form(
                "is not recognized as",
                rf"The term '{COMMAND}' is not recognized as (?:the |a )?name of a cmdlet",
                "The term '{command}' is not recognized as the name of a cmdlet, function, "
                "script file, or operable program.",
            ),
        ),
    ),
    Family(
        "script with Windows line endings",
        (
            _form(
                "^M: bad interpreter",
                rf"/(?P<shell>{SHELL}|env)\^M: bad interpreter",
                "/bin/{shell}^M: bad interpreter: No such file or directory",
            ),
            _form(
                "\\r",
                rf"env: '(?P<shell>{SHELL})\\r': No such file or directory",
                "/usr/bin/env: '{shell}\\r': No such file or directory",
            ),
            _form("$'\\r'", r"\$'\\r': command not found", "$'\\r': command not found"),
        ),
        {"shell": "bash"},
    ),
    Family(
        "go.mod needs a newer Go",
        (
            _form(
                "go.mod requires go",
                r"go\.mod requires go >= (?P<go_version>[\d.]+)"
                r"(?: \(running go (?P<running>[\d.]+))?",
                "go: go.mod requires go >= {go_version} (running go {running}; GOTOOLCHAIN=local)",
            ),
            _form(
                "must match format",
                r"invalid go version '(?P<go_version>\d+\.\d+\.\d+)': must "
                r"match format \d+\.\d+",
                "go.mod:3: invalid go version '{go_version}': must match format 1.23",
            ),
            _form(
                "module requires Go",
                r"note: module requires Go (?P<go_version>[\d.]+)",
                "note: module requires Go {go_version}",
            ),
            _form(
                "unknown directive: toolchain",
                r"go\.mod:\d+: unknown directive: toolchain",
                "go.mod:3: unknown directive: toolchain",
            ),
            # a standard package newer than the Go that runs (`crypto/ecdh` came with 1.20,
            # `slices` and `log/slog` with 1.21, `iter` with 1.23; Go 1.21 and later say
            # `is not in std`): a module written for that Go, built by an older one
            _form(
                " is not in ",
                r"package (?:cmp|slices|maps|log/slog|math/rand/v2|iter|unique|structs|weak"
                r"|crypto/ecdh|crypto/hkdf|crypto/pbkdf2|crypto/sha3|crypto/mlkem) "
                r"is not in (?:GOROOT|std)",
                "package slices is not in GOROOT (/usr/local/go/src/slices)",
                given=False,
            ),
        ),
        {"go_version": "1.21", "running": "1.20"},
    ),
    Family(
        "go.sum lacks an entry",
        (
            _form(
                "missing go.sum entry for module",
                r"missing go\.sum entry for module providing package (?P<package>[^\s;()]+)",
                "missing go.sum entry for module providing package {package}",
            ),
            _form(
                "missing go.sum entry;",
                r"(?<![\w.~/-])(?P<package>[\w.~/-]+)@[\w.+-]+: "
                r"missing go\.sum entry(?: for go\.mod file)?; "
                r"to add it:",
                "go: {package}@v0.0.0: missing go.sum entry; to add it:",
            ),
            _form(
                "missing go.sum entry needed to verify",
                r"missing go\.sum entry needed to verify package (?P<package>[^\s;()]+)",
                "missing go.sum entry needed to verify package {package} is provided by exactly "
                "one module; to add:",
            ),
        ),
        {"package": "example.com/module"},
    ),
    Family(
        "COPY source not in the build context",
        (
            _form(
                " failed: ",
                r"(?:COPY|ADD) failed: (?:file not found in build context or excluded "
                r"by \.dockerignore: )?stat (?P<path>\S+): (?:file does not exist|no "
                r"such file or directory)",
                "COPY failed: file not found in build context or excluded by .dockerignore: "
                "stat {path}: file does not exist",
            ),
            _form(
                "failed to calculate checksum",
                r"failed to calculate checksum of ref (?P<ref>[^\s:]*(?:::[^\s:]+)?): "
                r"\"(?P<path>[^\"\n]+)\": not found",
                "failed to compute cache key: failed to calculate checksum of ref {ref}: "
                '"{path}": not found',
            ),
            _form(
                "not found: not found",
                r"failed to compute cache key: \"(?P<path>[^\"\n]+)\" not "
                r"found: not found",
                'failed to compute cache key: "{path}" not found: not found',
            ),
        ),
        {"ref": "moby::0"},
    ),
    Family(
        "a process killed by SIGKILL (exit status 137)",
        (
            _form("137", r"\b(?:code|status) 137\b", "exit code 137"),
            # make's `*** [target] Error 137`: the recipe's exit status
            _form("Error 137", r"\] Error 137\b", "make: *** [all] Error 137"),
            # yarn's and npm's own words for it (Go's `signal: killed` is often a timeout)
            _form(
                "SIGKILL",
                r"\bsignal:? \"?SIGKILL\"?",
                'error Command failed with signal "SIGKILL".',
                given=False,
            ),
        ),
    ),
    Family(
        "git refuses a repository owned by another user",
        (
            _form(
                "dubious ownership",
                r"detected dubious ownership in repository at "
                r"'(?P<path>[^'\n]+)'",
                "fatal: detected dubious ownership in repository at '{path}'",
            ),
            _form(
                "unsafe repository",
                r"unsafe repository \('(?P<path>[^'\n]+)' is owned by "
                r"someone else\)",
                "fatal: unsafe repository ('{path}' is owned by someone else)",
            ),
        ),
    ),
    Family(
        "rustc cannot resolve a path",
        (
            _form(
                "undeclared crate or module",
                r"failed to resolve: use of undeclared crate or module `(?P<path>[^`\n]+)`",
                "error[E0433]: failed to resolve: use of undeclared crate or module `{path}`",
            ),
            _form(
                "unresolved module or unlinked crate",
                r"failed to resolve: use of unresolved module or unlinked crate "
                r"`(?P<path>[^`\n]+)`",
                "error[E0433]: failed to resolve: use of unresolved module or unlinked crate "
                "`{path}`",
            ),
            _form(
                "undeclared type or module",
                r"failed to resolve[.:] [Uu]se of undeclared type or module `(?P<path>[^`\n]+)`",
                "error[E0433]: failed to resolve: use of undeclared type or module `{path}`",
            ),
        ),
    ),
    Family(
        "a dependency needs a newer rustc",
        (
            _form(
                "cannot be built because it requires rustc",
                r"package `(?P<crate>[^`\s]+) v(?P<version>[^`\s]+)` cannot be built because it "
                r"requires rustc (?P<required>[\d.]+) or newer, while the currently active rustc "
                r"version is (?P<active>[\d.]+)",
                "package `{crate} v{version}` cannot be built because it requires rustc "
                "{required} or newer, while the currently active rustc version is {active}",
            ),
            _form(
                "is not supported by the following package",
                r"rustc (?P<active>[\d.]+) is not supported by the following packages?:\s*"
                r"(?P<crate>[\w-]+)@(?P<version>\S+) requires rustc (?P<required>[\d.]+)",
                "rustc {active} is not supported by the following package:\n  "
                "{crate}@{version} requires rustc {required}",
            ),
        ),
    ),
    Family(
        "ESLint 9 finds no flat config",
        (
            _form(
                "Could not find config file.",
                r"^(?:Error: )?Could not find config file\.$",
                "Could not find config file.",
            ),
            _form(
                "couldn't find an eslint.config",
                r"ESLint couldn't find an eslint\.config\.\(js\|mjs\|cjs\) file\.",
                "ESLint couldn't find an eslint.config.(js|mjs|cjs) file.",
            ),
        ),
    ),
    Family(
        "the lock file's Bundler is not installed",
        (
            _form(
                "Could not find 'bundler'",
                r"Could not find 'bundler' \((?P<version>[^)\n]+)\) required by",
                "Could not find 'bundler' ({version}) required by your Gemfile.lock.",
            ),
            _form(
                "can't find gem bundler",
                r"can't find gem bundler \((?P<version>[^)\n]+)\)",
                "can't find gem bundler ({version}) with executable bundle "
                "(Gem::GemNotFoundException)",
            ),
            _form(
                "Could not find gem 'bundler",
                r"Could not find gem 'bundler \((?:[=~<>!]+ )?(?P<version>[^)\n]+)\)' in",
                "Could not find gem 'bundler ({version})' in any of the relevant sources",
            ),
            # Bundler 1 resolving a Gemfile that pins another Bundler
            _form(
                'compatible versions for gem "bundler"',
                r"Bundler could not find compatible versions for gem \"bundler\":"
                r"[\s\S]{0,600}?bundler \((?:[=~<>!]+ )?(?P<version>\d[\w.]*)\)[\s\S]{0,200}?"
                r"Current Bundler version:",
                'Bundler could not find compatible versions for gem "bundler":\n  In Gemfile:\n'
                "    bundler (= {version})\n\n  Current Bundler version:\n    bundler (0.0.1)\n"
                "This Gemfile requires a different version of Bundler.",
                given=False,
            ),
        ),
    ),
    Family(
        "mypy: a library has no stubs",
        (
            _form(
                "Library stubs not installed",
                r"Library stubs not installed for \"(?P<module>[\w.]+)\"",
                'error: Library stubs not installed for "{module}"',
            ),
            _form(
                "No library stub file",
                r"No library stub file for module '(?P<module>[\w.]+)'",
                "error: No library stub file for module '{module}'",
            ),
        ),
    ),
    Family(
        "ESLint parses ES modules as scripts",
        (
            _form(
                "is reserved",
                r"Parsing error: The keyword '(?P<keyword>import|export)' is reserved",
                "Parsing error: The keyword '{keyword}' is reserved",
            ),
            _form(
                "sourceType: module",
                r"Parsing error: 'import' and 'export' may appear only with 'sourceType: module'",
                "Parsing error: 'import' and 'export' may appear only with 'sourceType: module'",
            ),
            _form(
                "Illegal ",
                r"Parsing error: Illegal (?P<keyword>import|export) declaration",
                "Parsing error: Illegal {keyword} declaration",
            ),
        ),
        {"keyword": "import"},
    ),
    Family(
        "ESLint finds no .eslintrc",
        (
            _form(
                "No ESLint configuration found",
                r"No ESLint configuration found",
                "Error: No ESLint configuration found.",
            ),
            _form(
                "couldn't find a configuration file",
                r"ESLint couldn't find a configuration file\.",
                "ESLint couldn't find a configuration file.",
            ),
        ),
    ),
    Family(
        "ESLint cannot load a plugin",
        (
            _form(
                "couldn't find the plugin",
                r"ESLint couldn't find the plugin \"(?P<plugin>[^\"\n]+)\"",
                'ESLint couldn\'t find the plugin "{plugin}".',
            ),
            _form(
                "Failed to load plugin",
                r"Failed to load plugin '[^'\n]+' declared in '[^'\n]+': Cannot find module "
                r"'(?P<plugin>[^'\n]+)'",
                "Failed to load plugin '{plugin}' declared in '.eslintrc': Cannot find module "
                "'{plugin}'",
            ),
        ),
    ),
    Family(
        "ESLint cannot load a shared config",
        (
            _form(
                "to extend from",
                r"ESLint couldn't find the config \"(?P<config>[^\"\n]+)\" to extend from",
                'ESLint couldn\'t find the config "{config}" to extend from.',
            ),
            _form(
                "Failed to load config",
                r"Failed to load config \"(?P<config>[^\"\n]+)\" to extend from",
                'Failed to load config "{config}" to extend from.',
            ),
        ),
    ),
    Family(
        "Jest cannot parse a file",
        (
            _form(
                "Jest encountered an unexpected token",
                r"Jest encountered an unexpected token",
                "Jest encountered an unexpected token",
            ),
            _form(
                "Jest failed to parse a file",
                r"Jest failed to parse a file\.",
                "Jest failed to parse a file. This happens e.g. when your code or its "
                "dependencies use non-standard JavaScript syntax",
            ),
        ),
    ),
    Family(
        "ES module syntax where CommonJS runs",
        (
            _form(
                "Cannot use import statement outside a module",
                r"SyntaxError: Cannot use import statement outside a module",
                "SyntaxError: Cannot use import statement outside a module",
            ),
            _form(
                "Unexpected token ",
                r"SyntaxError: Unexpected token '?(?P<keyword>import|export)\b",
                "SyntaxError: Unexpected token {keyword}",
            ),
        ),
        {"keyword": "import"},
    ),
    Family(
        "Node cannot find a package",
        (
            _form(
                "Error: Cannot find module",
                r"Error: Cannot find module '(?P<specifier>[^'\n]+)'",
                "Error: Cannot find module '{specifier}'",
            ),
            _form(
                "ERR_MODULE_NOT_FOUND",
                r"\[ERR_MODULE_NOT_FOUND\]: Cannot find (?:package|module) "
                r"'(?P<specifier>[^'\n]+)' "
                r"imported from",
                "Error [ERR_MODULE_NOT_FOUND]: Cannot find package '{specifier}' imported from "
                "index.js",
            ),
        ),
    ),
    Family(
        "npm refuses a peer-dependency conflict",
        (
            _form(
                "unable to resolve dependency tree",
                r"ERESOLVE unable to resolve dependency tree",
                "npm ERR! ERESOLVE unable to resolve dependency tree",
            ),
            _form(
                "ERESOLVE could not resolve",
                r"ERESOLVE could not resolve",
                "npm ERR! ERESOLVE could not resolve",
            ),
        ),
    ),
    Family(
        "npm ci: package.json and the lock file disagree",
        (
            _form(
                "can only install packages when your package.json",
                r"(?:`npm ci`|cipm) can only install packages when your package\.json and "
                r"package-lock\.json (?:or npm-shrinkwrap\.json )?are in sync",
                "npm ERR! `npm ci` can only install packages when your package.json and "
                "package-lock.json or npm-shrinkwrap.json are in sync.",
            ),
            _form(
                "cipm can only install",
                r"cipm can only install packages",
                "npm ERR! cipm can only install packages when your package.json and "
                "package-lock.json or npm-shrinkwrap.json are in sync.",
            ),
        ),
    ),
    Family(
        "npm: a package's engines field rejects this Node",
        (
            _form(
                "Unsupported engine for",
                r"ERR! notsup Unsupported engine for (?P<package>\S+?): wanted: \{\"node\":"
                r"\"(?P<wanted>[^\"\n]+)\"\} \(current: \{\"node\":\"(?P<current>[^\"\n]+)\"",
                "npm ERR! code ENOTSUP\n"
                'npm ERR! notsup Unsupported engine for {package}: wanted: {{"node":"{wanted}"}} '
                '(current: {{"node":"{current}"}})',
            ),
            _form(
                "EBADENGINE",
                r"code EBADENGINE",
                "npm ERR! code EBADENGINE\nnpm ERR! engine Unsupported engine",
            ),
        ),
        {"package": "package@0.0.0", "wanted": ">=0", "current": "0.0.0"},
    ),
    Family(
        "yarn: the lock file needs an update but may not change",
        (
            _form(
                "--frozen-lockfile",
                r"Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`",
                "error Your lockfile needs to be updated, but yarn was run with "
                "`--frozen-lockfile`.",
            ),
            _form(
                "explicitly forbidden",
                r"The lockfile would have been (?:modified|created) by this install, which is "
                r"explicitly forbidden",
                "YN0028: The lockfile would have been modified by this install, which is "
                "explicitly forbidden.",
            ),
        ),
    ),
    Family(
        "pip finds no distribution for a requirement",
        (
            _form(
                "ERROR: No matching distribution",
                r"ERROR: No matching distribution found for (?P<requirement>\S+)",
                "ERROR: No matching distribution found for {requirement}",
            ),
            _form(
                "No matching distribution",
                r"^No matching distribution found for (?P<requirement>\S+)",
                "No matching distribution found for {requirement}",
            ),
        ),
    ),
    Family(
        "pytest: a marker is not registered",
        (
            _form(
                "configuration option",
                r"'(?P<marker>\w+)' not found in `markers` configuration option",
                "'{marker}' not found in `markers` configuration option",
            ),
            _form(
                "not a registered marker",
                r"'(?P<marker>\w+)' not a registered marker",
                "'{marker}' not a registered marker",
            ),
        ),
    ),
    Family(
        "Python cannot import a name from a module",
        (
            _form(
                "cannot import name",
                r"ImportError: cannot import name '(?P<name>\w+)' from '(?P<module>[\w.]+)'",
                "ImportError: cannot import name '{name}' from '{module}'",
            ),
            _form(
                "ImportError: cannot import name",
                r"ImportError: cannot import name '?(?P<name>\w+)'?$",
                "ImportError: cannot import name {name}",
            ),
        ),
        {"module": "module"},
    ),
    Family(
        "Go: no module provides a package",
        (
            _form(
                "no required module provides package",
                r"no required module provides package (?P<package>[^\s;]+)",
                "no required module provides package {package}; to add it:",
            ),
            _form(
                "cannot find module providing package",
                r"cannot find module providing package (?P<package>\S+)",
                "cannot find module providing package {package}",
            ),
        ),
    ),
    Family(
        "Go: an import is not used",
        (
            _form(
                "imported and not used: ",
                r"imported and not used: \"(?P<package>[^\"\n]+)\"",
                'imported and not used: "{package}"',
            ),
            _form(
                '" imported and not used',
                r"\"(?P<package>[^\"\n]+)\" imported and not used",
                '"{package}" imported and not used',
            ),
        ),
    ),
    Family(
        "Go: a variable is not used",
        (
            _form(
                "declared but not used",
                r"\b(?P<name>\w+) declared but not used",
                "{name} declared but not used",
            ),
            _form(
                "declared and not used: ",
                r"declared and not used: (?P<name>\w+)",
                "declared and not used: {name}",
            ),
        ),
    ),
    Family(
        "Cargo.lock written by a newer cargo",
        (
            _form(
                "-Znext-lockfile-bump",
                r"lock file version `?(?P<format>\d+)`? requires `-Znext-lockfile-bump`",
                "lock file version {format} requires `-Znext-lockfile-bump`",
            ),
            _form(
                "does not understand this lock file",
                r"lock file version `?(?P<format>\d+)`? was found, but this version of Cargo does "
                r"not understand this lock file",
                "lock file version `{format}` was found, but this version of Cargo does not "
                "understand this lock file, perhaps Cargo needs to be updated?",
            ),
            _form(
                "invalid Cargo.lock format version",
                r"invalid Cargo\.lock format version: `?(?P<format>\d+)`?",
                "invalid Cargo.lock format version: `{format}`",
            ),
        ),
        {"format": "4"},
    ),
    Family(
        "Kotlin: an unresolved reference",
        (
            _form(
                "Unresolved reference: ",
                r"Unresolved reference: (?P<name>\w+)",
                "Unresolved reference: {name}",
            ),
            _form(
                "Unresolved reference '",
                r"Unresolved reference '(?P<name>\w+)'",
                "Unresolved reference '{name}'.",
            ),
        ),
    ),
    Family(
        "Swift: an identifier not in scope",
        (
            _form(
                "in scope",
                r"cannot find '(?P<name>\w+)' in scope",
                "error: cannot find '{name}' in scope",
            ),
            _form(
                "use of unresolved identifier",
                r"use of unresolved identifier '(?P<name>\w+)'",
                "error: use of unresolved identifier '{name}'",
            ),
        ),
    ),
    Family(
        "PHP: a class is not found",
        (
            _form("' not found", r"Class '(?P<cls>[\w\\]+)' not found", "Class '{cls}' not found"),
            _form(
                '" not found', r"Class \"(?P<cls>[\w\\]+)\" not found", 'Class "{cls}" not found'
            ),
        ),
    ),
    Family(
        "C++: not a member of a namespace",
        (
            _form(
                "is not a member of",
                rf"'{NAME}' is not a member of '(?P<namespace>[\w:]+)'",
                "'{name}' is not a member of '{namespace}'",
            ),
            _form(
                "no member named",
                rf"no member named '{NAME}' in (?:namespace )?'(?P<namespace>[\w:]+)'",
                "no member named '{name}' in namespace '{namespace}'",
            ),
            _form(
                "C2039",
                rf"C2039: '{NAME}': is not a member of '(?P<namespace>[\w:]+)'",
                "error C2039: '{name}': is not a member of '{namespace}'",
            ),
        ),
    ),
    Family(
        "a symbol defined twice at link time",
        (
            _form(
                "multiple definition of",
                rf"multiple definition of [`']{SYMBOL}'",
                "multiple definition of `{symbol}'",
            ),
            _form(
                "duplicate symbol",
                rf"(?:ld(?:\.lld)?|lld-link|wasm-ld|rust-lld): error: duplicate symbol: {SYMBOL}$",
                "ld.lld: error: duplicate symbol: {symbol}",
            ),
            _form(
                "already defined in",
                r"LNK2005: (?P<symbol>\S{1,300}) already defined in",
                "error LNK2005: {symbol} already defined in main.obj",
            ),
        ),
    ),
    Family(
        "CMake finds no package configuration",
        (
            _form(
                "Could not find a package configuration file",
                r"Could not find a package configuration file provided by "
                r"\"(?P<cmake_package>[\w.+-]+)\"",
                'Could not find a package configuration file provided by "{cmake_package}"',
            ),
            _form(
                "or a configuration file for package",
                r"Could not find module Find(?P<cmake_package>[\w.+-]+)\.cmake "
                r"or a configuration file "
                r"for package",
                "Could not find module Find{cmake_package}.cmake "
                "or a configuration file for package "
                "{cmake_package}.",
            ),
        ),
    ),
    Family(
        "a registry refuses a push",
        (
            _form(
                "requested access to the resource is denied",
                r"denied: requested access to the resource is denied",
                "denied: requested access to the resource is denied",
            ),
        ),
    ),
    Family(
        "the Docker daemon is not running",
        (
            _form(
                "Is the docker daemon running",
                r"Cannot connect to the Docker daemon at \S+?\.? Is the docker daemon running\?",
                "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the "
                "docker daemon running?",
            ),
            _form(
                "may indicate that the docker daemon is not running",
                r"This error may indicate that the docker daemon is not running",
                "error during connect: This error may indicate that the docker daemon is not "
                "running.",
            ),
            _form(
                "pipe/docker_engine",
                r"open //\./pipe/docker_engine: The system cannot find the file specified",
                "open //./pipe/docker_engine: The system cannot find the file specified.",
            ),
        ),
    ),
    Family(
        "git push with a token that may not write",
        (
            _form(
                " denied to ",
                r"Permission to (?P<repository>[\w.-]+/[\w.-]+?)(?:\.git)? denied to "
                r"(?P<user>[\w.-]+(?:\[bot\])?)",
                "remote: Permission to {repository}.git denied to {user}.",
            ),
            _form(
                "Write access to repository not granted",
                r"Write access to repository not granted",
                "remote: Write access to repository not granted.",
            ),
        ),
        {"repository": "owner/repository", "user": "github-actions[bot]"},
    ),
    Family(
        "a retired version of the artifact actions",
        (
            _form(
                "-artifact: v3",
                r"uses a deprecated version of `actions/(?P<action>upload|download)-artifact: v3`",
                "This request has been automatically failed because it uses a deprecated "
                "version of `actions/{action}-artifact: v3`.",
            ),
            # v1 and v2 were retired with it, in the same words
            _form(
                "uses a deprecated version of `actions/",
                r"uses a deprecated version of `actions/(?P<action>upload|download)-artifact: "
                r"v[12]`",
                "This request has been automatically failed because it uses a deprecated "
                "version of `actions/{action}-artifact: v2`.",
                given=False,
            ),
        ),
        {"action": "upload"},
    ),
    Family(
        "an action runs on a deprecated Node",
        (
            _form(
                "actions are deprecated",
                r"Node\.js (?P<old>\d+) actions are deprecated\. Please update the following "
                r"actions to use Node\.js (?P<new>\d+)",
                "Node.js {old} actions are deprecated. Please update the following actions to "
                "use Node.js {new}",
            ),
            _form(
                "will be forced to run on node",
                r"The following actions uses? (?:a deprecated Node\.js version|node(?P<old>\d+) "
                r"which is deprecated) and will be forced to run on node(?P<new>\d+)",
                "The following actions uses node{old} which is deprecated and will be forced to "
                "run on node{new}",
            ),
        ),
        {"old": "16", "new": "20"},
    ),
    Family(
        "the runner's disk is full",
        (
            _form(
                "No space left on device",
                r"No space left on device",
                "No space left on device",
            ),
            _form(
                "running out of disk space",
                r"You are running out of disk space",
                "You are running out of disk space. The runner will stop working when the "
                "machine runs out of disk space.",
            ),
        ),
    ),
    Family(
        "a script is not executable",
        (
            _form(
                ": Permission denied",
                r"(?:^|\b(?:ba|z|da|k)?sh: (?:line \d+: |\d+: )?|: line \d+: )"
                r"(?P<script>\.{1,2}/[\w./-]+): Permission denied",
                "bash: {script}: Permission denied",
            ),
            _form(
                "fork/exec",
                r"fork/exec (?P<script>\.{1,2}/[\w./-]+): permission denied",
                "fork/exec {script}: permission denied",
            ),
            _form(
                '": permission denied',
                r"exec: \"(?P<script>\.{0,2}/[\w./-]+)\": permission denied",
                'exec: "{script}": permission denied',
            ),
        ),
    ),
    Family(
        "rustc finds no C linker",
        (
            _form(
                "not found",
                r"error: linker `(?P<linker>cc|gcc|clang)` not found",
                "error: linker `{linker}` not found",
            ),
        ),
        {"linker": "cc"},
    ),
    Family(
        "Node runs out of heap",
        (
            _form(
                "Reached heap limit",
                r"FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of "
                r"memory",
                "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
            ),
            _form(
                "Ineffective mark-compacts near heap limit",
                r"FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - "
                r"JavaScript heap out of memory",
                "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - "
                "JavaScript heap out of memory",
            ),
            # V8 names the allocation that failed, and older releases named others
            # (`CALL_AND_RETRY_LAST`, `MarkCompactCollector: young object promotion failed`)
            _form(
                "Allocation failed - JavaScript heap out of memory",
                r"FATAL ERROR: [^\n]{1,120}? Allocation failed - JavaScript heap out of memory",
                "FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of "
                "memory",
                given=False,
            ),
        ),
    ),
    Family(
        "require() of an ES module",
        (
            _form(
                "require() of ES Module",
                r"\[ERR_REQUIRE_ESM\]: require\(\) of ES Module (?P<path>\S+)",
                "Error [ERR_REQUIRE_ESM]: require() of ES Module {path} not supported.",
            ),
            # Node 12 and 13
            _form(
                "Must use import to load ES Module",
                r"\[ERR_REQUIRE_ESM\]: Must use import to load ES Module: (?P<path>\S+)",
                "Error [ERR_REQUIRE_ESM]: Must use import to load ES Module: {path}",
            ),
        ),
    ),
    Family(
        "TypeScript cannot resolve a module",
        (
            _form(
                "or its corresponding type declarations",
                r"TS2307: Cannot find module '(?P<specifier>[^'\n]+)' or its corresponding type "
                r"declarations",
                "error TS2307: Cannot find module '{specifier}' or its corresponding type "
                "declarations.",
            ),
            # TypeScript before 4.0
            _form(
                "TS2307: Cannot find module",
                r"TS2307: Cannot find module '(?P<specifier>[^'\n]+)'\.?$",
                "error TS2307: Cannot find module '{specifier}'.",
            ),
            # ts-loader and fork-ts-checker print the code without tsc's `error`
            _form(
                "TS2307",
                r"(?<!error )TS2307: Cannot find module '(?P<specifier>[^'\n]+)'",
                "TS2307: Cannot find module '{specifier}'",
                given=False,
            ),
        ),
    ),
    Family(
        "javac cannot find a symbol",
        (
            _form(
                "error: cannot find symbol",
                r"error: cannot find symbol",
                "error: cannot find symbol",
            ),
            # Maven's compiler plugin puts the place in brackets and drops javac's `error:`
            _form(
                "] cannot find symbol",
                r"\.java:\[\d+,\d+\] cannot find symbol$",
                "[ERROR] /src/main/java/App.java:[1,1] cannot find symbol",
            ),
        ),
    ),
    Family(
        "Gradle cannot resolve a configuration",
        tuple(
            _form(
                f"Could not resolve all {what} for configuration",
                rf"Could not resolve all {what} for configuration '(?P<configuration>[^'\n]+)'",
                f"Could not resolve all {what} for configuration '{{configuration}}'.",
            )
            # Gradle 7 and later resolve task dependencies and artifacts of a configuration
            # apart from its graph, and say which failed
            for what in ("dependencies", "files", "task dependencies", "artifacts")
        ),
        {"configuration": ":app:debugRuntimeClasspath"},
    ),
    Family(
        "CMake finds no C++ compiler",
        (
            _form(
                "No CMAKE_CXX_COMPILER could be found",
                r"No CMAKE_CXX_COMPILER could be found",
                "No CMAKE_CXX_COMPILER could be found.",
            ),
            # CMake 2
            _form(
                "CMAKE_CXX_COMPILER-NOTFOUND",
                r"your CXX compiler: \"CMAKE_CXX_COMPILER-NOTFOUND\" was not found",
                'CMake Error: your CXX compiler: "CMAKE_CXX_COMPILER-NOTFOUND" was not found.',
            ),
            # a compiler named by CXX or a toolchain file that is not installed
            _form(
                "is not a full path and was not found in the PATH",
                r"The CMAKE_CXX_COMPILER:\s+\S+\s+is not a full path and was not found in the PATH",
                "The CMAKE_CXX_COMPILER:\n\n    g++\n\n  is not a full path and was not found "
                "in the PATH.",
            ),
        ),
    ),
    Family(
        "Bundler may not update a frozen lock file",
        (
            _form(
                "You are trying to install in deployment mode after changing",
                r"You are trying to install in deployment mode after changing\s+your Gemfile",
                "You are trying to install in deployment mode after changing\nyour Gemfile. Run "
                "`bundle install` elsewhere and add the\nupdated Gemfile.lock to version control.",
            ),
            # Bundler 2.4 and later say what changed
            _form(
                "but the lockfile can't be updated because frozen mode is set",
                r"but the lockfile can't be updated because frozen mode is set",
                "The dependencies in your gemfile changed, but the lockfile can't be updated "
                "because frozen mode is set",
            ),
        ),
    ),
    Family(
        "a gem's native extension does not build",
        (
            _form(
                "BuildError: ERROR: Failed to build gem native extension",
                r"BuildError: ERROR: Failed to build gem native extension",
                "Gem::Ext::BuildError: ERROR: Failed to build gem native extension.",
            ),
            # `gem install`, and RubyGems before 2.2 naming its error class last
            _form(
                "ERROR: Failed to build gem native extension",
                r"ERROR: Failed to build gem native extension",
                "ERROR: Failed to build gem native extension.",
                given=False,
            ),
        ),
    ),
    Family(
        "the .NET SDK cannot target the framework",
        (
            _form(
                "NETSDK1045",
                r"NETSDK1045: The current \.NET SDK does not support targeting \.NET "
                r"(?P<target>\d+(?:\.\d+)*)",
                "error NETSDK1045: The current .NET SDK does not support targeting .NET {target}.",
            ),
            # .NET Core 3.1 and before, and .NET Standard
            _form(
                "does not support targeting .NET ",
                r"The current \.NET SDK does not support targeting \.NET (?P<kind>Core|Standard) "
                r"(?P<target>\d+(?:\.\d+)*)",
                "error NETSDK1045: The current .NET SDK does not support targeting .NET {kind} "
                "{target}.",
            ),
        ),
        {"target": "8.0", "kind": "Core"},
    ),
    Family(
        "Docker Hub's pull rate limit",
        (
            _form(
                "You have reached your pull rate limit",
                r"toomanyrequests: You have reached your pull rate limit",
                "toomanyrequests: You have reached your pull rate limit. You may increase the "
                "limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
            ),
            # since 2025
            _form(
                "You have reached your unauthenticated pull rate limit",
                r"toomanyrequests: You have reached your unauthenticated pull rate limit",
                "toomanyrequests: You have reached your unauthenticated pull rate limit. "
                "https://www.docker.com/increase-rate-limit",
            ),
        ),
    ),
    Family(
        "poetry.lock does not match pyproject.toml",
        (
            _form(
                "changed significantly since poetry.lock was last generated",
                r"pyproject\.toml changed significantly since poetry\.lock was last generated",
                "pyproject.toml changed significantly since poetry.lock was last generated. Run "
                "`poetry lock [--no-update]` to fix the lock file.",
            ),
            # Poetry before 1.8 (a warning then, an error for `poetry check --lock`)
            _form(
                "poetry.lock is not consistent with pyproject.toml",
                r"poetry\.lock is not consistent with pyproject\.toml",
                "Warning: poetry.lock is not consistent with pyproject.toml. You may be getting "
                "improper dependencies. Run `poetry lock [--no-update]` to fix it.",
            ),
            # Poetry 1.1
            _form(
                "The lock file is not up to date with the latest changes in pyproject.toml",
                r"The lock file is not up to date with the latest changes in pyproject\.toml",
                "Warning: The lock file is not up to date with the latest changes in "
                "pyproject.toml. You may be getting outdated dependencies.",
            ),
        ),
    ),
    Family(
        "pip may not install into a system Python",
        (
            _form(
                "externally-managed-environment",
                r"^error: externally-managed-environment",
                "error: externally-managed-environment",
            ),
            # uv says it of the interpreter
            _form(
                "is externally managed, and indicates the following",
                r"The interpreter at \S+ is externally managed, and indicates the following",
                "error: The interpreter at /usr is externally managed, and indicates the "
                "following:",
            ),
        ),
    ),
    Family(
        "a variable that is not set, under set -u",
        (
            _form(
                ": unbound variable",
                r"(?<!\w)(?P<variable>\w{1,200}): unbound variable$",
                "bash: line 1: {variable}: unbound variable",
            ),
            # dash (Debian's and Ubuntu's sh) and zsh
            _form(
                ": parameter not set",
                r"(?<!\w)(?P<variable>\w{1,200}): parameter not set$",
                "sh: 1: {variable}: parameter not set",
            ),
        ),
    ),
    Family(
        "apt cannot fetch a package the mirror no longer has",
        (
            _form(
                "Failed to fetch",
                r"Failed to fetch (?P<url>\S+)\s+404\s+Not Found",
                "E: Failed to fetch {url}  404  Not Found",
            ),
            # each download's own line, above apt's summary (or without it, cut off); a
            # repository's missing Release file is a repository gone, not a package
            _form(
                "404  Not Found",
                r"^Err:?\d* (?P<url>https?://\S+)(?:[ \t][^\n]*)?(?<!Release)\n\s+404\s+Not Found",
                "Err:1 {url} focal-updates/main amd64 libc6 2.31\n  404  Not Found",
            ),
        ),
    ),
    Family(
        "NuGet finds no package of that name",
        (
            _form(
                "NU1101",
                r"NU1101: Unable to find package (?P<nuget_package>[\w.-]+)\. No packages exist "
                r"with this id in source\(s\): (?P<sources>[^\n]+)",
                "error NU1101: Unable to find package {nuget_package}. No packages exist with this "
                "id in source(s): {sources}",
            ),
            # nuget.exe restoring packages.config
            _form(
                "of package '",
                r"Unable to find version '[^'\n]+' of package '(?P<nuget_package>[\w.-]+)'",
                "Unable to find version '1.0.0' of package '{nuget_package}'.",
                given=False,
            ),
        ),
        {"sources": "nuget.org"},
    ),
    Family(
        "Jest runs a DOM test outside jsdom",
        (
            _form(
                'Consider using the "jsdom" test environment',
                r'Consider using the "jsdom" test environment',
                'Consider using the "jsdom" test environment.',
            ),
            # Jest before 27 printed no hint: a browser global missing in a test's stack
            _form(
                " is not defined",
                r"ReferenceError: (?:document|window|navigator|localStorage|sessionStorage) is "
                r"not defined(?=[\s\S]{0,4000}?(?:jest-circus|jest-jasmine|jest-runtime"
                r"|@testing-library/))",
                "ReferenceError: document is not defined\n    at render "
                "(node_modules/@testing-library/react/dist/pure.js:83:5)",
                given=False,
            ),
        ),
    ),
    Family(
        "a workflow names an action that cannot be found",
        (
            _form(
                "Unable to resolve action",
                r"Unable to resolve action `(?P<repo>[^`@\n]+)@(?P<ref>[^`\n]+)`, "
                r"(?:unable to find version `[^`\n]+`|repository not found)",
                "Error: Unable to resolve action `{repo}@{ref}`, unable to find version `{ref}`",
            ),
            # the runner before 2.275 (2020), and its retries
            _form(
                "An action could not be found at the URI",
                r"An action could not be found at the URI "
                r"'https://api\.github\.com/repos/(?P<repo>[^/\s']+/[^/\s']+)/tarball/"
                r"(?P<ref>[^'\s]+)'",
                "An action could not be found at the URI "
                "'https://api.github.com/repos/{repo}/tarball/{ref}'",
            ),
            _form(
                "Failed to download action",
                r"Failed to download action 'https://api\.github\.com/repos/"
                r"(?P<repo>[^/\s']+/[^/\s']+)/tarball/(?P<ref>[^'\s]+)'\. Error Response status "
                r"code does not indicate success: 404",
                "Failed to download action 'https://api.github.com/repos/{repo}/tarball/{ref}'. "
                "Error Response status code does not indicate success: 404 (Not Found).",
                given=False,
            ),
        ),
        {"repo": "actions/checkout", "ref": "v4"},
    ),
    Family(
        "openssl-sys finds no OpenSSL",
        (
            _form(
                "Could not find directory of OpenSSL installation",
                r"Could not find directory of OpenSSL installation",
                "Could not find directory of OpenSSL installation, and this `-sys` crate cannot "
                "proceed without this knowledge.",
            ),
            _form(
                "required by crate `openssl-sys` was not found",
                r"The system library `openssl` required by crate `openssl-sys` was not found",
                "The system library `openssl` required by crate `openssl-sys` was not found.",
            ),
            # older openssl-sys builds stop where pkg-config itself is missing
            _form(
                "--cflags",
                r"pkg-config\\?\"? \\?\"?--libs\\?\"? \\?\"?--cflags\\?\"? \\?\"?openssl\b",
                'run pkg_config fail: "Failed to run `"pkg-config" "--libs" "--cflags" "openssl"`"',
                given=False,
            ),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Sibling:
    """A message with another cause that shares a family's words: no spell of that family
    is offered for it by words or meaning alone (a spell whose pattern matches it still is:
    its curator said so)."""

    family: str
    literal: str
    regex: re.Pattern[str]
    # What the message's lines or those printed around it show, when the message is the
    # family's very words and only its surroundings tell the other cause
    around: re.Pattern[str] | None = None


def _sibling(family: str, literal: str, regex: str, *, around: str | None = None) -> Sibling:
    return Sibling(
        family,
        literal,
        re.compile(regex, re.MULTILINE),
        None if around is None else re.compile(around, re.MULTILINE),
    )


# pip's words when its package index could not be reached at all.
PIP_INDEX_UNREACHABLE = (
    r"Could not fetch URL \S+: (?:There was a problem confirming the ssl certificate"
    r"|connection error)|SSL module (?:in Python )?is not available|CERTIFICATE_VERIFY_FAILED"
    r"|Failed to establish a new connection|ProxyError|Temporary failure in name resolution"
    r"|Name or service not known|Max retries exceeded with url"
)

SIBLINGS: tuple[Sibling, ...] = (
    # Jest's resolver on a path (relative, an alias like `@/`) or a stylesheet or image: a
    # `moduleNameMapper` or `roots` it lacks, not a package Node cannot find (a bare name
    # may be one, and stays the Node spell's)
    _sibling(
        "Node cannot find a package",
        "' from '",
        r"^[ \t]*Cannot find module '(?:(?:\.{1,2}|[@~#])/[^'\n]*"
        r"|[^'\n]+\.(?:css|scss|sass|less|svg"
        r"|png|jpe?g|gif|webp|woff2?|ttf))' from '[^'\n]+'",
    ),
    # the user may not use Docker's socket: the daemon runs
    _sibling(
        "the Docker daemon is not running",
        "permission denied while trying to connect to the Docker daemon",
        r"permission denied while trying to connect to the Docker daemon",
    ),
    # a shared config named in `extends` is missing, not the project's own config
    *(
        _sibling(
            family,
            "to extend from",
            r"(?:couldn't find|Failed to load) the config "
            r"\"[^\"\n]+\" to extend from|Failed to load config \"[^\"\n]+\" to extend from",
        )
        for family in ("ESLint finds no .eslintrc", "ESLint 9 finds no flat config")
    ),
    # a system library the extension needs, not a Python module
    _sibling(
        "python module not installed",
        "cannot open shared object file",
        r"ImportError: [^\n]*cannot open shared object file",
    ),
    # ... nor a name a module lacks
    _sibling(
        "Python cannot import a name from a module",
        "cannot open shared object file",
        r"ImportError: [^\n]*cannot open shared object file",
    ),
    # a circular import inside a package (its module is dotted): the name exists, the
    # package imports itself in the wrong order (a top-level module may be a file of the
    # project shadowing the package, and stays the family's)
    _sibling(
        "Python cannot import a name from a module",
        "partially initialized module",
        r"cannot import name '\w+' from partially initialized module '\w+(?:\.\w+)+'",
    ),
    # pip could not reach its index (no SSL module, a certificate, a proxy, DNS): it then
    # finds no version and no distribution of anything, which names none that is missing
    *(
        _sibling(
            "pip finds no distribution for a requirement",
            message,
            re.escape(message),
            around=PIP_INDEX_UNREACHABLE,
        )
        for message in (
            "No matching distribution found for",
            "Could not find a version that satisfies the requirement",
        )
    ),
    # a pull of an image that does not exist (or is private), not a push the registry refuses
    _sibling(
        "a registry refuses a push",
        "pull access denied for",
        r"pull access denied for \S+, repository does not exist",
    ),
    # Gradle could resolve the artifacts and then not use them (a transform, AGP's jetifier
    # on a new JDK), or found no variant of a project of the build: no repository lacks them
    *(
        _sibling("Gradle cannot resolve a configuration", literal, re.escape(literal))
        for literal in (
            "Failed to transform",
            "No matching variant of",
            "Could not resolve project :",
        )
    ),
    # MSVC's linker is missing (Visual Studio's C++ tools), not a Unix C compiler
    _sibling("rustc finds no C linker", "link.exe", r"linker `link\.exe` not found"),
    # a shebang naming its interpreter without the leading slash (`#!bin/bash`): no carriage
    # return in it
    _sibling(
        "script with Windows line endings",
        "bad interpreter",
        r": (?:[\w.-]+/)*[\w.-]+: bad interpreter: No such file or directory",
    ),
    # a source file given to the compiler is missing, not a header it includes
    _sibling(
        "missing header",
        "No such file or directory",
        r"(?:cc1(?:plus)?|gcc|g\+\+|clang(?:\+\+)?): (?:fatal )?error: "
        r"\S+\.(?:c|cc|cpp|cxx|m|mm|s|S): No such file or directory",
    ),
    # a module's checksum changed: not an entry go.sum lacks
    _sibling("go.sum lacks an entry", "checksum mismatch", r"verifying \S+: checksum mismatch"),
)


# npm 10 prints `npm error` where npm 9 and before printed `npm ERR!`: the whole report
# changes its prefix, so the whole text is given in the other one.
NPM_PREFIXES = ("npm ERR! ", "npm error ")

LITERALS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [form.literal for family in FAMILIES for form in family.forms]
        + [sibling.literal for sibling in SIBLINGS]
        + list(NPM_PREFIXES)
    )
)
LITERAL_SET = PatternSet([(key, re.escape(literal)) for key, literal in enumerate(LITERALS)])

# What a family's fields hold in real messages, for telling which spells are a family's:
# a pattern written for one real message (`\.h` at a header's end, a package's letters)
# must meet a value it accepts.
SAMPLES: Mapping[str, tuple[str, ...]] = {
    "header": ("openssl/ssl.h", "zlib.h", "filesystem", "boost/asio.hpp"),
    "url": ("http://archive.ubuntu.com/ubuntu/pool/main/l/linux/linux-libc-dev_5.4.0_amd64.deb",),
    "variable": ("GITHUB_TOKEN", "1"),
    "nuget_package": ("Newtonsoft.Json", "Microsoft.UI.Xaml"),
    "repo": ("actions/checkout", "docker/build-push-action"),
    "ref": ("v4", "main"),
    "configuration": (":app:debugRuntimeClasspath",),
    "target": ("8.0", "3.1"),
    "module": ("requests", "yaml", "numpy.core"),
    "specifier": ("lodash", "@babel/core"),
    "package": ("github.com/pkg/errors", "golang.org/x/sys/unix"),
    "cmake_package": ("OpenSSL", "Qt5"),
    "crate": ("serde", "tokio-util"),
    "name": ("foo", "uint32_t", "App"),
    "symbol": ("foo", "curl_easy_init", "_main"),
    "command": ("node", "make", "npx"),
    "script": ("./gradlew", "./build.sh"),
    "shell": ("bash", "sh", "python3"),
    "linker": ("cc",),
    "version": ("2.4.22", "1.17.3"),
    "go_version": ("1.21.0", "1.22.1"),
    "class_version": ("55.0", "61.0"),
    "required": ("1.70.0",),
    "active": ("1.65.0",),
    "requirement": ("tensorflow==2.15.0", "foo"),
    "plugin": ("eslint-plugin-react", "react"),
    "config": ("airbnb", "prettier"),
    "path": ("build/run.sh", "/github/workspace"),
}


@dataclass(frozen=True, slots=True)
class Rewording:
    """An error's messages in the other wordings their families know, one a line (""
    when none does), and the marks of the wordings it was printed in (each form's
    literal): a spell whose pattern matched one of those marks was written for what the
    tool printed."""

    text: str
    marks: frozenset[str]
    # the families whose spells the error is a known sibling of (`SIBLINGS`)
    unlike: frozenset[str] = frozenset()


NOTHING_REWORDED = Rewording("", frozenset())


def reword(text: str, around: str = "") -> Rewording:
    """`text`'s messages as the other forms of their families print them (see the module);
    `around` is what the log printed around them, which some siblings are told by."""
    text = encodable(text[:MAX_TEXT_CHARS])
    present = _literals_in(text)
    if not present:
        return NOTHING_REWORDED
    lines, marks = _wordings(text, present)
    unlike = frozenset(
        sibling.family
        for sibling in SIBLINGS
        if sibling.literal in present
        and sibling.regex.search(text)
        and (
            sibling.around is None
            or sibling.around.search(text)
            or sibling.around.search(around[:MAX_TEXT_CHARS])
        )
    )
    if not lines and not unlike:
        return NOTHING_REWORDED
    return Rewording("\n".join(lines), frozenset(marks), unlike)


def family_lines(name: str) -> list[str]:
    """What each form of the family `name` prints, with realistic fields (`SAMPLES`): a
    spell whose pattern matches one of these lines is that family's."""
    family = next(family for family in FAMILIES if family.name == name)
    return [
        form.line.format_map(_Fields({**family.defaults, **fields}))
        for fields in sample_fields()
        for form in family.forms
    ]


def sample_fields() -> list[dict[str, str]]:
    """The `SAMPLES` as field sets: the first value of each field, then the second, ..."""
    widest = max(len(values) for values in SAMPLES.values())
    return [
        {name: values[index % len(values)] for name, values in SAMPLES.items()}
        for index in range(widest)
    ]


def other_wordings(text: str) -> list[str]:
    """`text`'s messages in their other wordings, each once (see `reword`)."""
    text = encodable(text[:MAX_TEXT_CHARS])
    return _wordings(text, _literals_in(text))[0]


def _literals_in(text: str) -> frozenset[str]:
    """The forms' and siblings' literals `text` holds, found in one pass (most errors hold
    none, and then nothing else is looked at)."""
    return frozenset(LITERALS[key] for key in LITERAL_SET.match(text))


def _wordings(text: str, present: frozenset[str]) -> tuple[list[str], set[str]]:
    lines: list[str] = []
    marks: set[str] = set()
    for family in FAMILIES:
        for position, form in enumerate(family.forms):
            if form.literal not in present:
                continue
            for count, match in enumerate(form.regex.finditer(text)):
                if count >= MAX_MATCHES_PER_FORM:
                    break
                marks.add(form.literal)
                fields = {**family.defaults, **_captured(match)}
                lines.extend(
                    other.line.format_map(_Fields(fields))
                    for index, other in enumerate(family.forms)
                    if index != position and other.given
                )
    for old, new in (NPM_PREFIXES, NPM_PREFIXES[::-1]):
        if old in present:  # a prefix marks no diagnostic: every npm spell's match holds it
            lines.append(text.replace(old, new))
    return list(dict.fromkeys(lines)), marks


def _captured(match: re.Match[str]) -> dict[str, str]:
    return {name: value for name, value in match.groupdict().items() if value is not None}


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        return DEFAULT_FIELD
