"""The live state of every queue and agent, as the wallboard shows it, built from AMI events.

``QueueBoard`` is plain Python (no Qt, no sockets): it is fed ``PbxMessage`` objects — the
``QueueStatus`` answer after every (re)connection, then the queue events as they come — and
``snapshot(now)`` turns that into immutable figures and tiles for the view. Keeping it free of Qt
lets the unit tests replay event sequences without a PBX.

"Today" counters combine two sources: the database's figures for today (imported from
Asterisk's ``queue_log``, so they survive an Asterisk restart) and the outcomes seen live since
that import began. A call therefore counts once: either it is in the database snapshot or it
happened after the snapshot's cut-off. Without a database snapshot (no local queue_log) the live
outcomes since the board started are all there is.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from citizen_center.config import WallboardSettings
from gateway.protocol import PbxMessage, same_interface

Clock = Callable[[], float]


class AgentState(enum.Enum):
    FREE = "free"
    RINGING = "ringing"
    TALKING = "talking"
    WRAPUP = "wrapup"
    PAUSED = "paused"
    UNAVAILABLE = "unavailable"  # a member whose phone is not registered
    LOGGED_OUT = "logged_out"


class Level(enum.Enum):
    """Green / yellow / red against the configured thresholds."""

    OK = "ok"
    WARN = "warn"
    ALERT = "alert"
    NEUTRAL = "neutral"


# Asterisk device states (QueueMemberStatus "Status") that mean the phone cannot take calls.
UNAVAILABLE_DEVICE = frozenset({"4", "5"})  # invalid, unavailable
RINGING_DEVICE = frozenset({"6", "7"})


@dataclass(frozen=True)
class Thresholds:
    """The (warn, alert) seconds of each timed state; the service-level rule."""

    wait: tuple[int, int] = (20, 30)
    talk: tuple[int, int] = (300, 600)
    pause: tuple[int, int] = (600, 1200)
    wrapup: tuple[int, int] = (60, 180)
    service_level_seconds: tuple[int, ...] = (30, 20)  # the city's first, then the convention
    service_level_target: float = 0.8
    short_abandon_seconds: int = 5
    wrapup_pause_reason: str = "pós-atendimento"

    @classmethod
    def from_settings(
        cls,
        board: WallboardSettings,
        service_level_seconds: int,
        target_percent: float,
        short_abandon_seconds: int,
        wrapup_pause_reason: str,
    ) -> Thresholds:
        levels = (service_level_seconds, board.convention_service_level_seconds)
        return cls(
            wait=(board.wait_warn_seconds, board.wait_alert_seconds),
            talk=(board.talk_warn_seconds, board.talk_alert_seconds),
            pause=(board.pause_warn_seconds, board.pause_alert_seconds),
            wrapup=(board.wrapup_warn_seconds, board.wrapup_alert_seconds),
            service_level_seconds=tuple(dict.fromkeys(s for s in levels if s > 0)),
            service_level_target=target_percent / 100,
            short_abandon_seconds=short_abandon_seconds,
            wrapup_pause_reason=wrapup_pause_reason,
        )

    def limits_of(self, state: AgentState) -> tuple[int, int] | None:
        """The (warn, alert) seconds of a timed state; None: the state is not timed."""
        timed = {
            AgentState.TALKING: self.talk,
            AgentState.PAUSED: self.pause,
            AgentState.WRAPUP: self.wrapup,
        }
        return timed.get(state)


def level_of(seconds: float, limits: tuple[int, int]) -> Level:
    warn, alert = limits
    if seconds >= alert:
        return Level.ALERT
    return Level.WARN if seconds >= warn else Level.OK


# --- today's counters ------------------------------------------------------------------------


@dataclass(frozen=True)
class TodayCounts:
    """Outcomes of today's calls in one queue; ``within[i]`` answered within the i-th
    service-level threshold. Additive, so database and live figures simply add up."""

    answered: int = 0
    abandoned: int = 0  # short abandons included
    short_abandoned: int = 0
    other_exits: int = 0
    within: tuple[int, ...] = ()
    wait_sum: float = 0.0  # seconds waited by the answered calls (for the average)

    def __add__(self, other: TodayCounts) -> TodayCounts:
        size = max(len(self.within), len(other.within))
        mine = self.within + (0,) * (size - len(self.within))
        theirs = other.within + (0,) * (size - len(other.within))
        return TodayCounts(
            self.answered + other.answered,
            self.abandoned + other.abandoned,
            self.short_abandoned + other.short_abandoned,
            self.other_exits + other.other_exits,
            tuple(a + b for a, b in zip(mine, theirs, strict=True)),
            self.wait_sum + other.wait_sum,
        )

    @property
    def offered(self) -> int:
        return self.answered + self.abandoned + self.other_exits

    def service_level(self, index: int) -> float | None:
        """Answered within the threshold over offered, short abandons left out (the reports'
        rule, ``services.reports``)."""
        base = self.offered - self.short_abandoned
        if base <= 0 or index >= len(self.within):
            return None
        return self.within[index] / base

    @property
    def average_wait(self) -> float | None:
        return self.wait_sum / self.answered if self.answered else None


@dataclass(frozen=True)
class LiveOutcome:
    at: float  # epoch seconds
    queue: str
    answered: bool
    waited: float


def outcome_counts(outcome: LiveOutcome, thresholds: Thresholds) -> TodayCounts:
    if outcome.answered:
        return TodayCounts(
            answered=1,
            wait_sum=outcome.waited,
            within=tuple(int(outcome.waited <= s) for s in thresholds.service_level_seconds),
        )
    short = int(outcome.waited < thresholds.short_abandon_seconds)
    return TodayCounts(
        abandoned=1, short_abandoned=short, within=(0,) * len(thresholds.service_level_seconds)
    )


# --- what the view shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class AgentTile:
    interface: str
    name: str
    state: AgentState
    level: Level
    seconds: float | None  # time in the current state, when known
    detail: str  # the queue of the call, or the pause reason
    queues: tuple[str, ...]
    calls_taken: int


@dataclass(frozen=True)
class QueueFigures:
    queue: str
    waiting: int
    longest_wait: float | None
    wait_level: Level
    today: TodayCounts
    service_level_level: Level
    members: int
    available: int


@dataclass(frozen=True)
class BoardSnapshot:
    at: float
    queues: tuple[QueueFigures, ...]
    agents: tuple[AgentTile, ...]
    totals: QueueFigures

    def count(self, state: AgentState) -> int:
        return sum(1 for a in self.agents if a.state is state)


# --- the mutable state -----------------------------------------------------------------------


@dataclass
class _Agent:
    interface: str
    name: str
    queues: set[str] = field(default_factory=set)
    paused: bool = False
    reason: str = ""
    paused_since: float | None = None
    ringing_since: float | None = None
    call_queue: str = ""
    call_since: float | None = None
    wrapup_since: float | None = None
    wrapup_until: float | None = None
    unavailable: bool = False
    # Asterisk's own count per queue (QueueMember/QueueMemberStatus ``CallsTaken``): it already
    # includes a call as it completes, so AgentComplete must not add to it.
    taken_by_queue: dict[str, int] = field(default_factory=dict)
    wrapup_seconds: float = 0.0  # the queue's wrapuptime, as QueueMember reports it

    @property
    def calls_taken(self) -> int:
        return sum(self.taken_by_queue.values())

    def state(self, thresholds: Thresholds, now: float) -> tuple[AgentState, float | None, str]:
        if not self.queues:
            return AgentState.LOGGED_OUT, None, ""
        if self.call_since is not None:
            return AgentState.TALKING, now - self.call_since, self.call_queue
        if self.ringing_since is not None:
            return AgentState.RINGING, now - self.ringing_since, self.call_queue
        since = _elapsed(self.paused_since, now)
        if self.paused and self.reason == thresholds.wrapup_pause_reason:
            return AgentState.WRAPUP, since, self.reason  # the desktop's enforced wrap-up
        if self.paused:
            return AgentState.PAUSED, since, self.reason
        if self.wrapup_until is not None and now < self.wrapup_until:
            return AgentState.WRAPUP, _elapsed(self.wrapup_since, now), ""
        if self.unavailable:
            return AgentState.UNAVAILABLE, None, ""
        return AgentState.FREE, None, ""


def _elapsed(since: float | None, now: float) -> float | None:
    return max(0.0, now - since) if since is not None else None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class QueueBoard:
    """See the module docstring. Not thread-safe: one owner (the GUI thread's monitor)."""

    def __init__(
        self, thresholds: Thresholds, tz: str = "America/Sao_Paulo", clock: Clock = time.time
    ) -> None:
        self.thresholds = thresholds
        self.tz = ZoneInfo(tz)
        self.clock = clock
        self.queues: set[str] = set()
        self.agents: dict[str, _Agent] = {}
        self.waiting: dict[str, dict[str, float]] = {}  # queue -> uniqueid -> joined at
        self.outcomes: list[LiveOutcome] = []
        self.database: dict[str, TodayCounts] = {}
        self.database_day: str = ""
        self._handlers: dict[str, Callable[[PbxMessage, float], None]] = {
            "QueueParams": self._on_params,
            "QueueMember": self._on_member,
            "QueueMemberAdded": self._on_member,
            "QueueMemberStatus": self._on_member,
            "QueueMemberRemoved": self._on_member_removed,
            "QueueMemberPause": self._on_pause,
            "QueueEntry": self._on_entry,
            "QueueCallerJoin": self._on_join,
            "QueueCallerLeave": self._on_leave,
            "QueueCallerAbandon": self._on_abandon,
            "AgentCalled": self._on_called,
            "AgentRingNoAnswer": self._on_ring_stopped,
            "AgentConnect": self._on_connect,
            "AgentComplete": self._on_complete,
            "AgentDump": self._on_complete,
        }

    # ---------------------------------------------------------------- feeding

    def resync(self, events: Iterable[PbxMessage]) -> None:
        """Replace membership and waiting callers with a ``QueueStatus`` answer. Agents not in
        it are kept as logged out (a supervisor still wants to see who left); today's outcomes
        are kept (they are history, not state)."""
        for agent in self.agents.values():
            agent.queues.clear()
            agent.ringing_since = None
            agent.call_since = None
        self.waiting.clear()
        for event in events:
            self.apply(event)

    def apply(self, event: PbxMessage) -> bool:
        """One AMI event; True when it concerned the board."""
        handler = self._handlers.get(event.get("Event"))
        if handler is None:
            return False
        handler(event, self.clock())
        return True

    def set_database_today(self, counts: Mapping[str, TodayCounts], cutoff: float) -> None:
        """Today's figures from the database, complete up to ``cutoff`` (epoch): the live
        outcomes before it are in there already."""
        self.database = dict(counts)
        self.database_day = self._day(cutoff)
        self.outcomes = [o for o in self.outcomes if o.at >= cutoff]

    def _day(self, moment: float) -> str:
        return datetime.fromtimestamp(moment, self.tz).strftime("%Y-%m-%d")

    def _agent(self, event: PbxMessage) -> _Agent | None:
        interface = event.get("Interface") or event.get("Location") or event.get("StateInterface")
        if not interface:
            return None
        agent = next((a for key, a in self.agents.items() if same_interface(key, interface)), None)
        if agent is None:
            agent = self.agents[interface] = _Agent(interface, interface)
        name = event.get("MemberName") or event.get("Name")
        if name and name != interface:
            agent.name = name
        return agent

    def _on_params(self, event: PbxMessage, _now: float) -> None:
        if event.get("Queue"):
            self.queues.add(event.get("Queue"))

    def _on_member(self, event: PbxMessage, now: float) -> None:
        agent = self._agent(event)
        if agent is None:
            return
        queue = event.get("Queue")
        if queue:
            self.queues.add(queue)
            agent.queues.add(queue)
        self._set_pause(agent, event, now)
        taken = _number(event.get("CallsTaken"))
        if queue and taken is not None:
            agent.taken_by_queue[queue] = int(taken)
        status = event.get("Status")
        agent.unavailable = status in UNAVAILABLE_DEVICE
        if event.get("InCall") == "1" and agent.call_since is None and status not in RINGING_DEVICE:
            agent.call_since = now  # found talking on a resync: the start is unknown
        elif event.get("InCall") == "0" and event.get("Event") == "QueueMember":
            agent.call_since = None
        agent.wrapup_seconds = _number(event.get("Wrapuptime")) or agent.wrapup_seconds

    def _on_member_removed(self, event: PbxMessage, _now: float) -> None:
        agent = self._agent(event)
        if agent is not None:
            agent.queues.discard(event.get("Queue"))

    def _on_pause(self, event: PbxMessage, now: float) -> None:
        agent = self._agent(event)
        if agent is not None:
            self._set_pause(agent, event, now)

    @staticmethod
    def _set_pause(agent: _Agent, event: PbxMessage, now: float) -> None:
        if not event.get("Paused"):
            return
        paused = event.get("Paused") == "1"
        reason = event.get("PausedReason") if paused else ""
        if paused and (not agent.paused or reason != agent.reason):
            # Asterisk 16+ reports when the pause began; older ones do not.
            since = _number(event.get("LastPause")) or 0.0
            agent.paused_since = since if 0 < since <= now else now
        agent.paused, agent.reason = paused, reason
        if not paused:
            agent.paused_since = None

    def _on_entry(self, event: PbxMessage, now: float) -> None:
        waited = _number(event.get("Wait")) or 0.0
        self.waiting.setdefault(event.get("Queue"), {})[event.get("Uniqueid")] = now - waited

    def _on_join(self, event: PbxMessage, now: float) -> None:
        self.queues.add(event.get("Queue"))
        self.waiting.setdefault(event.get("Queue"), {})[event.get("Uniqueid")] = now

    def _on_leave(self, event: PbxMessage, _now: float) -> None:
        self.waiting.get(event.get("Queue"), {}).pop(event.get("Uniqueid"), None)

    def _on_abandon(self, event: PbxMessage, now: float) -> None:
        queue = event.get("Queue")
        joined = self.waiting.get(queue, {}).pop(event.get("Uniqueid"), None)
        held = _number(event.get("HoldTime"))
        waited = held if held is not None else (now - joined if joined else 0.0)
        self.outcomes.append(LiveOutcome(now, queue, False, waited))

    def _on_called(self, event: PbxMessage, now: float) -> None:
        agent = self._agent(event)
        if agent is not None and agent.call_since is None:
            agent.ringing_since, agent.call_queue = now, event.get("Queue")

    def _on_ring_stopped(self, event: PbxMessage, _now: float) -> None:
        agent = self._agent(event)
        if agent is not None and agent.call_since is None:
            agent.ringing_since = None

    def _on_connect(self, event: PbxMessage, now: float) -> None:
        agent = self._agent(event)
        queue = event.get("Queue")
        joined = self.waiting.get(queue, {}).pop(event.get("Uniqueid"), None)
        held = _number(event.get("HoldTime"))
        waited = held if held is not None else (now - joined if joined else 0.0)
        self.outcomes.append(LiveOutcome(now, queue, True, waited))
        if agent is not None:
            agent.ringing_since, agent.call_since, agent.call_queue = None, now, queue

    def _on_complete(self, event: PbxMessage, now: float) -> None:
        agent = self._agent(event)
        if agent is None:
            return
        agent.call_since = agent.ringing_since = None
        wrapup = agent.wrapup_seconds
        agent.wrapup_since, agent.wrapup_until = now, (now + wrapup if wrapup else None)

    # ---------------------------------------------------------------- reading

    def today(self, queue: str, now: float) -> TodayCounts:
        day = self._day(now)
        counts = (
            self.database.get(queue, TodayCounts()) if day == self.database_day else TodayCounts()
        )
        for outcome in self.outcomes:
            if outcome.queue == queue and self._day(outcome.at) == day:
                counts = counts + outcome_counts(outcome, self.thresholds)
        return counts

    def snapshot(self, now: float | None = None) -> BoardSnapshot:
        moment = self.clock() if now is None else now
        agents = tuple(
            sorted(
                (self._tile(a, moment) for a in self.agents.values()), key=lambda t: t.name.lower()
            )
        )
        figures = tuple(self._figures(q, moment, agents) for q in sorted(self.queues))
        return BoardSnapshot(moment, figures, agents, self._totals(figures, agents))

    def _tile(self, agent: _Agent, now: float) -> AgentTile:
        state, seconds, detail = agent.state(self.thresholds, now)
        limits = self.thresholds.limits_of(state)
        if limits is not None and seconds is not None:
            level = level_of(seconds, limits)
        else:
            level = Level.NEUTRAL if state is AgentState.LOGGED_OUT else Level.OK
        return AgentTile(
            agent.interface,
            agent.name,
            state,
            level,
            seconds,
            detail,
            tuple(sorted(agent.queues)),
            agent.calls_taken,
        )

    def _figures(self, queue: str, now: float, agents: tuple[AgentTile, ...]) -> QueueFigures:
        joined = self.waiting.get(queue, {}).values()
        longest = now - min(joined) if joined else None
        members = [a for a in agents if queue in a.queues]
        today = self.today(queue, now)
        return QueueFigures(
            queue=queue,
            waiting=len(joined),
            longest_wait=longest,
            wait_level=level_of(longest or 0.0, self.thresholds.wait),
            today=today,
            service_level_level=self.service_level_level(today),
            members=len(members),
            available=sum(1 for a in members if a.state is AgentState.FREE),
        )

    def service_level_level(self, today: TodayCounts) -> Level:
        level = today.service_level(0)
        if level is None:
            return Level.NEUTRAL
        target = self.thresholds.service_level_target
        if level >= target:
            return Level.OK
        return Level.WARN if level >= target - 0.1 else Level.ALERT

    def _totals(
        self, figures: tuple[QueueFigures, ...], agents: tuple[AgentTile, ...]
    ) -> QueueFigures:
        today = sum((f.today for f in figures), TodayCounts())
        longest = max((f.longest_wait for f in figures if f.longest_wait is not None), default=None)
        logged = [a for a in agents if a.state is not AgentState.LOGGED_OUT]
        return QueueFigures(
            "",
            sum(f.waiting for f in figures),
            longest,
            level_of(longest or 0.0, self.thresholds.wait),
            today,
            self.service_level_level(today),
            len(logged),
            sum(1 for a in logged if a.state is AgentState.FREE),
        )
