"""Pages: register, detail, board, export — township isolation and bounded queries."""
import io

import pytest
from openpyxl import load_workbook

from supervision.models import Region
from supervision.transitions import save_with_history
from tests.helpers import assert_max_queries
from workflows.rectification.models import PlanItem, ProgressReport, Rectification

pytestmark = pytest.mark.django_db


def bulk(n, people, users):
    """n rectifications across all villages and years (saved one by one, with history)."""
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE).order_by("code"))
    made = []
    for i in range(n):
        v = villages[i % len(villages)]
        r = Rectification(village=v, year=2026 - i // len(villages), criteria=["vote_buying"], problem="问题",
                          township_secretary=people["secretary"], responsible_cadre=people["cadre"],
                          first_secretary=people["first"], due_date="2026-12-31")
        save_with_history(r, actor=users["organization"], reason="bulk")
        if i % 7 == 0:
            item = PlanItem(rectification=r, problem="p", measure="m", responsible="x", deadline="2026-12-01",
                            done=i % 2 == 0)
            save_with_history(item, actor=users["organization"])
            report = ProgressReport(rectification=r, date="2026-11-01", text="t", reported_by=users["township_nanzhao"])
            save_with_history(report, actor=users["organization"])
        made.append(r)
    return made


@pytest.mark.parametrize("n", [5, 500])
def test_bounded_queries(n, web, users, people):
    rows = bulk(n, people, users)
    c = web(users["organization"])
    with assert_max_queries(14, "/rectification/"):
        assert c.get("/rectification/").status_code == 200
    with assert_max_queries(14, "/rectification/board/?year=2026"):
        assert c.get("/rectification/board/?year=2026").status_code == 200
    with assert_max_queries(22, "detail"):
        assert c.get(rows[0].get_absolute_url()).status_code == 200
    with assert_max_queries(10, "/rectification/export.xlsx"):
        assert c.get("/rectification/export.xlsx").status_code == 200
    with assert_max_queries(12, "/api/v1/rectifications/"):
        assert c.get("/api/v1/rectifications/").status_code == 200
    t = web(users["township_nanzhao"])
    with assert_max_queries(14, "/rectification/board/?year=2026"):
        assert t.get("/rectification/board/?year=2026").status_code == 200


def test_township_isolation_in_pages_board_and_export(make, web, users, townships):
    mine = make("nanzhao", state="rectifying")
    theirs = make("miaojie", state="rectifying")
    t = web(users["township_nanzhao"])
    page = t.get("/rectification/").content.decode()
    assert mine.get_absolute_url() in page and theirs.get_absolute_url() not in page
    assert t.get(theirs.get_absolute_url()).status_code == 404
    board = t.get("/rectification/board/").content.decode()
    assert mine.village.name in board and theirs.village.name not in board
    assert "庙街镇" not in board
    wb = load_workbook(io.BytesIO(t.get("/rectification/export.xlsx").content))
    towns = {row[0] for row in wb.active.iter_rows(min_row=2, values_only=True)}
    assert towns == {"南诏镇"}
    # county-wide users see both
    org = web(users["organization"])
    board = org.get("/rectification/board/").content.decode()
    assert mine.village.name in board and theirs.village.name in board
    wb = load_workbook(io.BytesIO(org.get("/rectification/export.xlsx").content))
    assert {row[0] for row in wb.active.iter_rows(min_row=2, values_only=True)} == {"南诏镇", "庙街镇"}
    # roles without view get 404 on every page
    d = web(users["discipline"])
    for url in ("/rectification/", "/rectification/board/", "/rectification/export.xlsx", mine.get_absolute_url()):
        assert d.get(url).status_code == 404, url


def test_ui_screening_and_transition_forms(web, users, townships, people):
    t = web(users["township_nanzhao"])
    village = townships["nanzhao"].children.order_by("code").first()
    other = townships["miaojie"].children.first()
    form = t.get("/rectification/new/").content.decode()
    assert village.name in form and other.name not in form
    data = {"village": village.pk, "year": 2026, "criteria": ["vote_buying", "no_new_members"], "problem": "换届问题",
            "township_secretary": people["secretary"].pk, "responsible_cadre": people["cadre"].pk}
    r = t.post("/rectification/new/", {**data, "village": other.pk})
    assert r.status_code == 400 and not Rectification.objects.exists()
    r = t.post("/rectification/new/", data)
    assert r.status_code == 302
    obj = Rectification.objects.get()
    assert obj.criteria == ["vote_buying", "no_new_members"]
    assert web(users["organization"]).get("/rectification/new/").status_code == 403
    # the detail page offers the transition; posting its form to the kernel's endpoint applies it
    page = web(users["organization"]).get(obj.get_absolute_url()).content.decode()
    assert "提议列入名单" in page and "transition-propose_listing" in page
    r = web(users["organization"]).post(f"/records/rectification.rectification/{obj.pk}/transitions/propose_listing/",
                                        {"comment": ""})
    assert r.status_code == 302
    assert Rectification.objects.get().state == "proposed"


