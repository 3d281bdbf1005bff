"""Requests as the public sees them (the Open311 API, the citizen page), and filing one from a
program (an Open311 client).

Public means anyone on the internet: no name, CPF, phone, e-mail or house number ever leaves
through here, coordinates are rounded, free text is shown only where it is meant for the citizen
(the secretariat's resolution note) and with e-mails, CPFs and phone numbers masked. Staff notes
and the names of the people who acted stay inside.

Which requests are listed: those of services with a place (``requires_address``); personal
matters (tax questions, the ombudsman) are answered by protocol number but never listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from citizen_center.domain.protocol import format_protocol_number, parse_protocol_number
from citizen_center.domain.service_attributes import (
    ServiceAttribute,
    answer_attributes,
    attributes_for,
)
from citizen_center.domain.workflow import FINISHED, Status
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import (
    ApiClient,
    Citizen,
    RequestEvent,
    Secretariat,
    ServiceRequest,
    ServiceType,
    utcnow,
)
from citizen_center.services.audit import record_access
from citizen_center.services.catalogue import service_type_by_code
from citizen_center.services.citizens import (
    AddressInput,
    CitizenInput,
    find_citizens_by_phone,
    register_citizen,
)
from citizen_center.services.common import DEFAULT_POLICY, Actor, Policy
from citizen_center.services.requests import open_request

# ~110 m north-south: the block, not the house. FixMyStreet keeps 6 decimals (10 cm), which
# points at the door of whoever marked their own home.
PUBLIC_COORDINATE_DECIMALS = 3
MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_DESCRIPTION = 4000
MAX_NAME_PART = 100
MAX_MEDIA_URL = 2000
# Porto Alegre's municipal area with a margin (the islands included): a point outside is a
# mistake in the client (swapped lat/long, another city), not a request for the 156.
CITY_BOUNDS = ((-30.30, -29.90), (-51.35, -50.95))
MASK = "[dado pessoal omitido]"
_PERSONAL_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail
    re.compile(r"\b\d{3}\.?\d{3}\.?\d{3}-?\d{2}\b"),  # CPF
    re.compile(r"(\+?55\s*)?\(?\b\d{2}\)?\s*9?\d{4}[-\s.]?\d{4}\b"),  # phone
)
_HTML = re.compile(r"<\s*[a-zA-Z!/?]|&#?\w+;")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Open311Status:
    OPEN = "open"
    CLOSED = "closed"


# mySociety's richer states (servicerequestupdates), from the domain's. FORWARDED is "the
# secretariat has it, with a deadline": action_scheduled; sent on to another secretariat than
# the service's own it is an internal_referral.
DETAILED_STATUS: Mapping[Status, str] = {
    Status.OPEN: "open",
    Status.FORWARDED: "action_scheduled",
    Status.IN_PROGRESS: "in_progress",
    Status.RESOLVED: "fixed",
    Status.CLOSED: "closed",
    Status.REOPENED: "reopen",
    Status.CANCELLED: "cancelled",
}
REFERRED = "internal_referral"


def open311_status(status: Status) -> str:
    """Open311 knows only open and closed: resolved (awaiting the citizen), closed and cancelled
    are closed; the rest is being worked on."""
    return Open311Status.CLOSED if status in FINISHED else Open311Status.OPEN


def mask_personal_data(text: str) -> str:
    for pattern in _PERSONAL_PATTERNS:
        text = pattern.sub(MASK, text)
    return text


def round_coordinate(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLIC_COORDINATE_DECIMALS)


@dataclass(frozen=True)
class PublicNote:
    """One public step of a request's history."""

    update_id: int
    at: datetime
    status: Status
    detailed_status: str
    text: str


@dataclass(frozen=True)
class PublicRequest:
    number: str  # formatted, AAAA-NNNNNNN-D
    status: Status
    status_notes: str
    service_code: str
    service_name: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime
    address: str
    zipcode: str
    lat: float | None
    long: float | None
    channel: str
    notes: tuple[PublicNote, ...] = ()

    @property
    def open311_status(self) -> str:
        return open311_status(self.status)


