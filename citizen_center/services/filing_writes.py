"""What a program's filing writes, and writing it: one statement on PostgreSQL, in steps on SQLite.

An Open311 POST writes up to six kinds of row: the audit rows of the citizens it looked up, a
new citizen and their phone (with its "create" audit row), the request and its two events. As
one INSERT each, that was six round trips, each costing a few tenths of a millisecond of Python
and of PostgreSQL: most of the API's work per POST (bench/README.md). PostgreSQL runs them as
one statement whose data-modifying ``WITH`` parts hand the new ids on (``RETURNING``); its
foreign keys are checked at the end of the statement, so parent and child rows go in together,
and a statement is atomic. SQLite has no INSERT inside ``WITH``: the same rows are written one
INSERT per table, in the caller's transaction.

Both writers take the same ``FilingRows``, built once by ``client_filing``: what is written
does not depend on the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    ScalarSelect,
    Table,
    bindparam,
    insert,
    literal,
    select,
    union_all,
)

from citizen_center.models import (
    AuditLog,
    Citizen,
    CitizenPhone,
    RequestEvent,
    ServiceRequest,
    table_of,
)
from citizen_center.services.common import Actor

_CITIZEN = table_of(Citizen)
_PHONE = table_of(CitizenPhone)
_AUDIT = table_of(AuditLog)
_REQUEST = table_of(ServiceRequest)
_EVENT = table_of(RequestEvent)


@dataclass(frozen=True)
class NewCitizen:
    """A reporter nobody matched: registered with the request."""

    name: str
    email: str
    phones: tuple[str, ...]  # E.164, validated


@dataclass(frozen=True)
class FilingRows:
    """Every row of one filing. ``request`` holds service_request's columns (its
    ``citizen_id`` when the reporter was found; a ``citizen`` to register gives it instead);
    ``events`` request_event's columns but ``request_id``; ``reads`` the looked-up citizens'
    (id, detail) for the audit trail."""

    at: datetime
    actor: Actor
    request: Mapping[str, Any]
    events: Sequence[Mapping[str, Any]]
    reads: Sequence[tuple[int, str]] = ()
    citizen: NewCitizen | None = None


def write_filing(connection: Connection, rows: FilingRows) -> None:
    """Write ``rows`` in ``connection``'s transaction."""
    if connection.dialect.name == "postgresql":
        _write_in_one_statement(connection, rows)
    else:
        _write_in_steps(connection, rows)


# --------------------------------------------------------------------------- in steps


_INSERT_CITIZEN = insert(_CITIZEN).returning(_CITIZEN.c.id)
_INSERT_PHONE = insert(_PHONE)
_INSERT_AUDIT = insert(_AUDIT)
_INSERT_REQUEST = insert(_REQUEST).returning(_REQUEST.c.id)
_INSERT_EVENT = insert(_EVENT)


def _audit_row(
    rows: FilingRows, action: str, citizen_id: int | None, detail: str
) -> dict[str, Any]:
    return {
        "at": rows.at,
        "user_id": rows.actor.user_id,
        "actor_label": rows.actor.label,
        "action": action,
        "citizen_id": citizen_id,
        "detail": detail,
    }


def _citizen_columns(rows: FilingRows, citizen: NewCitizen) -> dict[str, Any]:
    return {
        "name": citizen.name,
        "cpf": None,
        "email": citizen.email,
        "created_at": rows.at,
        "updated_at": rows.at,
    }


def _write_in_steps(connection: Connection, rows: FilingRows) -> None:
    audits = [_audit_row(rows, "read", cid, detail) for cid, detail in rows.reads]
    request = dict(rows.request)
    if rows.citizen is not None:
        citizen_id: int = connection.execute(
            _INSERT_CITIZEN, _citizen_columns(rows, rows.citizen)
        ).scalar_one()
        if rows.citizen.phones:
            phones = [
                {"citizen_id": citizen_id, "e164": p, "label": ""} for p in rows.citizen.phones
            ]
            connection.execute(_INSERT_PHONE, phones)
        audits.append(_audit_row(rows, "create", citizen_id, ""))
        request["citizen_id"] = citizen_id
    if audits:
        connection.execute(_INSERT_AUDIT, audits)
    request_id: int = connection.execute(_INSERT_REQUEST, request).scalar_one()
    connection.execute(_INSERT_EVENT, [dict(e) | {"request_id": request_id} for e in rows.events])


# --------------------------------------------------------------------------- in one statement


@dataclass(frozen=True)
class _Shape:
    """What varies between filings' statements; each shape is built and compiled once."""

    new_citizen: bool
    phones: int
    reads: int
    request_columns: tuple[str, ...]
    event_columns: tuple[str, ...]
    events: int


