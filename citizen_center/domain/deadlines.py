"""When a request is expected to be done, from its service type's published deadline."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from citizen_center.domain.calendar import add_business_days, next_business_day


class DeadlineKind(enum.StrEnum):
    CALENDAR = "calendar"
    BUSINESS = "business"
    IMMEDIATE = "immediate"


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    days: int

    @classmethod
    def of(cls, kind: str | None, days: int | None, default: Deadline) -> Deadline:
        """The published deadline, or ``default`` where the city publishes none."""
        if kind is None or (days is None and kind != DeadlineKind.IMMEDIATE):
            return default
        return cls(DeadlineKind(kind), days or 0)

    def describe_pt(self) -> str:
        if self.kind is DeadlineKind.IMMEDIATE:
            return "imediato"
        unit = "dias úteis" if self.kind is DeadlineKind.BUSINESS else "dias corridos"
        return f"{self.days} {unit}"


def expected_at(created_at: datetime, deadline: Deadline, tz: ZoneInfo) -> datetime:
    """The moment a request is due: the end of its last day, in the city's time zone.

    Calendar-day deadlines that end on a weekend or holiday move to the next business day, as
    Brazilian administrative deadlines do; business-day deadlines skip them while counting.
    Immediate requests are due at the end of the day they were opened.
    """
    local_day = created_at.astimezone(tz).date()
    if deadline.kind is DeadlineKind.IMMEDIATE:
        due_day = local_day
    elif deadline.kind is DeadlineKind.BUSINESS:
        due_day = add_business_days(local_day, deadline.days)
    else:
        due_day = next_business_day(local_day + timedelta(days=deadline.days))
    return datetime.combine(due_day, time(23, 59, 59), tzinfo=tz)
