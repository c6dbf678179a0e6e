"""Chromium prints a register with the print stylesheet: the records on A4, no navigation, no forms."""
import pytest

from tests.browser.conftest import SCREENS, login
from tests.documents.conftest import pdf_text
from workflows.notices.models import NoticeAssignment

pytestmark = pytest.mark.browser


@pytest.fixture
def notices_seeded(seed):
    seed("notices")  # before Playwright starts its event loop in this thread


def test_register_prints_without_navigation(notices_seeded, live_url, new_page, users, tmp_path):
    page = login(new_page(), live_url, "inspector")
    page.goto(f"{live_url}/notices/")
    page.wait_for_selector("table")
    pdf = page.pdf(format="A4", print_background=False)
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / "documents-register-print.pdf").write_bytes(pdf)
    text = "".join(pdf_text(pdf, tmp_path, raw=True).split())
    for a in NoticeAssignment.objects.select_related("notice", "township"):
        assert f"{a.notice.number}{a.notice.title}{a.township.name}" in text
    assert "关于扶贫项目资金拨付滞后问题的督查通报" in text
    for nav in ("我的待办", "退出", "起草通知", "English", "筛选"):
        assert nav not in text, nav
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden()
    page.screenshot(path=str(SCREENS / "documents-register-print.png"), full_page=True)
