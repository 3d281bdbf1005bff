"""Logging in to the gateway over HTTP: what a desktop (or a bench, or a test) does first.

The WebSocket stream itself is opened by the desktop's Qt client
(``agent_desktop.gateway_link``) with the token obtained here. Only the wire format and httpx
are imported: a desktop that uses this holds no PBX credential and no PBX code.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx

from gateway.protocol import LOGIN_PATH, STREAM_PATH

LOGIN_TIMEOUT_SECONDS = 10.0


class GatewayLoginError(RuntimeError):
    """The gateway refused the login or could not be reached (message in pt-BR, for the user)."""


@dataclass(frozen=True)
class GatewayUser:
    id: int
    username: str
    full_name: str
    role: str
    interface: str


@dataclass(frozen=True)
class GatewaySession:
    """A logged-in user's token and where to open the stream."""

    base_url: str
    token: str
    expires_at: float
    user: GatewayUser
    ca_file: str = ""

    @property
    def stream_url(self) -> str:
        scheme = "wss" if self.base_url.startswith("https") else "ws"
        return f"{scheme}{self.base_url.removeprefix('https').removeprefix('http')}{STREAM_PATH}"


def login(
    base_url: str, username: str, password: str, interface: str = "", ca_file: str = ""
) -> GatewaySession:
    """Authenticate at the gateway; GatewayLoginError says why not, in words for the user."""
    base = base_url.rstrip("/")
    try:
        reply = httpx.post(
            f"{base}{LOGIN_PATH}",
            timeout=LOGIN_TIMEOUT_SECONDS,
            verify=trust(ca_file),
            json={"username": username, "password": password, "interface": interface},
        )
    except httpx.HTTPError as error:
        raise GatewayLoginError(
            f"Não foi possível falar com o servidor da central em {base} ({error})."
        ) from error
    if reply.status_code != httpx.codes.OK:
        raise GatewayLoginError(_refusal_text(reply))
    data = reply.json()
    user = data["user"]
    return GatewaySession(
        base,
        str(data["token"]),
        float(data["expires_at"]),
        GatewayUser(
            int(user["id"]),
            str(user["username"]),
            str(user["full_name"]),
            str(user["role"]),
            str(user["interface"]),
        ),
        ca_file,
    )


def trust(ca_file: str = "") -> ssl.SSLContext:
    """The CAs a desktop trusts: the configured one (a city's own CA), else the system's."""
    return ssl.create_default_context(cafile=ca_file or None)


def _refusal_text(reply: httpx.Response) -> str:
    try:
        detail = reply.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, str):
        return detail
    if reply.status_code == httpx.codes.UNPROCESSABLE_ENTITY:
        return "Usuário ou senha em formato inválido."
    return f"O servidor da central recusou o acesso (HTTP {reply.status_code})."
