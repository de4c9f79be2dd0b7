"""Password hashing with scrypt, a memory-hard KDF (RFC 7914), from the standard library."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

# n=2**14, r=8 needs 16 MiB per hash: cheap for one login, ruinous for a GPU farm.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
SCHEME = "scrypt"


@dataclass(frozen=True)
class ScryptParams:
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @property
    def maxmem(self) -> int:
        return 128 * self.n * self.r * self.p + 1024 * 1024


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, params: ScryptParams = ScryptParams()) -> str:
    salt = os.urandom(SALT_BYTES)
    key = _derive(password, salt, params)
    return f"{SCHEME}${params.n}${params.r}${params.p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, key = encoded.split("$")
        params = ScryptParams(int(n), int(r), int(p))
        expected = _unb64(key)
        salt_bytes = _unb64(salt)
    except ValueError:
        return False
    if scheme != SCHEME:
        return False
    return hmac.compare_digest(_derive(password, salt_bytes, params), expected)


def _derive(password: str, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem,
        dklen=KEY_BYTES,
    )


class PasswordHasher:
    """Runs the KDF off the event loop.

    It keeps a dummy hash to verify against when an account does not exist, so a wrong
    email costs the same time as a wrong password and the two cannot be told apart.
    """

    def __init__(self, params: ScryptParams = ScryptParams()) -> None:
        self.params = params
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(hash_password, password, self.params)

    async def verify(self, password: str, encoded: str | None) -> bool:
        if encoded is None:
            if self._dummy is None:
                self._dummy = await self.hash(os.urandom(16).hex())
            await asyncio.to_thread(verify_password, password, self._dummy)
            return False
        return await asyncio.to_thread(verify_password, password, encoded)
