"""Timer jobs (run by ``manage.py run_sweeps``): each effect fires once per period.

- monthly progress reminder (before the report's due day) and overdue notice (after it),
  period = the month ("2026-11");
- deadline reminder and overdue mark, period = the deadline itself (a new deadline after a
  failed acceptance starts a new period).
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from supervision.audit.actor import system_actor
from supervision.sweep import iso_of, remind, today, unclaimed

from . import conf, rules, services
from .models import OPEN_STATES, REPORTING_STATES, Rectification
from .selectors import progress_due_date


def _reporting(day: dt.date, due: dt.date, key: str, period: str):
    """Rectifying records owing this month's report (due on ``due``), not having sent it, and not
    yet told under ``key`` this ``period`` — all decided in SQL."""
    month_start = day.replace(day=1)
    reported = Rectification.progress_reports.rel.related_model.objects.filter(
        rectification=OuterRef("pk"), date__gte=month_start)
    qs = (Rectification.objects.filter(state__in=REPORTING_STATES, rectifying_since__lt=due)
          .filter(~Exists(reported)).select_related("village__parent"))
    return unclaimed(qs, key, period)


def progress_reminders(now) -> int:
    day = today(now)
    due = progress_due_date(day)
    if not (due - dt.timedelta(days=conf.get("PROGRESS_REMIND_DAYS")) <= day <= due):
        return 0
    period = day.strftime("%Y-%m")

    def send(records) -> None:
        for r in records:
            rules.notify_event(r, verb="rectification.progress_reminder", township_only=True,
                               message=_("%(obj)s：请在 %(d)s 前报送本月整顿进展。") % {"obj": r, "d": due.isoformat()})

    # A batch at a time: its marks (one insert) and its notifications commit together.
    return remind(_reporting(day, due, "rectification.progress_reminder", period),
                  "rectification.progress_reminder", period, send)


def progress_overdue(now) -> int:
    day = today(now)
    due = progress_due_date(day)
    if day <= due:
        return 0
    period = day.strftime("%Y-%m")

    def send(records) -> None:
        for r in records:
            rules.notify_event(r, verb="rectification.progress_overdue",
                               message=_("%(obj)s：本月整顿进展逾期未报（应于 %(d)s 前报送）。")
                               % {"obj": r, "d": due.isoformat()})

    return remind(_reporting(day, due, "rectification.progress_overdue", period),
                  "rectification.progress_overdue", period, send)


def deadline_reminders(now) -> int:
    day = today(now)
    horizon = day + dt.timedelta(days=conf.get("DUE_REMIND_DAYS"))
    due = unclaimed(Rectification.objects.filter(state__in=OPEN_STATES, due_date__gte=day, due_date__lte=horizon)
                    .select_related("village__parent"), "rectification.due_reminder", iso_of("due_date"))

    def send(records) -> None:
        for r in records:
            rules.notify_event(r, verb="rectification.due_reminder", township_only=True,
                               message=_("%(obj)s：整顿期限 %(d)s 即将到期。")
                               % {"obj": r, "d": r.due_date.isoformat()})

    return remind(due, "rectification.due_reminder", lambda r: r.due_date.isoformat(), send)


def deadline_overdue(now) -> int:
    day = today(now)
    late = unclaimed(Rectification.objects.filter(state__in=OPEN_STATES, due_date__lt=day)
                     .select_related("village__parent"), "rectification.overdue", iso_of("due_date"))

    def send(records) -> None:
        actor = system_actor()
        for r in records:  # the marks, the flags and the notifications commit together
            services.rectification_flag_overdue(actor=actor, obj=r, today=day)
            rules.notify_event(r, verb="rectification.overdue",
                               message=_("%(obj)s：整顿期限 %(d)s 已过，尚未验收销号。")
                               % {"obj": r, "d": r.due_date.isoformat()})

    return remind(late, "rectification.overdue", lambda r: r.due_date.isoformat(), send)


JOBS = [progress_reminders, progress_overdue, deadline_reminders, deadline_overdue]