def test_progress_with_attachment_and_detail(make, web, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    obj = make(state="rectifying")
    t = web(users["township_nanzhao"])
    upload = SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    r = t.post(f"/rectification/{obj.pk}/progress/", {"text": "召开支部会议", "attachment": upload})
    assert r.status_code == 302
    page = t.get(obj.get_absolute_url()).content.decode()
    assert "召开支部会议" in page and "会议记录.pdf" in page
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    r = t.post(f"/rectification/{obj.pk}/progress/", {"text": "再报", "attachment": bad})
    assert r.status_code == 400
    assert ProgressReport.objects.filter(rectification=obj).count() == 1
    # the other township cannot post to it
    r = web(users["township_miaojie"]).post(f"/rectification/{obj.pk}/progress/", {"text": "x"})
    assert r.status_code == 404


# --- the record's page on the kernel record frame (#12) ---------------------------------------

def _offered(html, obj):
    import re

    key = obj._meta.label_lower
    return set(re.findall(rf'<form method="post" action="/records/{re.escape(key)}/{obj.pk}/transitions/(\w+)/"', html))


def test_the_page_is_the_kernel_frame_with_its_declared_sections(make, web, users):
    from workflows.rectification.views import SECTIONS

    obj = make(state="planned")
    html = web(users["township_nanzhao"]).get(obj.get_absolute_url()).content.decode()
    for part in ("card record-header", "card record-facts", "card transition-panel", "card record-timeline"):
        assert f'class="{part}"' in html, part
    header = html.split('class="card record-header"')[1].split("</header>")[0]
    assert 'id="rect-state"' in header and obj.village.name in header and "方案已批准" in header
    assert '<span id="completion">0%</span>' in html and '<span class="tag">' in html.split('data-fact="criteria"')[1]
    shown = [s.id for s in SECTIONS if s.id != "acceptances"]  # no acceptance yet: that section is left out
    positions = [html.index(f'<section class="card record-section" id="{i}">') for i in shown]
    assert positions == sorted(positions) and 'id="acceptances"' not in html
    assert 'id="progress-form"' in html and "批准一村一策方案" in html.split('class="card record-timeline"')[1]


def test_the_panel_offers_exactly_the_available_transitions_for_each_role(make, web, users):
    from supervision.transitions import available_transitions

    for i, (state, usernames) in enumerate((("screened", ("organization", "township_nanzhao", "leader")),
                                            ("listed", ("organization", "leader")),
                                            ("acceptance_requested", ("organization", "township_nanzhao")))):
        obj = make(state=state, index=i)
        for username in usernames:
            user = users[username]
            html = web(user).get(obj.get_absolute_url()).content.decode()
            assert _offered(html, obj) == set(available_transitions(obj, user)), (state, username)


def test_a_refused_plan_item_re_renders_the_page_with_input_kept_and_the_error_at_the_field(make, web, users):
    obj = make(state="screened")
    r = web(users["township_nanzhao"]).post(f"/rectification/{obj.pk}/plan-items/",
                                            {"problem": "书记不胜任", "measure": "调整书记", "responsible": "",
                                             "deadline": "2026-12-20"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "操作未完成" not in html and 'class="card record-header"' in html
    form = html.split('id="plan-item-form"')[1].split("</form>")[0]
    assert 'value="书记不胜任"' in form and "调整书记" in form
    assert 'class="errorlist field-errors"' in form.split('data-field="responsible"')[1].split("data-field=")[0]
    assert not PlanItem.objects.filter(rectification=obj).exists()


def test_a_refused_acceptance_keeps_the_typed_values_and_shows_the_error_at_the_score(make, web, users):
    from .conftest import acceptance

    obj = make(state="acceptance_requested")
    url = f"/records/rectification.rectification/{obj.pk}/transitions/accept/"
    r = web(users["organization"]).post(url, {**acceptance(score=101, pct=12), "comment": "验收意见",
                                              "version": obj.version})
    assert r.status_code == 400
    form = r.content.decode().split('id="refused-form"')[1].split("</form>")[0]
    assert 'value="101"' in form and "验收意见" in form
    assert 'class="errorlist field-errors"' in form.split('data-field="score"')[1].split("data-field=")[0]
    obj.refresh_from_db()
    assert obj.state == "acceptance_requested"
