"""The AMI core and both clients against recorded Asterisk 22 traffic (no PBX, each well under
a second). Re-record with ``python -m tests.fixtures.ami_recorder`` (see there)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pbx.ami import AmiClient, AmiError, AmiMessage, AmiProtocol, Completed, Event, Greeting
from pbx.ami.aio import AmiState, AsyncAmiClient
from pbx.ami.protocol import Received
from pbx.channel_vars import ChannelVar
from tests.fixtures.ami_recorder import CALLER_NUMBER, IVR_VARIABLES, PAUSE_REASON
from tests.fixtures.ami_replay import Chunk, Recording, ReplayServer, replay_core

pytestmark = pytest.mark.timeout(10)

MID_LIST = "Event: QueueMember\r\n"  # cut a connection here: inside a QueueStatus list


def completed(items: list[Received], action: str) -> list[Completed]:
    return [i for i in items if isinstance(i, Completed) and i.action == action]


def events(items: list[Received], name: str = "") -> list[AmiMessage]:
    return [
        i.message
        for i in items
        if isinstance(i, Event) and (not name or i.message.get("Event") == name)
    ]


def names(messages: list[AmiMessage]) -> list[str]:
    return [m.name for m in messages]


# --------------------------------------------------------------------------- the sans-I/O core


@pytest.mark.parametrize("chunk_sizes", [0, 1, 7, 300])
def test_core_login_accepted_then_refused(chunk_sizes: int) -> None:
    items = replay_core(AmiProtocol("t-"), Recording.load("login"), chunk_sizes)

    greetings = [i for i in items if isinstance(i, Greeting)]
    assert len(greetings) == 2 and all(g.is_asterisk for g in greetings)
    ok, refused = completed(items, "Login")
    assert ok.ok and ok.message == "Authentication accepted"
    assert not refused.ok and not refused.lost and refused.message == "Authentication failed"
    assert completed(items, "Ping")[0].response.get("Ping") == "Pong"
    assert completed(items, "Logoff")[0].response.get("Response") == "Goodbye"
    assert names(events(items)) == ["FullyBooted"]


@pytest.mark.parametrize("chunk_sizes", [0, 1, 5, 64])
def test_core_assembles_queue_status_and_summary_lists(chunk_sizes: int) -> None:
    items = replay_core(AmiProtocol("t-"), Recording.load("queue_status"), chunk_sizes)

    every_queue, one_queue = completed(items, "QueueStatus")
    # Known as a list from "EventList: start": replay_core never says it is one.
    for done in (every_queue, one_queue):
        assert done.ok and done.complete is not None
        assert done.complete.get("Event") == "QueueStatusComplete"
        assert len(done.events) == int(done.complete.get("ListItems"))
    assert names(every_queue.events).count("QueueParams") == 5  # every queue of queues.conf
    members = [e for e in every_queue.events if e.get("Event") == "QueueMember"]
    assert sorted((m.get("Queue"), m.get("Name")) for m in members) == [
        ("agua-esgoto", "Ana Souza"),
        ("geral", "Ana Souza"),
        ("geral", "Bruno Lima"),
    ]
    bruno = next(m for m in members if m.get("Name") == "Bruno Lima")
    assert (bruno.get("Paused"), bruno.get("PausedReason")) == ("1", PAUSE_REASON)
    assert {e.get("Queue") for e in one_queue.events} == {"agua-esgoto"}

    summary = completed(items, "QueueSummary")[0]
    assert summary.complete is not None and summary.complete.get("Event") == "QueueSummaryComplete"
    assert set(names(summary.events)) == {"QueueSummary"}
    assert len(summary.events) == int(summary.complete.get("ListItems"))
    assert events(items) == []  # list items never leak out as events


def test_core_call_events_carry_the_ivr_variables() -> None:
    items = replay_core(AmiProtocol("t-"), Recording.load("queue_call"), chunk_sizes=50)

    status = completed(items, "QueueStatus")[0]
    assert names(status.events) == ["QueueParams", "QueueMember", "QueueEntry"]
    assert status.events[2].get("CallerIDNum") == CALLER_NUMBER
    caller_side = {**IVR_VARIABLES, ChannelVar.ROUTE: "geral", ChannelVar.QUEUE: "geral"}
    for name in ("AgentCalled", "AgentConnect", "AgentComplete"):
        (event,) = events(items, name)
        assert event.get("CallerIDNum") == CALLER_NUMBER
        assert caller_side.items() <= event.variables().items()
    for name in ("AgentCalled", "AgentConnect"):
        # The agent's channel sees only what the IVR set with the __ prefix (and it is gone by
        # AgentComplete when the agent hung up: no DestChanVariable there).
        (event,) = events(items, name)
        assert IVR_VARIABLES.items() <= event.variables("DestChanVariable").items()
    assert events(items, "AgentComplete")[0].get("Reason") == "agent"
    pauses = events(items, "QueueMemberPause")
    assert [(p.get("Paused"), p.get("PausedReason")) for p in pauses] == [
        ("0", ""),
        ("1", PAUSE_REASON),
    ]


def test_core_connection_lost_in_the_middle_of_a_list() -> None:
    recording = Recording.load("queue_status")
    protocol = AmiProtocol("t-")
    incoming = recording.incoming()
    login_id, _ = protocol.start_action("Login", {"Username": "x", "Secret": "y"})
    assert login_id == "t-1"
    status_id, _ = protocol.start_action("QueueStatus")
    # The recorded ids were c156-1 and c156-2; the fresh core numbers the same way with "t-".
    cut = incoming.index(MID_LIST.encode()) + len(MID_LIST)
    received = protocol.receive(incoming[:cut].replace(b"c156-", b"t-"))
    assert [type(r) for r in received] == [Greeting, Completed]

    (lost,) = protocol.connection_lost()
    assert lost.lost and lost.action_id == status_id and not lost.ok
    assert "connection lost before QueueStatus" in lost.message
    assert names(lost.events) == ["QueueParams"]  # what had arrived is kept
    assert protocol.pending == () and protocol.connection_lost() == []
    # Ready for the next connection: a new banner comes first again.
    assert protocol.receive(incoming[:40]) == [Greeting("Asterisk Call Manager/11.0.0")]


def test_core_late_answer_after_forget_is_an_event_and_values_stay_on_one_line() -> None:
    protocol = AmiProtocol("t-")
    protocol.receive(b"Asterisk Call Manager/11.0.0\r\n")
    action_id, _ = protocol.start_action("Ping")
    protocol.forget(action_id)
    (late,) = protocol.receive(f"Response: Success\r\nActionID: {action_id}\r\n\r\n".encode())
    assert isinstance(late, Event)
    with pytest.raises(ValueError, match="one line"):
        protocol.start_action("Setvar", {"Value": "x\r\nAction: Originate"})
    assert protocol.pending == ()


# --------------------------------------------------------------------------- the threaded client


@pytest.fixture
def quick() -> Iterator[None]:
    began = time.monotonic()
    yield
    assert time.monotonic() - began < 1.0


def test_threaded_client_login_accepted_then_refused(quick: None) -> None:
    with ReplayServer(Recording.load("login"), chunk_sizes=9) as server:
        seen: list[AmiMessage] = []
        with AmiClient("127.0.0.1", server.port, timeout=2).connect() as client:
            client.add_listener(seen.append)
            client.login("central156", "REDACTED", events="system")
            assert client.checked_action("Ping").get("Ping") == "Pong"
            assert client.action("Logoff").get("Response") == "Goodbye"
        refused = AmiClient("127.0.0.1", server.port, timeout=2).connect()
        with pytest.raises(AmiError, match="refused: Authentication failed"):
            refused.login("central156", "REDACTED")
        refused.close()
    assert server.errors == []
    assert names(seen) == ["FullyBooted"]


def test_threaded_client_queue_status_in_random_chunks(quick: None) -> None:
    with (
        ReplayServer(Recording.load("queue_status"), chunk_sizes=13) as server,
        AmiClient("127.0.0.1", server.port, timeout=2).connect() as client,
    ):
        client.login("central156", "REDACTED", events="off")
        response, items = client.list_action("QueueStatus")
        assert response.get("EventList") == "start"
        assert names(items).count("QueueMember") == 3
        _, summary = client.list_action("QueueSummary")
        assert set(names(summary)) == {"QueueSummary"}
        # Not told it is a list: the response says so, and the list is waited for all the same.
        response = client.action("QueueStatus", Queue="agua-esgoto")
        assert response.get("EventList") == "start"
        client.action("Logoff")
    assert server.errors == []


def test_threaded_client_list_cut_short_fails_at_once(quick: None) -> None:
    with (
        ReplayServer(Recording.load("queue_status"), cut={1: MID_LIST}) as server,
        AmiClient("127.0.0.1", server.port, timeout=5).connect() as client,
    ):
        client.login("central156", "REDACTED", events="off")
        with pytest.raises(AmiError, match="connection lost before QueueStatus"):
            client.list_action("QueueStatus")
        with pytest.raises(AmiError, match="not connected"):
            client.action("Ping")


def test_threaded_client_sees_the_queued_call(quick: None) -> None:
    recording = Recording.load("queue_call")
    seen: list[AmiMessage] = []
    with (
        ReplayServer(recording, chunk_sizes=700) as server,
        AmiClient("127.0.0.1", server.port, timeout=2).connect() as client,
    ):
        client.add_listener(seen.append)
        for action in recording.actions():
            fields: dict[str, Any] = {
                k: v for k, v in action.headers if k not in ("Action", "ActionID")
            }
            client.action(action.get("Action"), **fields)
        client.close()
    assert server.errors == []
    (connect,) = [e for e in seen if e.get("Event") == "AgentConnect"]
    assert connect.variables()[ChannelVar.PROTOCOL] == IVR_VARIABLES[ChannelVar.PROTOCOL]
    assert "QueueEntry" not in names(seen)


# --------------------------------------------------------------------------- the asyncio client


async def wait_state(states: list[AmiState], wanted: AmiState, count: int = 1) -> None:
    while states.count(wanted) < count:
        await asyncio.sleep(0.005)


def aio_client(
    server: ReplayServer, states: list[AmiState], seen: list[AmiMessage] | None = None
) -> AsyncAmiClient:
    return AsyncAmiClient(
        "127.0.0.1",
        server.port,
        "central156",
        "REDACTED",
        events="agent",
        ping_interval=60,
        backoff=(0.01, 0.05),
        timeout=2,
        on_state=states.append,
        on_event=(seen or []).append,
    )


def test_aio_client_reconnects_by_itself_and_resyncs(quick: None) -> None:
    async def scenario(server: ReplayServer) -> None:
        states: list[AmiState] = []
        client = aio_client(server, states)
        assert await client.start()
        _, first = await client.list_action("QueueStatus", Queue="geral")
        assert names(first) == ["QueueParams", "QueueMember"]
        await asyncio.wait_for(wait_state(states, AmiState.CONNECTED, 2), 1)  # recorded cut
        _, again = await client.list_action("QueueStatus", Queue="geral")
        assert names(again) == names(first)
        await client.stop()
        assert states == [
            AmiState.CONNECTING,
            AmiState.CONNECTED,
            AmiState.RETRYING,
            AmiState.CONNECTING,
            AmiState.CONNECTED,
            AmiState.STOPPED,
        ]

    with ReplayServer(Recording.load("reconnect"), chunk_sizes=11) as server:
        asyncio.run(asyncio.wait_for(scenario(server), 3))
    assert server.errors == [] and server.served == 2


def test_aio_client_list_cut_short_fails_then_resyncs(quick: None) -> None:
    async def scenario(server: ReplayServer) -> None:
        states: list[AmiState] = []
        client = aio_client(server, states)
        assert await client.start()
        with pytest.raises(AmiError, match="connection lost before QueueStatus"):
            await client.list_action("QueueStatus", Queue="geral")
        await client.wait_connected(1)
        _, again = await client.list_action("QueueStatus", Queue="geral")
        assert names(again) == ["QueueParams", "QueueMember"]
        await client.stop()
        assert states.count(AmiState.CONNECTED) == 2

    with ReplayServer(Recording.load("reconnect"), cut={1: MID_LIST}) as server:
        asyncio.run(asyncio.wait_for(scenario(server), 3))
    assert server.errors == []


def test_aio_client_refused_login_keeps_retrying_and_refuses_actions(quick: None) -> None:
    login = Recording.load("login")
    refused_only = Recording("refused", tuple(c for c in login.chunks if c.conn == 2))

    async def scenario(server: ReplayServer) -> None:
        states: list[AmiState] = []
        client = aio_client(server, states)
        assert not await client.start()
        assert "Authentication failed" in client.last_error
        with pytest.raises(AmiError, match=r"not connected.*QueueStatus not sent"):
            await client.list_action("QueueStatus")
        await asyncio.wait_for(wait_state(states, AmiState.RETRYING, 2), 1)
        await client.stop()
        assert states[-1] is AmiState.STOPPED and AmiState.CONNECTED not in states

    with ReplayServer(refused_only) as server:
        asyncio.run(asyncio.wait_for(scenario(server), 3))


def test_aio_client_unanswered_ping_counts_as_a_loss(quick: None) -> None:
    # The manager logs us in, then goes silent without closing: only the Ping can tell.
    conn = Recording.load("reconnect").of(2)
    silent = Recording("silent", (*conn[:3], Chunk(2, "close", conn[2].t, "client")))
    assert [c.dir for c in silent.chunks] == ["in", "out", "in", "close"]

    async def scenario(server: ReplayServer) -> None:
        states: list[AmiState] = []
        client = aio_client(server, states)
        client.ping_interval = client.ping_timeout = 0.05
        client.backoff = (5.0, 5.0)  # no second attempt to overwrite last_error
        assert await client.start()
        await asyncio.wait_for(wait_state(states, AmiState.RETRYING), 1)
        assert "Ping" in client.last_error
        await client.stop()

    with ReplayServer(silent) as server:
        asyncio.run(asyncio.wait_for(scenario(server), 3))
