"""Timer jobs run by ``python manage.py run_sweeps`` (idempotent, safe on several machines)."""
from __future__ import annotations

from django.db import transaction
from django.db.models import CharField, OuterRef, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from supervision import workdays
from supervision.notify import notify
from supervision.sweep import claim_once, fire_system_transition, in_batches, iso_of, today, unclaimed

from .choices import TIMED_STATES
from .conf import limit
from .models import Case


def cases_mark_overdue(now) -> int:
    """Mark every case past its time limit as overdue (once: the transition's condition)."""
    day = today(now)
    done = 0
    late = Case.objects.filter(state__in=TIMED_STATES, overdue=False, due_date__lt=day).only("pk")
    for case in in_batches(late):
        done += fire_system_transition(case, "mark_overdue", comment=_("超过办理期限，系统标记逾期"))
    return done


def cases_remind(now) -> int:
    """Remind the handler a few working days before a time limit (once per deadline)."""
    day = today(now)
    horizon = workdays.add_working_days(day, limit("REMIND_WORKING_DAYS")).date
    done = 0
    qs = Case.objects.filter(state__in=TIMED_STATES, overdue=False, due_date__gte=day, due_date__lte=horizon,
                             handler__isnull=False).select_related("handler")
    # The period is "<due kind>:<due date>": skip in SQL what an earlier run already sent.
    qs = unclaimed(qs, "cases.reminder", Concat(OuterRef("due_kind"), Value(":"), iso_of("due_date"),
                                                output_field=CharField()))
    for case in in_batches(qs):
        with transaction.atomic():  # the mark and the notification commit together
            if claim_once("cases.reminder", case, period=f"{case.due_kind}:{case.due_date.isoformat()}"):
                notify(recipients=[case.handler], verb="cases.reminder", target=case,
                       message=_("%(case)s 将于 %(due)s 到期，请抓紧办理") % {"case": case, "due": case.due_date})
                done += 1
    return done


SWEEPS = [cases_mark_overdue, cases_remind]
