"""The 156 call flow through the real Asterisk, the real IVR (FastAGI, Whisper) and a database.

Each test places a simulated citizen call (Local channel) whose side answers when the IVR asks,
with Kokoro-spoken pt-BR or keys, and checks what reached the queue, the agent's channel, the
AGI commands the IVR sent and the call record in the database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from citizen_center import migrate
from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import Call, CallRequest, SurveyResponse
from citizen_center.services import duplicates, requests
from citizen_center.services.citizens import AddressInput, CitizenInput, register_citizen
from citizen_center.services.common import Actor
from ivr.service import build_replayer
from ivr.speech.caller_voice import CallerVoice, Utterance
from pbx.ami import AmiMessage
from pbx.channel_vars import ChannelVar
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import RunningPbx, SimulatedAgents, unique_caller_number
from tests.fixtures.fastagi import FakeFastAgiServer
from tests.fixtures.ivr import (
    CitizenCaller,
    CommandLog,
    IvrUnderTest,
    Reply,
    ivr_behind_pbx,
    ivr_on_sqlite,
    ivr_settings,
    start_ivr,
    stop_ivr,
)
from tests.fixtures.postgres import PostgresServer

AGENT = Actor.system("teste")


def ended(call: Call) -> bool:
    return call.ended_at is not None


def wait_for_call_record(
    database: Database, caller: str, timeout: float = 30.0, done: Callable[[Call], bool] = ended
) -> Call:
    """The caller's call record once ``done`` holds (by default: completed, ``ended_at`` set)."""
    deadline = time.monotonic() + timeout
    while True:
        with database.transaction() as session:
            call = session.scalar(select(Call).where(Call.caller_number.like(f"%{caller[-8:]}")))
            if call is not None and done(call):
                session.expunge_all()
                return call
        if time.monotonic() > deadline:
            raise TimeoutError(f"no completed call record for {caller}")
        time.sleep(0.2)


def steps_of(database: Database, call: Call) -> list[tuple[str, str, str]]:
    with database.transaction() as session:
        stored = session.get_one(Call, call.id)
        return [(s.step, s.intent, s.keys) for s in stored.steps]


def agent_saw(
    ami: EventCollector, caller: str, queue: str, commands: CommandLog | None = None
) -> AmiMessage:
    try:
        return ami.wait_for("AgentConnect", 60, CallerIDNum=caller, Queue=queue)
    except TimeoutError as exc:
        said = "\n".join(commands.of(caller)) if commands else "(not logged)"
        raise AssertionError(f"{exc}\nthe IVR sent:\n{said}") from exc


@pytest.fixture
def no_ivr_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.INFO)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("ivr")]
    assert not errors, [r.getMessage() for r in errors]


def test_spoken_request_reaches_the_service_queue_with_what_the_ivr_learned(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    caller_voice: CallerVoice,
    agents: SimulatedAgents,
    ami: EventCollector,
    no_ivr_errors: None,
) -> None:
    agents.add("servicos-urbanos", talk_seconds=1)
    speech = caller_voice.speak(Utterance("tem um buraco enorme na minha rua"))
    placed = citizen_call.call([Reply("listen", say=speech)])

    connect = agent_saw(ami, placed.caller_number, "servicos-urbanos", citizen_call.commands)
    variables = connect.variables("DestChanVariable")
    assert variables[ChannelVar.SERVICE] == "VIA-BURACO"
    assert variables[ChannelVar.INTENT] == "VIA-BURACO"
    assert "buraco" in variables[ChannelVar.TEXT].lower()
    assert float(variables[ChannelVar.CONFIDENCE]) >= 0.5
    assert variables[ChannelVar.CALL_ID]

    record = wait_for_call_record(
        real_ivr.database,
        placed.caller_number,
        done=lambda call: call.outcome is CallOutcome.QUEUED,
    )
    assert record.queue == "servicos-urbanos" and record.ended_at is None  # still on the line
    steps = steps_of(real_ivr.database, record)
    assert [s[0] for s in steps][:3] == ["welcome", "main-menu", "route"]
    assert steps[1][1] == "VIA-BURACO"


def test_keys_only_call_and_a_key_during_the_welcome_is_honoured_at_once(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    agents: SimulatedAgents,
    ami: EventCollector,
    command_log: CommandLog,
    no_ivr_errors: None,
) -> None:
    agents.add("limpeza-urbana", talk_seconds=1)
    placed = citizen_call.call([Reply("welcome", keys="3", delay=1.0)])

    connect = agent_saw(ami, placed.caller_number, "limpeza-urbana")
    assert connect.variables("DestChanVariable")[ChannelVar.INTENT] == "queue:limpeza-urbana"
    sent = command_log.of(placed.caller_number)
    # The key interrupted the welcome: the IVR never asked the open question.
    assert not any("menu/ask_reason" in c for c in sent)
    assert not any(c.startswith("RECORD FILE") for c in sent)


