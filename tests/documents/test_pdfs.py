"""Each document kind: generated from a demo record as a real PDF (A4, fonts embedded, Chinese text
extractable with the number, the title and the township), 404 outside the user's scope, page and
API alike, every generation logged (and in the read log for case files); the 处分决定书 never
names the reporter."""
import datetime as dt

import pytest
from django.urls import reverse

from supervision.documents import chinese_date
from supervision.models import DocumentLog, ReadAccess
from supervision.transitions import save_with_history
from tests.documents.conftest import pdf_fonts, pdf_pages, pdf_text
from workflows.cases.models import Case
from workflows.notices import services as notice_services
from workflows.notices.models import Notice, NoticeAssignment
from workflows.postings.models import Assessment, Recall
from workflows.rectification.models import Rectification

pytestmark = pytest.mark.django_db

PINYIN = {"南诏镇": "nanzhao", "庙街镇": "miaojie", "大仓镇": "dacang", "永建镇": "yongjian", "巍宝山乡": "weibaoshan",
          "紫金乡": "zijin", "马鞍山乡": "maanshan", "五印乡": "wuyin", "牛街乡": "niujie", "青华乡": "qinghua"}


def other_township(name):
    return next(p for n, p in PINYIN.items() if n != name)


def page_url(key, pk, kind):
    return reverse("record-document", args=[key, pk, kind])


