"""Who may call what: every route of the app, called as every kind of caller.

`ACCESS` below is the access policy, one rule per route. The routes are read from the app
itself, so a new endpoint without a rule fails `test_every_route_has_a_rule`. The matrix
test calls each route as each principal, with a request that would succeed, and checks
that each denial is the expected 401 or 403 and that each allowed call succeeds.

The README's access table is rendered from the same rules; when they change, rewrite it:

    python -m tests.test_access_matrix --write

To add a kind of caller, add a `Principal` with the rank it has everywhere else and a way
to sign it in (`World.setup` fills `World.headers`), and give the rules where it differs an
`overrides` entry (any status, e.g. 404 for a repository hidden from that caller). The
contributor, curator and admin sign in with a password and have no GitHub identity;
`repo admin` signed in with GitHub, which says they administer the installed repository.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from aiohttp.test_utils import TestClient

from grimoire_bot.app import create_app
from grimoire_bot.db import open_pool
from tests.accounts import PASSWORD, Accounts
from tests.conftest import make_settings
from tests.fakes.github import FakeGitHub, signed_delivery
from tests.github_sign_in import approve, bearer_for, install, login_client

README = Path(__file__).resolve().parents[1] / "README.md"
TABLE_BEGIN = "<!-- access-table:begin (python -m tests.test_access_matrix --write) -->"
TABLE_END = "<!-- access-table:end -->"
WEBHOOK_SECRET = "test-webhook-secret"
REPO = "octo-org/widgets"

ALLOWED = "allowed"
# Allowed, or the status a caller gets instead: 401 and 403 from the role rules, or another
# one an override gives (e.g. 404 where a repository is hidden from that caller).
Outcome = Literal["allowed"] | int


@dataclass(frozen=True)
class Principal:
    name: str
    rank: int  # -1 anonymous; then contributor, curator, admin, as `Level` counts them


ANONYMOUS = Principal("anonymous", -1)
CONTRIBUTOR = Principal("contributor", 0)
CURATOR = Principal("curator", 1)
ADMIN = Principal("admin", 2)
# A contributor account made by signing in with GitHub, whose GitHub identity has admin
# permission on the installed repository.
REPO_ADMIN = Principal("repo admin", 0)
PRINCIPALS = (ANONYMOUS, CONTRIBUTOR, CURATOR, ADMIN, REPO_ADMIN)
REPO_OWNER_LOGIN = "widget-owner"

# The least rank each level admits, and how the README names it.
LEVELS = {"public": -1, "signed in": 0, "curator": 1, "admin": 2}


@dataclass(frozen=True)
class Call:
    path: str
    json: Any = None
    data: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] | None = None


CallBuilder = Callable[["World", Principal], Awaitable[Call]]


@dataclass(frozen=True)
class Rule:
    level: str
    call: CallBuilder
    ok: int = 200  # the status of an allowed call
    note: str = ""
    overrides: Mapping[str, Outcome] = field(default_factory=dict)
    # The call spends the caller's credentials (logout, a password change): use a fresh
    # account of the same role.
    fresh_account: bool = False

    def expected(self, principal: Principal) -> Outcome:
        if principal.name in self.overrides:
            return self.overrides[principal.name]
        if principal.rank >= LEVELS[self.level]:
            return ALLOWED
        return 401 if principal.rank < 0 else 403


class World:
    """The accounts and objects the calls act on; each call gets objects of its own."""

    def __init__(self, client: TestClient, pool: Any, fake: FakeGitHub, database_url: str) -> None:
        self.client = client
        self.pool = pool
        self.fake = fake
        self.database_url = database_url
        self.accounts = Accounts(client)
        self.headers: dict[str, dict[str, str]] = {}
        self.counter = itertools.count(1)

    async def setup(self) -> None:
        self.headers["admin"] = await self.accounts.admin()
        self.headers["curator"] = await self.accounts.curator()
        self.headers["contributor"] = await self.accounts.contributor()
        self.headers["anonymous"] = {}
        await self.accounts.signup("login@example.com")
        await install(self.fake, self.database_url)
        self.fake.grant(REPO_OWNER_LOGIN, REPO, "admin")
        self.headers[REPO_ADMIN.name] = await bearer_for(self.client, self.fake, REPO_OWNER_LOGIN)

    async def headers_for(self, principal: Principal, *, fresh: bool) -> dict[str, str]:
        if not fresh or principal is ANONYMOUS:
            return self.headers[principal.name]
        email = f"{principal.name}-{next(self.counter)}@example.com"
        if principal is REPO_ADMIN:  # signing in with GitHub again gives a fresh token
            return await bearer_for(self.client, self.fake, REPO_OWNER_LOGIN)
        make = {
            "contributor": self.accounts.contributor,
            "curator": self.accounts.curator,
            "admin": self.accounts.second_admin,
        }[principal.name]
        return await make(email)

    async def _post(self, path: str, body: Any = None, who: str = "admin") -> Any:
        response = await self.client.post(path, json=body, headers=self.headers[who])
        assert response.status in (200, 201), (path, await response.text())
        return await response.json()

    async def spell(self, who: str = "admin") -> int:
        n = next(self.counter)
        spell = await self._post(
            "/api/spells",
            {
                "title": f"Matrix spell {n}",
                "error_pattern": f"GRIMOIRE-MATRIX-{n}: something specific broke",
                "solution_code": "fix it",
            },
            who,
        )
        return spell["id"]

    async def draft(self) -> int:
        return await self.spell("contributor")

    async def edited_spell(self) -> int:
        spell_id = await self.spell()
        response = await self.client.patch(
            f"/api/spells/{spell_id}", json={"title": "Edited"}, headers=self.headers["admin"]
        )
        assert response.status == 200
        return spell_id

    async def proposal(self) -> int:
        spell_id = await self.spell()
        proposal = await self._post(
            f"/api/spells/{spell_id}/proposals", {"changes": {"title": "Better"}}, "contributor"
        )
        return proposal["id"]

    async def user(self) -> int:
        email = f"someone-{next(self.counter)}@example.com"
        return (await self.accounts.signup(email))["user"]["id"]

    async def delivery(self) -> str:
        """A recorded delivery that is not waiting in the queue (so it can be redelivered)."""
        delivery_id = f"matrix-{next(self.counter)}"
        body, headers = signed_delivery(
            "check_run", {"action": "completed"}, WEBHOOK_SECRET, delivery_id=delivery_id
        )
        response = await self.client.post("/api/github/webhooks", data=body, headers=headers)
        assert response.status == 202
        await self.pool.execute("DELETE FROM pgqueuer")
        return delivery_id

    def signed(self, path: str) -> Call:
        body, headers = signed_delivery(
            "check_run",
            {"action": "completed"},
            WEBHOOK_SECRET,
            delivery_id=f"matrix-{next(self.counter)}",
        )
        return Call(path, data=body, headers=headers)


def call(path: str, **kwargs: Any) -> CallBuilder:
    """A call that needs no objects of its own."""

    async def build(world: World, principal: Principal) -> Call:
        return Call(path, **kwargs)

    return build


def on(make: str, path: str, **kwargs: Any) -> CallBuilder:
    """A call on a fresh object: `make` names a World method; `{id}` in the path is its id."""

    async def build(world: World, principal: Principal) -> Call:
        made = await getattr(world, make)()
        return Call(path.format(id=made), **kwargs)

    return build


async def _signup(world: World, principal: Principal) -> Call:
    email = f"new-{next(world.counter)}@example.com"
    return Call("/auth/signup", json={"email": email, "password": PASSWORD})


async def _webhook(world: World, principal: Principal) -> Call:
    return world.signed("/api/github/webhooks")


async def _seed_webhook(world: World, principal: Principal) -> Call:
    return world.signed("/webhook")


async def _github_callback(world: World, principal: Principal) -> Call:
    """The redirect GitHub sends back after a person approved: a fresh, valid state."""
    start = await world.client.post("/auth/github/start")
    assert start.status == 200, await start.text()
    login = f"gh-user-{next(world.counter)}"
    query = await approve(world.fake, (await start.json())["authorize_url"], login)
    return Call("/auth/github/callback", params=query)


SPELL_BODY = {
    "title": "Matrix spell",
    "error_pattern": "GRIMOIRE-MATRIX-PUT: something specific broke",
    "solution_code": "fix it",
}
REASON = {"reason": "because"}
MATCH = {"log": "E   ModuleNotFoundError: No module named 'httpx'"}

ACCESS: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): Rule("public", call("/health")),
    ("GET", "/ping"): Rule("public", call("/ping")),
    ("GET", "/openapi.json"): Rule("public", call("/openapi.json")),
    ("GET", "/docs"): Rule("public", call("/docs")),
    ("GET", "/redoc"): Rule("public", call("/redoc")),
    ("GET", "/docs-assets/{name}"): Rule("public", call("/docs-assets/swagger-ui.css")),
    ("POST", "/auth/signup"): Rule(
        "public",
        _signup,
        ok=201,
        note="Creates a contributor (outside production the first account is admin). "
        "Closed by `ALLOW_SIGNUP=false`.",
    ),
    ("POST", "/auth/login"): Rule(
        "public", call("/auth/login", json={"email": "login@example.com", "password": PASSWORD})
    ),
    ("POST", "/auth/logout"): Rule("signed in", call("/auth/logout"), fresh_account=True),
    ("GET", "/auth/me"): Rule("signed in", call("/auth/me")),
    ("POST", "/auth/github/start"): Rule(
        "public",
        call("/auth/github/start"),
        note="Signed in, the GitHub identity is linked to that account.",
    ),
    ("GET", "/auth/github/login"): Rule(
        "public", call("/auth/github/login"), ok=302, note="Redirects to GitHub."
    ),
    ("GET", "/auth/github/callback"): Rule(
        "public",
        _github_callback,
        note="Needs the `state` of a flow this browser started; creates a contributor "
        "for a new GitHub user.",
    ),
    ("POST", "/auth/password"): Rule(
        "signed in",
        call("/auth/password", json={"current_password": PASSWORD, "new_password": "n" * 12}),
        note="Your own password. An account made by signing in with GitHub has none to "
        "give (403).",
        fresh_account=True,
        overrides={REPO_ADMIN.name: 403},
    ),
    ("GET", "/api/users"): Rule("admin", call("/api/users")),
    ("GET", "/api/users/{user_id}"): Rule("admin", on("user", "/api/users/{id}")),
    ("PATCH", "/api/users/{user_id}"): Rule(
        "admin", on("user", "/api/users/{id}", json={"role": "curator"})
    ),
    ("POST", "/api/users/{user_id}/unlock"): Rule("admin", on("user", "/api/users/{id}/unlock")),
    ("GET", "/api/spells"): Rule("public", call("/api/spells")),
    ("GET", "/api/spells/{spell_id}"): Rule("public", on("spell", "/api/spells/{id}")),
    ("POST", "/api/spells"): Rule(
        "signed in",
        call("/api/spells", json=SPELL_BODY),
        ok=201,
        note="A contributor's spell is stored as a draft.",
    ),
    ("PUT", "/api/spells/{spell_id}"): Rule(
        "curator",
        on("spell", "/api/spells/{id}", json=SPELL_BODY),
        note="Contributors propose changes instead.",
    ),
    ("PATCH", "/api/spells/{spell_id}"): Rule(
        "curator",
        on("spell", "/api/spells/{id}", json={"title": "Patched"}),
        note="Contributors propose changes instead.",
    ),
    ("DELETE", "/api/spells/{spell_id}"): Rule("curator", on("spell", "/api/spells/{id}"), ok=204),
    ("POST", "/api/spells/{spell_id}/approve"): Rule(
        "curator", on("draft", "/api/spells/{id}/approve")
    ),
    ("POST", "/api/spells/{spell_id}/reject"): Rule(
        "curator", on("draft", "/api/spells/{id}/reject", json=REASON)
    ),
    ("POST", "/api/spells/{spell_id}/proposals"): Rule(
        "signed in",
        on("spell", "/api/spells/{id}/proposals", json={"changes": {"title": "Proposed"}}),
        ok=201,
    ),
    ("GET", "/api/spells/{spell_id}/proposals"): Rule(
        "signed in", on("spell", "/api/spells/{id}/proposals")
    ),
    ("GET", "/api/proposals"): Rule("signed in", call("/api/proposals")),
    ("GET", "/api/proposals/{proposal_id}"): Rule(
        "signed in", on("proposal", "/api/proposals/{id}")
    ),
    ("POST", "/api/proposals/{proposal_id}/approve"): Rule(
        "curator", on("proposal", "/api/proposals/{id}/approve")
    ),
    ("POST", "/api/proposals/{proposal_id}/reject"): Rule(
        "curator", on("proposal", "/api/proposals/{id}/reject", json=REASON)
    ),
    ("GET", "/api/spells/{spell_id}/revisions"): Rule(
        "signed in", on("spell", "/api/spells/{id}/revisions")
    ),
    ("POST", "/api/spells/{spell_id}/revisions/{revision}/restore"): Rule(
        "curator", on("edited_spell", "/api/spells/{id}/revisions/1/restore")
    ),
    ("POST", "/api/match"): Rule("public", call("/api/match", json=MATCH)),
    ("GET", "/api/repos"): Rule(
        "signed in",
        call("/api/repos"),
        note="Lists only what the caller may see on GitHub (admins: all).",
    ),
    ("GET", "/api/repos/{owner}/{repo}"): Rule(
        "signed in",
        call(f"/api/repos/{REPO}"),
        note="404 for a repository the caller cannot see on GitHub.",
        overrides={CONTRIBUTOR.name: 404, CURATOR.name: 404},
    ),
    ("PUT", "/api/repos/{owner}/{repo}"): Rule(
        "admin",
        call(f"/api/repos/{REPO}", json={"enabled": True}),
        note="Also a GitHub admin of the repository; 403 to others who can see it.",
        overrides={CONTRIBUTOR.name: 404, CURATOR.name: 404, REPO_ADMIN.name: ALLOWED},
    ),
    ("GET", "/api/advice/{owner}/{repo}/{sha}"): Rule(
        "public",
        call(f"/api/advice/{REPO}/" + "a" * 40),
        ok=404,
        note="A private repository only for those who may see it on GitHub (admins: all); "
        "404 until Grimoire advised on the commit.",
    ),
    ("GET", "/metrics"): Rule(
        "public", call("/metrics"), note="Needs the bearer `METRICS_TOKEN` when it is set."
    ),
    ("GET", "/api/llm/stats"): Rule("admin", call("/api/llm/stats")),
    ("GET", "/api/webhook-logs"): Rule("admin", call("/api/webhook-logs")),
    ("GET", "/api/webhook-logs/{delivery_id}"): Rule(
        "admin", on("delivery", "/api/webhook-logs/{id}")
    ),
    ("POST", "/api/webhook-logs/{delivery_id}/redeliver"): Rule(
        "admin", on("delivery", "/api/webhook-logs/{id}/redeliver"), ok=202
    ),
    ("POST", "/api/github/webhooks"): Rule(
        "public", _webhook, ok=202, note="Needs GitHub's signature (`X-Hub-Signature-256`)."
    ),
    ("POST", "/webhook"): Rule(
        "public", _seed_webhook, ok=202, note="Needs GitHub's signature (`X-Hub-Signature-256`)."
    ),
}


def app_routes(app: Any) -> set[tuple[str, str]]:
    # The console's pages use sessions, not bearer tokens: tests/test_console_http.py holds
    # their matrix.
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method not in ("HEAD", "OPTIONS")
        and not route.resource.canonical.startswith("/console")
    }


def test_every_route_has_a_rule_and_every_rule_a_route():
    """An endpoint added without saying who may call it fails here."""
    routes = app_routes(create_app(make_settings(), "postgresql://unused"))
    assert routes - ACCESS.keys() == set(), "routes without an access rule"
    assert ACCESS.keys() - routes == set(), "rules for routes that no longer exist"


@pytest.fixture
async def client(aiohttp_client, fake_github: FakeGitHub, fresh_database_url: str) -> TestClient:
    """The app with GitHub sign-in configured against the fake GitHub."""
    return await login_client(aiohttp_client, fake_github, fresh_database_url)


async def test_each_principal_is_denied_or_allowed_as_the_table_says(
    client: TestClient, fake_github: FakeGitHub, fresh_database_url: str
):
    async with open_pool(fresh_database_url, max_size=3) as pool:
        world = World(client, pool, fake_github, fresh_database_url)
        await world.setup()
        wrong: list[str] = []
        for (method, path), rule in ACCESS.items():
            for principal in PRINCIPALS:
                made = await rule.call(world, principal)
                auth = await world.headers_for(principal, fresh=rule.fresh_account)
                response = await client.request(
                    method,
                    made.path,
                    json=made.json,
                    data=made.data,
                    params=made.params,
                    headers={**made.headers, **auth},
                    allow_redirects=False,  # a redirect is the answer (e.g. to GitHub)
                )
                expected = rule.expected(principal)
                wanted = rule.ok if expected == ALLOWED else expected
                if response.status != wanted:
                    text = (await response.text())[:200]
                    wrong.append(
                        f"{method} {path} as {principal.name}: {response.status}, "
                        f"expected {wanted} ({expected}): {text}"
                    )
                elif response.status >= 400:
                    body = await response.json()
                    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert wrong == [], "\n".join(wrong)


def _mark(outcome: Outcome) -> str:
    return "✓" if outcome == ALLOWED else str(outcome)


def render_table() -> str:
    """The README's access table: each route, what each principal gets, and a note."""
    header = ["Endpoint", *(p.name for p in PRINCIPALS), "Notes"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for (method, path), rule in ACCESS.items():
        cells = [f"`{method} {path}`", *(_mark(rule.expected(p)) for p in PRINCIPALS), rule.note]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


BLOCK = re.compile(re.escape(TABLE_BEGIN) + r"\n(.*?)" + re.escape(TABLE_END), re.S)


def readme_table() -> str | None:
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    return found.group(1).removesuffix("\n") if found else None


def write_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    if BLOCK.search(text) is None:
        raise SystemExit(f"README.md has no {TABLE_BEGIN} ... {TABLE_END} block")
    block = f"{TABLE_BEGIN}\n{render_table()}\n{TABLE_END}"
    README.write_text(BLOCK.sub(lambda _: block, text), encoding="utf-8")


def test_the_readme_access_table_is_generated_from_these_rules():
    if not README.exists():
        pytest.skip("no README beside the tests")
    assert readme_table() == render_table(), (
        "README.md's access table differs from tests/test_access_matrix.py: "
        "run `python -m tests.test_access_matrix --write`"
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python -m tests.test_access_matrix --write")
    write_readme_table()
    print(f"wrote the access table in {README}")