def public_event_text(event: RequestEvent, secretariat_codes: Mapping[int, str]) -> str | None:
    """What the public may read of a change; None for internal notes (staff to staff)."""
    target = event.to_status
    if event.from_status is None:
        return "Solicitação registrada."
    if target is Status.FORWARDED:
        code = secretariat_codes.get(event.secretariat_id or 0, "")
        return f"Encaminhada à secretaria responsável{f' ({code})' if code else ''}."
    if event.from_status is target:
        return None
    if target is Status.RESOLVED:
        note = mask_personal_data(event.note.strip())
        return f"Resolvida pela secretaria{f': {note}' if note else '.'}"
    return {
        Status.IN_PROGRESS: "Em atendimento pela secretaria.",
        Status.CLOSED: "Fechada.",
        Status.REOPENED: "Reaberta: a solução foi contestada.",
        Status.CANCELLED: "Cancelada.",
        Status.OPEN: "Solicitação registrada.",
    }[target]


def detailed_status_of(event: RequestEvent, request: ServiceRequest) -> str:
    if (
        event.to_status is Status.FORWARDED
        and event.secretariat_id is not None
        and event.secretariat_id != request.service_type.secretariat_id
    ):
        return REFERRED
    return DETAILED_STATUS[event.to_status]


def _secretariat_codes(session: Session) -> dict[int, str]:
    return {sid: code for sid, code in session.execute(select(Secretariat.id, Secretariat.code))}


def public_notes(
    request: ServiceRequest, secretariat_codes: Mapping[int, str]
) -> tuple[PublicNote, ...]:
    notes = []
    for event in request.events:
        text = public_event_text(event, secretariat_codes)
        if text is not None:
            notes.append(
                PublicNote(
                    event.id,
                    event.at,
                    event.to_status,
                    detailed_status_of(event, request),
                    text,
                )
            )
    return tuple(notes)


def public_address(request: ServiceRequest) -> str:
    """Street, neighbourhood and city: never the house number nor the complement."""
    parts = [request.street.strip(), request.neighbourhood.strip()]
    place = " — ".join(p for p in parts if p)
    return f"{place}, {request.city}" if place else ""


def _status_notes(request: ServiceRequest) -> str:
    code = request.secretariat.code
    return {
        Status.OPEN: "Registrada, aguardando encaminhamento.",
        Status.FORWARDED: f"Com a secretaria responsável ({code}).",
        Status.IN_PROGRESS: f"Em atendimento ({code}).",
        Status.RESOLVED: "Resolvida; aguardando a confirmação do cidadão.",
        Status.CLOSED: "Fechada.",
        Status.REOPENED: f"Reaberta, de volta à secretaria ({code}).",
        Status.CANCELLED: "Cancelada.",
    }[request.status]


def service_notice(service: ServiceType) -> str:
    if service.deadline_days:
        unit = "dias úteis" if str(service.deadline_kind or "") == "business" else "dias"
        return f"Prazo de atendimento: {service.deadline_days} {unit}."
    return ""


def to_public(
    request: ServiceRequest,
    secretariat_codes: Mapping[int, str] | None = None,
    with_notes: bool = False,
) -> PublicRequest:
    service = request.service_type
    return PublicRequest(
        number=format_protocol_number(request.number),
        status=request.status,
        status_notes=_status_notes(request),
        service_code=service.code,
        service_name=service.name,
        description=mask_personal_data(request.description),
        agency_responsible=f"{request.secretariat.name} ({request.secretariat.code})",
        service_notice=service_notice(service),
        requested_at=request.created_at,
        updated_at=request.updated_at,
        expected_at=request.expected_at,
        address=public_address(request),
        zipcode=request.zipcode,
        lat=round_coordinate(request.latitude),
        long=round_coordinate(request.longitude),
        channel=request.channel.value,
        notes=public_notes(request, secretariat_codes or {}) if with_notes else (),
    )


