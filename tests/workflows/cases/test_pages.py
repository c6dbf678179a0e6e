"""Pages and the create API: intake, register, export, approval queue, statistics, bad input."""
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from supervision.models import Attachment
from workflows.cases.models import Case, CaseSubject, SubjectMatter

from .conftest import advance, decide, fire, register

pytestmark = pytest.mark.django_db

GOOD = {"source": "petition", "category": "village_tyrant", "reporter_name": "李群众", "reporter_contact": "139",
        "amount": "1200.50", "description": "村霸强占集体林地",
        "subjects-TOTAL_FORMS": "3", "subjects-INITIAL_FORMS": "0", "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "10", "subjects-0-name": "罗某", "subjects-0-post": "村民小组长",
        "subjects-0-is_village_committee": "on"}


def test_intake_form_registers_a_clue(users, townships, web):
    client = web(users["discipline"])
    assert client.get(reverse("cases:create")).status_code == 200
    r = client.post(reverse("cases:create"), {**GOOD, "township": townships["zijin"].pk})
    assert r.status_code == 302
    case = Case.objects.get()
    assert r["Location"] == case.get_absolute_url()
    assert case.state == "received" and case.handler == users["discipline"] and case.township == townships["zijin"]
    subject = CaseSubject.objects.get()
    assert subject.name == "罗某" and subject.is_village_committee
    assert case.history.first().history_user == users["discipline"]
    assert case.received_on == timezone.localdate()  # not given: today


def test_intake_form_takes_the_paper_date(users, web):
    day = timezone.localdate() - dt.timedelta(days=30)
    r = web(users["discipline"]).post(reverse("cases:create"), {**GOOD, "received_on": day.isoformat()})
    assert r.status_code == 302 and Case.objects.get().received_on == day


def test_intake_form_bad_input(users, web):
    client = web(users["discipline"])
    for bad in ({"amount": "-5"}, {"category": "bogus"}, {"description": "长" * 5001},
                {"reporter_name": ""}, {"received_on": "2999-01-01"}, {"received_on": "2000-01-01"}):
        r = client.post(reverse("cases:create"), {**GOOD, **bad})
        assert r.status_code == 400, bad
        assert "errorlist" in r.content.decode()
    assert Case.objects.count() == 0


def test_heads_and_auditors_may_not_register(users, web):
    assert web(users["discipline_head"]).get(reverse("cases:create")).status_code == 403
    assert web(users["auditor"]).post(reverse("cases:create"), GOOD).status_code == 403
    assert Case.objects.count() == 0


