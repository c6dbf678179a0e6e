"""A strict Content-Security-Policy on every page, and pages that need nothing it forbids
(issue 10 item 5): no inline <script>, no event-handler or style attributes, no third-party origin.
The pages are found by crawling the demo county's links for several roles (bounded)."""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db
MAX_PAGES_PER_ROLE = 40
SKIP = ("/accounts/logout", "/admin/logout", "/i18n/", "export=", "/files/", "/api/docs/?script")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.problems = [], []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
        data_block = (attrs.get("type") or "") in ("application/json", "application/ld+json")
        if tag == "script" and not data_block:
            # (json_script data blocks are not executed: the policy allows them.)
            src = attrs.get("src")
            if not src:
                self._in_inline_script = True
            elif urlsplit(src).netloc:
                self.problems.append(f"third-party script {src}")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "link" and urlsplit(attrs.get("href") or "").netloc:
            self.problems.append(f"third-party link {attrs.get('href')}")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        href = attrs.get("href") or attrs.get("src") or attrs.get("action") or ""
        if href.startswith("javascript:"):
            self.problems.append(f"javascript: URL in <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline script {data.strip()[:40]!r}")


def _crawl(client, start_urls):
    seen, queue, pages = set(), list(start_urls), 0
    while queue and pages < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in seen or any(s in url for s in SKIP):
            continue
        seen.add(url)
        r = client.get(url)
        if r.status_code != 200 or not r.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        csp = r.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "default-src 'self'" in csp and "unsafe-inline" not in csp, url
        parser = _Page()
        parser.feed(r.content.decode())
        assert not parser.problems, (url, parser.problems)
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc in ("", "testserver") and parts.path.startswith("/"):
                # one representative per path shape (ids collapse) keeps the crawl bounded
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return pages


def test_every_page_has_the_policy_and_nothing_it_forbids(users):
    call_command("seed_demo", quiet_logins=True, stdout=open("/dev/null", "w"))
    total = 0
    anonymous = Client()
    total += _crawl(anonymous, ["/accounts/login/", "/api/docs/"])
    for username in ["inspector", "township_nanzhao", "organization", "discipline", "leader", "auditor", "admin"]:
        web = Client()
        web.force_login(users[username])
        total += _crawl(web, ["/", "/notifications/", "/admin/"])
    assert total >= 60


def test_api_and_error_responses_carry_the_policy_too(users):
    for url in ["/api/v1/me/", "/no-such-page/", "/api/schema/"]:
        r = Client().get(url)
        assert re.search(r"default-src 'self'", r["Content-Security-Policy"]), url
