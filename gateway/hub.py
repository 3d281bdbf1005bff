"""The gateway's core: one AMI session on one side, the connected desktops on the other.

Thread rules: everything here runs on the gateway's asyncio event loop. AMI events arrive through
``on_ami_event`` and are fanned out to each desktop's outbox (a bounded queue drained by that
desktop's WebSocket writer); a desktop that cannot keep up is disconnected rather than allowed to
grow the gateway's memory — it reconnects and resynchronises like after any loss.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gateway import policy
from gateway.policy import SessionUser
from gateway.protocol import (
    ActionRequest,
    PbxMessage,
    PbxState,
    encode_event,
    encode_pbx_state,
    encode_response,
    interface_key,
)

log = logging.getLogger(__name__)

# Actions whose answer is a list of events ending with an ``EventList: Complete`` event.
LIST_ACTIONS = frozenset({"QueueStatus", "QueueSummary"})
OUTBOX_LIMIT = 2000


class Headers(Protocol):
    """What the hub reads of an AMI message (``pbx.ami.AmiMessage`` has it)."""

    @property
    def headers(self) -> tuple[tuple[str, str], ...]: ...


class AmiLink(Protocol):
    """The gateway's AMI session as the hub uses it (``pbx.ami.aio.AsyncAmiClient``)."""

    async def action(
        self, name: str, *, timeout: float | None = None, **fields: object
    ) -> Headers: ...

    async def list_action(
        self, name: str, *, timeout: float | None = None, **fields: object
    ) -> tuple[Headers, Sequence[Headers]]: ...


class Closed(enum.Enum):
    SLOW = "too slow to follow the events"


@dataclass(eq=False)
class DesktopSession:
    """One connected desktop."""

    user: SessionUser
    peer: str
    outbox: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(OUTBOX_LIMIT))
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    close_reason: Closed | None = None

    def offer(self, text: str) -> None:
        if self.closed.is_set():
            return
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            self.close_reason = Closed.SLOW
            self.closed.set()
            log.warning(
                "desktop dropped user=%s peer=%s reason=%s",
                self.user.username,
                self.peer,
                Closed.SLOW.value,
            )


class Hub:
    def __init__(self, ami: AmiLink, queues: Collection[str]) -> None:
        self.ami = ami
        self.queues = frozenset(queues)
        self.sessions: set[DesktopSession] = set()
        # The same desktops indexed the way events address them (an event is about one phone,
        # or for supervisors): fan-out cost follows the audience, not the number of desktops.
        self._supervisors: set[DesktopSession] = set()
        self._by_interface: dict[str, set[DesktopSession]] = {}
        self.pbx_state = PbxState.DOWN
        # Channels of the call each interface is on (casefolded interface → channels), so an
        # agent may hang up their own call and nobody else's.
        self._calls: dict[str, frozenset[str]] = {}

    # ---------------------------------------------------------------- desktops

    def attach(self, session: DesktopSession) -> None:
        self.sessions.add(session)
        if session.user.supervises:
            self._supervisors.add(session)
        elif policy.is_agent_with_phone(session.user):
            self._by_interface.setdefault(interface_key(session.user.interface), set()).add(session)
        log.info(
            "desktop connected user=%s role=%s interface=%s peer=%s desktops=%d",
            session.user.username,
            session.user.role.value,
            session.user.interface,
            session.peer,
            len(self.sessions),
        )

    def detach(self, session: DesktopSession) -> None:
        self.sessions.discard(session)
        self._supervisors.discard(session)
        group = self._by_interface.get(interface_key(session.user.interface))
        if group is not None:
            group.discard(session)
            if not group:
                del self._by_interface[interface_key(session.user.interface)]
        log.info(
            "desktop disconnected user=%s peer=%s desktops=%d",
            session.user.username,
            session.peer,
            len(self.sessions),
        )

    # ---------------------------------------------------------------- from the PBX

    def on_ami_state(self, up: bool) -> None:
        state = PbxState.UP if up else PbxState.DOWN
        if state is self.pbx_state:
            return
        self.pbx_state = state
        if not up:
            self._calls.clear()
        log.info("pbx state=%s desktops=%d", state.value, len(self.sessions))
        text = encode_pbx_state(state)
        for session in list(self.sessions):
            session.offer(text)

    def on_ami_event(self, message: Headers) -> None:
        event = PbxMessage(message.headers)
        self._track_calls(event)
        seen_by = policy.audience(event)
        if seen_by.supervisors:
            self._offer_all(self._supervisors, event)
        if seen_by.all_agents is not None:
            self._offer_all(self._agents_with_phone(), seen_by.all_agents)
        elif seen_by.interface:
            self._offer_all(self._by_interface.get(seen_by.interface, set()), event)

    @staticmethod
    def _offer_all(sessions: Collection[DesktopSession], event: PbxMessage) -> None:
        if not sessions:
            return
        text = encode_event(event)  # once per event, whatever the number of desktops
        for session in list(sessions):
            session.offer(text)

    def _agents_with_phone(self) -> list[DesktopSession]:
        return [session for group in self._by_interface.values() for session in group]

    def _track_calls(self, event: PbxMessage) -> None:
        name = event.get("Event")
        interface = interface_key(event.get("Interface") or event.get("MemberName"))
        if name == "AgentConnect" and interface:
            self._calls[interface] = frozenset(
                channel for channel in (event.get("Channel"), event.get("DestChannel")) if channel
            )
        elif name in ("AgentComplete", "AgentDump") and interface:
            self._calls.pop(interface, None)

    def channels_of(self, interface: str) -> frozenset[str]:
        return self._calls.get(interface.casefold(), frozenset())

    # ---------------------------------------------------------------- to the PBX

    async def perform(self, session: DesktopSession, request: ActionRequest) -> None:
        """Run a desktop's action if its user may, and answer on its outbox."""
        response, events = await self._answer(session.user, request.action, request.fields)
        session.offer(encode_response(request.request_id, response, events))

    async def _answer(
        self, user: SessionUser, action: str, fields: Mapping[str, str]
    ) -> tuple[PbxMessage, list[PbxMessage]]:
        if action == "Ping":
            return PbxMessage((("Response", "Success"), ("Ping", "Pong"))), []
        decision = policy.authorise(
            user, action, fields, self.queues, self.channels_of(user.interface)
        )
        if not decision.allowed:
            log.warning(
                "action refused user=%s action=%s reason=%s", user.username, action, decision.reason
            )
            return PbxMessage.error(decision.reason), []
        log.info("action user=%s action=%s fields=%s", user.username, action, dict(decision.fields))
        # Any: the fields are AMI headers; the policy never lets a "timeout" field through.
        fields_to_send: dict[str, Any] = dict(decision.fields)
        try:
            if action in LIST_ACTIONS:
                response, listed = await self.ami.list_action(action, **fields_to_send)
                events = [PbxMessage(item.headers) for item in listed]
                return PbxMessage(response.headers), policy.visible_list(user, events)
            return PbxMessage((await self.ami.action(action, **fields_to_send)).headers), []
        except Exception as error:
            log.warning("action failed user=%s action=%s error=%s", user.username, action, error)
            return PbxMessage.error(f"PBX indisponível: {error}"), []
