"""Issue 15 in a real browser: the county routes (分办) a clue to 南诏镇纪委, whose handler proposes
and whose head approves a disposition; the county sees it in the routing register."""
import re

import pytest

from tests.browser.conftest import login, screenshot
from workflows.cases.models import Case

from .test_browser import submit_transition

pytestmark = pytest.mark.browser


def test_county_routes_a_clue_and_the_committee_handles_it(live_url, new_page, users, townships):
    county = login(new_page(), live_url, "discipline")
    county.click("nav >> text=线索登记")
    county.select_option("select[name=source]", "petition")
    county.select_option("select[name=category]", "favouritism")
    county.select_option("select[name=township]", label="南诏镇")
    county.check("input[name=reporter_anonymous]")
    county.fill("input[name=subjects-0-name]", "杨某")
    county.fill("input[name=subjects-0-post]", "村民小组长")
    county.fill("textarea[name=description]", "村民小组长在低保评定中优亲厚友")
    county.click("#clue-form button[type=submit]")
    county.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    form = county.locator('form[data-transition="route"]')
    form.locator('[name="handling_township"]').select_option(label="南诏镇纪委")
    form.locator('textarea[name="comment"]').fill("属乡镇纪委管辖，分办南诏镇纪委")
    form.locator('button[type="submit"]').click()
    county.wait_for_load_state()
    assert "南诏镇纪委" in county.locator('[data-fact="handling_unit"]').inner_text()

    committee = login(new_page(), live_url, "township_discipline_nanzhao")
    assert case.number in committee.locator("main").inner_text()  # on its task list
    committee.goto(live_url + case.get_absolute_url())
    submit_transition(committee, "propose_disposition", "线索具体，建议初步核实", target="verification")
    screenshot(committee, "cases-routed-proposed")

    head = login(new_page(), live_url, "township_discipline_head_nanzhao")
    head.goto(live_url + case.get_absolute_url())
    submit_transition(head, "approve", "同意初核")
    assert head.locator("#case-state").inner_text() == "初步核实"

    county.click("nav >> text=分办台账")
    row = county.locator("tr.routing-row", has_text=case.number)
    assert "南诏镇纪委" in row.locator("td.unit").inner_text()
    assert "按期提出处置意见" in row.locator("td.status").inner_text()
    screenshot(county, "cases-routing-register")
    # Another township's committee never sees it.
    other = login(new_page(), live_url, "township_discipline_miaojie")
    response = other.goto(live_url + case.get_absolute_url())
    assert response.status == 404
