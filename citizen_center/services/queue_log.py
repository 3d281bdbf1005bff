"""Asterisk's ``queue_log`` into the database: raw events, per-call queue facts, agent pauses.

Asterisk's own queue counters reset when it restarts; its ``queue_log`` file does not, so the
supervisors' history comes from there (as Asternic and Wazo do). Each line is
``time|callid|queue|agent|event|data1|data2|...``.

The import is incremental and idempotent:

* a ``QueueLogFile`` row remembers, per file, the byte offset read so far, its inode and a hash of
  its first line; a rotated or truncated file is read again from the start;
* every line is stored once, keyed by a hash of the whole line, so reading a line twice (a re-run,
  a rotated copy, a crash between batches) never counts it twice;
* the derived facts (``QueueCall``, ``AgentPause``) of every call and agent a batch touched are
  rebuilt from all their stored events, so a call whose lines span two imports comes out whole.

Each batch of lines, its facts and the new offset are committed together.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from tqdm import tqdm

from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome, QueueOutcome
from citizen_center.models import (
    AgentPause,
    Call,
    QueueCall,
    QueueEvent,
    QueueLogFile,
    User,
    utcnow,
)

log = logging.getLogger(__name__)

BATCH_LINES = 2000
# Warn about this many malformed lines per import, then only count them.
MALFORMED_WARNINGS = 20
# Queue facts whose call record the IVR may still write (it commits as the call goes along).
LINK_WINDOW = timedelta(days=2)
NO_CALL = frozenset({"", "NONE", "REALTIME"})

CALLER_EVENTS = frozenset(
    {
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETEAGENT",
        "COMPLETECALLER",
        "ABANDON",
        "EXITWITHTIMEOUT",
        "EXITEMPTY",
        "EXITWITHKEY",
        "RINGNOANSWER",
        "RINGCANCELED",
        "TRANSFER",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
        "AGENTDUMP",
        "DID",
        "SYSCOMPAT",
    }
)
AGENT_EVENTS = frozenset(
    {
        "ADDMEMBER",
        "REMOVEMEMBER",
        "PAUSE",
        "UNPAUSE",
        "PAUSEALL",
        "UNPAUSEALL",
        "AGENTLOGIN",
        "AGENTLOGOFF",
        "AGENTCALLBACKLOGIN",
        "AGENTCALLBACKLOGOFF",
    }
)
SYSTEM_EVENTS = frozenset({"QUEUESTART", "CONFIGRELOAD"})
KNOWN_EVENTS = CALLER_EVENTS | AGENT_EVENTS | SYSTEM_EVENTS
PAUSE_EVENTS = frozenset(
    {
        "PAUSE",
        "UNPAUSE",
        "PAUSEALL",
        "UNPAUSEALL",
        "REMOVEMEMBER",
        "AGENTLOGOFF",
        "AGENTCALLBACKLOGOFF",
    }
)
# Events that end an answered stay; their data ends with holdtime|calltime|origposition.
COMPLETED = frozenset(
    {
        "COMPLETEAGENT",
        "COMPLETECALLER",
        "TRANSFER",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
    }
)
# Events that end an unanswered stay -> (outcome, index of the waiting time in the data).
UNANSWERED: dict[str, tuple[QueueOutcome, int]] = {
    "ABANDON": (QueueOutcome.ABANDONED, 2),
    "EXITWITHTIMEOUT": (QueueOutcome.TIMEOUT, 2),
    "EXITEMPTY": (QueueOutcome.EMPTY, 2),
    "EXITWITHKEY": (QueueOutcome.KEY, 3),
}


class MalformedLineError(ValueError):
    """A queue_log line that cannot be read (too few fields, a bad time)."""


@dataclass(frozen=True)
class QueueLogLine:
    at: datetime
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]
    line_hash: str
    # Where the line was in the log (its stored row id): orders lines written in the same second.
    seq: int = 0

    def number(self, index: int) -> float | None:
        """The ``index``-th data field as a number (negative: from the end); None if absent."""
        try:
            return float(self.data[index])
        except (IndexError, ValueError):
            return None


def parse_line(raw: str) -> QueueLogLine:
    """One queue_log line (without its newline)."""
    parts = raw.split("|")
    if len(parts) < 5 or not parts[4]:
        raise MalformedLineError(f"expected time|callid|queue|agent|event|..., got {raw[:120]!r}")
    try:
        at = datetime.fromtimestamp(float(parts[0]), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise MalformedLineError(f"bad time {parts[0][:30]!r}") from exc
    data = tuple(parts[5:])
    while data and data[-1] == "":
        data = data[:-1]  # Asterisk pads some events with empty trailing fields
    return QueueLogLine(
        at=at,
        callid=parts[1][:64],
        queue=parts[2][:40],
        agent=parts[3][:80],
        event=parts[4].strip().upper()[:32],
        data=data,
        line_hash=hashlib.sha1(raw.encode("utf-8", "surrogateescape")).hexdigest(),
    )


@dataclass
class ImportResult:
    path: str
    lines: int = 0
    new_events: int = 0
    duplicates: int = 0
    malformed: int = 0
    unknown: Counter[str] = field(default_factory=Counter)
    calls_rebuilt: int = 0
    agents_rebuilt: int = 0
    restarted: bool = False

    def describe(self) -> str:
        unknown = ", ".join(f"{k} x{v}" for k, v in self.unknown.most_common()) or "none"
        start = " (file rotated or truncated: read from the start)" if self.restarted else ""
        return (
            f"{self.path}{start}: {self.lines:,} lines, {self.new_events:,} new events, "
            f"{self.duplicates:,} already imported, {self.malformed:,} malformed; "
            f"{self.calls_rebuilt:,} queue calls and {self.agents_rebuilt:,} agents updated; "
            f"unknown events: {unknown}"
        )


# --- reading the file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileState:
    inode: int
    size: int
    head_hash: str


def _file_state(handle: BinaryIO) -> FileState:
    stat = os.fstat(handle.fileno())
    handle.seek(0)
    head = handle.readline()
    return FileState(stat.st_ino, stat.st_size, hashlib.sha1(head).hexdigest() if head else "")


def _start_offset(bookmark: QueueLogFile, state: FileState) -> tuple[int, bool]:
    """Where to resume reading, and whether the file is not the one read last time."""
    if bookmark.offset == 0:
        return 0, False
    same_file = (
        bookmark.inode == state.inode
        and bookmark.head_hash == state.head_hash
        and bookmark.offset <= state.size
    )
    return (bookmark.offset, False) if same_file else (0, True)


def _complete_lines(handle: BinaryIO, offset: int) -> Iterator[tuple[bytes, int]]:
    """(line without newline, offset after it) for each complete line from ``offset``.

    A last line without its newline is still being written by Asterisk: left for the next import.
    """
    handle.seek(offset)
    position = offset
    for raw in handle:
        if not raw.endswith(b"\n"):
            return
        position += len(raw)
        yield raw.rstrip(b"\r\n"), position


def _batches(lines: Iterable[tuple[bytes, int]], size: int) -> Iterator[tuple[list[bytes], int]]:
    batch: list[bytes] = []
    end = 0
    for raw, end in lines:
        batch.append(raw)
        if len(batch) >= size:
            yield batch, end
            batch = []
    if batch:
        yield batch, end


def import_queue_log(
    database: Database,
    path: Path,
    *,
    batch_lines: int = BATCH_LINES,
    progress: bool = False,
) -> ImportResult:
    """Import what ``path`` has that the database has not seen; safe to run any number of times."""
    key = str(path.resolve())
    result = ImportResult(key)
    with path.open("rb") as handle:
        state = _file_state(handle)
        with database.transaction() as session:
            bookmark = _bookmark(session, key)
            offset, result.restarted = _start_offset(bookmark, state)
        if result.restarted:
            log.warning("queue_log_rotated path=%s action=read_from_start", key)
        with tqdm(
            total=state.size,
            initial=offset,
            unit="B",
            unit_scale=True,
            desc="queue_log",
            disable=not progress,
        ) as bar:
            for batch, end in _batches(_complete_lines(handle, offset), batch_lines):
                with database.transaction() as session:
                    _import_batch(session, batch, result)
                    _save_bookmark(session, key, state, end, len(batch))
                bar.update(end - offset)
                offset = end
    with database.transaction() as session:
        link_calls(session, since=utcnow() - LINK_WINDOW)
    log.info(
        "queue_log_import path=%s lines=%d new=%d duplicates=%d malformed=%d unknown=%d "
        "calls=%d agents=%d",
        key,
        result.lines,
        result.new_events,
        result.duplicates,
        result.malformed,
        sum(result.unknown.values()),
        result.calls_rebuilt,
        result.agents_rebuilt,
    )
    return result


def _bookmark(session: Session, key: str) -> QueueLogFile:
    bookmark = session.scalar(select(QueueLogFile).where(QueueLogFile.path == key))
    return bookmark or QueueLogFile(path=key, inode=0, offset=0, head_hash="", lines=0)


def _save_bookmark(session: Session, key: str, state: FileState, offset: int, lines: int) -> None:
    bookmark = session.scalar(
        select(QueueLogFile).where(QueueLogFile.path == key).with_for_update()
    )
    if bookmark is None:
        bookmark = QueueLogFile(path=key, lines=0)
        session.add(bookmark)
    elif bookmark.offset >= offset and bookmark.inode == state.inode:
        return  # another importer got further meanwhile: keep its mark
    bookmark.inode = state.inode
    bookmark.head_hash = state.head_hash
    bookmark.offset = offset
    bookmark.lines = (bookmark.lines or 0) + lines
    bookmark.updated_at = utcnow()


# --- one batch: raw events, then the facts they change -----------------------------------------


def _import_batch(session: Session, batch: Sequence[bytes], result: ImportResult) -> None:
    parsed = _parse_batch(batch, result)
    new = _store_new_events(session, parsed, result)
    callids = {e.callid for e in new if e.callid not in NO_CALL and e.event in CALLER_EVENTS}
    callids |= _waiting_before_restarts(session, new)
    agents = {e.agent for e in new if e.agent and e.agent != "NONE" and e.event in PAUSE_EVENTS}
    if callids or agents:
        users = _agent_users(session)
        result.calls_rebuilt += rebuild_queue_calls(session, callids, users)
        result.agents_rebuilt += rebuild_agent_pauses(session, agents, users)


def _parse_batch(batch: Sequence[bytes], result: ImportResult) -> list[QueueLogLine]:
    parsed: list[QueueLogLine] = []
    for raw in batch:
        result.lines += 1
        if not raw.strip():
            continue
        text = raw.decode("utf-8", "surrogateescape")
        try:
            line = parse_line(text)
        except MalformedLineError as exc:
            result.malformed += 1
            if result.malformed <= MALFORMED_WARNINGS:
                log.warning(
                    "queue_log_malformed path=%s line=%d error=%s", result.path, result.lines, exc
                )
            continue
        if line.event not in KNOWN_EVENTS:
            if not result.unknown[line.event]:
                log.warning(
                    "queue_log_unknown_event path=%s event=%s (kept, not interpreted)",
                    result.path,
                    line.event,
                )
            result.unknown[line.event] += 1
        parsed.append(line)
    return parsed


def _store_new_events(
    session: Session, lines: Sequence[QueueLogLine], result: ImportResult
) -> list[QueueLogLine]:
    unique = {line.line_hash: line for line in lines}
    seen = set(
        session.scalars(select(QueueEvent.line_hash).where(QueueEvent.line_hash.in_(list(unique))))
    )
    new = [line for digest, line in unique.items() if digest not in seen]
    result.duplicates += len(lines) - len(new)
    if new:
        dialect = session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        rows = [
            {
                "line_hash": e.line_hash,
                "at": e.at,
                "callid": e.callid,
                "queue": e.queue,
                "agent": e.agent,
                "event": e.event,
                "data": "|".join(e.data),
            }
            for e in new
        ]
        # A concurrent importer may have stored some meanwhile: theirs stand.
        session.execute(
            upsert(QueueEvent).on_conflict_do_nothing(index_elements=["line_hash"]), rows
        )
    result.new_events += len(new)
    return new


def _agent_users(session: Session) -> dict[str, int]:
    """Queue member names and interfaces -> user ids.

    queue_log names the agent by its member name (``log_membername_as_agent``) or interface, so
    both a user's phone interface and names are accepted.
    """
    mapping: dict[str, int] = {}
    for user in session.scalars(select(User)):
        for name in (user.full_name, user.username, user.phone_interface):
            if name:
                mapping.setdefault(name, user.id)
    return mapping


# --- per-call facts -----------------------------------------------------------------------------


@dataclass
class Stay:
    """One caller's stay in one queue, being assembled from its events."""

    callid: str
    queue: str
    entered_at: datetime
    outcome: QueueOutcome = QueueOutcome.WAITING
    exit_event: str = ""
    ended_at: datetime | None = None
    wait_seconds: float = 0.0
    talk_seconds: float | None = None
    agent: str = ""
    position: int | None = None
    closed: bool = False
    entered_seq: int = 0

    def row(self, users: dict[str, int], calls: dict[str, int]) -> dict[str, Any]:
        return {
            "callid": self.callid,
            "queue": self.queue,
            "entered_at": self.entered_at,
            "ended_at": self.ended_at,
            "outcome": self.outcome,
            "exit_event": self.exit_event,
            "wait_seconds": self.wait_seconds,
            "talk_seconds": self.talk_seconds,
            "agent": self.agent,
            "agent_id": users.get(self.agent),
            "position": self.position,
            "call_id": calls.get(self.callid),
        }


