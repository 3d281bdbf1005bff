"""Logging in: why an attempt was refused."""

from __future__ import annotations

import enum


class LoginFailure(enum.StrEnum):
    """Why a login attempt was refused; stored with each attempt, never shown to the person."""

    UNKNOWN_USER = "unknown_user"
    """No user has the name typed."""
    WRONG_PASSWORD = "wrong_password"
    """The user exists but the password is not theirs; counts towards the lockout."""
    LOCKED = "locked"
    """Too many wrong passwords in a row: refused, even with the right one, until the lock ends."""
    INACTIVE = "inactive"
    """The user was deactivated by an administrator."""
    WRONG_ROLE = "wrong_role"
    """The password is right but the user's role may not use the application asking."""
