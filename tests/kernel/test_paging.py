"""The kernel paginator (supervision.paging): counts exact up to the cap, "N+" past it, and every
row still reachable page by page; the register's header and pager say so."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision import paging
from supervision.models import User
from workflows.notices.models import NoticeAssignment

from ..workflows.notices.helpers import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    User.objects.bulk_create([User(username=f"paging{i:02d}") for i in range(23)])
    return User.objects.filter(username__startswith="paging").order_by("username")


def _walk(paginator):
    """Every row, following the next-page links from page 1."""
    seen, number = [], 1
    while True:
        page = paginator.get_page(number)
        seen += [u.username for u in page]
        if not page.has_next():
            return seen, number
        number = page.next_page_number()


def test_under_the_cap_the_count_and_pages_are_exact(people):
    p = paging.Paginator(people, 10, cap=100)
    assert p.count == 23 and not p.capped and p.count_label == "23" and p.num_pages == 3
    page = p.get_page(3)
    assert len(page) == 3 and not page.has_next() and page.position == "第 3 / 3 页"
    assert p.get_page(99).number == 3 and p.get_page("x").number == 1  # as Django's get_page


def test_past_the_cap_the_count_says_more_and_every_row_is_still_reached(people):
    p = paging.Paginator(people, 5, cap=12)
    assert p.count == 13 and p.capped and p.count_label == "12+"
    first = p.get_page(1)
    assert first.has_next() and first.position == "第 1 页"
    rows, last = _walk(paging.Paginator(people, 5, cap=12))
    assert rows == [u.username for u in people] and last == 5  # 23 rows, 5 a page, past the cap of 12
    beyond = p.get_page(5)
    assert len(beyond) == 3 and not beyond.has_next() and beyond.has_previous()
    assert beyond.start_index() == 21 and beyond.end_index() == 23
    assert p.get_page(40).number == p.num_pages  # beyond the end: the last counted page, as Django


def test_the_count_reads_at_most_the_cap_plus_one_rows(people):
    with CaptureQueriesContext(connection) as q:
        assert paging.Paginator(people, 5, cap=7).count == 8
    assert len(q.captured_queries) == 1 and "LIMIT 8" in q.captured_queries[0]["sql"].upper()


def test_a_list_in_memory_is_counted_exactly():
    p = paging.Paginator(list(range(30)), 10, cap=5)
    assert p.count == 30 and not p.capped and p.num_pages == 3


def test_the_register_says_more_than_the_cap_and_pages_on(users, townships, web, monkeypatch, settings):
    issue(users, townships, targets=("nanzhao", "miaojie", "dacang"), title="第一批")
    issue(users, townships, targets=("nanzhao", "miaojie", "dacang"), title="第二批")
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    settings.NOTICES = {**getattr(settings, "NOTICES", {}), "REGISTER_PAGE_SIZE": 2}
    client = web(users["inspector"])
    ids = []
    for number in (1, 2, 3):
        html = client.get(f"/notices/?page={number}").content.decode()
        assert re.search(r'id="register-count">4\+<', html)
        ids += [int(i) for i in re.findall(r'data-assignment="(\d+)"', html)]
        assert f"第 {number} 页" in html
        assert ('rel="next"' in html) == (number < 3)
    assert sorted(ids) == sorted(NoticeAssignment.objects.values_list("pk", flat=True))


def test_the_count_reads_its_rows_unsorted_when_the_order_cannot_change_them(people):
    """Sorted by columns of the model or of single-valued relations, the count of the first cap + 1
    rows is the same in any order: it is read without the ORDER BY (and its joins)."""
    from supervision import paging as p
    from workflows.notices.models import NoticeAssignment

    sorted_qs = NoticeAssignment.objects.order_by("-notice__issued_on", "-notice_id", "township__code")
    assert p.order_keeps_rows(sorted_qs.query)
    with CaptureQueriesContext(connection) as q:
        assert p.Paginator(sorted_qs, 5, cap=7).count == 0  # none issued here: the statement is the point
    sql = q.captured_queries[0]["sql"].upper()
    assert "ORDER BY" not in sql and "JOIN" not in sql and "LIMIT 8" in sql
    assert p.order_keeps_rows(people.query)  # the model's column
    assert p.order_keeps_rows(User.objects.all().query)  # the model's Meta ordering (or none)


def test_the_count_keeps_an_order_that_can_change_its_rows(people):
    """Through a to-many relation the ordering repeats rows, DISTINCT can depend on the ordering's
    columns, and by a relation (or an expression) it is another model's ordering: kept."""
    from django.db.models import F

    from supervision import paging as p
    from workflows.notices.models import Notice

    for qs in (Notice.objects.order_by("assignments__due_date"), Notice.objects.order_by("issuing_unit"),
               User.objects.order_by("username").distinct(), User.objects.order_by(F("username").desc()),
               User.objects.order_by("?")):
        assert not p.order_keeps_rows(qs.query), qs.query
    repeated = Notice.objects.order_by("assignments__due_date")
    with CaptureQueriesContext(connection) as q:
        assert p.Paginator(repeated, 5).count == 0  # none issued here: the statement is the point
    assert "ORDER BY" in q.captured_queries[0]["sql"].upper()


def test_the_unsorted_count_equals_the_rows_listed(users, townships):
    issue(users, townships, targets=("nanzhao", "miaojie", "dacang"), title="第一批")
    issue(users, townships, targets=("nanzhao", "miaojie"), title="第二批")
    qs = NoticeAssignment.objects.order_by("-notice__issued_on", "-notice_id", "township__code")
    for cap in (1, 3, 4, 5, 100):
        counted = paging.Paginator(qs, 2, cap=cap).count
        assert counted == min(len(list(qs)), cap + 1)
    assert paging.Paginator(qs.filter(township=townships["dacang"]), 2).count == 1