def derive_stays(events: Iterable[QueueLogLine]) -> list[Stay]:
    """The queue stays described by one call's events, in time order."""
    stays: list[Stay] = []
    for event in events:
        if event.event == "ENTERQUEUE":
            position = event.number(2)
            stays.append(
                Stay(
                    event.callid,
                    event.queue,
                    event.at,
                    position=int(position) if position is not None else None,
                    entered_seq=event.seq,
                )
            )
            continue
        if event.event == "CONNECT":
            stay = _open_stay(stays, event, waited=event.number(0) or 0.0)
            stay.outcome, stay.agent = QueueOutcome.ANSWERED, event.agent
            stay.wait_seconds = event.number(0) or stay.wait_seconds
        elif event.event in COMPLETED:
            talk = event.number(-2) or 0.0
            stay = _open_stay(stays, event, waited=(event.number(-3) or 0.0) + talk)
            stay.outcome, stay.agent = QueueOutcome.ANSWERED, event.agent or stay.agent
            stay.wait_seconds = event.number(-3) or stay.wait_seconds
            stay.talk_seconds = talk
            _close(stay, event)
        elif event.event in UNANSWERED:
            outcome, index = UNANSWERED[event.event]
            waited = event.number(index) or 0.0
            stay = _open_stay(stays, event, waited=waited)
            stay.outcome, stay.wait_seconds = outcome, waited
            _close(stay, event)
    return stays


