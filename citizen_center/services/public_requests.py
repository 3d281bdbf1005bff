"""Requests as the public sees them (the Open311 API, the citizen page). Filing one from a
program (an Open311 client) is ``client_filing``.

Public means anyone on the internet: no name, CPF, phone, e-mail or house number ever leaves
through here, coordinates are rounded, free text is shown only where it is meant for the citizen
(the description, the secretariat's resolution note) and with e-mails, CPFs, phone numbers and
the citizen's own name masked. Staff notes and the names of the people who acted stay inside.

Which requests are listed: those of services with a place (``requires_address``); personal
matters (tax questions, the ombudsman) are answered by protocol number but never listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from citizen_center.domain.deadlines import Deadline
from citizen_center.domain.protocol import format_protocol_number, parse_protocol_number
from citizen_center.domain.workflow import FINISHED, Status
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import (
    Citizen,
    RequestEvent,
    Secretariat,
    ServiceRequest,
    ServiceType,
    utcnow,
)
from citizen_center.services.catalogue_cache import CatalogueSnapshot
from citizen_center.services.client_filing import ADDRESS_ID_LABEL
from citizen_center.services.common import DEFAULT_POLICY, Policy
from citizen_center.services.requests import deadline_of

# ~110 m north-south: the block, not the house. FixMyStreet keeps 6 decimals (10 cm), which
# points at the door of whoever marked their own home.
PUBLIC_COORDINATE_DECIMALS = 3
MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MASK = "[dado pessoal omitido]"
_PERSONAL_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail
    re.compile(r"\b\d{3}\.?\d{3}\.?\d{3}-?\d{2}\b"),  # CPF
    re.compile(r"(\+?55\s*)?\(?\b\d{2}\)?\s*9?\d{4}[-\s.]?\d{4}\b"),  # phone
    # A client's address_id (the rest of its line): it may name one house of the street.
    re.compile(rf"(?<={re.escape(ADDRESS_ID_LABEL)}: )[^\n]+"),
)
# What ``client_filing.new_token`` makes (URL-safe base64), with room for longer ones: anything
# else is no token of ours, answered without a query.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,32}")


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
# A request closed as the duplicate of another (``services.duplicates``).
DUPLICATE = "duplicate"


def open311_status(status: Status) -> str:
    """Open311 knows only open and closed: resolved (awaiting the citizen), closed and cancelled
    are closed; the rest is being worked on."""
    return Open311Status.CLOSED if status in FINISHED else Open311Status.OPEN


# Words of a name too common to mask on their own ("da Silva": "da" stays).
NAME_PARTICLES = frozenset({"da", "de", "do", "das", "dos", "e"})


def mask_personal_data(text: str, name: str = "") -> str:
    """``text`` with e-mails, CPFs, phone numbers and the words of ``name`` (the citizen's own,
    typed into their description: "sou a Joana, moro aqui") masked."""
    for pattern in _PERSONAL_PATTERNS:
        text = pattern.sub(MASK, text)
    words = {w for w in name.split() if len(w) > 2 and w.casefold() not in NAME_PARTICLES}
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(word)}\b", MASK, text, flags=re.IGNORECASE)
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
    # The parent's protocol number (formatted) when this one was closed as its duplicate.
    duplicate_of: str | None = None

    @property
    def open311_status(self) -> str:
        return open311_status(self.status)


def public_event_text(event: RequestEvent, secretariat_codes: Mapping[int, str]) -> str | None:
    """What the public may read of a change; None for internal notes (staff to staff)."""
    target = event.to_status
    if event.duplicate_of_id is not None:
        # Closed as a duplicate (or moved to another parent): the note is the system's own
        # sentence naming the parent's protocol. Undone: the reason given is the staff's.
        return (
            event.note if target is Status.CLOSED else "Não era duplicada: voltou ao atendimento."
        )
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


def detailed_status_of(event: RequestEvent, service_secretariat_id: int) -> str:
    """``service_secretariat_id``: the secretariat of the request's service (its own)."""
    if event.duplicate_of_id is not None and event.to_status is Status.CLOSED:
        return DUPLICATE
    if (
        event.to_status is Status.FORWARDED
        and event.secretariat_id is not None
        and event.secretariat_id != service_secretariat_id
    ):
        return REFERRED
    return DETAILED_STATUS[event.to_status]


def _secretariat_codes(session: Session) -> dict[int, str]:
    return {sid: code for sid, code in session.execute(select(Secretariat.id, Secretariat.code))}


