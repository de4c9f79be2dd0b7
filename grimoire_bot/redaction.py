"""Secrets out of text: one scrubber for every log line and for everything sent to an LLM.

Two kinds of secret are removed. The values of this service's own configured secrets are
replaced wherever they occur. Anything shaped like a credential is replaced too, since CI
logs are full of other people's: GitHub tokens of any length, AWS keys, private key blocks,
JWTs, authorization headers, `password=`-style values, URLs with credentials and the
common API-key formats. Shapes are matched by one alternation in a single pass; every
quantifier is bounded, so hostile text cannot make a scan slower than linear.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
# A configured value shorter than this would redact ordinary words.
MIN_CONFIGURED_SECRET = 8
# Words that end a key whose value is secret: `GITHUB_TOKEN=`, `"password":`, `client_secret:`.
HIDDEN_VALUE_KEYS = (
    r"password|passwd|passphrase|secret|token|credentials?|api[_-]?key|apikey"
    r"|access[_-]?key|secret[_-]?key|private[_-]?key|signing[_-]?key|encryption[_-]?key"
)

# (name, pattern). A rule whose match starts with something worth keeping (a key name, a
# URL scheme) captures it in a group named `<name>_keep`; the rest becomes REDACTED.
SHAPES: tuple[tuple[str, str], ...] = (
    (
        "private_key",
        r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
        # No END line (a cut excerpt): up to the end, or to the quote closing a JSON string.
        r"(?:[\s\S]*?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?:[^\"\\]|\\[\s\S])*)",
    ),
    # The body of a key block whose BEGIN line was cut off (a trimmed excerpt).
    ("key_body_line", r"(?m:^[ \t]*[A-Za-z0-9+/]{60,}={0,2}[ \t]*$)"),
    (
        "url_credentials",
        r"(?P<url_credentials_keep>\b[A-Za-z][A-Za-z0-9+.-]{0,20}://)"
        r"(?:[^\s/@:]{1,200}:[^\s/@]{1,500}|[^\s/@:]{16,500})@",
    ),
    (
        "authorization",
        r"(?P<authorization_keep>(?i:\b(?:proxy-)?authorization)[\"']?[ \t]*[:=][ \t]*[\"']?)"
        r"(?:(?i:bearer|basic|token|digest|negotiate)[ \t]+)?[^\s\"',;\\]{1,4000}",
    ),
    (
        "cli_flag",
        r"(?P<cli_flag_keep>(?i:--?(?:password|passwd|token|secret|api-?key)[ =]))"
        r"[^\s\"'\\]{1,500}",
    ),
    (
        "key_value",
        rf"(?P<key_value_keep>(?i:\b[\w.-]{{0,40}}?(?:{HIDDEN_VALUE_KEYS}))[\"']?[ \t]*[:=][ \t]*)"
        r"(?:(?P<key_value_quote>\")[^\"\n]{0,500}\"|(?P<key_value_squote>')[^'\n]{0,500}'"
        r"|[^\s\"',;&\\]{1,500})",
    ),
    ("bearer", r"(?P<bearer_keep>(?i:\b(?:bearer|token)[ \t]+))[A-Za-z0-9._~+/=-]{16,4000}"),
    ("basic", r"(?P<basic_keep>\bBasic[ \t]+)(?P<basic_value>[A-Za-z0-9+/]{6,4000}={0,2})"),
    ("github_token", r"(?<![A-Za-z0-9_])(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{1,400}"),
    ("aws_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{4,4000}\.[A-Za-z0-9_-]{4,4000}\.[A-Za-z0-9_-]{0,4000}"),
    ("openai_key", r"\bsk-(?:proj-|ant-[a-z0-9]{1,10}-|svcacct-)?[A-Za-z0-9_-]{20,400}"),
    ("slack_token", r"\bxox[abposr]-[A-Za-z0-9-]{10,400}"),
    ("npm_token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("pypi_token", r"\bpypi-[A-Za-z0-9_-]{50,400}"),
    ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    # AWS secret access keys: 40 characters of base64 with every character class (a git
    # object id, hex only, is left alone).
    ("aws_secret", r"(?<![A-Za-z0-9/+=])(?P<aws_secret_value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"),
)
SHAPE_PATTERN = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in SHAPES))


def _is_basic_credential(value: str) -> bool:
    """Whether `Basic <value>` carries `user:password` (not the word "Basic configuration")."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


def _looks_random(value: str) -> bool:
    return (
        any(c.islower() for c in value)
        and any(c.isupper() for c in value)
        and any(c.isdigit() for c in value)
    )


def _replace(match: re.Match[str]) -> str:
    name = match.lastgroup or ""
    if name == "basic" and not _is_basic_credential(match["basic_value"]):
        return match[0]
    if name == "aws_secret" and not _looks_random(match["aws_secret_value"]):
        return match[0]
    groups = match.groupdict()
    keep = groups.get(f"{name}_keep") or ""
    if name == "url_credentials":
        return f"{keep}{REDACTED}@"
    # A quoted value keeps its quotes, so a JSON log line stays JSON.
    quote = groups.get(f"{name}_quote") or groups.get(f"{name}_squote") or ""
    return f"{keep}{quote}{REDACTED}{quote}"


class Redactor:
    """Scrubs configured secret values and anything shaped like a credential from text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first, so a secret that contains another is removed whole.
        values = {s for s in secrets if s and len(s) >= MIN_CONFIGURED_SECRET}
        self.secrets = sorted(values, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return SHAPE_PATTERN.sub(_replace, text)
