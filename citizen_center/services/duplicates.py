"""Duplicate requests: the same problem reported again, merged into the request being worked on.

Marking a request as a duplicate of another (its *parent*) closes it at once, with an event
"Duplicada do protocolo N" recorded like every change (who, when, channel), and keeps the link
(``ServiceRequest.duplicate_of_id``) so that whoever follows it is sent to the parent. Open311
shows the link as Chicago's ``extended_attributes.duplicate`` / ``parent_service_request_id``.

The link always goes to a root, so no chain forms: a parent that is itself a duplicate is
replaced by its own parent, and when a request that has duplicates becomes a duplicate, they move
to its new parent (each with a note saying so). Only requests of the same service, only pending
ones, never to itself nor to a cancelled request. Unmarking (a mistake) returns the request to
the status it had, without counting a reopening against the secretariat; reopening a duplicate
through the ordinary workflow also drops its link (``requests.change_status``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from citizen_center.domain.protocol import format_protocol_number, parse_protocol_number
from citizen_center.domain.workflow import PENDING, Channel, Status
from citizen_center.errors import ValidationError
from citizen_center.models import RequestEvent, ServiceRequest, utcnow
from citizen_center.services.audit import DUPLICATE_LINK, record_request_read
from citizen_center.services.common import Actor
from citizen_center.services.requests import get_request


class DuplicateError(ValidationError):
    """A duplicate link the rules refuse; the message says which rule, in pt-BR."""


def mark_duplicate(
    session: Session,
    request: ServiceRequest,
    parent_number: str,
    actor: Actor,
    *,
    now: datetime | None = None,
    channel: Channel | None = None,
) -> ServiceRequest:
    """Close ``request`` as a duplicate of ``parent_number`` (or of its root); returns the parent
    it was linked to. Refusals raise ``DuplicateError`` (``NotFoundError`` for an unknown
    parent) and write nothing."""
    named = get_request(session, parent_number)
    # Both rows locked (PostgreSQL; SQLite writers take turns anyway) before the rules are read:
    # two people linking A to B and B to A at once must not make a loop.
    _lock(session, request, named)
    own = format_protocol_number(request.number)
    if request.duplicate_of_id is not None:
        current = session.get_one(ServiceRequest, request.duplicate_of_id)
        raise DuplicateError(
            f"O protocolo {own} já está marcado como duplicado do protocolo "
            f"{format_protocol_number(current.number)}."
        )
    if request.status not in PENDING:
        raise DuplicateError(
            f"O protocolo {own} está '{request.status.label_pt}': só uma solicitação ainda em "
            "atendimento pode ser marcada como duplicada."
        )
    parent = _root_of(session, named)
    if parent is not named:
        _lock(session, parent)
    _check_parent(request, parent)
    record_request_read(session, actor, DUPLICATE_LINK, parent.citizen_id, parent.number)
    moment = now or utcnow()
    note = f"Duplicada do protocolo {format_protocol_number(parent.number)}."
    _change(session, request, Status.CLOSED, actor, note, moment, parent, channel)
    request.duplicate_of_id = parent.id
    request.closed_at = moment
    _move_duplicates(session, request, parent, actor, moment, channel)
    session.flush()
    return parent


def unmark_duplicate(
    session: Session,
    request: ServiceRequest,
    actor: Actor,
    reason: str = "",
    *,
    now: datetime | None = None,
    channel: Channel | None = None,
) -> ServiceRequest:
    """Undo a duplicate mark: the request goes back to the status it had before, linked to
    nothing. ``reason`` (optional) is kept on the event, for the staff."""
    own = format_protocol_number(request.number)
    if request.duplicate_of_id is None:
        raise DuplicateError(f"O protocolo {own} não está marcado como duplicado.")
    parent = session.get_one(ServiceRequest, request.duplicate_of_id)
    previous = _status_before_mark(request)
    note = f"Não é duplicada do protocolo {format_protocol_number(parent.number)}"
    note += f": {reason.strip()}" if reason.strip() else "."
    _change(session, request, previous, actor, note, now or utcnow(), parent, channel)
    request.duplicate_of_id = None
    request.closed_at = None
    session.flush()
    return request


def duplicates_of(session: Session, request: ServiceRequest) -> Sequence[ServiceRequest]:
    """The requests closed as duplicates of ``request``, oldest first."""
    return session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.duplicate_of_id == request.id)
        .order_by(ServiceRequest.id)
    ).all()


def parent_number(session: Session, number: str) -> str | None:
    """The protocol number (digits) of the request protocol ``number`` duplicates; None when it
    is not a duplicate. One query, for the pages that only need to say so."""
    parent = aliased(ServiceRequest)
    return session.scalar(
        select(parent.number)
        .join(ServiceRequest, ServiceRequest.duplicate_of_id == parent.id)
        .where(ServiceRequest.number == parse_protocol_number(number))
    )


def parent_of(session: Session, request: ServiceRequest) -> ServiceRequest | None:
    """The request ``request`` was closed as a duplicate of (always a root: it is followed in
    its place); None when it is not a duplicate."""
    if request.duplicate_of_id is None:
        return None
    return session.get_one(ServiceRequest, request.duplicate_of_id)


def _lock(session: Session, *rows: ServiceRequest) -> None:
    """Re-read ``rows`` locked until commit, in id order (so two writers cannot deadlock);
    what the caller changed on them before is written first, not lost."""
    session.flush()
    for row in sorted(set(rows), key=lambda r: r.id):
        session.refresh(row, with_for_update=True)


def _root_of(session: Session, parent: ServiceRequest) -> ServiceRequest:
    """The request ``parent`` stands for: itself, or the one it duplicates (always a root)."""
    return parent_of(session, parent) or parent


def _check_parent(request: ServiceRequest, parent: ServiceRequest) -> None:
    own, other = format_protocol_number(request.number), format_protocol_number(parent.number)
    if parent.id == request.id:
        raise DuplicateError(f"O protocolo {own} não pode ser duplicado dele mesmo.")
    if parent.service_type_id != request.service_type_id:
        raise DuplicateError(
            f"O protocolo {other} é de outro serviço ({parent.service_type.name}); uma duplicada "
            f"só se une a um protocolo do mesmo serviço ({request.service_type.name})."
        )
    if parent.status is Status.CANCELLED:
        raise DuplicateError(f"O protocolo {other} foi cancelado: não pode receber duplicadas.")


def _move_duplicates(
    session: Session,
    request: ServiceRequest,
    parent: ServiceRequest,
    actor: Actor,
    moment: datetime,
    channel: Channel | None,
) -> None:
    """The duplicates ``request`` had now follow its new parent (the link goes to a root)."""
    old, new = format_protocol_number(request.number), format_protocol_number(parent.number)
    for child in duplicates_of(session, request):
        child.duplicate_of_id = parent.id
        note = f"Duplicada do protocolo {new} (o protocolo {old} foi unido a ele)."
        _change(session, child, child.status, actor, note, moment, parent, channel)


def _status_before_mark(request: ServiceRequest) -> Status:
    """The status the request had when it was last closed as a duplicate."""
    for event in reversed(request.events):
        # Not the notes of a move to another parent (from closed to closed).
        if event.duplicate_of_id is not None and event.from_status in PENDING:
            return event.from_status or Status.FORWARDED
    # No such event: a link set by hand in the database; the secretariat has it again.
    return Status.FORWARDED


def _change(
    session: Session,
    request: ServiceRequest,
    target: Status,
    actor: Actor,
    note: str,
    moment: datetime,
    parent: ServiceRequest,
    channel: Channel | None,
) -> RequestEvent:
    """The change and its event, as ``requests`` records every change, naming the parent.

    Outside the workflow's table on purpose: closing as a duplicate is allowed from any pending
    status, and its undo returns to that status (neither is a resolution nor a reopening)."""
    event = RequestEvent(
        request=request,
        at=moment,
        actor_id=actor.user_id,
        actor_label=actor.label,
        from_status=request.status,
        to_status=target,
        note=note,
        channel=channel,
        duplicate_of_id=parent.id,
    )
    session.add(event)
    request.status = target
    request.updated_at = moment
    return event
