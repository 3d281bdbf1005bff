"""What every operation needs: who acts, and the city's rules for deadlines and time."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from citizen_center.config import CatalogueSettings
from citizen_center.domain.deadlines import Deadline, DeadlineKind


@dataclass(frozen=True)
class Actor:
    """Who did something: a logged-in user, or a part of the system ("ivr", "citizen", ...)."""

    user_id: int | None = None
    label: str = ""

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls(None, label)

    @classmethod
    def user(cls, user_id: int, username: str = "") -> Actor:
        return cls(user_id, username)

    @classmethod
    def operator(cls) -> Actor:
        """Whoever runs the ``central156`` command: the system account, for the audit trail."""
        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no login name in the environment nor in passwd
            name = "?"
        return cls(None, f"cli:{name}"[:60])


@dataclass(frozen=True)
class Policy:
    """The configurable rules (``[catalogue]`` settings) in the form the services use them."""

    settings: CatalogueSettings = field(default_factory=CatalogueSettings)

    @classmethod
    def from_settings(cls, settings: CatalogueSettings) -> Policy:
        return cls(settings)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def default_deadline(self) -> Deadline:
        """Where the city publishes no deadline for a service."""
        return Deadline(
            DeadlineKind(self.settings.default_deadline_kind), self.settings.default_deadline_days
        )

    @property
    def default_area_code(self) -> str:
        return self.settings.default_area_code


DEFAULT_POLICY = Policy()
