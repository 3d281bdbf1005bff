"""Users of the desktop (agents, supervisors, focal points, admins) and their passwords."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.domain.workflow import Role
from citizen_center.errors import ValidationError
from citizen_center.models import Secretariat, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


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


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None (never says which part was wrong)."""
    user = session.scalar(select(User).where(User.username == username, User.active))
    if user is None:
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user
