"""``central156 ivr serve`` as a real process: SIGHUP reloads without disturbing a live call,
SIGTERM stops taking calls but lets the live one finish.

Asterisk's side is played by the test over the FastAGI socket, so the call can be held at a
chosen point while the signals arrive.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from citizen_center import migrate
from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.services import calls
from pbx.channel_vars import ChannelVar
from tests.fixtures.postgres import free_port

# A real central156 process per test, started and stopped by signals: seconds each.
pytestmark = pytest.mark.slow

SET_ROUTE = f'SET VARIABLE "{ChannelVar.ROUTE}"'


@dataclass
class IvrProcess:
    process: subprocess.Popen[str]
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text()

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log_text():
            assert self.process.poll() is None, f"the IVR exited:\n{self.log_text()}"
            assert time.monotonic() < deadline, f"no {text!r} in the IVR log:\n{self.log_text()}"
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def launch_ivr(tmp_path: Path, url: str, name: str = "ivr", **settings: str) -> IvrProcess:
    """``central156 ivr serve`` on the SQLite database ``url``, its data in ``tmp_path``;
    ``settings`` are more ``CENTRAL156_*`` variables (without the prefix)."""
    port = free_port()
    config = tmp_path / "central156.toml"
    config.write_text("")  # the defaults, whatever the developer's own config file says
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL156_")}
    env |= {
        "CENTRAL156_DATA_DIR": str(tmp_path),
        "CENTRAL156_CONFIG": str(config),
        "CENTRAL156_DATABASE_URL": url,
        "CENTRAL156_IVR_LISTEN_PORT": str(port),
        "CENTRAL156_IVR_MODELS_DIR": str(tmp_path / "no-models"),  # keys only: quick start
        "CENTRAL156_IVR_AUDIO_DIR": str(tmp_path / "audio"),
    }
    env |= {f"CENTRAL156_{key.upper()}": value for key, value in settings.items()}
    log = tmp_path / f"{name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "citizen_center", "ivr", "serve"],
            env=env,
            text=True,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    ivr = IvrProcess(process, port, log)
    try:
        ivr.wait_for_log("FastAGI server listening")
    except BaseException:
        ivr.kill()
        raise
    return ivr


@pytest.fixture
def ivr_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ivr.sqlite3'}"
    database = Database.from_url(url)
    migrate.upgrade_and_seed(database)
    database.dispose()
    return url


@pytest.fixture
def ivr_process(tmp_path: Path, ivr_database: str) -> Iterator[IvrProcess]:
    ivr = launch_ivr(tmp_path, ivr_database)
    try:
        yield ivr
    finally:
        ivr.kill()


class ScriptedAsterisk:
    """One FastAGI connection: Asterisk's half, answering each command the IVR sends."""

    def __init__(self, port: int, caller: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.reader = self.sock.makefile("rb")
        env = [
            "agi_network: yes",
            "agi_network_script: main-menu",
            "agi_channel: PJSIP/trunk-1",
            f"agi_uniqueid: 1700000000.{caller[-4:]}",
            f"agi_callerid: {caller}",
            "",
            "",
        ]
        self.sock.sendall("\n".join(env).encode())
        self.sent: list[str] = []

    def next_command(self) -> str:
        line = self.reader.readline().decode().strip()
        self.sent.append(line)
        return line

    def reply(self, text: str = "200 result=0") -> None:
        self.sock.sendall(f"{text}\n".encode())

    def answer_until(self, prefix: str, limit: int = 40) -> str:
        """Answer routine commands with success until the IVR sends one starting with ``prefix``."""
        for _ in range(limit):
            command = self.next_command()
            if command.startswith(prefix) or not command:
                return command
            self.reply(
                "200 result=1 (CHANNEL(linkedid))"
                if "GET VARIABLE" in command
                else "200 result=0 endpos=0"
            )
        raise AssertionError(f"no {prefix} in {self.sent}")

    def close(self) -> None:
        self.sock.close()


def test_sighup_reloads_without_disturbing_a_live_call(ivr_process: IvrProcess) -> None:
    call = ScriptedAsterisk(ivr_process.port, "51999990001")
    assert call.answer_until("WAIT FOR DIGIT").startswith("WAIT FOR DIGIT")  # keys-only menu

    ivr_process.process.send_signal(signal.SIGHUP)
    ivr_process.wait_for_log("reloaded")

    call.reply("200 result=50")  # the caller pressed 2 (water and sewage) after the reload
    route = call.answer_until(SET_ROUTE)
    assert route == f'{SET_ROUTE} "agua-esgoto"'
    call.reply()
    assert call.next_command() == ""  # the IVR handed the call back and closed
    call.close()


def test_sigterm_stops_taking_calls_but_lets_the_live_call_finish(ivr_process: IvrProcess) -> None:
    call = ScriptedAsterisk(ivr_process.port, "51999990002")
    call.answer_until("WAIT FOR DIGIT")

    ivr_process.process.send_signal(signal.SIGTERM)
    ivr_process.wait_for_log("not taking new calls; 1 call(s) in progress")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", ivr_process.port), timeout=2).close()
    assert ivr_process.process.poll() is None  # still serving the live call

    call.reply("200 result=48")  # 0: an agent
    assert call.answer_until(SET_ROUTE) == f'{SET_ROUTE} "geral"'
    call.reply()
    call.close()
    assert ivr_process.process.wait(20) == 0
    assert "stopped" in ivr_process.log_text()


@pytest.mark.faults
def test_a_call_left_open_by_a_killed_ivr_is_closed_as_lost_by_the_next_one(
    tmp_path: Path, ivr_database: str, ivr_process: IvrProcess
) -> None:
    call = ScriptedAsterisk(ivr_process.port, "51999990003")
    call.answer_until("WAIT FOR DIGIT")  # the caller is in the menu: the record is open
    ivr_process.kill()  # SIGKILL: no handler, no finally, nothing written on the way out
    call.close()
    database = Database.from_url(ivr_database)
    try:
        with database.transaction() as session:
            record = calls.get_call(session, "1700000000.0003")
            assert (record.outcome, record.ended_at) == (CallOutcome.UNSET, None)
            last_seen = record.steps[-1].at

        # The next IVR to start sweeps; the limit is short here so the test need not wait.
        successor = launch_ivr(tmp_path, ivr_database, name="successor", ivr_lost_call_after_s="1")
        try:
            successor.wait_for_log("call=1700000000.0003 msg=lost call closed outcome=ivr_lost")
        finally:
            successor.kill()
        with database.transaction() as session:
            record = calls.get_call(session, "1700000000.0003")
            assert record.outcome is CallOutcome.IVR_LOST
            assert record.ended_at == last_seen  # the last moment it was known alive
    finally:
        database.dispose()
