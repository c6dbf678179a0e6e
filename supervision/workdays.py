"""Working-day arithmetic (DESIGN §3.5).

Order of authority for a date:
1. an administrator's ``CalendarDay`` override (a holiday or a 调休 working day);
2. a year entered as ``CalendarYear``: its overrides plus Monday–Friday are exact;
3. chinese-calendar, for the years whose official schedule it ships;
4. otherwise a provisional guess: weekends and the fixed statutory dates are off.
A deadline that used rule 4 anywhere is marked provisional; it never raises.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

# Fixed-date statutory holidays (month, day); lunar ones cannot be guessed without the
# official schedule, which is why the result is marked provisional.
FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    provisional: bool = False


class WorkCalendar:
    """Answers "is this a working day?" over a date range with two queries at most."""

    def __init__(self, start: dt.date, end: dt.date):
        from supervision.models import CalendarDay, CalendarYear

        self.overrides = dict(
            CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
        )
        self.entered_years = set(
            CalendarYear.objects.filter(year__range=(start.year, end.year)).values_list("year", flat=True)
        )

    def is_working_day(self, day: dt.date) -> tuple[bool, bool]:
        """(working, provisional)."""
        if day in self.overrides:
            return self.overrides[day], False
        if day.year in self.entered_years:
            return day.weekday() < 5, False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS, True


def _window(start: dt.date, days: int) -> dt.date:
    # Generous upper bound: a working day is never more than ~2.5 calendar days on average.
    return start + dt.timedelta(days=int(abs(days) * 3) + 40)


def add_working_days(start: dt.date, days: int) -> Deadline:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    if isinstance(start, dt.datetime):
        start = start.date()
    if days <= 0:
        return Deadline(start, False)
    calendar = WorkCalendar(start, _window(start, days))
    provisional = False
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        working, guess = calendar.is_working_day(day)
        provisional = provisional or guess
        if working:
            counted += 1
    return Deadline(day, provisional)


def subtract_working_days(end: dt.date, days: int) -> Deadline:
    """The date ``days`` working days before ``end`` (for "remind N working days ahead")."""
    start_guess = end - dt.timedelta(days=int(days * 3) + 40)
    calendar = WorkCalendar(start_guess, end)
    provisional = False
    day, counted = end, 0
    while counted < days:
        day -= dt.timedelta(days=1)
        working, guess = calendar.is_working_day(day)
        provisional = provisional or guess
        if working:
            counted += 1
    return Deadline(day, provisional)


def add_calendar_days(start: dt.date, days: int) -> Deadline:
    return Deadline(start + dt.timedelta(days=days), False)


def add_months(start: dt.date, months: int) -> Deadline:
    """Same day ``months`` later (clamped to the month's end), per the rules in days/months."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    import calendar

    day = min(start.day, calendar.monthrange(year, month)[1])
    return Deadline(dt.date(year, month, day), False)


def is_working_day(day: dt.date) -> bool:
    return WorkCalendar(day, day).is_working_day(day)[0]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    if end <= start:
        return 0
    calendar = WorkCalendar(start, end)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)[0]
    return count
