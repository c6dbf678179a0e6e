"""Working-day arithmetic and civil-code periods (DESIGN §3.5).

Order of authority for a date:
1. an administrator's ``CalendarDay`` override (a holiday or a 调休 working day);
2. a year entered as ``CalendarYear``: its overrides plus Monday–Friday are exact;
3. chinese-calendar, for the years whose official schedule it ships;
4. otherwise a provisional guess: weekends and the fixed statutory dates are off.
A deadline that used rule 4 anywhere is marked provisional (with the years guessed, so the
page can say why); it never raises.

Every deadline returned here carries its basis (start, rule, amount), so that it can be
recomputed from its original start once a guessed year's schedule is entered
(``supervision.deadlines``).
"""
from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import chinese_calendar

# Fixed-date statutory holidays (month, day); lunar ones cannot be guessed without the
# official schedule, which is why the result is marked provisional.
FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}

# chinese-calendar's own tables, read directly: its ``is_workday`` recomputes the years it
# knows (min/max over every holiday) on each call, which dominated long working-day counts.
_LIB_HOLIDAYS = chinese_calendar.constants.holidays
_LIB_WORKDAYS = chinese_calendar.constants.workdays
_LIB_YEARS = (min(_LIB_HOLIDAYS).year, max(_LIB_HOLIDAYS).year)


def _library_workday(day: dt.date) -> bool | None:
    """chinese-calendar's answer (``is_workday``), or None for a year it does not know."""
    if not (_LIB_YEARS[0] <= day.year <= _LIB_YEARS[1]):
        return None
    return day in _LIB_WORKDAYS or (day.weekday() <= 4 and day not in _LIB_HOLIDAYS)


WORKING_DAYS = "working_days"
PERIOD = "period"  # calendar months and/or days, 民法典 arts. 201–203


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    provisional: bool = False
    # How it was computed, for recomputation: rule WORKING_DAYS (``days``) or PERIOD
    # (``months`` then ``days``) from ``start``. Not part of equality.
    start: dt.date | None = field(default=None, compare=False)
    rule: str = field(default="", compare=False)
    months: int = field(default=0, compare=False)
    days: int = field(default=0, compare=False)
    # Years whose schedule was guessed (the reason it is provisional).
    guessed_years: tuple[int, ...] = field(default=(), compare=False)


class _Span:
    """The answers for whole years ``lo``–``hi`` under one set of overrides and entered years:
    each day's (working, provisional), and running totals of working days from ``lo``.

    Built from the calendar rows it was given and never changed, so one span serves every
    calendar that reads the same rows (``_span``): a page's lights and an export's cost look-ups,
    not a walk over the days, and a change of the rows is a different span."""

    __slots__ = ("lo", "hi", "overrides", "entered_years", "answers", "ranks")

    def __init__(self, lo: dt.date, hi: dt.date, overrides: dict[dt.date, bool], entered_years: frozenset[int]):
        # shared by every calendar reading the same rows: read-only
        self.lo, self.hi, self.entered_years = lo, hi, entered_years
        self.overrides = MappingProxyType(overrides)
        answers, ranks, count = [], [0], 0
        one, day = dt.timedelta(days=1), lo
        while day <= hi:
            answer = _answer(day, overrides, entered_years)
            answers.append(answer)
            if day > lo:  # ranks[i]: working days in (lo, lo + i]
                count += answer[0]
                ranks.append(count)
            day += one
        self.answers, self.ranks = answers, ranks


def _answer(day: dt.date, overrides: dict[dt.date, bool], entered_years) -> tuple[bool, bool]:
    if day in overrides:
        return overrides[day], False
    if day.year in entered_years:
        return day.weekday() < 5, False
    known = _library_workday(day)
    if known is None:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS, True
    return known, False


# Spans by (lo, hi, the rows they were built from): the rows are read on every load (one
# statement), so a span is reused only for exactly the rows it was built from — an added, changed
# or deleted override or year is a new key, in every process, with nothing to invalidate.
_SPANS: dict = {}
_SPANS_KEPT = 32
_STATEMENTS: dict = {}


