"""The shared scope contract for every postings record type, plus page-level isolation."""
import pytest

from supervision.models import Region, Unit
from tests.bases import WorkflowPermissionContract
from workflows.postings import services

from . import factories


def _nanzhao_posting(users, townships):
    village = Region.objects.filter(parent=townships["nanzhao"]).order_by("code").first()
    unit = Unit.objects.filter(is_dispatching=True).order_by("name").first()
    return factories.posting(village=village, unit=unit, actor=users["organization"])


class TestPostingPermissions(WorkflowPermissionContract):
    workflow = "postings"
    api_list = "/api/v1/postings/"
    in_scope_user = "township_nanzhao"
    out_of_scope_user = "township_miaojie"
    no_access_users = ["discipline", "discipline_head", "inspector"]
    a_transition = "complete"
    record_type = "postings.posting"
    allowed_user = "organization"

    def make_record(self, users, townships):
        return _nanzhao_posting(users, townships)


class TestAssessmentPermissions(WorkflowPermissionContract):
    workflow = "postings"
    api_list = "/api/v1/assessments/"
    in_scope_user = "township_nanzhao"
    out_of_scope_user = "township_miaojie"
    no_access_users = ["discipline", "discipline_head", "inspector"]
    a_transition = "submit_self_report"
    record_type = "postings.assessment"
    allowed_user = "township_nanzhao"
    transition_data = {"self_report": "全年述职"}

    def make_record(self, users, townships):
        return factories.assessment(_nanzhao_posting(users, townships), year=2026)


class TestRecallPermissions(WorkflowPermissionContract):
    workflow = "postings"
    api_list = "/api/v1/recalls/"
    in_scope_user = "township_nanzhao"
    out_of_scope_user = "township_miaojie"
    no_access_users = ["discipline", "discipline_head", "inspector"]
    a_transition = "approve"
    record_type = "postings.recall"
    allowed_user = "leader"
    wrong_role_user = "township_nanzhao"

    def make_record(self, users, townships):
        return services.recall_propose(actor=users["township_nanzhao"], posting=_nanzhao_posting(users, townships),
                                       grounds="不在岗")


class TestLeavePermissions(WorkflowPermissionContract):
    workflow = "postings"
    api_list = "/api/v1/leave-requests/"
    in_scope_user = "township_nanzhao"
    out_of_scope_user = "township_miaojie"
    no_access_users = ["discipline", "discipline_head", "inspector"]
    a_transition = "approve"
    record_type = "postings.leaverequest"
    allowed_user = "secretary_nanzhao"  # the township's party secretary (not any township user)

    def make_record(self, users, townships):
        import datetime as dt

        return services.leave_request_create(actor=users["township_nanzhao"],
                                             posting=_nanzhao_posting(users, townships),
                                             start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 3),
                                             reason="事假")


PAGES = ["/postings/", "/postings/export.xlsx", "/postings/assessments/", "/postings/recalls/"]


@pytest.mark.django_db
def test_pages_need_login_and_a_postings_role(client, users, web):
    for url in PAGES:
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], url
        for username in ["discipline", "inspector"]:
            assert web(users[username]).get(url).status_code == 404, (url, username)
        for username in ["township_nanzhao", "organization", "leader", "auditor"]:
            assert web(users[username]).get(url).status_code == 200, (url, username)


@pytest.mark.django_db
def test_township_pages_show_only_their_township(make_posting, users, web):
    mine = make_posting("nanzhao", 0, name="南诏干部")
    other = make_posting("miaojie", 0, name="庙街干部")
    a_mine, a_other = factories.assessment(mine, 2026), factories.assessment(other, 2026)
    services.recall_propose(actor=users["organization"], posting=other, grounds="庙街召回")
    client = web(users["township_nanzhao"])
    for url in ["/postings/", "/postings/assessments/?year=2026", "/postings/recalls/"]:
        body = client.get(url).content.decode()
        assert "庙街干部" not in body, url
    assert "南诏干部" in client.get("/postings/").content.decode()
    assert client.get(f"/postings/people/{other.person_id}/").status_code == 404
    assert client.get(f"/postings/people/{mine.person_id}/").status_code == 200
    assert client.get(a_other.get_absolute_url()).status_code == 404
    assert client.get(a_mine.get_absolute_url()).status_code == 200
    for action in ["attendance", "funds", "leave", "assessment"]:  # 提出召回: the kernel's transition endpoint
        assert client.post(f"/postings/{other.pk}/{action}/", {"year": 2026}).status_code == 404, action
    # The organisation sees both, and the XLSX export follows scope too.
    assert "庙街干部" in web(users["organization"]).get("/postings/").content.decode()
    from io import BytesIO

    from openpyxl import load_workbook

    names = [row[2] for row in load_workbook(BytesIO(client.get("/postings/export.xlsx").content)).active
             .iter_rows(min_row=2, values_only=True)]
    assert names == ["南诏干部"]


@pytest.mark.django_db
def test_posting_create_rights(users, api, villages, units):
    body = {"person_name": "新派干部", "dispatching_unit": units["县审计局"].pk, "village": villages["zijin"][0].pk,
            "role": "first_secretary", "start_date": "2026-03-01"}
    assert api(users["township_zijin"]).post("/api/v1/postings/", body, format="json").status_code == 403
    assert api(users["leader"]).post("/api/v1/postings/", body, format="json").status_code == 403
    r = api(users["organization"]).post("/api/v1/postings/", body, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["end_date"] == "2028-03-01" and r.json()["township_name"] == "紫金乡"
    body["person_name"] = "另一人"
    r = api(users["organization"]).post("/api/v1/postings/", body, format="json")
    assert r.status_code == 400 and "第一书记" in r.json()["village"][0]
    body["role"] = "member"
    r = api(users["organization"]).post("/api/v1/postings/", {**body, "term_years": 1}, format="json")
    assert r.status_code == 400 and "不少于 2 年" in r.json()["term_years"][0]
    assert api(users["organization"]).post("/api/v1/postings/", body, format="json").status_code == 201
    assert api(users["township_zijin"]).get("/api/v1/postings/").json()["count"] == 2
    assert api(users["township_nanzhao"]).get("/api/v1/postings/").json()["count"] == 0
