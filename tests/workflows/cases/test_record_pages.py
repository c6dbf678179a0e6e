"""The case page's sections for 留置 and the records of the work: shown on the kernel frame, their
forms posting through the services (a refusal: the page again, 400, input kept, nothing written),
404 to outsiders, and a bounded number of queries however many records the case holds."""
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.helpers import count_queries
from workflows.cases.custody import Detention
from workflows.cases.recordservices import detention_propose, evidence_add, talk_add
from workflows.cases.workrecords import EvidenceItem, InquiryLetter, Talk

from .conftest import advance, fire, register
from .test_workrecords import pdf

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def investigating(users, townships):
    return advance(register(users, townships), users, "investigating")


def add_records(users, case, n):
    d = users["discipline"]
    for i in range(n):
        talk_add(actor=d, case_id=case.pk, held_on=TODAY(), present=f"参加人{i}", summary=f"摘要{i}", attachment=pdf())
        evidence_add(actor=d, case_id=case.pk, item=f"证据{i}", kind="documentary", source="信用社",
                     obtained_on=TODAY())


def test_the_case_page_shows_detention_and_records_with_their_forms(users, townships, web):
    case = investigating(users, townships)
    add_records(users, case, 1)
    d = detention_propose(actor=users["discipline"], subject_id=case.subjects.get().pk, grounds="可能逃跑")
    html = web(users["discipline_head"]).get(case.get_absolute_url()).content.decode()
    assert 'id="detentions"' in html and 'id="records"' in html
    assert "可能逃跑" in html and "已提请留置" in html and 'data-transition="approve"' in html
    assert "参加人0" in html and "证据0" in html and "谈话笔录.pdf" in html
    assert html.count(">谈话笔录.pdf<") == 1  # the talk's file is shown once, with its talk (not in the case's files)
    assert 'id="talk-form"' not in html  # a head sees, the handler writes
    html = web(users["discipline"]).get(case.get_absolute_url()).content.decode()
    assert 'id="talk-form"' in html and 'id="evidence-form"' in html
    assert 'id="detention-form"' not in html  # the one subject already has an open detention
    assert d.get_absolute_url().startswith(case.get_absolute_url())


