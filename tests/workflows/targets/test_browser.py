"""In a real browser: a township enters a reserve cadre and this year's income for a poor village;
the county board's colours for that village change from missed / at risk to met."""

import pytest

from tests.browser.conftest import login, screenshot

from .conftest import TODAY, YEAR, village

pytestmark = pytest.mark.browser


def cell(page, village_pk, target):
    return page.locator(f"tr[data-village='{village_pk}'] td[data-target='{target}']")


def test_township_entry_turns_the_board_green(live_url, new_page, users, townships):
    v = village(townships)  # 鸡碧村, a poor village: no reserve cadre, no income yet
    board_url = f"{live_url}/targets/board/?year={YEAR}"

    county = new_page(width=1400)
    login(county, live_url, "inspector")
    county.goto(board_url)
    assert cell(county, v.pk, "reserves").get_attribute("data-status") == "missed"
    assert cell(county, v.pk, "income").get_attribute("data-status") in ("at_risk", "missed")
    assert "未达标" in cell(county, v.pk, "reserves").inner_text()
    screenshot(county, "targets-board-before")

    t = new_page()
    login(t, live_url, "township_nanzhao")
    t.click("nav >> text=目标台账")
    t.click("section[data-register='reserve-cadres'] >> text=填报")
    t.select_option("select[name=village]", str(v.pk))
    t.fill("input[name=name]", "李明")
    t.select_option("select[name=gender]", "male")
    t.fill("input[name=birth_date]", "1993-05-01")
    t.select_option("select[name=education]", "college")
    t.select_option("select[name=background]", "graduate")
    t.check("input[name=is_party_member]")
    t.fill("input[name=entered_on]", TODAY.isoformat())
    screenshot(t, "targets-reserve-form")
    t.click("#entry-form button[type=submit]")
    t.wait_for_selector("#record-state:has-text('在库培养')")

    t.goto(f"{live_url}/targets/r/incomes/new/")
    t.select_option("select[name=village]", str(v.pk))
    t.fill("input[name=year]", str(YEAR))
    t.fill("input[name=amount]", "20000")
    t.fill("input[name=sources]", "光伏扶贫电站收益")
    t.click("#entry-form button[type=submit]")
    t.wait_for_selector("#record-state:has-text('乡镇已填报')")

    county.goto(board_url)
    assert cell(county, v.pk, "reserves").get_attribute("data-status") == "met"
    assert cell(county, v.pk, "income").get_attribute("data-status") == "met"
    assert "达标" in cell(county, v.pk, "income").inner_text()
    screenshot(county, "targets-board-after")
    county.click(f"tr[data-village='{v.pk}'] a:has-text('{v.name}')")
    county.wait_for_selector("#village-targets")
    screenshot(county, "targets-village")
