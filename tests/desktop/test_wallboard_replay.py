"""The wallboard's ``QueueBoard`` fed with AMI events recorded from a real Asterisk 22
(``tests/fixtures/ami/queue_call.jsonl``): a caller waits while the only member is paused, the
member is unpaused, rings, talks, hangs up, pauses again and leaves the queue. The events reach
the board as the gateway forwards them to a supervisor (``PbxMessage``, the same headers)."""

from __future__ import annotations

from agent_desktop.telephony.queue_board import AgentState, QueueBoard, Thresholds
from gateway.protocol import PbxMessage
from pbx.ami import AmiMessage, AmiProtocol, Completed, Event
from pbx.ami.protocol import Received
from tests.fixtures.ami_recorder import PAUSE_REASON
from tests.fixtures.ami_replay import Recording, replay_core


class Clock:
    """The recording's own time: each event's ``Timestamp`` header (Asterisk's epoch)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def follow(self, event: AmiMessage) -> None:
        stamp = event.get("Timestamp")
        if stamp:
            self.now = float(stamp)


def replayed_board() -> tuple[QueueBoard, Clock, list[Received], int]:
    """A board resynchronised with the recorded QueueStatus; the items; the status's index."""
    items = replay_core(AmiProtocol("t-"), Recording.load("queue_call"))
    status_at = next(
        i
        for i, item in enumerate(items)
        if isinstance(item, Completed) and item.action == "QueueStatus"
    )
    status = items[status_at]
    assert isinstance(status, Completed)
    clock = Clock()
    for item in items[:status_at]:
        if isinstance(item, Event):
            clock.follow(item.message)
    board = QueueBoard(Thresholds(), clock=clock)
    board.resync([PbxMessage(event.headers) for event in status.events])
    return board, clock, items, status_at


def apply_rest(board: QueueBoard, clock: Clock, items: list[Received]) -> list[AgentState]:
    """Every later event, in order; the member's state after each change."""
    states = [board.snapshot().agents[0].state]
    for item in items:
        if isinstance(item, Event):
            clock.follow(item.message)
            if board.apply(PbxMessage(item.message.headers)):
                state = board.snapshot().agents[0].state
                if state is not states[-1]:
                    states.append(state)
    return states


def test_recorded_call_drives_the_board_from_resync_to_logout() -> None:
    board, clock, items, status_at = replayed_board()
    snapshot = board.snapshot()
    (geral,) = snapshot.queues
    assert (geral.queue, geral.waiting, geral.members, geral.available) == ("geral", 1, 1, 0)
    (tile,) = snapshot.agents
    assert (tile.name, tile.state, tile.detail) == ("Carla Dias", AgentState.PAUSED, PAUSE_REASON)

    states = apply_rest(board, clock, items[status_at + 1 :])
    assert states == [
        AgentState.PAUSED,
        AgentState.FREE,
        AgentState.RINGING,
        AgentState.TALKING,
        AgentState.FREE,
        AgentState.PAUSED,
        AgentState.LOGGED_OUT,
    ]
    final = board.snapshot()
    assert (final.queues[0].waiting, final.queues[0].today.answered) == (0, 1)


def test_recorded_call_counts_one_call_taken() -> None:
    board, clock, items, status_at = replayed_board()
    apply_rest(board, clock, items[status_at + 1 :])
    assert board.snapshot().agents[0].calls_taken == 1