def test_page_forms_add_records_and_refuse_bad_input_with_400(users, townships, web):
    case = investigating(users, townships)
    client = web(users["discipline"])
    url = reverse("cases:talk-add", args=[case.pk])
    r = client.post(url, {"talk-held_on": TODAY().isoformat(), "talk-present": "", "talk-summary": "摘要"})
    assert r.status_code == 400 and "必填" in r.content.decode()
    r = client.post(url, {"talk-held_on": "2099-01-01", "talk-present": "张纪检", "talk-summary": "摘要甲乙"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "不能晚于今天" in html and "摘要甲乙" in html  # the error, and the input kept
    assert not Talk.objects.filter(case=case).exists()
    r = client.post(reverse("cases:talk-add", args=[case.pk]), {
        "talk-held_on": TODAY().isoformat(), "talk-present": "张纪检、杨某", "talk-summary": "谈话摘要",
        "talk-attachment": pdf()})
    assert r.status_code == 302 and Talk.objects.filter(case=case).count() == 1
    r = client.post(reverse("cases:evidence-add", args=[case.pk]), {
        "evidence-item": "花名册", "evidence-kind": "documentary", "evidence-source": "村委会",
        "evidence-obtained_on": TODAY().isoformat()})
    assert r.status_code == 302 and EvidenceItem.objects.get(case=case).item == "花名册"
    r = client.post(reverse("cases:detention-propose", args=[case.pk]), {
        "detention-subject": case.subjects.get().pk, "detention-grounds": ""})
    assert r.status_code == 400 and not Detention.objects.exists()
    r = client.post(reverse("cases:detention-propose", args=[case.pk]), {
        "detention-subject": case.subjects.get().pk, "detention-grounds": "可能串供"})
    assert r.status_code == 302 and Detention.objects.get().state == "proposed"


def test_inquiry_letter_reply_and_conclusion_from_the_page(users, townships, web):
    case = fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "inquiry"})
    case = fire(case, "approve", users["discipline_head"])
    client = web(users["discipline"])
    assert 'id="letter-form"' in client.get(case.get_absolute_url()).content.decode()
    r = client.post(reverse("cases:letter-add", args=[case.pk]), {
        "letter-sent_on": TODAY().isoformat(), "letter-letter_text": "请说明扶贫资金发放情况"})
    assert r.status_code == 302
    letter = InquiryLetter.objects.get(case=case)
    conclude = reverse("cases:letter-conclude", args=[letter.pk])
    r = client.post(conclude, {f"conclusion{letter.pk}-conclusion": "accepted"})
    assert r.status_code == 400 and "请先登记被函询人的回复" in r.content.decode()
    r = client.post(reverse("cases:letter-reply", args=[letter.pk]), {
        f"reply{letter.pk}-reply_on": TODAY().isoformat(), f"reply{letter.pk}-reply_text": "已按规定发放"})
    assert r.status_code == 302
    r = client.post(conclude, {f"conclusion{letter.pk}-conclusion": "accepted"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed"
    html = client.get(case.get_absolute_url()).content.decode()
    assert "说明属实，予以采信" in html and 'id="letter-form"' not in html


@pytest.mark.parametrize("username", ["township_nanzhao", "organization", "inspector"])
def test_outsiders_get_404_from_the_page_forms(users, townships, web, username):
    case = investigating(users, townships)
    client = web(users[username])
    r = client.post(reverse("cases:talk-add", args=[case.pk]), {
        "talk-held_on": TODAY().isoformat(), "talk-present": "x", "talk-summary": "y"})
    assert r.status_code == 404
    r = client.post(reverse("cases:detention-propose", args=[case.pk]), {
        "detention-subject": case.subjects.get().pk, "detention-grounds": "x"})
    assert r.status_code == 404
    assert not Talk.objects.exists() and not Detention.objects.exists()


def test_the_case_page_queries_do_not_grow_with_records(users, townships, web):
    case = investigating(users, townships)
    add_records(users, case, 1)
    detention_propose(actor=users["discipline"], subject_id=case.subjects.get().pk, grounds="可能逃跑")
    client = web(users["discipline"])
    small = count_queries(lambda: client.get(case.get_absolute_url()))
    add_records(users, case, 10)
    large = count_queries(lambda: client.get(case.get_absolute_url()))
    assert large == small, (small, large)


def test_a_refused_detention_step_on_the_page_is_the_case_page_again_with_400(users, townships, web):
    from supervision.transitions import run_transition

    case = investigating(users, townships)
    d = detention_propose(actor=users["discipline"], subject_id=case.subjects.get().pk, grounds="可能逃跑")
    run_transition(model=Detention, pk=d.pk, name="approve", actor=users["discipline_head"], comment="同意")
    url = reverse("record-transition", args=["cases.detention", d.pk, "start"])
    client = web(users["discipline"])
    r = client.post(url, {"started_at": "2099-01-01T08:00", "place": "县留置点", "next": d.get_absolute_url()})
    assert r.status_code == 400
    html = r.content.decode()
    assert "时间不能晚于现在" in html and 'id="refused-form"' in html and "县留置点" in html
    assert Detention.objects.get(pk=d.pk).state == "approved"
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    r = client.post(url, {"started_at": now, "place": "县留置点", "next": d.get_absolute_url()})
    assert r.status_code == 302 and Detention.objects.get(pk=d.pk).state == "started"


def test_the_handler_corrects_a_talk_and_an_evidence_item_on_the_page(users, townships, web):
    case = investigating(users, townships)
    add_records(users, case, 1)
    talk, ev = Talk.objects.get(case=case), EvidenceItem.objects.get(case=case)
    client = web(users["discipline"])
    html = client.get(case.get_absolute_url()).content.decode()
    assert f'id="talk-edit-{talk.pk}"' in html and f'id="evidence-edit-{ev.pk}"' in html
    p = f"talk{talk.pk}"
    r = client.post(reverse("cases:talk-edit", args=[talk.pk]), {
        f"{p}-held_on": TODAY().isoformat(), f"{p}-present": "   ", f"{p}-summary": "改后的摘要"})
    assert r.status_code == 400 and Talk.objects.get(pk=talk.pk).summary == "摘要0"
    r = client.post(reverse("cases:talk-edit", args=[talk.pk]), {
        f"{p}-held_on": TODAY().isoformat(), f"{p}-present": "张纪检", f"{p}-summary": "改后的摘要"})
    assert r.status_code == 302 and Talk.objects.get(pk=talk.pk).summary == "改后的摘要"
    assert Talk.history.filter(id=talk.pk).count() == 2
    p = f"evidence{ev.pk}"
    r = client.post(reverse("cases:evidence-edit", args=[ev.pk]), {
        f"{p}-item": "证据0", f"{p}-kind": "witness", f"{p}-source": "村民", f"{p}-obtained_on": TODAY().isoformat()})
    assert r.status_code == 302 and EvidenceItem.objects.get(pk=ev.pk).kind == "witness"
    head = web(users["discipline_head"])
    assert f'id="talk-edit-{talk.pk}"' not in head.get(case.get_absolute_url()).content.decode()
    r = head.post(reverse("cases:evidence-edit", args=[ev.pk]), {
        f"{p}-item": "x", f"{p}-kind": "other", f"{p}-source": "y", f"{p}-obtained_on": TODAY().isoformat()})
    assert r.status_code == 403 and EvidenceItem.objects.get(pk=ev.pk).item == "证据0"