def _open_stay(stays: list[Stay], event: QueueLogLine, waited: float) -> Stay:
    """The caller's unfinished stay in the event's queue; made up when the file began mid-call."""
    for stay in reversed(stays):
        if stay.queue == event.queue and not stay.closed:
            return stay
    stay = Stay(event.callid, event.queue, event.at - timedelta(seconds=waited))
    stays.append(stay)
    return stay


def _close(stay: Stay, event: QueueLogLine) -> None:
    stay.exit_event, stay.ended_at, stay.closed = event.event, event.at, True


def _stored_lines(session: Session, condition: Any) -> Iterator[QueueLogLine]:
    rows = session.execute(
        select(QueueEvent).where(condition).order_by(QueueEvent.at, QueueEvent.id)
    ).scalars()
    for e in rows:
        yield QueueLogLine(
            e.at,
            e.callid,
            e.queue,
            e.agent,
            e.event,
            tuple(e.data.split("|")) if e.data else (),
            e.line_hash,
            e.id,
        )


def rebuild_queue_calls(session: Session, callids: set[str], users: dict[str, int]) -> int:
    """Recompute the ``QueueCall`` rows of ``callids`` from their stored events."""
    if not callids:
        return 0
    wanted = sorted(callids)
    by_call: dict[str, list[QueueLogLine]] = {}
    for line in _stored_lines(session, QueueEvent.callid.in_(wanted)):
        by_call.setdefault(line.callid, []).append(line)
    calls = dict(
        session.execute(select(Call.uniqueid, Call.id).where(Call.uniqueid.in_(wanted))).all()
    )
    stays = {callid: derive_stays(lines) for callid, lines in by_call.items()}
    _close_stays_lost_to_restarts(session, [s for found in stays.values() for s in found])
    rows = [stay.row(users, calls) for found in stays.values() for stay in found]
    session.execute(delete(QueueCall).where(QueueCall.callid.in_(wanted)))
    if rows:
        session.execute(insert(QueueCall), rows)
    _end_calls_that_left_the_queues(session, stays, calls)
    return len(rows)


