from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from citizen_center.domain.calendar import (
    add_business_days,
    easter_sunday,
    holidays,
    is_business_day,
    next_business_day,
)
from citizen_center.domain.deadlines import Deadline, DeadlineKind, expected_at

POA = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
    ],
)
def test_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_porto_alegre_holidays_2026() -> None:
    days = holidays(2026)
    assert date(2026, 2, 2) in days  # Navegantes, municipal
    assert date(2026, 9, 20) in days  # Farroupilha, state
    assert date(2026, 11, 20) in days  # national since 2024
    assert date(2026, 4, 3) in days  # Good Friday
    assert date(2026, 6, 4) in days  # Corpus Christi
    assert date(2026, 2, 17) not in days  # Carnival is not a holiday
    assert date(2023, 11, 20) not in holidays(2023)


def test_business_days_skip_weekends_and_holidays() -> None:
    assert not is_business_day(date(2026, 4, 3))  # Good Friday
    assert not is_business_day(date(2026, 4, 4))  # Saturday
    assert next_business_day(date(2026, 4, 3)) == date(2026, 4, 6)
    # Thursday 2 April + 2 business days: Good Friday, the weekend → Monday 6, Tuesday 7.
    assert add_business_days(date(2026, 4, 2), 2) == date(2026, 4, 7)


def test_business_deadline_across_a_holiday_and_a_weekend() -> None:
    # Opened Wednesday 18 November 2026 at 15:00 in Porto Alegre; 7 business days (CAO-BRAVIO).
    # Skips Friday 20 (Consciência Negra), the weekend of 21-22 and 28-29: due Monday 30.
    created = datetime(2026, 11, 18, 15, 0, tzinfo=POA)
    due = expected_at(created, Deadline(DeadlineKind.BUSINESS, 7), POA)
    assert due.date() == date(2026, 11, 30)
    assert (due.hour, due.minute) == (23, 59)


def test_calendar_deadline_ending_on_a_holiday_moves_to_the_next_business_day() -> None:
    # 10 calendar days from Tuesday 24 March 2026 is Friday 3 April (Good Friday), then the
    # weekend: due Monday 6 April.
    created = datetime(2026, 3, 24, 12, 0, tzinfo=POA)
    assert expected_at(created, Deadline(DeadlineKind.CALENDAR, 10), POA).date() == date(2026, 4, 6)


def test_immediate_deadline_is_the_end_of_the_local_day() -> None:
    # 01:30 UTC on the 2nd is still the 1st in Porto Alegre (UTC-3).
    created = datetime(2026, 6, 2, 1, 30, tzinfo=UTC)
    due = expected_at(created, Deadline(DeadlineKind.IMMEDIATE, 0), POA)
    assert due.date() == date(2026, 6, 1)


def test_missing_published_deadline_uses_the_configured_default() -> None:
    default = Deadline(DeadlineKind.CALENDAR, 30)
    assert Deadline.of(None, None, default) is default
    assert Deadline.of("business", 7, default) == Deadline(DeadlineKind.BUSINESS, 7)
    assert Deadline.of("immediate", None, default).kind is DeadlineKind.IMMEDIATE
