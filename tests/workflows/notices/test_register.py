"""The register 台账 filters one way: the page, the API and the export share one FilterSet
(workflows.notices.filters.AssignmentFilter); columns sort; the kernel pager."""
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from supervision.sweep import fire_system_transition
from workflows.notices.models import NoticeAssignment

from .helpers import issue

pytestmark = pytest.mark.django_db


def _export_ids(content):
    rows = list(load_workbook(BytesIO(content)).active.iter_rows(min_row=2, values_only=True))
    wanted = {(r[0], r[5]) for r in rows}  # (文号, 乡镇)
    return {a.pk for a in NoticeAssignment.objects.select_related("notice", "township")
            if (a.notice.number, a.township.name) in wanted}


@pytest.fixture
def made(users, townships):
    urgent = issue(users, townships, targets=("nanzhao", "miaojie"), urgency="urgent", title="紧急通知")
    issue(users, townships, targets=("dacang", "nanzhao"), urgency="difficult", title="复杂通知")
    fire_system_transition(urgent.assignments.get(township=townships["miaojie"]), "mark_overdue", comment="逾期")
    return urgent


@pytest.mark.parametrize("query", ["", "state=overdue", "township={nanzhao}", "urgency=urgent&township={nanzhao}",
                                   "q=复杂", "overdue=on", "notice={notice}", "issued_to=2000-01-01"])
@pytest.mark.parametrize("username", ["inspector", "township_nanzhao"])
def test_page_api_and_export_filter_alike(query, username, made, users, townships, web, api):
    q = query.format(nanzhao=townships["nanzhao"].pk, notice=made.pk)
    user = users[username]
    page = web(user).get(f"/notices/?{q}")
    assert page.status_code == 200
    page_ids = {int(i) for i in re.findall(r'data-assignment="(\d+)"', page.content.decode())}
    body = api(user).get(f"/api/v1/notice-assignments/?{q}")
    assert body.status_code == 200, body.content
    api_ids = {item["id"] for item in body.json()["results"]}
    export_ids = _export_ids(web(user).get(f"/notices/export.xlsx?{q}").content)
    assert page_ids == api_ids == export_ids, (q, page_ids, api_ids, export_ids)
    expected = {"": 4, "state=overdue": 1, "q=复杂": 2, "issued_to=2000-01-01": 0}
    if username == "inspector" and query in expected:
        assert len(page_ids) == expected[query]
    if username == "township_nanzhao":
        assert all(NoticeAssignment.objects.get(pk=i).township == townships["nanzhao"] for i in page_ids)


def test_columns_sort_both_ways_and_bad_values_match_nothing_on_the_page(made, users, townships, web, api):
    client = web(users["inspector"])
    order = lambda html: [int(i) for i in re.findall(r'data-assignment="(\d+)"', html)]  # noqa: E731
    up = client.get("/notices/?sort=township").content.decode()
    down = client.get("/notices/?sort=-township").content.decode()
    codes = lambda ids: [NoticeAssignment.objects.get(pk=i).township.code for i in ids]  # noqa: E731
    assert codes(order(up)) == sorted(codes(order(up))) and codes(order(down)) == sorted(codes(order(up)),
                                                                                           reverse=True)
    assert 'aria-sort="ascending"' in up and 'aria-sort="descending"' in down
    bad = client.get("/notices/?township=abc&sort=nonsense")
    assert bad.status_code == 200 and 'id="register-count">0<' in bad.content.decode()
    assert api(users["inspector"]).get("/api/v1/notice-assignments/?township=abc").status_code == 400


def test_the_register_uses_the_kernel_pager_and_chinese_filters(made, users, web, settings):
    settings.NOTICES = {**getattr(settings, "NOTICES", {}), "REGISTER_PAGE_SIZE": 2}
    html = web(users["inspector"]).get("/notices/?sort=due_date").content.decode()
    assert 'class="pager"' in html and 'rel="next"' in html and "sort=due_date&amp;page=2" in html
    assert html.count('data-assignment="') == 2
    assert "Select an option" not in html and "---------" not in html


def test_the_page_reads_only_what_its_table_shows_and_writes_the_same_rows(made, users, townships, web):
    """The register's query loads the table's fields (``ASSIGNMENT_TABLE.rows``): the rows it writes
    are the ones the whole records write, with no query per row for a field left out."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supervision.sweep import fire_system_transition as fire
    from workflows.notices.selectors import assignment_list_visible_to
    from workflows.notices.tables import ASSIGNMENT_TABLE

    escalated = NoticeAssignment.objects.filter(state="overdue").first() or NoticeAssignment.objects.first()
    NoticeAssignment.objects.filter(pk=escalated.pk).update(escalation=2, due_provisional=True)
    fire(NoticeAssignment.objects.exclude(state="overdue").first(), "mark_overdue", comment="逾期")
    qs = assignment_list_visible_to(user=users["inspector"])
    whole = ASSIGNMENT_TABLE.render(list(qs))
    with CaptureQueriesContext(connection) as q:
        light = ASSIGNMENT_TABLE.render(ASSIGNMENT_TABLE.rows(qs))
    assert light == whole and 'class="tag warn"' in light and "待确认" in light
    assert len(q.captured_queries) == 2  # the rows, the calendar
    sql = q.captured_queries[0]["sql"]
    assert '"findings"' not in sql and "supervision_unit" not in sql
    html = web(users["inspector"]).get("/notices/").content.decode()
    assert light.strip() in html
