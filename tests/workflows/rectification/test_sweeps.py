"""Monthly progress reminders/overdue and the deadline overdue mark: once per period."""
import datetime as dt

import pytest
import time_machine

from supervision.models import Notification, SweepMark
from supervision.sweep import run_sweeps
from workflows.rectification import services
from workflows.rectification.models import Rectification

pytestmark = pytest.mark.django_db


def at(y, m, d):
    return dt.datetime(y, m, d, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def sweep(when):
    with time_machine.travel(when, tick=False):
        return run_sweeps(when, only="rectification")


def verbs(username, verb):
    return Notification.objects.filter(recipient__username=username, verb=verb).count()


def test_monthly_progress_reminder_and_overdue_once_per_period(make, users):
    with time_machine.travel(at(2026, 10, 10), tick=False):
        obj = make(state="rectifying")
        idle = make(state="planned", index=1)  # not rectifying: owes no report
    assert Rectification.objects.get(pk=obj.pk).rectifying_since == dt.date(2026, 10, 10)
    # Too early in the month: nothing
    assert sweep(at(2026, 11, 10))["rectification.progress_reminders"] == 0
    # Reminder window (5 days before the 25th): once, even when run twice
    assert sweep(at(2026, 11, 21))["rectification.progress_reminders"] == 1
    assert sweep(at(2026, 11, 22))["rectification.progress_reminders"] == 0
    assert verbs("township_nanzhao", "rectification.progress_reminder") == 1
    assert verbs("township_miaojie", "rectification.progress_reminder") == 0
    # After the due day with no report: overdue once
    assert sweep(at(2026, 11, 26))["rectification.progress_overdue"] == 1
    assert sweep(at(2026, 11, 27))["rectification.progress_overdue"] == 0
    assert verbs("township_nanzhao", "rectification.progress_overdue") == 1
    assert verbs("organization", "rectification.progress_overdue") == 1
    assert verbs("township_miaojie", "rectification.progress_overdue") == 0
    assert SweepMark.objects.filter(key="rectification.progress_overdue", period="2026-11").count() == 1
    # December: report sent on time → no overdue; the reminder is a new period
    assert sweep(at(2026, 12, 21))["rectification.progress_reminders"] == 1
    with time_machine.travel(at(2026, 12, 22), tick=False):
        services.progress_report_add(actor=users["township_nanzhao"], rectification_id=obj.pk,
                                     data={"text": "十二月进展"})
    assert sweep(at(2026, 12, 26))["rectification.progress_overdue"] == 0
    assert verbs("township_nanzhao", "rectification.progress_reminder") == 2
    assert not SweepMark.objects.filter(object_id=str(idle.pk), key__startswith="rectification.progress").exists()


def test_deadline_reminder_and_overdue_mark_once(make, users, api):
    with time_machine.travel(at(2026, 10, 10), tick=False):
        obj = make(state="rectifying")
    assert obj.due_date == dt.date(2026, 12, 31)
    assert sweep(at(2026, 12, 20))["rectification.deadline_reminders"] == 1
    assert sweep(at(2026, 12, 21))["rectification.deadline_reminders"] == 0
    first = sweep(at(2027, 1, 2))
    second = sweep(at(2027, 1, 3))
    assert first["rectification.deadline_overdue"] == 1 and second["rectification.deadline_overdue"] == 0
    fresh = Rectification.objects.get(pk=obj.pk)
    assert fresh.overdue_flagged_on == dt.date(2027, 1, 2) and fresh.state == "rectifying"
    assert fresh.history.filter(history_change_reason="整顿期限已过").count() == 1
    assert verbs("organization", "rectification.overdue") == 1
    assert verbs("township_nanzhao", "rectification.overdue") == 1
    assert verbs("township_miaojie", "rectification.overdue") == 0
    # the organisation department's overdue list shows it; a township's other township does not
    with time_machine.travel(at(2027, 1, 3), tick=False):
        from django.test import Client

        c = Client()
        c.force_login(users["organization"])
        page = c.get("/rectification/overdue/").content.decode()
        assert fresh.get_absolute_url() in page
        c.force_login(users["township_miaojie"])
        assert c.get("/rectification/overdue/").status_code == 404


def test_failed_acceptance_sets_a_new_period(make, users, api):
    with time_machine.travel(at(2026, 3, 1), tick=False):
        obj = make(state="acceptance_requested")
        r = api(users["organization"]).post(f"/api/v1/rectifications/{obj.pk}/transitions/fail/", {
            "score": 60, "dissatisfied_pct": 20, "inspectors": "验收组", "new_deadline": "2026-06-30"}, format="json")
        assert r.status_code == 200, r.content
        api(users["township_nanzhao"]).post(f"/api/v1/rectifications/{obj.pk}/transitions/resume/", {}, format="json")
    assert sweep(at(2026, 7, 1))["rectification.deadline_overdue"] == 1
    assert sweep(at(2026, 7, 2))["rectification.deadline_overdue"] == 0
