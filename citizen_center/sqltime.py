"""Grouping timestamps by local hour, day or month in SQL, the same way on SQLite and PostgreSQL.

Reports group by the city's local time (a call at 01:30 UTC belongs to the previous day in
Porto Alegre). PostgreSQL does that natively (``date_trunc`` with a time zone); SQLite has no time
zones, so every SQLite connection gets a small deterministic function, ``c156_local_bucket``,
registered by ``citizen_center.db``. Both return something ``bucket_label`` turns into the same
label: ``"2026-03"`` (month), ``"2026-03-15"`` (day), ``"13"`` (hour of the day).
"""

from __future__ import annotations

import enum
import re
import sqlite3
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, SQLColumnExpression, func, literal_column

SQLITE_FUNCTION = "c156_local_bucket"


class Grain(enum.StrEnum):
    HOUR = "hour"  # hour of the day, 00-23, over the whole period (the daily profile)
    DAY = "day"
    MONTH = "month"


_FORMATS = {Grain.HOUR: "%H", Grain.DAY: "%Y-%m-%d", Grain.MONTH: "%Y-%m"}


def _sql_string(value: str) -> ColumnElement[Any]:
    # Inlined, not bound: the same expression appears in SELECT and GROUP BY, and PostgreSQL
    # only sees them as equal when their constants are literally the same.
    if not _SAFE.fullmatch(value):
        raise ValueError(f"unexpected characters in {value!r}")
    return literal_column(f"'{value}'")


_SAFE = re.compile(r"[A-Za-z0-9_/+%: -]+")


def local_bucket(
    column: SQLColumnExpression[Any], grain: Grain, tz: str, dialect: str
) -> ColumnElement[Any]:
    """An expression to GROUP BY: ``column`` (a UTC timestamp) truncated to ``grain`` in ``tz``."""
    if dialect == "postgresql":
        if grain is Grain.HOUR:
            return func.extract("hour", func.timezone(_sql_string(tz), column))
        # date_trunc's three-argument form (PostgreSQL 12+) truncates in the given zone.
        return func.date_trunc(_sql_string(grain.value), column, _sql_string(tz))
    function = getattr(func, SQLITE_FUNCTION)
    return function(column, _sql_string(_FORMATS[grain]), _sql_string(tz))  # type: ignore[no-any-return]


def seconds_between(
    start: SQLColumnExpression[Any], end: SQLColumnExpression[Any], dialect: str
) -> ColumnElement[Any]:
    """``end - start`` in seconds, as a number."""
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def bucket_label(value: Any, grain: Grain, tz: str) -> str:
    """The label of a value ``local_bucket`` produced, whichever engine produced it."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(_zone(tz)).strftime(_FORMATS[grain])
    return f"{int(value):02d}"  # the hour, from extract()


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _sqlite_local_bucket(stored: str | None, fmt: str, tz: str) -> str | None:
    if stored is None:
        return None
    # SQLAlchemy stores SQLite datetimes as UTC wall time, "YYYY-MM-DD HH:MM:SS.ffffff".
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return moment.astimezone(_zone(tz)).strftime(fmt)


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    connection.create_function(SQLITE_FUNCTION, 3, _sqlite_local_bucket, deterministic=True)
