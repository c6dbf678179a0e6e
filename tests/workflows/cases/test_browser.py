"""Main path in a real browser: register a clue, propose verification, a head approves, the handler
proposes filing, another head approves, and the statistics page counts the filed case."""
import re

import pytest

from tests.browser.conftest import login, screenshot
from workflows.cases.models import Case

pytestmark = pytest.mark.browser


def submit_transition(page, name, comment, **selects):
    form = page.locator(f'form[data-transition="{name}"]')
    for field, value in selects.items():
        form.locator(f'[name="{field}"]').select_option(value)
    form.locator('textarea[name="comment"]').fill(comment)
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()


def test_clue_to_filed_case(live_url, new_page, users, townships):
    handler = login(new_page(), live_url, "discipline")
    handler.click("nav >> text=线索登记")
    handler.select_option("select[name=source]", "petition")
    handler.select_option("select[name=category]", "poverty_funds")
    handler.select_option("select[name=township]", label="巍宝山乡")
    handler.fill("input[name=reporter_name]", "张群众")
    handler.fill("input[name=amount]", "8800")
    handler.fill("input[name=subjects-0-name]", "李某")
    handler.fill("input[name=subjects-0-post]", "村委会主任")
    handler.check("input[name=subjects-0-is_village_committee]")
    handler.fill("textarea[name=description]", "村委会主任截留产业扶持资金")
    handler.click("#clue-form button[type=submit]")
    handler.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert handler.locator("#case-state").inner_text() == "受理登记"
    submit_transition(handler, "propose_disposition", "线索具体，建议初步核实", target="verification")
    assert "初步核实" in handler.locator("#pending").inner_text()
    screenshot(handler, "cases-proposed")

    head = login(new_page(), live_url, "discipline_head")
    head.click("nav >> text=审批")
    row = head.locator("tr.approval-row", has_text=case.number)
    row.locator("button[type=submit]").click()
    head.wait_for_load_state()
    assert head.locator("tr.approval-row").count() == 0

    handler.reload()
    assert handler.locator("#case-state").inner_text() == "初步核实"
    submit_transition(handler, "propose_filing", "初核属实，提请立案")

    head2 = login(new_page(), live_url, "discipline_head2")
    head2.goto(live_url + case.get_absolute_url())
    submit_transition(head2, "approve", "同意立案")
    assert head2.locator("#case-state").inner_text() == "已立案"

    handler.click("nav >> text=案件统计")
    assert handler.locator("#filed").inner_text() == "1"
    assert "侵占挪用扶贫资金" in handler.locator("#stats-category").inner_text()
    assert "巍宝山乡" in handler.locator("#stats-township").inner_text()
    screenshot(handler, "cases-stats")


def submit_subject(page, subject_id, name, comment="", **fields):
    """Fire ``name`` on one subject's matter, from the forms in that subject's block."""
    form = page.locator(f'#subject-{subject_id} form[data-transition="{name}"]')
    for field, value in fields.items():
        el = form.locator(f'[name="{field}"]')
        if el.evaluate("e => e.tagName") == "SELECT":
            el.select_option(value)
        else:
            el.fill(value)
    if comment:
        form.locator('textarea[name="comment"]').fill(comment)
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()


def test_two_subjects_one_sanctioned_one_exempted_closed_and_counted(live_url, new_page, users, townships):
    from .conftest import advance, register

    case = advance(register(users, townships, subjects=[
        {"name": "甲某", "post": "村党总支书记", "is_party_member": True, "is_village_committee": True},
        {"name": "乙某", "post": "村委会委员", "is_party_member": True, "is_village_committee": True}]),
        users, "reviewing")
    a, b = (m.subject_id for m in case.matters.order_by("pk"))

    handler = login(new_page(), live_url, "discipline")
    handler.goto(live_url + case.get_absolute_url())
    submit_subject(handler, a, "propose_outcome", "违反群众纪律，提请给予警告处分", outcome="sanction",
                   party_sanction="warning", four_forms="second")
    assert "处理意见" in handler.locator(f"#subject-{a} .subject-pending").inner_text()
    submit_subject(handler, b, "propose_outcome", "情节轻微，主动退赃，提请免予处分", outcome="exempted",
                   four_forms="first")

    head = login(new_page(), live_url, "discipline_head")
    head.goto(live_url + case.get_absolute_url())
    submit_subject(head, a, "approve", "同意")
    submit_subject(head, b, "approve", "同意")
    assert head.locator(f"#subject-{b} .subject-state").inner_text() == "已办结"
    assert head.locator("#case-state").inner_text() == "处理决定执行中"

    handler.reload()
    submit_subject(handler, a, "announce")
    submit_subject(handler, a, "report_execution", execution_report="已在村党总支会议上宣布并执行")
    assert handler.locator("#case-state").inner_text() == "已了结"
    assert "免予处分" in handler.locator(f"#subject-{b} .subject-outcome").inner_text()
    screenshot(handler, "cases-two-subjects-closed")

    handler.click("nav >> text=案件统计")
    forms = handler.locator("#stats-four_forms").inner_text()
    assert re.search(r"第一种形态[^\n]*\s+1", forms) and re.search(r"第二种形态[^\n]*\s+1", forms), forms
    screenshot(handler, "cases-stats-four-forms")
