"""Records of the work on a case: the 函询 letter and its reply (accepted → the case's 了结, further
verification → its disposition proposal), talks and the evidence list — each with history, on the
case's timeline (page and API), confidential like the case, written only by its handlers."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from supervision.audit.timeline import history_entries
from supervision.errors import PermissionDenied, ValidationError
from supervision.models import Attachment, ReadAccess
from workflows.cases.models import Case
from workflows.cases.recordservices import (
    evidence_add,
    evidence_update,
    inquiry_letter_add,
    inquiry_letter_conclude,
    inquiry_letter_update,
    talk_add,
    talk_update,
)
from workflows.cases.workrecords import EvidenceItem, InquiryLetter, Talk

from .conftest import advance, fire, register

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def pdf(name="谈话笔录.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                              content_type="application/pdf")


def in_inquiry(users, townships):
    case = fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "inquiry"})
    return fire(case, "approve", users["discipline_head"])


def replied(users, townships):
    case = in_inquiry(users, townships)
    letter = inquiry_letter_add(actor=users["discipline"], case_id=case.pk, sent_on=TODAY(),
                                letter_text="请就反映的截留扶贫资金问题作出书面说明")
    return inquiry_letter_update(actor=users["discipline"], pk=letter.pk, reply_on=TODAY(),
                                 reply_text="资金已按规定发放，附发放花名册")


def test_letter_reply_accepted_closes_the_clue_through_its_close_transition(users, townships):
    letter = replied(users, townships)
    assert [r.history_change_reason for r in letter.history.order_by("history_id")] == ["登记函询", "登记函询回复"]
    inquiry_letter_conclude(actor=users["discipline"], pk=letter.pk, conclusion="accepted", comment="说明属实")
    case = Case.objects.get(pk=letter.case_id)
    assert case.state == "closed" and case.four_forms == "first"
    row = case.history.get(transition="close")
    assert "函询结论" in row.history_change_reason and row.history_user_id == users["discipline"].pk
    letter = InquiryLetter.objects.get(pk=letter.pk)
    assert letter.conclusion == "accepted" and letter.concluded_on == TODAY()


def test_letter_needing_verification_is_a_disposition_proposal_for_a_head(users, townships):
    letter = replied(users, townships)
    inquiry_letter_conclude(actor=users["discipline"], pk=letter.pk, conclusion="verify")
    case = Case.objects.get(pk=letter.case_id)
    assert case.state == "inquiry" and case.pending_kind == "disposition" and case.pending_target == "verification"
    case = fire(case, "approve", users["discipline_head"])
    assert case.state == "verification"


def test_letter_conclusion_refusals_are_clear_400s(users, townships, api):
    case = in_inquiry(users, townships)
    letter = inquiry_letter_add(actor=users["discipline"], case_id=case.pk, sent_on=TODAY(), letter_text="函询内容")
    client = api(users["discipline"])
    r = client.post(f"/api/v1/inquiry-letters/{letter.pk}/conclusion/", {"conclusion": "accepted"}, format="json")
    assert r.status_code == 400 and "请先登记被函询人的回复" in str(r.json())
    r = client.patch(f"/api/v1/inquiry-letters/{letter.pk}/",
                     {"reply_on": (TODAY() + dt.timedelta(days=1)).isoformat(), "reply_text": "说明"}, format="json")
    assert r.status_code == 400 and "不能晚于今天" in str(r.json())
    r = client.patch(f"/api/v1/inquiry-letters/{letter.pk}/", {"reply_on": TODAY().isoformat(), "reply_text": "说明"},
                     format="json")
    assert r.status_code == 200 and r.json()["reply_text"] == "说明"
    r = client.post(f"/api/v1/inquiry-letters/{letter.pk}/conclusion/", {"conclusion": "whatever"}, format="json")
    assert r.status_code == 400
    r = client.post(f"/api/v1/inquiry-letters/{letter.pk}/conclusion/", {"conclusion": "accepted"}, format="json")
    assert r.status_code == 200 and r.json()["conclusion"] == "accepted"
    r = client.post(f"/api/v1/inquiry-letters/{letter.pk}/conclusion/", {"conclusion": "verify"}, format="json")
    assert r.status_code == 400 and "已作出结论" in str(r.json())
    assert Case.objects.get(pk=case.pk).state == "closed"


def test_a_letter_needs_the_clue_in_inquiry(users, townships):
    case = register(users, townships)
    with pytest.raises(ValidationError) as exc:
        inquiry_letter_add(actor=users["discipline"], case_id=case.pk, sent_on=TODAY(), letter_text="x")
    assert "谈话函询" in str(exc.value)
    assert not InquiryLetter.objects.filter(case=case).exists()


def test_talks_with_attachment_history_and_edit(users, townships):
    case = advance(register(users, townships), users, "verification")
    talk = talk_add(actor=users["discipline"], case_id=case.pk, held_on=TODAY(), present="张纪检、杨某、记录人李某",
                    summary="杨某承认未按规定公示", attachment=pdf())
    files = Attachment.objects.filter(record_type="cases.case", object_id=str(case.pk), part=talk.attachment_part)
    assert [f.name for f in files] == ["谈话笔录.pdf"]
    talk = talk_update(actor=users["discipline"], pk=talk.pk, summary="杨某承认未按规定公示，已退还资金")
    assert [r.summary for r in talk.history.order_by("history_id")] == ["杨某承认未按规定公示",
                                                                         "杨某承认未按规定公示，已退还资金"]
    with pytest.raises(ValidationError) as exc:
        talk_update(actor=users["discipline"], pk=talk.pk, present=" ", held_on=TODAY() + dt.timedelta(days=3))
    assert set(exc.value.message_dict) == {"present", "held_on"}
    assert Talk.objects.get(pk=talk.pk).present.startswith("张纪检")


def test_evidence_list_kinds_and_refusals(users, townships, api):
    case = advance(register(users, townships), users, "investigating")
    client = api(users["discipline"])
    r = client.post("/api/v1/case-evidence/", {"case": case.pk, "item": "扶贫资金发放花名册", "kind": "documentary",
                                               "source": "鸡碧村委会", "obtained_on": TODAY().isoformat()},
                    format="json")
    assert r.status_code == 201, r.content
    assert r.json()["kind_label"] == "书证"
    r = client.post("/api/v1/case-evidence/", {"case": case.pk, "item": "x", "kind": "rumour", "source": "y",
                                               "obtained_on": TODAY().isoformat()}, format="json")
    assert r.status_code == 400 and "kind" in r.json()
    with pytest.raises(ValidationError) as exc:
        evidence_add(actor=users["discipline"], case_id=case.pk, item="银行流水", kind="documentary", source="信用社",
                     obtained_on=case.received_on - dt.timedelta(days=1))
    assert "不能早于受理日期" in str(exc.value)
    ev = EvidenceItem.objects.get(case=case)
    evidence_update(actor=users["discipline"], pk=ev.pk, kind="witness", source="村民张某")
    assert EvidenceItem.history.filter(id=ev.pk).count() == 2


@pytest.mark.parametrize("username", ["auditor", "discipline_head"])
def test_only_the_case_handlers_write(users, townships, api, username):
    """Those who see the case but may not handle it (the auditor, a head) read, never write."""
    case = advance(register(users, townships), users, "investigating")
    talk = talk_add(actor=users["discipline"], case_id=case.pk, held_on=TODAY(), present="甲", summary="乙")
    with pytest.raises(PermissionDenied):
        talk_add(actor=users[username], case_id=case.pk, held_on=TODAY(), present="甲", summary="乙")
    client = api(users[username])
    assert client.get(f"/api/v1/case-talks/{talk.pk}/").status_code == 200
    assert client.patch(f"/api/v1/case-talks/{talk.pk}/", {"summary": "改"}, format="json").status_code == 403
    r = client.post("/api/v1/case-evidence/", {"case": case.pk, "item": "x", "kind": "other", "source": "y",
                                               "obtained_on": TODAY().isoformat()}, format="json")
    assert r.status_code == 403
    assert Talk.objects.get(pk=talk.pk).summary == "乙" and not EvidenceItem.objects.filter(case=case).exists()


def test_a_closed_case_takes_no_more_records(users, townships):
    letter = replied(users, townships)
    inquiry_letter_conclude(actor=users["discipline"], pk=letter.pk, conclusion="accepted")
    with pytest.raises(ValidationError) as exc:
        talk_add(actor=users["discipline"], case_id=letter.case_id, held_on=TODAY(), present="甲", summary="乙")
    assert "已了结" in str(exc.value)


def _records(users, townships):
    case = advance(register(users, townships), users, "investigating")
    d = users["discipline"]
    talk = talk_add(actor=d, case_id=case.pk, held_on=TODAY(), present="张纪检、杨某", summary="谈话摘要",
                    attachment=pdf())
    ev = evidence_add(actor=d, case_id=case.pk, item="银行流水", kind="documentary", source="信用社",
                      obtained_on=TODAY())
    return case, talk, ev


def test_records_are_on_the_case_timeline_page_and_api(users, townships, api, web):
    case, talk, ev = _records(users, townships)
    entries = history_entries(case, users["auditor"])
    parts = {(e["part"]["model"], e["part"]["name"]) for e in entries if e["part"]}
    assert {("cases.talk", str(talk)), ("cases.evidenceitem", "银行流水"), ("attachment", "谈话笔录.pdf")} <= {
        (m if m != "supervision.attachment" else "attachment", n) for m, n in parts}
    body = api(users["discipline_head"]).get(f"/api/v1/cases/{case.pk}/history/").json()
    labels = {e["part"]["label"] for e in body if e["part"]}
    assert {"谈话记录", "证据清单"} <= labels
    page = web(users["discipline_head"]).get(case.get_absolute_url())
    timeline = page.content.decode().split('class="card record-timeline"')[1]
    assert page.status_code == 200
    for label in ("谈话记录", "证据清单"):
        assert f'<span class="tag part-tag">{label}</span>' in timeline


@pytest.mark.parametrize("username", ["township_nanzhao", "organization", "inspector", "leader"])
def test_outsiders_get_404_and_see_nothing(users, townships, api, username):
    case, talk, ev = _records(users, townships)
    client = api(users[username])
    for url in ("/api/v1/case-talks/", "/api/v1/case-evidence/", "/api/v1/inquiry-letters/"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/api/v1/case-talks/{talk.pk}/").status_code == 404
    assert client.get(f"/api/v1/case-evidence/{ev.pk}/").status_code == 404
    assert client.patch(f"/api/v1/case-talks/{talk.pk}/", {"summary": "x"}, format="json").status_code == 404
    r = client.post("/api/v1/case-talks/", {"case": case.pk, "held_on": TODAY().isoformat(), "present": "x",
                                            "summary": "y"}, format="json")
    assert r.status_code == 404
    assert Talk.objects.filter(case=case).count() == 1
    assert client.get(f"/api/v1/cases/{case.pk}/history/").status_code == 404


def test_reads_of_the_records_are_logged_as_reads_of_the_case(users, townships, api):
    case, talk, ev = _records(users, townships)
    auditor = users["auditor"]
    body = api(auditor).get(f"/api/v1/case-talks/?case={case.pk}").json()
    assert [t["id"] for t in body["results"]] == [talk.pk]
    assert [a["name"] for a in body["results"][0]["attachments"]] == ["谈话笔录.pdf"]
    assert ReadAccess.objects.filter(user=auditor, record_type="cases.case", object_id=str(case.pk)).count() == 1
    api(auditor).get(f"/api/v1/case-evidence/{ev.pk}/")
    assert ReadAccess.objects.filter(user=auditor, record_type="cases.case", object_id=str(case.pk)).count() == 2
