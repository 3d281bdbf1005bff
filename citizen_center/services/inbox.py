"""The focal points' inbox: the requests forwarded to a secretariat, and what its people do.

A focal point sees the requests its secretariat has (forwarded, in progress, reopened), nearest
deadline first, late ones flagged. It acknowledges one (in progress), resolves it with a note the
citizen will hear from the IVR or read, or forwards it to another secretariat with a reason.
A resolved request closes when the citizen confirms, or by itself after ``auto_close_days``
(``close_expired_resolutions``, run daily); a citizen's dispute reopens it, which the reports
count against the secretariat (``ServiceRequest.reopen_count``). The same problem reported twice:
the later one is marked as a duplicate of the first (closed, the citizen sent to follow that
one), and unmarked if that was a mistake (``services.duplicates``).

Every change goes through ``services.requests`` (``change_status``/``forward_request``) or
``services.duplicates``, which record the event with who and when; this module only adds who
may do what.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from citizen_center.domain.workflow import Channel, Role, Status
from citizen_center.errors import CitizenCenterError, ValidationError
from citizen_center.models import FocalPoint, RequestEvent, ServiceRequest, User, utcnow
from citizen_center.services import duplicates
from citizen_center.services.audit import (
    INBOX_LIST,
    INBOX_VIEW,
    record_list_read,
    record_request_read,
)
from citizen_center.services.common import Actor
from citizen_center.services.requests import change_status, forward_request, get_request

log = logging.getLogger(__name__)

# What a secretariat still has to work on.
INBOX_STATUSES = (Status.FORWARDED, Status.IN_PROGRESS, Status.REOPENED)
DAY_SECONDS = 86400
CITIZEN = Actor.system("citizen")


class NotAllowedError(CitizenCenterError, PermissionError):
    """The user may not act on this request (another secretariat's, or not a focal point)."""


@dataclass(frozen=True)
class InboxItem:
    request_id: int
    number: str
    service: str
    status: Status
    created_at: datetime
    expected_at: datetime
    late: bool
    days_late: int  # whole days past the deadline, 0 when not late
    reopen_count: int
    neighbourhood: str
    street: str
    description: str


def secretariat_of(session: Session, user_id: int) -> int:
    """The secretariat a focal-point user answers for (the user's own, or its focal point's)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotAllowedError("Usuário inexistente ou inativo.")
    if user.role not in (Role.FOCAL_POINT, Role.ADMIN):
        raise NotAllowedError("Somente pontos focais trabalham a caixa de entrada da secretaria.")
    if user.secretariat_id is not None:
        return user.secretariat_id
    linked = session.scalar(select(FocalPoint.secretariat_id).where(FocalPoint.user_id == user_id))
    if linked is None:
        raise NotAllowedError(f"O usuário {user.username} não está ligado a uma secretaria.")
    return linked


def inbox(
    session: Session,
    user_id: int,
    *,
    now: datetime | None = None,
    limit: int = 500,
    actor: Actor | None = None,
) -> list[InboxItem]:
    """The requests the user's secretariat has to work on, nearest deadline first.

    Audited (LGPD: the list shows where citizens live and what they reported) as one row for
    the list, read by ``actor`` (default: the user)."""
    secretariat_id = secretariat_of(session, user_id)
    moment = now or utcnow()
    requests = session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.secretariat_id == secretariat_id,
            ServiceRequest.status.in_(INBOX_STATUSES),
        )
        .options(selectinload(ServiceRequest.service_type))
        .order_by(ServiceRequest.expected_at, ServiceRequest.id)
        .limit(limit)
    )
    items = [_item(request, moment) for request in requests]
    reader = actor or actor_of(session, user_id)
    record_list_read(
        session, reader, INBOX_LIST, [i.number for i in items], f"secretariat={secretariat_id}"
    )
    return items


def actor_of(session: Session, user_id: int) -> Actor:
    """The user as the actor of audit rows and events."""
    user = session.get_one(User, user_id)
    return Actor.user(user.id, user.username)


def _item(request: ServiceRequest, now: datetime) -> InboxItem:
    overdue = (now - request.expected_at).total_seconds()
    return InboxItem(
        request_id=request.id,
        number=request.number,
        service=request.service_type.name,
        status=request.status,
        created_at=request.created_at,
        expected_at=request.expected_at,
        late=overdue > 0,
        days_late=int(overdue // DAY_SECONDS) if overdue > 0 else 0,
        reopen_count=request.reopen_count,
        neighbourhood=request.neighbourhood,
        street=request.street,
        description=request.description,
    )


def _own_request(session: Session, user_id: int, number: str) -> tuple[ServiceRequest, Actor]:
    request = get_request(session, number)
    if request.secretariat_id != secretariat_of(session, user_id):
        raise NotAllowedError(f"O protocolo {number} não está com a sua secretaria.")
    return request, actor_of(session, user_id)


def acknowledge(
    session: Session, user_id: int, number: str, note: str = "", now: datetime | None = None
) -> ServiceRequest:
    """The secretariat took the request up: in progress."""
    request, actor = _own_request(session, user_id, number)
    return change_status(
        session,
        request,
        Status.IN_PROGRESS,
        actor,
        note.strip() or "Recebido pela secretaria.",
        now,
    )


def resolve(
    session: Session, user_id: int, number: str, note: str, now: datetime | None = None
) -> ServiceRequest:
    """Resolved, with the note the citizen will hear or read (so it cannot be empty)."""
    if not note.strip():
        raise ValidationError("Escreva o que foi feito: o cidadão ouvirá ou lerá esta nota.")
    request, actor = _own_request(session, user_id, number)
    return change_status(session, request, Status.RESOLVED, actor, note, now)


def forward_elsewhere(
    session: Session,
    user_id: int,
    number: str,
    secretariat_code: str,
    reason: str,
    now: datetime | None = None,
) -> ServiceRequest:
    """Not ours: hand it to another secretariat's focal point, saying why."""
    if not reason.strip():
        raise ValidationError("Informe o motivo do encaminhamento.")
    request, actor = _own_request(session, user_id, number)
    return forward_request(
        session, request, actor, secretariat_code=secretariat_code, reason=reason, now=now
    )


def mark_duplicate(
    session: Session, user_id: int, number: str, parent_number: str, now: datetime | None = None
) -> ServiceRequest:
    """The same problem as ``parent_number`` (of the same service): closed as its duplicate, the
    citizen sent to follow that one (``services.duplicates``). Returns the parent linked to."""
    request, actor = _own_request(session, user_id, number)
    return duplicates.mark_duplicate(session, request, parent_number, actor, now=now)


def unmark_duplicate(
    session: Session, user_id: int, number: str, reason: str = "", now: datetime | None = None
) -> ServiceRequest:
    """Marked as a duplicate by mistake: back to the status it had, in the inbox again."""
    request, actor = _own_request(session, user_id, number)
    return duplicates.unmark_duplicate(session, request, actor, reason, now=now)


def resolution_note(request: ServiceRequest) -> str:
    """What the secretariat said when it last resolved the request (for the IVR and the app)."""
    resolved = [e for e in request.events if e.to_status is Status.RESOLVED]
    return resolved[-1].note if resolved else ""


def confirm_resolution(
    session: Session,
    number: str,
    actor: Actor = CITIZEN,
    now: datetime | None = None,
    channel: Channel | None = None,
) -> ServiceRequest:
    """The citizen confirms the request was solved: closed. ``channel``: where the citizen
    answered (the web page, the phone), kept on the event."""
    request = get_request(session, number)
    note = "Solução confirmada pelo cidadão."
    return change_status(session, request, Status.CLOSED, actor, note, now, channel=channel)


def dispute_resolution(
    session: Session,
    number: str,
    reason: str,
    actor: Actor = CITIZEN,
    now: datetime | None = None,
    channel: Channel | None = None,
) -> ServiceRequest:
    """The citizen says it was not solved: reopened, back in the same secretariat's inbox."""
    request = get_request(session, number)
    return change_status(session, request, Status.REOPENED, actor, reason, now, channel=channel)


def close_expired_resolutions(
    session: Session,
    days: int,
    *,
    now: datetime | None = None,
    batch: int = 1000,
) -> int:
    """Close the requests resolved more than ``days`` ago that the citizen did not dispute.

    Idempotent: a closed request is no longer resolved, so a second run finds nothing. Returns
    how many were closed.
    """
    moment = now or utcnow()
    cutoff = moment - timedelta(days=days)
    actor = Actor.system("system")
    note = f"Fechado automaticamente: {days} dias sem contestação do cidadão."
    closed = 0
    while True:
        expired = session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.status == Status.RESOLVED, ServiceRequest.resolved_at <= cutoff)
            .order_by(ServiceRequest.id)
            .limit(batch)
        ).all()
        for request in expired:
            change_status(session, request, Status.CLOSED, actor, note, moment)
        session.flush()
        closed += len(expired)
        if len(expired) < batch:
            break
    log.info("auto_close days=%d closed=%d", days, closed)
    return closed


def history(session: Session, number: str, actor: Actor | None = None) -> list[RequestEvent]:
    """Every change of the request: who, when, from which status to which, and why.

    ``actor``: the person it is shown to, with the request's detail (audited as an inbox view);
    None for the domain's own use."""
    request = get_request(session, number)
    if actor is not None:
        record_request_read(session, actor, INBOX_VIEW, request.citizen_id, request.number)
    return list(request.events)
