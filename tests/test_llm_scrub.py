"""The one scrubber both the logs and the LLM path use: every kind of secret, in any text."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grimoire_bot.log import configure_logging
from grimoire_bot.redaction import REDACTED, Redactor
from grimoire_bot.settings import LogFormat
from tests.conftest import make_settings

CONFIGURED = "our-own-webhook-secret-value"
# Planted secrets (the part that must vanish) and the text they appear in.
PLANTED: dict[str, tuple[str, str]] = {
    "ghp": ("ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2, "remote: Invalid token {}"),
    "gho short": ("gho_x7", "token={}"),  # any length
    "ghs in url": ("ghs_" + "Q" * 36, "git clone https://x-access-token:{}@github.com/o/r"),
    "ghu": ("ghu_" + "Zz9" * 12, "using {} for the API"),
    "ghr": ("ghr_" + "k" * 70, "refresh {}"),
    "fine-grained pat": ("github_pat_11ABCDEFG0" + "x" * 70, "GH_AUTH {} set"),
    "aws key id": ("AKIAIOSFODNN7EXAMPLE", "aws_access_key_id = {}"),
    "aws secret": ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = {}"),
    "aws secret bare": ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "creds: AKIA... {} end"),
    "jwt": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
        "cookie session={}; path=/",
    ),
    "bearer": ("abcdefghijklmnopqrstuvwx0123", "curl -H 'Authorization: Bearer {}' https://api"),
    "bearer elsewhere": ("0123456789abcdefghijKLMNOP", "sent Bearer {} to the proxy"),
    "basic": ("dXNlcjpodW50ZXIyMjI=", "Authorization: Basic {}"),
    "basic bare": ("YWRtaW46c2VjcmV0cGFzcw==", "proxy said Basic {} was refused"),
    "password=": ("hunter2hunter2", "mysql -u root password={} db"),
    "yaml password": ("s3cr3t-Value", "  DB_PASSWORD: {}"),
    "json token": ("opaque-value-123", '{{"api_token": "{}", "user": "x"}}'),
    "quoted with apostrophe": ("it's-a-secret", 'password: "{}"'),
    "secret=": ("plainsecretvalue", "CLIENT_SECRET={}"),
    "cli flag": ("p@ssw0rd!", "deploy --password {} --yes"),
    "url credentials": ("alice:wonderland99", "pip install https://{}@pypi.example.com/simple"),
    "openai key": ("sk-proj-" + "A1b2C3d4" * 5, "OPENAI {} leaked"),
    "slack": ("xoxb-123456789012-abcdefABCDEF", "slack {}"),
    "npm": ("npm_" + "a1B2" * 9, "//registry.npmjs.org/:_authToken {}"),
    "configured": (CONFIGURED, "the hook said {} out loud"),
}
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)


@pytest.fixture
def redactor() -> Redactor:
    return Redactor([CONFIGURED])


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_each_kind_of_secret_is_scrubbed(redactor: Redactor, kind: str) -> None:
    secret, template = PLANTED[kind]
    scrubbed = redactor.redact(template.format(secret))
    assert secret not in scrubbed
    assert REDACTED in scrubbed


def test_private_key_blocks_are_scrubbed_whole_even_when_cut(redactor: Redactor) -> None:
    body = PRIVATE_KEY.splitlines()[1]
    assert body not in redactor.redact(f"key:\n{PRIVATE_KEY}\nnext step")
    assert "next step" in redactor.redact(f"key:\n{PRIVATE_KEY}\nnext step")
    # An excerpt that starts inside the block, or ends inside it.
    tail = "\n".join(PRIVATE_KEY.splitlines()[1:])
    head = "\n".join(PRIVATE_KEY.splitlines()[:2])
    assert body not in redactor.redact(tail)
    assert body not in redactor.redact(head)


def test_ordinary_log_text_is_left_alone(redactor: Redactor) -> None:
    """What the model needs must survive: messages, paths, versions, git ids, plain words."""
    text = (
        "ModuleNotFoundError: No module named 'yaml'\n"
        "src/app/main.py:12: error: Incompatible types in assignment\n"
        "HEAD is now at 9fceb02d0ae598e95dc970b74767f19372d61af8 Fix build\n"
        "npm error code ERESOLVE max_tokens=1500 tokens_in=12\n"
        "Basic configuration loaded; the token expired\n"
    )
    assert redactor.redact(text) == text


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=80),
    after=st.text(max_size=80),
    kind=st.sampled_from(sorted(PLANTED)),
)
def test_a_secret_never_survives_whatever_surrounds_it(before: str, after: str, kind: str) -> None:
    secret, template = PLANTED[kind]
    text = before + "\n" + template.format(secret) + "\n" + after
    assert secret not in Redactor([CONFIGURED]).redact(text)


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 200_000,
        "password" * 25_000,
        "eyJ" + "a" * 200_000 + ".",
        "-----BEGIN PRIVATE KEY-----" * 5_000,
        "https://" + "u" * 200_000,
        "Authorization:" * 10_000,
    ],
)
def test_hostile_text_is_scanned_in_linear_time(redactor: Redactor, hostile: str) -> None:
    """A log is untrusted: no input may make the scrubber backtrack for long."""
    started = time.perf_counter()
    redactor.redact(hostile)
    assert time.perf_counter() - started < 5.0


def test_json_log_lines_stay_json_and_carry_no_secret() -> None:
    """Redaction runs on the finished JSON line: a quoted value keeps its quotes and a key
    block without an END line stops at the end of its JSON string."""
    stream = io.StringIO()
    configure_logging(make_settings(log_format=LogFormat.JSON), stream)
    try:
        log = logging.getLogger("grimoire_bot.test")
        for kind, (secret, template) in PLANTED.items():
            log.info("seen", extra={"kind": kind, "text": template.format(secret)})
        log.info("cut key", extra={"text": PRIVATE_KEY.rsplit("\n", 1)[0], "after": "kept"})
    finally:
        logging.getLogger().handlers.clear()
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(entries) == len(PLANTED) + 1
    text = stream.getvalue()
    for secret, _ in PLANTED.values():
        if secret != CONFIGURED:  # only configured when the settings say so
            assert secret not in text
    assert entries[-1]["after"] == "kept"
