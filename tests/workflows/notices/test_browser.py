"""In headless chromium: the inspector issues a notice to two townships; 南诏镇 sees the live
notification, acknowledges and responds with an attachment; the inspector returns it once, then
closes it; the register shows it closed. Screenshots in test-artifacts/screens/notices-*.png."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser

TITLE = "关于村级活动场所管理不规范问题的督办通知"


def _fire(page, name, comment="", **fields):
    form = page.locator(f'form[data-transition="{name}"]').first
    for field, value in fields.items():
        form.locator(f'[name="{field}"]').fill(value)
    if comment:
        form.locator('textarea[name="comment"]').fill(comment)
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state("domcontentloaded")


def test_issue_acknowledge_respond_return_close(live_url, new_page, users, townships, tmp_path):
    inspector = login(new_page(), live_url, "inspector")
    township = login(new_page(), live_url, "township_nanzhao")
    township_phone = login(new_page(width=390, height=844), live_url, "township_nanzhao")

    # the inspector drafts and issues
    inspector.goto(f"{live_url}/notices/new/")
    inspector.fill("#id_title", TITLE)
    inspector.fill("#id_findings", "部分村活动场所被挪作他用，管理制度未上墙。")
    inspector.fill("#id_requirements", "限期清理整改，建立管理制度，报送整改报告及照片。")
    inspector.check(f'input[name="target_townships"][value="{townships["nanzhao"].pk}"]')
    inspector.check(f'input[name="target_townships"][value="{townships["miaojie"].pk}"]')
    screenshot(inspector, "notices-create")
    inspector.click("form.notice-form button[type=submit]")
    expect(inspector.locator("h1")).to_contain_text(TITLE)
    _fire(inspector, "issue", comment="请按期办结")
    expect(inspector.locator("h1 .state")).to_have_text("已下发")
    expect(inspector.locator(".assignment")).to_have_count(2)

    # 南诏镇 sees it live, without reloading
    toast = township.locator(".toast", has_text=TITLE)
    expect(toast).to_be_visible()
    expect(township.locator("#unread-badge")).to_have_text("1")
    expect(township_phone.locator(".toast", has_text=TITLE)).to_be_visible()
    screenshot(township_phone, "notices-live-toast-phone")
    township_phone.reload()  # 我的待办 now lists it, with what may be done
    expect(township_phone.locator("table.list")).to_contain_text(TITLE)
    expect(township_phone.locator("table.list")).to_contain_text("签收")
    screenshot(township_phone, "notices-inbox-phone")
    toast.locator("a").click()
    expect(township.locator(".assignment")).to_have_count(1)  # only its own township
    expect(township.locator(".assignment h2")).to_contain_text("南诏镇")
    _fire(township, "acknowledge")
    expect(township.locator(".assignment .state")).to_have_text("已签收")
    township_phone.goto(township.url)
    expect(township_phone.locator('form[data-transition="respond"]')).to_be_visible()
    screenshot(township_phone, "notices-respond-form-phone")
    report = tmp_path / "整改报告.pdf"
    report.write_bytes(b"%PDF-1.4 rectification report")
    form = township.locator('form[data-transition="respond"]')
    form.locator('[name="text"]').fill("已清理被占用场所，管理制度已上墙。")
    form.locator('[name="attachment"]').set_input_files(str(report))
    form.locator("button[type=submit]").click()
    expect(township.locator(".assignment .state")).to_have_text("已报送整改报告")
    expect(township.locator("a.file", has_text="整改报告.pdf")).to_be_visible()
    screenshot(township, "notices-township-responded")

    # the inspector hears it live, returns it once
    expect(inspector.locator(".toast", has_text="已报送整改报告")).to_be_visible()
    inspector.reload()
    nanzhao = inspector.locator(".assignment", has_text="南诏镇")
    nanzhao.locator('form[data-transition="return_for_rework"] textarea[name="comment"]').fill("请补充整改前后对比照片")
    nanzhao.locator('form[data-transition="return_for_rework"] button[type=submit]').click()
    expect(inspector.locator('.assignment[data-township="南诏镇"] .state')).to_have_text("退回重报")

    # the township sees the return and responds again
    expect(township.locator(".toast", has_text="退回")).to_be_visible()
    township.reload()
    expect(township.locator(".assignment .state")).to_have_text("退回重报")
    _fire(township, "respond", text="已补充整改前后对比照片。")
    expect(township.locator(".assignment .state")).to_have_text("已报送整改报告")

    # the inspector closes it
    inspector.reload()
    nanzhao = inspector.locator('.assignment[data-township="南诏镇"]')
    nanzhao.locator('form[data-transition="close"] textarea[name="comment"]').fill("整改到位，同意销号")
    nanzhao.locator('form[data-transition="close"] button[type=submit]').click()
    expect(inspector.locator('.assignment[data-township="南诏镇"] .state')).to_have_text("已销号")
    screenshot(inspector, "notices-detail-inspector")

    # the register shows it closed
    inspector.goto(f"{live_url}/notices/")
    row = inspector.locator("table.register tbody tr", has_text="南诏镇")
    expect(row.locator(".state")).to_have_text("已销号")
    expect(inspector.locator("table.register tbody tr", has_text="庙街镇").locator(".state")).to_have_text("已交办")
    screenshot(inspector, "notices-register-desktop")
    township_phone.goto(f"{live_url}/notices/")
    expect(township_phone.locator("table.register tbody tr")).to_have_count(1)
    screenshot(township_phone, "notices-register-phone")
    township_phone.goto(f"{live_url}/notices/")
    township_phone.locator("table.register tbody tr a").first.click()
    expect(township_phone).to_have_url(re.compile(r"/notices/assignments/\d+/"))
    screenshot(township_phone, "notices-detail-phone")
