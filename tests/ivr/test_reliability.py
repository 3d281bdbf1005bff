"""Issue 11, reliability of the IVR's front door: odd caller IDs, floods, resets.

Through the real parts: the real IVR (FastAGI server, main-menu handler, SQLite call record),
keys-only so no speech model is needed, behind the test Asterisk where a real call is the point;
Asterisk's side of the socket is played by the test where a real PBX cannot be made to do it
(a TCP reset, thousands of idle connections).
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import socket
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import CALLER_NUMBER_LENGTH, Call, QueueCall
from citizen_center.services.queue_log import import_queue_log
from pbx import process
from pbx.channel_vars import ChannelVar
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import RunningPbx, SimulatedAgents
from tests.fixtures.fastagi import FakeFastAgiServer
from tests.fixtures.ivr import (
    CitizenCaller,
    CommandLog,
    IvrUnderTest,
    Reply,
    ivr_behind_pbx,
    ivr_on_sqlite,
)

# A speech engine without its model: the recogniser is unavailable and the menu runs on keys.
KEYS_ONLY: dict[str, object] = {"speech_engine": "vosk"}
ESC_BEL_PIECE = "+5551\x1b[1m\x07"  # 10 characters: a terminal escape sequence and a bell


def call_record(
    ivr: IvrUnderTest, done: Callable[[Call], bool], timeout: float = 30.0, **where: str
) -> Call:
    """The call record matching ``where`` (column=value) once ``done`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        with ivr.database.transaction() as session:
            query = select(Call)
            for column, value in where.items():
                query = query.where(getattr(Call, column) == value)
            call = session.scalar(query)
            if call is not None and done(call):
                session.expunge_all()
                return call
        if time.monotonic() > deadline:
            with ivr.database.transaction() as session:
                seen = [(c.caller_number, c.outcome) for c in session.scalars(select(Call))]
            raise TimeoutError(f"no call record {where} in the expected state; records: {seen}")
        time.sleep(0.1)


def ivr_problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """IVR log lines that are errors, carry a traceback, or let a control character through."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("ivr")
        and (
            r.levelno >= logging.ERROR
            or r.exc_info
            or any(c in r.getMessage() for c in "\x1b\x07\x00")
        )
    ]


@pytest.fixture(scope="module")
def keys_ivr(
    tmp_path_factory: pytest.TempPathFactory, command_log: CommandLog
) -> Iterator[IvrUnderTest]:
    with ivr_on_sqlite(tmp_path_factory.mktemp("keys-ivr"), command_log, **KEYS_ONLY) as ivr:
        assert ivr.server.runtimes.current.recognizer is None
        yield ivr


@pytest.fixture
def keys_ivr_behind_pbx(
    keys_ivr: IvrUnderTest, pbx: RunningPbx, fake_ivr: FakeFastAgiServer
) -> Iterator[IvrUnderTest]:
    with ivr_behind_pbx(pbx, keys_ivr.address, fake_ivr.address):
        yield keys_ivr


# --------------------------------------------------------------------------- caller IDs

# A caller who pressed a queue's key stays on the line this long, through the transfer prompt
# (about 3 s of the tests' prompts), so the call is QUEUED, not a hang-up; the tests then wait
# for the caller to be done, so longer costs every such test the difference.
THROUGH_THE_TRANSFER_S = 9


@pytest.mark.parametrize(
    ("piece", "repeat", "twice"),
    [("+5551", 1, False), ("+0800123456", 1, False), (ESC_BEL_PIECE, 400, True)],
    ids=["short-plus", "plus-0800", "8000-chars-esc-bel"],
)
def test_an_invalid_caller_id_goes_through_the_menu_and_is_stored_bounded(
    keys_ivr_behind_pbx: IvrUnderTest,
    citizen_call: CitizenCaller,
    caplog: pytest.LogCaptureFixture,
    piece: str,
    repeat: int,
    twice: bool,
) -> None:
    caplog.set_level(logging.INFO)
    ivr = keys_ivr_behind_pbx
    placed = citizen_call.call_with_caller_id(
        piece,
        [Reply("welcome", keys="3", delay=0.5)],
        repeat=repeat,
        twice=twice,
        hold_seconds=THROUGH_THE_TRANSFER_S,
    )
    caller_id = placed.caller_number
    assert len(caller_id) == len(piece) * repeat * (2 if twice else 1)

    record = call_record(
        ivr,
        lambda call: call.outcome is CallOutcome.QUEUED,
        caller_number=caller_id[:CALLER_NUMBER_LENGTH],
    )
    # The whole menu ran (before: a ValidationError before the welcome, no record at all).
    assert record.queue == "limpeza-urbana"
    assert record.citizen_id is None  # an invalid number is an unknown caller
    assert record.caller_number == caller_id[:CALLER_NUMBER_LENGTH]  # as given, bounded
    assert any("STREAM FILE" in c and "welcome" in c for c in ivr.commands_for(caller_id))
    placed.wait(60)
    assert not ivr_problems(caplog)
    if twice:  # the log shows the caller ID escaped and cut
        started = [r.getMessage() for r in caplog.records if "call started" in r.getMessage()]
        assert any("\\x1b[1m\\x07" in line and "chars)" in line for line in started)


# --------------------------------------------------------------------------- TCP reset


def asterisk_environment(caller: str, uniqueid: str) -> bytes:
    lines = [
        "agi_network: yes",
        "agi_network_script: main-menu",
        "agi_request: agi://127.0.0.1/main-menu",
        "agi_channel: PJSIP/trunk-00000001",
        f"agi_uniqueid: {uniqueid}",
        f"agi_callerid: {caller}",
        "",
    ]
    return ("\n".join(lines) + "\n").encode()


def reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the kernel sends a TCP RST instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.faults
@pytest.mark.slow  # starts an IVR of its own (migrations, prompts): a few seconds
def test_a_tcp_reset_mid_call_is_a_hang_up_and_closes_the_call_record(
    keys_ivr: IvrUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    uniqueid = f"{time.time():.0f}.{os.getpid()}"
    sock = socket.create_connection(("127.0.0.1", keys_ivr.server.port), timeout=10)
    sock.sendall(asterisk_environment("+5551999990000", uniqueid))
    reader = sock.makefile("rb")
    while True:  # play Asterisk until the IVR plays its first prompt, then drop the line
        command = reader.readline().decode()
        assert command, "the IVR closed the call before playing anything"
        if command.startswith("STREAM FILE"):
            break
        sock.sendall(b"200 result=1 (" + uniqueid.encode() + b")\n")
    reader.close()
    reset(sock)

    record = call_record(keys_ivr, lambda call: call.ended_at is not None, uniqueid=uniqueid)
    assert record.outcome is CallOutcome.HANGUP_IN_IVR
    deadline = time.monotonic() + 5
    while keys_ivr.server.live_calls and time.monotonic() < deadline:
        time.sleep(0.05)
    hang_ups = [r for r in caplog.records if r.getMessage().startswith("caller hung up")]
    assert hang_ups and "connection lost" in hang_ups[-1].getMessage()
    assert not ivr_problems(caplog)


# --------------------------------------------------------------------------- flood


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


FLOOD_CONNECTIONS = 3000
FLOOD_MAX_CALLS = 20


@pytest.mark.faults
@pytest.mark.slow
def test_a_connection_flood_is_refused_at_once_logged_once_and_leaves_no_socket(
    tmp_path: Path,
    command_log: CommandLog,
    pbx: RunningPbx,
    fake_ivr: FakeFastAgiServer,
    citizen_call: CitizenCaller,
    ami: EventCollector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft > FLOOD_CONNECTIONS * 2 + 200, f"ulimit -n {soft} too low for the flood"
    caplog.set_level(logging.INFO)
    overrides = {**KEYS_ONLY, "max_calls": FLOOD_MAX_CALLS, "agi_env_timeout_seconds": 60.0}
    with (
        ivr_on_sqlite(tmp_path, command_log, **overrides) as ivr,
        ivr_behind_pbx(pbx, ivr.address, fake_ivr.address),
    ):
        baseline = open_fds()
        flood: list[socket.socket] = []
        try:
            # Idle connections that never send an environment: the first FLOOD_MAX_CALLS take
            # every worker (for the 60 s deadline), the rest are refused.
            for _ in range(FLOOD_CONNECTIONS):
                flood.append(socket.create_connection(("127.0.0.1", ivr.server.port), timeout=5))
            deadline = time.monotonic() + 10
            while ivr.server.live_calls < FLOOD_MAX_CALLS and time.monotonic() < deadline:
                time.sleep(0.05)
            assert ivr.server.live_calls == FLOOD_MAX_CALLS
            assert ivr.server.worker_threads <= FLOOD_MAX_CALLS

            # A real call now: the IVR is full, so the dialplan's failure path at once.
            placed_at = time.monotonic()
            placed = citizen_call.call([], hold_seconds=15)
            failure = ami.wait_for(
                "VarSet",
                20,
                where=lambda e: e.get("Variable").endswith(ChannelVar.ROUTE_REASON)
                and e.get("CallerIDNum") == placed.caller_number,
            )
            assert failure.get("Value").startswith("ivr-failure")
            # Origination and the failure path at once: not a FastAGI timeout.
            assert time.monotonic() - placed_at < 5
            assert command_log.of(placed.caller_number) == []  # the IVR never served it
        finally:
            for sock in flood:
                sock.close()

        # The flood is gone: the held workers see EOF and every socket is closed.
        deadline = time.monotonic() + 10
        while ivr.server.live_calls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ivr.server.live_calls == 0
        time.sleep(0.2)
        assert open_fds() - baseline <= 2  # a log file or an AMI socket, not thousands

        refusals = [r for r in caplog.records if "connection limit reached" in r.getMessage()]
        assert 1 <= len(refusals) <= 3, len(refusals)

        # And a real call after the flood is served by the IVR again.
        served = citizen_call.call(
            [Reply("welcome", keys="3", delay=0.5)], hold_seconds=THROUGH_THE_TRANSFER_S
        )
        record = call_record(
            ivr,
            lambda call: call.outcome is CallOutcome.QUEUED,
            caller_number=f"+55{served.caller_number}",
        )
        assert record.queue == "limpeza-urbana"
        served.wait(60)
        assert any("accepting calls again" in r.getMessage() for r in caplog.records)


# --------------------------------------------------------------------------- Asterisk restart


def queue_log_lines(pbx: RunningPbx, uniqueid: str) -> list[str]:
    path = pbx.layout.queue_log
    lines = path.read_text().splitlines() if path.exists() else []
    return [line for line in lines if f"|{uniqueid}|" in line]


def wait_in_queue(pbx: RunningPbx, uniqueid: str, queue: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(f"|{queue}|NONE|ENTERQUEUE|" in line for line in queue_log_lines(pbx, uniqueid)):
        assert time.monotonic() < deadline, queue_log_lines(pbx, uniqueid)
        time.sleep(0.1)


def restart_asterisk(pbx: RunningPbx, how: str) -> None:
    """``graceful``: SIGTERM (what ``systemctl restart`` does); ``crash``: SIGKILL, no goodbye."""
    if how == "graceful":
        process.stop(pbx.settings)
    else:
        pid = process.running_pid(pbx.layout)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)  # the test run started it: reap it, or it lingers as a zombie
        pbx.layout.pid_file.unlink(missing_ok=True)
    process.start(pbx.settings, pbx.ivr, pbx.install, stop_with_caller=True)


@pytest.mark.faults
@pytest.mark.slow  # two Asterisk restarts
@pytest.mark.parametrize(
    ("how", "queue_outcome"), [("graceful", "abandoned"), ("crash", "pbx_restart")]
)
def test_asterisk_restarted_mid_queue_ends_the_call_honestly_and_the_next_caller_is_served(
    keys_ivr: IvrUnderTest,
    pbx: RunningPbx,
    fake_ivr: FakeFastAgiServer,
    citizen_call: CitizenCaller,
    agents: SimulatedAgents,
    how: str,
    queue_outcome: str,
) -> None:
    """A caller waits in the general queue (nobody in the water queue: overflow) when Asterisk
    restarts. The caller is cut off, which no software can prevent; what the IVR recorded stays
    (the menu's steps, the queued outcome), the queue_log import ends the stay and the call
    record honestly, and the restarted PBX with the same IVR serves the next caller at once."""
    with ivr_behind_pbx(pbx, keys_ivr.address, fake_ivr.address):
        placed = citizen_call.call([Reply("welcome", keys="2", delay=0.5)], hold_seconds=120)
        record = call_record(
            keys_ivr,
            lambda call: call.outcome is CallOutcome.QUEUED,
            caller_number=f"+55{placed.caller_number}",
        )
        wait_in_queue(pbx, record.uniqueid, "geral")
        restart_asterisk(pbx, how)
    placed.wait(30)  # cut off by the restart, not still waiting

    import_queue_log(keys_ivr.database, pbx.layout.queue_log)
    with keys_ivr.database.transaction() as session:
        stays = session.execute(
            select(QueueCall.queue, QueueCall.outcome, QueueCall.ended_at).where(
                QueueCall.callid == record.uniqueid
            )
        ).all()
        call = session.get_one(Call, record.id)
        steps = [step.step for step in call.steps]
        assert [(q, str(o)) for q, o, _ in stays] == [("geral", queue_outcome)]
        assert call.outcome is CallOutcome.QUEUED and call.ended_at == stays[0].ended_at
        assert steps[:3] == ["welcome", "main-menu", "route"]

    # The restarted PBX dials the IVR again (its global points back at the rendered address).
    with ivr_behind_pbx(pbx, keys_ivr.address, fake_ivr.address):
        agents.add("agua-esgoto", talk_seconds=1)
        after = citizen_call.call(
            [Reply("welcome", keys="2", delay=0.5), Reply("survey/ask", keys="5", delay=0.5)],
            hold_seconds=2,
        )
        served = call_record(
            keys_ivr,
            lambda call: call.outcome is CallOutcome.ANSWERED,
            timeout=60,
            caller_number=f"+55{after.caller_number}",
        )
        assert served.queue == "agua-esgoto" and served.ended_at is not None
        after.wait(60)
