"""supervision.tables: a register's rows written in Python escape every value as the template
engine did, keep safe markup, label each cell for the phone layout in the user's language."""
from types import SimpleNamespace

from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from supervision.tables import Column, Table, link

TABLE = Table(
    columns=(
        Column(_("文号"), lambda o, ctx: o.number),
        Column(_("标题"), lambda o, ctx: link(o.url, o.title), attrs=' class="title"', labelled=False),
        Column(_("状态"), lambda o, ctx: format_html("<b>{}</b>", o.state)),
        Column(_("乡镇"), lambda o, ctx: None),
    ),
    row_attrs=lambda o: {"class": o.css, "data-id": o.pk},
)


def _row(**kw):
    base = {"pk": 7, "number": "巍督〔2026〕1号", "title": "标题", "url": "/x/7/", "state": "ok", "css": ""}
    return SimpleNamespace(**{**base, **kw})


def test_values_are_escaped_safe_markup_is_kept_and_none_is_blank():
    html = TABLE.render([_row(number='<script>alert("x")</script>', title="a & b", url='/x/?a=1&b="2"',
                              css='x" onclick="y')])
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<td class="title"><a href="/x/?a=1&amp;b=&quot;2&quot;">a &amp; b</a></td>' in html
    assert "<td data-label=\"状态\"><b>ok</b></td>" in html
    assert '<td data-label="乡镇"></td>' in html
    assert '<tr class="x&quot; onclick=&quot;y" data-id="7">' in html


def test_labels_follow_the_language_and_an_empty_list_says_so():
    with translation.override("en"):
        html = TABLE.render([_row()])
        assert 'data-label="State"' in html and 'data-label="状态"' not in html
    assert TABLE.render([], empty="没有符合条件的记录。") == (
        '<tr><td colspan="4" class="muted">没有符合条件的记录。</td></tr>')


def test_a_keyed_column_is_written_once_per_distinct_key_and_reads_the_same():
    calls = []

    def state(o, ctx):
        calls.append(o.pk)
        return format_html("<b>{}</b>", o.state)

    keyed = Table(columns=(Column(_("文号"), lambda o, ctx: o.number),
                           Column(_("状态"), state, key=lambda o: o.state)))
    plain = Table(columns=(Column(_("文号"), lambda o, ctx: o.number), Column(_("状态"), state)))
    rows = [_row(pk=i, number=f"N{i}", state=("ok", "late", '<"x">')[i % 3]) for i in range(9)]
    assert keyed.render(rows) == plain.render(rows)
    calls.clear()
    keyed.render(rows)
    assert calls == [0, 1, 2]  # one per state, not one per row
