"""``survey``: after the agent hangs up, the caller rates the service from 1 to 5.

The dialplan passes the queue, the agent's interface and name, and the protocol number as AGI
arguments. An invalid answer is asked again once; the score is stored linked to the call and to
the agent.
"""

from __future__ import annotations

import logging

from citizen_center.domain.outcomes import CallOutcome
from citizen_center.errors import DatabaseUnavailableError, ValidationError
from citizen_center.services import calls, surveys
from ivr.call import AgiCall
from ivr.intent import MenuContext
from ivr.registry import handlers

log = logging.getLogger(__name__)

ATTEMPTS = 2


@handlers.register("survey")
def survey(call: AgiCall) -> None:
    queue, agent_interface = call.argument(1), call.argument(2)
    try:
        _record_agent(call, queue, agent_interface)
        score = _ask_score(call)
        if score is not None:
            with call.runtime.database.transaction() as session:
                surveys.record_survey(
                    session,
                    score=score,
                    agent_interface=agent_interface,
                    call=calls.get_call(session, call.uniqueid),
                )
            call.play(["survey/thanks"], escape_digits="")
        call.play(["goodbye"], escape_digits="")
    except DatabaseUnavailableError as exc:
        log.warning("survey not stored, database unavailable: %s", exc)
        call.play(["goodbye"], escape_digits="")
    finally:
        call.finish(CallOutcome.ANSWERED)


def _record_agent(call: AgiCall, queue: str, agent_interface: str) -> None:
    call.open_record()
    with call.runtime.database.transaction() as session:
        record = calls.get_call(session, call.uniqueid)
        calls.mark_answered(session, record, queue=queue, agent_interface=agent_interface)


def _ask_score(call: AgiCall) -> int | None:
    prompt = ["survey/ask"]
    for _ in range(ATTEMPTS):
        answer = call.ask(prompt, MenuContext.SURVEY)
        given = answer.keys or (answer.intent.digits if answer.intent else "")
        try:
            score = surveys.parse_score(given)
        except ValidationError:
            call.step(
                "survey", keys=answer.keys, recognised_text=answer.recognised_text, intent="invalid"
            )
            prompt = ["survey/invalid"]
            continue
        call.step(
            "survey",
            keys=answer.keys,
            recognised_text=answer.recognised_text,
            intent="score",
            detail={"score": score},
        )
        return score
    return None
