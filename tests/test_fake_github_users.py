"""Self-tests of the fake GitHub's user side, with bare aiohttp: it must refuse what GitHub
refuses (wrong client secret, a reused code or refresh token, a wrong PKCE verifier, an
expired user token) and answer contents with an ETag and 304."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp

from tests.fakes.github import AuthKind

VERIFIER = "v" * 50
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")
)


async def authorize(session, fake, login="mona", **extra) -> str:
    fake.add_user(login)
    fake.signed_in = login
    query = {"client_id": fake.client_id, "state": "s1", **extra}
    url = f"{fake.html_url}/login/oauth/authorize?{urlencode(query)}"
    async with session.get(url, allow_redirects=False) as response:
        assert response.status == 302
        back = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    assert back["state"] == "s1"
    return back["code"]


async def exchange(session, fake, **form) -> dict:
    body = {"client_id": fake.client_id, "client_secret": fake.client_secret, **form}
    async with session.post(
        f"{fake.html_url}/login/oauth/access_token",
        data=body,
        headers={"Accept": "application/json"},
    ) as response:
        assert response.status == 200
        return await response.json()


async def test_a_code_is_exchanged_once_with_the_right_secret_and_verifier(fake_github):
    async with aiohttp.ClientSession() as session:
        code = await authorize(
            session, fake_github, code_challenge=CHALLENGE, code_challenge_method="S256"
        )
        wrong_secret = await exchange(session, fake_github, code=code, client_secret="nope")
        assert wrong_secret["error"] == "incorrect_client_credentials"
        wrong_verifier = await exchange(session, fake_github, code=code, code_verifier="x" * 50)
        assert wrong_verifier["error"] == "bad_verification_code"

        code = await authorize(
            session, fake_github, code_challenge=CHALLENGE, code_challenge_method="S256"
        )
        tokens = await exchange(session, fake_github, code=code, code_verifier=VERIFIER)
        assert tokens["access_token"].startswith("ghu_")
        assert tokens["refresh_token"].startswith("ghr_")
        assert tokens["expires_in"] == 28800
        again = await exchange(session, fake_github, code=code, code_verifier=VERIFIER)
        assert again["error"] == "bad_verification_code"

        refreshed = await exchange(
            session, fake_github, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
        assert refreshed["access_token"] != tokens["access_token"]
        reused = await exchange(
            session, fake_github, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
        assert reused["error"] == "bad_refresh_token"


async def test_user_endpoints_need_a_live_user_token(fake_github):
    fake_github.add_installation(5, ["octo-org/widgets", "octo-org/other"])
    fake_github.grant("mona", "octo-org/widgets", "maintain")
    async with aiohttp.ClientSession() as session:
        tokens = await exchange(session, fake_github, code=await authorize(session, fake_github))
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        async with session.get(f"{fake_github.api_url}/user", headers=auth) as response:
            assert (await response.json())["login"] == "mona"
        async with session.get(f"{fake_github.api_url}/user/installations", headers=auth) as r:
            body = await r.json()
        assert body["total_count"] == 1 and body["installations"][0]["id"] == 5
        url = f"{fake_github.api_url}/user/installations/5/repositories"
        async with session.get(url, headers=auth) as response:
            repos = (await response.json())["repositories"]
        assert [r["full_name"] for r in repos] == ["octo-org/widgets"]
        assert repos[0]["permissions"] == {
            "pull": True,
            "triage": True,
            "push": True,
            "maintain": True,
            "admin": False,
        }
        assert fake_github.requests_to("GET", "/user")[0].auth is AuthKind.USER

        fake_github.expire_user_tokens("mona")
        async with session.get(f"{fake_github.api_url}/user", headers=auth) as response:
            assert response.status == 401
        async with session.get(f"{fake_github.api_url}/user") as response:
            assert response.status == 401


async def test_contents_answer_304_to_their_etag_and_404_when_absent(fake_github):
    fake_github.add_installation(5, ["octo-org/widgets"])
    fake_github.set_file("octo-org/widgets", ".github/grimoire.yml", "enabled: false\n")
    async with aiohttp.ClientSession() as session:
        token = await _installation_token(session, fake_github, 5)
        url = f"{fake_github.api_url}/repos/octo-org/widgets/contents/.github/grimoire.yml"
        async with session.get(url, headers=token) as response:
            body = await response.json()
            etag = response.headers["ETag"]
        assert base64.b64decode(body["content"]) == b"enabled: false\n"
        async with session.get(url, headers={**token, "If-None-Match": etag}) as response:
            assert response.status == 304
        fake_github.set_file("octo-org/widgets", ".github/grimoire.yml", "enabled: true\n")
        async with session.get(url, headers={**token, "If-None-Match": etag}) as response:
            assert response.status == 200
        missing = f"{fake_github.api_url}/repos/octo-org/widgets/contents/nope.yml"
        async with session.get(missing, headers=token) as response:
            assert response.status == 404
        async with session.get(f"{fake_github.api_url}/repos/octo-org/widgets", headers=token) as r:
            assert (await r.json())["default_branch"] == "main"


async def _installation_token(session, fake, installation_id) -> dict[str, str]:
    from grimoire_bot.github.auth import make_app_jwt

    jwt = make_app_jwt(fake.app_id, fake.private_key_pem)
    async with session.post(
        f"{fake.api_url}/app/installations/{installation_id}/access_tokens",
        headers={"Authorization": f"Bearer {jwt}"},
    ) as response:
        token = (await response.json())["token"]
    return {"Authorization": f"Bearer {token}"}
