"""The spell as users write it: one validated shape for the API, imports and the starter book."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

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
# A spell is posted on pull requests only once approved; `rejected` is set only by a
# curator's rejection (with a reason), never written directly.
Status = Literal["approved", "draft", "rejected"]
WritableStatus = Literal["approved", "draft"]
POSTABLE_STATUS = "approved"


def is_postable(spell: Mapping[str, Any]) -> bool:
    """Whether a spell may be posted on a pull request: only once a curator approved it."""
    return spell["status"] == POSTABLE_STATUS


class SpellContent(BaseModel):
    """What a spell says, all optional: the fields a proposal may change.

    A field left out keeps its value. Only `error_type` and `ecosystem` may be null
    (clearing them) and `key` (keeping the current one); null elsewhere is a 422.
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
    examples: list[Annotated[Text, Field(max_length=5000)]] = omissible(
        max_length=20, description="Exact error texts the pattern was written for."
    )


class SpellFields(SpellContent):
    """Every writable field, all optional: the shape of a PATCH.

    Also `confidence` may be null. `status` moves between `draft` and `approved` here;
    rejecting needs `POST /api/spells/{id}/reject` with a reason.
    """

    status: WritableStatus = omissible()
    auto_generated: JsonBool = omissible()
    confidence: Confidence | None = omissible()


class SpellChanges(SpellContent):
    """The fields a proposal changes; a field it does not name keeps its value."""

    model_config = ConfigDict(extra="forbid")


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
    status: WritableStatus = "approved"
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


class SpellFileEntry(SpellIn):
    """A spell in a spellbook file: as exported, so a rejected spell re-imports as one."""

    status: Status = "approved"


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
    revision: int = Field(description="Bumped by every change; see `/revisions`.")


class SpellStats(BaseModel):
    helpful: int = Field(description="People who pressed Helpful on a run offering this spell.")
    not_relevant: int = Field(description="People who pressed Not relevant.")
    matches: int = Field(description="Grimoire check runs that offered this spell.")
    last_matched_at: datetime | None


class SpellDetail(SpellOut):
    stats: SpellStats
