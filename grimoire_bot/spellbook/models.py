"""The spell as users write it: one validated shape for the API, imports and the starter book."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator

from grimoire_bot.matching.ecosystems import Ecosystem
from grimoire_bot.matching.patterns import PatternError, check_pattern, compile_pattern
from grimoire_bot.validation import JsonBool, JsonNumber, RequiredText, Text, omissible

KEY_SHAPE = r"^[a-z0-9][a-z0-9._-]{0,127}$"


def valid_pattern(pattern: str) -> str:
    try:
        check_pattern(pattern)
    except PatternError as exc:
        raise ValueError(str(exc)) from None
    return pattern


def pattern_matches(pattern: str, text: str) -> bool:
    """Whether the pattern finds the text the way the matcher will (line anchors per line)."""
    return compile_pattern(pattern).search(text) is not None


Pattern = Annotated[RequiredText, AfterValidator(valid_pattern)]
Key = Annotated[str, Field(pattern=KEY_SHAPE)]
ErrorType = Annotated[Text, Field(max_length=200)]
Confidence = Annotated[JsonNumber, Field(ge=0, le=1)]
KEY_DESCRIPTION = (
    "Stable identifier used by `spells import` to update instead of duplicate. "
    "Left out or null: the current key (on create, `spell.<id>`)."
)
Scope = Literal["log", "diff"]
Status = Literal["approved", "draft"]


class SpellFields(BaseModel):
    """Every writable field, all optional: the shape of a PATCH.

    A field left out keeps its value. Only `error_type`, `ecosystem` and `confidence` may be
    null (clearing them) and `key` (keeping the current one); null elsewhere is a 422.
    """

    key: Key | None = omissible(description=KEY_DESCRIPTION)
    title: Annotated[RequiredText, Field(max_length=300)] = omissible()
    description: Annotated[Text, Field(max_length=20_000)] = omissible()
    error_type: ErrorType | None = omissible()
    error_pattern: Pattern = omissible(
        description="RE2 syntax (linear-time matching: no backreferences or lookaround)."
    )
    solution_code: Annotated[RequiredText, Field(max_length=100_000)] = omissible()
    tags: Annotated[Text, Field(max_length=1000)] = omissible(
        description="Comma-separated, e.g. `python,pip`."
    )
    ecosystem: Ecosystem | None = omissible()
    scope: Scope = omissible(
        description="`log`: matched against CI output; `diff`: against lines a PR adds."
    )
    status: Status = omissible()
    examples: list[Annotated[Text, Field(max_length=5000)]] = omissible(
        max_length=20, description="Exact error texts the pattern was written for."
    )
    auto_generated: JsonBool = omissible()
    confidence: Confidence | None = omissible()


class SpellIn(SpellFields):
    """A whole spell, as sent to POST and PUT."""

    key: Key | None = Field(None, description=KEY_DESCRIPTION)
    title: Annotated[RequiredText, Field(max_length=300)]
    description: Annotated[Text, Field(max_length=20_000)] = ""
    error_pattern: Pattern = Field(
        description="RE2 syntax (linear-time matching: no backreferences or lookaround)."
    )
    solution_code: Annotated[RequiredText, Field(max_length=100_000)]
    tags: Annotated[Text, Field(max_length=1000)] = ""
    scope: Scope = "log"
    status: Status = "approved"
    examples: list[Annotated[Text, Field(max_length=5000)]] = Field(
        default_factory=list, max_length=20
    )
    auto_generated: JsonBool = False
    confidence: Confidence | None = None
    error_type: ErrorType | None = None
    ecosystem: Ecosystem | None = None

    @field_validator("examples")
    @classmethod
    def examples_match_pattern(cls, examples: list[str], info: ValidationInfo) -> list[str]:
        pattern = info.data.get("error_pattern")
        if pattern is None:  # the pattern itself was invalid and is reported on its own
            return examples
        for index, example in enumerate(examples):
            if not pattern_matches(pattern, example):
                raise ValueError(f"examples[{index}] is not matched by error_pattern")
        return examples


class SpellOut(BaseModel):
    id: int
    key: str | None
    title: str
    description: str
    error_type: str | None
    error_pattern: str
    solution_code: str
    tags: str
    ecosystem: str | None
    scope: Scope
    status: Status
    examples: list[str]
    auto_generated: bool
    confidence: float | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime


class SpellStats(BaseModel):
    helpful: int = Field(description="People who pressed Helpful on a run offering this spell.")
    not_relevant: int = Field(description="People who pressed Not relevant.")
    matches: int = Field(description="Grimoire check runs that offered this spell.")
    last_matched_at: datetime | None


class SpellDetail(SpellOut):
    stats: SpellStats
