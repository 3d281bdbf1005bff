"""Pooled PostgreSQL connections: checked before use when they sat idle (the web server's
``Ping.AFTER_IDLE``), so a connection the server dropped is replaced without a failed request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect

from citizen_center import db as db_module
from citizen_center.db import Database, Ping
from citizen_center.errors import DatabaseUnavailableError


@pytest.fixture
def idle_pinged(postgres_db: Database) -> Iterator[Database]:
    url = postgres_db.engine.url.render_as_string(hide_password=False)
    database = Database.from_url(url, ping=Ping.AFTER_IDLE)
    try:
        yield database
    finally:
        database.dispose()


def _backend_of(database: Database) -> int:
    with database.transaction() as session:
        backend: int = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return backend


def test_only_a_connection_that_sat_idle_is_pinged(
    idle_pinged: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[DBAPIConnection] = []
    dialect = type(idle_pinged.engine.dialect)
    real_ping = dialect.do_ping

    def counted(self: Dialect, dbapi_connection: DBAPIConnection) -> bool:
        pings.append(dbapi_connection)
        return real_ping(self, dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    first = _backend_of(idle_pinged)  # a new connection: nothing to check
    assert _backend_of(idle_pinged) == first  # back at once: reused, not pinged
    assert pings == []
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 0.0)
    assert _backend_of(idle_pinged) == first  # alive: pinged, kept
    assert len(pings) == 1


def test_a_connection_dropped_while_idle_is_replaced(
    idle_pinged: Database, postgres_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ended the pooled connection (a restart, an idle timeout): after the idle
    time, the check finds it dead and the pool connects again; the transaction never sees it."""
    dropped = _backend_of(idle_pinged)
    with postgres_db.transaction() as session:
        assert session.execute(text(f"SELECT pg_terminate_backend({dropped})")).scalar_one()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 0.0)
    assert _backend_of(idle_pinged) != dropped


def test_within_the_idle_time_a_dropped_connection_fails_one_transaction_only(
    idle_pinged: Database, postgres_db: Database
) -> None:
    """The price of skipping the ping: the first transaction on the dropped connection fails
    (as "database unavailable", never half-written), and SQLAlchemy renews the pool for the
    next one."""
    dropped = _backend_of(idle_pinged)
    with postgres_db.transaction() as session:
        session.execute(text(f"SELECT pg_terminate_backend({dropped})"))
    with pytest.raises(DatabaseUnavailableError):
        _backend_of(idle_pinged)
    assert _backend_of(idle_pinged) != dropped
