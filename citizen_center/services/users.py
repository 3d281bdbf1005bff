"""Users of the desktop (agents, supervisors, focal points, admins) and their passwords."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.domain.access import LoginFailure
from citizen_center.domain.workflow import Role
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import LoginAttempt, Secretariat, User, utcnow

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    role: Role | str,
    password: str,
    secretariat_code: str | None = None,
    phone_interface: str = "",
) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"A senha deve ter pelo menos {MIN_PASSWORD_LENGTH} caracteres.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError(f"O usuário {username!r} já existe.")
    role = Role(role)
    secretariat_id = None
    if secretariat_code is not None:
        secretariat_id = session.scalar(
            select(Secretariat.id).where(Secretariat.code == secretariat_code)
        )
        if secretariat_id is None:
            raise ValidationError(f"Secretaria desconhecida: {secretariat_code!r}.")
    if role is Role.FOCAL_POINT and secretariat_id is None:
        raise ValidationError("Um ponto focal precisa de uma secretaria.")
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        password_hash=_hasher.hash(password),
        secretariat_id=secretariat_id,
        phone_interface=phone_interface,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"A senha deve ter pelo menos {MIN_PASSWORD_LENGTH} caracteres.")
    user.password_hash = _hasher.hash(password)


@dataclass(frozen=True)
class LoginResult:
    """The user when the login succeeded; otherwise why it did not.

    ``failure`` is for the records and for choosing what to tell the person, which should be
    no more than "wrong user or password" (saying more helps whoever is guessing), except
    ``WRONG_ROLE``: the password was right, so the person is who they say.
    """

    user: User | None
    failure: LoginFailure | None = None


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    roles: Collection[Role] | None = None,
    max_failures: int = MAX_FAILURES,
    lockout: timedelta = LOCKOUT,
    source: str = "",
    now: datetime | None = None,
) -> LoginResult:
    """Check a login, record the attempt, and lock the user after too many wrong passwords.

    ``max_failures`` wrong passwords in a row lock the user for ``lockout``: until then even the
    right password is refused. A right password resets the count. ``roles``, when given, are
    the roles the asking application admits.

    The attempt is only flushed: the caller must commit the transaction whatever the result,
    or the failures (and so the lockout) are lost with the rollback.
    """
    if max_failures < 1:
        raise ValueError("max_failures must be at least 1")
    moment = now or utcnow()
    # Locked so that concurrent wrong passwords each count (PostgreSQL; SQLite writes serially).
    user = session.scalar(select(User).where(User.username == username).with_for_update())
    failure = _check(user, password, roles, max_failures, lockout, moment)
    session.add(
        LoginAttempt(
            at=moment,
            username=username[: LoginAttempt.USERNAME_LENGTH],
            user_id=user.id if user is not None else None,
            source=source[: LoginAttempt.SOURCE_LENGTH],
            succeeded=failure is None,
            failure=failure,
        )
    )
    session.flush()
    return LoginResult(user if failure is None else None, failure)


def _check(
    user: User | None,
    password: str,
    roles: Collection[Role] | None,
    max_failures: int,
    lockout: timedelta,
    now: datetime,
) -> LoginFailure | None:
    if user is None or not user.active:
        # As slow as a real check, so the time taken does not tell which names exist.
        _verify(_dummy_hash(), password)
        return LoginFailure.UNKNOWN_USER if user is None else LoginFailure.INACTIVE
    if user.locked_until is not None:
        if now < user.locked_until:
            return LoginFailure.LOCKED
        # The lock has run out: a fresh start, not one wrong password from locking again.
        user.locked_until = None
        user.failed_logins = 0
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
        return LoginFailure.WRONG_PASSWORD
    user.failed_logins = 0
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    if roles is not None and user.role not in roles:
        return LoginFailure.WRONG_ROLE
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash("no user has this password")


def unlock_user(session: Session, username: str) -> User:
    """Lift a lockout now (an administrator's decision) and forget the wrong passwords."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"Usuário {username!r} não encontrado.")
    user.locked_until = None
    user.failed_logins = 0
    return user
