"""Signed-in accounts of each role, made through the API as people make them."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Accounts:
    """The first signup (outside production) is the admin; the others sign up as
    contributors and the admin gives them their role through `PATCH /api/users/{id}`."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self._admin: dict[str, str] | None = None
        self.ids: dict[str, int] = {}

    async def signup(self, email: str) -> dict:
        response = await self.client.post(
            "/auth/signup", json={"email": email, "password": PASSWORD}
        )
        assert response.status == 201, await response.text()
        body = await response.json()
        self.ids[email] = body["user"]["id"]
        return body

    async def admin(self, email: str = "admin@example.com") -> dict[str, str]:
        if self._admin is None:
            body = await self.signup(email)
            assert body["user"]["role"] == "admin", "the admin must be the first account"
            self._admin = bearer(body["access_token"])
        return self._admin

    async def contributor(self, email: str = "contributor@example.com") -> dict[str, str]:
        await self.admin()
        body = await self.signup(email)
        assert body["user"]["role"] == "contributor"
        return bearer(body["access_token"])

    async def curator(self, email: str = "curator@example.com") -> dict[str, str]:
        headers = await self.contributor(email)
        await self.set_role(email, "curator")
        return headers

    async def second_admin(self, email: str = "admin2@example.com") -> dict[str, str]:
        headers = await self.contributor(email)
        await self.set_role(email, "admin")
        return headers

    async def set_role(self, email: str, role: str) -> None:
        response = await self.client.patch(
            f"/api/users/{self.ids[email]}", json={"role": role}, headers=await self.admin()
        )
        assert response.status == 200, await response.text()

    async def login(self, email: str, password: str = PASSWORD):
        return await self.client.post("/auth/login", json={"email": email, "password": password})
