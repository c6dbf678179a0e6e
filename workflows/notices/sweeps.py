"""Timer jobs, run by the kernel's one idempotent sweep (``python manage.py run_sweeps``).

- ``remind_due_soon``: open assignments whose deadline is within the next N working days
  (default 2) get one reminder per deadline (``claim_once`` keyed by the due date, so an
  extended deadline earns a new reminder).
- ``mark_overdue``: open assignments past their deadline move to ``overdue`` through the
  system transition; the row lock and the fsm source check make a second run (or a second
  machine) a no-op.
"""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from supervision.sweep import claim_once, fire_system_transition, in_batches, iso_of, today, unclaimed
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
    sent = 0
    due = unclaimed(_open().filter(due_date__gte=day, due_date__lte=horizon), "notices.reminder", iso_of("due_date"))
    for assignment in in_batches(due):
        with transaction.atomic():  # the mark and the notification commit together
            if claim_once("notices.reminder", assignment, period=assignment.due_date.isoformat()):
                rules.on_assignment_event(assignment, "reminder")
                sent += 1
    return sent


def mark_overdue(now=None) -> int:
    day = today(now)
    moved = 0
    for assignment in in_batches(_open().filter(due_date__lt=day)):
        moved += fire_system_transition(assignment, "mark_overdue",
                                        comment=_("超过办结期限 %(d)s 未办结") % {"d": assignment.due_date.isoformat()})
    return moved


JOBS = [remind_due_soon, mark_overdue]
