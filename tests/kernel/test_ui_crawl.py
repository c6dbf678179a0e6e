"""A crawl of every page as each role, in Chinese: the menus, registers, boards, statistics, the
detail and history page of a demo record of every registered type, audit pages — and every page
linked from them (one page per URL shape). No server error, no 「- Select an option -」 or other
English default, and no untranslated English text (a heuristic: visible text with Latin words
that are not codes or abbreviations)."""
import re
from collections import Counter
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urlparse

import pytest
from django.urls import NoReverseMatch, reverse

from supervision import access, registry

pytestmark = pytest.mark.django_db

ROLES = ["inspector", "organization", "organization_head", "discipline", "discipline_head", "discipline_principal",
         "leader", "auditor", "township_nanzhao", "secretary_nanzhao", "township_discipline_nanzhao",
         "township_discipline_head_nanzhao"]
ENGLISH_DEFAULTS = ["Select an option", "---------", "This field is required", "Enter a valid"]
SKIP = ("/accounts/logout/", "/admin/", "/api/", "/files/", "/static/", "/i18n/", "/ws/", "/media/")
MAX_PAGES = 120  # per role (one page per URL shape, below)
# Latin words a Chinese page may show: codes, abbreviations, formats, product names.
ALLOWED = {
    "PDF", "XLSX", "Excel", "CSV", "API", "ID", "OK", "Token", "JSON", "OpenAPI", "HTTP", "HTTPS", "URL", "WebSocket",
    "Ctrl", "Shift", "Enter", "APP", "App", "QQ", "VS", "GB", "MB", "KB", "CPU", "SQL", "UTC", "GMT", "CST",
    "Swagger", "ReDoc", "Django", "PostgreSQL", "Redis", "SHA", "GIS", "GPS", "EMS", "yyyy", "YYYY", "MM", "DD", "HH",
    "English", "Python", "PNG", "JPG", "JPEG", "DOC", "DOCX", "ZIP", "TXT", "ISO", "red", "amber", "green",
}
# Untranslated text still present in other engineers' areas at this test's last landing (a regex on
# "<url>: <problem>"): reported, expected to be fixed there; anything else fails the crawl.
KNOWN: list[str] = []
# Once known (#13), now named at their source — verbose names, choices, labels the history formatter
# reads: fields with no verbose name (notices' state_before_extension, rectification's due_provisional),
# codes with no labels (cases' due_kind, rectification's criteria list, a matter's source record type),
# the cases' pending_data JSON keys, rectification's creation operation "screen". Never again.
FIXED = [
    r"^/records/rectification\.rectification/\d+/history/: '(screen|due|provisional)' ",
    r"^/audit/: '\w+' in '(state before extension|due provisional)：",
    r"^/audit/: '\w+' in '(期限类型|提议内容|软弱涣散情形|来源记录类型)：",
    r"^/audit/: 'screen' in 'screen'$",
]
HIDDEN_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "template", "noscript"}


