"""queue_log written by the real Asterisk for real calls, imported into the database.

A call that waits (imported while it waits, then again once it gave up), an answered call, an
abandoned one, and an agent's pause with a reason: the facts the reports read come out right.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from citizen_center.db import Database
from citizen_center.domain.outcomes import QueueOutcome
from citizen_center.models import AgentPause, QueueCall
from citizen_center.services.queue_log import import_queue_log
from pbx.channel_vars import ChannelVar
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import HangUp, LocalCaller, RunningPbx, SimulatedAgents
from tests.fixtures.databases import fresh_database_url
from tests.fixtures.fastagi import AgiChannel, FakeFastAgiServer, Handler


@pytest.fixture
def sqlite_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    # One engine is enough here: the import's SQL is covered on both in tests/stats.
    for url in fresh_database_url("sqlite", request, tmp_path):
        database = Database.from_url(url)
        yield database
        database.dispose()


def route_to(queue: str) -> Handler:
    def main_menu(channel: AgiChannel) -> None:
        channel.set_variable(ChannelVar.ROUTE, queue)

    return main_menu


def wait_for_line(path: Path, *parts: str, timeout: float = 30.0) -> str:
    """The first queue_log line containing every one of ``parts`` (Asterisk writes as it goes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text(errors="replace").splitlines():
                if all(f"|{p}|" in f"{line}|" for p in parts):
                    return line
        time.sleep(0.2)
    raise TimeoutError(f"no queue_log line with {parts} in {path}")


def stays(db: Database, callid: str) -> list[QueueCall]:
    with db.transaction() as session:
        return list(session.scalars(select(QueueCall).where(QueueCall.callid == callid)))


def test_real_calls_and_a_pause_become_queue_facts(
    pbx: RunningPbx,
    fastagi: FakeFastAgiServer,
    ami: EventCollector,
    agents: SimulatedAgents,
    local_caller: LocalCaller,
    sqlite_db: Database,
) -> None:
    queue_log = pbx.layout.queue_log

    # 1. Nobody in "geral": the caller waits; imported while waiting, then gives up.
    fastagi.handlers["main-menu"] = route_to("geral")
    waiting = local_caller.call([HangUp(8)], hold_seconds=10)
    joined = ami.wait_for("QueueCallerJoin", 20, Queue="geral", CallerIDNum=waiting.caller_number)
    waiting_id = joined.get("Uniqueid")
    wait_for_line(queue_log, waiting_id, "ENTERQUEUE")
    import_queue_log(sqlite_db, queue_log)
    (stay,) = stays(sqlite_db, waiting_id)
    assert (stay.queue, stay.outcome) == ("geral", QueueOutcome.WAITING)

    wait_for_line(queue_log, waiting_id, "ABANDON")
    second = import_queue_log(sqlite_db, queue_log)
    assert second.duplicates == 0  # resumed where the first import stopped
    (stay,) = stays(sqlite_db, waiting_id)
    assert stay.outcome is QueueOutcome.ABANDONED and stay.exit_event == "ABANDON"
    assert 1 <= stay.wait_seconds <= 15

    # 2. An agent in "agua-esgoto" answers and talks for 2 s.
    member = agents.add("agua-esgoto", talk_seconds=2, name="Ana Teste")
    fastagi.handlers["main-menu"] = route_to("agua-esgoto")
    answered = local_caller.call(hold_seconds=12)
    joined = ami.wait_for(
        "QueueCallerJoin", 20, Queue="agua-esgoto", CallerIDNum=answered.caller_number
    )
    answered_id = joined.get("Uniqueid")
    wait_for_line(queue_log, answered_id, "COMPLETEAGENT")

    # 3. The agent pauses for lunch, then comes back.
    with pbx.ami_client(events="off") as client:
        client.checked_action(
            "QueuePause", Interface=member.interface, Paused="true", Reason="almoco"
        )
        wait_for_line(queue_log, member.name, "PAUSE", "almoco")
        time.sleep(1.1)
        client.checked_action("QueuePause", Interface=member.interface, Paused="false")
    wait_for_line(queue_log, member.name, "UNPAUSE")

    import_queue_log(sqlite_db, queue_log)
    (talk,) = stays(sqlite_db, answered_id)
    assert (talk.queue, talk.outcome) == ("agua-esgoto", QueueOutcome.ANSWERED)
    assert talk.agent == member.name
    assert talk.exit_event == "COMPLETEAGENT" and talk.wait_seconds <= 5
    assert talk.talk_seconds is not None and 1 <= talk.talk_seconds <= 6
    with sqlite_db.transaction() as session:
        pauses = session.scalars(select(AgentPause).where(AgentPause.agent == member.name)).all()
    assert [(p.reason, p.ended_at is not None) for p in pauses] == [("almoco", True)]

    # Importing the whole file again changes nothing.
    before = len(stays(sqlite_db, waiting_id)) + len(stays(sqlite_db, answered_id))
    again = import_queue_log(sqlite_db, queue_log)
    assert again.new_events == 0
    assert len(stays(sqlite_db, waiting_id)) + len(stays(sqlite_db, answered_id)) == before