def get_pdf(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    assert pdf.startswith(b"%PDF-")
    return pdf


def assert_document(pdf, tmp_path, *, number, title, township):
    text = pdf_text(pdf, tmp_path)
    flat = "".join(text.split())  # titles wrap across lines
    assert number in flat
    assert "".join(str(title).split()) in flat
    assert township in flat
    width, height = pdf_pages(pdf, tmp_path)
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4
    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts and all(emb == "yes" for _, emb in fonts), fonts
    assert any("CJK" in name for name, _ in fonts)
    return flat


def test_chinese_date():
    assert chinese_date(dt.date(2026, 12, 1)) == "二〇二六年十二月一日"
    assert chinese_date(dt.date(2027, 10, 20)) == "二〇二七年十月二十日"
    assert chinese_date(dt.date(2026, 1, 31)) == "二〇二六年一月三十一日"
    assert chinese_date(dt.date(2026, 11, 15)) == "二〇二六年十一月十五日"


def test_notice_documents(seed, users, web, api, tmp_path, django_capture_on_commit_callbacks):
    seed("notices")
    notice = Notice.objects.filter(state="issued").exclude(number="").order_by("pk").first()
    assignment = notice.assignments.select_related("township").first()
    town = assignment.township.name

    # The whole notice: every target township, the notice's own 文号.
    pdf = get_pdf(web(users["inspector"]), page_url("notices.notice", notice.pk, "notice"))
    flat = assert_document(pdf, tmp_path, number=notice.number, title=notice.title, township=town)
    for a in notice.assignments.select_related("township"):
        assert a.township.name in flat
    assert "二〇" in flat and "印发" in flat and "抄送" in flat

    # 督办通知单 per township: the township's own user may print it, another township may not.
    url = page_url("notices.noticeassignment", assignment.pk, "notice")
    own = web(users[f"township_{PINYIN[town]}"])
    pdf = get_pdf(own, url)
    assert_document(pdf, tmp_path, number=notice.number, title="督办通知单", township=town)
    assert chinese_date(assignment.due_date) in "".join(pdf_text(pdf, tmp_path).split())
    assert web(users[f"township_{other_township(town)}"]).get(url).status_code == 404
    assert web(users["discipline"]).get(url).status_code == 404
    assert web().get(url).status_code == 302  # anonymous → sign in

    # The API side, same rules.
    api_url = f"/api/v1/notice-assignments/{assignment.pk}/documents/notice.pdf"
    response = api(users["inspector"]).get(api_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert api(users[f"township_{other_township(town)}"]).get(api_url).status_code == 404
    assert api().get(api_url).status_code in (401, 403)
    assert api(users["inspector"]).get(f"/api/v1/notice-assignments/{assignment.pk}/documents/nope.pdf"
                                       ).status_code == 404
    assert DocumentLog.objects.filter(record_type="notices.noticeassignment", object_id=str(assignment.pk),
                                      kind="notice").count() == 2
    log = DocumentLog.objects.filter(user=users["inspector"], via="api").get()
    assert log.number == notice.number and len(log.sha256) == 64 and log.size > 1000

    # 督查通报: only once the ladder has reached 通报批评; its number is allocated once and kept.
    overdue = NoticeAssignment.objects.filter(state="overdue", escalation=1).select_related("township").first()
    crit_url = page_url("notices.noticeassignment", overdue.pk, "criticism")
    assert web(users["inspector"]).get(crit_url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        notice_services.assignment_escalate(actor=users["inspector"], assignment=overdue, step="criticize",
                                            comment="经催办仍未报送")
    pdf = get_pdf(web(users["inspector"]), crit_url)
    year = dt.date.today().year
    title = f"关于{overdue.township.name}逾期未落实督办事项的通报"
    flat = assert_document(pdf, tmp_path, number=f"巍督通〔{year}〕1号", title=title, township=overdue.township.name)
    assert overdue.notice.number in flat
    again = get_pdf(web(users["leader"]), crit_url)
    assert f"巍督通〔{year}〕1号" in "".join(pdf_text(again, tmp_path).split())
    assert DocumentLog.objects.filter(kind="criticism").count() == 2


def test_case_documents(seed, users, web, api, tmp_path):
    seed("cases")
    # The demo case whose one subject was sanctioned (per-subject matters: the decision is the subject's).
    case = Case.objects.filter(description__contains="虚报冒领").select_related("township").get()
    decided_on = case.matters.get().decided_on
    save_with_history(_with(case, reporter_name="举报人甲乙丙", reporter_contact="13900001111"),
                      actor=users["discipline"], reason="test", update_fields=["reporter_name", "reporter_contact"])
    subject = case.subjects.get()
    url = page_url("cases.case", case.pk, "decision")
    pdf = get_pdf(web(users["discipline"]), url)
    year = decided_on.year
    flat = assert_document(pdf, tmp_path, number=f"巍纪处〔{year}〕1号", title=f"关于给予{subject.name}",
                           township=case.township.name)
    assert "严重警告" in flat and "记大过" in flat and chinese_date(decided_on) in flat
    assert "举报人甲乙丙" not in flat and "13900001111" not in flat  # never the reporter
    assert ReadAccess.objects.filter(user=users["discipline"], record_type="cases.case", object_id=str(case.pk),
                                     via="document").count() == 1
    # Per subject: the part is the subject; an unknown part is 404.
    assert web(users["discipline"]).get(url, {"part": subject.pk}).status_code == 200
    assert web(users["discipline"]).get(url, {"part": "99999"}).status_code == 404
    # Case files: no leader, no township, no inspector.
    for name in ("leader", "inspector", f"township_{PINYIN[case.township.name]}"):
        assert web(users[name]).get(url).status_code == 404
        assert api(users[name]).get(f"/api/v1/cases/{case.pk}/documents/decision.pdf").status_code == 404
    response = api(users["auditor"]).get(f"/api/v1/cases/{case.pk}/documents/decision.pdf")
    assert response.status_code == 200
    assert ReadAccess.objects.filter(user=users["auditor"], via="document").count() == 1

    # 函询通知 for a clue disposed of by inquiry, addressed to its subject; not for other cases.
    inquiry = Case.objects.filter(disposition="inquiry").select_related("township").get()
    person = inquiry.subjects.get()
    pdf = get_pdf(web(users["discipline_head"]), page_url("cases.case", inquiry.pk, "inquiry"))
    flat = assert_document(pdf, tmp_path, number=f"巍纪函〔{dt.date.today().year}〕1号", title="函询通知书",
                           township=inquiry.township.name)
    assert f"{person.name}同志" in flat and "十五个工作日" in flat
    assert web(users["discipline"]).get(page_url("cases.case", case.pk, "inquiry")).status_code == 404
    assert DocumentLog.objects.filter(record_type="cases.case").count() == 4


def _with(obj, **values):
    for k, v in values.items():
        setattr(obj, k, v)
    return obj


def test_postings_documents(seed, users, web, api, tmp_path):
    seed("postings")
    recall = Recall.objects.filter(state__in=["approved", "recalled"]).select_related(
        "township", "person", "posting__dispatching_unit").first()
    url = page_url("postings.recall", recall.pk, "recall")
    pdf = get_pdf(web(users["organization"]), url)
    flat = assert_document(pdf, tmp_path, number=f"巍组召〔{recall.decided_on.year}〕1号",
                           title=f"关于召回{recall.person.name}同志的通知", township=recall.township.name)
    assert recall.posting.dispatching_unit.name in flat
    assert web(users[f"township_{PINYIN[recall.township.name]}"]).get(url).status_code == 200
    assert web(users[f"township_{other_township(recall.township.name)}"]).get(url).status_code == 404
    assert web(users["discipline"]).get(url).status_code == 404

    # The year's 公示 list: everyone in it for the county, only their own township for a township.
    year = Assessment.objects.filter(state__in=["publicized", "finalized"]).values_list("year", flat=True).first()
    listed = Assessment.objects.filter(year=year, state__in=["publicized", "finalized"]).select_related(
        "person", "township")
    coll = reverse("collection-document", args=["postings.assessment", "publicity"])
    pdf = get_pdf(web(users["organization"]), coll, year=year)
    first = listed.first()
    flat = assert_document(pdf, tmp_path, number=f"巍驻联公〔{dt.date.today().year}〕1号",
                           title=f"{year}年度驻村第一书记和工作队员考核结果公示", township=first.township.name)
    for a in listed:
        assert a.person.name in flat
    town = first.township
    pdf = get_pdf(web(users[f"township_{town.pinyin}"]), coll, year=year)
    flat = "".join(pdf_text(pdf, tmp_path).split())
    own = {a.person.name for a in listed if a.township_id == town.pk}
    for a in listed:
        if a.township_id == town.pk:
            assert a.person.name in flat
        elif not any(a.person.name in name for name in own):
            assert a.person.name not in flat
    assert web(users["organization"]).get(coll, {"year": "abc"}).status_code == 400
    assert web(users["discipline"]).get(coll, {"year": year}).status_code == 404
    response = api(users["organization"]).get(f"/api/v1/assessments/documents/publicity.pdf?year={year}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert api(users["organization"]).get("/api/v1/assessments/documents/publicity.pdf?year=x").status_code == 400
    assert DocumentLog.objects.filter(kind="publicity", part=str(year)).count() == 3


def test_rectification_acceptance_form(seed, users, web, api, tmp_path):
    seed("rectification")
    obj = Rectification.objects.filter(acceptances__isnull=False).select_related("village__parent").distinct().first()
    acceptance = obj.acceptances.order_by("-date", "-pk").first()
    url = page_url("rectification.rectification", obj.pk, "acceptance")
    pdf = get_pdf(web(users["organization"]), url)
    flat = assert_document(pdf, tmp_path, number=f"巍组验〔{acceptance.date.year}〕1号",
                           title="软弱涣散村党组织整顿验收表", township=obj.village.parent.name)
    assert obj.village.name in flat and f"{acceptance.score}分" in flat
    assert web(users[f"township_{other_township(obj.village.parent.name)}"]).get(url).status_code == 404
    assert api(users["organization"]).get(f"/api/v1/rectifications/{obj.pk}/documents/acceptance.pdf"
                                          ).status_code == 200
    # A rectification without an acceptance has no acceptance form.
    none_yet = Rectification.objects.filter(acceptances__isnull=True).first()
    assert web(users["organization"]).get(page_url("rectification.rectification", none_yet.pk, "acceptance")
                                          ).status_code == 404


def test_record_pages_link_their_documents(seed, users, web):
    seed("notices")
    notice = Notice.objects.filter(state="issued").exclude(number="").first()
    body = web(users["inspector"]).get(notice.get_absolute_url()).content.decode()
    assert page_url("notices.notice", notice.pk, "notice") in body
    for a in notice.assignments.all():
        assert page_url("notices.noticeassignment", a.pk, "notice") in body