# --- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A span of time, at most 90 days; missing ends default to now and 90 days before it."""

    start: datetime
    end: datetime

    @classmethod
    def of(
        cls, start: datetime | None, end: datetime | None, now: datetime | None = None
    ) -> Window:
        if start is not None and end is not None:
            chosen = cls(start, end)
        elif start is not None:
            chosen = cls(start, max(start, min(start + MAX_SPAN, now or utcnow())))
        elif end is not None:
            chosen = cls(end - MAX_SPAN, end)
        else:
            moment = now or utcnow()
            chosen = cls(moment - MAX_SPAN, moment)
        if chosen.start > chosen.end:
            raise ValidationError("start_date deve ser anterior a end_date.")
        if chosen.end - chosen.start > MAX_SPAN:
            raise ValidationError("O intervalo entre start_date e end_date é de no máximo 90 dias.")
        return chosen


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ValidationError("page começa em 1.")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValidationError(f"page_size vai de 1 a {MAX_PAGE_SIZE}.")

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class RequestQuery:
    """GET requests: ``numbers`` (protocol numbers) override every other filter."""

    numbers: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    window: Window | None = None
    statuses: frozenset[str] = frozenset()  # open, closed; empty: both
    page: Page = field(default_factory=Page)


def _listed() -> Select[ServiceRequest]:
    return (
        select(ServiceRequest)
        .join(ServiceType, ServiceRequest.service_type_id == ServiceType.id)
        .where(ServiceType.requires_address)
    )


def _domain_statuses(statuses: frozenset[str]) -> list[Status]:
    chosen = [s for s in Status if open311_status(s) in statuses]
    return sorted(chosen)


def find_public_requests(
    session: Session, query: RequestQuery, *, with_notes: bool = False, now: datetime | None = None
) -> list[PublicRequest]:
    """One page of requests, newest first."""
    if query.numbers:
        digits = [parse_protocol_number(n) for n in query.numbers]
        statement = select(ServiceRequest).where(ServiceRequest.number.in_(digits))
    else:
        window = query.window or Window.of(None, None, now)
        statement = _listed().where(
            ServiceRequest.created_at >= window.start, ServiceRequest.created_at <= window.end
        )
        if query.service_codes:
            # As ids, so PostgreSQL reads those services' own rows newest first
            # (ix_service_request_service_created) instead of walking the whole window for them;
            # a service whose requests are not listed lists nothing without reading any.
            listed = session.scalars(
                select(ServiceType.id).where(
                    ServiceType.code.in_(query.service_codes), ServiceType.requires_address
                )
            ).all()
            if not listed:
                return []
            statement = statement.where(ServiceRequest.service_type_id.in_(listed))
        if query.statuses and query.statuses != {Open311Status.OPEN, Open311Status.CLOSED}:
            statement = statement.where(ServiceRequest.status.in_(_domain_statuses(query.statuses)))
    statement = (
        statement.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
        .offset(query.page.offset)
        .limit(query.page.size)
        .options(
            selectinload(ServiceRequest.service_type),
            selectinload(ServiceRequest.secretariat),
        )
    )
    if with_notes:
        statement = statement.options(selectinload(ServiceRequest.events))
    rows = session.scalars(statement).all()
    codes = _secretariat_codes(session) if with_notes else {}
    return [to_public(row, codes, with_notes) for row in rows]


def public_request(session: Session, number: str, *, with_notes: bool = False) -> PublicRequest:
    """One request by protocol number (listed or not); ``NotFoundError`` for an unknown or
    malformed number (to the public, both are "no such request")."""
    try:
        digits = parse_protocol_number(number)
    except ValidationError:
        raise NotFoundError(f"Protocolo {number} não encontrado.") from None
    statement = select(ServiceRequest).where(ServiceRequest.number == digits)
    statement = statement.options(
        selectinload(ServiceRequest.service_type),
        selectinload(ServiceRequest.secretariat),
        selectinload(ServiceRequest.events),
    )
    request = session.scalar(statement)
    if request is None:
        raise NotFoundError(f"Protocolo {number} não encontrado.")
    codes = _secretariat_codes(session) if with_notes else {}
    return to_public(request, codes, with_notes)


