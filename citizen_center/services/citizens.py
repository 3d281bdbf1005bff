"""Citizens: registration, lookup by phone or CPF, and their history (every read audited)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from citizen_center.domain.identifiers import normalize_cpf, normalize_phone
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.domain.workflow import PENDING, Channel, Status
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import (
    Call,
    Citizen,
    CitizenAddress,
    CitizenPhone,
    ServiceRequest,
    ServiceType,
    SurveyResponse,
    utcnow,
)
from citizen_center.services.audit import record_access
from citizen_center.services.common import DEFAULT_POLICY, Actor, Policy


@dataclass(frozen=True)
class AddressInput:
    street: str = ""
    house_number: str = ""
    complement: str = ""
    neighbourhood: str = ""
    city: str = "Porto Alegre"
    zipcode: str = ""
    reference: str = ""

    def normalized(self) -> AddressInput:
        zipcode = "".join(ch for ch in self.zipcode if ch.isdigit())
        if self.zipcode and len(zipcode) != 8:
            raise ValidationError(f"CEP inválido: {self.zipcode!r} deve ter 8 dígitos.")
        return AddressInput(
            street=self.street.strip(),
            house_number=self.house_number.strip(),
            complement=self.complement.strip(),
            neighbourhood=self.neighbourhood.strip(),
            city=self.city.strip() or "Porto Alegre",
            zipcode=zipcode,
            reference=self.reference.strip(),
        )

    @property
    def is_empty(self) -> bool:
        return not self.street.strip()

    def as_columns(self) -> dict[str, str]:
        """The normalised address as the columns of ``AddressFields`` (citizen or request)."""
        return asdict(self.normalized())


@dataclass(frozen=True)
class CitizenInput:
    name: str
    cpf: str | None = None
    phones: Sequence[str] = ()
    addresses: Sequence[AddressInput] = ()
    email: str = ""


def _validated(data: CitizenInput, policy: Policy) -> tuple[str, str | None, list[str]]:
    name = " ".join(data.name.split())
    if len(name) < 2:
        raise ValidationError("Informe o nome do cidadão.")
    cpf = normalize_cpf(data.cpf) if data.cpf and data.cpf.strip() else None
    phones = list(dict.fromkeys(normalize_phone(p, policy.default_area_code) for p in data.phones))
    return name, cpf, phones


def _ensure_cpf_free(session: Session, cpf: str | None, citizen_id: int | None) -> None:
    if cpf is None:
        return
    owner = session.scalar(select(Citizen.id).where(Citizen.cpf == cpf))
    if owner is not None and owner != citizen_id:
        raise ValidationError("Este CPF já está cadastrado para outro cidadão.")


def register_citizen(
    session: Session, data: CitizenInput, actor: Actor, policy: Policy = DEFAULT_POLICY
) -> Citizen:
    name, cpf, phones = _validated(data, policy)
    _ensure_cpf_free(session, cpf, None)
    citizen = Citizen(name=name, cpf=cpf, email=data.email.strip())
    citizen.phones = [CitizenPhone(e164=p) for p in phones]
    citizen.addresses = [_address_row(a) for a in data.addresses if not a.is_empty]
    session.add(citizen)
    session.flush()
    record_access(session, actor, "create", citizen.id)
    return citizen


# Built once (compiled once, cached): each call sends only its parameters.
def update_citizen(
    session: Session,
    citizen_id: int,
    data: CitizenInput,
    actor: Actor,
    policy: Policy = DEFAULT_POLICY,
) -> Citizen:
    """Replace the citizen's details with ``data`` (phones and addresses included)."""
    citizen = get_citizen(session, citizen_id)
    name, cpf, phones = _validated(data, policy)
    _ensure_cpf_free(session, cpf, citizen.id)
    citizen.name, citizen.cpf, citizen.email = name, cpf, data.email.strip()
    kept = {p.e164: p for p in citizen.phones}
    citizen.phones = [kept.get(p) or CitizenPhone(e164=p) for p in phones]
    citizen.addresses = [_address_row(a) for a in data.addresses if not a.is_empty]
    citizen.updated_at = utcnow()
    session.flush()
    record_access(session, actor, "update", citizen.id)
    return citizen


def _address_row(address: AddressInput) -> CitizenAddress:
    return CitizenAddress(**address.as_columns())


def get_citizen(session: Session, citizen_id: int) -> Citizen:
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        raise NotFoundError(f"Cidadão {citizen_id} não encontrado.")
    return citizen


