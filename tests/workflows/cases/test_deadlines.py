"""Time limits: computed on approval, moved by approved extensions, marked by the sweep once."""
import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from supervision import workdays
from supervision.models import SweepMark
from supervision.sweep import run_sweeps
from workflows.cases.models import Case
from workflows.cases.sweeps import cases_mark_overdue, cases_remind

from .conftest import fire, register

pytestmark = pytest.mark.django_db

FILED = dt.date(2026, 3, 2)


def at(day: dt.date, hour=9):
    cst = dt.timezone(dt.timedelta(hours=8))
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=cst), tick=False)


def filed_case(users, townships, day=FILED):
    with at(day):
        case = register(users, townships)
        case = fire(case, "propose_disposition", users["discipline"], {"target": "verification"})
        case = fire(case, "approve", users["discipline_head"])
        case = fire(case, "propose_filing", users["discipline"])
        case = fire(case, "approve", users["discipline_head2"])
        case = fire(case, "start_investigation", users["discipline"])
    return case


def sweep_on(day):
    with at(day):
        return run_sweeps()


DUE_90 = dt.date(2026, 6, 1)  # FILED + 90 days is a Sunday: the next working day


def test_investigation_goes_overdue_after_90_days(users, townships):
    case = filed_case(users, townships)
    # Day 90 is Sunday 31 May 2026: the period ends on the next working day (民法典 art. 203).
    assert case.filed_on == FILED and case.due_date == DUE_90 == workdays.period_end(FILED, days=90).date
    assert sweep_on(DUE_90)["cases.cases_mark_overdue"] == 0
    assert not Case.objects.get(pk=case.pk).overdue
    assert sweep_on(DUE_90 + dt.timedelta(days=1))["cases.cases_mark_overdue"] == 1
    case = Case.objects.get(pk=case.pk)
    assert case.overdue and case.state == "investigating"


def test_sweep_twice_marks_once(users, townships):
    case = filed_case(users, townships)
    day = FILED + dt.timedelta(days=100)
    assert sweep_on(day)["cases.cases_mark_overdue"] == 1
    assert sweep_on(day)["cases.cases_mark_overdue"] == 0
    with at(day):
        assert cases_mark_overdue(None) == 0
    assert case.history.filter(transition="mark_overdue").count() == 1


def test_approved_extension_moves_the_deadline(users, townships):
    case = filed_case(users, townships)
    with at(FILED + dt.timedelta(days=60)):
        case = fire(case, "propose_extension", users["discipline"], {"days": 30}, comment="案情复杂，申请延长")
        assert case.due_date == DUE_90  # not moved until approved
        case = fire(case, "approve", users["discipline_head"])
    assert case.due_date == FILED + dt.timedelta(days=120) and case.extension_count == 1
    assert sweep_on(FILED + dt.timedelta(days=100))["cases.cases_mark_overdue"] == 0
    assert sweep_on(FILED + dt.timedelta(days=121))["cases.cases_mark_overdue"] == 1


def test_rejected_extension_does_not(users, townships):
    case = filed_case(users, townships)
    with at(FILED + dt.timedelta(days=60)):
        case = fire(case, "propose_extension", users["discipline"], {"days": 30})
        case = fire(case, "reject_proposal", users["discipline_head"], comment="不同意延期")
    assert case.due_date == DUE_90
    assert sweep_on(DUE_90 + dt.timedelta(days=1))["cases.cases_mark_overdue"] == 1


def test_extension_is_bounded(users, townships):
    from supervision.errors import ValidationError

    case = filed_case(users, townships)
    with pytest.raises(ValidationError):
        fire(case, "propose_extension", users["discipline"], {"days": 91})
    with pytest.raises(ValidationError):
        fire(case, "propose_extension", users["discipline"], {"days": -3})


def test_limits_are_settings(users, townships, settings):
    settings.CASES = {"INVESTIGATION_DAYS": 30}
    case = filed_case(users, townships)
    assert case.due_date == FILED + dt.timedelta(days=30)


