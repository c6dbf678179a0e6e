"""The record's timeline with its parts, readable (issue 13 items 1–2)."""
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from supervision.audit.timeline import history_entries
from tests.helpers import reload
from tests.samples import pdf
from tests.workflows.notices.helpers import issue
from workflows.notices import services

pytestmark = pytest.mark.django_db

def _walk(users, townships):
    """issue → acknowledge → respond (with a file) → return → respond → close, for 南诏镇."""
    nanzhao, inspector = users["township_nanzhao"], users["inspector"]
    notice = issue(users, townships, targets=("nanzhao", "miaojie"))
    a = notice.assignments.get(township=townships["nanzhao"])
    services.assignment_acknowledge(actor=nanzhao, assignment=a)
    services.assignment_respond(actor=nanzhao, assignment=a, text="第一次整改报告",
                                attachment=SimpleUploadedFile("整改报告.pdf", pdf(), content_type="application/pdf"))
    services.assignment_return(actor=inspector, assignment=a, comment="证明材料不全")
    services.assignment_respond(actor=nanzhao, assignment=a, text="第二次整改报告")
    services.assignment_close(actor=inspector, assignment=a, comment="同意销号")
    return reload(notice), reload(a)


def test_assignment_timeline_lists_every_step_and_part_in_order_with_names(users, townships, capsys):
    notice, a = _walk(users, townships)
    entries = history_entries(a, users["auditor"])
    own = [e["transition"] for e in entries if e["part"] is None]
    assert own == ["issue", "acknowledge", "respond", "return_for_rework", "respond", "close"]
    parts = [(e["part"]["label"], e["part"]["name"]) for e in entries if e["part"]]
    assert parts == [("整改报告", "第1次整改报告"), ("附件", "整改报告.pdf"), ("整改报告", "第2次整改报告")]
    dates = [e["date"] for e in entries]
    assert dates == sorted(dates)
    # each part change sits right after the step that made it
    kinds = [e["part"]["label"] if e["part"] else e["transition"] for e in entries]
    assert kinds == ["issue", "acknowledge", "respond", "整改报告", "附件", "return_for_rework", "respond", "整改报告",
                     "close"]
    labels = [e["transition_label"] for e in entries if e["part"] is None]
    assert labels == ["签发下发", "签收", "报送整改报告", "退回重报", "报送整改报告", "审核销号"]
    created = entries[0]["changes"]
    values = {c["label"]: c["new"] for c in created}
    assert values["乡镇"] == "南诏镇" and values["通知"] == str(notice)  # names, not ids
    closing = {c["label"]: c for c in entries[-1]["changes"]}
    local = timezone.localtime(a.closed_at)
    assert closing["销号时间"]["new"] == local.strftime("%Y-%m-%d %H:%M")
    assert closing["状态"]["old"] == "已报送整改报告" and closing["状态"]["new"] == "已销号"
    response = {c["label"]: c["new"] for c in entries[3]["changes"]}
    assert response["报送人"] == users["township_nanzhao"].display_name() and response["整改情况"] == "第一次整改报告"
    assert "交办事项" not in response  # the part's link to the record is not a change
    # local time to the minute; seconds where two entries share a minute
    for e in entries:
        minute = timezone.localtime(e["date"]).strftime("%Y-%m-%d %H:%M")
        assert e["when"].startswith(minute)
        shared = sum(1 for o in entries if timezone.localtime(o["date"]).strftime("%Y-%m-%d %H:%M") == minute)
        assert len(e["when"]) == (19 if shared > 1 else 16)
    call_command("verify_history")
    assert capsys.readouterr().out.startswith("OK, ")


