"""Invariants that two requests could race past are database constraints (issue 9 item 2), and
non-transition writes keep one chain under concurrency (item 1)."""
import datetime as dt

import pytest
from django.db import connection, transaction

from supervision.audit.chain import verify
from supervision.constraints import ConstraintViolation
from supervision.errors import ValidationError
from supervision.transitions import save_with_history
from tests.concurrency import at_once
from workflows.postings import services
from workflows.postings.models import Assessment, MonthlyAttendance, Posting, Recall

from . import factories

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions: PostgreSQL")


def _direct(**kw):
    """A posting written past the service's checks: only the database stands in the way."""
    p = Posting(start_date=dt.date(2026, 1, 1), end_date=dt.date(2028, 1, 1), **kw)
    save_with_history(p, actor=None, reason="test")
    return p


@pytest.mark.django_db
def test_database_refuses_a_second_active_first_secretary_and_a_second_active_posting(make_posting, units):
    p = make_posting()
    with pytest.raises(ConstraintViolation) as exc, transaction.atomic():
        _direct(person=factories.person(), dispatching_unit=units["县财政局"], village=p.village,
                role="first_secretary")
    assert exc.value.message_dict == {"village": ["该村已有在岗的第一书记。"]}
    with pytest.raises(ConstraintViolation) as exc, transaction.atomic():
        _direct(person=p.person, dispatching_unit=units["县财政局"], village=p.village, role="member")
    assert exc.value.message_dict == {"person": ["该同志已有在岗的驻村选派。"]}
    # A team member in the same village, and an ended posting's person posted again, are fine.
    _direct(person=factories.person(), dispatching_unit=units["县财政局"], village=p.village, role="member")
    assert verify().ok


@pytest.mark.django_db
def test_database_refuses_a_second_open_recall_and_a_second_assessment(make_posting, users):
    p = make_posting()
    services.recall_propose(actor=users["organization"], posting=p, grounds="不在岗")
    with pytest.raises(ConstraintViolation) as exc, transaction.atomic():
        save_with_history(Recall(posting=p, person_id=p.person_id, township_id=p.village.parent_id, grounds="again"),
                          actor=users["organization"])
    assert exc.value.message_dict == {"posting": ["该同志已有未办结的召回。"]}
    factories.assessment(p, 2026)
    with pytest.raises(ConstraintViolation), transaction.atomic():
        factories.assessment(p, 2026)
    assert verify().ok


@pytest.mark.django_db
def test_renewal_still_works_with_the_constraints(make_posting, users):
    p = make_posting()
    factories.fire(p, "renew", users["organization"], comment="连任", term_years="2")
    assert Posting.objects.get(pk=p.pk).state == "renewed"
    assert p.renewals.get().state == "active"
    assert verify().ok


def _status(response):
    return response.status_code


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_secretaries_posted_to_one_village_at_once(users, api, villages, units):
    def post(name, village):
        return api(users["organization"]).post("/api/v1/postings/", {
            "person_name": name, "dispatching_unit": units["县财政局"].pk, "village": village.pk,
            "role": "first_secretary", "start_date": "2026-03-01"}, format="json")

    for round_, village in enumerate(villages["weibaoshan"][:3]):  # the race is not a one-off
        responses = at_once(lambda r=round_, v=village: post(f"甲{r}", v),
                            lambda r=round_, v=village: post(f"乙{r}", v))
        assert sorted(map(_status, responses)) == [201, 400], [r.content for r in responses]
        refused = next(r for r in responses if r.status_code == 400).json()
        assert "已有在岗的第一书记" in str(refused)
        assert Posting.objects.filter(village=village, state="active", role="first_secretary").count() == 1
    assert verify().ok


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_one_month_of_attendance_registered_twice_at_once(make_posting, users, api):
    p = make_posting()

    def post(days):
        return api(users["township_nanzhao"]).post(f"/api/v1/postings/{p.pk}/attendance/", {
            "year": 2026, "month": 3, "days_on_site": days}, format="json")

    responses = at_once(lambda: post(20), lambda: post(21))
    # Truly simultaneous first entries: the unique (posting, year, month) rule lets one INSERT in and the
    # other gets a clear 400; if the second only started once the first had committed, it is a correction.
    statuses = sorted(map(_status, responses))
    assert statuses in ([201, 400], [201, 201]), [r.content for r in responses]
    if statuses == [201, 400]:
        assert "已由他人登记" in str(next(r for r in responses if r.status_code == 400).json())
    row = MonthlyAttendance.objects.get(posting=p, year=2026, month=3)
    assert row.history.count() == statuses.count(201)
    # Corrections at once queue on the row's lock: both land, one after the other, on one chain.
    responses = at_once(lambda: post(22), lambda: post(23))
    assert sorted(map(_status, responses)) == [201, 201]
    assert row.history.count() == statuses.count(201) + 2
    assert verify().ok


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_first_entry_of_a_month_is_refused_by_the_database(make_posting, users):
    """The losing side of the race, made certain: a request that found no row when it looked."""
    p = make_posting()

    def entry(days):
        row = MonthlyAttendance(posting=p, year=2026, month=4, days_on_site=days)
        save_with_history(row, actor=users["township_nanzhao"], reason="登记考勤")
        return row

    outcomes = at_once(lambda: entry(20), lambda: entry(21))
    kinds = sorted("400" if isinstance(o, ConstraintViolation) else "ok" if isinstance(o, MonthlyAttendance)
                   else repr(o) for o in outcomes)
    assert kinds == ["400", "ok"]
    refused = next(o for o in outcomes if isinstance(o, ConstraintViolation))
    assert refused.message_dict == {"month": ["该月考勤已由他人登记，请刷新后再更正。"]}
    assert verify().ok


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_one_assessment_opened_twice_at_once(make_posting, users):
    p = make_posting()
    outcomes = at_once(*[lambda: services.assessment_open(actor=users["organization"], posting=p, year=2026)] * 2)
    # The service's check or, when both passed it at once, the unique rule: a 400 either way.
    kinds = sorted("400" if isinstance(o, ValidationError) else "ok" if isinstance(o, Assessment) else repr(o)
                   for o in outcomes)
    assert kinds == ["400", "ok"]
    assert verify().ok
