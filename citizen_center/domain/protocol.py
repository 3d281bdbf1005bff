"""Protocol numbers: what a citizen writes down and reads back on the phone.

Format: ``YYYY-NNNNNNN-C`` — the year the request was opened, a 7-digit sequence that restarts
every year (room for 10 million requests a year; the city had 1.3 million contacts in 2024), and
a Luhn check digit over the 11 digits before it. Stored as the 12 digits alone; read out digit by
digit in three groups. The check digit lets the IVR and the desktop reject a mistyped number
(any single wrong digit and most swapped neighbours) before looking it up.
"""

from __future__ import annotations

import re

from citizen_center.errors import ValidationError

SEQUENCE_DIGITS = 7
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1


def luhn_check_digit(digits: str) -> int:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def make_protocol_number(year: int, sequence: int) -> str:
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"protocol sequence {sequence} out of range for {year}")
    body = f"{year:04d}{sequence:0{SEQUENCE_DIGITS}d}"
    return body + str(luhn_check_digit(body))


def format_protocol_number(number: str) -> str:
    return f"{number[:4]}-{number[4:11]}-{number[11:]}"


def parse_protocol_number(text: str) -> str:
    """Accept what a person types or keys (with or without separators); return the 12 digits."""
    digits = re.sub(r"[\s.\-/]", "", text.strip())
    if not re.fullmatch(r"\d{12}", digits):
        raise ValidationError(
            f"Número de protocolo inválido: {text!r}. O formato é AAAA-NNNNNNN-D (12 dígitos)."
        )
    if luhn_check_digit(digits[:11]) != int(digits[11]):
        raise ValidationError(
            f"Número de protocolo inválido: {text!r} (dígito verificador não confere)."
        )
    return digits
