"""The agent's presence in the PBX: queue membership, pauses and the call being handled.

The desktop keeps the *desired* state (the queues the agent logged into, the pause the agent
chose) and makes Asterisk match it: at login, after every reconnection (a restarted Asterisk may
have forgotten dynamic members or pauses) and after each call. Queue events for this agent's
interface drive the call phases: ringing (``AgentCalled``), talking (``AgentConnect``), wrap-up
(``AgentComplete``), missed (``AgentRingNoAnswer``).
"""

from __future__ import annotations

import enum
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from agent_desktop.gateway_link import GatewayLink
from agent_desktop.telephony.call_context import CallContext
from citizen_center.config import DesktopSettings
from gateway.protocol import PbxMessage, same_interface

log = logging.getLogger(__name__)

MAX_TRACKED_CALLERS = 500


class Phase(enum.Enum):
    IDLE = "idle"
    RINGING = "ringing"
    TALKING = "talking"
    WRAPUP = "wrapup"


@dataclass(frozen=True)
class MemberStatus:
    """The agent as Asterisk last reported it."""

    queues: frozenset[str] = frozenset()
    paused: bool = False
    reason: str = ""
    paused_since: float | None = None  # time.monotonic()

    @property
    def logged_in(self) -> bool:
        return bool(self.queues)


@dataclass(frozen=True)
class PauseWish:
    paused: bool = False
    reason: str = ""