class _Text(HTMLParser):
    """Visible text nodes and user-facing attributes (placeholder, title, aria-label, alt, value of buttons)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.texts: list[tuple[str, bool]] = []  # (text, from an attribute)
        self.ids: list[str] = []  # element ids in the document (not inside <template> or scripts)

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        a = dict(attrs)
        if a.get("id") and not self.hidden:
            self.ids.append(a["id"])
        for name in ("placeholder", "title", "aria-label", "alt"):
            if a.get(name):
                self.texts.append((a[name], True))
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.texts.append((a["value"], False))

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append((data, False))


# Not words of the language: URLs, e-mail addresses, file names, tokens with a digit (numbers, hashes,
# codes), all-capital abbreviations, identifiers with underscores.
_NOT_WORDS = re.compile(
    r"https?://\S+|[\w.+-]+@[\w.-]+|\S+\.(?i:pdf|xlsx|docx?|jpe?g|png|csv|txt|zip)\b|"
    r"\b[\w-]*\d[\w-]*\b|\b[A-Z]{2,}\b|\b[a-z]+_[a-z_]+\b")
_WORD = re.compile(r"[A-Za-z]{3,}")


def untranslated(html: str, exempt: set[str], codes: frozenset[str] = frozenset()) -> list[str]:
    """Latin words in the page's visible text that are neither allowed codes nor the data's own;
    ``codes`` (transition and state names) may appear in tooltips (title attributes) only."""
    parser = _Text()
    parser.feed(html)
    found = []
    for text, attribute in parser.texts:
        for word in _WORD.findall(_NOT_WORDS.sub(" ", text)):
            if word not in ALLOWED and word not in exempt and not (attribute and word in codes):
                found.append(f"{word!r} in {text.strip()[:80]!r}")
    return found


def duplicate_ids(html: str) -> list[str]:
    """Element ids used more than once on the page (a label then points at the wrong field)."""
    parser = _Text()
    parser.feed(html)
    counts = Counter(parser.ids)
    return sorted(i for i, n in counts.items() if n > 1)


def test_duplicate_ids_are_found_outside_templates():
    html = ('<form><input id="id_note"></form><form><input id="id_note"></form>'
            '<template><input id="id_row"></template><template><input id="id_row"></template><p id="x"></p>')
    assert duplicate_ids(html) == ["id_note"]


def test_the_heuristic_finds_english_and_spares_codes_and_data():
    html = ('<h1>督查督办台账 <span title="Deadline">期限</span></h1><p>Save changes</p><span title="issue">签发</span>'
            '<p>respond</p>'
            '<script>var x = "Loading";</script><a href="/files/1/">通报.pdf</a> <code>run_sweeps</code>'
            '<p>导出 Excel · PDF · 巍督〔2026〕1号 · #3f9a2bc1d0 · a1b2 · user_name</p><p>李明 Smith</p>')
    assert untranslated(html, {"Smith"}, frozenset({"issue", "respond"})) == [
        "'Deadline' in 'Deadline'", "'Save' in 'Save changes'", "'changes' in 'Save changes'", "'respond' in 'respond'"]


def _codes() -> frozenset[str]:
    from supervision.audit.diff import registered_operations

    names = set()
    for rt in registry.record_types():
        names |= set(rt.transitions()) | set(registered_operations(rt.model))  # shown as tooltips
        names |= {str(v) for v, _label in rt.model._meta.get_field(rt.state_field).flatchoices}
    return frozenset(names)


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _start_urls(user) -> list[str]:
    urls = ["/", "/done/", "/notifications/", "/statistics/", "/dashboard/", "/audit/", "/audit/reads/"]
    for wf in registry.workflows():
        for item in wf.menu:
            if not access.has_role(user, *item.roles):
                continue
            try:
                urls.append(reverse(item.url_name))
            except NoReverseMatch:
                pass
        for rt in wf.record_types:
            obj = access.visible(user, rt.model).order_by("pk").first()
            if obj is not None:
                try:
                    urls.append(obj.get_absolute_url())
                except (AttributeError, NoReverseMatch):
                    pass
                urls.append(reverse("record-history", args=[rt.key, obj.pk]))
    return urls


def _exempt_words() -> set[str]:
    """Latin words of the demo data itself (names, units), which pages show as entered."""
    from supervision.models import Person, Unit, User

    words = {"widget", "Widget"}  # tests.kernelflow's test model (no verbose_name), listed by the audit pages
    for values in (User.objects.values_list("username", "first_name", "last_name"),
                   Unit.objects.values_list("name"), Person.objects.values_list("name")):
        for row in values:
            for v in row:
                words.update(_WORD.findall(v or ""))
    return words


@pytest.fixture
def demo(county, django_capture_on_commit_callbacks):
    """Every workflow's demo records (as ``seed_demo`` makes them)."""
    with django_capture_on_commit_callbacks(execute=True):
        for wf in registry.workflows():
            if wf.seed_demo is not None:
                wf.seed_demo(StringIO())


def _crawl(client, user, exempt, codes) -> tuple[int, list[str]]:
    """Crawl from the user's start pages; (pages read, problems found)."""
    queue = _start_urls(user)
    must, seen, shapes, problems, ok = set(queue), set(), set(), [], 0
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen or (_shape(url) in shapes and url not in must):
            continue
        seen.add(url)
        shapes.add(_shape(url))
        r = client.get(url)
        if r.status_code >= 500:
            problems.append(f"{url}: HTTP {r.status_code}")
            continue
        if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
            continue
        ok += 1
        html = r.content.decode()
        if 'lang="zh-hans"' not in html:
            problems.append(f"{url}: not in Chinese")
        problems += [f"{url}: {text!r}" for text in ENGLISH_DEFAULTS if text in html]
        problems += [f"{url}: {p}" for p in untranslated(html, exempt, codes)]
        problems += [f"{url}: duplicate id {i!r}" for i in duplicate_ids(html)]
        for href in re.findall(r'href="([^"#]+)"', html):
            href = href.replace("&amp;", "&")
            target = urlparse(href)
            if (href.startswith("/") and not href.startswith("//") and not target.path.startswith(SKIP)
                    and not target.path.endswith((".xlsx", ".csv", ".pdf")) and "export" not in target.path
                    and "/documents/" not in target.path and "/inline/" not in target.path):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return ok, problems


def _known(problem: str) -> bool:
    return any(re.search(pattern, problem) for pattern in KNOWN)


def test_crawl_every_page_as_each_role_is_chinese_and_never_fails(demo, users, web):
    """One seed of every workflow's demo, then each role crawls (one test: the seed is the cost)."""
    exempt, codes = _exempt_words(), _codes()
    found = {}
    for username in ROLES:
        ok, problems = _crawl(web(users[username]), users[username], exempt, codes)
        assert ok > 5, (username, ok)
        found[username] = sorted({p for p in problems if not _known(p)})
    assert not any(found.values()), "\n".join(f"{u}: {p}" for u, ps in found.items() for p in ps[:30])


def test_no_known_untranslated_text_is_left(demo, users, web):
    """The raw values once listed as known (FIXED) are gone from 历史审计 and the record pages."""
    exempt, codes = _exempt_words(), _codes()
    left = []
    for username in ("auditor", "organization", "township_nanzhao"):
        ok, problems = _crawl(web(users[username]), users[username], exempt, codes)
        assert ok > 5, (username, ok)
        left += [p for p in problems if _known(p) or any(re.search(pattern, p) for pattern in FIXED)]
    assert left == []
