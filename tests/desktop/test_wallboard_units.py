"""The wallboard's state from replayed AMI events (no PBX): states, timers, today's counters."""

from __future__ import annotations

from agent_desktop.telephony.queue_board import (
    AgentState,
    Level,
    QueueBoard,
    Thresholds,
    TodayCounts,
)
from gateway.protocol import PbxMessage

NOON = 1773158400.0  # 2026-03-10 13:00 local


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> float:
        return self.now


def event(name: str, **headers: str) -> PbxMessage:
    return PbxMessage((("Event", name), *headers.items()))


def member(queue: str, interface: str, name: str, **extra: str) -> PbxMessage:
    return event(
        "QueueMember",
        Queue=queue,
        Location=interface,
        Name=name,
        Status="1",
        Paused="0",
        InCall="0",
        **extra,
    )


def board_with_two_agents() -> tuple[QueueBoard, Clock]:
    clock = Clock()
    board = QueueBoard(Thresholds(pause=(60, 120)), clock=clock)
    board.resync(
        [
            event("QueueParams", Queue="geral"),
            event("QueueParams", Queue="agua-esgoto"),
            member("geral", "PJSIP/2001", "Ana"),
            member("agua-esgoto", "PJSIP/2001", "Ana"),
            member("geral", "PJSIP/2002", "Bruno"),
            event("QueueEntry", Queue="geral", Uniqueid="c1", Wait="12"),
        ]
    )
    return board, clock


def tile(board: QueueBoard, name: str) -> tuple[AgentState, Level, float | None, str]:
    found = next(t for t in board.snapshot().agents if t.name == name)
    return found.state, found.level, found.seconds, found.detail


def test_resync_then_events_drive_queue_figures_and_tiles() -> None:
    board, clock = board_with_two_agents()
    geral = board.snapshot().queues[1]
    assert (geral.queue, geral.waiting, geral.longest_wait, geral.members) == ("geral", 1, 12, 2)
    clock.now += 20
    assert board.snapshot().queues[1].wait_level is Level.ALERT  # 32 s > 30 s
    board.apply(event("AgentCalled", Queue="geral", Interface="pjsip/2001", Uniqueid="c1"))
    assert tile(board, "Ana")[0] is AgentState.RINGING  # the interface's case does not matter
    board.apply(
        event("AgentConnect", Queue="geral", Interface="PJSIP/2001", Uniqueid="c1", HoldTime="33")
    )
    clock.now += 5
    assert tile(board, "Ana") == (AgentState.TALKING, Level.OK, 5, "geral")
    figures = board.snapshot().queues[1]
    assert figures.waiting == 0 and figures.today.answered == 1
    assert figures.today.within == (0, 0)  # 33 s: outside 30 s and 20 s
    board.apply(event("AgentComplete", Queue="geral", Interface="PJSIP/2001", TalkTime="5"))
    assert tile(board, "Ana")[0] is AgentState.FREE


def test_pause_reason_time_and_thresholds() -> None:
    board, clock = board_with_two_agents()
    board.apply(
        event(
            "QueueMemberPause",
            Queue="geral",
            Interface="PJSIP/2002",
            Paused="1",
            PausedReason="Almoço",
        )
    )
    clock.now += 90
    assert tile(board, "Bruno") == (AgentState.PAUSED, Level.WARN, 90, "Almoço")
    clock.now += 60
    assert tile(board, "Bruno")[1] is Level.ALERT
    board.apply(
        event(
            "QueueMemberPause",
            Queue="geral",
            Interface="PJSIP/2002",
            Paused="1",
            PausedReason="pós-atendimento",
        )
    )
    assert tile(board, "Bruno")[0] is AgentState.WRAPUP  # the desktop's enforced wrap-up
    board.apply(event("QueueMemberRemoved", Queue="geral", Interface="PJSIP/2002"))
    assert tile(board, "Bruno")[0] is AgentState.LOGGED_OUT


def test_today_adds_database_and_live_outcomes_once() -> None:
    board, clock = board_with_two_agents()
    board.apply(event("QueueCallerJoin", Queue="geral", Uniqueid="c2"))
    board.apply(event("QueueCallerAbandon", Queue="geral", Uniqueid="c2", HoldTime="2"))
    board.apply(event("QueueCallerJoin", Queue="geral", Uniqueid="c3"))
    clock.now += 10
    board.apply(event("QueueCallerAbandon", Queue="geral", Uniqueid="c3", HoldTime="40"))
    today = board.snapshot().queues[1].today
    assert (today.abandoned, today.short_abandoned, today.offered) == (2, 1, 2)
    # The database has imported the first abandon (its cut-off is between the two).
    database = TodayCounts(answered=5, abandoned=1, short_abandoned=1, within=(4, 3), wait_sum=50.0)
    board.set_database_today({"geral": database}, cutoff=NOON + 5)
    today = board.snapshot().queues[1].today
    assert (today.answered, today.abandoned, today.short_abandoned) == (5, 2, 1)
    assert today.service_level(0) == 4 / 6  # short abandons out of the base
    assert today.average_wait == 10.0
    clock.now += 86400  # tomorrow: yesterday's figures no longer count
    assert board.snapshot().queues[1].today == TodayCounts()
