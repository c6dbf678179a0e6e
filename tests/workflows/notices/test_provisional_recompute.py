"""A notice deadline that crosses into a year nobody has entered is provisional; entering the
year's official schedule recomputes it from its start and rule, exactly, with history."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from supervision import deadlines, handlers
from supervision.models import CalendarYear, Notification
from workflows.notices.models import NoticeAssignment

from .helpers import issue, reload

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(day: str):
    return dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=SHANGHAI)


def schedule_2027(*, january_saturday=True):
    """A test schedule for 2027: every statutory holiday named, a 调休 Saturday in January."""
    days = [(D(2027, 1, 1), False, "new_year", "元旦")]
    if january_saturday:
        days.append((D(2027, 1, 9), True, "", "调休上班"))
    days += [(D(2027, 2, d), False, "spring", "春节") for d in range(6, 13)]
    days += [(D(2027, 4, 5), False, "qingming", "清明节"), (D(2027, 5, 1), False, "labour", "劳动节"),
             (D(2027, 6, 9), False, "dragon_boat", "端午节"), (D(2027, 9, 15), False, "mid_autumn", "中秋节")]
    days += [(D(2027, 10, d), False, "national", "国庆节") for d in range(1, 8)]
    return days


@pytest.fixture
def december_notice(users, townships):
    with time_machine.travel(at("2026-12-20"), tick=False):
        notice = issue(users, townships, targets=("nanzhao",), urgency="difficult")  # 30 working days
    return notice.assignments.get()


def test_entering_2027_recomputes_the_provisional_deadline(users, townships, december_notice,
                                                          django_capture_on_commit_callbacks):
    a = december_notice
    assert (a.due_date, a.due_provisional) == (D(2027, 2, 1), True)
    handlers.handler_take(actor=users["township_nanzhao"], model=NoticeAssignment, pk=a.pk)
    with time_machine.travel(at("2026-12-21"), tick=False), django_capture_on_commit_callbacks(execute=True):
        _entry, changes = deadlines.calendar_year_enter(actor=users["admin"], year=2027, days=schedule_2027(),
                                                        source="国务院办公厅通知（测试）")
    a = reload(a)
    # The January 调休 Saturday is a working day: the 30th working day comes one day earlier.
    assert (a.due_date, a.due_provisional) == (D(2027, 1, 29), False)
    assert a.original_due_date == D(2027, 1, 29)
    assert [(c.old, c.new) for c in changes] == [(D(2027, 2, 1), D(2027, 1, 29))]
    row = a.history.order_by("-history_id").first()
    assert row.history_user.username == "system"
    assert row.transition == "deadline_recomputed"
    assert "2027-02-01 → 2027-01-29" in row.history_change_reason
    # Earlier: the handler and the issuing side are told.
    for who in ("township_nanzhao", "inspector"):
        assert Notification.objects.filter(recipient=users[who], verb="deadline.earlier").count() == 1
    # Entering the same schedule again changes nothing.
    assert deadlines.calendar_year_enter(actor=users["admin"], year=2027, days=schedule_2027())[1] == []


def test_a_date_changed_by_hand_is_left_alone(users, townships, december_notice):
    from workflows.notices import services

    a = december_notice
    with time_machine.travel(at("2026-12-22"), tick=False):
        services.assignment_request_extension(actor=users["township_nanzhao"], assignment=a,
                                              due_date=D(2027, 3, 1), comment="需要更多时间")
        services.assignment_decide_extension(actor=users["inspector"], assignment=reload(a), approve=True)
        deadlines.calendar_year_enter(actor=users["admin"], year=2027, days=schedule_2027())
    assert reload(a).due_date == D(2027, 3, 1)


def test_entering_2027_without_its_holidays_is_refused(users, december_notice):
    from supervision.errors import ValidationError

    with pytest.raises(ValidationError):
        deadlines.calendar_year_enter(actor=users["admin"], year=2027, days=[])
    assert not CalendarYear.objects.exists()
    a = reload(december_notice)
    assert (a.due_date, a.due_provisional) == (D(2027, 2, 1), True)


def test_the_page_says_why_it_is_provisional(users, web, december_notice):
    with time_machine.travel(at("2026-12-21"), tick=False):
        html = web(users["township_nanzhao"]).get(reverse("home")).content.decode()
    assert "待确认" in html and "2027年的节假日安排尚未公布" in html


def test_the_admin_enters_a_year_and_is_refused_without_holidays(users, web, december_notice):
    admin = web(users["admin"])
    url = reverse("admin:supervision_calendaryear_add")
    base = {"year": "2027", "source": "测试", "days-TOTAL_FORMS": "0", "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000"}
    r = admin.post(url, base)
    assert r.status_code == 200 and "缺少法定节假日" in r.content.decode()
    assert not CalendarYear.objects.exists()
    data = dict(base)
    rows = schedule_2027()
    data["days-TOTAL_FORMS"] = str(len(rows))
    for i, (day, working, festival, note) in enumerate(rows):
        data.update({f"days-{i}-date": day.isoformat(), f"days-{i}-festival": festival, f"days-{i}-note": note})
        if working:
            data[f"days-{i}-is_working_day"] = "on"
    r = admin.post(url, data)
    assert r.status_code == 302 and r["Location"].startswith("/admin/supervision/calendaryear/")
    a = reload(december_notice)
    assert (a.due_date, a.due_provisional) == (D(2027, 1, 29), False)
