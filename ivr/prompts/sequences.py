"""Turn values into sequences of prompt keys for STREAM FILE (no synthesis during a call).

Each function returns keys of ``ivr.prompts.catalogue.all_prompts``; ``PAUSE`` is a short silence
file written by the builder, used between digit groups so a protocol number is easy to note down.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from ivr.intent.protocol import protocol_groups
from ivr.prompts.catalogue import STATUS_WORDS, YEARS

PAUSE = "pause"

# The domain's status codes, plus the pt-BR words, in any case and with spaces or underscores.
_STATUS_ALIASES = {
    **{code: code for code in STATUS_WORDS},
    **{word.replace(" ", "_"): code for code, word in STATUS_WORDS.items()},
    "canceled": "cancelled",
    "encerrado": "closed",
    "concluido": "resolved",
    "em_execucao": "in_progress",
}


def digit_keys(digits: str) -> list[str]:
    if not digits.isdigit():
        raise ValueError(f"not digits: {digits!r}")
    return [f"digit/{d}" for d in digits]


def number_keys(n: int) -> list[str]:
    """Keys speaking 0 <= n <= 9999 the way ``catalogue.number_words`` writes it."""
    if not 0 <= n <= 9999:
        raise ValueError(f"number out of range for speech: {n}")
    if n < 100:
        return [f"num/{n}"]
    thousands, rest = divmod(n, 1000)
    keys: list[str] = []
    if thousands:
        keys += ["num/thousand"] if thousands == 1 else [f"num/{thousands}", "num/thousand"]
    if rest:
        hundreds, tail = divmod(rest, 100)
        if thousands and (hundreds == 0 or tail == 0):
            keys.append("num/and")
        if rest == 100:
            keys.append("num/100")
        else:
            if hundreds:
                keys.append("num/cento" if hundreds == 1 else f"num/{hundreds * 100}")
            if hundreds and tail:
                keys.append("num/and")
            if tail:
                keys.append(f"num/{tail}")
    return keys


def protocol_keys(digits: str) -> list[str]:
    """ "Protocolo número 2 0 2 6 - 0 0 0 1 2 3 4 - 5", digit by digit, pausing between groups."""
    year, sequence, check = protocol_groups(digits)
    return [
        "protocol/number",
        *digit_keys(year),
        PAUSE,
        *digit_keys(sequence),
        PAUSE,
        *digit_keys(check),
    ]


def year_keys(year: int) -> list[str]:
    return [f"year/{year}"] if year in YEARS else number_keys(year)


def date_keys(day: date) -> list[str]:
    """ "dia 5 de março de 2026" ("dia primeiro" on the 1st)."""
    day_key = "date/first" if day.day == 1 else f"num/{day.day}"
    return ["date/day", day_key, "date/of", f"month/{day.month}", "date/of", *year_keys(day.year)]


def open_requests_keys(count: int) -> list[str]:
    """ "Você tem 3 solicitações em aberto." (empty when there are none)."""
    if count <= 0:
        return []
    if count == 1:
        return ["open_requests/one"]
    return ["open_requests/before", *number_keys(min(count, 9999)), "open_requests/after"]


def status_key(status: str) -> str:
    """The key for a request status given as the domain's code or the pt-BR word."""
    plain = unicodedata.normalize("NFKD", status.strip().lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c)).replace(" ", "_")
    plain = plain.replace("-", "_")
    if plain not in _STATUS_ALIASES:
        raise KeyError(f"unknown request status {status!r}")
    return f"status/{_STATUS_ALIASES[plain]}"


def deadline_keys(late: bool) -> list[str]:
    return ["deadline/late" if late else "deadline/on_time"]


def status_readback_keys(
    protocol_digits: str, service_code: str, status: str, expected: date | None, late: bool
) -> list[str]:
    """The whole read-back of a protocol consultation."""
    keys = [
        *protocol_keys(protocol_digits),
        PAUSE,
        "protocol/service",
        f"service/{service_code}",
        PAUSE,
        "protocol/status",
        status_key(status),
        PAUSE,
    ]
    if expected is None:
        keys.append("protocol/no_expected")
    else:
        keys += ["protocol/expected", *date_keys(expected), *deadline_keys(late)]
    return keys


def joined_readback_keys(duplicate_digits: str, parent_readback: list[str]) -> list[str]:
    """A duplicate's read-back: its own number, that it was joined to another protocol, then
    that protocol's whole read-back (``status_readback_keys``: number, service, status, date)."""
    return [*protocol_keys(duplicate_digits), PAUSE, "protocol/joined", *parent_readback]


def confirm_service_keys(service_code: str | None, queue_code: str | None) -> list[str]:
    """ "Você disse <serviço>? Diga sim ou tecle 1..." """
    if service_code:
        target = f"service/{service_code}"
    elif queue_code:
        target = f"queue/{queue_code}"
    else:
        raise ValueError("nothing to confirm: neither a service nor a queue")
    return ["confirm/you_said", target, "confirm/say_yes"]


def transfer_keys(queue_code: str) -> list[str]:
    return ["transfer/queue", f"queue/{queue_code}"]
