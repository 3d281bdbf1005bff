"""Errors the domain raises, each with a message fit to show an agent or to log."""

from __future__ import annotations


class CitizenCenterError(Exception):
    """Base class: something the caller of the domain can report clearly."""


class ValidationError(CitizenCenterError, ValueError):
    """Input that cannot be accepted (an invalid CPF, a malformed phone, a missing address)."""


class NotFoundError(CitizenCenterError, LookupError):
    """A protocol number, citizen or user that does not exist."""


class InvalidTransitionError(CitizenCenterError):
    """A status change the request workflow does not allow."""


class DatabaseUnavailableError(CitizenCenterError):
    """The database cannot be reached or answered too slowly."""


class DatabaseConfigError(CitizenCenterError):
    """The configured database cannot be used as it is: a malformed URL, an unknown engine, a
    file that is not SQLite, a folder that cannot be written, wrong credentials. A mistake to
    fix, not an outage to wait out; the message is one line naming the setting to change."""


class ConfigError(CitizenCenterError, ValueError):
    """A setting that cannot be used; the message is one line naming the file or variable."""
