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
