"""Rectification progress by township (stacked by stage). Two queries."""
from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supervision import access
from supervision.charts import Figure, Period, StatsSection, TrafficSource, register, register_traffic
from supervision.models import Region

from .models import Rectification

# Stages of the chart: (label, states)
STAGES = [
    (_("排查待定"), ("screened", "proposed")),
    (_("已列入待整顿"), ("listed", "planned")),
    (_("整顿中"), ("rectifying", "acceptance_requested")),
    (_("验收未通过"), ("failed",)),
    (_("已验收销号"), ("accepted", "followed_up", "closed")),
]


def progress_by_township(*, user, year: int | None = None) -> dict[int, dict[str, int]]:
    qs = access.visible(user, Rectification).exclude(state="dismissed")
    if year:
        qs = qs.filter(year=year)
    found: dict[int, dict[str, int]] = {}
    for township_id, state, n in qs.values_list("village__parent_id", "state").annotate(n=Count("pk")).order_by():
        found.setdefault(township_id, {})
        found[township_id][state] = found[township_id].get(state, 0) + n
    return found


def build(user, period: Period) -> list[Figure]:
    counts = progress_by_township(user=user, year=period.end.year if period.start.year == period.end.year else None)
    county_wide, ids = access.scope(user, access.registry.for_model(Rectification).view_roles)
    townships = Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code")
    if not county_wide:
        townships = townships.filter(pk__in=ids)
    townships = list(townships)
    base = reverse("rectification:list")
    return [Figure(
        key="rectification-progress", title=_("各乡镇软弱涣散村整顿进度"), category_label=_("乡镇"), kind="stacked",
        categories=[t.name for t in townships], links=[f"{base}?township={t.pk}" for t in townships],
        note=_("统计年度为所选期间的年度（跨年期间统计全部年度）。"),
        series=[{"name": label, "data": [sum(counts.get(t.pk, {}).get(s, 0) for s in states) for t in townships]}
                for label, states in STAGES])]


register(StatsSection(key="rectification", label=_("整顿进度"),
                      roles=frozenset({"organization", "leader", "auditor", "township"}), build=build, order=20))


# --- dashboard ------------------------------------------------------------------------------------------

def traffic(user, today) -> dict[int, dict[str, int]]:
    import datetime as dt

    from . import conf
    from .models import OPEN_STATES
    from .selectors import rectification_list_visible_to

    red_ids = set(rectification_list_visible_to(user=user, filters={"overdue": "1"}).values_list("pk", flat=True))
    window = today + dt.timedelta(days=conf.get("DUE_REMIND_DAYS"))
    found: dict[int, dict[str, int]] = {}
    rows = access.visible(user, Rectification).filter(state__in=OPEN_STATES).values_list(
        "pk", "village__parent_id", "due_date")
    seen = set()
    for pk, township_id, due in rows:
        light = "red" if pk in red_ids else ("amber" if due <= window else "green")
        seen.add(pk)
        found.setdefault(township_id, {"red": 0, "amber": 0, "green": 0})[light] += 1
    if red_ids - seen:  # overdue by a missing progress report outside OPEN_STATES (none today), still red
        for township_id in Rectification.objects.filter(pk__in=red_ids - seen).values_list(
                "village__parent_id", flat=True):
            found.setdefault(township_id, {"red": 0, "amber": 0, "green": 0})["red"] += 1
    return found


def traffic_link(township_id: int, light: str) -> str:
    url = f"{reverse('rectification:list')}?township={township_id}"
    return url + "&overdue=1" if light == "red" else url


def trend(user, start, end):
    qs = access.visible(user, Rectification)
    accepted = dict(qs.filter(accepted_on__gte=start, accepted_on__lte=end).values_list("accepted_on")
                    .annotate(n=Count("pk")).order_by())
    return [(_("整顿验收销号"), accepted)]


register_traffic(TrafficSource(key="rectification", label=_("软弱涣散整顿"),
                               roles=frozenset({"organization", "leader", "auditor", "township"}),
                               counts=traffic, link=traffic_link, trend=trend, order=20))
