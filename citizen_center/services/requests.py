"""Service requests ("protocolos"): opening, forwarding, status changes, lookups, late ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from citizen_center.domain.deadlines import Deadline, expected_at
from citizen_center.domain.protocol import make_protocol_number, parse_protocol_number
from citizen_center.domain.workflow import PENDING, Channel, Status, check_transition
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import (
    CallRequest,
    FocalPoint,
    ProtocolCounter,
    RequestEvent,
    Secretariat,
    ServiceRequest,
    ServiceType,
    utcnow,
)
from citizen_center.services.audit import REQUEST_VIEW, record_request_read
from citizen_center.services.catalogue import (
    primary_focal_point,
    secretariat_by_code,
    service_type_by_code,
)
from citizen_center.services.catalogue_cache import FocalPointEntry, ServiceEntry
from citizen_center.services.citizens import AddressInput
from citizen_center.services.common import DEFAULT_POLICY, Actor, Policy


def reserve_protocol_sequences(session: Session, year: int, count: int = 1) -> range:
    """Reserve ``count`` consecutive sequence numbers for ``year``; unique across writers.

    One upsert that increments the year's counter and returns the new value: the row lock it
    takes (PostgreSQL) or the database write lock (SQLite, taken at BEGIN IMMEDIATE) makes
    concurrent transactions wait for each other until commit, so no two get the same numbers.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = insert(ProtocolCounter).values(year=year, last_value=count)
    statement = upsert.on_conflict_do_update(
        index_elements=[ProtocolCounter.year],
        set_={"last_value": ProtocolCounter.last_value + count},
    ).returning(ProtocolCounter.last_value)
    last = int(session.execute(statement).scalar_one())
    return range(last - count + 1, last + 1)


def issue_protocol_number(session: Session, when: datetime, policy: Policy = DEFAULT_POLICY) -> str:
    year = when.astimezone(policy.tz).year
    (sequence,) = reserve_protocol_sequences(session, year, 1)
    return make_protocol_number(year, sequence)


def deadline_of(service: ServiceType, policy: Policy) -> Deadline:
    return Deadline.of(service.deadline_kind, service.deadline_days, policy.default_deadline)


