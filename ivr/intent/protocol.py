"""Protocol numbers as callers say them.

Format (issued by the domain): 12 digits, ``YYYY`` + a 7-digit sequence + 1 check digit, written
``2026-0001234-5``. Callers read it digit by digit, in groups, or say the year as a number
("dois mil e vinte e seis"); every form reduces to its digits. The check digit is the domain's to
validate when it looks the request up.
"""

from __future__ import annotations

import re

from ivr.intent.normalise import digits_only

PROTOCOL_DIGITS = 12
_FORMAT = re.compile(r"^(\d{4})(\d{7})(\d)$")


def extract_protocol(spoken_or_keyed: str) -> str | None:
    """The 12 digits of a protocol number in speech or keys, or None when there are not 12.

    Extra leading words are ignored ("o protocolo é dois mil e vinte e seis ..."). Keyed input may
    end with ``#``.
    """
    digits = digits_only(spoken_or_keyed.replace("#", " "))
    return digits if len(digits) == PROTOCOL_DIGITS else None


def format_protocol(digits: str) -> str:
    """``202600012345`` -> ``2026-0001234-5``."""
    match = _FORMAT.match(digits)
    if match is None:
        raise ValueError(f"a protocol number has {PROTOCOL_DIGITS} digits, got {digits!r}")
    return "-".join(match.groups())


def protocol_groups(digits: str) -> tuple[str, str, str]:
    """The year, the sequence and the check digit, for reading back with pauses between groups."""
    year, sequence, check = format_protocol(digits).split("-")
    return year, sequence, check