def test_api_create_and_bad_input(users, api, townships):
    client = api(users["discipline"])
    body = {"source": "inspection", "category": "poverty_funds", "reporter_anonymous": True, "amount": "300.00",
            "description": "虚报冒领", "township": townships["niujie"].pk,
            "subjects": [{"name": "马某", "post": "村委会委员", "is_village_committee": True}]}
    r = client.post("/api/v1/cases/", body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["state"] == "received" and r.json()["subjects"][0]["name"] == "马某"
    assert "propose_disposition" in r.json()["available_transitions"]
    for bad, field in (({"amount": "-1"}, "amount"), ({"category": "赌博"}, "category"),
                       ({"description": "x" * 5001}, "description"), ({"source": ""}, "source"),
                       ({"reporter_anonymous": False}, "reporter_name")):
        r = client.post("/api/v1/cases/", {**body, **bad}, format="json")
        assert r.status_code == 400 and field in r.json(), (bad, r.json())
    assert Case.objects.count() == 1


def test_api_filters(users, api, townships):
    register(users, townships, category="village_tyrant")
    register(users, townships, category="work_style", township="dacang")
    client = api(users["discipline"])
    assert client.get("/api/v1/cases/?category=village_tyrant").json()["count"] == 1
    assert client.get(f"/api/v1/cases/?township={townships['dacang'].pk}").json()["count"] == 1


def test_register_filters_and_export(users, townships, web):
    a = register(users, townships, category="village_tyrant", township="nanzhao")
    b = register(users, townships, category="favouritism", township="dacang",
                 subjects=[{"name": "钱某某", "post": "村支书"}])
    client = web(users["discipline"])
    page = client.get(reverse("cases:list")).content.decode()
    assert a.get_absolute_url() in page and b.get_absolute_url() in page
    page = client.get(reverse("cases:list") + "?category=favouritism").content.decode()
    assert a.get_absolute_url() not in page and b.get_absolute_url() in page
    page = client.get(reverse("cases:list") + f"?township={townships['nanzhao'].pk}").content.decode()
    assert a.get_absolute_url() in page and b.get_absolute_url() not in page
    page = client.get(reverse("cases:list") + "?q=钱某").content.decode()
    assert a.get_absolute_url() not in page and b.get_absolute_url() in page
    r = client.get(reverse("cases:export") + "?category=favouritism")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == b.number and "王举报" in rows[1]


def test_detail_shows_forms_and_transition_through_kernel_url(users, townships, web):
    case = register(users, townships)
    client = web(users["discipline"])
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-transition="propose_disposition"' in page
    assert reverse("record-history", args=["cases.case", case.pk]) in page
    url = reverse("record-transition", args=["cases.case", case.pk, "propose_disposition"])
    r = client.post(url, {"comment": "建议初核", "target": "verification", "version": case.version})
    assert r.status_code == 302
    r = client.post(reverse("record-transition", args=["cases.case", case.pk, "propose_filing"]), {"comment": "x"})
    assert r.status_code == 409
    head = web(users["discipline_head"])
    queue = head.get(reverse("cases:approvals")).content.decode()
    assert case.get_absolute_url() in queue and "同意" in queue
    r = head.post(reverse("record-transition", args=["cases.case", case.pk, "approve"]),
                  {"comment": "", "next": reverse("cases:approvals")})
    assert r.status_code == 302 and r["Location"] == reverse("cases:approvals")
    assert Case.objects.get(pk=case.pk).state == "verification"
    assert case.get_absolute_url() not in head.get(reverse("cases:approvals")).content.decode()


def test_subject_outcome_form_on_the_case_page_refuses_bad_sanction(users, townships, web):
    case = advance(register(users, townships, village_committee=True), users, "reviewing")
    matter = case.matters.get()
    client = web(users["discipline"])
    page = client.get(case.get_absolute_url()).content.decode()
    assert f'id="subject-{matter.subject_id}"' in page and 'data-transition="propose_outcome"' in page
    r = client.post(reverse("record-transition", args=["cases.subjectmatter", matter.pk, "propose_outcome"]),
                    {"comment": "提请", "outcome": "sanction", "admin_sanction": "dismissal", "four_forms": "third"})
    assert r.status_code == 400 and "村委会工作人员" in r.content.decode()
    assert not SubjectMatter.objects.get(pk=matter.pk).pending_kind
    r = client.post(reverse("record-transition", args=["cases.subjectmatter", matter.pk, "propose_outcome"]),
                    {"comment": "提请", "outcome": "sanction", "admin_sanction": "demerit", "four_forms": "second"})
    assert r.status_code == 302 and r["Location"].startswith(case.get_absolute_url())
    assert SubjectMatter.objects.get(pk=matter.pk).pending_kind == "outcome"


def test_statistics_count_subjects_by_four_forms(users, townships, web):
    from .test_subjects import TWO

    case = advance(register(users, townships, subjects=TWO), users, "reviewing")
    a, b = case.matters.order_by("pk")
    decide(a, users, {"outcome": "sanction", "party_sanction": "probation", "four_forms": "third"})
    decide(b, users, {"outcome": "exempted", "four_forms": "first"})
    page = web(users["auditor"]).get(reverse("cases:stats"))
    stats = {t["key"]: {str(r["label"]): r["n"] for r in t["rows"]} for t in page.context["tables"]}
    assert stats["four_forms"] == {"第三种形态（重处分、重大职务调整）": 1, "第一种形态（批评教育、谈话提醒）": 1}


def test_statistics(users, townships, web):
    register(users, townships, category="village_tyrant", township="nanzhao")
    register(users, townships, category="village_tyrant", township="dacang")
    c = advance(register(users, townships, category="work_style", township="dacang"), users, "verification")
    fire(c, "close", users["discipline"], {"four_forms": "first", "light_measure": "criticism"})
    page = web(users["auditor"]).get(reverse("cases:stats"))
    stats = {t["key"]: {str(r["label"]): r["n"] for r in t["rows"]} for t in page.context["tables"]}
    assert stats["category"] == {"村霸": 2, "作风问题": 1}
    assert stats["township"] == {"大仓镇": 2, "南诏镇": 1}
    assert stats["four_forms"]["第一种形态（批评教育、谈话提醒）"] == 1
    assert page.context["totals"]["total"] == 3


def test_attachment_download_is_logged(users, townships, web):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from supervision.models import ReadAccess

    case = register(users, townships, attachment=SimpleUploadedFile("举报信.pdf", b"%PDF-1.4"))
    att = Attachment.objects.get()
    page = web(users["discipline"]).get(case.get_absolute_url()).content.decode()
    assert att.get_absolute_url() in page
    assert web(users["auditor"]).get(att.get_absolute_url()).status_code == 200
    assert ReadAccess.objects.filter(user=users["auditor"], via="file").count() == 1


def test_proposals_on_heads_task_list_not_on_proposers(users, townships, web):
    case = fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "parked"})
    home = web(users["discipline_head"]).get(reverse("home")).content.decode()
    assert case.get_absolute_url() in home and "审批同意" in home
    both = users["discipline_head2"]
    from supervision.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role="discipline")
    case2 = fire(register(users, townships), "propose_disposition", both, {"target": "parked"})
    home = web(both).get(reverse("home")).content.decode()
    assert case2.get_absolute_url() not in home  # own proposal: someone else approves
    assert case.get_absolute_url() in home


