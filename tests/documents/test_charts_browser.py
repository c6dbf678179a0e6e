"""The chart pages in Chromium under a strict Content-Security-Policy: ECharts and charts.js load from our
own static files, every chart is drawn, no console error, no CSP violation by them. Screenshots in
test-artifacts/screens/documents-*.png."""
import pytest

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
       "object-src 'none'; frame-ancestors 'self'; base-uri 'none'")
# base.html's two inline handlers (menu toggle, language select) are the CSP work of another change.
# A document answered through Playwright's route.fulfill (how this test adds the CSP header) counts as
# "public" to Chromium's local-network-access check, which then blocks its websocket to 127.0.0.1.
KNOWN = ("inline event handler", "ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS")


@pytest.fixture
def demo_seeded(seed):
    seed("notices", "rectification", "postings")  # before Playwright starts its event loop in this thread


def _strict(page):
    requests = []

    def add_csp(route):
        requests.append(route.request.url)
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": CSP}
        route.fulfill(response=response, headers=headers)

    page.route("**/*", add_csp)
    page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                         "e => window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile].join(' ')));")
    return requests


def _errors(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_charts_draw_under_csp(demo_seeded, live_url, new_page):
    page = login(new_page(), live_url, "leader")
    errors = _errors(page)
    requests = _strict(page)
    page.goto(f"{live_url}/statistics/")
    page.wait_for_selector(".chart[data-drawn]")
    charts = page.locator(".chart")
    assert charts.count() >= 5
    page.wait_for_function("document.querySelectorAll('.chart:not([data-drawn])').length === 0")
    assert all(u.startswith(live_url) for u in requests), [u for u in requests if not u.startswith(live_url)]
    assert any(u.endswith("/static/supervision/vendor/echarts-5.6.0.min.js") for u in requests)
    assert page.locator("#notices-townships canvas").count() == 1
    assert [e for e in errors if not any(k in e for k in KNOWN)] == []
    violations = page.evaluate("window.__csp")
    assert [v for v in violations if "echarts" in v or "charts.js" in v or "style-src" in v] == [], violations
    screenshot(page, "documents-statistics")

    # The leader's home: the dashboard, its trend chart drawn the same way; a number leads to the register.
    page.goto(f"{live_url}/")
    page.wait_for_selector("h1:has-text('领导看板')")
    page.wait_for_selector("#dashboard-trend .chart[data-drawn]")
    screenshot(page, "documents-dashboard")
    assert [e for e in errors if not any(k in e for k in KNOWN)] == []
    page.locator('.dash-lights tr[data-township="永建镇"] td[data-source="notices"] a[data-light="red"]').click()
    page.wait_for_url("**/notices/?township=*&overdue=on")
    assert page.locator("table.list tbody tr").count() >= 1
