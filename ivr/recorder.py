"""Everything the phone side writes goes through here, so none of it is lost to a database outage.

A write is an *entry*: a JSON-able dict naming an operation (``op``) on the call ``uniqueid`` at
the time ``at`` it happened, with an idempotency ``key``. ``CallRecorder.write`` applies it to the
database in its own transaction; when the database is away it appends the entry to the
``Journal`` instead, and from then on every write goes to the journal until the ``Replayer`` has
put all of it in the database: so the database sees each call's steps in the order they happened.

Replaying an entry twice (a replayer that died before noting its progress) writes it once: calls
are found by their unique ``uniqueid``, a step by its call, time and name, a survey by its call,
a consulted request by the link's primary key; the rest only sets values.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.errors import DatabaseUnavailableError
from citizen_center.logs import call_context
from citizen_center.models import CallStep, utcnow
from citizen_center.services import calls, requests, surveys
from citizen_center.services.calls import StepInput
from ivr.journal import Journal

log = logging.getLogger(__name__)

Entry = dict[str, Any]


def make_entry(op: str, uniqueid: str, key: str, **data: Any) -> Entry:
    return {"key": key, "op": op, "uniqueid": uniqueid, "at": utcnow().isoformat(), "data": data}


# --- applying an entry: the same code for a live write and a replay -----------------------------


def apply_entry(session: Session, entry: Entry) -> None:
    op, uniqueid, data = entry["op"], entry["uniqueid"], entry.get("data", {})
    at = datetime.fromisoformat(entry["at"])
    if op == "open":
        calls.start_call(
            session,
            uniqueid=uniqueid,
            caller_number=data.get("caller_number", ""),
            linkedid=data.get("linkedid", ""),
            citizen_id=data.get("citizen_id"),
            started_at=at,
        )
        return
    call = calls.get_call(session, uniqueid)
    if op == "step":
        name = data["step"]
        done = session.scalar(
            select(CallStep.id).where(
                CallStep.call_id == call.id, CallStep.at == at, CallStep.step == name
            )
        )
        if done is None:
            calls.record_step(session, call, StepInput(**data), at=at)
    elif op == "queue":
        calls.set_queue(session, call, data["queue"])
    elif op == "answered":
        calls.mark_answered(
            session, call, queue=data["queue"], agent_interface=data["agent_interface"], at=at
        )
    elif op == "outcome":
        outcome = CallOutcome(data["outcome"])
        if call.outcome is CallOutcome.IVR_LOST:
            # The sweeper gave up on the call before this journal came back: the IVR's word wins.
            call.ended_at = None
        if data["ended"]:
            calls.finish_call(session, call, outcome, at=at)
        elif call.outcome in (CallOutcome.UNSET, CallOutcome.QUEUED, CallOutcome.IVR_LOST):
            # "Still going" must not undo a later end someone else recorded meanwhile.
            calls.set_outcome(session, call, outcome)
    elif op == "survey":
        surveys.record_survey(
            session, score=data["score"], agent_interface=data["agent_interface"], call=call
        )
    elif op == "consulted":
        request = requests.get_request(session, data["number"])
        calls.link_request(session, call, request, "consulted")
    else:
        raise ValueError(f"unknown journal operation {op!r}")


# --- writing -------------------------------------------------------------------------------------


class CallRecorder:
    """One per IVR process (it outlives reloads, as the journal does). Thread-safe."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        # Set on a failure, cleared by the replayer once the database answers: while it is set
        # callers are not kept waiting for a database that just timed out.
        self._unavailable = threading.Event()

    def note_unavailable(self) -> None:
        self._unavailable.set()

    @property
    def unavailable(self) -> bool:
        return self._unavailable.is_set()

    def note_available(self) -> None:
        self._unavailable.clear()

    def write(self, database: Database, entry: Entry) -> bool:
        """Apply ``entry`` now (True), or journal it (False)."""
        if self._unavailable.is_set() or self.journal.pending():
            self._append(entry, "database unavailable or journal not yet replayed")
            return False
        try:
            with database.transaction() as session:
                apply_entry(session, entry)
            return True
        except DatabaseUnavailableError as exc:
            self.note_unavailable()
            self._append(entry, str(exc))
            return False

    def _append(self, entry: Entry, why: str) -> None:
        self.journal.append(entry)
        # The call's thread: the log line's call= field is already this call's uniqueid.
        log.warning("journal append op=%s key=%s reason=%s", entry["op"], entry["key"], why)


