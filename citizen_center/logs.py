"""Structured logs: one ``key=value`` line per event, with the call's uniqueid if there is one."""

from __future__ import annotations

import contextvars
import logging
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
