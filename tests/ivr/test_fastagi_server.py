"""The FastAGI server against a scripted Asterisk on a socket: protocol edge cases.

The whole flow runs against the real Asterisk in tests/ivr/test_call_flow.py; here Asterisk's
side of the protocol is played by the test, to reach the cases a real PBX produces only rarely
(a malformed environment, a 511 reply, the out-of-band HANGUP line).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ivr.agi import CallerHungUp, FastAgiChannel
from ivr.registry import HandlerRegistry, script_name
from ivr.server import BurstLog, FastAgiServer, RuntimeHolder
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


ServerFactory = Callable[..., Server]


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    """Start a FastAGI server with these keyword settings (``max_calls``...)."""
    started: list[FastAgiServer[object]] = []

    def start(**settings: Any) -> Server:
        registry: HandlerRegistry[FastAgiChannel] = HandlerRegistry()
        outcomes: list[object] = []

        def run_call(
            handler: Callable[..., None], channel: FastAgiChannel, runtime: object
        ) -> None:
            handler(channel)

        srv: FastAgiServer[object] = FastAgiServer(
            ("127.0.0.1", 0), registry, RuntimeHolder(lambda: "runtime"), run_call, **settings
        )
        # A short poll: shutdown() waits for it, and the default half second was most of each
        # test.
        thread = threading.Thread(
            target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        thread.start()
        started.append(srv)
        return srv, registry, outcomes

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()
        srv.wait_for_calls(5)


@pytest.fixture
def server(make_server: ServerFactory) -> Server:
    return make_server()


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
        f'SET VARIABLE "{ChannelVar.INTENT}" "x"',
        f'SET VARIABLE "{ChannelVar.ROUTE}" ""',
    ]


def test_unknown_script_goes_to_the_failure_path(server: Server) -> None:
    srv, _, _ = server
    assert converse(srv.port, environment("nope"), {}) == [f'SET VARIABLE "{ChannelVar.ROUTE}" ""']


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


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_tcp_reset_mid_call_is_a_hang_up_not_a_handler_failure(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    srv, registry, outcomes = server
    caplog.set_level(logging.INFO)

    @registry.register("main-menu")
    def flow(channel: FastAgiChannel) -> None:
        try:
            channel.stream_file("/sounds/welcome", "0123")
        except CallerHungUp:
            outcomes.append("hung up")
            raise

    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    sock.sendall(environment())
    assert sock.makefile("rb").readline().startswith(b"STREAM FILE")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # RST, not FIN
    wait_until(lambda: srv.live_calls == 0)
    assert outcomes == ["hung up"]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert any(r.getMessage().startswith("caller hung up") for r in caplog.records)


def test_the_environment_has_one_deadline_for_all_of_it(make_server: ServerFactory) -> None:
    srv, registry, outcomes = make_server(env_timeout_s=0.3)
    registry.register("main-menu")(lambda channel: outcomes.append("ran"))
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
        started = time.monotonic()
        sock.settimeout(0.05)
        with contextlib.suppress(OSError):  # a drip, a byte at a time: each recv is quick
            for byte in environment():  # 9 s at this pace; the server must not wait for it
                sock.sendall(bytes([byte]))
                with contextlib.suppress(TimeoutError):
                    if sock.recv(1) == b"":  # the server closed the connection
                        break
        elapsed = time.monotonic() - started
        wait_until(lambda: srv.live_calls == 0)
        assert 0.25 < elapsed < 2
    assert outcomes == []


def test_a_caller_id_longer_than_a_line_is_cut_not_refused(server: Server) -> None:
    srv, registry, outcomes = server
    registry.register("main-menu")(lambda channel: outcomes.append(channel.env))
    long_id = "+5551" + "\x1b\x07" * 10_000
    env = environment().replace(b"agi_callerid: 51999991234", f"agi_callerid: {long_id}".encode())
    assert converse(srv.port, env, {}) == []
    (env_seen,) = outcomes
    assert isinstance(env_seen, dict)
    assert long_id.startswith(env_seen["agi_callerid"]) and len(env_seen["agi_callerid"]) < 8192
    assert env_seen["agi_uniqueid"] == "1700000000.42"  # the lines after it are intact


def test_calls_beyond_the_limit_are_refused_at_once_and_logged_once_per_burst(
    make_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    srv, registry, outcomes = make_server(max_calls=2, env_timeout_s=30)
    registry.register("main-menu")(lambda channel: outcomes.append("ran"))
    caplog.set_level(logging.INFO)
    baseline = open_fds()
    held = [socket.create_connection(("127.0.0.1", srv.port), timeout=5) for _ in range(2)]
    wait_until(lambda: srv.live_calls == 2)
    refused = [socket.create_connection(("127.0.0.1", srv.port), timeout=5) for _ in range(200)]
    started = time.monotonic()
    for sock in refused:
        assert sock.recv(1) == b""  # closed by the server at once: Asterisk's failure path
        sock.close()
    assert time.monotonic() - started < 2
    refusals = [r for r in caplog.records if "connection limit reached" in r.getMessage()]
    assert len(refusals) == 1
    for sock in held:
        sock.close()
    wait_until(lambda: srv.live_calls == 0)
    assert converse(srv.port, environment(), {}) == []  # served again
    assert outcomes == ["ran"]
    assert any("200 connection(s) refused" in r.getMessage() for r in caplog.records)
    wait_until(lambda: open_fds() <= baseline)
    assert srv.worker_threads <= 2


def test_every_socket_is_closed_whatever_the_peer_did(server: Server) -> None:
    srv, registry, _ = server
    registry.register("main-menu")(lambda channel: channel.stream_file("/x", ""))
    baseline = open_fds()
    for case in range(60):
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        if case % 4 == 0:
            sock.sendall(b"garbage\n\n")
        elif case % 4 == 1:
            sock.sendall(environment())
            sock.recv(100)
        elif case % 4 == 2:
            sock.sendall(b"agi_network: yes\n")
        if case % 2:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    wait_until(lambda: srv.live_calls == 0)
    wait_until(lambda: open_fds() <= baseline)


def test_burst_log_says_once_then_counts() -> None:
    logger = logging.getLogger("test.burst")
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        burst = BurstLog(logger, interval=3600)
        for _ in range(1000):
            burst.note("limit %d", 5)
        burst.close("over: %d")
        burst.close("over: %d")  # nothing more: the burst was closed
    finally:
        logger.removeHandler(handler)
    assert records == ["limit 5", "over: 1000"]
