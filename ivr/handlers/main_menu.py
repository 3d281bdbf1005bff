"""``main-menu``: the 156 IVR from welcome to hand-off.

Welcome → the caller identified by number (and told of open requests) → "say the reason of your
call" or keys → confirm when unsure → after two failures, the key menu → self-service status of a
protocol, or the queue of the recognised service with what the IVR learned set on the channel
(``__C156_*`` variables reach the agent's desktop). "Atendente" or key 0 goes to an agent at any
point. When the database is needed and down (looking the caller or a protocol up) the caller
hears an apology and goes to the general queue; the call's record is journaled meanwhile
(``ivr.recorder``), so a database lost mid-menu costs the caller nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from citizen_center.domain.outcomes import CallOutcome
from citizen_center.errors import DatabaseUnavailableError
from citizen_center.services import calls, citizens
from citizen_center.services.citizens import CitizenHistory
from ivr.call import IVR_ACTOR, AgiCall, Answer, intent_label
from ivr.handlers.consult import consult_protocol, read_back_status
from ivr.intent import Decision, Intent, IntentKind, MenuContext
from ivr.intent.actions import KEY_AGENT, KEY_CONSULT_PROTOCOL, KEY_END_CALL
from ivr.prompts import confirm_service_keys, open_requests_keys, transfer_keys
from ivr.registry import handlers
from pbx.channel_vars import ChannelVar

log = logging.getLogger(__name__)

GENERAL_QUEUE = "geral"
OPEN_QUESTION = ["menu/ask_reason"]
MAIN_PROMPT = ["menu/ask_reason", "menu/or_keys", "menu/keys"]
KEY_PROMPT = ["menu/keys"]
# Turns without a usable answer before the caller is sent to an agent anyway.
MAX_TURNS = 5


@dataclass(frozen=True)
class Route:
    """Where the call goes and what the IVR learned on the way."""

    queue: str
    intent: str = ""
    service_code: str = ""
    text: str = ""
    confidence: float | None = None
    reason: str = ""


SELF_SERVICE_DONE = Route(queue="")


@handlers.register("main-menu")
def main_menu(call: AgiCall) -> None:
    outcome = CallOutcome.HANGUP_IN_IVR
    try:
        route = MainMenu(call).run()
        outcome = CallOutcome.SELF_SERVICE if route is SELF_SERVICE_DONE else CallOutcome.QUEUED
    except DatabaseUnavailableError as exc:
        log.warning("database unavailable, general queue: %s", exc)
        # Journal from now on, without another timeout for this caller; the replayer writes it.
        call.runtime.recorder.note_unavailable()
        if not call.recorded:
            call.open_record()
        call.step("database-unavailable", detail={"queue": GENERAL_QUEUE})
        call.play(["failure/apology", "failure/general_queue"], escape_digits="")
        call.set_variable(ChannelVar.ROUTE_REASON, "database-unavailable")
        call.set_variable(ChannelVar.ROUTE, GENERAL_QUEUE)
        outcome = CallOutcome.QUEUED
    finally:
        call.finish(outcome, ended=outcome is not CallOutcome.QUEUED)


class MainMenu:
    """The conversation of one call; ``run`` returns where it ends."""

    def __init__(self, call: AgiCall) -> None:
        self.call = call
        self.failures = 0
        self.pending_keys = ""
        self.wants_key_menu = False
        self.protocol = ""
        self.citizen_id: int | None = None
        self.history: CitizenHistory | None = None
        self.lead_in: list[str] = []  # prompts the next question plays first (the welcome)

    def run(self) -> Route:
        self.history = self._identify_caller()
        taken_over = self._taken_over()
        self.call.open_record(self.citizen_id)
        if taken_over:
            # The caller heard the welcome from the server that failed: say why the question
            # comes again, and ask it (at most one repeated question).
            self.call.step("taken-over")
            self.lead_in = ["failure/resume"]
        else:
            self.pending_keys = self._welcome(self.history)
        for _ in range(MAX_TURNS):
            answer = Answer(keys=self.pending_keys) if self.pending_keys else self._ask()
            self.pending_keys = ""
            route = self._handle(answer)
            if route is not None:
                return self._finish(route)
        return self._finish(Route(GENERAL_QUEUE, reason="no-answer"))

    # --- steps ------------------------------------------------------------------------------
    def _identify_caller(self) -> CitizenHistory | None:
        # Only a valid number is looked up: anything else (withheld, "+5551", garbage) is an
        # unknown caller, who goes through the menu like any other.
        number = self.call.caller_e164
        if not number:
            return None
        with self.call.runtime.database.transaction() as session:
            found = citizens.find_citizens_by_phone(
                session, number, IVR_ACTOR, self.call.runtime.policy
            )
            if len(found) != 1:  # unknown, or a shared phone: the agent will ask
                return None
            self.citizen_id = found[0].id
            return citizens.citizen_history(session, found[0].id, IVR_ACTOR)

    def _taken_over(self) -> bool:
        """Another IVR server began this call and failed (the dialplan's backup FastAGI)."""
        with self.call.runtime.database.transaction() as session:
            return calls.ivr_began(session, self.call.uniqueid)

    def _welcome(self, history: CitizenHistory | None) -> str:
        open_count = len(history.open_requests) if history else 0
        if self.citizen_id is not None:
            self.call.set_variable(ChannelVar.CITIZEN_ID, self.citizen_id)
        # Recorded before playing: a caller who hangs up during the welcome still has a path.
        self.call.step(
            "welcome", detail={"citizen_id": self.citizen_id, "open_requests": open_count}
        )
        if self.call.runtime.engines.names and not open_count:
            # Streaming: the welcome plays inside the first question's turn, so a caller who
            # speaks over it is heard (keys barge in there as they do here).
            self.lead_in = ["welcome"]
            return ""
        keys = self.call.play(["welcome"])
        if not keys and open_count:
            keys = self.call.play([*open_requests_keys(open_count), "open_requests/offer"])
        return keys

    def _ask(self) -> Answer:
        """The open question first (keys work at any moment); the key menu after a failure or a
        "repeat"; keys only once speech failed ``speech_max_failures`` times."""
        runtime = self.call.runtime
        max_failures = runtime.settings.ivr.speech_max_failures
        speech = self.call.speech_available and self.failures < max_failures
        if speech:
            prompt = MAIN_PROMPT if self.failures or self.wants_key_menu else OPEN_QUESTION
        else:
            prompt = KEY_PROMPT
            if self.call.speech_available and self.failures == max_failures:
                prompt = ["menu/fallback_keys", *KEY_PROMPT]
        prompt, self.lead_in = [*self.lead_in, *prompt], []
        self.wants_key_menu = False
        return self.call.ask(prompt, MenuContext.MAIN, speech=speech)

    def _handle(self, answer: Answer) -> Route | None:
        intent = self.call.understand(answer, MenuContext.MAIN)
        self.call.step_answer("main-menu", answer, intent, speech_busy=answer.speech_busy or None)
        if answer.speech_busy:
            # Better keys now than a long silence while the recogniser catches up.
            self.failures = max(self.failures, self.call.runtime.settings.ivr.speech_max_failures)
            return None
        if intent is None:
            return self._not_understood(["menu/no_input"])
        if intent.decision(self.call.runtime.settings.ivr) is Decision.REJECT:
            # An invalid key, off-menu speech, or too unsure to act on: asked again.
            return self._not_understood(
                ["menu/invalid_key"] if answer.keys else ["menu/not_understood"]
            )
        if intent.kind is IntentKind.AGENT:
            return Route(
                GENERAL_QUEUE, "agent", text=answer.recognised_text, confidence=intent.confidence
            )
        if intent.kind is IntentKind.REPEAT:
            self.wants_key_menu = True
            return None
        if intent.kind is IntentKind.CONSULT_PROTOCOL:
            return self._consult()
        if intent.kind is IntentKind.SERVICE:
            return self._service(intent, answer)
        return self._not_understood(["menu/not_understood"])

    def _not_understood(self, prompt: list[str]) -> Route | None:
        """Count a failed turn and say so; the menu asks again (``None``: no route yet). A key
        pressed while hearing it is the caller's next answer."""
        self.failures += 1
        self.pending_keys = self.call.play(prompt)
        return None

    def _service(self, intent: Intent, answer: Answer) -> Route | None:
        decision: Decision | None = intent.decision(self.call.runtime.settings.ivr)
        if decision is Decision.CONFIRM:
            decision = self._confirm(intent)
            if decision is None:  # asked for an agent while confirming
                return Route(GENERAL_QUEUE, "agent", text=answer.recognised_text)
        if decision is not Decision.ACCEPT:
            return self._not_understood(["menu/not_understood"])
        service = (
            self.call.runtime.catalogue.service(intent.service_code)
            if intent.service_code
            else None
        )
        queue = service.queue if service else (intent.queue_code or GENERAL_QUEUE)
        if service is not None and self._offer_open_request(service.code):
            return SELF_SERVICE_DONE
        return Route(
            queue,
            intent_label(intent),
            intent.service_code or "",
            answer.recognised_text,
            intent.confidence,
        )

    def _offer_open_request(self, service_code: str) -> bool:
        """A caller whose request of this service is still open hears its status first and may
        end there (True) instead of opening a duplicate with an agent."""
        pending = self.history.open_requests if self.history else []
        same = next((r for r in pending if r.service_code == service_code), None)
        if same is None:
            return False
        self.call.play(["open_requests/same_service"])
        outcome = read_back_status(self.call, same.number)
        key = self.call.ask_keys(["open_requests/new_or_end"])
        self.call.step(
            "open-request-offer", keys=key, detail={"protocol": same.number, "readback": outcome}
        )
        if key != KEY_END_CALL:
            return False  # another problem, or no answer: an agent hears the caller out
        self.protocol = same.number
        self.call.play(["goodbye"], escape_digits="")
        self.call.hang_up()
        return True

    def _confirm(self, intent: Intent) -> Decision | None:
        answer = self.call.ask(
            confirm_service_keys(intent.service_code, intent.queue_code), MenuContext.CONFIRM
        )
        reply = self.call.understand(answer, MenuContext.CONFIRM)
        self.call.step_answer("confirm", answer, reply, proposed=intent_label(intent))
        if reply is None or reply.decision(self.call.runtime.settings.ivr) is Decision.REJECT:
            return Decision.REJECT
        if reply.kind is IntentKind.AGENT:
            return None
        return Decision.ACCEPT if reply.kind is IntentKind.YES else Decision.REJECT

    def _consult(self) -> Route | None:
        while True:
            result = consult_protocol(self.call)
            self.protocol = result.number or self.protocol
            if result.wants_agent:
                return Route(GENERAL_QUEUE, "agent", reason="after-consult")
            if not result.number:
                self.failures += 1
                return None
            key = self.call.ask_keys(["protocol/another"])
            self.call.step("after-consult", keys=key)
            if key == KEY_CONSULT_PROTOCOL:
                continue
            if key == KEY_AGENT:
                return Route(GENERAL_QUEUE, "consult_protocol", reason="after-consult")
            self.call.play(["goodbye"], escape_digits="")
            self.call.hang_up()
            return SELF_SERVICE_DONE

    # --- hand-off ----------------------------------------------------------------------------
    def _finish(self, route: Route) -> Route:
        if route is SELF_SERVICE_DONE:
            return route
        call = self.call
        call.set_variable(ChannelVar.INTENT, route.intent)
        call.set_variable(ChannelVar.SERVICE, route.service_code)
        call.set_variable(ChannelVar.TEXT, route.text)
        call.set_variable(
            ChannelVar.CONFIDENCE, f"{route.confidence:.2f}" if route.confidence is not None else ""
        )
        if route.reason:
            call.set_variable(ChannelVar.ROUTE_REASON, route.reason)
        call.set_queue(route.queue)
        call.step(
            "route",
            intent=route.intent,
            detail={"queue": route.queue, "service": route.service_code},
        )
        call.play(
            ["transfer/agent"] if route.queue == GENERAL_QUEUE else transfer_keys(route.queue),
            escape_digits="",
        )
        call.set_variable(ChannelVar.ROUTE, route.queue)
        return route