def test_english_is_available(users, townships, web, settings):
    case = register(users, townships)
    client = web(users["discipline"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Propose disposition" in page and "Received" in page
    r = api_client_en(users)
    assert r.status_code == 400 and r.json()["amount"]


def api_client_en(users):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(users["discipline"])
    return client.post("/api/v1/cases/", {"source": "petition", "category": "other", "description": "x",
                                          "reporter_anonymous": True, "amount": "-1"}, format="json")


def test_handler_adds_attachment(users, townships, web):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = register(users, townships)
    url = reverse("cases:attachment-add", args=[case.pk])
    r = web(users["discipline"]).post(url, {"file": SimpleUploadedFile("谈话笔录.pdf", b"%PDF-1.4")})
    assert r.status_code == 302 and Attachment.objects.filter(object_id=str(case.pk)).count() == 1
    assert web(users["discipline"]).post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}).status_code == 400
    assert web(users["auditor"]).post(url, {"file": SimpleUploadedFile("a.pdf", b"%PDF")}).status_code == 403
    assert web(users["leader"]).post(url, {"file": SimpleUploadedFile("a.pdf", b"%PDF")}).status_code == 404
    assert Attachment.objects.filter(object_id=str(case.pk)).count() == 1


def test_statistics_by_year(users, townships, web):
    import time_machine

    with time_machine.travel("2025-06-01 10:00 +0800"):
        register(users, townships)
    register(users, townships)
    client = web(users["discipline"])
    assert client.get(reverse("cases:stats")).context["totals"]["total"] == 2
    assert client.get(reverse("cases:stats") + "?year=2025").context["totals"]["total"] == 1
    assert client.get(reverse("cases:stats") + "?year=abc").context["totals"]["total"] == 2


def test_add_subject_page_and_api(users, townships, web, api):
    case = register(users, townships)
    r = web(users["discipline"]).post(reverse("cases:subject-add", args=[case.pk]),
                                      {"subject-name": "新发现人", "subject-post": "村会计",
                                       "subject-is_village_committee": "on"})
    assert r.status_code == 302
    assert case.subjects.filter(name="新发现人", is_village_committee=True).exists()
    r = api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/subjects/", {"name": "另一人"}, format="json")
    assert r.status_code == 201 and r.json()["name"] == "另一人"
    assert api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/subjects/", {"name": ""},
                                         format="json").status_code == 400
    assert api(users["auditor"]).post(f"/api/v1/cases/{case.pk}/subjects/", {"name": "x"},
                                      format="json").status_code == 403
    assert api(users["leader"]).post(f"/api/v1/cases/{case.pk}/subjects/", {"name": "x"},
                                     format="json").status_code == 404
    assert web(users["township_nanzhao"]).post(reverse("cases:subject-add", args=[case.pk]),
                                               {"subject-name": "x"}).status_code == 404
    assert case.subjects.count() == 3


def test_approval_queue_lists_subject_proposals(users, townships, web):
    case = advance(register(users, townships), users, "reviewing")
    matter = fire(case.matters.get(), "propose_transfer", users["discipline"], comment="涉嫌犯罪")
    page = web(users["discipline_head"]).get(reverse("cases:approvals")).content.decode()
    assert case.get_absolute_url() in page and f"{matter.subject.name}：移送审查起诉" in page


# --- the case page on the kernel record frame (#12) -------------------------------------------

def _offered(html, obj):
    import re

    key = obj._meta.label_lower
    return set(re.findall(rf'<form method="post" action="/records/{re.escape(key)}/{obj.pk}/transitions/(\w+)/"', html))


