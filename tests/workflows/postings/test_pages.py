"""Pages: create, detail forms by role, leave page, inbox, export filters, history."""
from io import BytesIO

import pytest
from openpyxl import load_workbook

from workflows.postings import services
from workflows.postings.models import Posting

from . import factories


@pytest.mark.django_db
def test_create_posting_page(users, web, villages, units):
    client = web(users["organization"])
    assert client.get("/postings/new/").status_code == 200
    r = client.post("/postings/new/", {"person_name": "段新派", "dispatching_unit": units["县审计局"].pk,
                                       "village": villages["wuyin"][0].pk, "role": "first_secretary",
                                       "start_date": "2026-03-01", "term_years": ""})
    assert r.status_code == 302
    p = Posting.objects.get(person__name="段新派")
    assert (p.term_years, str(p.end_date)) == (2, "2028-03-01")
    r = client.post("/postings/new/", {"person_name": "重复", "dispatching_unit": units["县审计局"].pk,
                                       "village": villages["wuyin"][0].pk, "role": "first_secretary",
                                       "start_date": "2026-03-01"})
    assert r.status_code == 400 and "已有在岗的第一书记" in r.content.decode()
    assert web(users["township_wuyin"]).get("/postings/new/").status_code == 404
    assert users["township_wuyin"].notifications.filter(verb="postings.posted").count() == 1


@pytest.mark.django_db
def test_detail_forms_follow_rights(make_posting, users, web):
    p = make_posting()
    org = web(users["organization"]).get(p.get_absolute_url()).content.decode()
    assert 'data-transition="complete"' in org and 'data-transition="renew"' in org
    township = web(users["township_nanzhao"]).get(p.get_absolute_url()).content.decode()
    assert 'data-transition="complete"' not in township and 'data-transition="propose_recall"' in township
    assert "登记考勤" in township
    leader = web(users["leader"]).get(p.get_absolute_url()).content.decode()
    assert "data-transition" not in leader and "登记考勤" not in leader and "propose_recall" not in leader
    assert web(users["auditor"]).get(f"/records/postings.posting/{p.pk}/history/").status_code == 200


@pytest.mark.django_db
def test_long_leave_page_hides_approve_from_township(make_posting, users, web):
    import datetime as dt

    p = make_posting()
    leave = services.leave_request_create(actor=users["township_nanzhao"], posting=p,
                                          start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 9), reason="病假")
    assert leave.days == 6  # working days
    body = web(users["secretary_nanzhao"]).get(leave.get_absolute_url()).content.decode()
    assert "须由县委组织部审批" in body and 'data-transition="approve"' not in body
    assert 'data-transition="reject"' in body
    assert 'data-transition="approve"' in web(users["organization"]).get(leave.get_absolute_url()).content.decode()
    r = web(users["secretary_nanzhao"]).post(f"/records/postings.leaverequest/{leave.pk}/transitions/approve/",
                                             {"comment": "同意"})
    assert r.status_code == 400 and "乡镇无权批准" in r.content.decode()
    assert type(leave).objects.get(pk=leave.pk).state == "requested"


@pytest.mark.django_db
def test_inbox_shows_the_township_its_rating_task(make_posting, users, web):
    a = factories.assessment(make_posting(), 2026)
    factories.fire(a, "submit_self_report", users["organization"], self_report="述职")
    assert a.get_absolute_url() in web(users["township_nanzhao"]).get("/").content.decode()
    assert a.get_absolute_url() not in web(users["township_miaojie"]).get("/").content.decode()
    assert a.get_absolute_url() not in web(users["organization"]).get("/").content.decode()


@pytest.mark.django_db
def test_export_follows_filters(make_posting, users, web, units):
    make_posting(index=0, name="甲", unit=units["县财政局"])
    make_posting(index=1, name="乙", unit=units["县水务局"])
    make_posting("miaojie", 0, name="丙", unit=units["县水务局"])
    client = web(users["organization"])
    r = client.get(f"/postings/export.xlsx?unit={units['县水务局'].pk}")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("乡镇", "村/社区", "姓名")
    assert sorted(row[2] for row in rows[1:]) == ["丙", "乙"]
    body = client.get(f"/postings/?unit={units['县水务局'].pk}&q=乙").content.decode()
    assert "乙" in body and "丙" not in body


@pytest.mark.django_db
def test_person_page(make_posting, users, web):
    p = make_posting(name="何驻村")
    factories.attendance(p, year=2026, days=230, absences=1)
    factories.assessment(p, 2026)
    body = web(users["township_nanzhao"]).get(f"/postings/people/{p.person_id}/").content.decode()
    assert "何驻村" in body and "230 天" in body and "缺勤 1 次" in body
    assert web(users["organization"]).get("/postings/people/999999/").status_code == 404


@pytest.mark.django_db
def test_english_is_available(make_posting, users, web, api):
    p = make_posting()
    client = web(users["organization"])
    client.cookies["django_language"] = "en"
    body = client.get("/postings/").content.decode()
    assert "posting register" in body and "Export Excel" in body
    en = api(users["organization"])
    en.cookies["django_language"] = "en"
    r = en.post(f"/api/v1/postings/{p.pk}/funds/", {"year": 2026, "amount": "-1"}, format="json")
    assert r.json()["amount"] == ["Work funds cannot be negative."]
