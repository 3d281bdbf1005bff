"""Engines, sessions and transactions: the one place that begins, commits and rolls back.

Usage by both sides::

    db = Database.from_settings(load_settings())
    with db.transaction() as session:
        request = requests.open_request(session, ...)

A ``Database`` is thread-safe: each ``transaction()`` gets its own session from the pool.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from citizen_center.config import ENV_PREFIX, Settings
from citizen_center.errors import (
    CitizenCenterError,
    DatabaseConfigError,
    DatabaseUnavailableError,
)
from citizen_center.sqltime import register_sqlite_functions

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# With Ping.AFTER_IDLE, a pooled PostgreSQL connection idle for longer is pinged before use.
PING_AFTER_IDLE_S = 5.0


class Ping(StrEnum):
    """When a pooled PostgreSQL connection is checked before a transaction uses it."""

    # SQLAlchemy's pool_pre_ping: a restarted server costs no transaction. For the IVR and the
    # desktop, where a failed transaction is a caller's record to journal or an agent's retry.
    EVERY_USE = "every-use"
    # Only after PING_AFTER_IDLE_S idle: a busy server (the web) saves a round trip per
    # transaction; a restart fails the transactions already under way, then the pool renews.
    AFTER_IDLE = "after-idle"


# Where the URL comes from, named in errors so the message says what to change.
URL_SETTING = f"{ENV_PREFIX}DATABASE_URL (or [database] url in the configuration file)"
DEFAULT_URL_SETTING = f"{ENV_PREFIX}DATA_DIR (or set {ENV_PREFIX}DATABASE_URL)"


def create_database_engine(
    url: str,
    *,
    echo: bool = False,
    connect_timeout: int = 5,
    statement_timeout_ms: int | None = None,
    setting: str = URL_SETTING,
    ping: Ping = Ping.EVERY_USE,
) -> Engine:
    """An engine for ``url``; ``statement_timeout_ms`` bounds every statement (and, on SQLite,
    the wait for the write lock), for callers that must not hang on a slow database; ``ping``
    says when a pooled PostgreSQL connection is checked.

    A URL that names no usable database raises ``DatabaseConfigError`` naming ``setting``."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise DatabaseConfigError(
            f"database URL {_redact(url)!r} is malformed: fix {setting} "
            "(e.g. sqlite:////var/lib/central156/central156.sqlite3 or "
            "postgresql://user:password@host/central156)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _make_folder(Path(parsed.database).parent, setting)
        busy_ms = statement_timeout_ms or SQLITE_BUSY_TIMEOUT_MS
        engine = _create_engine(
            parsed, setting, echo=echo, connect_args={"timeout": busy_ms / 1000}
        )
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_immediately)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # Plain "postgresql://" URLs get psycopg 3, the driver we install.
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {"connect_timeout": connect_timeout}
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={statement_timeout_ms}"
    engine = _create_engine(
        parsed,
        setting,
        echo=echo,
        pool_pre_ping=ping is Ping.EVERY_USE,
        pool_size=10,
        max_overflow=20,
        connect_args=connect_args,
    )
    if ping is Ping.AFTER_IDLE:
        event.listen(engine, "checkin", _note_checkin)
        event.listen(engine, "checkout", _idle_pinger(engine.dialect))
    return engine


def _create_engine(url: URL, setting: str, **options: Any) -> Engine:
    try:
        return create_engine(url, **options)
    except NoSuchModuleError:
        raise DatabaseConfigError(
            f"database URL {_shown(url)!r} names an unknown kind of database "
            f"{url.drivername!r}: fix {setting}; use sqlite:///<file> or "
            "postgresql://user:password@host/name"
        ) from None
    except ImportError as exc:
        raise DatabaseConfigError(
            f"database URL {_shown(url)!r}: its driver is not installed ({exc.name}): use "
            f"postgresql:// (psycopg) or sqlite:///, or install the driver"
        ) from None


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["checked_in"] = time.monotonic()


def _idle_pinger(dialect: Dialect) -> Callable[[Any, ConnectionPoolEntry, Any], None]:
    """``Ping.AFTER_IDLE``: SQLAlchemy's pre-ping (the dialect's ``do_ping``) for connections
    that sat idle; one back in use within ``PING_AFTER_IDLE_S`` skips the round trip (a busy web
    server's every transaction paid one: bench/README.md). Raising ``DisconnectionError`` makes
    the pool replace the connection and check out again (SQLAlchemy's documented custom ping);
    SQLAlchemy has no idle threshold of its own."""

    def ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("checked_in")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc
        if not alive:
            raise DisconnectionError("stale pooled connection")

    return ping_if_idle


