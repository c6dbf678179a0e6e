"""Deadlines in working days across the National Day holiday; the sweep's reminder and
overdue move happen exactly once; an extension after the deadline is refused."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from supervision.models import Notification
from supervision.sweep import fire_system_transition, run_sweeps
from tests.concurrency import at_once
from workflows.notices import services
from workflows.notices.models import NoticeAssignment

from .helpers import issue, reload

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour=9):
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def sweep(day):
    return run_sweeps(at(day), only="notices")


@pytest.fixture
def national_day_notice(users, townships):
    with time_machine.travel(at("2026-09-28"), tick=False):
        return issue(users, townships, targets=("nanzhao",), urgency="normal")


def test_normal_notice_due_15_working_days_later_across_national_day(national_day_notice):
    a = national_day_notice.assignments.get()
    assert national_day_notice.issued_on == dt.date(2026, 9, 28)
    assert a.due_date == dt.date(2026, 10, 23) and not a.due_provisional


# 2026-10-10 is a Saturday worked in exchange for the holiday (调休).
@pytest.mark.parametrize("urgency,due", [("urgent", dt.date(2026, 10, 10)), ("difficult", dt.date(2026, 11, 13))])
def test_other_urgencies(users, townships, urgency, due):
    with time_machine.travel(at("2026-09-28"), tick=False):
        notice = issue(users, townships, urgency=urgency)
    assert notice.assignments.get().due_date == due


def test_limits_are_settings(users, townships, settings):
    settings.NOTICES = {"DAYS_NORMAL": 3}
    with time_machine.travel(at("2026-09-28"), tick=False):
        notice = issue(users, townships)
    assert notice.assignments.get().due_date == dt.date(2026, 10, 8)  # 29, 30, then 10-08 after the holiday


def test_deadline_in_an_unknown_year_is_provisional_not_a_crash(users, townships):
    with time_machine.travel(at("2026-12-15"), tick=False):
        notice = issue(users, townships, urgency="difficult")
    a = notice.assignments.get()
    assert a.due_date.year == 2027 and a.due_provisional


def test_reminder_and_overdue_exactly_once(national_day_notice, users, django_capture_on_commit_callbacks):
    a = national_day_notice.assignments.get()
    staff, inspector = users["township_nanzhao"], users["inspector"]

    def count(verb, user):
        return Notification.objects.filter(recipient=user, verb=verb).count()

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep("2026-10-20") == {"notices.remind_due_soon": 0, "notices.mark_overdue": 0}
        assert sweep("2026-10-21")["notices.remind_due_soon"] == 1  # two working days before 10-23
        assert sweep("2026-10-21")["notices.remind_due_soon"] == 0
        assert sweep("2026-10-22")["notices.remind_due_soon"] == 0
        assert sweep("2026-10-23") == {"notices.remind_due_soon": 0, "notices.mark_overdue": 0}  # due today: not late
        assert reload(a).state == "issued"
        assert sweep("2026-10-24")["notices.mark_overdue"] == 1
        assert sweep("2026-10-24")["notices.mark_overdue"] == 0
        assert sweep("2026-10-26")["notices.mark_overdue"] == 0
    assert (count("notices.reminder", staff), count("notices.reminder", inspector)) == (1, 1)
    assert (count("notices.mark_overdue", staff), count("notices.mark_overdue", inspector)) == (1, 1)
    a = reload(a)
    assert a.state == "overdue"
    rows = NoticeAssignment.history.filter(id=a.pk, transition="mark_overdue")
    assert rows.count() == 1 and rows.get().history_user.username == "system"


def test_two_sweeps_racing_on_the_same_rows_move_it_once(national_day_notice):
    """Both "processes" read the row before either fired; the loser's transition is a no-op."""
    a = national_day_notice.assignments.get()
    stale_1, stale_2 = NoticeAssignment.objects.get(pk=a.pk), NoticeAssignment.objects.get(pk=a.pk)
    assert fire_system_transition(stale_1, "mark_overdue", comment="逾期") is True
    assert fire_system_transition(stale_2, "mark_overdue", comment="逾期") is False
    assert NoticeAssignment.history.filter(id=a.pk, transition="mark_overdue").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweep_threads_at_once(county, users, townships):
    with time_machine.travel(at("2026-09-28"), tick=False):
        notice = issue(users, townships, targets=("nanzhao", "miaojie", "dacang"))
    from django.db import OperationalError, connection

    outcomes = at_once(lambda: sweep("2026-10-26"), lambda: sweep("2026-10-26"))
    results = [o for o in outcomes if not isinstance(o, Exception)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    # SQLite: the loser of a write-lock upgrade may give up (OperationalError); nothing else may fail.
    assert all(isinstance(e, OperationalError) for e in errors), errors

    assert results and (not errors or connection.vendor == "sqlite")
    if errors:  # the survivor did it all, or a re-run finishes it: still once per assignment
        sweep("2026-10-26")
    assert sum(r["notices.mark_overdue"] for r in results) <= 3
    for a in notice.assignments.all():
        assert NoticeAssignment.history.filter(id=a.pk, transition="mark_overdue").count() == 1


def test_approved_extension_earns_a_new_reminder(national_day_notice, users):
    a = national_day_notice.assignments.get()
    assert sweep("2026-10-21")["notices.remind_due_soon"] == 1
    with time_machine.travel(at("2026-10-21"), tick=False):
        a = services.assignment_request_extension(actor=users["township_nanzhao"], assignment=a,
                                                  due_date=dt.date(2026, 10, 30), comment="需要延期")
        services.assignment_decide_extension(actor=users["inspector"], assignment=a, approve=True)
    assert sweep("2026-10-24") == {"notices.remind_due_soon": 0, "notices.mark_overdue": 0}
    assert sweep("2026-10-28")["notices.remind_due_soon"] == 1


def test_extension_after_the_deadline_is_refused_with_a_clear_message(national_day_notice, users, api, web):
    a = national_day_notice.assignments.get()
    staff = users["township_nanzhao"]
    with time_machine.travel(at("2026-10-26"), tick=False):  # past the deadline, before the sweep ran
        client = api(staff)
        body = client.get(f"/api/v1/notice-assignments/{a.pk}/").json()
        assert "request_extension" not in body["available_transitions"]
        page = web(staff).get(a.get_absolute_url()).content.decode()
        assert 'data-transition="request_extension"' not in page
        r = client.post(f"/api/v1/notice-assignments/{a.pk}/transitions/request_extension/",
                        {"comment": "来不及", "due_date": "2026-11-30"}, format="json")
        assert r.status_code == 409
        assert "已超过办结期限（2026-10-23），不能再申请延期" in r.json()["detail"]
        r = web(staff).post(f"/records/notices.noticeassignment/{a.pk}/transitions/request_extension/",
                            {"comment": "来不及", "due_date": "2026-11-30"}, follow=True)
        assert r.status_code == 409 and "不能再申请延期" in r.content.decode()
    a2 = reload(a)
    assert (a2.state, a2.version, a2.due_date) == (a.state, a.version, a.due_date)
    assert not a2.extensions.exists()
    # on the due date itself it is still allowed
    with time_machine.travel(at("2026-10-23"), tick=False):
        r = api(staff).post(f"/api/v1/notice-assignments/{a.pk}/transitions/request_extension/",
                            {"comment": "需要延期", "due_date": "2026-11-06"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "extension_requested"
