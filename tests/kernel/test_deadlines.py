"""Civil-code periods, traffic lights at their boundaries, and a year's schedule check."""
import datetime as dt

import pytest

from supervision import deadlines
from supervision.errors import ValidationError
from supervision.models import CalendarYear
from supervision.workdays import period_end
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db
D = dt.date


# --- 民法典 arts. 201–203 --------------------------------------------------------------------

def test_a_month_from_the_31st_ends_on_the_months_last_day():
    # 2026-02-28 is a Saturday, but a 调休 working day of the 2026 Spring Festival schedule.
    assert period_end(D(2026, 1, 31), months=1).date == D(2026, 2, 28)


def test_an_extension_counts_from_the_original_end_not_the_clamped_date():
    two = period_end(D(2026, 12, 31), months=2)
    assert two.date >= D(2027, 2, 28)  # 28 Feb 2027 is a Sunday: moved to the next working day
    assert two.provisional  # 2027's schedule is not known yet
    extended = period_end(D(2026, 12, 31), months=2 + 1)
    assert extended.date == D(2027, 3, 31)


def test_a_period_ending_on_national_day_ends_on_the_first_working_day_after():
    # 2026: 1–7 October off; 8 October is the first working day.
    assert period_end(D(2026, 9, 1), days=30).date == D(2026, 10, 8)
    assert period_end(D(2026, 9, 1), months=1).date == D(2026, 10, 8)
    assert period_end(D(2026, 9, 1), days=30).provisional is False


def test_the_start_day_is_not_counted_and_a_weekend_end_moves():
    assert period_end(D(2026, 5, 6), days=10).date == D(2026, 5, 18)  # 16 May is a Saturday → Monday


def test_extension_of_a_stored_period_counts_from_its_original_start(townships):
    w = widget(townships["nanzhao"])
    first = period_end(D(2026, 12, 31), months=2)
    w.due_date = first.date
    w.save()
    deadlines.remember(w, "due_date", first)
    assert deadlines.extended(w, "due_date", months=1).date == D(2027, 3, 31)


# --- traffic lights --------------------------------------------------------------------------

@pytest.mark.parametrize("today,colour,text", [
    (D(2026, 11, 13), "green", "剩 4 个工作日"),   # Friday: 16, 17, 18, 19 November left
    (D(2026, 11, 16), "amber", "剩 3 个工作日"),   # the day the amber window (3 working days) starts
    (D(2026, 11, 19), "amber", "今日到期"),         # the deadline day
    (D(2026, 11, 20), "red", "已超期 1 个工作日"),    # the day after
])
def test_lights_at_their_boundaries(townships, today, colour, text):
    w = widget(townships["nanzhao"], due=D(2026, 11, 19))
    light = deadlines.light(w, today=today)
    assert (light.colour, light.text) == (colour, text)
    assert light.colour_label  # never colour alone
    # The registers' filter gives the same answer in SQL.
    found = {c for c in deadlines.COLOURS
             if Widget.objects.filter(deadlines.colour_q(deadlines.registry.for_model(Widget), c, today=today),
                                      pk=w.pk).exists()}
    assert found == {colour}


def test_no_light_once_nobody_has_to_act(users, townships):
    from supervision.transitions import run_transition

    w = widget(townships["nanzhao"], due=D(2020, 1, 1))
    run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    run_transition(model=Widget, pk=w.pk, name="approve", actor=users["inspector"], comment="好")
    light = deadlines.light(Widget.objects.get(pk=w.pk), today=D(2026, 11, 20))
    assert light.colour == "" and light.due == D(2020, 1, 1)


def test_the_api_field_and_the_template_tag(users, townships, api, web):
    w = widget(townships["nanzhao"], due=D(2020, 1, 2))
    body = api(users["inspector"]).get(f"/api/v1/widgets/{w.pk}/").json()
    assert body["deadline"]["colour"] == "red"
    assert body["deadline"]["due_date"] == "2020-01-02"
    assert body["deadline"]["overdue_working_days"] > 0
    assert body["deadline"]["text"].startswith("已超期")
    from django.template import Context, Template

    html = Template("{% load supervision %}{% deadline w %}").render(Context({"w": w}))
    assert "light-red" in html and "逾期" in html and "2020-01-02" in html


# --- a year's official schedule --------------------------------------------------------------

