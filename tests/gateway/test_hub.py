"""The hub without a network: events fanned out by the rules, actions authorised, a slow desktop
dropped instead of growing the gateway's memory."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from citizen_center.domain.workflow import Role
from gateway import hub as hub_module
from gateway.hub import DesktopSession, Hub
from gateway.policy import SessionUser, visible_event
from gateway.protocol import ActionRequest, PbxMessage
from pbx.ami import AmiProtocol, Event
from pbx.channel_vars import ChannelVar
from tests.fixtures.ami_replay import Recording, replay_core

ANA = SessionUser(1, "ana", "Ana", Role.AGENT, "PJSIP/agent-2001")
BIA = SessionUser(2, "bia", "Bia", Role.AGENT, "PJSIP/agent-2002")
BETO = SessionUser(3, "beto", "Beto", Role.SUPERVISOR, "")


@dataclass
class FakeAmi:
    sent: list[tuple[str, dict[str, object]]] = field(default_factory=list)

    async def action(
        self, name: str, *, timeout: float | None = None, **fields: object
    ) -> PbxMessage:
        self.sent.append((name, fields))
        return PbxMessage((("Response", "Success"),))

    async def list_action(
        self, name: str, *, timeout: float | None = None, **fields: object
    ) -> tuple[PbxMessage, list[PbxMessage]]:
        self.sent.append((name, fields))
        return PbxMessage((("Response", "Success"),)), [
            PbxMessage((("Event", "QueueMember"), ("Location", "PJSIP/agent-2001"))),
            PbxMessage((("Event", "QueueEntry"), ("CallerIDNum", "51999990000"))),
        ]


def drained(session: DesktopSession) -> list[dict[str, Any]]:
    found = []
    while not session.outbox.empty():
        found.append(json.loads(session.outbox.get_nowait()))
    return found


def test_events_reach_only_those_they_concern() -> None:
    async def scenario() -> None:
        hub = Hub(FakeAmi(), ["geral"])
        ana, bia, beto = (DesktopSession(u, "test") for u in (ANA, BIA, BETO))
        for session in (ana, bia, beto):
            hub.attach(session)
        hub.on_ami_event(PbxMessage((("Event", "AgentCalled"), ("Interface", "PJSIP/agent-2001"))))
        assert [m["type"] for m in drained(ana)] == ["event"]
        assert drained(bia) == []
        assert [m["type"] for m in drained(beto)] == ["event"]
        hub.on_ami_state(True)
        assert all(drained(s) == [{"type": "pbx", "state": "up"}] for s in (ana, bia, beto))

    asyncio.run(scenario())


def test_actions_are_authorised_and_answered() -> None:
    async def scenario() -> None:
        ami = FakeAmi()
        hub = Hub(ami, ["geral"])
        ana = DesktopSession(ANA, "test")
        await hub.perform(
            ana, ActionRequest("1", "Setvar", {"Variable": ChannelVar.AGI, "Value": "agi://evil"})
        )
        await hub.perform(ana, ActionRequest("2", "QueueStatus", {}))
        refused, status = drained(ana)
        assert refused["headers"][0] == ["Response", "Error"]
        assert ami.sent == [("QueueStatus", {"Member": "PJSIP/agent-2001"})]
        assert [dict(e)["Event"] for e in status["events"]] == ["QueueMember"]

    asyncio.run(scenario())


def test_an_agent_may_hang_up_the_call_connected_to_them() -> None:
    async def scenario() -> None:
        ami = FakeAmi()
        hub = Hub(ami, ["geral"])
        ana = DesktopSession(ANA, "test")
        hub.on_ami_event(
            PbxMessage(
                (
                    ("Event", "AgentConnect"),
                    ("Interface", "PJSIP/agent-2001"),
                    ("Channel", "PJSIP/trunk-1"),
                    ("DestChannel", "PJSIP/agent-2001-2"),
                )
            )
        )
        await hub.perform(ana, ActionRequest("1", "Hangup", {"Channel": "PJSIP/trunk-1"}))
        assert ami.sent == [("Hangup", {"Channel": "PJSIP/trunk-1"})]
        hub.on_ami_event(
            PbxMessage((("Event", "AgentComplete"), ("Interface", "PJSIP/agent-2001")))
        )
        await hub.perform(ana, ActionRequest("2", "Hangup", {"Channel": "PJSIP/trunk-1"}))
        assert len(ami.sent) == 1

    asyncio.run(scenario())


def test_a_desktop_that_cannot_keep_up_is_dropped() -> None:
    async def scenario() -> None:
        hub = Hub(FakeAmi(), ["geral"])
        beto = DesktopSession(BETO, "test", outbox=asyncio.Queue(3))
        hub.attach(beto)
        for _ in range(5):
            hub.on_ami_event(PbxMessage((("Event", "QueueParams"), ("Queue", "geral"))))
        assert beto.closed.is_set()
        assert beto.close_reason is hub_module.Closed.SLOW

    asyncio.run(scenario())


def test_the_hubs_fan_out_agrees_with_the_rules_on_recorded_traffic() -> None:
    """Every event of a call recorded from Asterisk 22 reaches exactly the desktops the rules
    let see it, in the version they may see."""
    recorded = [
        item.message
        for item in replay_core(AmiProtocol("t-"), Recording.load("queue_call"))
        if isinstance(item, Event)
    ]
    member = next(m.get("Interface") for m in recorded if m.get("Event") == "AgentCalled")
    users = [
        SessionUser(1, "dona", "Dona", Role.AGENT, member.upper()),
        SessionUser(2, "outra", "Outra", Role.AGENT, "PJSIP/agent-2999"),
        BETO,
        SessionUser(4, "fabi", "Fabi", Role.FOCAL_POINT, ""),
    ]

    async def scenario() -> None:
        hub = Hub(FakeAmi(), ["geral"])
        sessions = [DesktopSession(user, "test", outbox=asyncio.Queue()) for user in users]
        for session in sessions:
            hub.attach(session)
        for message in recorded:
            hub.on_ami_event(message)
            event = PbxMessage(message.headers)
            for session in sessions:
                expected = visible_event(session.user, event)
                got = drained(session)
                assert got == (
                    [] if expected is None else [{"type": "event", "headers": expected.as_pairs()}]
                ), (session.user.username, event.get("Event"))

    asyncio.run(scenario())