def public_notes(
    events: Iterable[RequestEvent],
    service_secretariat_id: int,
    secretariat_codes: Mapping[int, str],
) -> tuple[PublicNote, ...]:
    notes = []
    for event in events:
        text = public_event_text(event, secretariat_codes)
        if text is not None:
            notes.append(
                PublicNote(
                    event.id,
                    event.at,
                    event.to_status,
                    detailed_status_of(event, service_secretariat_id),
                    text,
                )
            )
    return tuple(notes)


def public_address(street: str, neighbourhood: str, city: str) -> str:
    """Street, neighbourhood and city: never the house number nor the complement."""
    parts = [street.strip(), neighbourhood.strip()]
    place = " — ".join(p for p in parts if p)
    return f"{place}, {city}" if place else ""


def _status_notes(status: Status, code: str, duplicate_of: str | None = None) -> str:
    """``duplicate_of``: the parent's protocol (formatted) of a request closed as its duplicate."""
    if duplicate_of is not None:
        return f"Fechada: duplicada do protocolo {duplicate_of}, que segue em atendimento."
    return {
        Status.OPEN: "Registrada, aguardando encaminhamento.",
        Status.FORWARDED: f"Com a secretaria responsável ({code}).",
        Status.IN_PROGRESS: f"Em atendimento ({code}).",
        Status.RESOLVED: "Resolvida; aguardando a confirmação do cidadão.",
        Status.CLOSED: "Fechada.",
        Status.REOPENED: f"Reaberta, de volta à secretaria ({code}).",
        Status.CANCELLED: "Cancelada.",
    }[status]


def service_notice(service: ServiceType, policy: Policy = DEFAULT_POLICY) -> str:
    """The service's deadline, for the client to show (Open311 service_notice)."""
    return describe_deadline(deadline_of(service, policy))


def describe_deadline(deadline: Deadline) -> str:
    return f"Prazo de atendimento: {deadline.describe_pt()}."


def to_public(
    row: Row[Any],
    notes: tuple[PublicNote, ...] = (),
    policy: Policy = DEFAULT_POLICY,
) -> PublicRequest:
    """The public view of one of ``_public_rows``' rows; its citizen's name (``citizen_name``)
    is read only to mask it in the description."""
    deadline = Deadline.of(row.deadline_kind, row.deadline_days, policy.default_deadline)
    parent = row.duplicate_of_number
    duplicate_of = format_protocol_number(parent) if parent is not None else None
    return PublicRequest(
        number=format_protocol_number(row.number),
        status=row.status,
        status_notes=_status_notes(row.status, row.secretariat_code, duplicate_of),
        service_code=row.service_code,
        service_name=row.service_name,
        description=mask_personal_data(row.description, row.citizen_name or ""),
        agency_responsible=f"{row.secretariat_name} ({row.secretariat_code})",
        service_notice=describe_deadline(deadline),
        requested_at=row.created_at,
        updated_at=row.updated_at,
        expected_at=row.expected_at,
        address=public_address(row.street, row.neighbourhood, row.city),
        zipcode=row.zipcode,
        lat=round_coordinate(row.latitude),
        long=round_coordinate(row.longitude),
        channel=row.channel.value,
        notes=notes,
        duplicate_of=duplicate_of,
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


_Parent = aliased(ServiceRequest)


def _public_rows() -> Select[*tuple[Any, ...]]:
    """Requests with what the public sees of their service and secretariat, as plain columns
    in one query (a page is one round trip, and no mapped objects: a list of 50 cost 9 ms of
    Python as ORM objects), and the citizen's name, read only to mask it, never shown."""
    return (
        select(
            ServiceRequest.id,
            ServiceRequest.number,
            ServiceRequest.status,
            ServiceRequest.description,
            ServiceRequest.created_at,
            ServiceRequest.updated_at,
            ServiceRequest.expected_at,
            ServiceRequest.street,
            ServiceRequest.neighbourhood,
            ServiceRequest.city,
            ServiceRequest.zipcode,
            ServiceRequest.latitude,
            ServiceRequest.longitude,
            ServiceRequest.channel,
            ServiceType.code.label("service_code"),
            ServiceType.name.label("service_name"),
            ServiceType.deadline_kind,
            ServiceType.deadline_days,
            ServiceType.secretariat_id.label("service_secretariat_id"),
            Secretariat.name.label("secretariat_name"),
            Secretariat.code.label("secretariat_code"),
            Citizen.name.label("citizen_name"),
            _Parent.number.label("duplicate_of_number"),
        )
        .join(ServiceType, ServiceRequest.service_type_id == ServiceType.id)
        .join(Secretariat, ServiceRequest.secretariat_id == Secretariat.id)
        .outerjoin(Citizen, ServiceRequest.citizen_id == Citizen.id)
        # The parent of a request closed as its duplicate (no parent: no row, same query).
        .outerjoin(_Parent, ServiceRequest.duplicate_of_id == _Parent.id)
    )


def _with_notes(
    session: Session, rows: Sequence[Row[Any]], with_notes: bool
) -> list[tuple[Row[Any], tuple[PublicNote, ...]]]:
    """Each row with its public history (``extensions=true``), one query for the page."""
    if not with_notes or not rows:
        return [(row, ()) for row in rows]
    events: dict[int, list[RequestEvent]] = {row.id: [] for row in rows}
    for event in session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id.in_(list(events)))
        .order_by(RequestEvent.at, RequestEvent.id)
    ):
        events[event.request_id].append(event)
    codes = _secretariat_codes(session)
    return [(row, public_notes(events[row.id], row.service_secretariat_id, codes)) for row in rows]


