"""Self-service: "where is my request?" — the caller says or keys a protocol number and hears
its service, status, expected date and whether it is late. A request closed as the duplicate of
another is read back as joined to that protocol, followed by that protocol's own read-back."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import ServiceRequest
from citizen_center.services import duplicates, requests
from ivr.call import AgiCall, Answer
from ivr.intent import IntentKind, MenuContext, extract_protocol
from ivr.intent.actions import KEY_AGENT
from ivr.prompts import joined_readback_keys, status_readback_keys
from pbx.channel_vars import ChannelVar

log = logging.getLogger(__name__)

PROTOCOL_DIGITS = 12
ATTEMPTS = 2


@dataclass(frozen=True)
class ConsultResult:
    number: str = ""  # the protocol read back, if any
    wants_agent: bool = False


def consult_protocol(call: AgiCall) -> ConsultResult:
    """Up to two tries to get a valid, existing protocol number, then read it back."""
    for _ in range(ATTEMPTS):
        answer = call.ask(["protocol/ask"], MenuContext.PROTOCOL, max_digits=PROTOCOL_DIGITS + 1)
        if answer.intent is not None and answer.intent.kind is IntentKind.AGENT:
            call.step("protocol", recognised_text=answer.recognised_text, intent="agent")
            return ConsultResult(wants_agent=True)
        if answer.keys == KEY_AGENT:
            return ConsultResult(wants_agent=True)
        candidate = _candidate_number(answer)
        outcome = read_back_status(call, candidate)
        call.step(
            "protocol",
            recognised_text=answer.recognised_text,
            keys=answer.keys,
            intent=outcome,
            detail={"candidate": candidate},
        )
        if outcome == "found":
            return ConsultResult(number=candidate)
    return ConsultResult()


def _candidate_number(answer: Answer) -> str:
    if answer.keys:
        return answer.keys
    if answer.intent is None:
        return ""
    return extract_protocol(answer.intent.digits or answer.recognised_text) or ""


def read_back_status(call: AgiCall, candidate: str) -> str:
    """Look the number up and speak the answer; returns found / invalid / unknown / silent."""
    if not candidate:
        call.play(["menu/no_input"])
        return "silent"
    try:
        with call.runtime.database.transaction() as session:
            request = requests.get_request(session, candidate)
            parent = duplicates.parent_of(session, request)
            if parent is None:
                keys = _status_keys(call, request)
            else:
                # Closed as a duplicate: "fechado" would mislead; the caller hears which
                # protocol it was joined to and how that one stands.
                keys = joined_readback_keys(request.number, _status_keys(call, parent))
    except ValidationError:
        call.play(["protocol/invalid"])
        return "invalid"
    except NotFoundError:
        call.play(["protocol/unknown"])
        return "unknown"
    # The lookup only reads; the link is a write and goes through the recorder (journal).
    call.link_consulted(request.number)
    call.set_variable(ChannelVar.PROTOCOL, request.number)
    call.play(keys)
    return "found"


def _status_keys(call: AgiCall, request: ServiceRequest) -> list[str]:
    late = requests.is_late(request)
    expected = request.expected_at.astimezone(call.runtime.policy.tz).date()
    return status_readback_keys(
        request.number, request.service_type.code, request.status.value, expected, late
    )