def find_citizens_by_phone(
    session: Session, phone: str, actor: Actor, policy: Policy = DEFAULT_POLICY
) -> list[Citizen]:
    """Citizens with this phone (a shared landline can give several). Audited as reads."""
    e164 = normalize_phone(phone, policy.default_area_code)
    citizens = list(
        session.scalars(
            select(Citizen)
            .join(CitizenPhone)
            .where(CitizenPhone.e164 == e164)
            .options(selectinload(Citizen.phones), selectinload(Citizen.addresses))
            .order_by(Citizen.id)
        )
    )
    for citizen in citizens:
        record_access(session, actor, "read", citizen.id, f"lookup by phone {e164}")
    return citizens


def find_citizen_by_cpf(session: Session, cpf: str, actor: Actor) -> Citizen | None:
    digits = normalize_cpf(cpf)
    citizen = session.scalar(select(Citizen).where(Citizen.cpf == digits))
    if citizen is not None:
        record_access(session, actor, "read", citizen.id, "lookup by CPF")
    return citizen


def search_citizens(session: Session, text: str, actor: Actor, limit: int = 50) -> list[Citizen]:
    """By name (prefix of any word, case-insensitive), CPF or phone digits."""
    query = text.strip()
    if len(query) < 3:
        raise ValidationError("Digite ao menos 3 caracteres para buscar.")
    digits = "".join(ch for ch in query if ch.isdigit())
    conditions: list[ColumnElement[bool]] = [func.lower(Citizen.name).like(f"%{query.lower()}%")]
    if len(digits) >= 8:
        conditions.append(Citizen.cpf == digits)
        conditions.append(
            Citizen.id.in_(
                select(CitizenPhone.citizen_id).where(CitizenPhone.e164.like(f"%{digits}"))
            )
        )
    citizens = list(
        session.scalars(select(Citizen).where(or_(*conditions)).order_by(Citizen.name).limit(limit))
    )
    for citizen in citizens:
        record_access(session, actor, "read", citizen.id, "search")
    return citizens


@dataclass(frozen=True)
class RequestSummary:
    number: str
    service_code: str
    service_name: str
    status: Status
    created_at: datetime
    expected_at: datetime
    late: bool
    channel: Channel  # where it was filed: the phone, the web page, the app...


@dataclass(frozen=True)
class CallSummary:
    uniqueid: str
    started_at: datetime
    queue: str
    wrapup_code: str
    outcome: CallOutcome
    survey_score: int | None


@dataclass(frozen=True)
class CitizenHistory:
    citizen: Citizen
    requests: list[RequestSummary] = field(default_factory=list)
    calls: list[CallSummary] = field(default_factory=list)

    @property
    def open_requests(self) -> list[RequestSummary]:
        return [r for r in self.requests if r.status in PENDING]


def citizen_history(
    session: Session, citizen_id: int, actor: Actor, *, limit: int = 50, now: datetime | None = None
) -> CitizenHistory:
    """The citizen, their latest requests (with late flags) and calls (with survey scores)."""
    citizen = session.scalar(
        select(Citizen)
        .where(Citizen.id == citizen_id)
        .options(selectinload(Citizen.phones), selectinload(Citizen.addresses))
    )
    if citizen is None:
        raise NotFoundError(f"Cidadão {citizen_id} não encontrado.")
    moment = now or utcnow()
    request_rows = session.execute(
        select(
            ServiceRequest.number,
            ServiceType.code,
            ServiceType.name,
            ServiceRequest.status,
            ServiceRequest.created_at,
            ServiceRequest.expected_at,
            ServiceRequest.channel,
        )
        .join(ServiceType, ServiceRequest.service_type_id == ServiceType.id)
        .where(ServiceRequest.citizen_id == citizen_id)
        .order_by(ServiceRequest.created_at.desc())
        .limit(limit)
    ).all()
    call_rows = session.execute(
        select(
            Call.uniqueid,
            Call.started_at,
            Call.queue,
            Call.wrapup_code,
            Call.outcome,
            SurveyResponse.score,
        )
        .outerjoin(SurveyResponse, SurveyResponse.call_id == Call.id)
        .where(Call.citizen_id == citizen_id)
        .order_by(Call.started_at.desc())
        .limit(limit)
    ).all()
    record_access(session, actor, "read", citizen_id, "history")
    return CitizenHistory(
        citizen=citizen,
        requests=[
            RequestSummary(
                n,
                code,
                name,
                status,
                created,
                expected,
                late=status in PENDING and expected < moment,
                channel=channel,
            )
            for n, code, name, status, created, expected, channel in request_rows
        ],
        calls=[CallSummary(*row) for row in call_rows],
    )
