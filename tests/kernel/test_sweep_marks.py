"""The sweep over every workflow (issue 11 item 7): what was already sent is skipped in the query,
a second run inserts nothing (no duplicate mark, no unique-constraint error), and a reminder's
mark and its notification commit together."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision.models import Notification, SweepMark
from supervision.sweep import run_sweeps
from tests.workflows.notices.helpers import issue
from workflows.notices import sweeps as notice_sweeps
from workflows.notices.models import NoticeAssignment

pytestmark = pytest.mark.django_db


def _inserts(captured, table):
    return [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith("INSERT") and table in q["sql"]]


def test_a_second_sweep_inserts_nothing(county):
    call_command("seed_demo", password="x-demo-pass-1")
    first = {}
    for days_ahead in (10, 40):
        now = dt.datetime.combine(dt.date.today() + dt.timedelta(days=days_ahead), dt.time(9), tzinfo=dt.UTC)
        for job, n in run_sweeps(now).items():
            first[job] = first.get(job, 0) + n
    print(first)
    marks, told = SweepMark.objects.count(), Notification.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        second = run_sweeps(now)
    assert set(second.values()) == {0}, (first, second)
    assert SweepMark.objects.count() == marks and Notification.objects.count() == told
    assert _inserts(ctx.captured_queries, SweepMark._meta.db_table) == []  # skipped in the query
    assert sum(first.values()) > 0  # the demo county gives the first runs work


def test_reminder_mark_and_notification_commit_together(users, townships, monkeypatch):
    notice = issue(users, townships, targets=("nanzhao",), urgency="urgent")
    a = notice.assignments.get()
    now = dt.datetime.combine(a.due_date - dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)

    def broken(*args, **kwargs):
        raise RuntimeError("the notification could not be written")

    monkeypatch.setattr(notice_sweeps.rules, "on_assignments_event", broken)
    with pytest.raises(RuntimeError):
        notice_sweeps.remind_due_soon(now)
    assert not SweepMark.objects.filter(key="notices.reminder").exists()  # not marked as sent
    monkeypatch.undo()
    assert notice_sweeps.remind_due_soon(now) == 1
    assert notice_sweeps.remind_due_soon(now) == 0
    assert SweepMark.objects.filter(key="notices.reminder").count() == 1
    assert Notification.objects.filter(verb="notices.reminder").exists()


def test_the_december_income_reminder_skips_reminded_townships_in_the_query(users, townships):
    """targets' yearly reminder: the townships already reminded are left out in SQL (no claim
    attempted again), and each claim commits with its notification."""
    from workflows.targets import sweeps as target_sweeps

    now = dt.datetime(dt.date.today().year, 12, 28, 9, tzinfo=dt.UTC)
    first = target_sweeps.remind_income_shortfalls(now)
    assert first > 0
    marks = SweepMark.objects.filter(key="targets.income_reminder")
    assert marks.count() == first
    assert Notification.objects.filter(verb="targets.income_reminder").exists()
    with CaptureQueriesContext(connection) as ctx:
        assert target_sweeps.remind_income_shortfalls(now) == 0
    assert _inserts(ctx.captured_queries, SweepMark._meta.db_table) == []
    assert marks.count() == first


_last = []


def _statements(job, now):
    with CaptureQueriesContext(connection) as ctx:
        done = job(now)
    _last[:] = [q["sql"][:150] for q in ctx.captured_queries]
    return done, len(ctx.captured_queries)


def test_reminders_cost_statements_per_batch_not_per_item(users, townships):
    """Reminding 10 or 40 assignments is the same statements (the marks in one insert, the
    townships' staff in one query, the notifications in one insert); marking 50 overdue goes
    through the transition path per assignment, at a bounded cost each (no recipient query)."""
    targets = tuple(townships)
    issue(users, townships, targets=targets, urgency="urgent")
    due = NoticeAssignment.objects.values_list("due_date", flat=True).first()
    remind_at = dt.datetime.combine(due - dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)
    few = _statements(notice_sweeps.remind_due_soon, remind_at)
    for _n in range(4):
        issue(users, townships, targets=targets, urgency="urgent")
    assert NoticeAssignment.objects.filter(due_date=due).count() == 5 * len(targets)
    many = _statements(notice_sweeps.remind_due_soon, remind_at)
    assert (few[0], many[0]) == (len(targets), 4 * len(targets))
    assert many[1] == few[1], "\n".join(_last)
    assert SweepMark.objects.filter(key="notices.reminder").count() == 5 * len(targets)
    assert Notification.objects.filter(verb="notices.reminder").count() >= 5 * len(targets)

    late_at = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)
    moved, statements = _statements(notice_sweeps.mark_overdue, late_at)
    assert moved == 5 * len(targets)
    # SQLite, in the test's transaction: savepoint, lock (with the chain head, handler flag and
    # grants), update, history row, counter and notification (one statement on PostgreSQL), release
    assert statements <= 8 * moved + 10, "\n".join(_last)
    per_item = [q for q in _last if q.startswith(('SELECT "supervision_user"', 'SELECT "supervision_roleassignment"'))]
    assert len(per_item) <= 3, per_item  # the actor and the townships' staff once, not per assignment
    assert Notification.objects.filter(verb="notices.mark_overdue").count() >= moved


def test_claim_many_claims_each_record_once(users, townships):
    """A batch's claims in one statement: what another run claimed first is left out, quietly."""
    from supervision.sweep import claim_many

    notice = issue(users, townships, targets=("nanzhao", "weibaoshan"))
    first, second = notice.assignments.order_by("pk")
    assert claim_many("test.once", [first], "p") == [first]
    with CaptureQueriesContext(connection) as ctx:
        assert claim_many("test.once", [first, second], "p") == [second]
    assert len(ctx.captured_queries) == 1
    assert claim_many("test.once", [first, second], lambda a: "p") == []
    assert claim_many("test.once", [first], "q") == [first]  # another period
    assert SweepMark.objects.filter(key="test.once").count() == 3
