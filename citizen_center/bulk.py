"""Fast bulk loading of many rows (demo data, benchmarks, imports) on SQLite and PostgreSQL.

The ORM, and even Core ``insert()`` with executemany, spend most of their time per value in
Python (type processors, parameter dicts). For millions of rows this module goes one level down,
inside the caller's transaction: ``executemany`` on the driver for SQLite and ``COPY`` for
PostgreSQL. Rows are plain tuples of Python values (str, int, float, bool, aware datetimes,
dicts for JSON columns); the column types of the mapped table decide how each value is stored,
the same way the ORM stores it, so rows written here read back like any other.

Primary keys are given by the caller (``next_id``), so related rows can refer to each other
without a round trip; ``finish`` then moves PostgreSQL's id sequences past them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.orm import Session

from citizen_center.models import UTCDateTime

Converter = Callable[[Any], Any]


def _sqlite_datetime(value: datetime) -> str:
    # The storage format of SQLAlchemy's SQLite DATETIME (UTC wall time, always microseconds),
    # so string comparisons in queries keep working across rows written by either path.
    return value.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")[:26]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class BulkWriter:
    """Writes rows straight through the driver of ``session``'s connection."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self._quote = session.get_bind().dialect.identifier_preparer.quote

    def next_id(self, table: Table) -> int:
        """The first free id of ``table`` (callers number their rows from here)."""
        return int(self.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        converters = self._converters(table, columns)
        prepared = [_convert(row, converters) for row in rows] if converters else list(rows)
        if not prepared:
            return 0
        if self.dialect == "postgresql":
            self._copy(table, columns, prepared)
        else:
            self._executemany(table, columns, prepared)
        return len(prepared)

    def finish(self, tables: Iterable[Table]) -> None:
        """After explicit ids: make PostgreSQL's sequences continue after the highest id."""
        if self.dialect != "postgresql":
            return
        for table in tables:
            self.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:name, 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {self._quote(table.name)}), false)"
                ),
                {"name": table.name},
            )

    def _converters(self, table: Table, columns: Sequence[str]) -> list[tuple[int, Converter]]:
        result: list[tuple[int, Converter]] = []
        for index, name in enumerate(columns):
            kind = table.c[name].type
            if isinstance(kind, JSON):
                result.append((index, _json))
            elif isinstance(kind, UTCDateTime) and self.dialect != "postgresql":
                result.append((index, _sqlite_datetime))
        return result

    def _executemany(
        self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        names = ", ".join(self._quote(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {self._quote(table.name)} ({names}) VALUES ({marks})"
        self.session.connection().exec_driver_sql(statement, rows)

    def _copy(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(self._quote(c) for c in columns)
        raw = self.session.connection().connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {self._quote(table.name)} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


def _convert(row: tuple[Any, ...], converters: list[tuple[int, Converter]]) -> tuple[Any, ...]:
    values = list(row)
    for index, convert in converters:
        if values[index] is not None:
            values[index] = convert(values[index])
    return tuple(values)
