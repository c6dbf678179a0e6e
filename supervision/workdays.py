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
from dataclasses import dataclass, field

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


class WorkCalendar:
    """Answers "is this a working day?" with two queries per date range it loads.

    Dates outside the loaded range are loaded on demand (with a margin), so one instance can
    serve a whole page or export: per-day answers are cached.
    """

    MARGIN = dt.timedelta(days=62)

    def __init__(self, start: dt.date | None = None, end: dt.date | None = None):
        self.lo: dt.date | None = None
        self.hi: dt.date | None = None
        self.overrides: dict[dt.date, bool] = {}
        self.entered_years: set[int] = set()
        self._answers: dict[dt.date, tuple[bool, bool]] = {}
        # Running count of working days from ``_rank_origin``: ``_ranks[i]`` is the number of
        # working days in (origin, origin + i], so a span's count is two look-ups, not a walk
        # over its days (a register page or a 100k-row export asks for thousands of spans).
        self._rank_origin: dt.date | None = None
        self._ranks: list[int] = []
        if start is not None:
            self._load(start, end or start)

    def _load(self, start: dt.date, end: dt.date) -> None:
        from supervision.models import CalendarDay, CalendarYear

        if self.lo is not None:
            start, end = min(start, self.lo), max(end, self.hi)
        # Whole years: the overrides are few, and a long span (an export's deadlines) then loads
        # once or twice instead of once per margin it walks into.
        start, end = dt.date(start.year, 1, 1), dt.date(end.year, 12, 31)
        self.overrides = dict(
            CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
        )
        self.entered_years = set(
            CalendarYear.objects.filter(year__range=(start.year, end.year)).values_list("year", flat=True)
        )
        self.lo, self.hi = start, end
        self._answers.clear()
        self._rank_origin, self._ranks = None, []

    def is_working_day(self, day: dt.date) -> tuple[bool, bool]:
        """(working, provisional)."""
        answer = self._answers.get(day)
        if answer is not None:
            return answer
        if self.lo is None or not (self.lo <= day <= self.hi):
            self._load(day - self.MARGIN, day + self.MARGIN)
        if day in self.overrides:
            answer = self.overrides[day], False
        elif day.year in self.entered_years:
            answer = day.weekday() < 5, False
        else:
            known = _library_workday(day)
            if known is None:
                answer = day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS, True
            else:
                answer = known, False
        self._answers[day] = answer
        return answer

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; 0 when end <= start."""
        if end <= start:
            return 0
        before = self._rank(start)  # first: this may move the origin back (end only extends forward)
        return self._rank(end) - before

    def _rank(self, day: dt.date) -> int:
        """Working days in (origin, day]. Asking for a day before the origin moves the origin
        back (and rebuilds the totals): compare ranks only from the same origin."""
        origin = self._rank_origin
        if origin is None or day < origin:
            self._rebuild_ranks(day if origin is None else min(day, origin),
                                day if origin is None else origin + dt.timedelta(days=len(self._ranks) - 1))
            origin = self._rank_origin
        i = (day - origin).days
        ranks = self._ranks
        if i >= len(ranks):
            self._extend_ranks(i)
            if self._rank_origin != origin:  # a load in between reset the counts
                return self._rank(day)
        return self._ranks[i]

    def _rebuild_ranks(self, start: dt.date, end: dt.date) -> None:
        self._rank_origin, self._ranks = start, [0]
        self._extend_ranks((end - start).days)

    def _extend_ranks(self, i: int) -> None:
        origin = self._rank_origin
        # Load the whole span first (one load, not one per margin), then count.
        last = origin + dt.timedelta(days=i)
        if self.lo is None or origin < self.lo or last > self.hi:
            self._load(min(origin, self.lo or origin) - self.MARGIN, max(last, self.hi or last) + self.MARGIN)
            self._rank_origin, self._ranks = origin, [0]
        ranks = self._ranks
        count = ranks[-1]
        day = origin + dt.timedelta(days=len(ranks) - 1)
        one = dt.timedelta(days=1)
        working = self.is_working_day
        while len(ranks) <= i:
            day += one
            count += working(day)[0]
            ranks.append(count)


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