def test_the_case_page_is_the_kernel_frame_with_its_declared_sections(users, townships, web):
    from supervision.transitions import available_transitions
    from workflows.cases.views import SECTIONS

    case = fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "verification"})
    html = web(users["discipline"]).get(case.get_absolute_url()).content.decode()
    for part in ("card record-header", "card record-facts", "card transition-panel", "card record-timeline",
                 "card record-attachments"):
        assert f'class="{part}"' in html, part
    assert 'id="case-state"' in html.split('class="card record-header"')[1].split("</header>")[0]
    assert '<dd data-fact="reporter"><span id="reporter">王举报 13800000000</span></dd>' in html
    assert 'id="attachment-form"' in html  # the upload form of the kernel's attachments card
    # The declared sections, in their order (the proposal box while a proposal is open).
    ids = [s.id for s in SECTIONS if s.resolved(None, case)]  # 留置: filed cases only
    positions = [html.index(f'<section class="card record-section" id="{i}">') for i in ids]
    assert positions == sorted(positions)
    assert "初步核实" in html.split('id="pending"')[1].split("</p>")[0]
    # The panel offers exactly what the kernel says this role may fire.
    head = users["discipline_head"]
    page = web(head).get(case.get_absolute_url()).content.decode()
    assert _offered(page, case) == set(available_transitions(case, head)) and "approve" in _offered(page, case)
    assert 'id="attachment-form"' not in page


def test_each_subjects_matter_panel_is_the_kernel_panel_for_the_role(users, townships, web):
    from supervision.transitions import available_transitions

    from .test_subjects import TWO

    case = advance(register(users, townships, subjects=TWO), users, "reviewing")
    for username in ("discipline", "discipline_head", "auditor"):
        user = users[username]
        html = web(user).get(case.get_absolute_url()).content.decode()
        for matter in case.matters.all():
            block = html.split(f'id="subject-{matter.subject_id}"')[1].split('<div class="subject')[0]
            assert _offered(block, matter) == set(available_transitions(matter, user)), username
        assert _offered(html, case) == set(available_transitions(case, user)), username


def test_a_refused_subject_outcome_re_renders_the_case_page_with_input_kept_and_the_error_at_the_field(
        users, townships, web):
    case = advance(register(users, townships, village_committee=True), users, "reviewing")
    matter = case.matters.get()
    r = web(users["discipline"]).post(
        reverse("record-transition", args=["cases.subjectmatter", matter.pk, "propose_outcome"]),
        {"comment": "提请给予撤职", "outcome": "sanction", "admin_sanction": "dismissal", "four_forms": "third",
         "version": matter.version})
    assert r.status_code == 400
    html = r.content.decode()
    assert "操作未完成" not in html and 'class="card record-header"' in html and case.number in html
    block = html.split(f'id="subject-{matter.subject_id}"')[1]
    form = block.split('id="refused-form"')[1].split("</form>")[0]
    assert '<option value="dismissal" selected>' in form and "提请给予撤职" in form
    field = form.split('data-field="admin_sanction"')[1].split("data-field=")[0]
    assert 'class="errorlist field-errors"' in field and "村委会工作人员" in field
    assert not SubjectMatter.objects.get(pk=matter.pk).pending_kind


def test_a_refused_upload_re_renders_the_case_page_with_the_error_at_the_file(users, townships, web):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = register(users, townships)
    r = web(users["discipline"]).post(reverse("cases:attachment-add", args=[case.pk]),
                                      {"file": SimpleUploadedFile("x.exe", b"MZ")})
    assert r.status_code == 400
    form = r.content.decode().split('id="attachment-form"')[1].split("</form>")[0]
    assert 'class="errorlist field-errors"' in form.split('data-field="file"')[1]


def test_the_accountability_matter_page_is_the_kernel_frame(users, townships, web):
    from supervision.models import Unit
    from supervision.transitions import available_transitions
    from workflows.cases import services

    matter, _created = services.accountability_open(actor=users["discipline"], reason="履职不力",
                                                    target_unit=Unit.objects.order_by("pk").first(),
                                                    target_person=None)
    handler = users["discipline"]  # an opened matter: the handler's investigation comes first
    html = web(handler).get(matter.get_absolute_url()).content.decode()
    assert 'class="card record-header"' in html and 'class="card record-timeline"' in html
    assert '<dd data-fact="reason">履职不力</dd>' in html
    assert _offered(html, matter) == set(available_transitions(matter, handler)) and _offered(html, matter)
    assert 'id="matter-targets"' in html and matter.targets.get().name in html