def open_request(
    session: Session,
    *,
    service_code: str,
    channel: Channel | str,
    actor: Actor,
    citizen_id: int | None = None,
    address: AddressInput | None = None,
    description: str = "",
    call_id: int | None = None,
    forward: bool = True,
    policy: Policy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> ServiceRequest:
    """Open a request, issue its protocol number and (by default) forward it to the focal point
    of the secretariat responsible for the service. Both events record the request's channel."""
    service = service_type_by_code(session, service_code)
    if not service.active:
        raise ValidationError(f"O serviço {service.name!r} não está mais disponível.")
    if citizen_id is None and not service.allows_anonymous:
        raise ValidationError(f"O serviço {service.name!r} exige a identificação do cidadão.")
    place = (address or AddressInput()).normalized()
    if service.requires_address and place.is_empty:
        raise ValidationError(f"O serviço {service.name!r} exige o endereço (logradouro).")
    created = now or utcnow()
    source = Channel(channel)
    # The protocol counter's row stays locked from the number's reservation until commit, and
    # every writer waits for it: so every read (the focal point, ...) comes first, the number
    # last. Nothing is flushed before it (the request cannot be written without its number).
    with session.no_autoflush:
        request = _build_request(
            session, service, source, actor, citizen_id, place, description, created, policy
        )
        if call_id is not None:
            session.add(CallRequest(call_id=call_id, request=request, kind="created", at=created))
        if forward:
            forward_request(session, request, actor, now=created, channel=source)
        request.number = issue_protocol_number(session, created, policy)
    session.flush()
    return request


OPENED_NOTE = "Solicitação registrada."
# Built once (compiled once, cached): each call sends only its parameters.


def forwarded_note(secretariat_code: str, focal_point_name: str) -> str:
    return f"Encaminhado para {secretariat_code} ({focal_point_name})."


@dataclass(frozen=True)
class Opening:
    """A request to open and forward to its service's primary focal point in one go
    (``forwarded_request_rows``): every read already done, from the catalogue's snapshot."""

    service: ServiceEntry
    focal_point: FocalPointEntry
    secretariat_code: str
    channel: Channel
    actor: Actor
    citizen_id: int | None
    place: AddressInput
    description: str
    latitude: float | None = None
    longitude: float | None = None
    api_client_id: int | None = None
    # A reporter to register with the request (so citizen_id is not known yet).
    citizen_to_register: bool = False
    # The Open311 token the client is answered with (``client_filing.new_token``), if any.
    token: str | None = None


def forwarded_request_rows(
    opening: Opening, number: str, created: datetime, policy: Policy = DEFAULT_POLICY
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What ``open_request`` + ``forward_request`` write, for a request opened by a program:
    the request's columns and its two events' (opened, forwarded; both with the channel),
    for ``filing_writes`` to write without the ORM's unit of work."""
    service = opening.service
    if not service.active:
        raise ValidationError(f"O serviço {service.name!r} não está mais disponível.")
    identified = opening.citizen_id is not None or opening.citizen_to_register
    if not identified and not service.allows_anonymous:
        raise ValidationError(f"O serviço {service.name!r} exige a identificação do cidadão.")
    place = opening.place.normalized()
    if service.requires_address and place.is_empty:
        raise ValidationError(f"O serviço {service.name!r} exige o endereço (logradouro).")
    check_transition(Status.OPEN, Status.FORWARDED)
    actor = opening.actor
    request = {
        "number": number,
        "channel": opening.channel,
        "service_type_id": service.id,
        "citizen_id": opening.citizen_id,
        "description": opening.description.strip(),
        "status": Status.FORWARDED,
        "secretariat_id": service.secretariat_id,
        "focal_point_id": opening.focal_point.id,
        "created_at": created,
        "updated_at": created,
        "expected_at": expected_at(created, service.deadline(policy), policy.tz),
        "created_by_id": actor.user_id,
        "latitude": opening.latitude,
        "longitude": opening.longitude,
        "api_client_id": opening.api_client_id,
        "token": opening.token,
        **place.as_columns(),
    }
    event = {"at": created, "actor_id": actor.user_id, "actor_label": actor.label}
    events = [
        event
        | {"from_status": None, "to_status": Status.OPEN, "note": OPENED_NOTE}
        | {"secretariat_id": None, "channel": opening.channel},
        event
        | {"from_status": Status.OPEN, "to_status": Status.FORWARDED}
        | {"note": forwarded_note(opening.secretariat_code, opening.focal_point.name)}
        | {"secretariat_id": service.secretariat_id, "channel": opening.channel},
    ]
    return request, events


def _build_request(
    session: Session,
    service: ServiceType,
    source: Channel,
    actor: Actor,
    citizen_id: int | None,
    place: AddressInput,
    description: str,
    created: datetime,
    policy: Policy,
) -> ServiceRequest:
    """The new request and its first event, without its protocol number yet."""
    request = ServiceRequest(
        channel=source,
        service_type=service,
        citizen_id=citizen_id,
        description=description.strip(),
        status=Status.OPEN,
        secretariat_id=service.secretariat_id,
        created_at=created,
        updated_at=created,
        expected_at=expected_at(created, deadline_of(service, policy), policy.tz),
        created_by_id=actor.user_id,
        **place.as_columns(),
    )
    session.add(request)
    _record_event(
        session,
        request,
        actor,
        None,
        Status.OPEN,
        OPENED_NOTE,
        created,
        channel=source,
    )
    return request


def forward_request(
    session: Session,
    request: ServiceRequest,
    actor: Actor,
    *,
    secretariat_code: str | None = None,
    focal_point_id: int | None = None,
    reason: str = "",
    now: datetime | None = None,
    channel: Channel | None = None,
) -> ServiceRequest:
    """Hand the request to a secretariat's focal point (the responsible one unless told).

    Sending it anywhere but the service's own secretariat, or to a non-primary focal point,
    needs a reason: the secretariat that receives it must know why.
    """
    service = request.service_type
    target = (
        secretariat_by_code(session, secretariat_code)
        if secretariat_code
        else session.get_one(Secretariat, service.secretariat_id)
    )
    focal_point = _choose_focal_point(session, target, focal_point_id)
    unusual = target.id != service.secretariat_id or (
        focal_point_id is not None and not focal_point.is_primary
    )
    if unusual and not reason.strip():
        raise ValidationError("Informe o motivo do encaminhamento para outro destino.")
    note = reason.strip() or forwarded_note(target.code, focal_point.name)
    _transition(
        session,
        request,
        Status.FORWARDED,
        actor,
        note,
        now,
        secretariat_id=target.id,
        channel=channel,
    )
    request.secretariat_id = target.id
    request.focal_point_id = focal_point.id
    return request


def _choose_focal_point(
    session: Session, secretariat: Secretariat, focal_point_id: int | None
) -> FocalPoint:
    if focal_point_id is None:
        primary = primary_focal_point(session, secretariat.id)
        if primary is None:
            raise ValidationError(f"A secretaria {secretariat.code} não tem ponto focal principal.")
        return primary
    chosen = session.get(FocalPoint, focal_point_id)
    if chosen is None or chosen.secretariat_id != secretariat.id:
        raise ValidationError(
            f"Ponto focal {focal_point_id} não pertence à secretaria {secretariat.code}."
        )
    return chosen


def change_status(
    session: Session,
    request: ServiceRequest,
    target: Status | str,
    actor: Actor,
    note: str = "",
    now: datetime | None = None,
    *,
    channel: Channel | None = None,
) -> ServiceRequest:
    """Move the request along its workflow; an invalid change raises and writes nothing.
    ``channel``: where the change came from (the web page, the phone), kept on its event."""
    target = Status(target)
    if target is Status.FORWARDED:
        return forward_request(session, request, actor, reason=note, now=now, channel=channel)
    if target in (Status.REOPENED, Status.CANCELLED) and not note.strip():
        raise ValidationError("Informe o motivo.")
    _transition(session, request, target, actor, note, now, channel=channel)
    return request


def add_note(
    session: Session,
    request: ServiceRequest,
    actor: Actor,
    note: str,
    *,
    channel: Channel | None = None,
) -> RequestEvent:
    """A note that does not change the status (recorded as an event from and to the same status)."""
    if not note.strip():
        raise ValidationError("A observação está vazia.")
    return _record_event(
        session,
        request,
        actor,
        request.status,
        request.status,
        note.strip(),
        utcnow(),
        channel=channel,
    )


def _transition(
    session: Session,
    request: ServiceRequest,
    target: Status,
    actor: Actor,
    note: str,
    now: datetime | None,
    secretariat_id: int | None = None,
    channel: Channel | None = None,
) -> None:
    check_transition(request.status, target)
    moment = now or utcnow()
    previous = request.status
    request.status = target
    request.updated_at = moment
    if target is Status.RESOLVED:
        request.resolved_at = moment
    elif target is Status.CLOSED:
        request.closed_at = moment
    elif target is Status.REOPENED:
        request.reopen_count += 1
        request.resolved_at = None
        request.closed_at = None
        request.duplicate_of_id = None  # a reopened duplicate stands on its own again
    _record_event(
        session, request, actor, previous, target, note.strip(), moment, secretariat_id, channel
    )


def _record_event(
    session: Session,
    request: ServiceRequest,
    actor: Actor,
    from_status: Status | None,
    to_status: Status,
    note: str,
    at: datetime,
    secretariat_id: int | None = None,
    channel: Channel | None = None,
) -> RequestEvent:
    event = RequestEvent(
        request=request,
        at=at,
        actor_id=actor.user_id,
        actor_label=actor.label,
        from_status=from_status,
        to_status=to_status,
        note=note,
        secretariat_id=secretariat_id,
        channel=channel,
    )
    session.add(event)
    return event


def _with_details(statement: Select[ServiceRequest]) -> Select[ServiceRequest]:
    return statement.options(
        selectinload(ServiceRequest.events),
        selectinload(ServiceRequest.service_type),
        selectinload(ServiceRequest.secretariat),
        selectinload(ServiceRequest.focal_point),
    )


def get_request(session: Session, number: str) -> ServiceRequest:
    """The request with this protocol number (typed with or without separators)."""
    digits = parse_protocol_number(number)
    request = session.scalar(
        _with_details(select(ServiceRequest).where(ServiceRequest.number == digits))
    )
    if request is None:
        raise NotFoundError(f"Protocolo {number} não encontrado.")
    return request


def view_request(
    session: Session, number: str, actor: Actor, purpose: str = REQUEST_VIEW
) -> ServiceRequest:
    """``get_request`` for showing it to someone: the read of its citizen's data is audited.
    (``get_request`` itself is for the domain's own work: changes, links, the IVR.)"""
    request = get_request(session, number)
    record_request_read(session, actor, purpose, request.citizen_id, request.number)
    return request


def requests_of_citizen(session: Session, citizen_id: int) -> Sequence[ServiceRequest]:
    return session.scalars(
        _with_details(
            select(ServiceRequest).where(ServiceRequest.citizen_id == citizen_id)
        ).order_by(ServiceRequest.created_at.desc())
    ).all()


def is_late(request: ServiceRequest, now: datetime | None = None) -> bool:
    return request.status in PENDING and request.expected_at < (now or utcnow())


def late_requests_query(
    now: datetime | None = None, secretariat_code: str | None = None
) -> Select[ServiceRequest]:
    """Pending requests past their expected date, oldest deadline first."""
    statement = (
        select(ServiceRequest)
        .where(
            ServiceRequest.status.in_(sorted(PENDING)),
            ServiceRequest.expected_at < (now or utcnow()),
        )
        .order_by(ServiceRequest.expected_at)
    )
    if secretariat_code is not None:
        statement = statement.join(
            Secretariat, ServiceRequest.secretariat_id == Secretariat.id
        ).where(Secretariat.code == secretariat_code)
    return statement


def late_requests(
    session: Session,
    now: datetime | None = None,
    secretariat_code: str | None = None,
    limit: int = 500,
) -> Sequence[ServiceRequest]:
    return session.scalars(late_requests_query(now, secretariat_code).limit(limit)).all()


def count_late_by_secretariat(session: Session, now: datetime | None = None) -> dict[str, int]:
    rows = session.execute(
        select(Secretariat.code, func.count(ServiceRequest.id))
        .join(ServiceRequest, ServiceRequest.secretariat_id == Secretariat.id)
        .where(
            ServiceRequest.status.in_(sorted(PENDING)),
            ServiceRequest.expected_at < (now or utcnow()),
        )
        .group_by(Secretariat.code)
    ).all()
    return {code: count for code, count in rows}
