"""What an email address and a password must look like, wherever an account is made."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from grimoire_bot.validation import storable_text

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
# Deliberately modest: the mailbox's owner is the real validator, we only reject typos.
EMAIL_SHAPE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


def valid_email(value: str) -> str:
    storable_text(value)
    if len(value) > 254 or not EMAIL_SHAPE.match(value):
        raise ValueError("value is not a valid email address")
    return value


Email = Annotated[str, AfterValidator(valid_email)]
Password = Annotated[
    str,
    Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH),
    AfterValidator(storable_text),
]
