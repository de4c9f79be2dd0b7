"""One parser per output format: each reads an error starting at a candidate line.

Every parser has the same shape: `parse(scan, index) -> Draft | None`. It looks at the
line the prefilter flagged (and, where the format needs it, at lines around it: a Python
traceback's frames above, rustc's `-->` below, ESLint's file header above) and returns a
draft with the message, type, location and the lines that make up the error. `PARSERS`
lists them from the most specific format to the most generic; the first that accepts the
line wins.
"""

from __future__ import annotations

import re

from .compilers import (
    parse_cmake,
    parse_dotty,
    parse_error_list,
    parse_excerpted_error,
    parse_located,
    parse_rust,
)
from .config_lint import parse_ansible_lint, parse_helm, parse_markdownlint, parse_yamllint
from .dart import parse_dart_analyzer, parse_flutter_exception
from .elixir import parse_dialyxir, parse_elixir, parse_elixir_warning, parse_exunit
from .exceptions import parse_dotnet_test, parse_exception, parse_gradle
from .generic import (
    parse_annotation_panel,
    parse_bandit,
    parse_buildkit_failure,
    parse_generic,
    parse_powershell,
    parse_shellcheck,
    parse_summary,
    parse_terraform,
    parse_workflow_command,
)
from .go import parse_go
from .javascript import (
    parse_bun_test,
    parse_code_frame_stack,
    parse_deno,
    parse_eslint_stylish,
    parse_jest,
    parse_location_then_error,
    parse_node_package_manager,
    parse_playwright_header,
    parse_vitest,
    parse_webpack_module,
)
from .perl import parse_perl_die, parse_test_more
from .php import parse_php_error, parse_phpcs_report, parse_phpstan, parse_phpunit
from .python import (
    parse_doctest,
    parse_pylint_text,
    parse_pyright,
    parse_pytest_section,
    parse_pytest_short_traceback,
    parse_python_traceback,
    parse_sphinx,
)
from .r import parse_testthat
from .ruby import parse_minitest, parse_rspec, parse_rspec_rerun, parse_scss_lint, parse_sorbet
from .scan import Parser, Scan

__all__ = ["PARSERS", "Parser", "Scan", "parsers_for"]

# Formats rarer in CI logs, each told by a literal of its first line. One search of the
# line decides whether any of them is tried: a 10 MB log has thousands of candidate lines,
# and each parser tried costs every one of them.
RARER_FORMATS: tuple[Parser, ...] = (
    parse_rspec_rerun,
    parse_minitest,
    parse_elixir,
    parse_elixir_warning,
    parse_exunit,
    parse_dialyxir,
    parse_dart_analyzer,
    parse_flutter_exception,
    parse_php_error,
    parse_phpunit,
    parse_pylint_text,
    parse_buildkit_failure,
    parse_terraform,
    parse_bandit,
    parse_dotnet_test,
    parse_yamllint,
    parse_markdownlint,
    parse_ansible_lint,
    parse_helm,
    parse_annotation_panel,
    parse_pyright,
    parse_sphinx,
    parse_doctest,
    parse_deno,
    parse_phpstan,
    parse_phpcs_report,
    parse_sorbet,
    parse_scss_lint,
    parse_excerpted_error,
    parse_dotty,
    parse_test_more,
    parse_perl_die,
    parse_testthat,
    parse_powershell,
    parse_playwright_header,
)
PARSERS: tuple[Parser, ...] = (
    parse_workflow_command,
    parse_python_traceback,
    parse_pytest_section,
    parse_pytest_short_traceback,
    parse_bun_test,
    parse_rust,
    parse_go,
    parse_rspec,
    *RARER_FORMATS,
    parse_shellcheck,
    parse_cmake,
    parse_gradle,
    parse_vitest,
    parse_jest,
    parse_eslint_stylish,
    parse_node_package_manager,
    parse_error_list,
    parse_located,
    parse_location_then_error,
    parse_webpack_module,
    parse_summary,
    parse_code_frame_stack,
    parse_exception,
    parse_generic,
)
COMMON_PARSERS = tuple(parser for parser in PARSERS if parser not in RARER_FORMATS)
RARER_FORMAT_LITERALS = (
    "rspec ", "** (", "Parse error:", "atal error:", "[FAIL]", "Failed ", "Assert.", ".ex", ".erl:",
    "ockerfile", "ontainerfile",
    ": [error] ", ": [warning] ", " MD0", ".yml:", ".yaml:", "[ERROR] templates/", "#L",
    ".rst:", ": WARNING: ", ": CRITICAL: ", ": SEVERE: ", "ERROR/3)", "WARNING/2)", "SEVERE/4)",
    " [ERROR]: ", " [WARN]: ", "srb.help/", " [W] ", " [E] ",
    ".pm line ", ".pl line ", ".t line ", ".R#", ".R:", " char:", "ms)", " | ERROR | ",
    "EXCEPTION CAUGHT BY",
)  # fmt: skip
RARER_FORMAT_START_RE = re.compile(
    r"\s*(?:\d+\) |(?:error|warning|info|lint) (?:\u2022|-) |>> Issue"
    r"|[\u2502\s]*(?:(?:Fatal )?Error(?::| \(warning) |on \S+ line \d"
    r"|(?:\[(?:error|warn)\] )?-- )"
    r"|\d+:\d+ - (?:error|warning|information): |Line {2,}\S)"
    r"|[EF]\d{0,4}: *\d"
)


def parsers_for(line: str) -> tuple[Parser, ...]:
    """The parsers worth trying on `line`, in `PARSERS` order: all of them when the line
    carries a rarer format's literal, the common ones otherwise."""
    if any(literal in line for literal in RARER_FORMAT_LITERALS) or RARER_FORMAT_START_RE.match(
        line
    ):
        return PARSERS
    return COMMON_PARSERS
