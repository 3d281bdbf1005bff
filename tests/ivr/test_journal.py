"""The IVR's journal and recorder without a PBX: appends survive, replays keep the order and
write each entry once, a torn line is skipped, and lost calls are closed honestly.

The database outage is real: another connection holds SQLite's write lock, and the IVR's
database gives up after a short busy timeout, as it does after 3 s in production.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import Call, SurveyResponse, utcnow
from citizen_center.services import calls
from citizen_center.services.calls import StepInput
from ivr.journal import Journal
from ivr.recorder import CallRecorder, Replayer, make_entry

LOST_AFTER = timedelta(minutes=30)


@pytest.fixture
def sqlite_path(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "ivr.sqlite3"
    shutil.copy(sqlite_template, path)
    return path


@pytest.fixture
def database(sqlite_path: Path) -> Iterator[Database]:
    database = Database.from_url(f"sqlite:///{sqlite_path}", statement_timeout_ms=100)
    yield database
    database.dispose()


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """The database away for the IVR: another process's transaction holds the write lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def replayer_for(recorder: CallRecorder, database: Database) -> Replayer:
    return Replayer(recorder, lambda: database, lambda: LOST_AFTER)


def a_call(uniqueid: str) -> list[dict[str, object]]:
    """What the menu writes for a caller who is queued: open, two steps, queue, outcome."""
    key = iter(range(1, 100))
    return [
        make_entry("open", uniqueid, f"{uniqueid}/t/{next(key)}", caller_number="+5551999990001"),
        make_entry("step", uniqueid, f"{uniqueid}/t/{next(key)}", step="welcome"),
        make_entry("step", uniqueid, f"{uniqueid}/t/{next(key)}", step="main-menu", keys="2"),
        make_entry("queue", uniqueid, f"{uniqueid}/t/{next(key)}", queue="agua-esgoto"),
        make_entry("outcome", uniqueid, f"{uniqueid}/t/{next(key)}", outcome="queued", ended=False),
    ]


def stored(database: Database, uniqueid: str) -> tuple[Call, list[tuple[int, str]]]:
    with database.transaction() as session:
        call = calls.get_call(session, uniqueid)
        session.expunge(call)
        return call, [(step.seq, step.step) for step in call.steps]


