"""``survey``: after the agent hangs up, the caller rates the service from 1 to 5.

The dialplan passes the queue, the agent's interface and name, and the protocol number as AGI
arguments. An invalid answer is asked again once; the score is stored linked to the call and to
the agent (journaled when the database is away, see ``ivr.recorder``).
"""

from __future__ import annotations

import logging

from citizen_center.domain.outcomes import CallOutcome
from citizen_center.errors import ValidationError
from citizen_center.services import surveys
from ivr.call import AgiCall
from ivr.intent import MenuContext
from ivr.registry import handlers

log = logging.getLogger(__name__)

ATTEMPTS = 2


@handlers.register("survey")
def survey(call: AgiCall) -> None:
    queue, agent_interface = call.argument(1), call.argument(2)
    try:
        # Written through the recorder: with the database away they are journaled, not lost.
        call.open_record()
        call.mark_answered(queue, agent_interface)
        score = _ask_score(call)
        if score is not None:
            call.record_survey(score, agent_interface)
            call.play(["survey/thanks"], escape_digits="")
        call.play(["goodbye"], escape_digits="")
    finally:
        call.finish(CallOutcome.ANSWERED)


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
