"""Finding requests the way an agent asks for them: by protocol, phone, CPF, name or address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import Session

from citizen_center.domain.identifiers import normalize_cpf, normalize_phone
from citizen_center.domain.protocol import parse_protocol_number
from citizen_center.domain.workflow import PENDING, Status
from citizen_center.errors import ValidationError
from citizen_center.models import (
    Citizen,
    CitizenPhone,
    Secretariat,
    ServiceRequest,
    ServiceType,
    utcnow,
)
from citizen_center.services.audit import record_access
from citizen_center.services.common import DEFAULT_POLICY, Actor, Policy

MIN_TEXT = 3


@dataclass(frozen=True)
class RequestMatch:
    number: str
    service_name: str
    status: Status
    citizen_id: int | None
    citizen_name: str
    address: str
    secretariat_code: str
    created_at: datetime
    expected_at: datetime
    late: bool


def classify_query(text: str, policy: Policy = DEFAULT_POLICY) -> tuple[str, str]:
    """What the agent typed: ("protocol" | "cpf" | "phone" | "text", normalised value)."""
    query = " ".join(text.split())
    if len(query) < MIN_TEXT:
        raise ValidationError(f"Digite ao menos {MIN_TEXT} caracteres para buscar.")
    digits = re.sub(r"\D", "", query)
    only_number = re.fullmatch(r"[\d\s.\-/()+]+", query) is not None
    if only_number and len(digits) == 12:
        return "protocol", parse_protocol_number(query)
    if only_number and len(digits) == 11:
        try:
            return "cpf", normalize_cpf(digits)
        except ValidationError:
            pass  # 11 digits that are no CPF: a mobile number with area code
    if only_number:
        return "phone", normalize_phone(query, policy.default_area_code)
    return "text", query.lower()


def search_requests(
    session: Session,
    text: str,
    actor: Actor,
    *,
    limit: int = 100,
    policy: Policy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> list[RequestMatch]:
    """Requests matching ``text``, newest first. Citizens whose requests are shown are audited."""
    kind, value = classify_query(text, policy)
    statement = _base_query().where(_condition(kind, value))
    rows = session.execute(statement.order_by(ServiceRequest.created_at.desc()).limit(limit)).all()
    moment = now or utcnow()
    matches = [_match(row, moment) for row in rows]
    for citizen_id in sorted({m.citizen_id for m in matches if m.citizen_id is not None}):
        record_access(session, actor, "read", citizen_id, f"request search ({kind})")
    return matches


def _base_query() -> Select[ServiceRequest, str, str | None, str]:
    return (
        select(ServiceRequest, ServiceType.name, Citizen.name, Secretariat.code)
        .join(ServiceType, ServiceRequest.service_type_id == ServiceType.id)
        .join(Secretariat, ServiceRequest.secretariat_id == Secretariat.id)
        .outerjoin(Citizen, ServiceRequest.citizen_id == Citizen.id)
    )


def _condition(kind: str, value: str) -> ColumnElement[bool]:
    if kind == "protocol":
        return ServiceRequest.number == value
    if kind == "cpf":
        return ServiceRequest.citizen_id.in_(select(Citizen.id).where(Citizen.cpf == value))
    if kind == "phone":
        owners = select(CitizenPhone.citizen_id).where(CitizenPhone.e164 == value)
        return ServiceRequest.citizen_id.in_(owners)
    pattern = f"%{value}%"
    by_name = ServiceRequest.citizen_id.in_(
        select(Citizen.id).where(func.lower(Citizen.name).like(pattern))
    )
    return by_name | func.lower(ServiceRequest.street).like(pattern)


def _match(row: Row[ServiceRequest, str, str | None, str], moment: datetime) -> RequestMatch:
    request, service_name, citizen_name, secretariat_code = row
    address = ", ".join(
        part for part in (request.street, request.house_number, request.neighbourhood) if part
    )
    return RequestMatch(
        number=request.number,
        service_name=service_name,
        status=request.status,
        citizen_id=request.citizen_id,
        citizen_name=citizen_name or "",
        address=address,
        secretariat_code=secretariat_code,
        created_at=request.created_at,
        expected_at=request.expected_at,
        late=request.status in PENDING and request.expected_at < moment,
    )