def test_appended_entries_are_read_back_in_order_and_the_file_empties_once_replayed(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal")
    for n in range(3):
        journal.append({"n": n, "text": "ligação às 8h"})
    assert journal.pending()
    lines = journal.read_pending()
    assert [line.entry for line in lines] == [{"n": n, "text": "ligação às 8h"} for n in range(3)]

    journal.mark_replayed(lines[0].end)
    assert [line.entry for line in journal.read_pending()] == [
        {"n": 1, "text": "ligação às 8h"},
        {"n": 2, "text": "ligação às 8h"},
    ]
    journal.mark_replayed(lines[-1].end)
    assert not journal.pending()
    assert journal.path.stat().st_size == 0
    # A new process finds the same state on disk.
    assert not Journal(tmp_path / "journal").pending()


def test_a_line_torn_by_a_crash_mid_write_is_skipped_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal(tmp_path / "journal")
    journal.append({"n": 1})
    with journal.path.open("ab") as out:
        out.write(b'{"n": 2, "te')  # the process died here
    assert [line.entry for line in journal.read_pending()] == [{"n": 1}, None]
    assert "journal line skipped" in caplog.text

    journal.append({"n": 3})  # after a restart: starts on a line of its own
    assert [line.entry for line in journal.read_pending()] == [{"n": 1}, None, {"n": 3}]


def test_writes_go_to_the_journal_while_the_database_is_locked_and_replay_once_in_order(
    database: Database, sqlite_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    recorder = CallRecorder(Journal(tmp_path / "journal"))
    replayer = replayer_for(recorder, database)
    entries = a_call("1700000000.11")
    with write_locked(sqlite_path):
        # The first write times out; the rest go straight to the journal, no more waiting.
        assert [recorder.write(database, entry) for entry in entries] == [False] * len(entries)
        assert recorder.unavailable
        assert replayer.replay().remaining  # still locked: nothing replayed, nothing lost
    assert "journal append op=open key=1700000000.11/t/1" in caplog.text

    # Once more after the database is back: everything written, in order.
    pending = recorder.journal.read_pending()
    result = replayer.replay()
    assert (result.replayed, result.dropped, result.remaining) == (5, 0, False)
    assert not recorder.unavailable
    call, steps = stored(database, "1700000000.11")
    assert (call.queue, call.outcome, call.ended_at) == ("agua-esgoto", CallOutcome.QUEUED, None)
    # When it happened, not when it was replayed.
    assert call.started_at == datetime.fromisoformat(str(entries[0]["at"]))
    assert steps == [(1, "welcome"), (2, "main-menu")]
    assert "journal replayed op=step key=1700000000.11/t/2" in caplog.text

    # A replayer that died before noting its progress replays it all again: written once.
    with recorder.journal.path.open("ab") as out:
        for line in pending:
            assert line.entry is not None
            out.write((json.dumps(line.entry) + "\n").encode())
    assert replayer.replay().replayed == 5
    assert stored(database, "1700000000.11")[1] == [(1, "welcome"), (2, "main-menu")]

    # Back to normal: writes reach the database at once.
    late = make_entry("step", "1700000000.11", "1700000000.11/t/6", step="route")
    assert recorder.write(database, late)


def test_a_journaled_survey_and_end_are_written_once(
    database: Database, sqlite_path: Path, tmp_path: Path
) -> None:
    recorder = CallRecorder(Journal(tmp_path / "journal"))
    uniqueid = "1700000000.12"
    entries = [
        make_entry("open", uniqueid, "k1"),
        make_entry("answered", uniqueid, "k2", queue="geral", agent_interface="PJSIP/agent1"),
        make_entry("survey", uniqueid, "k3", score=4, agent_interface="PJSIP/agent1"),
        make_entry("outcome", uniqueid, "k4", outcome="answered", ended=True),
    ]
    with write_locked(sqlite_path):
        for entry in entries:
            recorder.write(database, entry)
    replayer = replayer_for(recorder, database)
    replayer.replay()
    for entry in entries:  # the same entries once more
        recorder.journal.append(entry)
    replayer.replay()
    with database.transaction() as session:
        call = calls.get_call(session, uniqueid)
        assert (call.outcome, call.queue, call.agent_interface) == (
            CallOutcome.ANSWERED,
            "geral",
            "PJSIP/agent1",
        )
        assert call.ended_at is not None and call.answered_at is not None
        scores = session.scalars(
            select(SurveyResponse.score).where(SurveyResponse.call_id == call.id)
        ).all()
        assert scores == [4]


def test_an_entry_that_can_never_be_written_is_dropped_with_a_log_line_not_a_stall(
    database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = CallRecorder(Journal(tmp_path / "journal"))
    recorder.journal.append(make_entry("step", "no-such-call", "x1", step="welcome"))
    for entry in a_call("1700000000.13"):
        recorder.journal.append(entry)
    result = replayer_for(recorder, database).replay()
    assert (result.replayed, result.dropped, result.remaining) == (5, 1, False)
    assert "journal entry dropped op=step key=x1" in caplog.text
    assert stored(database, "1700000000.13")[0].outcome is CallOutcome.QUEUED


def test_the_sweeper_closes_only_calls_lost_by_a_dead_ivr(database: Database) -> None:
    now = utcnow()
    with database.transaction() as session:
        lost = calls.start_call(
            session, uniqueid="lost", caller_number="", started_at=now - timedelta(hours=2)
        )
        calls.record_step(
            session, lost, StepInput(step="welcome"), at=now - timedelta(hours=2, seconds=-30)
        )
        calls.start_call(
            session, uniqueid="live", caller_number="", started_at=now - timedelta(minutes=1)
        )
        queued = calls.start_call(
            session, uniqueid="queued", caller_number="", started_at=now - timedelta(hours=2)
        )
        calls.set_outcome(session, queued, CallOutcome.QUEUED)
        answered = calls.start_call(
            session, uniqueid="answered", caller_number="", started_at=now - timedelta(hours=2)
        )
        calls.mark_answered(session, answered, queue="geral", agent_interface="PJSIP/agent1")
        # Queued, then answered: one whose IVR died in the survey long ago, one still talking.
        for uniqueid, answered_ago in (("survey-lost", 2.0), ("talking", 0.1)):
            call = calls.start_call(
                session,
                uniqueid=uniqueid,
                caller_number="",
                started_at=now - timedelta(hours=answered_ago, minutes=3),
            )
            calls.set_outcome(session, call, CallOutcome.QUEUED)
            calls.mark_answered(
                session,
                call,
                queue="geral",
                agent_interface="PJSIP/agent2",
                at=now - timedelta(hours=answered_ago),
            )

    replayer = Replayer(
        CallRecorder(Journal(database_dir(database) / "journal")),
        lambda: database,
        lambda: LOST_AFTER,
    )
    assert replayer.sweep() == ["lost", "survey-lost"]
    assert replayer.sweep() == []  # closed once
    with database.transaction() as session:
        closed = calls.get_call(session, "lost")
        assert closed.outcome is CallOutcome.IVR_LOST
        # Its end is the last moment it was seen alive, its last step.
        assert closed.ended_at == now - timedelta(hours=2, seconds=-30)
        others = {c.uniqueid: c.outcome for c in session.scalars(select(Call))}
        assert others["live"] is CallOutcome.UNSET and others["queued"] is CallOutcome.QUEUED
        assert others["answered"] is CallOutcome.UNSET
        # An agent answered it: that much is known, and its end is the answer, when last seen.
        surveyed = calls.get_call(session, "survey-lost")
        assert surveyed.outcome is CallOutcome.ANSWERED
        assert surveyed.ended_at == now - timedelta(hours=2)
        assert others["talking"] is CallOutcome.QUEUED


def test_the_ivrs_own_word_replayed_late_wins_over_the_sweeper(
    database: Database, tmp_path: Path
) -> None:
    """The sweeper closed a call whose end was still in a journal (another IVR host's)."""
    with database.transaction() as session:
        call = calls.start_call(
            session, uniqueid="late", caller_number="", started_at=utcnow() - timedelta(hours=2)
        )
        calls.finish_call(session, call, CallOutcome.IVR_LOST)
    recorder = CallRecorder(Journal(tmp_path / "journal"))
    recorder.journal.append(make_entry("outcome", "late", "k", outcome="self_service", ended=True))
    replayer_for(recorder, database).replay()
    with database.transaction() as session:
        assert calls.get_call(session, "late").outcome is CallOutcome.SELF_SERVICE


def database_dir(database: Database) -> Path:
    return Path(str(database.engine.url.database)).parent
