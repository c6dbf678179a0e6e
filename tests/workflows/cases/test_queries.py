"""Bounded queries on the register, detail, approval queue, statistics, export and API, 5 vs 500 cases."""
import pytest
from django.urls import reverse

from supervision import registry
from supervision.transitions import run_transition
from tests.helpers import assert_max_queries, count_queries
from workflows.cases.models import Case

from .conftest import register

pytestmark = pytest.mark.django_db


def make_cases(users, townships, n):
    names = list(townships)
    for i in range(n):
        case = register(users, townships, township=names[i % len(names)], amount=i)
        if i % 3 == 0:
            run_transition(model=Case, pk=case.pk, name="propose_disposition", actor=users["discipline"],
                           comment="建议初核", data={"target": "verification"})


count = count_queries


PAGES = {
    "list": lambda c, case: c.get(reverse("cases:list")),
    "list_filtered": lambda c, case: c.get(reverse("cases:list") + "?state=received&q=杨"),
    "detail": lambda c, case: c.get(case.get_absolute_url()),
    "approvals": lambda c, case: c.get(reverse("cases:approvals")),
    "stats": lambda c, case: c.get(reverse("cases:stats")),
    "export": lambda c, case: c.get(reverse("cases:export")),
    "history": lambda c, case: c.get(reverse("record-history", args=["cases.case", case.pk])),
    "home": lambda c, case: c.get(reverse("home")),
}
API = {
    "api_list": lambda c, case: c.get("/api/v1/cases/"),
    "api_detail": lambda c, case: c.get(f"/api/v1/cases/{case.pk}/"),
    "api_history": lambda c, case: c.get(f"/api/v1/cases/{case.pk}/history/"),
}
LIMIT = 25
# Pages showing the case's timeline read one history table per part of the case (a constant: the
# limit was set with two parts, the subjects and their matters; the records of the work add theirs).
TIMELINE_PAGES = {"detail", "history", "api_history"}


# The detail page's sections of 留置 and the records of the work: one query each for the
# detentions, the letters, the talks, the evidence list and their files, whatever their number
# (test_record_pages checks that it does not grow).
RECORD_SECTION_QUERIES = 5


def limit_for(name: str) -> int:
    timeline = len(registry.for_model(Case).parts) - 2 if name in TIMELINE_PAGES else 0
    return LIMIT + timeline + (RECORD_SECTION_QUERIES if name == "detail" else 0)


USERNAMES = ["discipline_head", "auditor"]


def test_queries_do_not_grow_with_rows(users, townships, web, api):
    """One data set of 5 then 500 cases, measured for each role (built once, not per role)."""
    make_cases(users, townships, 5)
    case = Case.objects.order_by("pk").first()
    small = {}
    for username in USERNAMES:
        user = users[username]
        for name, fn in PAGES.items():
            small[username, name] = count(lambda fn=fn, user=user: fn(web(user), case))
        for name, fn in API.items():
            small[username, name] = count(lambda fn=fn, user=user: fn(api(user), case))
    make_cases(users, townships, 495)
    assert Case.objects.count() == 500
    for username in USERNAMES:
        user = users[username]
        for name, fn in {**PAGES, **API}.items():
            client = api(user) if name.startswith("api_") else web(user)
            with assert_max_queries(limit_for(name), f"{username} {name}"):
                n = count(lambda fn=fn, client=client: fn(client, case))
            # The export writes one read-log row per case (a few batched INSERTs on SQLite).
            slack = 3 if name == "export" else 0
            assert n <= small[username, name] + slack, (username, name, small[username, name], n)
