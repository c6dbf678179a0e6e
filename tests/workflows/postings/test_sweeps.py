"""Timer jobs: term end flagged a month ahead, once; publicity-over reminder once."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from supervision.sweep import run_sweeps
from workflows.postings.models import Posting

from . import factories
from .factories import fire, reload

TZ = ZoneInfo("Asia/Shanghai")


def now(y, m, d):
    return dt.datetime(y, m, d, 8, 0, tzinfo=TZ)


@pytest.mark.django_db
def test_term_end_flagged_a_month_ahead_once(make_posting, users, web):
    p = make_posting(start=dt.date(2025, 1, 1))  # ends 2027-01-01
    assert p.end_date == dt.date(2027, 1, 1)
    assert run_sweeps(now(2026, 12, 1), only="postings")["postings.flag_term_end"] == 0
    assert run_sweeps(now(2026, 12, 2), only="postings")["postings.flag_term_end"] == 1
    assert reload(p).term_end_flagged
    assert run_sweeps(now(2026, 12, 3), only="postings")["postings.flag_term_end"] == 0
    assert users["township_nanzhao"].notifications.filter(verb="postings.term_end").count() == 1
    assert users["organization"].notifications.filter(verb="postings.term_end").count() == 1
    assert "任期将满" in web(users["organization"]).get("/postings/").content.decode()


@pytest.mark.django_db
def test_renewal_starts_a_new_term(make_posting, users):
    p = make_posting(start=dt.date(2025, 1, 1))
    fire(p, "renew", users["organization"], comment="连任", term_years="2")
    p = reload(p)
    assert p.state == "renewed"
    new = p.renewals.get()
    assert (new.state, new.start_date, new.end_date, new.person_id) == (
        "active", dt.date(2027, 1, 1), dt.date(2029, 1, 1), p.person_id)
    assert Posting.objects.filter(village=p.village, state="active").count() == 1


@pytest.mark.django_db
def test_publicity_over_reminds_once(make_posting, users):
    a = factories.assessment(make_posting(), year=2026)
    with time_machine.travel(now(2026, 11, 20), tick=False):
        factories.to_publicized(a, users)
    assert run_sweeps(now(2026, 11, 27), only="postings")["postings.publicity_over"] == 0
    assert run_sweeps(now(2026, 11, 28), only="postings")["postings.publicity_over"] == 1
    assert run_sweeps(now(2026, 11, 29), only="postings")["postings.publicity_over"] == 0
    assert users["organization"].notifications.filter(verb="postings.publicity_over").count() == 1


@pytest.mark.django_db
def test_each_step_notifies_township_organisation_and_person(make_posting, users, web):
    from supervision.models import User

    p = make_posting()
    person_user = User.objects.create(username="zhucun", person=p.person)
    a = factories.assessment(p, year=2026)
    fire(a, "submit_self_report", users["township_nanzhao"], self_report="述职")
    for user in (users["organization"], person_user):
        assert user.notifications.filter(verb="postings.submit_self_report").count() == 1
    # The person holds no role, but may open the records about themselves (person_lookup).
    note = person_user.notifications.get(verb="postings.submit_self_report")
    assert note.url == a.get_absolute_url() and "述职" in note.message
    assert web(person_user).get(note.url).status_code == 200
    assert not web(person_user).get(a.get_absolute_url()).content.decode().count('name="comment"')
    assert users["organization"].notifications.get(verb="postings.submit_self_report").url == a.get_absolute_url()
    fire(a, "township_rate", users["township_nanzhao"], grade="competent")
    fire(a, "enter_unit_opinion", users["organization"], unit_opinion="同意")
    assert users["township_nanzhao"].notifications.filter(verb="postings.enter_unit_opinion").count() == 1
    assert person_user.notifications.filter(verb="postings.enter_unit_opinion").count() == 1
    assert not users["township_miaojie"].notifications.exists()


@pytest.mark.django_db
def test_notifications_are_stored_in_the_county_language(make_posting, users, web):
    """An actor reading the English pages still leaves the township a Chinese notification."""
    from supervision.models import User

    p = make_posting(name="杨驻村")
    person_user = User.objects.create(username="yang", person=p.person)
    a = factories.assessment(p, year=2026)
    client = web(users["organization"])
    client.cookies["django_language"] = "en"
    r = client.post(f"/records/postings.assessment/{a.pk}/transitions/submit_self_report/",
                    {"self_report": "述职", "comment": "代为提交"})
    assert r.status_code == 302
    for user in (users["township_nanzhao"], person_user):
        note = user.notifications.get(verb="postings.submit_self_report")
        assert note.message == "杨驻村 2026年度考核：述职（已述职） — 代为提交", note.message
