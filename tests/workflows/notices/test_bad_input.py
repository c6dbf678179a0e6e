"""Bad input: a clear 400 in the user's language, and nothing changed."""
from django.core.files.uploadedfile import SimpleUploadedFile

from supervision.models import Attachment
from workflows.notices.models import Notice, NoticeResponse

from .helpers import build, reload


def _unchanged(a, before):
    after = reload(a)
    return (after.state, after.version) == (before.state, before.version) and \
        a.history.count() == before.history_count


def _snapshot(a):
    a = reload(a)
    a.history_count = a.history.count()
    return a


def test_empty_response_text_is_400(users, townships, api):
    a = build("acknowledged", users, townships)
    before = _snapshot(a)
    for text in ["", "   "]:
        r = api(users["township_nanzhao"]).post(f"/api/v1/notice-assignments/{a.pk}/transitions/respond/",
                                                {"text": text}, format="json")
        assert r.status_code == 400 and r.json()["text"] == ["请填写整改情况。"]
    assert _unchanged(a, before) and not NoticeResponse.objects.exists()


def test_forbidden_type_and_oversized_attachment_are_400(users, townships, api, web, settings):
    settings.SUPERVISION = {**settings.SUPERVISION, "MAX_UPLOAD_BYTES": 1024}
    a = build("acknowledged", users, townships)
    before = _snapshot(a)
    client = api(users["township_nanzhao"])
    url = f"/api/v1/notice-assignments/{a.pk}/transitions/respond/"
    exe = SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/octet-stream")
    r = client.post(url, {"text": "已整改", "attachment": exe}, format="multipart")
    assert r.status_code == 400 and "不允许的文件类型" in r.json()["attachment"][0]
    big = SimpleUploadedFile("report.pdf", b"%PDF" + b"x" * 2048, content_type="application/pdf")
    r = client.post(url, {"text": "已整改", "attachment": big}, format="multipart")
    assert r.status_code == 400 and "超过" in r.json()["attachment"][0]
    # the same through the page form
    big.seek(0)
    r = web(users["township_nanzhao"]).post(f"/records/notices.noticeassignment/{a.pk}/transitions/respond/",
                                            {"text": "已整改", "attachment": big})
    assert r.status_code == 400 and "超过" in r.content.decode()
    assert _unchanged(a, before) and not NoticeResponse.objects.exists() and not Attachment.objects.exists()


def test_missing_comment_is_400(users, townships, api):
    a = build("responded", users, townships)
    before = _snapshot(a)
    for body in [{}, {"comment": ""}, {"comment": "   "}]:
        r = api(users["inspector"]).post(f"/api/v1/notice-assignments/{a.pk}/transitions/return_for_rework/",
                                         body, format="json")
        assert r.status_code == 400 and r.json()["comment"] == ["请填写意见或理由。"]
    assert _unchanged(a, before)


def test_bad_extension_dates_are_400(users, townships, api):
    a = build("acknowledged", users, townships)
    before = _snapshot(a)
    url = f"/api/v1/notice-assignments/{a.pk}/transitions/request_extension/"
    client = api(users["township_nanzhao"])
    r = client.post(url, {"comment": "延期"}, format="json")
    assert r.status_code == 400 and r.json()["due_date"] == ["请填写申请延期至的日期。"]
    r = client.post(url, {"comment": "延期", "due_date": "not a date"}, format="json")
    assert r.status_code == 400 and "due_date" in r.json()
    r = client.post(url, {"comment": "延期", "due_date": a.due_date.isoformat()}, format="json")
    assert r.status_code == 400 and "必须晚于当前期限" in r.json()["due_date"][0]
    assert _unchanged(a, before) and not a.extensions.exists()


def test_unknown_transition_is_400(users, townships, api):
    a = build("issued", users, townships)
    r = api(users["inspector"]).post(f"/api/v1/notice-assignments/{a.pk}/transitions/destroy/", {}, format="json")
    assert r.status_code == 400


def test_bad_notice_create_is_400(users, townships, api):
    client = api(users["inspector"])
    r = client.post("/api/v1/notices/", {"title": "", "findings": "f", "requirements": "r",
                                         "target_townships": []}, format="json")
    assert r.status_code == 400 and {"title", "target_townships"} <= set(r.json())
    county = townships["nanzhao"].parent
    r = client.post("/api/v1/notices/", {"title": "t", "findings": "f", "requirements": "r",
                                         "target_townships": [county.pk]}, format="json")
    assert r.status_code == 400 and "target_townships" in r.json()
    r = client.post("/api/v1/notices/", {"title": "t", "findings": "f", "requirements": "r", "urgency": "whenever",
                                         "target_townships": [townships["nanzhao"].pk]}, format="json")
    assert r.status_code == 400 and "urgency" in r.json()
    assert not Notice.objects.exists()


def test_issue_without_targets_is_400(users, townships, api):
    from workflows.notices import services

    notice = services.notice_create(actor=users["inspector"], title="t", findings="f", requirements="r",
                                    category="other", urgency="normal", target_townships=[townships["nanzhao"]])
    notice.target_townships.clear()
    r = api(users["inspector"]).post(f"/api/v1/notices/{notice.pk}/transitions/issue/", {}, format="json")
    assert r.status_code == 400 and "target_townships" in r.json()
    notice = Notice.objects.get(pk=notice.pk)
    assert notice.state == "draft" and notice.number == "" and not notice.assignments.exists()


def test_response_length_limit_is_the_setting(users, townships, api, settings):
    a = build("acknowledged", users, townships)
    before = _snapshot(a)
    client = api(users["township_nanzhao"])
    url = f"/api/v1/notice-assignments/{a.pk}/transitions/respond/"
    settings.NOTICES = {"MAX_RESPONSE_LENGTH": 10}
    r = client.post(url, {"text": "整" * 11}, format="json")
    assert r.status_code == 400 and r.json()["text"] == ["整改情况不能超过 10 个字。"]
    assert _unchanged(a, before) and not NoticeResponse.objects.exists()
    settings.NOTICES = {"MAX_RESPONSE_LENGTH": 30000}  # above the default: read per request, not at import
    r = client.post(url, {"text": "整" * 25000}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "responded"


def test_api_accepts_only_issuing_units(users, townships, api):
    from supervision.models import Unit

    township_unit = Unit.objects.create(name="测试乡镇单位", kind=Unit.Kind.TOWNSHIP, region=townships["nanzhao"])
    inspection = Unit.objects.create(name="测试督查单位", kind=Unit.Kind.INSPECTION)
    client = api(users["inspector"])
    body = {"title": "t", "findings": "f", "requirements": "r", "target_townships": [townships["nanzhao"].pk]}
    r = client.post("/api/v1/notices/", {**body, "issuing_unit": township_unit.pk}, format="json")
    assert r.status_code == 400 and "issuing_unit" in r.json()
    assert not Notice.objects.exists()
    r = client.post("/api/v1/notices/", {**body, "issuing_unit": inspection.pk}, format="json")
    assert r.status_code == 201 and r.json()["issuing_unit"] == inspection.pk