def test_inquiry_reply_in_working_days_and_verification_in_months(users, townships):
    day = dt.date(2026, 9, 25)
    with at(day):
        case = fire(fire(register(users, townships), "propose_disposition", users["discipline"],
                         {"target": "inquiry"}), "approve", users["discipline_head"])
        assert case.due_date == workdays.add_working_days(day, 15).date
        assert (case.due_date - day).days > 21  # National Day holidays are not working days
        case2 = fire(fire(register(users, townships), "propose_disposition", users["discipline"],
                          {"target": "verification"}), "approve", users["discipline_head"])
        assert case2.due_date == dt.date(2026, 11, 25)
        case2 = fire(case2, "propose_extension", users["discipline"], {})
        case2 = fire(case2, "approve", users["discipline_head2"])
        assert case2.due_date == dt.date(2026, 12, 25)


def test_overdue_case_on_heads_task_list_until_urged(users, townships, web):
    case = filed_case(users, townships)
    sweep_on(FILED + dt.timedelta(days=95))
    home = web(users["discipline_head"]).get(reverse("home")).content.decode()
    assert case.get_absolute_url() in home and "逾期督办" in home
    fire(case, "urge", users["discipline_head"], comment="请于本周内报送调查情况")
    home = web(users["discipline_head"]).get(reverse("home")).content.decode()
    assert case.get_absolute_url() not in home
    assert users["discipline"].notifications.filter(verb="cases.urged").exists()


def test_reminder_once_per_deadline(users, townships, django_capture_on_commit_callbacks):
    case = filed_case(users, townships)
    day = case.due_date - dt.timedelta(days=1)
    with at(day):
        assert cases_remind(None) == 1
        assert cases_remind(None) == 0
    assert SweepMark.objects.filter(key="cases.reminder", object_id=str(case.pk)).count() == 1
    assert users["discipline"].notifications.filter(verb="cases.reminder").count() == 1


def test_run_sweeps_command(users, townships):
    filed_case(users, townships)
    call_command("run_sweeps", now=str(FILED + dt.timedelta(days=200)), workflow="cases")
    assert Case.objects.filter(overdue=True).count() == 1


def test_paper_dates_set_the_time_limits_and_are_bounded(users, townships, api):
    """A clue received and filed on paper before it was entered: the real dates count for the time
    limits (and make it overdue); the history keeps the time of entry. Future or too-old dates, or an
    approval dated before the clue was received, are refused with a 400 and change nothing."""
    today = dt.date(2026, 6, 1)
    with at(today):
        handler, head = api(users["discipline"]), api(users["discipline_head"])
        body = {"source": "petition", "category": "village_tyrant", "description": "纸质登记补录",
                "reporter_anonymous": True, "subjects": [{"name": "某某"}]}  # filing needs a subject
        for bad in ("2026-06-02", "2025-05-01"):
            r = handler.post("/api/v1/cases/", {**body, "received_on": bad}, format="json")
            assert r.status_code == 400 and "补录日期" in r.json()["received_on"][0], (bad, r.json())
        assert not Case.objects.exists()
        r = handler.post("/api/v1/cases/", {**body, "received_on": "2026-02-01"}, format="json")
        assert r.status_code == 201, r.json()
        case = Case.objects.get()
        assert case.received_on == dt.date(2026, 2, 1) and case.number.startswith("巍纪〔2026〕")

        url = f"/api/v1/cases/{case.pk}/transitions/"
        assert handler.post(url + "propose_disposition/", {"comment": "初核", "target": "verification"},
                            format="json").status_code == 200
        for bad in ("2026-06-02", "2025-05-01", "2026-01-31"):  # future, too old, before received
            r = head.post(url + "approve/", {"approved_on": bad}, format="json")
            assert r.status_code == 400 and "补录日期" in r.json()["approved_on"][0], (bad, r.json())
        case.refresh_from_db()
        assert case.state == "received" and case.pending_kind == "disposition" and case.due_date is None
        assert head.post(url + "approve/", {"approved_on": "2026-02-03"}, format="json").status_code == 200
        assert handler.post(url + "propose_filing/", {"comment": "提请立案"}, format="json").status_code == 200
        r = api(users["discipline_head2"]).post(url + "approve/", {"approved_on": "2026-02-10"}, format="json")
        assert r.status_code == 200, r.json()
        case.refresh_from_db()
        assert case.state == "filed" and case.filed_on == dt.date(2026, 2, 10)
        assert case.investigation_due == case.due_date == dt.date(2026, 2, 10) + dt.timedelta(days=90)
        approval = case.history.filter(transition="approve").latest("history_id")
        assert timezone.localdate(approval.history_date) == today  # the history is not back-dated
        assert cases_mark_overdue(timezone.now()) == 1
        assert Case.objects.get(pk=case.pk).overdue
