"""Open311 API clients: the programs (the city's app, a partner) allowed to file requests.

A client's key is shown once, when it is created; only its SHA-256 is kept (a key is 256 random
bits, so a plain hash is enough: there is nothing to brute-force, unlike a password).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from citizen_center.domain.workflow import Channel
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import ApiClient, utcnow

# The channels a program can file for; phone, e-mail and in-person requests come from people.
CLIENT_CHANNELS = (Channel.APP, Channel.WEB, Channel.WHATSAPP)
KEY_BYTES = 32
HINT_LENGTH = 6
NAME_LENGTH = 80


@dataclass(frozen=True)
class IssuedKey:
    """A new client and its key: the only moment the key exists outside the client's hands."""

    client: ApiClient
    key: str


@dataclass(frozen=True)
class KeyHolder:
    """The active client a key belongs to, as a filing needs it (not the ORM row: every POST
    checks a key, and a plain row costs a tenth of a mapped object)."""

    id: int
    name: str
    channel: Channel


class ApiKeyRefused(Exception):
    """No key, or one that is unknown or revoked (the API answers 403 for all three)."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_client(
    session: Session, name: str, channel: Channel | str = Channel.APP
) -> IssuedKey:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > NAME_LENGTH:
        raise ValidationError(f"O nome do cliente deve ter de 1 a {NAME_LENGTH} caracteres.")
    chosen = Channel(channel)
    if chosen not in CLIENT_CHANNELS:
        allowed = ", ".join(c.value for c in CLIENT_CHANNELS)
        raise ValidationError(
            f"Canal {chosen.value!r} não vale para um cliente da API ({allowed})."
        )
    if session.scalar(select(ApiClient.id).where(ApiClient.name == cleaned)) is not None:
        raise ValidationError(f"Já existe um cliente da API chamado {cleaned!r}.")
    key = secrets.token_urlsafe(KEY_BYTES)
    client = ApiClient(
        name=cleaned, key_hash=hash_key(key), key_hint=key[:HINT_LENGTH], channel=chosen
    )
    session.add(client)
    session.flush()
    return IssuedKey(client, key)


# Built once: the API's every POST runs it (bench/README.md).
_KEY_HOLDER = select(
    ApiClient.id, ApiClient.name, ApiClient.channel, ApiClient.key_hash, ApiClient.active
).where(ApiClient.key_hash == bindparam("digest"))


def verify_api_key(session: Session, key: str | None) -> KeyHolder:
    """The active client holding ``key``; raises ``ApiKeyRefused`` otherwise.

    The lookup is by the key's hash, so the database never compares secrets; the final
    comparison is constant-time anyway, so no timing tells how much of a key was right. Read
    at every call (no cache): a revoked key is refused at once.
    """
    if not key:
        raise ApiKeyRefused("api_key ausente.")
    digest = hash_key(key)
    row = session.execute(_KEY_HOLDER, {"digest": digest}).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        raise ApiKeyRefused("api_key inválida.")
    if not row.active:
        raise ApiKeyRefused("api_key revogada.")
    return KeyHolder(row.id, row.name, Channel(row.channel))


def revoke_api_client(session: Session, name: str, now: datetime | None = None) -> ApiClient:
    client = session.scalar(select(ApiClient).where(ApiClient.name == " ".join(name.split())))
    if client is None:
        raise NotFoundError(f"Cliente da API {name!r} não encontrado.")
    if client.active:
        client.active = False
        client.revoked_at = now or utcnow()
    return client


def list_api_clients(session: Session) -> list[ApiClient]:
    return list(session.scalars(select(ApiClient).order_by(ApiClient.name)))
