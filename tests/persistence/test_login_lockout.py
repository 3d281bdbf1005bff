"""Logins: every attempt recorded, the lockout after wrong passwords, and lifting it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from citizen_center.db import Database
from citizen_center.domain.access import LoginFailure
from citizen_center.domain.workflow import Role
from citizen_center.errors import NotFoundError
from citizen_center.models import LoginAttempt, User
from citizen_center.services import users
from citizen_center.services.users import LoginResult

PASSWORD = "senha-certa-1"
T0 = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)


@pytest.fixture
def db(migrated_db: Database) -> Database:
    with migrated_db.transaction() as session:
        users.create_user(
            session, username="ana", full_name="Ana Lima", role=Role.AGENT, password=PASSWORD
        )
    return migrated_db


def login(
    db: Database,
    password: str,
    at: datetime,
    username: str = "ana",
    *,
    source: str = "",
    roles: set[Role] | None = None,
    max_failures: int = users.MAX_FAILURES,
    lockout: timedelta = users.LOCKOUT,
) -> LoginResult:
    # Each try in its own committed transaction, as the desktop does.
    with db.transaction() as session:
        result = users.authenticate(
            session,
            username,
            password,
            roles=roles,
            source=source,
            max_failures=max_failures,
            lockout=lockout,
            now=at,
        )
        if result.user is not None:
            session.expunge(result.user)
        return result


def attempts(db: Database) -> list[tuple[str, int | None, bool, LoginFailure | None, str]]:
    with db.transaction() as session:
        rows = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
        return [(a.username, a.user_id, a.succeeded, a.failure, a.source) for a in rows]


def stored_user(db: Database) -> tuple[int, datetime | None]:
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == "ana")).one()
        return user.failed_logins, user.locked_until


def test_wrong_passwords_lock_the_user_even_against_the_right_one(db: Database) -> None:
    for minute in range(4):
        assert login(db, "errada", T0 + timedelta(minutes=minute)).failure is (
            LoginFailure.WRONG_PASSWORD
        )
    assert stored_user(db) == (4, None)
    fifth = T0 + timedelta(minutes=4)
    assert login(db, "errada", fifth).failure is LoginFailure.WRONG_PASSWORD
    assert stored_user(db) == (5, fifth + users.LOCKOUT)

    refused = login(db, PASSWORD, fifth + timedelta(minutes=14))
    assert refused == LoginResult(None, LoginFailure.LOCKED)
    assert stored_user(db) == (5, fifth + users.LOCKOUT)  # a locked try neither counts nor extends


def test_the_lock_runs_out_and_then_the_count_starts_again(db: Database) -> None:
    for minute in range(3):
        login(
            db,
            "errada",
            T0 + timedelta(minutes=minute),
            max_failures=3,
            lockout=timedelta(minutes=10),
        )
    locked_until = T0 + timedelta(minutes=12)
    assert stored_user(db) == (3, locked_until)
    assert login(db, PASSWORD, locked_until - timedelta(seconds=1)).failure is LoginFailure.LOCKED

    # Once the lock has run out one wrong password does not lock again at once.
    assert login(db, "errada", locked_until, max_failures=3).failure is (
        LoginFailure.WRONG_PASSWORD
    )
    assert stored_user(db) == (1, None)
    ok = login(db, PASSWORD, locked_until + timedelta(minutes=1))
    assert ok.failure is None and ok.user is not None and ok.user.username == "ana"


def test_a_right_password_resets_the_count(db: Database) -> None:
    for minute in range(4):
        login(db, "errada", T0 + timedelta(minutes=minute))
    assert login(db, PASSWORD, T0 + timedelta(minutes=5)).user is not None
    assert stored_user(db) == (0, None)
    for minute in range(4):  # four more do not lock: the count started again
        login(db, "errada", T0 + timedelta(minutes=10 + minute))
    assert stored_user(db) == (4, None)
    assert login(db, PASSWORD, T0 + timedelta(minutes=20)).user is not None


def test_every_attempt_is_recorded_with_its_reason(db: Database) -> None:
    with db.transaction() as session:
        users.create_user(
            session, username="sup", full_name="Sup", role=Role.SUPERVISOR, password=PASSWORD
        )
        session.scalars(select(User).where(User.username == "sup")).one().active = False
        ana_id = session.scalars(select(User.id).where(User.username == "ana")).one()
        sup_id = session.scalars(select(User.id).where(User.username == "sup")).one()
    login(db, PASSWORD, T0, source="10.0.0.7")
    login(db, "errada", T0, source="10.0.0.7")
    login(db, PASSWORD, T0, username="ninguem", source="10.0.0.8")
    login(db, PASSWORD, T0, username="sup")
    assert login(db, PASSWORD, T0, roles={Role.SUPERVISOR}) == LoginResult(
        None, LoginFailure.WRONG_ROLE
    )
    login(db, PASSWORD, T0, username="x" * 300, source="y" * 300)
    recorded = attempts(db)
    assert recorded[:5] == [
        ("ana", ana_id, True, None, "10.0.0.7"),
        ("ana", ana_id, False, LoginFailure.WRONG_PASSWORD, "10.0.0.7"),
        ("ninguem", None, False, LoginFailure.UNKNOWN_USER, "10.0.0.8"),
        ("sup", sup_id, False, LoginFailure.INACTIVE, ""),
        ("ana", ana_id, False, LoginFailure.WRONG_ROLE, ""),
    ]
    # What was typed is kept, cut to the columns, rather than refused by the database.
    assert recorded[5] == (
        "x" * LoginAttempt.USERNAME_LENGTH,
        None,
        False,
        LoginFailure.UNKNOWN_USER,
        "y" * LoginAttempt.SOURCE_LENGTH,
    )


def test_an_administrator_unlocks_a_user(db: Database) -> None:
    for minute in range(5):
        login(db, "errada", T0 + timedelta(minutes=minute))
    assert stored_user(db)[1] is not None
    with db.transaction() as session:
        users.unlock_user(session, "ana")
    assert stored_user(db) == (0, None)
    assert login(db, PASSWORD, T0 + timedelta(minutes=5)).user is not None
    with pytest.raises(NotFoundError), db.transaction() as session:
        users.unlock_user(session, "ninguem")