def _write_in_one_statement(connection: Connection, rows: FilingRows) -> None:
    shape = _Shape(
        new_citizen=rows.citizen is not None,
        phones=len(rows.citizen.phones) if rows.citizen else 0,
        reads=len(rows.reads),
        request_columns=tuple(sorted(k for k in rows.request if k != "citizen_id")),
        event_columns=tuple(sorted(rows.events[0])),
        events=len(rows.events),
    )
    connection.execute(_one_statement(shape), _parameters(rows, shape))


def _parameters(rows: FilingRows, shape: _Shape) -> dict[str, Any]:
    values: dict[str, Any] = {f"r_{c}": rows.request[c] for c in shape.request_columns}
    values["r_citizen_id"] = rows.request.get("citizen_id")
    for n, event in enumerate(rows.events):
        values |= {f"e{n}_{c}": event[c] for c in shape.event_columns}
    for n, (citizen_id, detail) in enumerate(rows.reads):
        values |= {f"read{n}_citizen_id": citizen_id, f"read{n}_detail": detail}
    values |= {"a_at": rows.at, "a_user_id": rows.actor.user_id, "a_label": rows.actor.label}
    if rows.citizen is not None:
        values |= {f"c_{c}": v for c, v in _citizen_columns(rows, rows.citizen).items()}
        values |= {f"phone{n}": phone for n, phone in enumerate(rows.citizen.phones)}
    return values


def _param(table: Table, column: str, name: str) -> ColumnElement[Any]:
    return bindparam(name, type_=table.c[column].type)


@lru_cache(maxsize=64)
def _one_statement(shape: _Shape) -> Insert:
    """WITH new_citizen, its phones, the audit rows, new_request: INSERT the events."""
    parts: list[Any] = []
    citizen_id: ColumnElement[Any] | ScalarSelect[Any] = _param(
        _REQUEST, "citizen_id", "r_citizen_id"
    )
    audits: list[dict[str, Any]] = [
        _audit_values(f"read{n}_citizen_id", "read", f"read{n}_detail") for n in range(shape.reads)
    ]
    if shape.new_citizen:
        columns = ("name", "cpf", "email", "created_at", "updated_at")
        new_citizen = (
            insert(_CITIZEN)
            .values({c: _param(_CITIZEN, c, f"c_{c}") for c in columns})
            .returning(_CITIZEN.c.id)
            .cte("new_citizen")
        )
        citizen_id = select(new_citizen.c.id).scalar_subquery()
        parts += [
            insert(_PHONE)
            .from_select(
                ["citizen_id", "e164", "label"],
                select(new_citizen.c.id, _param(_PHONE, "e164", f"phone{n}"), literal("")),
                include_defaults=False,  # every column is given
            )
            .cte(f"new_phone{n}")
            for n in range(shape.phones)
        ]
        audits.append(_audit_values(citizen_id, "create", None))
        parts.insert(0, new_citizen)
    if audits:
        parts.append(_insert_rows(_AUDIT, audits).cte("audit"))
    new_request = (
        insert(_REQUEST)
        .values(
            {c: _param(_REQUEST, c, f"r_{c}") for c in shape.request_columns}
            | {"citizen_id": citizen_id}
        )
        .returning(_REQUEST.c.id)
        .cte("new_request")
    )
    events = [
        {"request_id": new_request.c.id}
        | {c: _param(_EVENT, c, f"e{n}_{c}") for c in shape.event_columns}
        for n in range(shape.events)
    ]
    return _insert_rows(_EVENT, events).add_cte(*parts)


def _insert_rows(table: Table, rows: list[dict[str, Any]]) -> Insert:
    """INSERT of several rows of SQL expressions, as INSERT .. SELECT .. UNION ALL SELECT: a
    multi-row VALUES of expressions is compiled anew at every execution (no cache key)."""
    selects = [select(*(value.label(column) for column, value in row.items())) for row in rows]
    # From a subquery, so SQLAlchemy can add the columns the rows leave to their defaults.
    source = union_all(*selects).subquery(f"new_{table.name}")
    return insert(table).from_select(list(rows[0]), select(*source.c))


def _audit_values(
    citizen_id: str | ScalarSelect[Any], action: str, detail: str | None
) -> dict[str, ColumnElement[Any]]:
    return {
        "at": _param(_AUDIT, "at", "a_at"),
        "user_id": _param(_AUDIT, "user_id", "a_user_id"),
        "actor_label": _param(_AUDIT, "actor_label", "a_label"),
        "action": literal(action),
        "citizen_id": (
            _param(_AUDIT, "citizen_id", citizen_id) if isinstance(citizen_id, str) else citizen_id
        ),
        "detail": _param(_AUDIT, "detail", detail) if detail else literal(""),
    }
