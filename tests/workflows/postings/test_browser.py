"""The postings workflow in a real browser: the township rates, the office reviews and
publicizes, publicity passes, a grade is finalized; an 不称职 grade leads to a recall and a
replacement posting."""
import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import login, screenshot
from workflows.postings.models import Assessment, Posting, Recall

from . import factories
from .factories import fire, reload

pytestmark = pytest.mark.browser


def _submit(page, transition, **fields):
    form = page.locator(f'form[data-transition="{transition}"]')
    for name, value in fields.items():
        field = form.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "操作未完成" not in page.content(), page.locator(".messages").inner_text()


def test_assessment_to_grade_and_recall_to_replacement(live_url, new_page, users, villages, units):
    org = users["organization"]
    year = timezone.localdate().year
    past = str(timezone.localdate() - dt.timedelta(days=12))
    good = factories.posting(village=villages["nanzhao"][0], unit=units["县财政局"], actor=org, name="张优秀")
    weak = factories.posting(village=villages["nanzhao"][1], unit=units["县水务局"], actor=org, name="李缺勤")
    factories.attendance(good, year=year, days=236)
    factories.attendance(weak, year=year, days=170, absences=3)
    a_good, a_weak = factories.assessment(good, year), factories.assessment(weak, year)
    for i in (2, 3):  # four assessments this year → one 优秀 allowed
        factories.assessment(factories.posting(village=villages["nanzhao"][i], unit=units["县审计局"], actor=org), year)
    for name, who, data in [("submit_self_report", "township_nanzhao", {"self_report": "述职"}),
                            ("township_rate", "township_nanzhao", {"grade": "incompetent"}),
                            ("enter_unit_opinion", "organization", {"unit_opinion": "同意"}),
                            ("office_review", "organization", {"grade": "incompetent"}),
                            ("publicize", "organization", {"publicity_start": past})]:
        fire(a_weak, name, users[who], **data)

    # The township reports and rates.
    township = login(new_page(), live_url, "township_nanzhao")
    township.goto(live_url + a_good.get_absolute_url())
    _submit(township, "submit_self_report", self_report="全年驻村 236 天，完成产业项目 3 个。")
    _submit(township, "township_rate", grade="excellent", comment="表现突出，建议优秀")
    assert township.locator("h1 .state").inner_text() == "乡镇已初评"
    screenshot(township, "postings-assessment-township-rated")

    # The office enters the unit's opinion, reviews and publicizes; publicity started 12 days ago.
    office = login(new_page(), live_url, "organization")
    office.goto(live_url + a_good.get_absolute_url())
    _submit(office, "enter_unit_opinion", unit_opinion="派出单位同意乡镇初评。")
    _submit(office, "office_review", grade="excellent", comment="联席办审核同意")
    _submit(office, "publicize", publicity_start=past)
    assert reload(a_good).publicity_end < timezone.localdate()
    screenshot(office, "postings-assessment-office-publicized")
    _submit(office, "finalize", grade="excellent", comment="公示期满无异议")
    assert office.locator(".final-grade").inner_text().startswith("优秀")
    assert reload(a_good).state == "finalized"
    office.goto(f"{live_url}/postings/assessments/?year={year}")
    assert office.locator("#quota .quota-used").inner_text() == "1"
    assert office.locator("#quota .quota-limit").inner_text() == "1"
    screenshot(office, "postings-assessment-board")

    # 不称职 → a recall proposal appears; the leader approves; the office withdraws and replaces.
    office.goto(live_url + a_weak.get_absolute_url())
    _submit(office, "finalize", grade="incompetent", comment="缺勤 3 次，不称职")
    assert Recall.objects.filter(posting=weak).count() == 1
    with office.expect_navigation():
        office.click("text=已自动提出召回")
    recall_url = office.url
    leader = login(new_page(width=375, height=800), live_url, "leader")
    leader.goto(recall_url)
    _submit(leader, "approve", comment="县驻村工作领导小组同意召回")
    screenshot(leader, "postings-recall-phone")
    office.goto(recall_url)
    _submit(office, "withdraw", comment="派出单位已撤回")
    assert office.locator(".replacement-due").inner_text() != "—"
    assert reload(weak).state == "recalled"
    _submit(office, "replace", person_name="王补派", dispatching_unit=str(units["县水务局"].pk),
            start_date=str(timezone.localdate()), role="first_secretary", comment="补派到村")
    recall = Recall.objects.get(posting=weak)
    assert recall.state == "replaced"
    assert office.locator(".replacement").inner_text().startswith("王补派")
    new = Posting.objects.get(person__name="王补派")
    assert (new.village_id, new.state) == (weak.village_id, "active")
    screenshot(office, "postings-recall-replaced")

    # The register, the person page (phone width) and the export link.
    township.goto(live_url + "/postings/")
    assert township.locator("table.postings tr.posting").count() == 5
    screenshot(township, "postings-register")
    phone = login(new_page(width=375, height=800), live_url, "township_nanzhao")
    phone.goto(f"{live_url}/postings/people/{good.person_id}/")
    assert phone.locator(".calendar").is_visible()
    screenshot(phone, "postings-person-phone")
    phone.goto(live_url + good.get_absolute_url())
    assert phone.locator('form[data-transition="propose_recall"]').is_visible()
    screenshot(phone, "postings-posting-phone")
    phone.goto(f"{live_url}/postings/assessments/?year={year}")
    screenshot(phone, "postings-board-phone")
    assert Assessment.objects.get(pk=a_weak.pk).final_grade == "incompetent"


