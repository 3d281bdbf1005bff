"""Reading the Open311 arguments: query strings of the GETs, the form of POST requests.

Every bad argument becomes an ``Open311Error`` with the spec's status (400, or 404 for an
unknown jurisdiction) and a message naming the argument.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from citizen_center.services.public_requests import Filing, Reporter
from web.open311.errors import Open311Error

JURISDICTION_ID = "portoalegre.rs.gov.br"
MAX_IDS = 500
# Dates the database and the arithmetic of spans can hold on both engines.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
SERVICE_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,39}")
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]{1,60})\](\[\])?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SINGLE_FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)


def bad(description: str) -> Open311Error:
    return Open311Error(400, description)


def check_jurisdiction(value: str | None) -> None:
    if value and value.strip() != JURISDICTION_ID:
        raise Open311Error(404, f"jurisdiction_id desconhecido: use {JURISDICTION_ID}.")


def comma_list(value: str | None, name: str, limit: int = MAX_IDS) -> tuple[str, ...]:
    if value is None:
        return ()
    if _CONTROL.search(value):
        raise bad(f"{name} contém caracteres de controle.")
    items = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if len(items) > limit:
        raise bad(f"{name}: no máximo {limit} valores.")
    return items


def statuses(value: str | None) -> frozenset[str]:
    chosen = frozenset(comma_list(value, "status"))
    unknown = chosen - {"open", "closed"}
    if unknown:
        raise bad(f"status inválido: {sorted(unknown)[0]!r} (use open, closed ou open,closed).")
    return chosen


def moment(value: datetime | None, name: str, tz: ZoneInfo) -> datetime | None:
    """An ISO 8601 date of the query; one without a zone is the city's local time."""
    if value is None:
        return None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise bad(f"{name} fora do intervalo aceito ({EARLIEST_YEAR}–{LATEST_YEAR}).")
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _single(fields: Mapping[str, Sequence[str]], name: str) -> str:
    values = fields.get(name, ())
    if len(values) > 1:
        raise bad(f"{name} repetido: envie um só valor.")
    return values[0] if values else ""


def _coordinate(fields: Mapping[str, Sequence[str]], name: str) -> float | None:
    raw = _single(fields, name).strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad(f"{name} deve ser um número (graus decimais WGS 84).") from None
    if not math.isfinite(value):
        raise bad(f"{name} deve ser um número finito.")
    return value


def attributes(fields: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """``attribute[CODE]=v`` and ``attribute[CODE][]=v1&attribute[CODE][]=v2`` by code."""
    found: dict[str, list[str]] = {}
    for key, values in fields.items():
        if not key.startswith("attribute"):
            continue
        match = _ATTRIBUTE.fullmatch(key)
        if match is None:
            raise bad(
                f"Campo {key[:80]!r} malformado: use attribute[CODIGO] ou attribute[CODIGO][]."
            )
        found.setdefault(match.group(1), []).extend(values)
    return found


def form_fields(raw: Sequence[tuple[str, object]]) -> dict[str, list[str]]:
    """The form's fields by name; files (a multipart upload) are refused."""
    fields: dict[str, list[str]] = {}
    for key, value in raw:
        if not isinstance(value, str):
            raise bad("Envie fotos por media_url: este método não recebe arquivos.")
        if _CONTROL.search(key):
            raise bad("Nome de campo com caracteres de controle.")
        fields.setdefault(key, []).append(value)
    return fields


def filing(fields: Mapping[str, Sequence[str]]) -> Filing:
    for name in SINGLE_FIELDS:
        _single(fields, name)
    service_code = _single(fields, "service_code").strip()
    if not service_code:
        raise bad("service_code é obrigatório.")
    if not SERVICE_CODE.fullmatch(service_code):
        raise Open311Error(404, f"Serviço desconhecido: {service_code[:60]!r}.")
    return Filing(
        service_code=service_code,
        lat=_coordinate(fields, "lat"),
        long=_coordinate(fields, "long"),
        address_string=_single(fields, "address_string"),
        address_id=_single(fields, "address_id"),
        description=_single(fields, "description"),
        media_url=_single(fields, "media_url"),
        reporter=Reporter(
            first_name=_single(fields, "first_name"),
            last_name=_single(fields, "last_name"),
            email=_single(fields, "email"),
            phone=_single(fields, "phone"),
        ),
        attributes=attributes(fields),
    )
