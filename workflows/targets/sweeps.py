"""Timer jobs of the targets workflow (run by ``manage.py run_sweeps``)."""

from __future__ import annotations

import decimal

from django.utils.translation import gettext as _

from supervision import notify, sweep
from supervision.models import Region

from . import conf
from .models import CollectiveIncome


def remind_income_shortfalls(now) -> int:
    """From INCOME_REMIND_DECEMBER_DAY of December: remind each township, once per year, of its
    poor villages whose collective income is still below INCOME_MIN (or not reported)."""
    today = sweep.today(now)
    if today.month != 12 or today.day < conf.get("INCOME_REMIND_DECEMBER_DAY"):
        return 0
    threshold = decimal.Decimal(conf.get("INCOME_MIN"))
    met = set(
        CollectiveIncome.objects.filter(year=today.year, amount__gte=threshold).values_list("village_id", flat=True)
    )
    short: dict[int, list[str]] = {}
    for village in Region.objects.filter(level=Region.Level.VILLAGE, is_poor_village=True).order_by("code"):
        if village.pk not in met:
            short.setdefault(village.parent_id, []).append(village.name)
    period = str(today.year)
    # Townships already reminded this year are left out in SQL (a second run reads nothing).
    pending = sweep.unclaimed(Region.objects.filter(pk__in=list(short)), "targets.income_reminder", period)

    def send(townships) -> None:
        staff = notify.users_with_role_by_township("township", [t.pk for t in townships])  # one query
        notify.notify_many({
            "recipients": staff[township.pk],
            "verb": "targets.income_reminder",
            "url": "/targets/board/",
            "message": _("%(t)s：%(y)d 年以下贫困村集体经济收入尚未达到 %(a)s 元，请于年底前落实：%(v)s")
            % {"t": township.name, "y": today.year, "a": f"{threshold:,.0f}", "v": "、".join(short[township.pk])},
        } for township in townships)

    # A batch at a time: its marks and its notifications (one insert each) commit together.
    return sweep.remind(pending.order_by("code"), "targets.income_reminder", period, send)


JOBS = [remind_income_shortfalls]
