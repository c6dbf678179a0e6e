"""Timer jobs run by ``python manage.py run_sweeps`` (idempotent, safe on several machines)."""
from __future__ import annotations

from django.db import transaction
from django.db.models import CharField, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from supervision import workdays
from supervision.notify import notify, users_with_role
from supervision.sweep import claim_once, fire_system_transition, in_batches, iso_of, remind, today, unclaimed

from . import rules
from .choices import TIMED_STATES
from .conf import limit
from .custodysweeps import CUSTODY_SWEEPS
from .models import Case, SubjectMatter


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
    # A handler's cases, and routed clues no one of the receiving committee has taken yet.
    qs = Case.objects.filter(Q(handler__isnull=False) | Q(handling_township__isnull=False), state__in=TIMED_STATES,
                             overdue=False, due_date__gte=day, due_date__lte=horizon).select_related("handler")
    # The period is "<due kind>:<due date>": skip in SQL what an earlier run already sent.
    qs = unclaimed(qs, "cases.reminder", Concat(OuterRef("due_kind"), Value(":"), iso_of("due_date"),
                                                output_field=CharField()))

    def send(cases) -> None:
        for case in cases:
            notify(recipients=rules.handler_or_unit(case), verb="cases.reminder", target=case,
                   message=_("%(case)s 将于 %(due)s 到期，请抓紧办理") % {"case": case, "due": case.due_date})

    # A batch at a time: its marks (one insert) and its notifications commit together.
    return remind(qs, "cases.reminder", lambda case: f"{case.due_kind}:{case.due_date.isoformat()}", send)


def subjects_remind(now) -> int:
    """Per-subject limits (announce within 1 month, execution reported within 6, re-examination
    within 3): remind the case's handler a few working days before, once per deadline."""
    day = today(now)
    horizon = workdays.add_working_days(day, limit("REMIND_WORKING_DAYS")).date
    qs = SubjectMatter.objects.filter(state__in=["decided", "executed", "appealed"], due_date__gte=day,
                                      due_date__lte=horizon, case__handler__isnull=False)
    qs = unclaimed(qs, "cases.subject_reminder", Concat(OuterRef("due_kind"), Value(":"), iso_of("due_date"),
                                                        output_field=CharField()))

    def send(matters) -> None:
        for m in matters:
            notify(recipients=[m.case.handler], verb="cases.subject_reminder", target=m.case,
                   message=_("%(m)s：%(kind)s将于 %(due)s 到期") % {
                       "m": m, "kind": m.get_state_display(), "due": m.due_date})

    return remind(qs.select_related("case__handler", "subject"), "cases.subject_reminder",
                  lambda m: f"{m.due_kind}:{m.due_date.isoformat()}", send)


def prosecution_remind(now) -> int:
    """移送审查起诉: nothing recorded from the procuratorate ``PROSECUTION_REMIND_MONTHS`` after the
    transfer, or from the court ``JUDGEMENT_REMIND_MONTHS`` after the indictment → remind the
    handler and the heads, once per transfer (or indictment)."""
    day = today(now)
    done = 0
    waiting = [
        ("procuratorate",
         SubjectMatter.objects.filter(transferred=True, procuratorate="", transferred_on__isnull=False),
         "transferred_on", "PROSECUTION_REMIND_MONTHS", _("%(m)s 移送审查起诉已逾 %(n)d 个月，尚未登记检察机关决定")),
        ("judgement", SubjectMatter.objects.filter(transferred=True, procuratorate="prosecuted", judgement=""),
         "procuratorate_on", "JUDGEMENT_REMIND_MONTHS", _("%(m)s 提起公诉已逾 %(n)d 个月，尚未登记法院判决")),
    ]
    for kind, qs, since_field, setting_name, text in waiting:
        months = limit(setting_name)
        for m in in_batches(qs.select_related("case__handler", "subject")):
            since = getattr(m, since_field)
            if since is None or workdays.period_end(since, months=months).date > day:
                continue
            with transaction.atomic():
                if claim_once("cases.prosecution_reminder", m, period=f"{kind}:{since.isoformat()}"):
                    recipients = [m.case.handler] if m.case.handler_id else []
                    notify(recipients=[*recipients, *users_with_role("discipline_head")],
                           verb="cases.prosecution_reminder", target=m.case,
                           message=text % {"m": m, "n": months})
                    done += 1
    return done


SWEEPS = [cases_mark_overdue, cases_remind, subjects_remind, prosecution_remind, *CUSTODY_SWEEPS]