def _waiting_before_restarts(session: Session, new: Sequence[QueueLogLine]) -> set[str]:
    """The calls still waiting in a queue when the PBX (re)started in ``new``: a crash writes
    no exit for them, so only the restart tells that their stay is over."""
    restarts = [e.at for e in new if e.event == "QUEUESTART"]
    if not restarts:
        return set()
    return set(
        session.scalars(
            select(QueueCall.callid).where(
                QueueCall.outcome == QueueOutcome.WAITING, QueueCall.entered_at <= max(restarts)
            )
        )
    )


def _close_stays_lost_to_restarts(session: Session, stays: Sequence[Stay]) -> None:
    """A stay still open when the PBX started again ended then (``QueueOutcome.PBX_RESTART``)."""
    open_stays = [stay for stay in stays if not stay.closed]
    if not open_stays:
        return
    # queue_log has whole seconds and Asterisk boots in well under one: a restart in the
    # caller's own second is told apart by its place in the log.
    restarts = session.execute(
        select(QueueEvent.at, QueueEvent.id)
        .where(
            QueueEvent.at >= min(stay.entered_at for stay in open_stays),
            QueueEvent.event == "QUEUESTART",
        )
        .order_by(QueueEvent.at, QueueEvent.id)
    ).all()
    for stay in open_stays:
        restart = next(
            (at for at, seq in restarts if (at, seq) > (stay.entered_at, stay.entered_seq)), None
        )
        if restart is None:
            continue  # still waiting, as far as anyone knows
        stay.outcome, stay.exit_event, stay.ended_at, stay.closed = (
            QueueOutcome.PBX_RESTART,
            "QUEUESTART",
            restart,
            True,
        )
        stay.wait_seconds = max(stay.wait_seconds, (restart - stay.entered_at).total_seconds())


