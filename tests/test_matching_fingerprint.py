"""Fingerprints: the same error from two runs is recognised as the same."""

from __future__ import annotations

import pytest

from grimoire_bot.matching import extract_errors, fingerprint

SAME_ERROR_TWICE = [
    (
        '/home/runner/work/shop/shop/src/cart.py:12: error: Item "None" of "Optional[str]" '
        'has no attribute "upper"  [union-attr]',
        '/__w/shop/shop/src/checkout/pay.py:480: error: Item "None" of "Optional[int]" has '
        'no attribute "bit_length"  [union-attr]',
    ),
    (
        "Error: ENOENT: no such file or directory, open '/tmp/tmp-2871-bxQk/package.json'",
        "Error: ENOENT: no such file or directory, open '/tmp/tmp-9913-Zr0a/package.json'",
    ),
    (
        "panic: runtime error: invalid memory address or nil pointer dereference "
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x5d8990]",
        "panic: runtime error: invalid memory address or nil pointer dereference "
        "[signal SIGSEGV: segmentation violation code=0x2 addr=0x0 pc=0x4a11f3]",
    ),
    (
        "ERROR: failed to solve: failed to compute cache key: failed to calculate checksum "
        'of ref 8f2c1e0a-3c0b-4d43-9b1e-2f6a0f1c9d11::k3x9: "/dist": not found',
        "ERROR: failed to solve: failed to compute cache key: failed to calculate checksum "
        'of ref 0b7d2a55-91e4-4f0f-8c2d-77aa01b2c3d4::q8r2: "/build": not found',
    ),
    (
        "npm ERR! notarget No matching version found for left-pad@^9.1.2.",
        "npm ERR! notarget No matching version found for right-pad@^10.0.0-beta.1.",
    ),
]

DIFFERENT_ERRORS = [
    ("ModuleNotFoundError: No module named 'yaml'", "ImportError: cannot import name 'x'"),
    (
        "src/a.ts(1,1): error TS2307: Cannot find module 'x'.",
        "src/a.ts(1,1): error TS2304: Cannot find name 'x'.",
    ),
    ("npm ERR! code ERESOLVE", "npm ERR! code ENOENT"),
]


def only_fingerprint(log: str) -> str:
    (record,) = extract_errors(log)
    return record.fingerprint


@pytest.mark.parametrize(("first", "second"), SAME_ERROR_TWICE)
def test_the_same_error_in_two_runs_has_one_fingerprint(first: str, second: str) -> None:
    assert only_fingerprint(first) == only_fingerprint(second)


@pytest.mark.parametrize(("first", "second"), DIFFERENT_ERRORS)
def test_different_errors_have_different_fingerprints(first: str, second: str) -> None:
    assert only_fingerprint(first) != only_fingerprint(second)


def test_a_fingerprint_is_short_stable_and_typed() -> None:
    value = fingerprint("No module named 'yaml'", "ModuleNotFoundError")
    assert value == fingerprint("No module named 'toml'", "ModuleNotFoundError")
    assert value != fingerprint("No module named 'yaml'", "ImportError")
    assert len(value) == 16 and int(value, 16) >= 0