@dataclass(frozen=True)
class PublicUpdate:
    """A change of a listed request (mySociety's servicerequestupdates)."""

    update_id: int
    number: str
    status: Status
    detailed_status: str
    text: str
    at: datetime


def public_updates(
    session: Session, window: Window, page: Page | None = None
) -> list[PublicUpdate]:
    """The public changes in ``window`` (not the openings, not staff notes), oldest first."""
    page = page or Page()
    changed = or_(
        RequestEvent.from_status != RequestEvent.to_status,
        RequestEvent.to_status == Status.FORWARDED,
    )
    statement = (
        select(RequestEvent, ServiceRequest)
        .join(ServiceRequest, RequestEvent.request_id == ServiceRequest.id)
        .join(ServiceType, ServiceRequest.service_type_id == ServiceType.id)
        .where(
            ServiceType.requires_address,
            RequestEvent.at >= window.start,
            RequestEvent.at <= window.end,
            and_(RequestEvent.from_status.is_not(None), changed),
        )
        .order_by(RequestEvent.at, RequestEvent.id)
        .offset(page.offset)
        .limit(page.size)
        .options(selectinload(ServiceRequest.service_type))
    )
    codes = _secretariat_codes(session)
    updates = []
    for event, request in session.execute(statement).tuples():
        text = public_event_text(event, codes)
        if text is None:
            continue
        updates.append(
            PublicUpdate(
                event.id,
                format_protocol_number(request.number),
                event.to_status,
                detailed_status_of(event, request),
                text,
                event.at,
            )
        )
    return updates


# --- filing from a program (Open311 POST requests) ---------------------------------------------


