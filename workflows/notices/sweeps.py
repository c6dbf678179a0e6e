"""Timer jobs, run by the kernel's one idempotent sweep (``python manage.py run_sweeps``).

- ``remind_due_soon``: open assignments whose deadline is within the next N working days
  (default 2) get one reminder per deadline (a ``SweepMark`` keyed by the due date, so an
  extended deadline earns a new reminder), a batch at a time: the batch's marks and
  notifications in one transaction, one insert each.
- ``mark_overdue``: open assignments past their deadline move to ``overdue`` through the
  system transition, one transaction each; the row lock and the fsm source check make a second
  run (or a second machine) a no-op.
"""
from __future__ import annotations

from django.utils.translation import gettext as _

from supervision.sweep import fire_system_transition, in_batches, iso_of, remind, sweep_actor, today, unclaimed
from supervision.workdays import add_working_days

from . import conf, rules
from .choices import OPEN_STATES
from .models import NoticeAssignment


def _open():
    return NoticeAssignment.objects.filter(state__in=OPEN_STATES).select_related("notice", "notice__issued_by",
                                                                                   "township")


def remind_due_soon(now=None) -> int:
    day = today(now)
    horizon = add_working_days(day, int(conf.get("REMIND_WORKING_DAYS_BEFORE"))).date
    due = unclaimed(_open().filter(due_date__gte=day, due_date__lte=horizon), "notices.reminder", iso_of("due_date"))
    # A batch at a time: its marks (one insert) and its notifications (one insert) commit together.
    return remind(due, "notices.reminder", lambda a: a.due_date.isoformat(),
                  lambda claimed: rules.on_assignments_event(claimed, "reminder"))


def mark_overdue(now=None) -> int:
    """Each through the transition path (its history row and notifications), its own transaction;
    the townships' staff read once per batch, not per assignment."""
    day = today(now)
    moved = 0
    batch = []

    actor = None

    def run():
        nonlocal moved, actor
        actor = actor or sweep_actor()  # once per run, not per assignment
        with rules.preloaded_recipients({a.township_id for a in batch}):
            for assignment in batch:
                moved += fire_system_transition(
                    assignment, "mark_overdue", actor=actor,
                    comment=_("超过办结期限 %(d)s 未办结") % {"d": assignment.due_date.isoformat()})
        batch.clear()

    for assignment in in_batches(NoticeAssignment.objects.filter(state__in=OPEN_STATES, due_date__lt=day)
                                 .only("pk", "due_date", "township_id")):
        batch.append(assignment)
        if len(batch) >= 500:
            run()
    if batch:
        run()
    return moved


JOBS = [remind_due_soon, mark_overdue]
