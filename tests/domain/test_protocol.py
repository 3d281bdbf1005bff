import pytest

from citizen_center.domain.protocol import (
    format_protocol_number,
    make_protocol_number,
    parse_protocol_number,
)
from citizen_center.errors import ValidationError


def test_number_format_round_trip() -> None:
    number = make_protocol_number(2026, 1234)
    assert len(number) == 12 and number.startswith("20260001234")
    assert format_protocol_number(number) == f"2026-0001234-{number[-1]}"
    assert parse_protocol_number(format_protocol_number(number)) == number
    assert parse_protocol_number(f" {number[:4]} {number[4:11]} {number[11]} ") == number


def test_every_single_digit_error_is_caught() -> None:
    number = make_protocol_number(2026, 987654)
    for position in range(12):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            typo = number[:position] + digit + number[position + 1 :]
            with pytest.raises(ValidationError, match="dígito verificador"):
                parse_protocol_number(typo)


@pytest.mark.parametrize("text", ["", "123", "2026-000123-4", "abcd-efghijk-l", "2026-0001234-55"])
def test_malformed_numbers_are_rejected_clearly(text: str) -> None:
    with pytest.raises(ValidationError, match="Número de protocolo inválido"):
        parse_protocol_number(text)


def test_sequence_range() -> None:
    with pytest.raises(ValueError):
        make_protocol_number(2026, 0)
    with pytest.raises(ValueError):
        make_protocol_number(2026, 10_000_000)
