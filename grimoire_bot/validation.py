"""Field types shared by every model that validates user input.

Whatever passes these types can be handed to PostgreSQL as is: text without NUL, integers
that fit a bigint, timestamps that asyncpg can convert to UTC. In JSON bodies, numbers and
booleans must be JSON numbers and booleans, as the published schema says: pydantic's lax
mode would read `true` as 1 and `"5"` as 5.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictBool, StrictFloat, StrictInt
from pydantic.json_schema import GetJsonSchemaHandler, JsonSchemaValue
from pydantic_core import CoreSchema

# PostgreSQL's bigint, the type of every id and of OFFSET.
INT64_MAX = 2**63 - 1


def storable_text(value: str) -> str:
    """PostgreSQL text holds any Unicode except NUL, and JSON can smuggle in lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL (\\u0000) characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no unpaired surrogates)") from None
    return value


# What `storable_text` refuses that JSON Schema can say: no NUL anywhere. The same text in
# ECMA-262, Python and Rust regular expressions.
NO_NUL_PATTERN = r"^[^\x00]*$"
# The characters `str.strip` removes, spelled out: `\s` means other sets in ECMA-262 (which
# adds U+FEFF and lacks U+001C-U+001F and U+0085) and in Python.
WHITE_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# ...and, for required text, at least one character that is not white space.
NOT_BLANK_PATTERN = rf"^[^\x00]*[^{WHITE_SPACE}\x00][^\x00]*$"


class DocumentPattern:
    """Publishes what a validator refuses as the string's `pattern` in the JSON Schema.

    A field with a `pattern` of its own keeps it (those patterns never admit NUL).
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.setdefault("pattern", self.pattern)
        return schema


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def storable_datetime(value: datetime) -> datetime:
    """An aware datetime whose UTC value exists; one without an offset is taken as UTC.

    asyncpg converts a timestamp to UTC before sending it, so `9999-12-31T23:59:59-14:00`
    (year 10000 in UTC) or `0001-01-01T00:00:00+14:00` (year 0) cannot be sent at all.
    Reading a bare time as UTC also keeps its meaning independent of the server's zone.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError(
            "must lie between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z once in UTC"
        ) from None
    return value


def _unpublished_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omissible(**kwargs: Any) -> Any:
    """A field that may be left out but, unless its type allows None, never sent as null.

    Its default None only marks "not sent" (read with `model_dump(exclude_unset=True)`),
    so the schema does not publish it as a default.
    """
    return Field(None, json_schema_extra=_unpublished_default, **kwargs)


Text = Annotated[str, AfterValidator(storable_text), DocumentPattern(NO_NUL_PATTERN)]
RequiredText = Annotated[
    str,
    Field(min_length=1),
    AfterValidator(storable_text),
    AfterValidator(not_blank),
    DocumentPattern(NOT_BLANK_PATTERN),
]
# A row id in a path: positive and within bigint, so a huge one is a 422, not a database error.
Id = Annotated[int, Field(ge=1, le=INT64_MAX)]
# A spell's revision number (a PostgreSQL integer): a larger one is a 422, not a database error.
INT32_MAX = 2**31 - 1
RevisionNumber = Annotated[int, Field(ge=1, le=INT32_MAX)]
# `skip`: any count of rows to pass over that PostgreSQL's OFFSET accepts.
Offset = Annotated[int, Field(ge=0, le=INT64_MAX)]
Timestamp = Annotated[datetime, AfterValidator(storable_datetime)]
# For JSON bodies (query strings and paths are text, so they keep lax parsing).
# A JSON integer: not true, not "5", not 5.5 (5.0 is one: `read_json` reads it as 5).
JsonInt = StrictInt
JsonNumber = StrictFloat  # a JSON number, integers included: not true, not "0.5"
JsonBool = StrictBool  # true or false: not 1, not "yes"
