"""The auditor's pages in a real browser: a notice assignment's timeline with its parts, and
历史审计 searched by the action's label (issue 13)."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.browser.conftest import login, screenshot
from tests.samples import pdf

pytestmark = pytest.mark.browser


def test_auditor_reads_a_timeline_and_searches_by_label(live_url, new_page, users, townships):
    from tests.workflows.notices.helpers import issue
    from workflows.notices import services

    nanzhao, inspector = users["township_nanzhao"], users["inspector"]
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    services.assignment_acknowledge(actor=nanzhao, assignment=a)
    services.assignment_respond(actor=nanzhao, assignment=a, text="第一次整改报告",
                                attachment=SimpleUploadedFile("整改报告.pdf", pdf(), content_type="application/pdf"))
    services.assignment_return(actor=inspector, assignment=a, comment="证明材料不全")
    services.assignment_respond(actor=nanzhao, assignment=a, text="第二次整改报告")
    services.assignment_close(actor=inspector, assignment=a, comment="同意销号")

    page = login(new_page(), live_url, "auditor")
    page.goto(f"{live_url}/records/notices.noticeassignment/{a.pk}/history/")
    items = page.locator("[data-testid=record-timeline] > li")
    assert items.count() == 9
    text = page.locator("[data-testid=record-timeline]").inner_text()
    for step in ("签发下发", "签收", "第1次整改报告", "整改报告.pdf", "退回重报", "第2次整改报告", "审核销号"):
        assert step in text, step
    assert text.index("第1次整改报告") < text.index("退回重报") < text.index("第2次整改报告") < text.index("审核销号")
    assert "南诏镇" in text and "途径" in text
    screenshot(page, "audit-timeline")

    page.goto(f"{live_url}/audit/")
    page.fill("input[name=action]", "审核销号")
    page.click("form.filters button[type=submit]")
    rows = page.locator("[data-testid=audit-results] tbody tr")
    assert rows.count() == 1
    assert "审核销号" in rows.first.inner_text() and notice.number in rows.first.inner_text()
    screenshot(page, "audit-search")
    rows.first.locator("a").first.click()
    page.wait_for_load_state()
    assert a.get_absolute_url().split("#")[0] in page.url
