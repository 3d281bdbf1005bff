"""Business days in Porto Alegre: national, Rio Grande do Sul and municipal holidays.

Sources: Lei 662/1949 and 6.802/1980, Lei 14.759/2023 (20 November national from 2024);
Good Friday and Corpus Christi are religious holidays declared by the municipality under
Lei 9.093/1995; Porto Alegre's own: 2 February (Nossa Senhora dos Navegantes); Rio Grande do
Sul's: 20 September (Revolução Farroupilha). Carnival is an optional day off ("ponto
facultativo"), not a holiday, so deadlines run through it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

FIXED_NATIONAL = {
    (1, 1): "Confraternização Universal",
    (4, 21): "Tiradentes",
    (5, 1): "Dia do Trabalho",
    (9, 7): "Independência do Brasil",
    (10, 12): "Nossa Senhora Aparecida",
    (11, 2): "Finados",
    (11, 15): "Proclamação da República",
    (12, 25): "Natal",
}
FIXED_LOCAL = {
    (2, 2): "Nossa Senhora dos Navegantes (Porto Alegre)",
    (9, 20): "Revolução Farroupilha (RS)",
}
BLACK_CONSCIOUSNESS_FROM = 2024


def easter_sunday(year: int) -> date:
    """Gregorian Easter (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def holidays(year: int) -> dict[date, str]:
    """Every holiday observed by Porto Alegre's public services in ``year``."""
    result = {date(year, m, d): name for (m, d), name in (FIXED_NATIONAL | FIXED_LOCAL).items()}
    if year >= BLACK_CONSCIOUSNESS_FROM:
        result[date(year, 11, 20)] = "Dia Nacional de Zumbi e da Consciência Negra"
    easter = easter_sunday(year)
    result[easter - timedelta(days=2)] = "Sexta-feira Santa"
    result[easter + timedelta(days=60)] = "Corpus Christi"
    return result


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def next_business_day(day: date) -> date:
    """``day`` itself if it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(start: date, count: int) -> date:
    """The ``count``-th business day after ``start`` (``start`` itself does not count)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day
