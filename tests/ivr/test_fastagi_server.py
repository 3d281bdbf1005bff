"""The FastAGI server against a scripted Asterisk on a socket: protocol edge cases.

The whole flow runs against the real Asterisk in tests/ivr/test_call_flow.py; here Asterisk's
side of the protocol is played by the test, to reach the cases a real PBX produces only rarely
(a malformed environment, a 511 reply, the out-of-band HANGUP line).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from ivr.agi import CallerHungUp, FastAgiChannel
from ivr.registry import HandlerRegistry, script_name
from ivr.server import FastAgiServer, RuntimeHolder
from pbx.channel_vars import ChannelVar

Handler = Callable[[FastAgiChannel], None]
Server = tuple[FastAgiServer[object], HandlerRegistry[FastAgiChannel], list[object]]


def environment(script: str = "main-menu", uniqueid: str = "1700000000.42") -> bytes:
    lines = [
        "agi_network: yes",
        f"agi_network_script: {script}",
        "agi_request: agi://x/y",
        "agi_channel: PJSIP/test-0001",
        f"agi_uniqueid: {uniqueid}",
        "agi_callerid: 51999991234",
        "",
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def server() -> Iterator[Server]:
    registry: HandlerRegistry[FastAgiChannel] = HandlerRegistry()
    outcomes: list[object] = []

    def run_call(handler: Callable[..., None], channel: FastAgiChannel, runtime: object) -> None:
        handler(channel)

    srv: FastAgiServer[object] = FastAgiServer(
        ("127.0.0.1", 0), registry, RuntimeHolder(lambda: "runtime"), run_call
    )
    # A short poll: shutdown() waits for it, and the default half second was most of each test.
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield srv, registry, outcomes
    srv.shutdown()
    srv.server_close()


def converse(port: int, env: bytes, replies: dict[str, str]) -> list[str]:
    """Play Asterisk: send ``env``, answer each command by its first word(s), return commands."""
    commands: list[str] = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(env)
        reader = sock.makefile("rb")
        while True:
            line = reader.readline().decode().strip()
            if not line:
                return commands
            commands.append(line)
            reply = next(
                (r for prefix, r in replies.items() if line.startswith(prefix)), "200 result=0\n"
            )
            sock.sendall(reply.encode())


def test_script_names() -> None:
    assert script_name("main-menu") == "main-menu"
    assert script_name("/survey?x=1") == "survey"


def test_duplicate_handler_names_are_rejected() -> None:
    registry: HandlerRegistry[object] = HandlerRegistry()
    registry.register("a")(lambda call: None)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("a")(lambda call: None)


def test_handler_failure_sends_the_call_to_the_failure_path(server: Server) -> None:
    srv, registry, _ = server

    @registry.register("main-menu")
    def broken(channel: FastAgiChannel) -> None:
        channel.set_variable(ChannelVar.INTENT, "x")
        raise RuntimeError("bug")

    commands = converse(srv.port, environment(), {})
    assert commands == [
        f'SET VARIABLE "{ChannelVar.INTENT}" "x"', f'SET VARIABLE "{ChannelVar.ROUTE}" ""'
    ]


def test_unknown_script_goes_to_the_failure_path(server: Server) -> None:
    srv, _, _ = server
    assert converse(srv.port, environment("nope"), {}) == [
        f'SET VARIABLE "{ChannelVar.ROUTE}" ""'
    ]


@pytest.mark.parametrize(
    "reply",
    [
        "HANGUP\n200 result=-1\n",
        "511 Command Not Permitted on a dead channel or intercept routine\n",
        "HANGUP\n200 result=0 endpos=0\n",
    ],
)
def test_every_form_of_hang_up_ends_the_handler_cleanly(server: Server, reply: str) -> None:
    srv, registry, outcomes = server

    @registry.register("main-menu")
    def flow(channel: FastAgiChannel) -> None:
        try:
            channel.stream_file("/sounds/welcome", "0123")
            channel.stream_file("/sounds/menu", "0123")
            outcomes.append("not noticed")
        except CallerHungUp:
            outcomes.append("hung up")
            raise

    commands = converse(
        srv.port, environment(), {"STREAM FILE": reply, "CHANNEL STATUS": "HANGUP\n200 result=-1\n"}
    )
    assert outcomes == ["hung up"]
    assert not any(ChannelVar.ROUTE in c for c in commands)  # no failure path for a hang-up


def test_record_file_reports_keys_and_silence(server: Server) -> None:
    srv, registry, outcomes = server

    @registry.register("main-menu")
    def flow(channel: FastAgiChannel) -> None:
        outcomes.append(channel.record("/tmp/x", "wav", "0123456789*#", 10000, 2))
        outcomes.append(channel.record("/tmp/y", "wav", "0123456789*#", 10000, 2))

    replies = iter(
        ["200 result=50 (dtmf) endpos=8000\n", "200 result=2000 (timeout) endpos=24000\n"]
    )
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
        sock.sendall(environment())
        reader = sock.makefile("rb")
        for _ in range(2):
            command = reader.readline().decode()
            assert command.startswith('RECORD FILE "/tmp/') and command.strip().endswith("0 s=2")
            sock.sendall(next(replies).encode())
        assert reader.readline() == b""  # the handler returned, the server closed
    assert outcomes == ["2", ""]


@pytest.mark.parametrize("env", [b"garbage without colon\n\n", b"agi_channel: x\n\n", b"\n"])
def test_malformed_environment_is_refused_without_crashing(server: Server, env: bytes) -> None:
    srv, registry, outcomes = server
    registry.register("main-menu")(lambda channel: outcomes.append("ran"))
    assert converse(srv.port, env, {}) == []
    assert converse(srv.port, environment(), {}) == []  # and the server still serves
    assert outcomes == ["ran"]
