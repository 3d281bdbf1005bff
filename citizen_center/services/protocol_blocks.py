"""Protocol numbers for a busy server process: reserved a block at a time, in a transaction of
their own, so writers no longer queue on the year's counter row.

``reserve_protocol_sequences`` locks the year's counter row until the transaction that took the
number commits: every other writer waits for the whole of that transaction. With the Open311 API
at 16 concurrent POSTs, ``pg_stat_activity`` showed 10 to 15 sessions waiting on that lock at any
moment (bench/README.md). A ``ProtocolBlocks`` reserves ``size`` numbers with one upsert that
commits at once (the lock is held for that statement alone, microseconds) and hands them out
from memory, one per request, under a thread lock. Uniqueness is the counter's, as before: every
block is a range no other writer gets.

The price, accepted for the API (a protocol number is an identifier, not an invoice number):
numbers of a block not yet handed out are lost when the process stops (a gap of at most
``size`` per process and restart), and two processes hand out their blocks at the same time,
so numbers are not in the order of filing across processes. A POST refused by a check takes no
number (the number is taken after every check). On SQLite the database's single write lock is
held from BEGIN to commit anyway, and a second connection would wait for it: the number is
reserved in the request's own transaction, as ``issue_protocol_number`` does.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.orm import Session

from citizen_center.domain.protocol import make_protocol_number
from citizen_center.services.common import DEFAULT_POLICY, Policy
from citizen_center.services.requests import issue_protocol_number, reserve_protocol_sequences

DEFAULT_BLOCK_SIZE = 20


class ProtocolBlocks:
    """One process's source of protocol numbers (thread-safe)."""

    def __init__(self, size: int = DEFAULT_BLOCK_SIZE) -> None:
        if size < 1:
            raise ValueError("a block holds at least one number")
        self.size = size
        self._lock = threading.Lock()
        self._year = 0
        self._block = range(0)
        self._engine: Engine | None = None

    def issue(self, session: Session, when: datetime, policy: Policy = DEFAULT_POLICY) -> str:
        """The next number for a request opened ``when`` in ``session``'s transaction."""
        bind = session.get_bind()
        engine = bind.engine if isinstance(bind, Connection) else bind
        if engine.dialect.name != "postgresql":
            return issue_protocol_number(session, when, policy)
        year = when.astimezone(policy.tz).year
        with self._lock:
            if year != self._year or not self._block:
                self._block = self._reserve(engine, year)
                self._year = year
            sequence, self._block = self._block[0], self._block[1:]
        return make_protocol_number(year, sequence)

    def _reserve(self, engine: Engine, year: int) -> range:
        """A block in its own transaction, committed before any number of it is used."""
        with Session(self._own_engine(engine)) as session, session.begin():
            return reserve_protocol_sequences(session, year, self.size)

    def _own_engine(self, engine: Engine) -> Engine:
        """One connection of its own: borrowing from the requests' pool could wait forever
        when every pooled connection is in a transaction waiting for a number."""
        if self._engine is None or self._engine.url != engine.url:
            self._engine = create_engine(
                engine.url, pool_size=1, max_overflow=0, pool_pre_ping=True
            )
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
