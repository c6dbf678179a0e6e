"""seed_demo: a handful of notices in varied states (one overdue); re-running adds nothing."""
from io import StringIO

from django.core.management import call_command

from supervision.audit.chain import verify
from supervision.models import Notification
from workflows.notices.models import ExtensionRequest, Notice, NoticeAssignment, NoticeResponse


def _counts():
    return (Notice.objects.count(), NoticeAssignment.objects.count(), NoticeResponse.objects.count(),
            ExtensionRequest.objects.count(), Notice.history.count(), NoticeAssignment.history.count(),
            Notification.objects.count())


def test_seed_demo_is_varied_and_idempotent(db):
    call_command("seed_demo", quiet_logins=True, stdout=StringIO())
    states = set(NoticeAssignment.objects.values_list("state", flat=True))
    assert {"issued", "responded", "returned", "extension_requested", "overdue", "closed"} <= states
    assert set(Notice.objects.values_list("state", flat=True)) == {"draft", "issued", "completed"}
    overdue = NoticeAssignment.objects.get(state="overdue")
    assert overdue.township.pinyin == "yongjian" and overdue.escalation == 1
    assert all(n.number.startswith("巍督〔") for n in Notice.objects.exclude(state="draft"))
    before = _counts()
    call_command("seed_demo", quiet_logins=True, stdout=StringIO())
    assert _counts() == before
    assert verify().ok
