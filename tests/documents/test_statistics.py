"""Statistics: the figures equal counts computed directly from the records (per township, per category),
scoped like every page; the XLSX carries the same numbers; bounded queries with 5 and 500 records.
The leaders' dashboard: its red/amber/green counts match the registers' filtered counts."""
import datetime as dt
import io
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from supervision import charts, workdays
from supervision.statsviews import dashboard_data
from tests.workflows.notices.helpers import issue
from workflows.cases.models import Case, SubjectMatter
from workflows.notices import conf as notices_conf
from workflows.notices.choices import OPEN_STATES
from workflows.notices.models import NoticeAssignment
from workflows.notices.selectors import assignment_list_visible_to
from workflows.postings.models import Assessment
from workflows.rectification.models import Rectification
from workflows.rectification.selectors import rectification_list_visible_to

pytestmark = pytest.mark.django_db


def figures(user, key=None, period=None):
    period = period or charts.parse_period({})
    return {f.key: f for sf in charts.figures_for(user, period, only=key) for f in sf.figures}


def column(fig, name):
    index = [str(s["name"]) for s in fig.series].index(name)
    return dict(zip([str(c) for c in fig.categories], fig.series[index]["data"], strict=True))


def test_notice_figures_equal_the_records(seed, users, townships, django_capture_on_commit_callbacks):
    seed("notices")
    today = timezone.localdate()
    figs = figures(users["inspector"], "notices")
    rows = [a for a in NoticeAssignment.objects.select_related("notice", "township")
            if a.notice.issued_on and a.notice.issued_on.year == today.year and a.state != "withdrawn"]
    assert rows
    per = figs["notices-townships"]
    for t in townships.values():
        mine = [a for a in rows if a.township_id == t.pk]
        assert column(per, "交办")[t.name] == len(mine)
        assert column(per, "按期销号")[t.name] == sum(
            a.state == "closed" and timezone.localtime(a.closed_at).date() <= a.due_date for a in mine)
        assert column(per, "逾期（含逾期后销号）")[t.name] == sum(
            a.state == "overdue" or (a.state in OPEN_STATES and a.due_date < today)
            or (a.state == "closed" and timezone.localtime(a.closed_at).date() > a.due_date) for a in mine)
        assert column(per, "督办升级")[t.name] == sum(a.escalation >= 1 for a in mine)
        spans = [workdays.working_days_between(a.notice.issued_on,
                                               timezone.localtime(a.responses.order_by("submitted_at")
                                                                  .first().submitted_at).date())
                 for a in mine if a.responses.exists()]
        expected = round(sum(spans) / len(spans), 1) if spans else None
        assert column(figs["notices-response-days"], "平均工作日")[t.name] == expected
    # The ranking lists only townships with notices, best on-time rate first.
    ranking = figs["notices-ranking"]
    rates = ranking.series[0]["data"]
    assert len(ranking.categories) == len({a.township_id for a in rows}) and rates == sorted(rates, reverse=True)
    assert ranking.categories[0].startswith("1. ")
    # A township sees only its own row; a chosen period with nothing in it counts nothing.
    own = figures(users["township_dacang"], "notices")["notices-townships"]
    assert own.categories == ["大仓镇"]
    empty = figures(users["inspector"], "notices", charts.Period(dt.date(2020, 1, 1), dt.date(2020, 12, 31)))
    assert sum(column(empty["notices-townships"], "交办").values()) == 0


