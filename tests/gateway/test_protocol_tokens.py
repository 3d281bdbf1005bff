"""The wire format and the session tokens."""

from __future__ import annotations

import pytest

from citizen_center.domain.workflow import Role
from gateway.policy import SessionUser
from gateway.protocol import (
    ActionRequest,
    PbxMessage,
    ProtocolError,
    decode,
    decode_action,
    encode_event,
)
from gateway.tokens import TokenError, TokenSigner
from pbx.channel_vars import ChannelVar

ANA = SessionUser(7, "ana", "Ana Atendente", Role.AGENT, "PJSIP/agent-2001")


def test_an_event_keeps_repeated_headers_and_reads_channel_variables() -> None:
    event = PbxMessage(
        (
            ("Event", "AgentCalled"),
            ("ChanVariable", f"{ChannelVar.INTENT}=service"),
            ("ChanVariable", f"{ChannelVar.TEXT}=poste apagado=sim"),
        )
    )
    back = PbxMessage.from_pairs(decode(encode_event(event))["headers"])
    assert back == event
    assert back.variables() == {ChannelVar.INTENT: "service", ChannelVar.TEXT: "poste apagado=sim"}
    assert back.get("event") == "AgentCalled"


def test_an_action_round_trips() -> None:
    sent = ActionRequest("desk-1", "QueuePause", {"Interface": "PJSIP/a", "Paused": "true"})
    assert decode_action(decode(sent.encode())) == sent


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"type": "shutdown"}',
        '{"type": "action", "action": "Ping"}',
        '{"type": "action", "id": "1", "action": "Queue Pause"}',
        '{"type": "action", "id": "1", "action": "QueuePause", "fields": {"a": [1]}}',
        '{"type": "action", "id": "1", "action": "QueuePause", "fields": []}',
    ],
)
def test_malformed_messages_are_refused_clearly(text: str) -> None:
    with pytest.raises(ProtocolError):
        decode_action(decode(text))


def test_bad_header_pairs_are_refused() -> None:
    with pytest.raises(ProtocolError):
        PbxMessage.from_pairs([["Event"]])


def test_a_token_names_the_user_and_expires() -> None:
    signer = TokenSigner("k" * 32, 60)
    token, expires = signer.issue(ANA, now=1_000_000.0)
    assert expires == 1_000_060.0
    with pytest.raises(TokenError, match="expired"):
        signer.verify(token)
    fresh, _ = signer.issue(ANA)
    assert signer.verify(fresh) == ANA


def test_a_forged_or_foreign_token_is_refused() -> None:
    token, _ = TokenSigner("k" * 32, 60).issue(ANA)
    with pytest.raises(TokenError):
        TokenSigner("other-key-" * 4, 60).verify(token)
    with pytest.raises(TokenError):
        TokenSigner("k" * 32, 60).verify(token[:-3] + "abc")
    with pytest.raises(TokenError):
        TokenSigner("k" * 32, 60).verify("not.a.token")