def _calendar_rows(start: dt.date, end: dt.date, using: str = "default"):
    """The overrides in ``start``–``end`` and the entered years among theirs, in one statement
    built once per database (two ORM queries before, each compiled afresh on every page)."""
    from django.db import connections

    from supervision.models import CalendarDay, CalendarYear

    connection = connections[using]
    sql = _STATEMENTS.get(using)
    if sql is None:
        q = connection.ops.quote_name
        day, year = CalendarDay._meta, CalendarYear._meta
        d, w, y = (q(day.get_field("date").column), q(day.get_field("is_working_day").column),
                   q(year.get_field("year").column))
        sql = _STATEMENTS[using] = (
            f"SELECT {d}, {w}, NULL FROM {q(day.db_table)} WHERE {d} BETWEEN %s AND %s "
            f"UNION ALL SELECT NULL, NULL, {y} FROM {q(year.db_table)} WHERE {y} BETWEEN %s AND %s")
    date_field = CalendarDay._meta.get_field("date")
    params = [date_field.get_db_prep_value(start, connection), date_field.get_db_prep_value(end, connection),
              start.year, end.year]
    overrides, years = {}, set()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for day, working, year in cursor.fetchall():
            if year is not None:
                years.add(int(year))
            else:
                if isinstance(day, str):  # SQLite: the raw cursor gives ISO text and 0/1
                    day = dt.date.fromisoformat(day)
                overrides[day] = bool(working)
    return overrides, frozenset(years)


def _span(start: dt.date, end: dt.date) -> _Span:
    overrides, years = _calendar_rows(start, end)
    key = (start, end, frozenset(overrides.items()), years)
    span = _SPANS.get(key)
    if span is None:
        span = _Span(start, end, overrides, years)
        while len(_SPANS) >= _SPANS_KEPT:
            try:
                del _SPANS[next(iter(_SPANS))]  # the oldest
            except (KeyError, RuntimeError, StopIteration):  # another thread got there first
                break
        _SPANS[key] = span
    return span