def _schedule_2027(*, with_festivals=True):
    days = [(D(2027, 1, 1), False, "new_year", "元旦"), (D(2027, 1, 9), True, "", "调休上班")]
    if with_festivals:
        days += [(D(2027, 2, d), False, "spring", "春节") for d in range(6, 13)]
        days += [(D(2027, 4, 5), False, "qingming", ""), (D(2027, 5, 1), False, "labour", ""),
                 (D(2027, 6, 9), False, "dragon_boat", ""), (D(2027, 9, 15), False, "mid_autumn", "")]
        days += [(D(2027, 10, d), False, "national", "") for d in range(1, 8)]
    return days


def test_a_year_without_its_statutory_holidays_is_refused_unless_confirmed(users):
    with pytest.raises(ValidationError) as exc:
        deadlines.calendar_year_enter(actor=users["admin"], year=2027, days=[])
    assert "元旦" in str(exc.value) and "国庆节" in str(exc.value)
    with pytest.raises(ValidationError):
        deadlines.calendar_year_enter(actor=users["admin"], year=2027, days=_schedule_2027(with_festivals=False))
    assert not CalendarYear.objects.filter(year=2027).exists()
    entry, _changes = deadlines.calendar_year_enter(actor=users["admin"], year=2027, days=[],
                                                    confirm_incomplete=True)
    assert entry.confirmed_incomplete
    entry, _changes = deadlines.calendar_year_enter(actor=users["admin"], year=2027, days=_schedule_2027())
    assert not entry.confirmed_incomplete and entry.days.count() == 20


def test_provisional_reason_names_the_unknown_year():
    text = deadlines.provisional_reason(D(2027, 2, 1))
    assert "2027" in text and "录入" in text


def test_the_deadline_markup_escapes_and_marks_provisional_in_the_users_language():
    """The light's markup is built in Python (``templatetags.supervision.deadline_html``): exact,
    escaped, and in the active language."""
    from django.utils import translation

    from supervision.templatetags.supervision import deadline_html

    assert deadline_html(None) == "—\n"
    assert deadline_html(deadlines.Light("", None)) == "—\n"
    assert deadline_html(deadlines.Light("", D(2026, 12, 3))) == (
        '<span class="deadline" data-colour=""><time datetime="2026-12-03">2026-12-03</time></span>\n')
    html = deadline_html(deadlines.Light("red", D(2026, 12, 3), overdue_by=2, provisional=True,
                                         provisional_reason='<b>"x"</b>'))
    assert html == (
        '<span class="deadline light light-red" data-colour="red"><span class="light-dot" aria-hidden="true">'
        '</span><span class="light-label">逾期</span> <time datetime="2026-12-03">2026-12-03</time> '
        '<span class="light-text">已超期 2 个工作日</span></span> <abbr class="provisional" '
        'title="&lt;b&gt;&quot;x&quot;&lt;/b&gt;">待确认</abbr><small class="provisional-reason muted">'
        '&lt;b&gt;&quot;x&quot;&lt;/b&gt;</small>\n')
    with translation.override("en"):
        html = deadline_html(deadlines.Light("amber", D(2026, 12, 3), days_left=0))
    assert "待确认" not in html and "今日到期" not in html and "light-amber" in html


def test_a_remembered_light_is_written_again_in_the_language_asked_for():
    """Lights' markup is remembered (a page's lights repeat): the same light read in Chinese, then
    English, then Chinese again is each time in that language, and equal to a fresh build."""
    from django.utils import translation

    from supervision.templatetags import supervision as tags

    light = deadlines.Light("green", D(2026, 12, 3), days_left=4)
    tags._LIGHTS.clear()
    with translation.override("zh-hans"):
        first = tags.deadline_html(light)
    with translation.override("en"):
        english = tags.deadline_html(light)
        assert english == tags._light_html(light)
    with translation.override("zh-hans"):
        again = tags.deadline_html(light)
    assert "剩 4 个工作日" in first and "剩" not in english and "4" in english
    assert again == first == tags._light_html(light)
    assert len(tags._LIGHTS) == 2
    tags._LIGHTS.clear()


def test_a_records_display_label_follows_the_language_and_keeps_unknown_values():
    """``get_<field>_display`` on workflow records reads the choices once (labels stay lazy)."""
    from django.utils import translation

    from workflows.notices.models import NoticeAssignment

    a = NoticeAssignment(state="acknowledged")
    with translation.override("zh-hans"):
        assert a.get_state_display() == "已签收"
    with translation.override("en"):
        assert a.get_state_display() == "Acknowledged"
    assert NoticeAssignment(state="no-such-state").get_state_display() == "no-such-state"
    assert Widget(state="submitted").get_state_display() == "已报送"
