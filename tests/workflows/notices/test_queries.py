"""List, detail, register, export and 我的待办 run a bounded number of queries: the same with
5 notices as with 500."""

from supervision.sweep import fire_system_transition
from tests.helpers import assert_max_queries, count_queries
from workflows.notices import services

from .helpers import issue

PAGES = {
    "inspector": ["/", "/notices/", "/notices/export.xlsx", "/api/v1/notices/", "/api/v1/notice-assignments/",
                  "/notices/?state=responded&urgency=normal"],
    "township_nanzhao": ["/", "/notices/", "/notices/export.xlsx", "/api/v1/notices/",
                         "/api/v1/notice-assignments/"],
    "leader": ["/", "/notices/"],
}
# 25 on the detail page since its timeline includes the parts (responses, extension requests,
# attachments: one history query per part table); the same for one township and for ten.
MAX_QUERIES = 25


def _add(users, townships, count, start):
    for i in range(start, start + count):
        notice = issue(users, townships, targets=("nanzhao", "miaojie"), title=f"督办通知{i}")
        a = notice.assignments.get(township=townships["nanzhao"])
        if i % 3 == 0:
            a = services.assignment_acknowledge(actor=users["township_nanzhao"], assignment=a)
            services.assignment_respond(actor=users["township_nanzhao"], assignment=a, text="已整改")
        elif i % 3 == 1:
            fire_system_transition(a, "mark_overdue", comment="逾期")


def _measure(users, web, api):
    counts = {}
    for username, urls in PAGES.items():
        page, client = web(users[username]), api(users[username])
        for url in urls:
            get = client.get if url.startswith("/api/") else page.get
            counts[(username, url)] = count_queries(lambda get=get, url=url: get(url))
    return counts


def test_bounded_queries_with_5_and_500_notices(users, townships, web, api):
    _add(users, townships, 5, 0)
    few = _measure(users, web, api)
    _add(users, townships, 495, 5)
    many = _measure(users, web, api)
    assert few == many
    assert max(many.values()) <= MAX_QUERIES, many
    township_page = web(users["township_nanzhao"])
    with assert_max_queries(MAX_QUERIES, "township 我的待办"):
        assert "督办通知499" in township_page.get("/").content.decode()


def test_detail_page_bounded_by_assignments(users, townships, web, api):
    small = issue(users, townships, targets=("nanzhao",), title="一个乡镇")
    big = issue(users, townships, targets=tuple(townships), title="十个乡镇")
    for notice in (small, big):
        for a in notice.assignments.all():
            a = services.assignment_acknowledge(actor=users[f"township_{a.township.pinyin}"], assignment=a)
            services.assignment_respond(actor=users[f"township_{a.township.pinyin}"], assignment=a, text="已整改")
    counts = []
    page, client = web(users["inspector"]), api(users["inspector"])
    for notice in (small, big):
        counts.append(count_queries(lambda notice=notice: page.get(notice.get_absolute_url())))
        counts.append(count_queries(lambda notice=notice: client.get(f"/api/v1/notices/{notice.pk}/")))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    assert max(counts) <= MAX_QUERIES


# An assignment's page (the bench's record detail page): its timeline reads each history table once
# and names no linked record (the page shows no field diffs).
ASSIGNMENT_PAGE_MAX_QUERIES = 19


def test_assignment_page_does_not_grow_with_its_history(users, townships, web):
    quiet = issue(users, townships, targets=("nanzhao", "miaojie"), title="很少变更")
    busy = issue(users, townships, targets=tuple(townships), title="多次往返")
    staff, inspector = users["township_nanzhao"], users["inspector"]
    for a in busy.assignments.select_related("township"):
        services.assignment_acknowledge(actor=users[f"township_{a.township.pinyin}"], assignment=a)
    few = services.assignment_acknowledge(actor=staff, assignment=quiet.assignments.get(township=townships["nanzhao"]))
    few = services.assignment_respond(actor=staff, assignment=few, text="整改报告")
    services.assignment_return(actor=inspector, assignment=few, comment="请补充材料")  # the same kinds of rows, fewer
    a = busy.assignments.get(township=townships["nanzhao"])
    for i in range(6):
        a = services.assignment_respond(actor=staff, assignment=a, text=f"第{i + 1}次整改报告")
        a = services.assignment_return(actor=inspector, assignment=a, comment="请补充材料")
    assert a.history.count() > 12
    counts = {}
    for username in ("inspector", "township_nanzhao", "auditor"):
        page = web(users[username])
        for notice in (quiet, busy):
            url = notice.assignments.get(township=townships["nanzhao"]).get_absolute_url()
            counts[(username, notice.title)] = count_queries(lambda url=url, page=page: page.get(url))
    for username in ("inspector", "township_nanzhao", "auditor"):
        assert counts[(username, "很少变更")] == counts[(username, "多次往返")], counts
    assert max(counts.values()) <= ASSIGNMENT_PAGE_MAX_QUERIES, counts
