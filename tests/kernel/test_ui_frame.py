"""The kernel record-detail frame (supervision.ui.record_page / supervision/ui/record.html): one page
layout every workflow declares its facts and sections on."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from supervision import ui
from supervision.attachments import attachment_create
from supervision.transitions import available_transitions
from tests.helpers import fire
from tests.kernel.factories import widget

pytestmark = pytest.mark.django_db


def _part(html, css_class, end="</section>"):
    return html.split(f'class="{css_class}')[1].split(end)[0]


def test_the_frame_shows_header_facts_attachments_panel_and_timeline(users, townships, web):
    township = users["township_nanzhao"]
    w = widget(townships["nanzhao"], title="框架示例事项", actor=township)
    attachment_create(actor=township, target=w, upload=SimpleUploadedFile("说明.pdf", b"%PDF-1.4 x"))
    attachment_create(actor=township, target=w, upload=SimpleUploadedFile("答复.pdf", b"%PDF-1.4 y"), part="reply:1")
    w = fire(w, "submit", township, comment="请审核")
    inspector = users["inspector"]
    html = web(inspector).get(w.get_absolute_url()).content.decode()

    header = _part(html, "card record-header", "</header>")
    assert "框架示例事项" in header and 'class="state state-submitted"' in header and "已报送" in header
    assert 'class="deadline' in header and "2026-12-31" in header  # the deadline light
    assert 'id="handler"' in header  # 承办人
    assert f"/records/kernelflow.widget/{w.pk}/history/" in header
    facts = _part(html, "card record-facts")
    assert "<dt>乡镇</dt><dd>南诏镇</dd>" in facts and '<dd data-fact="amount">0.00</dd>' in facts
    files = _part(html, "card record-attachments")
    assert "说明.pdf" in files and "答复.pdf" not in files  # the record's own files; parts are the workflow's
    panel = _part(html, "card transition-panel")
    offered = {chunk.split('"')[0] for chunk in panel.split('data-transition="')[1:]}
    assert offered == set(available_transitions(w, inspector)) and "approve" in offered
    timeline = _part(html, "card record-timeline")
    assert "报送" in timeline and "请审核" in timeline and "草稿 → 已报送" in timeline


def test_a_page_declares_sections_and_fact_templates_and_a_refusal_re_renders_it(users, townships):
    w = widget(townships["nanzhao"], title="声明式页面")
    request = RequestFactory().get(w.get_absolute_url())
    request.user = users["township_nanzhao"]
    response = ui.record_page(
        request, w, number="巍督〔2026〕1号",
        facts=[ui.Fact("标签", ["甲", "乙"], key="tags"), ("空值", None)],
        sections=[ui.Section("supervision/ui/pager.html", title="分节标题", id="extra")],
        context={"page": None}, back=("返回台账", "/"))
    html = response.content.decode()
    assert '<span class="number">巍督〔2026〕1号</span>' in html
    assert '<dd data-fact="tags"><span class="tag">甲</span><span class="tag">乙</span></dd>' in html
    assert "<dt>空值</dt><dd>—</dd>" in html
    assert '<section class="card record-section" id="extra"><h2>分节标题</h2>' in html
    assert '<a href="/">← 返回台账</a>' in html
    assert 'data-transition="submit"' in html


def test_the_frame_is_chinese_and_offers_nothing_to_a_reader(users, townships, web):
    w = widget(townships["nanzhao"])
    html = web(users["auditor"]).get(w.get_absolute_url()).content.decode()
    assert "transition-panel" not in html and "基本情况" in html and "办理过程" in html
