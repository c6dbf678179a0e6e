"""Under the strict Content-Security-Policy, in a real browser (issue 10 item 5): Swagger UI from
our own static files lists the operations with the network cut off, and the pages run with no
policy violation (menu, language switch, live socket)."""
import pytest

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def _offline(page, live_url, blocked):
    """Every request that is not to the test server is aborted (and remembered)."""
    def route(r):
        if r.request.url.startswith(live_url) or r.request.url.startswith("data:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)


def test_api_docs_work_offline(live_url, new_page, users):
    page = new_page()
    blocked, errors = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(RECORD_VIOLATIONS)
    _offline(page, live_url, blocked)
    page.goto(f"{live_url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=30000)
    screenshot(page, "api-docs-offline")
    # Swagger UI renders only the operations near the viewport (a virtualized list), so the
    # page is scrolled to the end and every operation rendered on the way is collected.
    seen, tags = set(), set()
    for _ in range(200):
        seen.update(page.locator(".opblock-summary-path").all_inner_texts())
        tags.update(page.locator(".opblock-tag").all_inner_texts())
        if page.evaluate("window.innerHeight + window.scrollY >= document.body.scrollHeight - 2"):
            break
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(50)
    seen = {path.replace("\u200b", "") for path in seen}
    schema = page.request.get(f"{live_url}/api/schema/?format=json").json()
    assert seen == set(schema["paths"])
    assert {"notices", "cases", "postings", "rectifications"} <= {tag.split()[0] for tag in tags}, tags
    assert blocked == [] and errors == []
    assert page.evaluate("window.__csp") == []


def test_pages_run_without_policy_violations(live_url, new_page, users):
    page = new_page(width=375, height=740)
    blocked = []
    page.add_init_script(RECORD_VIOLATIONS)
    _offline(page, live_url, blocked)
    page.goto(f"{live_url}/accounts/login/")
    assert "default-src 'self'" in page.request.get(f"{live_url}/accounts/login/").headers["content-security-policy"]
    login(page, live_url, "leader")  # live.js connects its websocket under connect-src 'self'
    page.click(".menu-toggle")  # frame.js, not an onclick attribute
    assert page.locator(".mainnav").is_visible()
    for path in ["/notices/", "/rectification/board/", "/postings/", "/notifications/", "/audit/"]:
        page.goto(live_url + path)
        assert page.evaluate("window.__csp") == [], path
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")  # data-autosubmit, not onchange
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate("window.__csp") == []
    assert blocked == []


def test_double_clicked_save_draft_makes_one_draft(live_url, new_page, users, townships):
    """frame.js gives the form its one-time token; three quick clicks on 保存草稿 make one draft."""
    from workflows.notices.models import Notice

    page = new_page()
    login(page, live_url, "inspector")
    page.goto(f"{live_url}/notices/new/")
    assert len(page.locator("form.notice-form input[name=_once]").input_value()) == 32
    page.fill("#id_title", "关于村级财务公开的督办通知")
    page.fill("#id_findings", "未按季度公开")
    page.fill("#id_requirements", "立即整改")
    page.check(f'input[name="target_townships"][value="{townships["nanzhao"].pk}"]')
    # The same form sent twice at once, as a double click does (two requests on their way together).
    urls = page.evaluate("""async () => {
        const form = document.querySelector('form.notice-form');
        const send = () => fetch(form.action || location.href, {method: 'POST', body: new FormData(form)});
        const answers = await Promise.all([send(), send()]);
        return answers.map(a => a.status + ' ' + a.url);
    }""")
    assert len(set(urls)) == 1 and urls[0].startswith("200 ") and "/notices/new/" not in urls[0], urls
    assert Notice.objects.count() == 1
