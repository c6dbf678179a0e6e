import datetime as dt

import pytest

from supervision.models import CalendarDay, CalendarYear
from supervision.workdays import add_working_days, subtract_working_days, working_days_between

pytestmark = pytest.mark.django_db
D = dt.date


def test_five_working_days_across_national_day_and_a_makeup_saturday():
    # 2026: Oct 1–7 off; Sat Oct 10 is a 调休 working day.
    # 9-30 (1), 10-8 (2), 10-9 (3), Sat 10-10 (4, 调休), Mon 10-12 (5).
    assert add_working_days(D(2026, 9, 29), 5).date == D(2026, 10, 12)
    assert add_working_days(D(2026, 9, 29), 4).date == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 29), 5).provisional is False
    assert add_working_days(D(2026, 9, 30), 1).date == D(2026, 10, 8)


def test_fifteen_working_days_from_sept_28():
    assert add_working_days(D(2026, 9, 28), 15).date == D(2026, 10, 23)


def test_unknown_year_is_provisional_not_an_error():
    result = add_working_days(D(2026, 12, 20), 30)
    assert result.provisional is True
    assert result.date.year == 2027
    # Weekends and 1 January skipped by the fallback.
    assert result.date == D(2027, 2, 1)


def test_entered_schedule_makes_2027_exact():
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知（测试）")
    # Spring Festival 2027 (example): Feb 6–12 off, Sat Feb 13 a working day.
    for day in range(6, 13):
        CalendarDay.objects.create(date=D(2027, 2, day), is_working_day=False, note="春节")
    CalendarDay.objects.create(date=D(2027, 1, 1), is_working_day=False, note="元旦")
    CalendarDay.objects.create(date=D(2027, 2, 13), is_working_day=True, note="调休上班")
    result = add_working_days(D(2026, 12, 20), 30)
    assert result.provisional is False
    assert result.date == D(2027, 2, 1)
    later = add_working_days(D(2027, 2, 1), 5)
    assert later == type(later)(D(2027, 2, 13), False)


def test_override_beats_the_library():
    CalendarDay.objects.create(date=D(2026, 11, 30), is_working_day=False, note="临时调整")
    assert add_working_days(D(2026, 11, 27), 1).date == D(2026, 12, 1)


def test_reminder_date_and_counting():
    assert subtract_working_days(D(2026, 10, 9), 2).date == D(2026, 9, 30)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 9)) == 2
    assert add_working_days(D(2026, 5, 6), 0).date == D(2026, 5, 6)


@pytest.mark.django_db
def test_working_day_counts_match_a_day_by_day_walk_in_any_order():
    """The calendar counts spans from running totals (no walk per span); the counts must equal a
    day-by-day walk, whichever order the spans are asked in (the totals move back and forward),
    across a known year, an entered override and a guessed year."""
    import random

    from supervision.models import CalendarDay
    from supervision.workdays import WorkCalendar

    CalendarDay.objects.create(date=dt.date(2026, 3, 2), is_working_day=False, note="override")
    walk_cal = WorkCalendar()

    def walk(start, end):
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += walk_cal.is_working_day(day)[0]
        return count

    rnd = random.Random(7)
    cal = WorkCalendar()
    base = dt.date(2025, 6, 1)
    for _ in range(300):
        a = base + dt.timedelta(days=rnd.randint(0, 1100))
        b = a + dt.timedelta(days=rnd.randint(-20, 400))
        assert cal.working_days_between(a, b) == walk(a, b), (a, b)
    assert cal.working_days_between(dt.date(2026, 3, 1), dt.date(2026, 3, 2)) == 0  # the override
    assert cal.working_days_between(dt.date(2026, 3, 5), dt.date(2026, 3, 1)) == 0


def test_a_calendar_load_is_one_statement_and_its_answers_are_shared_until_the_rows_change(
        django_assert_num_queries):
    """Each load reads the overrides and entered years in one statement; calendars that read the
    same rows share one precomputed span, and any change of the rows — saved, updated in bulk or
    deleted, with no signal — gives the next calendar new answers."""
    from supervision.workdays import WorkCalendar

    day = D(2026, 11, 30)  # a Monday
    with django_assert_num_queries(1):
        first = WorkCalendar()
        assert first.is_working_day(day) == (True, False)
        assert first.working_days_between(D(2026, 11, 27), day) == 1
    second = WorkCalendar()
    second.is_working_day(day)
    assert second._span is first._span

    override = CalendarDay.objects.create(date=day, is_working_day=False, note="临时调整")
    changed = WorkCalendar(day)
    assert changed._span is not first._span
    assert changed.is_working_day(day) == (False, False)
    assert changed.working_days_between(D(2026, 11, 27), day) == 0
    assert first.is_working_day(day) == (True, False)  # a calendar keeps what it read

    CalendarDay.objects.filter(pk=override.pk).update(is_working_day=True)  # no signal sent
    assert WorkCalendar(day).is_working_day(day) == (True, False)
    CalendarDay.objects.filter(pk=override.pk).update(is_working_day=False)
    assert WorkCalendar(day).working_days_between(D(2026, 11, 27), day) == 0

    assert WorkCalendar(D(2027, 3, 1)).is_working_day(D(2027, 3, 1))[1] is True  # 2027 guessed
    CalendarYear.objects.create(year=2027, source="测试")
    assert WorkCalendar(D(2027, 3, 1)).is_working_day(D(2027, 3, 1)) == (True, False)
    assert 2027 in WorkCalendar(D(2027, 3, 1)).entered_years

    CalendarDay.objects.filter(pk=override.pk).delete()
    assert WorkCalendar(day).is_working_day(day) == (True, False)


def test_a_calendar_extends_its_years_on_demand():
    from supervision.workdays import WorkCalendar

    CalendarDay.objects.create(date=D(2029, 6, 4), is_working_day=False, note="override")  # a Monday
    cal = WorkCalendar(D(2026, 5, 1))
    assert (cal.lo, cal.hi) == (D(2026, 1, 1), D(2026, 12, 31))
    assert cal.is_working_day(D(2029, 6, 4)) == (False, False)  # the override
    assert cal.is_working_day(D(2029, 6, 5)) == (True, True)  # 2029 itself is guessed
    assert (cal.lo, cal.hi) == (D(2026, 1, 1), D(2029, 12, 31))
    assert cal.working_days_between(D(2025, 12, 31), D(2026, 1, 5)) == working_days_between(
        D(2025, 12, 31), D(2026, 1, 5))
    assert cal.lo == D(2025, 1, 1)
