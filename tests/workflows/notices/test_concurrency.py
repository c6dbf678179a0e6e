"""Concurrent issuers get distinct numbers; concurrent township users cannot both move one
assignment. Real row locks need PostgreSQL."""
import pytest
from django.db import connection

from supervision.errors import Conflict
from tests.concurrency import at_once
from workflows.notices import services
from workflows.notices.models import Notice, NoticeAssignment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")]


def _in_threads(*jobs):
    """The exceptions the jobs raised when run at once."""
    return [o for o in at_once(*jobs) if isinstance(o, Exception)]


def test_concurrent_issue_gets_distinct_numbers(county, users, townships):
    drafts = [services.notice_create(actor=users["inspector"], title=f"通知{i}", findings="f", requirements="r",
                                     category="other", urgency="normal", target_townships=[townships["nanzhao"]])
              for i in range(4)]
    errors = _in_threads(*[lambda d=d: services.notice_issue(actor=users["inspector"], notice=d) for d in drafts])
    assert errors == []
    seqs = sorted(Notice.objects.values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4]


def test_concurrent_transitions_on_one_assignment_move_it_once(county, users, townships):
    notice = services.notice_create(actor=users["inspector"], title="通知", findings="f", requirements="r",
                                    category="other", urgency="normal", target_townships=[townships["nanzhao"]])
    notice = services.notice_issue(actor=users["inspector"], notice=notice)
    a = notice.assignments.get()
    staff = users["township_nanzhao"]
    errors = _in_threads(lambda: services.assignment_acknowledge(actor=staff, assignment=a),
                         lambda: services.assignment_acknowledge(actor=staff, assignment=a))
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    assert NoticeAssignment.history.filter(id=a.pk, transition="acknowledge").count() == 1
