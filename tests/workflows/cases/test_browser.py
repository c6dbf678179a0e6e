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
