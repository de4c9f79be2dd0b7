"""GitHub's official example payloads, read from the shared folder at test time."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.github import shared_dir


def payload_dir() -> Path:
    return shared_dir() / "github" / "payloads"


def official_payload(name: str, *, installation_id: int | None = None) -> dict[str, Any]:
    """A copy of `<event>.<action>.json`; skips the test when the examples are absent.

    Several examples lack the `installation` object real App deliveries carry: pass
    `installation_id` to add one to the copy.
    """
    path = payload_dir() / f"{name}.json"
    if not path.exists():
        pytest.skip(f"GitHub's example payload {name}.json is not available")
    payload = copy.deepcopy(json.loads(path.read_text()))
    if installation_id is not None:
        payload["installation"] = {"id": installation_id, "node_id": f"MDIz{installation_id}"}
    return payload


def official_payload_names() -> list[str]:
    if not payload_dir().exists():
        return []
    return sorted(p.stem for p in payload_dir().glob("*.json"))
