"""App authentication: the private key, the App JWT and a per-process installation token cache."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import jwt
from cachetools import TLRUCache
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from gidgethub.abc import GitHubAPI

PRIVATE_KEY_VAR = "PRIVATE_KEY"
PRIVATE_KEY_PATH_VAR = "PRIVATE_KEY_PATH"
PEM_MARKER = "-----BEGIN"
# GitHub rejects an `iat` in its future; backdating absorbs a local clock running ahead.
JWT_BACKDATE_SECONDS = 60
# exp - iat = 600 s, the most GitHub accepts.
JWT_LIFETIME_SECONDS = 540
JWT_ALGORITHM = "RS256"
# Renew this long before `expires_at`, so a token never expires in the middle of a job.
REFRESH_MARGIN = 5 * 60.0
MAX_CACHED_INSTALLATIONS = 10_000
ACCESS_TOKENS_PATH = "/app/installations/{installation_id}/access_tokens"

logger = logging.getLogger(__name__)


def load_private_key(pem_or_base64: str | None, path: str | None) -> str:
    """Return the App's PEM private key from the PRIVATE_KEY value or the PRIVATE_KEY_PATH file.

    PRIVATE_KEY may be the PEM itself (with real or literal ``\\n`` line breaks, as env files
    carry it) or base64 of the PEM (as Heroku users paste it). Errors name the variable and
    never quote the key.
    """
    if pem_or_base64 and pem_or_base64.strip():
        pem = _pem_from_env_value(pem_or_base64)
        _check_rsa_pem(pem, PRIVATE_KEY_VAR)
        return pem
    if path and path.strip():
        pem = _read_key_file(path.strip())
        _check_rsa_pem(pem, PRIVATE_KEY_PATH_VAR)
        return pem
    raise ValueError(f"set {PRIVATE_KEY_VAR} or {PRIVATE_KEY_PATH_VAR} to the App's private key")


def _pem_from_env_value(value: str) -> str:
    text = value.strip().replace("\\n", "\n")
    if PEM_MARKER in text:
        return _normalise_pem(text)
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, non-ASCII input and bad UTF-8 are all ValueErrors
        raise ValueError(
            f"{PRIVATE_KEY_VAR} is neither a PEM private key nor base64 of one"
        ) from None
    if PEM_MARKER not in decoded:
        raise ValueError(f"{PRIVATE_KEY_VAR} is base64 but does not decode to a PEM private key")
    return _normalise_pem(decoded.replace("\\n", "\n"))


def _read_key_file(path: str) -> str:
    try:
        return _normalise_pem(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(
            f"{PRIVATE_KEY_PATH_VAR} file {path!r} cannot be read: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError:
        raise ValueError(f"{PRIVATE_KEY_PATH_VAR} file {path!r} is not a PEM text file") from None


def _normalise_pem(text: str) -> str:
    lines = [line.strip() for line in text.strip().replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if line) + "\n"


def _check_rsa_pem(pem: str, variable: str) -> None:
    # Parsing here turns a bad key into a clear start-up error instead of a 401 per request.
    _load_rsa_key(pem, variable)


def _load_rsa_key(pem: str, variable: str = PRIVATE_KEY_VAR) -> RSAPrivateKey:
    try:
        key = load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        # The parser's own message may quote key material; keep it out.
        raise ValueError(f"{variable} does not hold a valid unencrypted PEM private key") from None
    if not isinstance(key, RSAPrivateKey):
        raise ValueError(f"{variable} must be an RSA private key (GitHub signs Apps with RS256)")
    return key


def make_app_jwt(app_id: str, private_key: str | RSAPrivateKey, *, now: float | None = None) -> str:
    """Sign the short-lived JWT that authenticates as the App itself (``/app/...`` endpoints).

    ``private_key`` is the PEM text or an already loaded key (loading a PEM validates the RSA
    key, which costs tens of milliseconds, so long-lived callers load it once).
    """
    issued = int(time.time() if now is None else now)
    claims = {
        "iat": issued - JWT_BACKDATE_SECONDS,
        "exp": issued + JWT_LIFETIME_SECONDS,
        "iss": str(app_id),
    }
    return jwt.encode(claims, private_key, algorithm=JWT_ALGORITHM)


@dataclasses.dataclass(frozen=True)
class InstallationToken:
    token: str = dataclasses.field(repr=False)
    expires_at: float
    installation_id: int


class InstallationTokens:
    """Installation tokens cached per installation, renewed before expiry, minted once at a time.

    Holds the App's credentials itself so callers only ever see installation tokens.
    """

    def __init__(
        self,
        app_id: str,
        private_key: str | RSAPrivateKey,
        *,
        refresh_margin: float = REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
        max_installations: int = MAX_CACHED_INSTALLATIONS,
    ) -> None:
        self.app_id = str(app_id)
        self._signing_key = (
            private_key if isinstance(private_key, RSAPrivateKey) else _load_rsa_key(private_key)
        )
        self._refresh_margin = refresh_margin
        # A wall clock (not monotonic), because `expires_at` is a wall-clock instant chosen by
        # GitHub; injectable so tests can move it.
        self._cache: TLRUCache[int, InstallationToken] = TLRUCache(
            maxsize=max_installations, ttu=self._renew_at, timer=clock
        )
        self._minting: dict[int, asyncio.Task[InstallationToken]] = {}

    def __repr__(self) -> str:
        return f"InstallationTokens(app_id={self.app_id!r}, cached={len(self._cache)})"

    def app_jwt(self) -> str:
        return make_app_jwt(self.app_id, self._signing_key)

    async def token(self, gh: GitHubAPI, installation_id: int) -> str:
        """Return a usable token for the installation, minting one only when needed."""
        return (await self.installation_token(gh, installation_id)).token

    async def installation_token(self, gh: GitHubAPI, installation_id: int) -> InstallationToken:
        installation_id = int(installation_id)
        cached = self._cache.get(installation_id)
        if cached is not None:
            return cached
        minting = self._minting.get(installation_id)
        if minting is None or minting.get_loop() is not asyncio.get_running_loop():
            # A mint left behind by another (perhaps closed) event loop cannot be awaited here.
            minting = asyncio.ensure_future(self._mint(gh, installation_id))
            self._minting[installation_id] = minting
            minting.add_done_callback(lambda task: self._forget_mint(installation_id, task))
        # Shielded: one caller being cancelled must not cancel the mint the others await.
        return await asyncio.shield(minting)

    def invalidate(self, installation_id: int) -> None:
        """Forget the cached token, e.g. after GitHub answered 401 to it."""
        self._cache.pop(int(installation_id), None)

    def _forget_mint(self, installation_id: int, task: asyncio.Task[InstallationToken]) -> None:
        if self._minting.get(installation_id) is task:
            del self._minting[installation_id]
        if not task.cancelled():
            # Marks the exception retrieved even when every awaiting caller was cancelled.
            task.exception()

    async def _mint(self, gh: GitHubAPI, installation_id: int) -> InstallationToken:
        response = await gh.post(
            ACCESS_TOKENS_PATH,
            {"installation_id": installation_id},
            data=b"",
            jwt=self.app_jwt(),
        )
        minted = InstallationToken(
            token=response["token"],
            expires_at=_parse_github_time(response["expires_at"]),
            installation_id=installation_id,
        )
        self._cache[installation_id] = minted
        logger.info(
            "minted installation token",
            extra={"installation_id": installation_id, "expires_at": response["expires_at"]},
        )
        return minted

    def _renew_at(self, _installation_id: int, minted: InstallationToken, _now: float) -> float:
        return minted.expires_at - self._refresh_margin


def _parse_github_time(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()
