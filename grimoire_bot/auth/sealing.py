"""Sealing secrets kept at rest (GitHub user tokens): AES-256-GCM, key derived from SECRET_KEY."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# A purpose label, so this key never equals one derived from the same secret elsewhere.
KEY_PURPOSE = b"grimoire: sealed github user tokens v1"
NONCE_BYTES = 12


class Sealer:
    """Seals text bound to a context (the row it belongs to), so a sealed value moved to
    another row does not open. A changed SECRET_KEY leaves old values unopenable: callers
    treat them as absent."""

    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_PURPOSE).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "Sealer()"

    def seal(self, plaintext: str, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), context.encode())

    def open(self, sealed: bytes | None, context: str) -> str | None:
        if not sealed or len(sealed) <= NONCE_BYTES:
            return None
        try:
            plain = self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode())
        except InvalidTag:
            return None
        return plain.decode()
