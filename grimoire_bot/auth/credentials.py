"""What an email address and a password must look like, wherever an account is made."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from grimoire_bot.validation import (
    NO_NUL_PATTERN,
    WHITE_SPACE,
    DocumentPattern,
    storable_text,
)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
# Deliberately modest: the mailbox's owner is the real validator, we only reject typos.
# The published pattern says the same (and no NUL) in ECMA-262 syntax; `fullmatch` so that
# a trailing newline, which Python's `$` lets through, is refused as JSON Schema refuses it.
EMAIL_PATTERN = (
    rf"^[^@{WHITE_SPACE}\x00]{{1,64}}@[^@{WHITE_SPACE}\x00]+\.[^@{WHITE_SPACE}.\x00]{{2,}}$"
)
EMAIL_SHAPE = re.compile(EMAIL_PATTERN)
MAX_EMAIL_LENGTH = 254


def valid_email(value: str) -> str:
    storable_text(value)
    if len(value) > MAX_EMAIL_LENGTH or not EMAIL_SHAPE.fullmatch(value):
        raise ValueError("value is not a valid email address")
    return value


Email = Annotated[
    str,
    AfterValidator(valid_email),
    Field(json_schema_extra={"maxLength": MAX_EMAIL_LENGTH, "pattern": EMAIL_PATTERN}),
]
Password = Annotated[
    str,
    Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH),
    AfterValidator(storable_text),
    DocumentPattern(NO_NUL_PATTERN),
]