@pytest.fixture
def known_citizen_request(real_ivr: IvrUnderTest) -> tuple[str, str]:
    """A citizen (by phone) with one open pothole request; returns (phone, protocol)."""
    phone = unique_caller_number()
    with real_ivr.database.transaction() as session:
        citizen = register_citizen(session, CitizenInput(name="Joana Prado", phones=[phone]), AGENT)
        request = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel="app",
            actor=AGENT,
            citizen_id=citizen.id,
            address=AddressInput(street="Rua Voluntários da Pátria", house_number="800"),
        )
        return phone, request.number


def test_protocol_status_is_read_back_and_recorded_on_the_call(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    command_log: CommandLog,
    known_citizen_request: tuple[str, str],
    no_ivr_errors: None,
) -> None:
    phone, number = known_citizen_request
    with real_ivr.database.transaction() as session:  # the same hole, reported again
        again = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel="web",
            actor=AGENT,
            address=AddressInput(street="Rua Voluntários da Pátria"),
        )
        duplicate = again.number
        duplicates.mark_duplicate(session, again, number, AGENT)
    placed = citizen_call.call(
        [
            Reply("open_requests/offer", keys="8", delay=0.5),
            Reply("protocol/ask", keys=number + "#", delay=0.5),
            Reply("protocol/another", keys="8", delay=0.5),  # and the duplicate
            Reply("protocol/ask", keys=duplicate + "#", delay=0.5),
            Reply("protocol/another", keys="#", delay=0.5),
        ],
        caller_number=phone,
    )
    placed.wait(120)
    record = wait_for_call_record(real_ivr.database, phone)
    assert record.outcome is CallOutcome.SELF_SERVICE
    assert record.citizen_id is not None

    sent = command_log.of(phone)
    spoken = [c.split()[2].rsplit("/pt_BR/", 1)[-1] for c in sent if c.startswith("STREAM FILE")]
    assert "open_requests/one" in spoken  # "Você tem uma solicitação em aberto."
    first, second = _readbacks(spoken)
    assert _digits(first) == number
    assert {"service/VIA-BURACO", "status/forwarded", "deadline/on_time"} <= set(first)
    # The duplicate: its number, "foi unida a outra ... acompanhada pelo", then the parent's
    # number and status, as its own read-back says them (not "fechado").
    joined = second.index("protocol/joined")
    assert (_digits(second[:joined]), _digits(second[joined:])) == (duplicate, number)
    assert {"service/VIA-BURACO", "status/forwarded", "deadline/on_time"} <= set(second)
    assert "status/closed" not in spoken
    assert "goodbye" in spoken
    with real_ivr.database.transaction() as session:
        links = session.scalars(select(CallRequest).where(CallRequest.call_id == record.id)).all()
        assert [(link.kind, link.request.number) for link in links] == [
            ("consulted", number),
            ("consulted", duplicate),
        ]
    steps = steps_of(real_ivr.database, record)
    assert {("protocol", "found", number), ("protocol", "found", duplicate)} <= set(steps)


def _readbacks(spoken: list[str]) -> list[list[str]]:
    """Each protocol read-back: from the prompt after a "protocol/ask" to "protocol/another"."""
    found = []
    for n, key in enumerate(spoken):
        if key == "protocol/ask":
            after = spoken[n + 1 :]
            found.append(after[: after.index("protocol/another")])
    return found


def _digits(keys: list[str]) -> str:
    return "".join(k.removeprefix("digit/") for k in keys if k.startswith("digit/"))


def test_garbage_keys_get_a_clear_answer_and_the_caller_still_gets_through(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    agents: SimulatedAgents,
    ami: EventCollector,
    command_log: CommandLog,
    no_ivr_errors: None,
) -> None:
    agents.add("geral", talk_seconds=1)
    placed = citizen_call.call(
        [
            Reply("listen", keys="7"),  # no such option
            Reply("menu/invalid_key"),
            Reply("menu/ask_reason", keys="8"),  # consult a protocol...
            Reply("protocol/ask", keys="2026123#", delay=0.5),  # ...with a malformed number
            Reply("protocol/invalid"),
            Reply("protocol/ask", keys="0", delay=0.5),  # give up: an agent
        ]
    )
    agent_saw(ami, placed.caller_number, "geral")
    record = wait_for_call_record(
        real_ivr.database,
        placed.caller_number,
        done=lambda call: call.outcome is CallOutcome.QUEUED,
    )
    steps = steps_of(real_ivr.database, record)
    assert ("main-menu", "unknown", "7") in steps
    assert ("protocol", "invalid", "2026123") in steps


