"""Property-based fuzzing of the AMI sans-I/O core: whatever bytes arrive, in whatever chunks,
``PacketBuffer``, ``parse_packet`` and ``AmiProtocol.receive`` return data, never raise, and
every action started completes exactly once (answered, or failed by ``connection_lost``)."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbx.ami.protocol import (
    AmiMessage,
    AmiProtocol,
    Completed,
    Event,
    Greeting,
    PacketBuffer,
    parse_packet,
)

# A few hundred milliseconds per property in the fast tier; FUZZ_EXAMPLES=5000 for a
# long run.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Bytes that look like AMI often enough to reach the matching rules, not only the splitter.
AMI_TOKENS = st.sampled_from(
    [
        b"\r\n",
        b"\r\n\r\n",
        b":",
        b": ",
        b"Response: Success",
        b"Response: Error",
        b"ActionID: c156-1",
        b"ActionID: c156-2",
        b"ActionID: c156-3",
        b"EventList: start",
        b"EventList: Complete",
        b"Event: QueueMember",
        b"Asterisk Call Manager/9.0.0",
        b"\xc3\xa7",
        b"\xc3",
        b"\x00",
        b"\n",
        b"\r",
    ]
)
AMI_BYTES = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.one_of(AMI_TOKENS, st.binary(max_size=8)), max_size=200).map(b"".join),
)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@FUZZ
@given(st.text(max_size=500))
def test_parse_packet_takes_any_text(text: str) -> None:
    message = parse_packet(text)
    assert isinstance(message, AmiMessage)
    for key, value in message.headers:
        assert ":" not in key and value == value.strip()


@FUZZ
@given(AMI_BYTES, st.lists(st.integers(min_value=0), max_size=20))
def test_packet_buffer_does_not_depend_on_how_bytes_are_cut(data: bytes, cuts: list[int]) -> None:
    whole = PacketBuffer().feed(data)
    buffer = PacketBuffer()
    pieces = [message for chunk in chunked(data, cuts) for message in buffer.feed(chunk)]
    assert pieces == whole
    assert len(whole) == data.count(b"\r\n\r\n")  # non-overlapping, left to right


@FUZZ
@given(
    st.integers(min_value=0, max_value=3),
    st.lists(st.booleans(), max_size=3),
    AMI_BYTES,
    st.lists(st.integers(min_value=0), max_size=20),
)
def test_protocol_completes_every_action_exactly_once_whatever_arrives(
    actions: int, lists: list[bool], data: bytes, cuts: list[int]
) -> None:
    protocol = AmiProtocol()
    started = {
        protocol.start_action("Ping", list_action=index < len(lists) and lists[index])[0]
        for index in range(actions)
    }
    completed: list[str] = []
    for chunk in chunked(b"Asterisk Call Manager/9.0.0\r\n" + data, cuts):
        for item in protocol.receive(chunk):
            assert isinstance(item, Greeting | Completed | Event)
            if isinstance(item, Completed):
                completed.append(item.action_id)
    completed += [item.action_id for item in protocol.connection_lost()]
    assert sorted(completed) == sorted(started)
    assert protocol.pending == ()


@pytest.mark.timeout(10)
def test_many_small_packets_in_one_read_are_split_in_linear_time() -> None:
    # 50,000 packets in one chunk: a split that copies the rest per packet is quadratic (tens
    # of gigabytes copied here, minutes), one split is linear (a fraction of a second).
    data = b"Event: X\r\n\r\n" * 50_000
    assert len(PacketBuffer().feed(data)) == 50_000
