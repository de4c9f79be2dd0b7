"""Who may call what: every endpoint of repositories, GitHub sign-in and matching, called by
every kind of caller, with the status each gets. README's access table is rendered from
EXPECTED (`python -m tests.test_access_matrix`), and a test keeps the two equal.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.github_sign_in import bearer_for, install, login_client
from tests.support import token_for

README = Path(__file__).resolve().parents[1] / "README.md"
TABLE_START = "<!-- access-matrix:start -->"
TABLE_END = "<!-- access-matrix:end -->"
REPO = "octo-org/widgets"

CALLERS = {
    "anonymous": "anonymous",
    "contributor": "contributor (GitHub write on the repo)",
    "curator": "curator (no GitHub identity)",
    "admin": "admin",
    "repo_admin": "GitHub repository admin",
}


@dataclasses.dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: dict | None = dataclasses.field(default=None, hash=False, compare=False)

    @property
    def label(self) -> str:
        return f"`{self.method} {self.path.replace(REPO, '{owner}/{repo}')}`"


# Statuses per caller, in CALLERS order.
EXPECTED: dict[Call, tuple[int, int, int, int, int]] = {
    Call("GET", "/api/repos"): (401, 200, 200, 200, 200),
    Call("GET", f"/api/repos/{REPO}"): (401, 200, 404, 200, 200),
    Call("PUT", f"/api/repos/{REPO}", {"max_annotations": 10}): (401, 403, 404, 200, 200),
    Call("POST", "/auth/github/start"): (200, 200, 200, 200, 200),
    Call("GET", "/auth/github/login"): (302, 302, 302, 302, 302),
    Call("GET", "/auth/github/callback"): (400, 400, 400, 400, 400),
    Call("POST", "/api/match", {"log": "E   ModuleNotFoundError: No module named 'x'"}): (
        200,
        200,
        200,
        200,
        200,
    ),
}
MEANING = {200: "✓", 302: "✓ (302)", 400: "400", 401: "401", 403: "403", 404: "404"}


def render_table() -> str:
    lines = [
        "| Endpoint | " + " | ".join(CALLERS.values()) + " |",
        "|---" * (len(CALLERS) + 1) + "|",
    ]
    for call, statuses in EXPECTED.items():
        cells = [MEANING[status] for status in statuses]
        lines.append(f"| {call.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()


def test_the_readme_table_is_rendered_from_the_matrix():
    assert readme_table() == render_table(), "run `python -m tests.test_access_matrix`"


@pytest.fixture
async def client(aiohttp_client, fake_github, fresh_database_url):
    return await login_client(aiohttp_client, fake_github, fresh_database_url)


async def test_every_caller_gets_the_expected_status_from_every_endpoint(
    client, fake_github, fresh_database_url
):
    await install(fake_github, fresh_database_url)
    fake_github.grant("writer", REPO, "write")
    fake_github.grant("owner", REPO, "admin")
    headers = {
        "anonymous": {},
        "admin": await token_for(client, "admin@example.com"),
        "curator": await token_for(client, "curator@example.com"),
        "contributor": await bearer_for(client, fake_github, "writer"),
        "repo_admin": await bearer_for(client, fake_github, "owner"),
    }
    roles = {}
    for caller in ("admin", "curator", "contributor", "repo_admin"):
        me = await client.get("/auth/me", headers=headers[caller])
        roles[caller] = (await me.json())["role"]
    assert roles == {
        "admin": "admin",
        "curator": "curator",
        "contributor": "contributor",
        "repo_admin": "contributor",
    }

    wrong = []
    for call, statuses in EXPECTED.items():
        for caller, expected in zip(CALLERS, statuses, strict=True):
            response = await client.request(
                call.method,
                call.path,
                json=call.json,
                headers=headers[caller],
                allow_redirects=False,
            )
            if response.status != expected:
                wrong.append(f"{call.label} as {caller}: {response.status}, expected {expected}")
            if response.status >= 400:
                assert "detail" in await response.json()
    assert wrong == []


if __name__ == "__main__":
    print(render_table())
