"""Satisfaction survey answers (1 to 5), linked to the call and the agent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.domain.workflow import Channel
from citizen_center.errors import ValidationError
from citizen_center.models import Call, CallRequest, ServiceRequest, SurveyResponse, User


def parse_score(keys: str) -> int:
    """The score a caller keyed, or ValidationError for anything but one digit from 1 to 5."""
    text = keys.strip()
    if text not in {"1", "2", "3", "4", "5"}:
        raise ValidationError(f"Nota inválida: {keys!r}. Use um número de 1 a 5.")
    return int(text)


def record_survey(
    session: Session,
    *,
    score: int,
    channel: Channel | str = Channel.PHONE,
    call: Call | None = None,
    agent_interface: str = "",
    request: ServiceRequest | None = None,
    comment: str = "",
) -> SurveyResponse:
    """Store one answer; for a call, or a request rated in a channel, at most one (a repeated
    answer replaces the score and the comment)."""
    if not 1 <= score <= 5:
        raise ValidationError(f"Nota inválida: {score}. Use um número de 1 a 5.")
    agent_interface = agent_interface or (call.agent_interface if call else "")
    response = _earlier_answer(session, call, request, Channel(channel))
    if response is None:
        response = SurveyResponse(
            call_id=call.id if call else None,
            request_id=request.id if request else None,
            score=score,
            channel=Channel(channel),
        )
        session.add(response)
    response.score = score
    response.comment = comment
    response.agent_interface = agent_interface
    response.agent_id = _agent_id(session, call, agent_interface)
    response.service_type_id = (
        request.service_type_id if request is not None else _service_of_call(session, call)
    )
    session.flush()
    return response


def _earlier_answer(
    session: Session, call: Call | None, request: ServiceRequest | None, channel: Channel
) -> SurveyResponse | None:
    if call is not None:
        return session.scalar(select(SurveyResponse).where(SurveyResponse.call_id == call.id))
    if request is not None:
        return session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.request_id == request.id, SurveyResponse.channel == channel
            )
        )
    return None


def _agent_id(session: Session, call: Call | None, interface: str) -> int | None:
    if call is not None and call.agent_id is not None:
        return call.agent_id
    if not interface:
        return None
    return session.scalar(select(User.id).where(User.phone_interface == interface))


def _service_of_call(session: Session, call: Call | None) -> int | None:
    if call is None:
        return None
    return session.scalar(
        select(ServiceRequest.service_type_id)
        .join(CallRequest, CallRequest.request_id == ServiceRequest.id)
        .where(CallRequest.call_id == call.id, CallRequest.kind == "created")
        .limit(1)
    )
