"""The gateway's rules: an agent acts only on their own phone, a supervisor on anyone's, nobody
sets globals, originates or runs other AMI actions; events are shown only to whom they concern."""

from __future__ import annotations

import pytest

from citizen_center.domain.workflow import Role
from gateway.policy import Refusal, SessionUser, authorise, visible_event, visible_list
from gateway.protocol import PbxMessage
from pbx.channel_vars import ChannelVar

QUEUES = ("geral", "agua-esgoto")
ANA = SessionUser(1, "ana", "Ana Atendente", Role.AGENT, "PJSIP/agent-2001")
BETO = SessionUser(2, "beto", "Beto Supervisor", Role.SUPERVISOR, "")
FABI = SessionUser(3, "fabi", "Fabi Ponto Focal", Role.FOCAL_POINT, "")


def message(**headers: str) -> PbxMessage:
    return PbxMessage(tuple(headers.items()))


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("QueueAdd", {"Queue": "geral", "Interface": "PJSIP/agent-2001", "Paused": "false"}),
        ("QueuePause", {"Interface": "pjsip/agent-2001", "Paused": "true", "Reason": "Lanche"}),
        ("QueueRemove", {"Queue": "geral", "Interface": "PJSIP/agent-2001"}),
        ("QueueStatus", {}),
    ],
)
def test_an_agent_may_work_on_their_own_phone(action: str, fields: dict[str, str]) -> None:
    assert authorise(ANA, action, fields, QUEUES).allowed


@pytest.mark.parametrize(
    ("action", "fields", "refusal"),
    [
        (
            "QueuePause",
            {"Interface": "PJSIP/agent-2002", "Paused": "true"},
            Refusal.OTHER_INTERFACE,
        ),
        (
            "QueueRemove",
            {"Queue": "geral", "Interface": "PJSIP/agent-2002"},
            Refusal.OTHER_INTERFACE,
        ),
        ("QueueStatus", {"Member": "PJSIP/agent-2002"}, Refusal.OTHER_INTERFACE),
        ("QueueAdd", {"Queue": "vip", "Interface": "PJSIP/agent-2001"}, Refusal.UNKNOWN_QUEUE),
        (
            "QueueAdd",
            {"Queue": "geral", "Interface": "PJSIP/agent-2001", "Penalty": "0"},
            Refusal.FIELD_NOT_ALLOWED,
        ),
        ("Setvar", {"Variable": ChannelVar.AGI, "Value": "agi://10.0.0.66"}, Refusal.NOT_ALLOWED),
        ("Originate", {"Channel": "PJSIP/2001", "CallerID": "190"}, Refusal.NOT_ALLOWED),
        ("Command", {"Command": "core stop now"}, Refusal.NOT_ALLOWED),
        ("Redirect", {"Channel": "PJSIP/x", "Exten": "s"}, Refusal.NOT_ALLOWED),
        ("Hangup", {"Channel": "PJSIP/trunk-0001"}, Refusal.NOT_YOUR_CALL),
        ("QueueSummary", {}, Refusal.NOT_ALLOWED),
    ],
)
def test_an_agent_is_refused_everything_else(
    action: str, fields: dict[str, str], refusal: Refusal
) -> None:
    decision = authorise(ANA, action, fields, QUEUES)
    assert not decision.allowed
    assert decision.reason.startswith(refusal)


def test_an_agents_status_request_is_narrowed_and_their_name_is_their_own() -> None:
    assert authorise(ANA, "QueueStatus", {}, QUEUES).fields == {"Member": "PJSIP/agent-2001"}
    added = authorise(
        ANA,
        "QueueAdd",
        {"Queue": "geral", "Interface": "PJSIP/agent-2001", "MemberName": "Beto Supervisor"},
        QUEUES,
    )
    assert added.fields["MemberName"] == "Ana Atendente"


def test_an_agent_may_hang_up_their_own_call_only() -> None:
    own = {"PJSIP/trunk-0001", "PJSIP/agent-2001-0002"}
    assert authorise(ANA, "Hangup", {"Channel": "PJSIP/trunk-0001"}, QUEUES, own).allowed
    assert not authorise(ANA, "Hangup", {"Channel": "PJSIP/trunk-0009"}, QUEUES, own).allowed


def test_an_agent_without_a_phone_has_no_rights() -> None:
    phoneless = SessionUser(4, "dora", "Dora", Role.AGENT, "")
    assert not authorise(phoneless, "QueueStatus", {}, QUEUES).allowed


def test_a_supervisor_pauses_and_removes_anyone_but_cannot_reconfigure_the_pbx() -> None:
    for action, fields in [
        ("QueuePause", {"Interface": "PJSIP/agent-2002", "Paused": "true"}),
        ("QueueRemove", {"Queue": "geral", "Interface": "PJSIP/agent-2002"}),
        ("QueueStatus", {}),
        ("QueueSummary", {}),
    ]:
        assert authorise(BETO, action, fields, QUEUES).allowed, action
    for action in ("Setvar", "Originate", "Command", "Hangup", "QueueAdd"):
        assert not authorise(BETO, action, {}, QUEUES).allowed, action


def test_a_focal_point_has_no_pbx_rights_and_sees_nothing() -> None:
    assert not authorise(FABI, "QueueStatus", {}, QUEUES).allowed
    assert visible_event(FABI, message(Event="QueueMemberPause", Interface="x")) is None


def test_an_agent_sees_their_own_events_and_anonymous_queue_events() -> None:
    mine = message(Event="AgentCalled", Interface="PJSIP/agent-2001", CallerIDNum="51999990000")
    theirs = message(Event="AgentCalled", Interface="PJSIP/agent-2002")
    join = message(
        Event="QueueCallerJoin",
        Queue="geral",
        Uniqueid="1.1",
        CallerIDNum="51999990000",
        CallerIDName="João",
    )
    assert visible_event(ANA, mine) is mine
    assert visible_event(ANA, theirs) is None
    anonymous = visible_event(ANA, join)
    assert anonymous is not None and anonymous.get("Uniqueid") == "1.1"
    assert anonymous.get("CallerIDNum") == "" and anonymous.get("CallerIDName") == ""
    assert visible_event(ANA, message(Event="VarSet", Variable=ChannelVar.AGI)) is None


def test_a_supervisor_sees_queue_and_agent_events_only() -> None:
    assert visible_event(BETO, message(Event="QueueEntry", Queue="geral")) is not None
    assert visible_event(BETO, message(Event="Newchannel", Channel="x")) is None


def test_an_agents_status_list_hides_colleagues_and_waiting_callers() -> None:
    listed = [
        message(Event="QueueParams", Queue="geral"),
        message(Event="QueueMember", Queue="geral", Location="PJSIP/agent-2001"),
        message(Event="QueueMember", Queue="geral", Location="PJSIP/agent-2002"),
        message(Event="QueueEntry", Queue="geral", CallerIDNum="51999990000"),
    ]
    kept = visible_list(ANA, listed)
    assert [m.get("Event") for m in kept] == ["QueueParams", "QueueMember"]
    assert visible_list(BETO, listed) == listed
