"""Masking in the readable diff, in part changes and in the audit search (issue 13)."""
import pytest
from django.urls import reverse

from supervision import access, registry
from supervision.audit.search import AuditQuery, audit_search
from supervision.audit.timeline import history_entries
from tests.workflows.cases.conftest import register
from workflows.cases.models import Case, CaseSubject

pytestmark = pytest.mark.django_db

REPORTER, CONTACT = "王举报", "13800000000"


def test_the_reporter_stays_masked_for_the_auditor_everywhere(web, api, users, townships):
    case = register(users, townships)
    auditor = users["auditor"]
    assert not access.unmasked(auditor, case) and access.unmasked(users["discipline"], case)
    entries = history_entries(case, auditor)
    creation = {c["label"]: c["new"] for c in entries[0]["changes"]}
    assert creation["反映人姓名"] == "***" and creation["反映人联系方式"] == "***"
    assert REPORTER not in str(entries) and CONTACT not in str(entries)
    assert any(e["part"] and e["part"]["label"] == "被反映人" and e["part"]["name"] == "杨某" for e in entries)
    assert REPORTER in str(history_entries(case, users["discipline"]))
    body = api(auditor).get(f"/api/v1/cases/{case.pk}/history/").content.decode()
    assert REPORTER not in body and CONTACT not in body and "杨某" in body
    page = web(auditor).get(reverse("record-history", args=["cases.case", case.pk])).content.decode()
    assert REPORTER not in page and "***" in page
    rows = audit_search(user=auditor, query=AuditQuery(record_type="cases.case"))
    assert rows and REPORTER not in str(rows)
    export = web(auditor).get(reverse("audit-search"), {"type": "cases.case", "export": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert REPORTER not in text and CONTACT not in text and "***" in text
    timeline_csv = web(auditor).get(reverse("record-history", args=["cases.case", case.pk]), {"export": "csv"})
    assert REPORTER not in b"".join(timeline_csv.streaming_content).decode("utf-8-sig")


def test_a_parts_masked_fields_follow_the_records_unmasking(users, townships, monkeypatch):
    case = register(users, townships)
    rt = registry.for_model(Case)
    monkeypatch.setattr(rt, "parts", (registry.Part(CaseSubject, "case", masked_fields=("name",)),))
    auditor_parts = [e for e in history_entries(case, users["auditor"]) if e["part"]]
    names = [c for e in auditor_parts for c in e["changes"] if c["field"] == "name"]
    assert names and all(c["new"] == "***" for c in names)
    handler_parts = [e for e in history_entries(case, users["discipline"]) if e["part"]]
    assert any(c["new"] == "杨某" for e in handler_parts for c in e["changes"] if c["field"] == "name")


def test_a_foreign_key_to_a_record_outside_the_viewers_scope_is_masked(users, townships):
    from supervision.audit.diff import HistoryFormatter
    from tests.workflows.notices.helpers import issue
    from workflows.notices.models import ExtensionRequest, NoticeAssignment

    notice = issue(users, townships, targets=("miaojie",))
    other = notice.assignments.get()
    row = ExtensionRequest.history.model(assignment_id=other.pk)
    fmt = HistoryFormatter(users["township_nanzhao"])
    fmt.prepare(ExtensionRequest, [row])
    fmt.resolve()
    field = ExtensionRequest._meta.get_field("assignment")
    assert fmt.value(field, other.pk) == "***"
    fmt = HistoryFormatter(users["auditor"])
    fmt.prepare(ExtensionRequest, [row])
    fmt.resolve()
    assert fmt.value(field, other.pk) == str(NoticeAssignment.objects.get(pk=other.pk))