def test_secretary_approves_leave_and_a_changed_grade_goes_back_to_publicity(live_url, new_page, users, villages,
                                                                             units):
    from workflows.postings import services

    org = users["organization"]
    today = timezone.localdate()
    posting = factories.posting(village=villages["nanzhao"][0], unit=units["县财政局"], actor=org, name="赵请假",
                                start=dt.date(today.year, 1, 1))
    monday = today + dt.timedelta(days=7 - today.weekday())
    leave = services.leave_request_create(actor=users["township_nanzhao"], posting=posting, start_date=monday,
                                          end_date=monday + dt.timedelta(days=6), reason="家中有事")
    # The township's secretary approves it from the leave page; it shows in the month's attendance.
    secretary = login(new_page(), live_url, "secretary_nanzhao")
    secretary.goto(live_url + leave.get_absolute_url())
    _submit(secretary, "approve")
    assert reload(leave).state == "approved" and reload(leave).decided_by == users["secretary_nanzhao"]
    secretary.goto(live_url + posting.get_absolute_url())
    assert "按工作日计算" in secretary.locator("form[action$='/leave/']").inner_text()
    first_row = secretary.locator("table.attendance tbody tr").first
    assert first_row.locator("td").nth(2).inner_text() != "0"
    screenshot(secretary, "postings-leave-in-attendance")

    # Publicised as 称职; the office finalises 优秀 with a reason → back to review, publicity again.
    a = factories.assessment(posting, today.year)
    past = str(today - dt.timedelta(days=12))
    for name, who, data in [("submit_self_report", "township_nanzhao", {"self_report": "述职"}),
                            ("township_rate", "township_nanzhao", {"grade": "competent"}),
                            ("enter_unit_opinion", "organization", {"unit_opinion": "同意"}),
                            ("office_review", "organization", {"grade": "competent"}),
                            ("publicize", "organization", {"publicity_start": past})]:
        fire(a, name, users[who], comment="意见", **data)
    office = login(new_page(), live_url, "organization")
    office.goto(live_url + a.get_absolute_url())
    assert "未登记工作经费" in office.locator("main").inner_text()
    _submit(office, "finalize", grade="basic", comment="复核后拟定为基本称职")
    a = reload(a)
    assert (a.state, a.office_grade, a.final_grade) == ("office_reviewed", "basic", "")
    assert office.locator('form[data-transition="publicize"]').count() == 1
    screenshot(office, "postings-assessment-back-to-review")
