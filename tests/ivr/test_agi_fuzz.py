"""Property-based fuzzing of the AGI side: whatever Asterisk (or anything that connects to the
FastAGI port) sends, reading the environment and the replies to commands raises only the
documented errors: ``AgiProtocolError`` (not AGI), ``CallerHungUp`` (the call is over) and
pyst2's ``AGIError`` family (a command's own error reply), and always returns promptly.

The bytes go through a real socket pair to the real ``FastAgiChannel``, then the peer closes:
the channel must end on EOF, its deadline, or a parse error, never wait for more.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from asterisk.agi import AGIError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr.agi import AgiProtocolError, CallerHungUp, FastAgiChannel, parse_environment_line

# A few hundred milliseconds per property in the fast tier; FUZZ_EXAMPLES=5000 for a
# long run.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
DOCUMENTED = (AgiProtocolError, CallerHungUp, AGIError)
VALID_ENV = b"agi_network: yes\nagi_network_script: main-menu\nagi_uniqueid: 1.1\n\n"

ENV_TOKENS = st.sampled_from(
    [
        b"\n",
        b"\n\n",
        b"agi_",
        b"agi_callerid: ",
        b"agi_network_script: main-menu\n",
        b"agi_request: agi://x/y\n",
        b":",
        b" ",
        b"\r\n",
        b"HANGUP\n",
        b"\x1b",
        b"\x07",
        b"\x00",
        b"\xff\xfe",
        b"\xc3\xa7",
        b"9" * 100,
    ]
)
REPLY_TOKENS = st.sampled_from(
    [
        b"200 result=0\n",
        b"200 result=-1\n",
        b"200 result=1 (hangup)\n",
        b"200 result=48\n",
        b"200 result=99999999999\n",
        b"200 result=\n",
        b"510 Invalid or unknown command\n",
        b"511 Command Not Permitted on a dead channel\n",
        b"520-Invalid command syntax.\n",
        b"520 End of proper usage.\n",
        b"HANGUP\n",
        b"200 result=1 (dtmf) endpos=8000\n",
        b"\n",
        b"200",
        b" result=",
        b"(",
        b")",
        b"=",
        b"-",
        b"\x00",
        b"\xff",
    ]
)


def fuzz_bytes(tokens: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=3000),
        st.lists(st.one_of(tokens, st.binary(max_size=6)), max_size=120).map(b"".join),
    )


@contextmanager
def asterisk_sending(data: bytes) -> Iterator[socket.socket]:
    """The IVR's end of a socket pair whose peer sent ``data`` and then closed its side."""
    ivr_end, asterisk_end = socket.socketpair()
    try:
        asterisk_end.sendall(data)
        asterisk_end.shutdown(socket.SHUT_WR)
        yield ivr_end
    finally:
        ivr_end.close()
        asterisk_end.close()


@FUZZ
@given(st.text(max_size=300))
def test_an_environment_line_is_parsed_or_refused(line: str) -> None:
    try:
        key, value = parse_environment_line(line)
    except AgiProtocolError:
        return
    assert key.startswith("agi_") and value == value.strip()


@pytest.mark.timeout(60)
@FUZZ
@given(fuzz_bytes(ENV_TOKENS))
def test_any_bytes_as_an_environment_end_in_a_channel_or_a_documented_error(data: bytes) -> None:
    with asterisk_sending(data) as sock:
        try:
            channel = FastAgiChannel(sock, env_timeout_s=2.0, idle_timeout_s=2.0)
        except (AgiProtocolError, CallerHungUp):
            return
    assert all(key.startswith("agi_") for key in channel.env)
    assert "agi_network_script" in channel.env or "agi_request" in channel.env


@pytest.mark.timeout(60)
@FUZZ
@given(fuzz_bytes(REPLY_TOKENS), st.sampled_from(["answer", "stream", "digit", "variable"]))
def test_any_reply_to_a_command_is_a_result_or_a_documented_error(
    data: bytes, command: str
) -> None:
    with asterisk_sending(VALID_ENV + data) as sock:
        channel = FastAgiChannel(sock, env_timeout_s=2.0, idle_timeout_s=2.0)
        for _ in range(3):  # a few commands in a row, as a menu sends them
            try:
                if command == "answer":
                    channel.answer()
                elif command == "stream":
                    channel.stream_file("/sounds/welcome", "0123")
                elif command == "digit":
                    channel.wait_for_digit(1000)
                else:
                    channel.get_variable("CHANNEL(linkedid)")
            except CallerHungUp:
                return  # the end of the call: no further command makes sense
            except DOCUMENTED:
                continue