def test_survey_score_is_stored_with_the_call_and_the_agent(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    agents: SimulatedAgents,
    ami: EventCollector,
    no_ivr_errors: None,
) -> None:
    member = agents.add("agua-esgoto", talk_seconds=1)
    placed = citizen_call.call([Reply("listen", keys="2"), Reply("survey/ask", keys="4")])
    placed.wait(90)
    deadline = time.monotonic() + 20
    while True:
        with real_ivr.database.transaction() as session:
            response = session.scalar(
                select(SurveyResponse)
                .join(Call, SurveyResponse.call_id == Call.id)
                .where(Call.caller_number.like(f"%{placed.caller_number[-8:]}"))
            )
            if response is not None:
                assert response.score == 4
                assert response.agent_interface == member.interface
                call = session.get_one(Call, response.call_id)
                assert call.answered_at is not None and call.queue == "agua-esgoto"
                break
        assert time.monotonic() < deadline, "no survey response stored"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("script", "outcome"),
    [
        ([Reply("welcome", hang_up=True, delay=1.0)], CallOutcome.HANGUP_IN_IVR),
        ([Reply("listen", hang_up=True, delay=1.0)], CallOutcome.HANGUP_IN_IVR),
        (
            [Reply("listen", keys="8"), Reply("protocol/ask", hang_up=True, delay=1.0)],
            CallOutcome.HANGUP_IN_IVR,
        ),
        (
            [Reply("listen", keys="9"), Reply("survey/ask", hang_up=True, delay=0.5)],
            CallOutcome.ANSWERED,
        ),
    ],
    ids=["welcome", "main-menu", "protocol", "survey"],
)
@pytest.mark.faults
def test_hang_up_at_any_step_leaves_a_complete_call_record(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    agents: SimulatedAgents,
    script: list[Reply],
    outcome: CallOutcome,
    no_ivr_errors: None,
) -> None:
    agents.add("geral", talk_seconds=1)
    placed = citizen_call.call(script)
    placed.wait(90)
    record = wait_for_call_record(real_ivr.database, placed.caller_number)
    assert record.outcome is outcome
    assert record.ended_at is not None and record.ended_at <= datetime.now(UTC)
    assert steps_of(real_ivr.database, record)[0][0] in ("welcome", "survey")


@pytest.mark.faults
@pytest.mark.postgresql  # a server of its own, to stop mid-call: no fixture says so
@pytest.mark.parametrize("stopped", ["before-the-call", "mid-call"])
def test_database_stopped_the_caller_is_served_and_the_call_recorded_once_it_is_back(
    pbx: RunningPbx,
    fake_ivr: FakeFastAgiServer,
    citizen_call: CitizenCaller,
    command_log: CommandLog,
    agents: SimulatedAgents,
    ami: EventCollector,
    tmp_path: Path,
    stopped: str,
) -> None:
    """Down before the call: the IVR cannot even look the caller up, so it apologises and sends
    them to the general queue. Down mid-call (while the welcome plays): the menu needs no
    database, so the caller's key is honoured; only the record waits in the journal."""
    with PostgresServer() as server:
        url = server.create_database("ivr_down")
        database = Database.from_url(url)
        migrate.upgrade_and_seed(database)
        base = ivr_settings(url, tmp_path / "recordings")
        settings = base.replace(
            ivr=base.ivr.replace(
                models_dir=tmp_path / "no-models",  # keys only: this is about the database
                journal_dir=tmp_path / "journal",
            )
        )
        ivr = start_ivr(settings, command_log)
        try:
            with ivr_behind_pbx(pbx, ivr.address, fake_ivr.address):
                agents.add("geral", talk_seconds=1)
                agents.add("agua-esgoto", talk_seconds=1)
                if stopped == "before-the-call":
                    server.pause()
                placed = citizen_call.call(
                    [Reply("listen", keys="2"), Reply("survey/ask", keys="5", delay=0.5)],
                    hold_seconds=2,
                )
                if stopped == "mid-call":
                    found = command_log.wait_for(
                        placed.caller_number, 0, lambda c: "/welcome " in c, 60
                    )
                    assert found is not None
                    server.pause()  # the database goes down while the caller hears the welcome
                queue = "geral" if stopped == "before-the-call" else "agua-esgoto"
                connect = agent_saw(ami, placed.caller_number, queue, command_log)
                sent = command_log.of(placed.caller_number)
                if stopped == "before-the-call":
                    assert connect.variables()[ChannelVar.ROUTE_REASON] == "database-unavailable"
                    assert any("failure/apology" in c for c in sent)
                else:
                    assert not any("failure/apology" in c for c in sent)
                placed.wait(90)
                assert ivr.server.wait_for_calls(30)  # the survey's last write is done
                server.resume()
                replayer = build_replayer(ivr.server)
                assert replayer.replay().replayed > 0
                assert replayer.replay().replayed == 0  # nothing twice

                record = wait_for_call_record(database, placed.caller_number)
                assert record.outcome is CallOutcome.ANSWERED  # after the survey
                assert record.queue == queue and record.answered_at is not None
                names = [step[0] for step in steps_of(database, record)]
                expected = (
                    ["database-unavailable"]
                    if stopped == "before-the-call"
                    else ["welcome", "main-menu", "route"]
                )
                assert names[: len(expected)] == expected
        finally:
            stop_ivr(ivr)
            database.dispose()