@dataclass(frozen=True)
class Reporter:
    """Who the client says filed it; all optional (anonymous where the service allows it)."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(f"{self.first_name} {self.last_name}".split())

    @property
    def is_anonymous(self) -> bool:
        return not (self.full_name or self.email.strip() or self.phone.strip())


@dataclass(frozen=True)
class Filing:
    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    media_url: str = ""
    reporter: Reporter = Reporter()
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)


def service_attributes(service: ServiceType) -> tuple[ServiceAttribute, ...]:
    return attributes_for(service.group_name, service.requires_address)


def check_free_text(text: str, name: str, limit: int) -> str:
    """Citizen text as the API and the page accept it: bounded, plain (no HTML), printable."""
    cleaned = text.strip()
    if len(cleaned) > limit:
        raise ValidationError(f"{name} tem no máximo {limit} caracteres.")
    if _HTML.search(cleaned):
        raise ValidationError(f"{name} não pode conter HTML.")
    if _CONTROL.search(cleaned):
        raise ValidationError(f"{name} contém caracteres de controle.")
    return cleaned


def parse_address_string(text: str, reference: str = "") -> AddressInput:
    """'Rua X, 123 - Bairro' (number and neighbourhood optional) into the address columns."""
    cleaned = check_free_text(text, "address_string", 300)
    street_part, _, neighbourhood = cleaned.partition(" - ")
    street, _, number = street_part.rpartition(",")
    if not street or not re.fullmatch(r"\s*\d[\dA-Za-z/-]{0,9}\s*", number):
        street, number = street_part, ""
    return AddressInput(
        street=street.strip()[:200],
        house_number=number.strip(),
        neighbourhood=neighbourhood.strip()[:100],
        reference=reference,
    )


def _check_location(filing: Filing, service: ServiceType) -> None:
    if (filing.lat is None) != (filing.long is None):
        raise ValidationError("Envie lat e long juntos.")
    if filing.lat is not None and filing.long is not None:
        (south, north), (west, east) = CITY_BOUNDS
        if not (south <= filing.lat <= north and west <= filing.long <= east):
            raise ValidationError("lat/long fora de Porto Alegre (confira a ordem: lat, long).")
    located = filing.lat is not None or filing.address_string.strip() or filing.address_id.strip()
    if service.requires_address and not located:
        raise ValidationError("Informe o local: lat e long, address_string ou address_id.")
    if service.requires_address and not filing.address_string.strip():
        raise ValidationError(
            "Este serviço exige o endereço em address_string (logradouro, número - bairro): "
            "a Central 156 não tem cadastro de address_id nem geocodificação reversa."
        )


def _check_reporter(reporter: Reporter) -> None:
    for value, name in ((reporter.first_name, "first_name"), (reporter.last_name, "last_name")):
        check_free_text(value, name, MAX_NAME_PART)
    email = reporter.email.strip()
    if email and (len(email) > 200 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise ValidationError("email inválido.")


def _check_media_url(url: str) -> str:
    cleaned = url.strip()
    if cleaned and (len(cleaned) > MAX_MEDIA_URL or not re.fullmatch(r"https?://\S+", cleaned)):
        raise ValidationError("media_url deve ser um endereço http(s) válido.")
    return cleaned


def _citizens_by_email(session: Session, email: str, actor: Actor) -> list[Citizen]:
    found = list(
        session.scalars(
            select(Citizen).where(func.lower(Citizen.email) == email.lower()).order_by(Citizen.id)
        )
    )
    for citizen in found:
        record_access(session, actor, "read", citizen.id, "lookup by e-mail")
    return found


def _same_person(candidates: Sequence[Citizen], name: str) -> Citizen | None:
    """The one candidate with this name; without a name, the only candidate."""
    if not name:
        return candidates[0] if len(candidates) == 1 else None
    wanted = name.casefold()
    return next((c for c in candidates if " ".join(c.name.split()).casefold() == wanted), None)


def identify_reporter(
    session: Session, reporter: Reporter, actor: Actor, policy: Policy = DEFAULT_POLICY
) -> int | None:
    """The citizen who filed it, as the desktop finds one (by phone, then e-mail), or a new
    registration; None when the reporter gave nothing."""
    if reporter.is_anonymous:
        return None
    name = reporter.full_name
    if reporter.phone.strip():
        match = _same_person(find_citizens_by_phone(session, reporter.phone, actor, policy), name)
        if match is not None:
            return match.id
    if reporter.email.strip():
        match = _same_person(_citizens_by_email(session, reporter.email.strip(), actor), name)
        if match is not None:
            return match.id
    if len(name) < 2:
        raise ValidationError(
            "Telefone ou e-mail sem cadastro: informe first_name e last_name para registrar."
        )
    phones = [reporter.phone] if reporter.phone.strip() else []
    citizen = register_citizen(
        session, CitizenInput(name=name, phones=phones, email=reporter.email.strip()), actor, policy
    )
    return citizen.id


def client_actor(client: ApiClient) -> Actor:
    return Actor.system(f"api:{client.name}"[:60])


def file_request(
    session: Session,
    client: ApiClient,
    filing: Filing,
    policy: Policy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> ServiceRequest:
    """Open the request a client POSTed: everything is checked before anything is written, and
    the caller's transaction undoes the rest if a later step refuses."""
    service = service_type_by_code(session, filing.service_code)
    if not service.active:
        raise ValidationError(f"O serviço {service.code} não está mais disponível.")
    answers = answer_attributes(service_attributes(service), filing.attributes)
    _check_location(filing, service)
    _check_reporter(filing.reporter)
    if filing.reporter.is_anonymous and not service.allows_anonymous:
        raise ValidationError(
            f"O serviço {service.code} exige a identificação do cidadão: envie first_name e "
            "last_name com phone ou email."
        )
    description = check_free_text(filing.description, "description", MAX_DESCRIPTION)
    media_url = _check_media_url(filing.media_url)
    address = (
        parse_address_string(filing.address_string, answers.reference)
        if filing.address_string.strip()
        else AddressInput(reference=answers.reference)
    )
    lines = [description, *answers.description_lines, f"Foto: {media_url}" if media_url else ""]
    actor = client_actor(client)
    citizen_id = identify_reporter(session, filing.reporter, actor, policy)
    request = open_request(
        session,
        service_code=service.code,
        channel=client.channel,
        actor=actor,
        citizen_id=citizen_id,
        address=address,
        description="\n".join(line for line in lines if line),
        policy=policy,
        now=now,
    )
    request.latitude, request.longitude = filing.lat, filing.long
    request.api_client_id = client.id
    session.flush()
    return request
