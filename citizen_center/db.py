"""Engines, sessions and transactions: the one place that begins, commits and rolls back.

Usage by both sides::

    db = Database.from_settings(load_settings())
    with db.transaction() as session:
        request = requests.open_request(session, ...)

A ``Database`` is thread-safe: each ``transaction()`` gets its own session from the pool.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from citizen_center.config import Settings
from citizen_center.errors import DatabaseUnavailableError
from citizen_center.sqltime import register_sqlite_functions

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_database_engine(
    url: str,
    *,
    echo: bool = False,
    connect_timeout: int = 5,
    statement_timeout_ms: int | None = None,
) -> Engine:
    """An engine for ``url``; ``statement_timeout_ms`` bounds every statement (and, on SQLite,
    the wait for the write lock), for callers that must not hang on a slow database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        busy_ms = statement_timeout_ms or SQLITE_BUSY_TIMEOUT_MS
        engine = create_engine(url, echo=echo, connect_args={"timeout": busy_ms / 1000})
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_immediately)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # Plain "postgresql://" URLs get psycopg 3, the driver we install.
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {"connect_timeout": connect_timeout}
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={statement_timeout_ms}"
    return create_engine(
        parsed,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args=connect_args,
    )


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when a transaction begins (see _begin_sqlite_...).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite has no time zones: reports group by local time through this function.
    register_sqlite_functions(dbapi_connection)


def _begin_sqlite_immediately(connection: Any) -> None:
    # Take the write lock at BEGIN so concurrent writers queue on busy_timeout instead of
    # failing with "database is locked" when a reader upgrades to a writer mid-transaction.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine and its session factory. Thread-safe; share one per process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(
        cls, url: str, *, echo: bool = False, statement_timeout_ms: int | None = None
    ) -> Database:
        engine = create_database_engine(url, echo=echo, statement_timeout_ms=statement_timeout_ms)
        return cls(engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls.from_url(settings.database.resolved_url(), echo=settings.database.echo)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error.

        Connection failures surface as ``DatabaseUnavailableError`` so the IVR and the desktop
        can tell "the database is down" from a bug.
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            if _is_connection_problem(exc):
                raise DatabaseUnavailableError(
                    f"Banco de dados indisponível: {exc.orig or exc}"
                ) from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _is_connection_problem(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        message = str(exc.orig).lower()
        # SQLite's "database is locked" past busy_timeout is also "unavailable" for a caller.
        return any(
            part in message
            for part in ("connect", "connection", "timeout", "locked", "terminat", "unable to open")
        )
    return False