def _make_folder(folder: Path, setting: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseConfigError(
            f"cannot create the database folder {folder} ({exc.strerror}): make it writable "
            f"or point {setting} to a writable place"
        ) from None


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

    def __init__(self, engine: Engine, setting: str = URL_SETTING) -> None:
        self.engine = engine
        self.setting = setting
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        echo: bool = False,
        statement_timeout_ms: int | None = None,
        setting: str = URL_SETTING,
        ping: Ping = Ping.EVERY_USE,
    ) -> Database:
        engine = create_database_engine(
            url, echo=echo, statement_timeout_ms=statement_timeout_ms, setting=setting, ping=ping
        )
        return cls(engine, setting)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        statement_timeout_ms: int | None = None,
        ping: Ping = Ping.EVERY_USE,
    ) -> Database:
        setting = URL_SETTING if settings.database.url else DEFAULT_URL_SETTING
        return cls.from_url(
            settings.database.resolved_url(),
            echo=settings.database.echo,
            statement_timeout_ms=statement_timeout_ms,
            setting=setting,
            ping=ping,
        )

    def check(self) -> None:
        """Connect and ask a trivial question: the commands' start-up probe, so a database that
        cannot be used stops them with one line naming the fix (``DatabaseConfigError`` for a
        mistake, ``DatabaseUnavailableError`` for a server that does not answer)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            raise explain_database_error(exc, self.engine.url, self.setting) from exc

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


def open_database(
    settings: Settings,
    *,
    schema: bool = True,
    statement_timeout_ms: int | None = None,
    ping: Ping = Ping.EVERY_USE,
) -> Database:
    """The configured database, checked the way a command starting up needs it: reachable,
    usable and (with ``schema``) migrated to this version. Failures are one-line
    ``CitizenCenterError``s naming the fix (the CLI prints them as ``Error: ...``)."""
    database = Database.from_settings(
        settings, statement_timeout_ms=statement_timeout_ms, ping=ping
    )
    try:
        database.check()
        if schema:
            from citizen_center.migrate import require_current  # migrate imports this module

            require_current(database)
    except BaseException:
        database.dispose()
        raise
    return database


def explain_database_error(exc: DBAPIError, url: URL, setting: str) -> CitizenCenterError:
    """What went wrong opening the database at ``url``, in one line with the fix."""
    reason = _first_line(exc.orig if exc.orig is not None else exc)
    low = reason.lower()
    if url.get_backend_name() == "sqlite":
        path = url.database or ":memory:"
        if "not a database" in low or "encrypted" in low:
            return DatabaseConfigError(
                f"{path} is not a SQLite database: point {setting} to the Central 156 database, "
                "or move this file away and run `central156 db upgrade` to create a new one"
            )
        if "locked" in low:
            return DatabaseUnavailableError(
                f"{path} is locked by another program ({reason}): wait for it, or stop it"
            )
        return DatabaseConfigError(
            f"cannot open or write {path} ({reason}): make {Path(path).parent} writable "
            f"or point {setting} to a writable place"
        )
    server = f"{url.host or 'localhost'}:{url.port or 5432}"
    if "password" in low or ("role" in low and "does not exist" in low):
        return DatabaseConfigError(
            f"PostgreSQL at {server} refused the login ({reason}): fix the user or password "
            f"in {setting}"
        )
    if "database" in low and "does not exist" in low:
        return DatabaseConfigError(
            f"PostgreSQL at {server} has no database {url.database!r}: create it "
            f"(createdb {url.database}) or fix {setting}"
        )
    return DatabaseUnavailableError(
        f"cannot connect to PostgreSQL at {server} ({reason}): start PostgreSQL, or fix {setting}"
    )


def _first_line(error: BaseException) -> str:
    # Drivers' messages run over several lines (psycopg adds hints); the first says what failed.
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text_ = lines[0] if lines else type(error).__name__
    return text_.removeprefix("connection failed: ")


def _redact(url: str) -> str:
    # A URL that does not parse may still hold a password: hide what sits between ":" and "@".
    return re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


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
