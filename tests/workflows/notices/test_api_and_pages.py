"""API create/detail/history and the pages: forms only for what the user may do now."""
import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from supervision.audit.chain import verify
from tests import samples
from workflows.notices.models import Notice

from .helpers import build, issue


def test_inspector_creates_and_issues_through_the_api(users, townships, api):
    client = api(users["inspector"])
    r = client.post("/api/v1/notices/", {
        "title": "关于扶贫资金公示的督办通知", "findings": "未公示", "requirements": "立即公示",
        "category": "poverty", "urgency": "urgent",
        "target_townships": [townships["nanzhao"].pk, townships["zijin"].pk]}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "draft" and body["number"] == "" and body["available_transitions"] == ["issue", "withdraw"]
    assert sorted(body["target_townships"]) == sorted([townships["nanzhao"].pk, townships["zijin"].pk])
    r = client.post(f"/api/v1/notices/{body['id']}/transitions/issue/", {"comment": "请按期办结"}, format="json")
    assert r.status_code == 200
    issued = r.json()
    assert issued["state"] == "issued" and issued["number"].startswith("巍督〔")
    assert [a["township_name"] for a in issued["assignments"]] == ["南诏镇", "紫金乡"]
    assert issued["available_transitions"] == ["withdraw"]
    history = client.get(f"/api/v1/notices/{body['id']}/history/").json()
    assert [(h["transition"], h["username"], h["reason"]) for h in history][-1] == ("issue", "inspector", "请按期办结")
    a_id = issued["assignments"][0]["id"]
    staff = api(users["township_nanzhao"])
    assert staff.get(f"/api/v1/notice-assignments/{a_id}/").json()["available_transitions"] == [
        "acknowledge", "request_extension"]
    hist = staff.get(f"/api/v1/notice-assignments/{a_id}/history/").json()
    assert hist[0]["transition"] == "issue" and hist[0]["username"] == "inspector"
    assert verify().ok


def test_only_inspectors_create(users, townships, api):
    for username in ["township_nanzhao", "leader", "auditor", "discipline"]:
        r = api(users[username]).post("/api/v1/notices/", {
            "title": "t", "findings": "f", "requirements": "r", "target_townships": [townships["nanzhao"].pk]},
            format="json")
        assert r.status_code == 403, username
    assert api().post("/api/v1/notices/", {}, format="json").status_code in (401, 403)
    assert not Notice.objects.exists()


def test_create_page_draft_edit_issue(users, townships, web):
    page = web(users["inspector"])
    assert page.get("/notices/new/").status_code == 200
    r = page.post("/notices/new/", {"title": "", "findings": "f", "requirements": "r", "category": "other",
                                    "urgency": "normal"})
    assert r.status_code == 400 and "errorlist" in r.content.decode()
    r = page.post("/notices/new/", {
        "title": "关于村级财务公开的督办通知", "findings": "未按季度公开", "requirements": "立即整改",
        "category": "party_building", "urgency": "normal",
        "target_townships": [townships["nanzhao"].pk, townships["miaojie"].pk],
        "attachment": SimpleUploadedFile("督查通报.pdf", b"%PDF-1.4")})
    assert r.status_code == 302
    notice = Notice.objects.get()
    detail = page.get(r["Location"]).content.decode()
    assert 'data-transition="issue"' in detail and "督查通报.pdf" in detail and "修改草稿" in detail
    r = page.post(f"/notices/{notice.pk}/edit/", {
        "title": "关于村级财务公开的督办通知（修改）", "findings": "未按季度公开", "requirements": "立即整改",
        "category": "party_building", "urgency": "urgent", "target_townships": [townships["nanzhao"].pk]})
    assert r.status_code == 302
    notice = Notice.objects.get()
    assert notice.urgency == "urgent" and list(notice.target_townships.all()) == [townships["nanzhao"]]
    r = page.post(f"/records/notices.notice/{notice.pk}/transitions/issue/", {"comment": ""})
    assert r.status_code == 302
    notice = Notice.objects.get()
    assert notice.state == "issued" and notice.assignments.count() == 1
    assert page.get(f"/notices/{notice.pk}/edit/").status_code == 302  # no longer editable
    for username in ["township_nanzhao", "leader", "auditor"]:
        assert web(users[username]).get("/notices/new/").status_code == 403, username


def test_buttons_only_for_what_the_user_may_do_now(users, townships, web):
    a = build("responded", users, townships)

    def buttons(username):
        html = web(users[username]).get(a.get_absolute_url()).content.decode()
        return {chunk.split('"')[0] for chunk in html.split('data-transition="')[1:]}

    assert buttons("inspector") == {"return_for_rework", "close", "withdraw"}  # withdraw: the notice
    assert buttons("township_nanzhao") == set()
    assert buttons("leader") == set()
    assert buttons("auditor") == set()
    a = build("acknowledged", users, townships)
    html = web(users["township_nanzhao"]).get(a.get_absolute_url()).content.decode()
    assert 'data-transition="respond"' in html and 'enctype="multipart/form-data"' in html
    assert 'data-transition="request_extension"' in html


def test_page_flow_with_attachment(users, townships, web):
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    staff = web(users["township_nanzhao"])
    url = f"/records/notices.noticeassignment/{a.pk}/transitions/"
    assert staff.post(url + "acknowledge/", {"comment": ""}).status_code == 302
    r = staff.post(url + "respond/", {"text": "已整改到位", "comment": "",
                                      "attachment": samples.upload("整改报告.docx")})
    assert r.status_code == 302
    html = staff.get(a.get_absolute_url()).content.decode()
    assert "已整改到位" in html and "整改报告.docx" in html and "已报送整改报告" in html
    inspector = web(users["inspector"])
    r = inspector.post(url + "return_for_rework/", {"comment": "", "due_date": ""})
    assert r.status_code == 400 and "请填写意见或理由" in r.content.decode()
    r = inspector.post(url + "return_for_rework/", {"comment": "请补充照片",
                                                    "due_date": (dt.date.today() + dt.timedelta(days=5)).isoformat()})
    assert r.status_code == 302
    html = inspector.get(notice.get_absolute_url()).content.decode()
    assert "退回重报" in html and "请补充照片" in html


def test_patch_edits_drafts_only(users, townships, api):
    client = api(users["inspector"])
    notice_id = client.post("/api/v1/notices/", {
        "title": "草稿", "findings": "f", "requirements": "r", "target_townships": [townships["nanzhao"].pk]},
        format="json").json()["id"]
    r = client.patch(f"/api/v1/notices/{notice_id}/", {"title": "修改后的标题", "urgency": "urgent",
                                                        "target_townships": [townships["zijin"].pk]}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "修改后的标题" and r.json()["urgency"] == "urgent"
    assert r.json()["target_townships"] == [townships["zijin"].pk]
    assert api(users["leader"]).patch(f"/api/v1/notices/{notice_id}/", {"title": "x"}, format="json").status_code == 403
    assert api(users["township_zijin"]).patch(f"/api/v1/notices/{notice_id}/", {"title": "x"},
                                              format="json").status_code == 404
    client.post(f"/api/v1/notices/{notice_id}/transitions/issue/", {}, format="json")
    r = client.patch(f"/api/v1/notices/{notice_id}/", {"title": "签发后不能改"}, format="json")
    assert r.status_code == 409
    assert Notice.objects.get(pk=notice_id).title == "修改后的标题"
    assert client.put(f"/api/v1/notices/{notice_id}/", {}, format="json").status_code == 405


def test_multipart_create_and_respond_with_files(users, townships, api):
    from supervision.attachments import attachments_of
    from workflows.notices.models import NoticeAssignment

    client = api(users["inspector"])
    r = client.post("/api/v1/notices/", {
        "title": "附件通知", "findings": "f", "requirements": "r", "target_townships": [townships["nanzhao"].pk],
        "attachment": SimpleUploadedFile("通报.pdf", b"%PDF-1.4")}, format="multipart")
    assert r.status_code == 201, r.content
    notice = Notice.objects.get(pk=r.json()["id"])
    assert [a.name for a in attachments_of(notice)] == ["通报.pdf"]
    r = client.post("/api/v1/notices/", {
        "title": "坏附件", "findings": "f", "requirements": "r", "target_townships": [townships["nanzhao"].pk],
        "attachment": SimpleUploadedFile("x.exe", b"MZ")}, format="multipart")
    assert r.status_code == 400 and "attachment" in r.json()
    client.post(f"/api/v1/notices/{notice.pk}/transitions/issue/", {}, format="json")
    a = NoticeAssignment.objects.get(notice=notice)
    staff = api(users["township_nanzhao"])
    staff.post(f"/api/v1/notice-assignments/{a.pk}/transitions/acknowledge/", {}, format="json")
    r = staff.post(f"/api/v1/notice-assignments/{a.pk}/transitions/respond/",
                   {"text": "已整改", "attachment": SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff")},
                   format="multipart")
    assert r.status_code == 200 and r.json()["state"] == "responded"
    files = list(attachments_of(a))
    assert [f.name for f in files] == ["照片.jpg"] and files[0].part == f"response:{a.responses.get().pk}"


def test_draft_edit_service_checks_scope_and_right(users, townships):
    import pytest
    from django.http import Http404

    from supervision.errors import PermissionDenied
    from workflows.notices import services

    draft = services.notice_create(actor=users["inspector"], title="草稿", findings="f", requirements="r",
                                   category="other", urgency="normal", target_townships=[townships["nanzhao"]])
    with pytest.raises(Http404):  # a township never sees a draft
        services.notice_update_draft(actor=users["township_nanzhao"], notice=draft, title="x")
    with pytest.raises(PermissionDenied):  # the leader sees it but may not edit it
        services.notice_update_draft(actor=users["leader"], notice=draft, title="x")
    assert Notice.objects.get(pk=draft.pk).title == "草稿"


def test_urgency_help_follows_the_settings(users, web, settings):
    settings.NOTICES = {"DAYS_URGENT": 3}
    html = web(users["inspector"]).get("/notices/new/").content.decode()
    assert "紧急 3 个工作日、一般 15 个工作日、复杂疑难 30 个工作日内办结。" in html


def test_export_headers_filename_and_values(users, townships, web):
    from io import BytesIO

    from openpyxl import load_workbook

    a = build("acknowledged", users, townships)
    response = web(users["inspector"]).get("/notices/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''notices-")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    header, row = rows
    assert header[:6] == ("文号", "标题", "类别", "紧急程度", "发文单位", "乡镇")
    assert row[0] == a.notice.number and row[5] == "南诏镇" and row[7].date() == a.due_date  # a real date cell
    assert row[9] == "已签收" and len(row[11]) == len("2026-10-23 09:00")
