"""One parser per output format: each reads an error starting at a candidate line.

Every parser has the same shape: `parse(scan, index) -> Draft | None`. It looks at the
line the prefilter flagged (and, where the format needs it, at lines around it: a Python
traceback's frames above, rustc's `-->` below, ESLint's file header above) and returns a
draft with the message, type, location and the lines that make up the error. `PARSERS`
lists them from the most specific format to the most generic; the first that accepts the
line wins.
"""

from __future__ import annotations

from .compilers import parse_cmake, parse_error_list, parse_located, parse_rust
from .dart import parse_dart_analyzer
from .elixir import parse_elixir, parse_exunit
from .exceptions import parse_dotnet_test, parse_exception, parse_gradle
from .generic import (
    parse_bandit,
    parse_buildkit_failure,
    parse_generic,
    parse_shellcheck,
    parse_summary,
    parse_terraform,
    parse_workflow_command,
)
from .go import parse_go
from .javascript import (
    parse_eslint_stylish,
    parse_jest,
    parse_location_then_error,
    parse_node_package_manager,
    parse_vitest,
    parse_webpack_module,
)
from .php import parse_php_error, parse_phpunit
from .python import (
    parse_pylint_text,
    parse_pytest_section,
    parse_pytest_short_traceback,
    parse_python_traceback,
)
from .ruby import parse_minitest, parse_rspec, parse_rspec_rerun
from .scan import Parser, Scan

__all__ = ["PARSERS", "Parser", "Scan"]

PARSERS: tuple[Parser, ...] = (
    parse_workflow_command,
    parse_python_traceback,
    parse_pytest_section,
    parse_pytest_short_traceback,
    parse_rust,
    parse_go,
    parse_rspec,
    parse_rspec_rerun,
    parse_minitest,
    parse_elixir,
    parse_exunit,
    parse_dart_analyzer,
    parse_php_error,
    parse_phpunit,
    parse_pylint_text,
    parse_shellcheck,
    parse_cmake,
    parse_buildkit_failure,
    parse_terraform,
    parse_bandit,
    parse_gradle,
    parse_dotnet_test,
    parse_vitest,
    parse_jest,
    parse_eslint_stylish,
    parse_node_package_manager,
    parse_error_list,
    parse_located,
    parse_location_then_error,
    parse_webpack_module,
    parse_summary,
    parse_exception,
    parse_generic,
)