def _domain_statuses(statuses: frozenset[str]) -> list[Status]:
    chosen = [s for s in Status if open311_status(s) in statuses]
    return sorted(chosen)


def _listed_service_ids(
    session: Session, codes: Sequence[str], catalogue: CatalogueSnapshot | None
) -> list[int]:
    """The ids of the services named whose requests are listed (``requires_address``)."""
    if catalogue is not None:
        entries = [catalogue.services.get(code) for code in codes]
        return [e.id for e in entries if e is not None and e.requires_address]
    return list(
        session.scalars(
            select(ServiceType.id).where(ServiceType.code.in_(codes), ServiceType.requires_address)
        )
    )


def find_public_requests(
    session: Session,
    query: RequestQuery,
    *,
    with_notes: bool = False,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
    catalogue: CatalogueSnapshot | None = None,
) -> list[PublicRequest]:
    """One page of requests, newest first; with ``catalogue`` (a server's snapshot) the
    services named are resolved without a query."""
    if query.numbers:
        digits = [parse_protocol_number(n) for n in query.numbers]
        statement = _public_rows().where(ServiceRequest.number.in_(digits))
    else:
        window = query.window or Window.of(None, None, now)
        statement = _public_rows().where(
            ServiceType.requires_address,
            ServiceRequest.created_at >= window.start,
            ServiceRequest.created_at <= window.end,
        )
        if query.service_codes:
            # As ids, so PostgreSQL reads those services' own rows newest first
            # (ix_service_request_service_created) instead of walking the whole window for them;
            # a service whose requests are not listed lists nothing without reading any.
            listed = _listed_service_ids(session, query.service_codes, catalogue)
            if not listed:
                return []
            statement = statement.where(ServiceRequest.service_type_id.in_(listed))
        if query.statuses and query.statuses != {Open311Status.OPEN, Open311Status.CLOSED}:
            statement = statement.where(ServiceRequest.status.in_(_domain_statuses(query.statuses)))
    statement = (
        statement.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
        .offset(query.page.offset)
        .limit(query.page.size)
    )
    rows = session.execute(statement).all()
    return [to_public(row, notes, policy) for row, notes in _with_notes(session, rows, with_notes)]


def public_request(
    session: Session, number: str, *, with_notes: bool = False, policy: Policy = DEFAULT_POLICY
) -> PublicRequest:
    """One request by protocol number (listed or not); ``NotFoundError`` for an unknown or
    malformed number (to the public, both are "no such request")."""
    try:
        digits = parse_protocol_number(number)
    except ValidationError:
        raise NotFoundError(f"Protocolo {number} não encontrado.") from None
    found = session.execute(_public_rows().where(ServiceRequest.number == digits)).first()
    if found is None:
        raise NotFoundError(f"Protocolo {number} não encontrado.")
    ((row, notes),) = _with_notes(session, [found], with_notes)
    return to_public(row, notes, policy)


def number_for_token(session: Session, token: str) -> str:
    """The protocol number (formatted) of the request filed with this Open311 token; only the
    number, which the request's public view shows anyway. ``NotFoundError`` when unknown."""
    number = (
        session.scalar(select(ServiceRequest.number).where(ServiceRequest.token == token))
        if _TOKEN.fullmatch(token)
        else None
    )
    if number is None:
        raise NotFoundError("Token desconhecido.")
    return format_protocol_number(number)


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
        RequestEvent.duplicate_of_id.is_not(None),
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
    for event, request in session.execute(statement):
        text = public_event_text(event, codes)
        if text is None:
            continue
        updates.append(
            PublicUpdate(
                event.id,
                format_protocol_number(request.number),
                event.to_status,
                detailed_status_of(event, request.service_type.secretariat_id),
                text,
                event.at,
            )
        )
    return updates