def test_case_rectification_postings_figures(seed, users, townships):
    seed("cases", "rectification", "postings")
    period = charts.Period(dt.date(2000, 1, 1), timezone.localdate())
    figs = figures(users["discipline"], period=period)
    cases = list(Case.objects.select_related("township"))
    by_category = Counter(c.get_category_display() for c in cases)
    assert {k: v for k, v in column(figs["cases-category"], "件数").items() if v} == dict(by_category)
    by_township = Counter(c.township.name for c in cases if c.township_id)
    assert {k: v for k, v in column(figs["cases-township"], "件数").items() if v} == dict(by_township)
    # A clue closed without filing counts once, a filed case once per subject (its matter's tag).
    forms = Counter(c.get_four_forms_display() for c in cases if c.four_forms and not c.filed_on)
    forms.update(m.get_four_forms_display() for m in SubjectMatter.objects.all() if m.four_forms)
    assert {k: v for k, v in column(figs["cases-four-forms"], "件数").items() if v} == dict(forms)
    months = Counter(c.received_on.strftime("%Y-%m") for c in cases)
    assert {k: v for k, v in column(figs["cases-month"], "受理件数").items() if v} == dict(months)
    assert "rectification-progress" not in figs  # discipline does not see rectification

    org = figures(users["organization"], period=charts.Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    assert "cases-category" not in org  # nor organisation case files
    progress = org["rectification-progress"]
    rect = [r for r in Rectification.objects.select_related("village__parent") if r.state != "dismissed"
            and r.year == 2026]
    accepted = Counter(r.village.parent.name for r in rect if r.state in ("accepted", "followed_up", "closed"))
    assert {k: v for k, v in column(progress, "已验收销号").items() if v} == dict(accepted)
    total = Counter(r.village.parent.name for r in rect)
    sums = {name: sum(s["data"][i] for s in progress.series) for i, name in enumerate(progress.categories)}
    assert {k: v for k, v in sums.items() if v} == dict(total)
    grades = org["postings-grades"]
    for year in grades.categories:
        got = Counter(a.get_final_grade_display()
                      for a in Assessment.objects.filter(year=int(year), final_grade__gt=""))
        for name, n in got.items():
            assert column(grades, name)[year] == n
    quota = org["postings-quota"]
    year = quota.categories[0]
    n = Assessment.objects.filter(year=int(year)).count()
    assert column(quota, "优秀名额")[year] == n * 25 // 100
    assert column(quota, "已定档优秀")[year] == Assessment.objects.filter(
        year=int(year), state="finalized", final_grade="excellent").count()


def test_statistics_page_xlsx_and_access(seed, users, web):
    seed("notices")
    page = web(users["inspector"]).get(reverse("statistics"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'src="/static/supervision/vendor/echarts-5.6.0.min.js"' in body and "<script>" not in body.replace(
        '<script id=', '')  # only json_script blocks and static scripts
    assert 'id="notices-townships-data" type="application/json"' in body
    response = web(users["inspector"]).get(reverse("statistics"), {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb[[n for n in wb.sheetnames if "各乡镇督办事项" in n][0]]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    fig = figures(users["inspector"], "notices")["notices-townships"]
    assert values == column(fig, "交办")
    assert web(users["inspector"]).get(reverse("statistics"), {"from": "2026-13-01"}).status_code == 400
    assert "日期格式" in web(users["inspector"]).get(reverse("statistics"), {"from": "x"}).content.decode()
    assert web().get(reverse("statistics")).status_code == 302
    no_role = type(users["admin"]).objects.create_user(username="nobody", password="x-123456789")
    assert web(no_role).get(reverse("statistics")).status_code == 404
    assert web(users["township_nanzhao"]).get(reverse("dashboard")).status_code == 404


def test_dashboard_counts_match_the_registers(seed, users, townships, web):
    seed("notices", "rectification")
    leader = users["leader"]
    data = dashboard_data(leader)
    keys = [s.key for s in data["sources"]]
    assert keys == ["notices", "rectification", "postings"]  # no case files for a leader
    today = timezone.localdate()
    window = workdays.add_working_days(today, notices_conf.get("REMIND_WORKING_DAYS_BEFORE")).date
    for row in data["rows"]:
        t = row["township"]
        notices_cell, rect_cell = row["cells"][0]["lights"], row["cells"][1]["lights"]
        register_red = assignment_list_visible_to(user=leader, filters={"township": t.pk, "overdue": True})
        assert notices_cell[0]["n"] == register_red.count()
        assert notices_cell[0]["url"] == f"{reverse('notices:register')}?township={t.pk}&overdue=on"
        active = [a for a in NoticeAssignment.objects.filter(township=t, state__in=(*OPEN_STATES, "overdue",
                                                                                    "extension_requested"))
                  if not (a.state == "overdue" or (a.state in OPEN_STATES and a.due_date < today))]
        assert notices_cell[1]["n"] == sum(a.due_date <= window for a in active)
        assert notices_cell[2]["n"] == sum(a.due_date > window for a in active)
        assert rect_cell[0]["n"] == rectification_list_visible_to(
            user=leader, filters={"township": t.pk, "overdue": "1"}).count()
    # The page is the leader's home, and the numbers link to the filtered register.
    body = web(leader).get(reverse("home")).content.decode()
    assert "领导看板" in body
    yongjian = townships["yongjian"]
    assert f'href="/notices/?township={yongjian.pk}&amp;overdue=on"' in body
    assert "我的待办" in web(leader).get(reverse("home"), {"inbox": "1"}).content.decode()
    assert "领导看板" not in web(users["inspector"]).get(reverse("home")).content.decode().split("</nav>")[1]


def _measure(users, web):
    counts = {}
    for username, url in (("inspector", "/statistics/"), ("leader", "/statistics/"), ("leader", "/"),
                          ("township_nanzhao", "/statistics/"), ("inspector", "/statistics/?export=xlsx"),
                          ("inspector", "/dashboard/")):
        client = web(users[username])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        counts[(username, url)] = len(ctx.captured_queries)
    return counts


def test_bounded_queries_with_5_and_500_records(users, townships, web):
    from workflows.notices import services

    def add(n, start):
        for i in range(start, start + n):
            notice = issue(users, townships, targets=("nanzhao",), title=f"统计通知{i}")
            if i % 2:
                a = notice.assignments.get()
                a = services.assignment_acknowledge(actor=users["township_nanzhao"], assignment=a)
                services.assignment_respond(actor=users["township_nanzhao"], assignment=a, text="已整改")

    add(5, 0)
    few = _measure(users, web)
    add(495, 5)
    many = _measure(users, web)
    assert few == many
    assert max(many.values()) <= 20, many  # as the notices pages (tests/workflows/notices/test_queries.py)
