"""Access tokens: HS256 JWTs with `sub`, `iat`, `exp` and a `jti` that logout revokes."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

ALGORITHM = "HS256"
MAX_USER_ID = 2**63 - 1  # users.id is a bigint
LEEWAY_SECONDS = 10


class InvalidToken(Exception):
    """The token is malformed, forged or expired."""


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    jti: uuid.UUID
    expires_at: datetime


@dataclass(frozen=True)
class TokenIssuer:
    secret_key: str
    lifetime_minutes: int

    def issue(self, user_id: int, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "sub": str(user_id),
            "iat": issued,
            "exp": issued + self.lifetime_minutes * 60,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self.secret_key, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self.secret_key,
                algorithms=[ALGORITHM],
                options={"require": ["sub", "iat", "exp", "jti"]},
                leeway=LEEWAY_SECONDS,
            )
            user_id = int(claims["sub"])
            if not 0 < user_id <= MAX_USER_ID:
                raise ValueError("sub is not a user id")
            return TokenClaims(
                user_id=user_id,
                jti=uuid.UUID(claims["jti"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as exc:
            raise InvalidToken(str(exc)) from None