@contextlib.contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """The database away for the IVR: another connection holds SQLite's write lock (the IVR
    gives up after 3 s), as a long migration or a stuck backup would."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.faults
def test_a_call_while_the_database_is_write_locked_is_recorded_once_it_is_back(
    pbx: RunningPbx,
    fake_ivr: FakeFastAgiServer,
    citizen_call: CitizenCaller,
    command_log: CommandLog,
    agents: SimulatedAgents,
    ami: EventCollector,
    tmp_path: Path,
) -> None:
    """The whole call (menu, agent, survey) happens with the database locked; the caller is
    served as ever, and once the lock is gone every step of it reaches the database, once."""
    with (
        ivr_on_sqlite(
            tmp_path,
            command_log,
            models_dir=tmp_path / "no-models",  # keys only: this is about the database
            journal_dir=tmp_path / "journal",
        ) as ivr,
        ivr_behind_pbx(pbx, ivr.address, fake_ivr.address),
    ):
        member = agents.add("geral", talk_seconds=1)
        sqlite_file = tmp_path / "ivr.sqlite3"
        with write_locked(sqlite_file):
            placed = citizen_call.call(
                [Reply("failure/general_queue"), Reply("survey/ask", keys="4", delay=0.5)],
                hold_seconds=2,
            )
            connect = agent_saw(ami, placed.caller_number, "geral", command_log)
            assert connect.variables()[ChannelVar.ROUTE_REASON] == "database-unavailable"
            assert any("failure/apology" in c for c in command_log.of(placed.caller_number))
            placed.wait(90)
            assert ivr.server.wait_for_calls(30)  # the survey's last write is done
            # Nothing reached the database (read past the lock: SQLite's WAL lets readers in).
            with contextlib.closing(sqlite3.connect(sqlite_file)) as reader:
                assert reader.execute("SELECT count(*) FROM call").fetchone() == (0,)

        replayer = build_replayer(ivr.server)
        journal = ivr.server.runtimes.current.recorder.journal
        journaled = journal.read_pending()
        assert [line.entry["op"] for line in journaled if line.entry] == [
            "open",
            "step",
            "outcome",  # the menu: apology, general queue
            "open",
            "answered",
            "step",
            "survey",
            "outcome",  # the survey after the agent
        ]
        assert replayer.replay().replayed == len(journaled)
        # A replayer that died before noting its progress: the same entries once more.
        with journal.path.open("ab") as out:
            out.writelines((json.dumps(line.entry) + "\n").encode() for line in journaled)
        assert replayer.replay().replayed == len(journaled)

        record = wait_for_call_record(ivr.database, placed.caller_number)
        assert record.outcome is CallOutcome.ANSWERED
        assert (record.queue, record.agent_interface) == ("geral", member.interface)
        assert record.answered_at is not None and record.ended_at is not None
        assert record.started_at < record.answered_at < record.ended_at  # when it happened
        assert steps_of(ivr.database, record) == [
            ("database-unavailable", "", ""),
            ("survey", "score", "4"),
        ]
        with ivr.database.transaction() as session:
            calls = session.scalars(
                select(Call).where(Call.caller_number.like(f"%{placed.caller_number[-8:]}"))
            ).all()
            assert len(calls) == 1
            scores = session.scalars(
                select(SurveyResponse.score).where(SurveyResponse.call_id == record.id)
            ).all()
            assert scores == [4]