def test_timeline_page_api_and_export_agree(web, api, users, townships):
    notice, a = _walk(users, townships)
    auditor = users["auditor"]
    html = web(auditor).get(reverse("record-history", args=["notices.noticeassignment", a.pk])).content.decode()
    order = [html.index(s) for s in ("签发下发", "签收", "第1次整改报告", "整改报告.pdf", "退回重报", "第2次整改报告",
                                      "审核销号")]
    assert order == sorted(order)
    assert "南诏镇" in html and "+00:00" not in html
    body = api(auditor).get(f"/api/v1/notice-assignments/{a.pk}/history/").json()
    assert [(e["transition"], e["part"] and e["part"]["label"]) for e in body] == [
        ("issue", None), ("acknowledge", None), ("respond", None), ("", "整改报告"), ("", "附件"),
        ("return_for_rework", None), ("respond", None), ("", "整改报告"), ("close", None)]
    assert body[-1]["transition_label"] == "审核销号"
    r = web(auditor).get(reverse("record-history", args=["notices.noticeassignment", a.pk]), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + len(body)
    assert [row[4] for row in rows[1:]][-1] == "审核销号"
    assert any(row[1] == "附件 · 整改报告.pdf" for row in rows)
    r = web(auditor).get(reverse("record-history", args=["notices.noticeassignment", a.pk]), {"export": "xlsx"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_english_screen_labels_in_english(web, users, townships):
    from django.conf import settings

    notice, a = _walk(users, townships)
    client = web(users["auditor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        html = client.get(reverse("record-history", args=["notices.noticeassignment", a.pk])).content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the middleware activated English in this thread
    for english in ("Issue", "Acknowledge", "Close", "Attachment"):
        assert english in html, english
    for chinese in ("签发下发", "审核销号", "退回重报", "销号时间"):
        assert chinese not in html, chinese


def test_notice_timeline_has_its_assignments_and_a_township_sees_only_its_own(users, townships):
    notice, a = _walk(users, townships)
    other = notice.assignments.exclude(pk=a.pk).get()
    services.assignment_acknowledge(actor=users["township_miaojie"], assignment=other)
    services.assignment_respond(actor=users["township_miaojie"], assignment=other, text="庙街的报告")
    full = history_entries(notice, users["auditor"])
    names = {e["part"]["name"] for e in full if e["part"]}
    assert any("庙街镇" in n for n in names) and any("南诏镇" in n for n in names)
    assert "庙街的报告" in str(full)
    own = history_entries(notice, users["township_nanzhao"])
    assert "庙街" not in str(own) and "南诏镇" in str(own)
    assert "第一次整改报告" in str(own)
    # and a township's timeline of its own assignment: nothing of the other township
    mine = history_entries(a, users["township_nanzhao"])
    assert "庙街" not in str(mine)
    # request context is for auditors
    assert all(e["via"] == "" and e["request_id"] == "" for e in mine)


def test_the_files_of_each_record_and_its_parts_come_from_one_planned_statement(users, townships):
    """The attachments' rows: one statement per record type, part types and number of part rows,
    run again with the next record's ids (``timeline._file_rows``), each record with its own files."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supervision import plans

    plans.clear()
    nanzhao = users["township_nanzhao"]
    records = []
    for name in ("南诏的报告.pdf", "第二份报告.pdf"):
        notice = issue(users, townships, targets=("nanzhao",))
        a = notice.assignments.get()
        services.assignment_acknowledge(actor=nanzhao, assignment=a)
        services.assignment_respond(actor=nanzhao, assignment=a, text="整改报告",
                                    attachment=SimpleUploadedFile(name, pdf(), content_type="application/pdf"))
        records.append((reload(notice), name))
    statements = []
    for notice, name in records:
        with CaptureQueriesContext(connection) as ctx:
            entries = history_entries(notice, users["auditor"])
        files = [e["part"]["name"] for e in entries if e["part"] and e["part"]["label"] == "附件"]
        assert files == [name]
        statements += [q["sql"] for q in ctx.captured_queries if "historicalattachment" in q["sql"]]
    assert len(statements) == 2
    first, second = statements
    # the same text but for the values (the record's and its parts' ids)
    strip = lambda sql: "".join(c for c in sql if not c.isdigit())  # noqa: E731
    assert strip(first) == strip(second)
    assert any(key[0][:1] == ("timeline_files",) for key in plans._plans)


# The entries as the template wrote them before ``{% timeline_items %}`` built them in Python.
ITEMS_TEMPLATE = """{% load i18n %}{% for e in timeline %}
    <li{% if e.part %} class="part"{% endif %}><div class="meta"><time datetime="{{ e.date|date:'c' }}">{{ e.when|default:e.date }}</time> · <strong>{{ e.user|default:_("系统") }}</strong>
      · {% if e.transition %}<span class="tag">{{ e.transition_label }}</span>{% if e.from_state != e.to_state %} {{ e.from_label }} → {{ e.to_label }}{% endif %}{% else %}{{ e.type_label }}{% endif %}
      {% if e.part %} · <span class="tag part-tag">{{ e.part.label }}</span> {{ e.part.name }}{% endif %}</div>
      {% if e.reason %}<div class="reason">{% trans "理由" %}：{{ e.reason }}</div>{% endif %}</li>
  {% empty %}
    <li class="muted">{% trans "暂无记录。" %}</li>
  {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_timeline_is_the_templates_markup(language, users, townships, web):
    from django.template import Context, Template

    notice, a = _walk(users, townships)
    client = web(users["auditor"])
    client.cookies["django_language"] = language
    for url in (a.get_absolute_url(), notice.get_absolute_url()):
        response = client.get(url)
        html = response.content.decode()
        entries = response.context["timeline"]
        assert any(e["part"] for e in entries) and any(e["reason"] for e in entries)
        with translation.override(language):
            expected = Template(ITEMS_TEMPLATE).render(Context({"timeline": entries}))
            empty = Template("{% load supervision %}{% timeline_items t %}").render(Context({"t": []}))
            assert empty == Template(ITEMS_TEMPLATE).render(Context({"timeline": []}))
        section = html[html.index('<ol class="timeline">\n  ', html.index('id="timeline"')):]
        shown = section[len('<ol class="timeline">\n  '):section.index("\n  </ol>")]
        assert shown == expected