class WorkCalendar:
    """Answers "is this a working day?" with one statement per date range it loads.

    Dates outside the loaded range are loaded on demand (with a margin), so one instance can
    serve a whole page or export. The range is whole years, answered from a ``_Span``: per-day
    answers and running totals of working days, so a span's count is two look-ups.
    """

    MARGIN = dt.timedelta(days=62)

    def __init__(self, start: dt.date | None = None, end: dt.date | None = None):
        self.lo: dt.date | None = None
        self.hi: dt.date | None = None
        self.overrides: Mapping[dt.date, bool] = {}
        self.entered_years: frozenset[int] = frozenset()
        self._span: _Span | None = None
        if start is not None:
            self._load(start, end or start)

    def _load(self, start: dt.date, end: dt.date) -> None:
        if self.lo is not None:
            start, end = min(start, self.lo), max(end, self.hi)
        # Whole years: the overrides are few, and a long span (an export's deadlines) then loads
        # once or twice instead of once per margin it walks into.
        start, end = dt.date(start.year, 1, 1), dt.date(end.year, 12, 31)
        span = self._span = _span(start, end)
        self.overrides, self.entered_years = span.overrides, span.entered_years
        self.lo, self.hi = start, end

    def _cover(self, start: dt.date, end: dt.date) -> _Span:
        if self.lo is None or start < self.lo or end > self.hi:
            self._load(start - self.MARGIN, end + self.MARGIN)
        return self._span

    def is_working_day(self, day: dt.date) -> tuple[bool, bool]:
        """(working, provisional)."""
        span = self._cover(day, day) if self.lo is None or not (self.lo <= day <= self.hi) else self._span
        return span.answers[(day - span.lo).days]

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; 0 when end <= start."""
        if end <= start:
            return 0
        span = self._span
        if span is None or start < span.lo or end > span.hi:
            span = self._cover(start, end)
        lo = span.lo
        return span.ranks[(end - lo).days] - span.ranks[(start - lo).days]


def _window(start: dt.date, days: int) -> dt.date:
    # Generous upper bound: a working day is never more than ~2.5 calendar days on average.
    return start + dt.timedelta(days=int(abs(days) * 3) + 40)


def add_working_days(start: dt.date, days: int, *, calendar: WorkCalendar | None = None) -> Deadline:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    if isinstance(start, dt.datetime):
        start = start.date()
    if days <= 0:
        return Deadline(start, False, start=start, rule=WORKING_DAYS, days=max(days, 0))
    calendar = calendar or WorkCalendar(start, _window(start, days))
    guessed: set[int] = set()
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        working, guess = calendar.is_working_day(day)
        if guess:
            guessed.add(day.year)
        if working:
            counted += 1
    return Deadline(day, bool(guessed), start=start, rule=WORKING_DAYS, days=days,
                    guessed_years=tuple(sorted(guessed)))


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


def _corresponding_day(start: dt.date, months: int) -> dt.date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, _calendar.monthrange(year, month)[1]))


def period_end(start: dt.date, *, months: int = 0, days: int = 0,
               calendar: WorkCalendar | None = None) -> Deadline:
    """The last day of a period of ``months`` calendar months and/or ``days`` calendar days
    counted from ``start`` — the one rule for every workflow's month and day periods.

    民法典 第二百零一条至第二百零三条:
    - art. 201: the day the period starts from (``start``) is not counted; counting begins
      the next day — so 10 days from 3 May end on 13 May;
    - art. 202: a period counted in months (or years) ends on the corresponding day of the
      last month; where that month has no such day, on its last day (31 January + 1 month →
      28 February);
    - art. 203: when the last day is a statutory rest day (a weekend or a public holiday, per
      the working-day calendar, 调休 included), the period ends on the day after the rest ends,
      i.e. the next working day.

    An extension is counted from the original end of the period, not from a date already
    clamped or moved: extend by calling this again with the *original* ``start`` and the
    total (``months=2 + 1``), never with the previous result as the start — 31 December +
    2 months (→ 28 February) + 1 month is 31 March, not 28 March.

    Months are counted first, then days. Provisional when the last day or a rest day it was
    moved over lies in a year whose schedule is not known yet.
    """
    if isinstance(start, dt.datetime):
        start = start.date()
    end = _corresponding_day(start, months) + dt.timedelta(days=days)
    calendar = calendar or WorkCalendar(end, end + dt.timedelta(days=40))
    guessed: set[int] = set()
    while True:
        working, guess = calendar.is_working_day(end)
        if guess:
            guessed.add(end.year)
        if working:
            break
        end += dt.timedelta(days=1)
    return Deadline(end, bool(guessed), start=start, rule=PERIOD, months=months, days=days,
                    guessed_years=tuple(sorted(guessed)))


def add_calendar_days(start: dt.date, days: int) -> Deadline:
    """A deadline ``days`` calendar days after ``start`` (civil-code rules: ``period_end``)."""
    return period_end(start, days=days)


def add_months(start: dt.date, months: int) -> Deadline:
    """Plain calendar arithmetic: the same day ``months`` later, clamped to the month's end.

    Not a deadline rule (a posting's term end, a follow-up date): deadlines counted in months
    use ``period_end``, which also moves a last day off a rest day.
    """
    return Deadline(_corresponding_day(start, months), False)


def recompute(deadline_start: dt.date, rule: str, *, months: int = 0, days: int = 0,
              calendar: WorkCalendar | None = None) -> Deadline:
    """The deadline of a stored basis, computed again with today's calendar."""
    if rule == WORKING_DAYS:
        return add_working_days(deadline_start, days, calendar=calendar)
    return period_end(deadline_start, months=months, days=days, calendar=calendar)


def is_working_day(day: dt.date) -> bool:
    return WorkCalendar(day, day).is_working_day(day)[0]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    if end <= start:
        return 0
    return WorkCalendar(start, end).working_days_between(start, end)
