"""Access tokens: HS256 JWTs with `sub`, `iat`, `exp`, a `jti` that logout revokes, and the
account's token generation `gen`: bumping it (deactivation, a password change) revokes
every token issued before, without a row per token."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

ALGORITHM = "HS256"
MAX_USER_ID = 2**63 - 1  # users.id is a bigint
MAX_GENERATION = 2**31 - 1  # users.token_generation is an integer
LEEWAY_SECONDS = 10


class InvalidToken(Exception):
    """The token is malformed, forged or expired."""


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    jti: uuid.UUID
    expires_at: datetime
    generation: int = 0


@dataclass(frozen=True)
class TokenIssuer:
    secret_key: str
    lifetime_minutes: int

    def issue(self, user_id: int, generation: int, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "sub": str(user_id),
            "iat": issued,
            "exp": issued + self.lifetime_minutes * 60,
            "jti": str(uuid.uuid4()),
            "gen": generation,
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
            # Tokens issued before generations existed are generation 0.
            generation = claims.get("gen", 0)
            if type(generation) is not int or not 0 <= generation <= MAX_GENERATION:
                raise ValueError("gen is not a token generation")
            return TokenClaims(
                user_id=user_id,
                jti=uuid.UUID(claims["jti"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
                generation=generation,
            )
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as exc:
            raise InvalidToken(str(exc)) from None
