"""Session tokens: HMAC-signed (JWT, HS256), so they survive a restart of the gateway.

A desktop logs in once per shift; when the gateway restarts, desktops reconnect with the token
they hold instead of asking the agent for the password again. The token names the user, role and
phone interface; the gateway still re-reads the user on every connection, so deactivating an
account takes effect at the next reconnect. The key comes from the configuration or is generated
once into the PBX host's secret store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from citizen_center.domain.workflow import Role
from gateway.policy import SessionUser

ALGORITHM = "HS256"
ISSUER = "central156-gateway"


class TokenError(ValueError):
    """A token that is forged, expired or malformed."""


@dataclass(frozen=True)
class TokenSigner:
    key: str
    lifetime_seconds: float

    def issue(self, user: SessionUser, now: float | None = None) -> tuple[str, float]:
        """The token and its expiry (Unix time)."""
        issued = time.time() if now is None else now
        expires = issued + self.lifetime_seconds
        claims = {
            "iss": ISSUER,
            "sub": str(user.user_id),
            "usr": user.username,
            "name": user.full_name,
            "role": user.role.value,
            "ifc": user.interface,
            "iat": int(issued),
            "exp": int(expires),
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM), expires

    def verify(self, token: str) -> SessionUser:
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
            return SessionUser(
                int(claims["sub"]),
                str(claims["usr"]),
                str(claims["name"]),
                Role(claims["role"]),
                str(claims["ifc"]),
            )
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            raise TokenError(f"invalid session token: {error}") from error