class AgentPhone(QObject):
    """Desired vs. actual agent state in the PBX, and the current call.

    Thread-safety: a QObject of the GUI thread, like the ``GatewayLink`` it drives.
    """

    callOffered = Signal(object)  # CallContext
    callConnected = Signal(object)  # CallContext
    callEnded = Signal(object)  # CallContext: wrap-up starts
    callWithdrawn = Signal(object)  # CallContext: rang here, then went away unanswered
    ringMissed = Signal(object)  # CallContext
    statusChanged = Signal(object)  # MemberStatus
    phaseChanged = Signal(object)  # Phase
    synced = Signal()
    actionFailed = Signal(str)

    def __init__(
        self,
        client: GatewayLink,
        interface: str,
        member_name: str,
        queues: tuple[str, ...],
        settings: DesktopSettings,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.interface = interface
        self.member_name = member_name
        self.queues = queues
        self.settings = settings
        self.desired_queues: frozenset[str] = frozenset()
        self.desired_pause = PauseWish()
        self.pause_after_call: str | None = None
        self.status = MemberStatus()
        self.phase = Phase.IDLE
        self.call: CallContext | None = None
        self._joined: OrderedDict[str, float] = OrderedDict()
        client.eventReceived.connect(self._on_event)
        client.pbxReady.connect(self.resync)

    # ---------------------------------------------------------------- the agent's commands

    def join_queues(self) -> None:
        self.desired_queues = frozenset(self.queues)
        self.resync()

    def leave_queues(self) -> None:
        self.desired_queues = frozenset()
        self.resync()

    def pause(self, reason: str) -> None:
        """Pause now, or at hang-up when a call is under way (the citizen is never cut off)."""
        if self.phase in (Phase.RINGING, Phase.TALKING, Phase.WRAPUP):
            self.pause_after_call = reason
            log.info("pause requested during a call, applied after it: reason=%s", reason)
            return
        self.desired_pause = PauseWish(True, reason)
        self._apply_pause(self.desired_pause)

    def resume(self) -> None:
        self.pause_after_call = None
        self.desired_pause = PauseWish()
        if self.phase is not Phase.WRAPUP:
            self._apply_pause(self.desired_pause)

    def hang_up(self) -> None:
        """End the call in progress (the gateway lets an agent hang up only their own call)."""
        if self.phase is not Phase.TALKING or self.call is None:
            return
        log.info("agent hangs up call=%s channel=%s", self.call.uniqueid, self.call.channel)
        self._command("Hangup", Channel=self.call.channel)

    def finish_wrapup(self) -> None:
        """The wrap-up is saved: take calls again (or start the pause asked for meanwhile)."""
        if self.pause_after_call:
            self.desired_pause = PauseWish(True, self.pause_after_call)
            self.pause_after_call = None
        self.call = None
        self._set_phase(Phase.IDLE)
        self._apply_pause(self.desired_pause)

    def restore_wrapup(self) -> None:
        """An unfinished wrap-up from before a restart of the app: stay out of calls until done."""
        self._set_phase(Phase.WRAPUP)

    def effective_pause(self) -> PauseWish:
        if self.phase is Phase.WRAPUP and self.settings.wrapup_mode == "pause":
            return PauseWish(True, self.settings.wrapup_pause_reason)
        return self.desired_pause

    # ---------------------------------------------------------------- resynchronisation

    def resync(self) -> None:
        """Read the agent's state from Asterisk and repair whatever differs from the wishes."""
        if not self.client.is_connected:
            return
        self.client.send("QueueStatus", {"Member": self.interface}, self._reconcile)

    def _reconcile(self, response: PbxMessage, events: list[PbxMessage]) -> None:
        if response.get("Response") != "Success":
            self.actionFailed.emit(response.get("Message"))
            return
        members = [e for e in events if self._mine(e) and e.get("Event") == "QueueMember"]
        actual = {e.get("Queue") for e in members}
        wish = self.effective_pause()
        for queue in sorted(self.desired_queues - actual):
            self._command(
                "QueueAdd",
                Queue=queue,
                Interface=self.interface,
                MemberName=self.member_name,
                Paused=_flag(wish.paused),
                Reason=wish.reason,
            )
        for queue in sorted((actual & set(self.queues)) - self.desired_queues):
            self._command("QueueRemove", Queue=queue, Interface=self.interface)
        kept = [e for e in members if e.get("Queue") in self.desired_queues]
        if any(_member_pause(e) != wish for e in kept):
            self._apply_pause(wish)
        self._reconcile_call(any(e.get("InCall") == "1" for e in members))
        self.client.send("QueueStatus", {"Member": self.interface}, self._after_sync)

    def _reconcile_call(self, in_call: bool) -> None:
        # A call that ended while the connection was down produced no events: close it here.
        if in_call or self.call is None:
            return
        if self.phase is Phase.TALKING:
            log.info("call %s ended while disconnected: wrap-up", self.call.uniqueid)
            self._start_wrapup(self.call)
        elif self.phase is Phase.RINGING:
            self._withdraw()

    def _after_sync(self, response: PbxMessage, events: list[PbxMessage]) -> None:
        if response.get("Response") == "Success":
            members = [e for e in events if self._mine(e) and e.get("Event") == "QueueMember"]
            self._set_status(_status_of(members, self.status))
            self.synced.emit()

    # ---------------------------------------------------------------- sending

    def _apply_pause(self, wish: PauseWish) -> None:
        if not self.desired_queues and not self.status.logged_in:
            return
        fields: dict[str, object] = {"Interface": self.interface, "Paused": _flag(wish.paused)}
        if wish.reason:
            fields["Reason"] = wish.reason
        self._command("QueuePause", **fields)

    def _command(self, action: str, **fields: object) -> None:
        def check(response: PbxMessage, _events: list[PbxMessage]) -> None:
            if response.get("Response") != "Success":
                message = f"{action}: {response.get('Message')}"
                log.warning("ami action failed: %s", message)
                self.actionFailed.emit(message)

        self.client.send(action, fields, check)

    # ---------------------------------------------------------------- events

    def _mine(self, event: PbxMessage) -> bool:
        return same_interface(event.get("Interface") or event.get("Location"), self.interface)

    def _on_event(self, event: PbxMessage) -> None:
        name = event.get("Event")
        if name == "QueueCallerJoin":
            self._track_join(event.get("Uniqueid"))
            return
        if name == "QueueCallerAbandon":
            self._on_abandon(event)
            return
        if not self._mine(event):
            return
        handler = self._handlers().get(name)
        if handler is not None:
            handler(event)

    def _handlers(self) -> dict[str, Callable[[PbxMessage], None]]:
        return {
            "AgentCalled": self._on_agent_called,
            "AgentConnect": self._on_agent_connect,
            "AgentComplete": self._on_agent_complete,
            "AgentRingNoAnswer": self._on_ring_no_answer,
            "QueueMemberPause": self._on_member_pause,
            "QueueMemberAdded": self._on_member_added,
            "QueueMemberRemoved": self._on_member_removed,
        }

    def _track_join(self, uniqueid: str) -> None:
        self._joined[uniqueid] = time.monotonic()
        while len(self._joined) > MAX_TRACKED_CALLERS:
            self._joined.popitem(last=False)

    def _on_agent_called(self, event: PbxMessage) -> None:
        if self.phase in (Phase.RINGING, Phase.TALKING):
            return
        if self.phase is Phase.WRAPUP:
            log.warning("call offered during wrap-up (wrapup_mode=%s)", self.settings.wrapup_mode)
        self.call = CallContext.from_agent_called(event, self._joined.get(event.get("Uniqueid")))
        self._set_phase(Phase.RINGING)
        log.info(
            "call offered uniqueid=%s caller=%s queue=%s",
            self.call.uniqueid,
            self.call.caller_number,
            self.call.queue,
        )
        self.callOffered.emit(self.call)

    def _on_agent_connect(self, event: PbxMessage) -> None:
        if self.call is None:  # connected while we were resyncing: build the context from here
            self.call = CallContext.from_agent_called(event)
            self.callOffered.emit(self.call)
        self.call = self.call.connected_by(event)
        self._set_phase(Phase.TALKING)
        self.callConnected.emit(self.call)

    def _on_agent_complete(self, event: PbxMessage) -> None:
        if self.call is not None:
            self._start_wrapup(self.call.completed_by(event))

    def _start_wrapup(self, call: CallContext) -> None:
        self.call = call
        self._set_phase(Phase.WRAPUP)
        if self.settings.wrapup_mode == "pause":
            self._apply_pause(self.effective_pause())
        self.callEnded.emit(call)

    def _on_ring_no_answer(self, event: PbxMessage) -> None:
        if self.phase is not Phase.RINGING or self.call is None:
            return
        missed = self.call
        self.call = None
        self._set_phase(Phase.IDLE)
        log.info("ring not answered uniqueid=%s", missed.uniqueid)
        if self.settings.pause_on_missed_ring:
            self.desired_pause = PauseWish(True, self.settings.missed_ring_pause_reason)
            self._apply_pause(self.desired_pause)
        self.ringMissed.emit(missed)

    def _on_abandon(self, event: PbxMessage) -> None:
        self._joined.pop(event.get("Uniqueid"), None)
        if (
            self.phase is Phase.RINGING
            and self.call is not None
            and (event.get("Uniqueid") == self.call.caller_uniqueid)
        ):
            self._withdraw()

    def _withdraw(self) -> None:
        gone = self.call
        self.call = None
        self._set_phase(Phase.IDLE)
        if gone is not None:
            self.callWithdrawn.emit(gone)

    def _on_member_pause(self, event: PbxMessage) -> None:
        paused = event.get("Paused") == "1"
        since = self.status.paused_since if self.status.paused == paused else time.monotonic()
        self._set_status(
            MemberStatus(
                self.status.queues,
                paused,
                event.get("PausedReason") if paused else "",
                since if paused else None,
            )
        )

    def _on_member_added(self, event: PbxMessage) -> None:
        status = self.status
        self._set_status(
            MemberStatus(
                status.queues | {event.get("Queue")},
                status.paused,
                status.reason,
                status.paused_since,
            )
        )

    def _on_member_removed(self, event: PbxMessage) -> None:
        status = self.status
        self._set_status(
            MemberStatus(
                status.queues - {event.get("Queue")},
                status.paused,
                status.reason,
                status.paused_since,
            )
        )

    # ---------------------------------------------------------------- state

    def _set_status(self, status: MemberStatus) -> None:
        if status != self.status:
            self.status = status
            self.statusChanged.emit(status)

    def _set_phase(self, phase: Phase) -> None:
        if phase is not self.phase:
            self.phase = phase
            self.phaseChanged.emit(phase)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _member_pause(event: PbxMessage) -> PauseWish:
    paused = event.get("Paused") == "1"
    return PauseWish(paused, event.get("PausedReason") if paused else "")


def _status_of(members: list[PbxMessage], previous: MemberStatus) -> MemberStatus:
    queues = frozenset(e.get("Queue") for e in members)
    paused = bool(members) and all(e.get("Paused") == "1" for e in members)
    reason = members[0].get("PausedReason") if paused else ""
    since = (previous.paused_since or time.monotonic()) if paused else None
    return MemberStatus(queues, paused, reason, since)