# --- replaying and sweeping ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayResult:
    replayed: int = 0
    dropped: int = 0
    remaining: bool = False  # stopped early: the database went away again


class Replayer:
    """Puts the journal into the database and closes lost calls, every ``interval_s`` from a
    thread of the IVR service (``start``), or once when asked (``replay``, ``sweep``: tests and
    ``central156 ivr replay``/``sweep``)."""

    def __init__(
        self,
        recorder: CallRecorder,
        database: Callable[[], Database],
        lost_call_after: Callable[[], timedelta],
        interval_s: float = 5.0,
        sweep_every_s: float = 60.0,
    ) -> None:
        self.recorder = recorder
        self._database = database
        self._lost_call_after = lost_call_after
        self.interval_s = interval_s
        self.sweep_every_s = sweep_every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def replay(self) -> ReplayResult:
        journal, database = self.recorder.journal, self._database()
        with journal.replaying() as mine:
            if not mine:
                return ReplayResult(remaining=journal.pending())
            try:
                with database.transaction() as session:
                    session.execute(text("SELECT 1"))
            except DatabaseUnavailableError:
                return ReplayResult(remaining=True)
            replayed = dropped = 0
            for line in journal.read_pending():
                if line.entry is not None:
                    outcome = self._replay_entry(database, line.entry)
                    if outcome is None:
                        return ReplayResult(replayed, dropped, remaining=True)
                    replayed += outcome
                    dropped += not outcome
                journal.mark_replayed(line.end)
            # Cleared only with the journal empty, so no write can overtake a journaled one.
            if not journal.pending():
                self.recorder.note_available()
            return ReplayResult(replayed, dropped, remaining=journal.pending())

    @staticmethod
    def _replay_entry(database: Database, entry: Entry) -> bool | None:
        """True: written; False: dropped (it can never be written); None: database away."""
        fields = f"op={entry.get('op')} key={entry.get('key')}"
        # The replayer's log lines carry the call they replay, as the call's own lines do.
        with call_context(str(entry.get("uniqueid", "-"))):
            try:
                with database.transaction() as session:
                    apply_entry(session, entry)
            except DatabaseUnavailableError as exc:
                log.warning("journal replay paused %s: %s", fields, exc)
                return None
            except Exception:
                # A bad entry (a bug, a call removed meanwhile) must not hold back every later.
                log.exception("journal entry dropped %s", fields)
                return False
            log.info("journal replayed %s", fields)
            return True

    def sweep(self) -> list[str]:
        """Close the calls lost by a dead IVR (see ``calls.close_lost_calls``); their uniqueids."""
        if self.recorder.journal.pending():
            return []  # some of those calls' news may still be in the journal
        try:
            with self._database().transaction() as session:
                lost = calls.close_lost_calls(session, self._lost_call_after())
                closed = [(call.uniqueid, call.outcome) for call in lost]
        except DatabaseUnavailableError as exc:
            log.warning("lost-call sweep skipped: %s", exc)
            return []
        for uniqueid, outcome in closed:
            with call_context(uniqueid):
                log.warning("lost call closed outcome=%s", outcome)
        return [uniqueid for uniqueid, _ in closed]

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="journal-replayer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        next_sweep = time.monotonic()  # the first sweep at start-up: a killed IVR's calls
        while not self._stop.is_set():
            try:
                result = self.replay()
                if not result.remaining and time.monotonic() >= next_sweep:
                    self.sweep()
                    next_sweep = time.monotonic() + self.sweep_every_s
            except Exception:
                log.exception("journal replayer tick failed; trying again")
            self._stop.wait(self.interval_s)
