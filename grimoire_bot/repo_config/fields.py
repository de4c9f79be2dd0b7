"""The settings a repository can have, as the API stores them and as a config file states them."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from grimoire_bot.validation import INT64_MAX, JsonBool, JsonInt, JsonNumber, Text, omissible

AnnotationLevel = Literal["notice", "warning", "failure"]
Glob = Annotated[Text, Field(min_length=1, max_length=500)]
SpellKey = Annotated[Text, Field(min_length=1, max_length=200)]
SpellId = Annotated[JsonInt, Field(ge=1, le=INT64_MAX)]
MAX_IGNORED_SPELLS = 500


class Source(enum.StrEnum):
    """Where an effective setting came from, most specific first (the order they win in)."""

    REPOSITORY_FILE = "repository_file"
    API = "api"
    ORGANIZATION_FILE = "organization_file"
    DEFAULT = "default"


class RepoSettings(BaseModel):
    enabled: bool = Field(True, description="Post spells on this repository's pull requests.")
    auto_generate: bool = Field(
        False, description="When nothing matches, ask an LLM to draft a spell for review."
    )
    min_score: Annotated[float, Field(ge=0, le=1)] | None = Field(
        None, description="Only post matches scoring at least this (default: the matcher's own)."
    )
    max_annotations: Annotated[int, Field(ge=0, le=1000)] = Field(
        50, description="Most annotations on one Grimoire check run."
    )
    annotation_level: AnnotationLevel = "warning"
    ignore_paths: list[Glob] = Field(
        default_factory=list,
        max_length=100,
        description="Globs such as `vendor/**` or `*.min.js`: no annotations in these files.",
    )
    post_when_no_match: bool = Field(
        False, description='Post a "no known spell" check run when nothing matches.'
    )


SETTING_NAMES = tuple(RepoSettings.model_fields)


class EffectiveValues(RepoSettings):
    ignore_spells: list[SpellKey | SpellId] = Field(
        default_factory=list,
        description="Spells (keys or ids) never posted on this repository; set in "
        "`.github/grimoire.yml` only.",
    )


class FileSettings(BaseModel):
    """`.github/grimoire.yml`: the API's fields plus `ignore_spells`; unknown keys are errors
    (a typo should not silently do nothing). Numbers and booleans must be YAML's own."""

    model_config = ConfigDict(extra="forbid")

    enabled: JsonBool = omissible()
    auto_generate: JsonBool = omissible()
    min_score: Annotated[JsonNumber, Field(ge=0, le=1)] | None = omissible()
    max_annotations: Annotated[JsonInt, Field(ge=0, le=1000)] = omissible()
    annotation_level: AnnotationLevel = omissible()
    ignore_paths: list[Glob] = omissible(max_length=100)
    post_when_no_match: JsonBool = omissible()
    ignore_spells: list[SpellId | SpellKey] = omissible(max_length=MAX_IGNORED_SPELLS)
