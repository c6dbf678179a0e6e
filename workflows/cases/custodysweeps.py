"""留置's timer jobs, run by the one kernel sweep (``run_sweeps``; listed in sweeps.SWEEPS).

- the 24-hour notification: ``DETENTION_NOTIFY_REMIND_HOURS`` after the start with nothing
  recorded, the handler is reminded; past ``notify_due_at`` still nothing, the handler and the
  heads are told it is late — each once per detention (``claim_once``);
- the limit approaching: ``DETENTION_REMIND_DAYS`` before ``due_date``, once per limit (an
  extension gives a new limit, and a new reminder);
- overdue: past its limit, still held → ``mark_overdue`` through the kernel, exactly once (the
  transition's condition; a second run reads nothing).
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from supervision import clock, deadlines, registry
from supervision.notify import notify, users_with_role
from supervision.sweep import claim_once, fire_system_transition, in_batches, iso_of, today, unclaimed

from .conf import limit
from .custody import CUSTODY_STATES, Detention


def _now(now) -> dt.datetime:
    return now or clock.now()  # the demo's story time, else now (as ``sweep.today``)


def _recipients(d) -> list:
    return [*([d.case.handler] if d.case.handler_id else []), *users_with_role("discipline_head")]


def detention_notify_remind(now) -> int:
    """Nothing recorded about notifying the family and the unit: remind, then say it is late."""
    now = _now(now)
    done = 0
    remind_after = dt.timedelta(hours=limit("DETENTION_NOTIFY_REMIND_HOURS"))
    waiting = Detention.objects.filter(state="started", started_at__isnull=False)
    jobs = [
        ("cases.detention_notify_reminder", waiting.filter(started_at__lte=now - remind_after),
         lambda d: [d.case.handler] if d.case.handler_id else [],
         _("%(case)s %(d)s：请于 %(t)s 前通知家属和所在单位，或登记不通知的原因")),
        ("cases.detention_notify_late", waiting.filter(notify_due_at__lt=now), _recipients,
         _("%(case)s %(d)s：已超过 %(t)s 仍未登记通知家属和所在单位")),
    ]
    for key, qs, recipients, text in jobs:
        qs = unclaimed(qs, key, "")  # a detention starts once: once per detention
        for d in in_batches(qs.select_related("case__handler", "subject")):
            with transaction.atomic():
                if claim_once(key, d):
                    notify(recipients=recipients(d), verb=key, target=d, message=text % {
                        "case": d.case.number, "d": d,
                        "t": timezone.localtime(d.notify_due_at).strftime("%Y-%m-%d %H:%M")})
                    done += 1
    return done


def detention_limit_remind(now) -> int:
    """The limit a few days away — the same window as the traffic light's amber (``DETENTION_REMIND_DAYS``
    working days, ``deadlines.colour_q``), so the reminder comes the day the light turns: the handler
    and the heads, once per limit."""
    day = today(now)
    done = 0
    soon = deadlines.colour_q(registry.for_model(Detention), deadlines.AMBER, today=day)
    qs = Detention.objects.filter(soon, state__in=CUSTODY_STATES, overdue=False)
    qs = unclaimed(qs, "cases.detention_limit_reminder", iso_of("due_date"))
    for d in in_batches(qs.select_related("case__handler", "subject")):
        with transaction.atomic():
            if claim_once("cases.detention_limit_reminder", d, period=d.due_date.isoformat()):
                notify(recipients=_recipients(d), verb="cases.detention_limit_reminder", target=d,
                       message=_("%(case)s %(d)s：留置期限 %(due)s 将至，请及时解除或依法延长") % {
                           "case": d.case.number, "d": d, "due": d.due_date})
                done += 1
    return done


def detention_mark_overdue(now) -> int:
    day = today(now)
    done = 0
    late = Detention.objects.filter(state__in=CUSTODY_STATES, overdue=False, due_date__lt=day).only("pk")
    for d in in_batches(late):
        done += fire_system_transition(d, "mark_overdue", comment=_("超过留置期限，系统标记超期"))
    return done


CUSTODY_SWEEPS = [detention_notify_remind, detention_limit_remind, detention_mark_overdue]
