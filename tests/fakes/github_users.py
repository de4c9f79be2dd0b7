"""The fake GitHub's user side: the App's user authorization (OAuth web flow), `/user`,
the user's installations and repositories with permissions, and repository contents.

A mixin of `FakeGitHub` (kept apart so the fake's other parts change independently). It
checks what GitHub checks: the client id and secret, the code's single use, expiry,
redirect URI and PKCE verifier, the refresh token's single use, expired or revoked user
tokens (401), and it answers contents with an ETag and 304 for an unchanged file.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

DEFAULT_CLIENT_ID = "Iv1.f4k3c113n7"
DEFAULT_CLIENT_SECRET = "fake-client-secret-0123456789abcdef"
DEFAULT_CALLBACK_URL = "http://127.0.0.1:9/auth/github/callback"
CODE_LIFETIME = 600.0
USER_TOKEN_LIFETIME = 8 * 3600.0
REFRESH_TOKEN_LIFETIME = 184 * 24 * 3600.0
DEFAULT_BRANCH = "main"
PERMISSION_ORDER = ("read", "triage", "write", "maintain", "admin")
OAUTH_DOCS = "https://docs.github.com/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"


@dataclasses.dataclass
class FakeUser:
    id: int
    login: str
    # Repository full name -> read, triage, write, maintain or admin.
    permissions: dict[str, str] = dataclasses.field(default_factory=dict)


FAKE_USER = web.RequestKey("fake_user", FakeUser)


@dataclasses.dataclass
class AuthorizationCode:
    login: str
    code_challenge: str | None
    redirect_uri: str | None
    expires_at: float
    used: bool = False


@dataclasses.dataclass
class UserToken:
    token: str
    login: str
    expires_at: float | None
    revoked: bool = False


@dataclasses.dataclass
class RefreshToken:
    token: str
    login: str
    expires_at: float
    used: bool = False


class UserSide:
    """State and handlers; the host class provides `_json`, `_paginate`, `_repo_json` etc."""

    def _init_user_side(self) -> None:
        self.client_id = DEFAULT_CLIENT_ID
        self.client_secret = DEFAULT_CLIENT_SECRET
        # The App's registered callback URL: where GitHub sends the browser by default.
        self.callback_url = DEFAULT_CALLBACK_URL
        self.users: dict[str, FakeUser] = {}
        # Who approves at /login/oauth/authorize (GitHub's signed-in browser user).
        self.signed_in: str | None = None
        # False: the App opted out of expiring user tokens (no expires_in, no refresh token).
        self.expiring_user_tokens = True
        self.user_token_lifetime = USER_TOKEN_LIFETIME
        self.codes: dict[str, AuthorizationCode] = {}
        self.user_tokens: dict[str, UserToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.files: dict[tuple[str, str, str], bytes] = {}
        self.default_branches: dict[str, str] = {}

    # ---------------------------------------------------------------- seeding

    def add_user(self, login: str) -> FakeUser:
        user = self.users.get(login)
        if user is None:
            user = FakeUser(id=self._repo_id(f"user:{login}"), login=login)  # type: ignore[attr-defined]
            self.users[login] = user
        return user

    def grant(self, login: str, repo: str, permission: str) -> None:
        """The user's role on a repository (of an installation of the App)."""
        if permission not in PERMISSION_ORDER:
            raise ValueError(f"permission must be one of {PERMISSION_ORDER}")
        self.add_user(login).permissions[repo] = permission

    def revoke(self, login: str, repo: str) -> None:
        self.add_user(login).permissions.pop(repo, None)

    def repo_id(self, repo: str) -> int:
        """The id this fake gives a repository (seed the app's tables with it)."""
        return self._repo_id(repo)  # type: ignore[attr-defined]

    def set_file(
        self, repo: str, path: str, text: str | bytes, *, branch: str | None = None
    ) -> None:
        data = text.encode() if isinstance(text, str) else text
        self.files[(repo, branch or self.default_branch(repo), path)] = data

    def delete_file(self, repo: str, path: str, *, branch: str | None = None) -> None:
        self.files.pop((repo, branch or self.default_branch(repo), path), None)

    def default_branch(self, repo: str) -> str:
        return self.default_branches.get(repo, DEFAULT_BRANCH)

    def expire_user_tokens(self, login: str | None = None) -> None:
        for token in self.user_tokens.values():
            if login is None or token.login == login:
                token.expires_at = time.time() - 1

    def revoke_user_tokens(self, login: str) -> None:
        """As when the user revokes the App's authorization: every token stops working."""
        for token in self.user_tokens.values():
            if token.login == login:
                token.revoked = True
        for refresh in self.refresh_tokens.values():
            if refresh.login == login:
                refresh.used = True

    # ---------------------------------------------------------------- routes

    def _user_routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/user", self._get_user),
            ("GET", "/user/installations", self._list_user_installations),
            (
                "GET",
                "/user/installations/{installation_id}/repositories",
                self._list_user_installation_repos,
            ),
            ("GET", "/repos/{owner}/{repo}", self._get_repo),
            ("GET", "/repos/{owner}/{repo}/contents/{path:.+}", self._get_contents),
        ]

    def _web_routes(self) -> list[tuple[str, str, Any]]:
        """On the web origin, not under /api/v3."""
        return [
            ("GET", "/login/oauth/authorize", self._authorize),
            ("POST", "/login/oauth/access_token", self._access_token),
        ]

    def _authenticate_user(self, request: web.Request, record: Any) -> None:
        from tests.fakes.github import AuthKind, _reject

        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or not credential:
            raise _reject(401, "Requires authentication")
        record.auth, record.credential = AuthKind.USER, credential.strip()
        issued = self.user_tokens.get(credential.strip())
        if (
            issued is None
            or issued.revoked
            or (issued.expires_at is not None and issued.expires_at <= time.time())
        ):
            raise _reject(401, "Bad credentials")
        request[FAKE_USER] = self.users[issued.login]

    # ---------------------------------------------------------------- OAuth web flow

    async def _authorize(self, request: web.Request) -> web.Response:
        """GitHub's consent page, approved at once by `signed_in`; 302 back with code and state."""
        query = request.query
        if query.get("client_id") != self.client_id:
            return web.Response(status=404, text="Not Found")
        if self.signed_in is None:
            return web.Response(
                status=200, text="<html>Sign in to GitHub</html>", content_type="text/html"
            )
        redirect_uri = query.get("redirect_uri")
        if redirect_uri is not None and redirect_uri.split("?")[0] != self.callback_url:
            target = f"{self.callback_url}?" + urlencode(
                {
                    "error": "redirect_uri_mismatch",
                    "error_description": "The redirect_uri MUST match the registered callback URL for this application.",
                    "state": query.get("state", ""),
                }
            )
            return web.Response(status=302, headers={"Location": target})
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            return web.Response(status=400, text="code_challenge_method must be S256")
        code = secrets.token_hex(10)
        self.codes[code] = AuthorizationCode(
            login=self.signed_in,
            code_challenge=query.get("code_challenge"),
            redirect_uri=redirect_uri,
            expires_at=time.time() + CODE_LIFETIME,
        )
        back = {"code": code}
        if "state" in query:
            back["state"] = query["state"]
        return web.Response(
            status=302,
            headers={"Location": f"{redirect_uri or self.callback_url}?{urlencode(back)}"},
        )

    async def _access_token(self, request: web.Request) -> web.Response:
        form = dict(request.query)
        form.update(await request.post())
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return self._oauth_error(
                "incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.",
            )
        if form.get("grant_type") == "refresh_token":
            refresh = self.refresh_tokens.get(str(form.get("refresh_token")))
            if refresh is None or refresh.used or refresh.expires_at <= time.time():
                return self._oauth_error(
                    "bad_refresh_token", "The refresh token passed is incorrect or expired."
                )
            refresh.used = True
            return self._issue_user_token(refresh.login)
        grant = self.codes.get(str(form.get("code")))
        if grant is None or grant.used or grant.expires_at <= time.time():
            return self._oauth_error(
                "bad_verification_code", "The code passed is incorrect or expired."
            )
        grant.used = True
        if grant.redirect_uri is not None and form.get("redirect_uri") not in (
            None,
            grant.redirect_uri,
        ):
            return self._oauth_error(
                "redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL."
            )
        if grant.code_challenge is not None:
            verifier = str(form.get("code_verifier", ""))
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).decode().rstrip("=") != grant.code_challenge:
                return self._oauth_error(
                    "bad_verification_code", "The code_verifier does not match."
                )
        return self._issue_user_token(grant.login)

    def _issue_user_token(self, login: str) -> web.Response:
        token = f"ghu_{secrets.token_urlsafe(27)}"
        body: dict[str, Any] = {"access_token": token, "token_type": "bearer", "scope": ""}
        if self.expiring_user_tokens:
            refresh = f"ghr_{secrets.token_urlsafe(56)}"
            self.user_tokens[token] = UserToken(
                token, login, time.time() + self.user_token_lifetime
            )
            self.refresh_tokens[refresh] = RefreshToken(
                refresh, login, time.time() + REFRESH_TOKEN_LIFETIME
            )
            body.update(
                expires_in=int(self.user_token_lifetime),
                refresh_token=refresh,
                refresh_token_expires_in=int(REFRESH_TOKEN_LIFETIME),
            )
        else:
            self.user_tokens[token] = UserToken(token, login, None)
        return web.json_response(body)

    def _oauth_error(self, error: str, description: str) -> web.Response:
        # GitHub answers these with 200 and an `error` field.
        return web.json_response(
            {"error": error, "error_description": description, "error_uri": OAUTH_DOCS}
        )

    # ---------------------------------------------------------------- /user

    async def _get_user(self, request: web.Request) -> web.Response:
        user = request[FAKE_USER]
        body = {**self._user_json(user.login), "name": user.login.title(), "email": None}  # type: ignore[attr-defined]
        body["id"] = user.id
        return self._json(request, body)  # type: ignore[attr-defined]

    def _visible_installations(self, user: FakeUser) -> list[Any]:
        return [
            installation
            for installation in self.installations.values()  # type: ignore[attr-defined]
            if any(self._covers(installation, repo) for repo in user.permissions)
        ]

    @staticmethod
    def _covers(installation: Any, repo: str) -> bool:
        return installation.repos is None or repo in installation.repos

    async def _list_user_installations(self, request: web.Request) -> web.Response:
        user = request[FAKE_USER]
        installations = [
            {
                "id": installation.id,
                "app_id": int(self.app_id),  # type: ignore[attr-defined]
                "target_type": "Organization",
                "permissions": installation.permissions,
                "repository_selection": "all" if installation.repos is None else "selected",
                "events": ["check_run", "push"],
            }
            for installation in self._visible_installations(user)
        ]
        page, link = self._paginate(request, installations)  # type: ignore[attr-defined]
        return self._json(  # type: ignore[attr-defined]
            request, {"total_count": len(installations), "installations": page}, link=link
        )

    async def _list_user_installation_repos(self, request: web.Request) -> web.Response:
        from tests.fakes.github import _int_or_zero, _reject

        user = request[FAKE_USER]
        installation_id = _int_or_zero(request.match_info["installation_id"])
        installation = self.installations.get(installation_id)  # type: ignore[attr-defined]
        if installation is None or installation not in self._visible_installations(user):
            raise _reject(404, "Not Found")
        repos = [
            {**self._repo_json(repo), "permissions": _permission_flags(permission)}  # type: ignore[attr-defined]
            for repo, permission in sorted(user.permissions.items())
            if self._covers(installation, repo)
        ]
        page, link = self._paginate(request, repos)  # type: ignore[attr-defined]
        body = {
            "total_count": len(repos),
            "repository_selection": "all" if installation.repos is None else "selected",
            "repositories": page,
        }
        return self._json(request, body, link=link)  # type: ignore[attr-defined]

    # ---------------------------------------------------------------- repositories

    async def _get_repo(self, request: web.Request) -> web.Response:
        repo = self._repo_name(request)  # type: ignore[attr-defined]
        return self._json(request, self._repo_json(repo))  # type: ignore[attr-defined]

    async def _get_contents(self, request: web.Request) -> web.Response:
        from tests.fakes.github import _reject

        repo = self._repo_name(request)  # type: ignore[attr-defined]
        path = request.match_info["path"]
        ref = request.query.get("ref") or self.default_branch(repo)
        data = self.files.get((repo, ref, path))
        if data is None:
            raise _reject(404, "Not Found")
        blob_sha = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324
        api = f"{self.api_url}/repos/{repo}"  # type: ignore[attr-defined]
        html = f"{self.html_url}/{repo}/blob/{ref}/{path}"  # type: ignore[attr-defined]
        encoded = base64.b64encode(data).decode()
        body = {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            # GitHub wraps the base64 at 60 characters.
            "content": "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n",
            "sha": blob_sha,
            "url": f"{api}/contents/{path}?ref={ref}",
            "git_url": f"{api}/git/blobs/{blob_sha}",
            "html_url": html,
            "download_url": f"{self.html_url}/raw/{repo}/{ref}/{path}",  # type: ignore[attr-defined]
            "_links": {
                "self": f"{api}/contents/{path}?ref={ref}",
                "git": f"{api}/git/blobs/{blob_sha}",
                "html": html,
            },
        }
        return self._json(request, body)  # type: ignore[attr-defined]


def _permission_flags(permission: str) -> dict[str, bool]:
    rank = PERMISSION_ORDER.index(permission)
    names = {
        "read": "pull",
        "triage": "triage",
        "write": "push",
        "maintain": "maintain",
        "admin": "admin",
    }
    return {names[level]: rank >= index for index, level in enumerate(PERMISSION_ORDER)}
