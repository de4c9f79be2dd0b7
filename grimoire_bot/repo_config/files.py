"""Reading `.github/grimoire.yml` from a default branch: parse, validate, fetch conditionally."""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import gidgethub
import yaml
from gidgethub import sansio
from pydantic import ValidationError

from grimoire_bot.github.client import GitHubClient
from grimoire_bot.repo_config.fields import FileSettings

CONFIG_PATH = ".github/grimoire.yml"
# Probot's convention: an organisation's defaults live in its repository named `.github`.
ORG_CONFIG_REPOSITORY = ".github"
# A settings file is a few lines; anything much larger is a mistake, or an attack on the parser.
MAX_CONFIG_BYTES = 64 * 1024
_NOT_MODIFIED = object()


class FileStatus(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    ABSENT = "absent"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Parsed:
    """The file's settings (only the fields it states), or why it is invalid."""

    values: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Fetched:
    """One read of the file. `unchanged`: GitHub answered 304 to our ETag."""

    status: FileStatus | None
    etag: str | None = None
    parsed: Parsed | None = None
    unchanged: bool = False


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load without anchors and aliases: a settings file needs none, and a few lines of
    nested aliases expand into billions of nodes ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def parse_config(text: str) -> Parsed:
    """Validate a config file's text. An empty file states nothing, which is valid."""
    if len(text.encode()) > MAX_CONFIG_BYTES:
        return Parsed(None, [f"is larger than {MAX_CONFIG_BYTES // 1024} KiB"])
    try:
        document = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return Parsed(None, [f"is not valid YAML: {_yaml_reason(exc)}"])
    if document is None:
        return Parsed({})
    if not isinstance(document, dict):
        return Parsed(None, ["must be a mapping of setting names to values"])
    try:
        settings = FileSettings.model_validate(document)
    except ValidationError as exc:
        return Parsed(
            None,
            [
                f"{'.'.join(str(part) for part in error['loc']) or '(file)'}: {error['msg']}"
                for error in exc.errors(include_url=False, include_input=False)
            ],
        )
    return Parsed(settings.model_dump(exclude_unset=True))


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return str(problem)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"


def contents_path(repository: str, path: str = CONFIG_PATH) -> str:
    owner, _, name = repository.partition("/")
    return f"/repos/{quote(owner)}/{quote(name)}/contents/{quote(path)}"


async def fetch_config(gh: GitHubClient, repository: str, etag: str | None) -> Fetched:
    """Read the file from the default branch; with the ETag of the last read, an unchanged
    file costs a 304, which GitHub does not count against the rate limit.

    TransientGitHubError (GitHub down, rate limited) propagates: the caller keeps what it had.
    """
    path = contents_path(repository)
    url = sansio.format_url(path, {}, base_url=gh.base_url)
    # A one-entry cache seeded with our ETag: gidgethub sends If-None-Match and hands back
    # the sentinel on a 304, or stores the new ETag beside the new body.
    cache: dict[str, Any] = {}
    if etag:
        cache[url] = (etag, None, _NOT_MODIFIED, None)
    try:
        body = await gh.derive(cache=cache).getitem(path)
    except gidgethub.BadRequest as exc:
        status = int(exc.status_code)
        if status == 404:
            return Fetched(FileStatus.ABSENT)
        return Fetched(
            FileStatus.UNREADABLE, parsed=Parsed(None, [f"could not be read (GitHub {status})"])
        )
    if body is _NOT_MODIFIED:
        return Fetched(None, etag=etag, unchanged=True)
    new_etag = cache.get(url, (None,))[0]
    text = _file_text(body)
    if text is None:
        return Fetched(
            FileStatus.INVALID,
            etag=new_etag,
            parsed=Parsed(None, [f"is not a text file of at most {MAX_CONFIG_BYTES // 1024} KiB"]),
        )
    parsed = parse_config(text)
    status = FileStatus.VALID if parsed.values is not None else FileStatus.INVALID
    return Fetched(status, etag=new_etag, parsed=parsed)


def _file_text(body: Any) -> str | None:
    if not isinstance(body, dict) or body.get("type") != "file":
        return None
    if body.get("encoding") != "base64" or int(body.get("size") or 0) > MAX_CONFIG_BYTES:
        return None  # GitHub omits the content of files over 1 MB ("encoding": "none")
    try:
        return base64.b64decode(body.get("content") or "").decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
