"""Phone calls: the record the IVR and the desktop build up as a call goes along."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from citizen_center.domain.outcomes import CallOutcome
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import (
    CALLER_NUMBER_LENGTH,
    Call,
    CallRequest,
    CallStep,
    ServiceRequest,
    User,
    utcnow,
)


def bounded_caller_number(raw: str) -> str:
    """A caller number fit for the call record: as given, cut to ``CALLER_NUMBER_LENGTH``, without
    NUL (PostgreSQL text cannot hold it). Other control characters are kept: it is the carrier's
    data, and whoever prints it escapes it (``citizen_center.logs.log_safe``)."""
    return raw.replace("\x00", "")[:CALLER_NUMBER_LENGTH]


def start_call(
    session: Session,
    *,
    uniqueid: str,
    caller_number: str,
    linkedid: str = "",
    citizen_id: int | None = None,
    started_at: datetime | None = None,
) -> Call:
    """The call with this Asterisk uniqueid, created on first sight (a retried AGI reuses it)."""
    if not uniqueid.strip():
        raise ValidationError("Chamada sem uniqueid.")
    call = session.scalar(select(Call).where(Call.uniqueid == uniqueid))
    if call is None:
        call = Call(
            uniqueid=uniqueid,
            linkedid=linkedid or uniqueid,
            caller_number=bounded_caller_number(caller_number),
            citizen_id=citizen_id,
            started_at=started_at or utcnow(),
        )
        session.add(call)
        session.flush()
    elif citizen_id is not None and call.citizen_id is None:
        call.citizen_id = citizen_id
    return call


def ivr_began(session: Session, uniqueid: str) -> bool:
    """Whether an IVR already recorded steps of this call: a server that took the call over
    from one that failed (Asterisk's backup FastAGI) goes on from there, without a welcome."""
    found = session.scalar(
        select(CallStep.id).join(Call, CallStep.call_id == Call.id).where(Call.uniqueid == uniqueid)
    )
    return found is not None


def get_call(session: Session, uniqueid: str) -> Call:
    call = session.scalar(
        select(Call)
        .where(Call.uniqueid == uniqueid)
        .options(selectinload(Call.steps), selectinload(Call.request_links))
    )
    if call is None:
        raise NotFoundError(f"Chamada {uniqueid} não encontrada.")
    return call


@dataclass(frozen=True)
class StepInput:
    step: str
    recognised_text: str = ""
    intent: str = ""
    confidence: float | None = None
    keys: str = ""
    detail: dict[str, Any] | None = None


def record_step(
    session: Session, call: Call, data: StepInput, at: datetime | None = None
) -> CallStep:
    """Append one IVR step to the call's path."""
    next_seq = (
        session.scalar(select(func.max(CallStep.seq)).where(CallStep.call_id == call.id)) or 0
    ) + 1
    step = CallStep(
        call_id=call.id,
        seq=next_seq,
        at=at or utcnow(),
        step=data.step,
        recognised_text=data.recognised_text,
        intent=data.intent,
        confidence=data.confidence,
        keys=data.keys[:40],
        detail=data.detail or {},
    )
    session.add(step)
    session.flush()
    return step


def link_request(session: Session, call: Call, request: ServiceRequest, kind: str) -> None:
    """Note that the call created or consulted a request (once per kind)."""
    if kind not in ("created", "consulted"):
        raise ValueError(f"unknown link kind {kind!r}")
    exists = session.get(CallRequest, (call.id, request.id, kind))
    if exists is None:
        session.add(CallRequest(call_id=call.id, request_id=request.id, kind=kind))


def set_queue(session: Session, call: Call, queue: str) -> None:
    call.queue = queue


def mark_answered(
    session: Session,
    call: Call,
    *,
    queue: str,
    agent_interface: str,
    agent_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Note the agent who answered (found by the phone interface when no id is given)."""
    call.queue = queue or call.queue
    call.agent_interface = agent_interface or call.agent_interface
    if agent_id is None and agent_interface:
        agent_id = session.scalar(select(User.id).where(User.phone_interface == agent_interface))
    call.agent_id = agent_id or call.agent_id
    call.answered_at = call.answered_at or at or utcnow()


def set_wrapup(session: Session, call: Call, wrapup_code: str) -> None:
    if not wrapup_code.strip():
        raise ValidationError("Escolha um código de encerramento.")
    call.wrapup_code = wrapup_code.strip()


def set_outcome(session: Session, call: Call, outcome: CallOutcome) -> None:
    """How the call stands so far (e.g. queued), while it goes on."""
    call.outcome = outcome


def finish_call(
    session: Session, call: Call, outcome: CallOutcome, at: datetime | None = None
) -> None:
    """Close the record; a later outcome (e.g. after the survey) does not overwrite the end time."""
    call.outcome = outcome
    call.ended_at = call.ended_at or at or utcnow()


def close_lost_calls(
    session: Session, older_than: timedelta, now: datetime | None = None
) -> list[Call]:
    """Close the calls an IVR opened and never came back to, older than ``older_than``:

    - no outcome, no end, no agent: ``IVR_LOST`` (nobody knows whether the caller was served);
    - queued and answered by an agent, but never ended: the IVR died in the survey after the
      agent's part (or the desktop never wrapped up): ``ANSWERED``, which is what is known.

    Their end is the last time they were seen alive (their last step, else their answer or
    start): an honest "we lost track here". ``older_than`` must exceed the longest a live call
    stays in the IVR without an outcome (the menu sets one before any hand-off) and the longest
    conversation with an agent, so a call still going is never touched."""
    cutoff = (now or utcnow()) - older_than
    unserved = select(Call).where(
        Call.outcome == CallOutcome.UNSET,
        Call.answered_at.is_(None),
        Call.started_at < cutoff,
    )
    unfinished = select(Call).where(
        Call.outcome == CallOutcome.QUEUED,
        Call.answered_at.is_not(None),
        Call.answered_at < cutoff,
    )
    closed: list[Call] = []
    for query, outcome in ((unserved, CallOutcome.IVR_LOST), (unfinished, CallOutcome.ANSWERED)):
        found = session.scalars(
            query.where(Call.ended_at.is_(None)).options(selectinload(Call.steps)).order_by(Call.id)
        ).all()
        for call in found:
            seen = [call.started_at, *(step.at for step in call.steps)]
            last_seen = max([*seen, call.answered_at] if call.answered_at else seen)
            finish_call(session, call, outcome, at=last_seen)
        closed.extend(found)
    return closed
