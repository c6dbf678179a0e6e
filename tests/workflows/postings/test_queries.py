"""Bounded queries: the same number of SQL queries with 5 or 500 postings."""
import pytest

from supervision.models import Region, Unit
from tests.helpers import count_queries
from workflows.postings import services
from workflows.postings.models import MonthlyAttendance

from . import factories


def _build(n, users, same_person=None):
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE).order_by("code"))
    units = list(Unit.objects.filter(is_dispatching=True))
    org = users["organization"]
    nanzhao = villages[0]
    same_person = same_person or factories.person("老驻村")
    postings = []
    for i in range(n):
        village = villages[i % len(villages)] if i else nanzhao
        p = factories.posting(village=village, unit=units[i % len(units)], actor=org,
                              role="first_secretary" if i < len(villages) else "member",
                              who=same_person if i % 2 == 0 else None)
        postings.append(p)
        MonthlyAttendance.objects.create(posting=p, year=2026, month=1 + i % 12, days_on_site=20, absences=i % 2)
        a = factories.assessment(p, year=2026)
        if i % 5 == 0:
            services.recall_propose(actor=org, posting=p, grounds="测试召回")
        if i % 7 == 0:
            factories.fire(a, "submit_self_report", org, self_report="述职")
    return postings, same_person


PAGES = {
    "register": lambda p, person: "/postings/",
    "register_filtered": lambda p, person: "/postings/?state=active&role=first_secretary",
    "export": lambda p, person: "/postings/export.xlsx",
    "person": lambda p, person: f"/postings/people/{person.pk}/",
    "board": lambda p, person: "/postings/assessments/?year=2026",
    "recalls": lambda p, person: "/postings/recalls/",
    "posting": lambda p, person: f"/postings/{p.pk}/",
    "home": lambda p, person: "/",
    "api_postings": lambda p, person: "/api/v1/postings/",
    "api_assessments": lambda p, person: "/api/v1/assessments/?year=2026",
    "api_recalls": lambda p, person: "/api/v1/recalls/",
}


def _count(client, url):
    return count_queries(lambda: client.get(url))


USERNAMES = ["organization", "township_nanzhao"]


@pytest.mark.django_db
def test_queries_do_not_grow_with_rows(users, web, api):
    """One data set of 5 then 500 postings, measured for each role (built once, not per role)."""
    postings, person = _build(5, users)
    small = {}
    for username in USERNAMES:
        for name, url in PAGES.items():
            client = api(users[username]) if name.startswith("api_") else web(users[username])
            small[username, name] = _count(client, url(postings[0], person))
    postings += _build(495, users, person)[0]
    assert person.postings.count() > 200
    for username in USERNAMES:
        for name, url in PAGES.items():
            client = api(users[username]) if name.startswith("api_") else web(users[username])
            big = _count(client, url(postings[0], person))
            assert big <= small[username, name] + 2, (username, name, small[username, name], big)
            assert big <= 40, (username, name, big)