def _end_calls_that_left_the_queues(
    session: Session, stays: dict[str, list[Stay]], calls: dict[str, int]
) -> None:
    """A queued call record ends when its caller left the last queue without an agent (the IVR
    handed the call on, so only the queue_log knows); it is open again while the caller waits
    in a queue it overflowed to. Answered calls are ended by the survey or the wrap-up."""
    for callid, found in stays.items():
        if callid not in calls or not found or found[-1].outcome is QueueOutcome.ANSWERED:
            continue
        last = found[-1]
        session.execute(
            update(Call)
            .where(
                Call.id == calls[callid],
                Call.outcome == CallOutcome.QUEUED,
                Call.answered_at.is_(None),
            )
            .values(ended_at=last.ended_at if last.closed else None)
            .execution_options(synchronize_session=False)
        )


def link_calls(session: Session, since: datetime) -> int:
    """Attach queue facts imported before the IVR recorded their call (call.uniqueid = callid).

    Only stays since ``since``: older ones without a call record will not get one any more.
    """
    matching = select(Call.id).where(Call.uniqueid == QueueCall.callid).scalar_subquery()
    result = session.execute(
        update(QueueCall)
        .where(QueueCall.call_id.is_(None), QueueCall.entered_at >= since, matching.is_not(None))
        .values(call_id=matching)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- agent pauses -------------------------------------------------------------------------------


@dataclass
class PauseState:
    """Which queues an agent is paused in; one pause lasts while that set is not empty."""

    queues: set[str] = field(default_factory=set)
    started_at: datetime | None = None
    reason: str = ""


def derive_pauses(
    events: Iterable[QueueLogLine],
) -> list[tuple[datetime, datetime | None, str]]:
    """(start, end or None while still paused, reason) of one agent's pauses.

    Asterisk logs PAUSE/UNPAUSE per queue (and PAUSEALL/UNPAUSEALL when asked for all queues),
    so the agent is paused from the first queue paused until the last one is unpaused; leaving a
    queue or logging off ends the pause there.
    """
    state = PauseState()
    pauses: list[tuple[datetime, datetime | None, str]] = []
    for event in events:
        before = bool(state.queues)
        if event.event in ("PAUSE", "PAUSEALL"):
            state.queues.add(event.queue if event.event == "PAUSE" else "*")
            if not before:
                state.started_at, state.reason = event.at, (event.data[0] if event.data else "")
        elif event.event in ("UNPAUSE", "REMOVEMEMBER"):
            state.queues.discard(event.queue)
            if event.event == "UNPAUSE" and state.queues == {"*"}:
                state.queues.clear()  # paused "in all", then unpaused queue by queue
        else:  # UNPAUSEALL, logoffs
            state.queues.clear()
        if before and not state.queues and state.started_at is not None:
            pauses.append((state.started_at, event.at, state.reason))
            state.started_at = None
    if state.queues and state.started_at is not None:
        pauses.append((state.started_at, None, state.reason))
    return pauses


def rebuild_agent_pauses(session: Session, agents: set[str], users: dict[str, int]) -> int:
    """Recompute the ``AgentPause`` rows of ``agents`` from their stored events."""
    if not agents:
        return 0
    wanted = sorted(agents)
    by_agent: dict[str, list[QueueLogLine]] = {}
    condition = QueueEvent.agent.in_(wanted) & QueueEvent.event.in_(sorted(PAUSE_EVENTS))
    for line in _stored_lines(session, condition):
        by_agent.setdefault(line.agent, []).append(line)
    rows = [
        {
            "agent": agent,
            "agent_id": users.get(agent),
            "reason": reason[:80],
            "started_at": start,
            "ended_at": end,
        }
        for agent, lines in by_agent.items()
        for start, end, reason in derive_pauses(lines)
    ]
    session.execute(delete(AgentPause).where(AgentPause.agent.in_(wanted)))
    if rows:
        session.execute(insert(AgentPause), rows)
    return len(by_agent)
