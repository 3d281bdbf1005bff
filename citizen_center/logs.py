"""Structured logs: one ``key=value`` line per event, with the call's uniqueid if there is one."""

from __future__ import annotations

import contextvars
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# The Asterisk uniqueid of the call a thread or task is serving, added to every log line.
current_call: contextvars.ContextVar[str] = contextvars.ContextVar("current_call", default="-")


@contextmanager
def call_context(uniqueid: str) -> Iterator[None]:
    token = current_call.set(uniqueid)
    try:
        yield
    finally:
        current_call.reset(token)


# C0 controls, DEL and C1 controls: ESC could drive the terminal that shows a log, BEL ring it,
# a newline forge a log line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def log_safe(value: str, limit: int = 64) -> str:
    """``value`` fit for a log line: control characters escaped (``\\x1b``), at most ``limit``
    characters of it, with how much was cut. For data a caller controls (caller IDs...)."""
    cut = len(value) - limit
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value[:limit])
    return f"{text}...(+{cut} chars)" if cut > 0 else text


class _CallFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.call = current_call.get()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_CallFilter())
    handler.setFormatter(
        logging.Formatter(
            "ts=%(asctime)s level=%(levelname)s logger=%(name)s call=%(call)s msg=%(message)s"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
