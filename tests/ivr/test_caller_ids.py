"""Caller IDs as carriers send them: every shape is data, none is an error."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from citizen_center.logs import log_safe
from citizen_center.models import CALLER_NUMBER_LENGTH
from citizen_center.services.calls import bounded_caller_number
from ivr.agi import FastAgiChannel
from ivr.call import AgiCall
from ivr.runtime import IvrRuntime


def call_from(caller_id: str) -> AgiCall:
    channel = cast(FastAgiChannel, SimpleNamespace(env={"agi_callerid": caller_id}))
    runtime = cast(IvrRuntime, SimpleNamespace(policy=SimpleNamespace(default_area_code="51")))
    return AgiCall(channel, runtime)


@pytest.mark.parametrize(
    ("caller_id", "e164", "number"),
    [
        ("51999991234", "+5551999991234", "+5551999991234"),
        ("+5551", "", "+5551"),
        ("+0800123456", "", "+0800123456"),
        ("unknown", "", ""),
        ("", "", ""),
        ("anonymous", "", "anonymous"),
        ("+55\x1b[1m\x07" * 800, "", "+55\x1b[1m\x07" * 800),
    ],
    ids=["valid", "short-plus", "plus-0800", "withheld", "empty", "anonymous", "long-esc-bel"],
)
def test_any_caller_id_is_a_number_or_an_unknown_caller(
    caller_id: str, e164: str, number: str
) -> None:
    call = call_from(caller_id)
    assert call.caller_e164 == e164
    assert call.caller_number == number


def test_the_call_record_keeps_the_caller_id_as_given_up_to_its_column() -> None:
    assert bounded_caller_number("+5551") == "+5551"
    long_id = "+55\x1b[1m\x07" * 800
    assert bounded_caller_number(long_id) == long_id[:CALLER_NUMBER_LENGTH]
    assert bounded_caller_number("+55\x0051") == "+5551"  # PostgreSQL text cannot hold NUL


def test_log_safe_escapes_control_characters_and_bounds_the_length() -> None:
    assert log_safe("+55\x1b[31m\x07\n") == "+55\\x1b[31m\\x07\\x0a"
    assert log_safe("9" * 100, 10) == "9999999999...(+90 chars)"
    assert log_safe("Almoço") == "Almoço"
