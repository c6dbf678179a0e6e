"""Read side: every queryset starts from supervision.access.visible."""
from __future__ import annotations

import calendar
import datetime as dt

from django.db.models import Count, Max, Q

from supervision import access, clock
from supervision.models import Region

from . import conf
from .models import ACCEPTED_STATES, OPEN_STATES, REPORTING_STATES, UNLISTED_STATES, VIEW_ROLES, Rectification


def progress_due_date(day: dt.date) -> dt.date:
    """The monthly report's due date in ``day``'s month."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=min(conf.get("PROGRESS_DUE_DAY"), last))


def rectification_list_visible_to(*, user, filters: dict | None = None):
    """Visible rectifications with plan completion and last report, annotated in one query."""
    qs = access.visible(user, Rectification).select_related(
        "village__parent", "first_secretary", "county_leader", "township_leader", "twinned_unit",
        "township_secretary", "responsible_cadre")
    qs = qs.annotate(
        items_total=Count("plan_items", distinct=True),
        items_done=Count("plan_items", filter=Q(plan_items__done=True), distinct=True),
        last_progress=Max("progress_reports__date"),
    )
    f = filters or {}
    if f.get("state"):
        qs = qs.filter(state=f["state"])
    if f.get("township"):
        qs = qs.filter(village__parent_id=f["township"])
    if f.get("year"):
        qs = qs.filter(year=f["year"])
    if f.get("q"):
        qs = qs.filter(Q(village__name__contains=f["q"]) | Q(problem__contains=f["q"]))
    if f.get("overdue"):
        qs = overdue_filter(qs)
    return qs.order_by("village__parent__code", "village__code", "-year")


def overdue_filter(qs, today: dt.date | None = None):
    """Deadline passed while open, or this month's progress report missing after its due day."""
    today = today or clock.today()
    cond = Q(state__in=OPEN_STATES, due_date__lt=today)
    if today > progress_due_date(today):
        month_start = today.replace(day=1)
        cond |= (Q(state__in=REPORTING_STATES, rectifying_since__lt=progress_due_date(today))
                 & (Q(last_progress__isnull=True) | Q(last_progress__lt=month_start)))
    return qs.filter(cond)


def decorate(rows, today: dt.date | None = None) -> list:
    """Attach completion %, deadline and report overdue flags (no queries)."""
    today = today or clock.today()
    due = progress_due_date(today)
    month_start = today.replace(day=1)
    out = []
    for r in rows:
        total = getattr(r, "items_total", 0) or 0
        done = getattr(r, "items_done", 0) or 0
        r.completion = round(100 * done / total) if total else 0
        r.deadline_overdue = r.state in OPEN_STATES and r.due_date < today
        last = getattr(r, "last_progress", None)
        r.report_overdue = bool(r.state in REPORTING_STATES and today > due and r.rectifying_since
                                and r.rectifying_since < due and (last is None or last < month_start))
        r.overdue = r.deadline_overdue or r.report_overdue
        out.append(r)
    return out


def townships_for(user):
    """The townships whose records ``user`` sees (all of them for county-wide viewers)."""
    county_wide, township_ids = access.scope(user, VIEW_ROLES)
    qs = Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code")
    return qs if county_wide else qs.filter(pk__in=township_ids)


def board_for(*, user, year: int | None = None) -> dict:
    """The county board: rows grouped by township, per-township counts for the chart."""
    rows = decorate(rectification_list_visible_to(user=user, filters={"year": year}))
    groups = {t.pk: {"township": t, "rows": [], "total": 0, "accepted": 0, "overdue": 0, "completion": 0}
              for t in townships_for(user)}
    for r in rows:
        g = groups.get(r.village.parent_id)
        if g is None:
            continue
        g["rows"].append(r)
        g["total"] += 1
        g["accepted"] += r.state in ACCEPTED_STATES
        g["overdue"] += r.overdue
    for g in groups.values():
        listed = [r for r in g["rows"] if r.state not in UNLISTED_STATES]
        g["completion"] = round(sum(r.completion for r in listed) / len(listed)) if listed else 0
    groups = list(groups.values())
    peak = max([g["total"] for g in groups] + [1])
    for g in groups:
        g["bar_pct"] = round(100 * g["total"] / peak)
        g["accepted_pct"] = round(100 * g["accepted"] / peak)
    by_state: dict[str, int] = {}
    for r in rows:
        by_state[r.state] = by_state.get(r.state, 0) + 1
    return {"groups": groups, "rows": rows, "by_state": by_state, "total": len(rows),
            "accepted": sum(r.state in ACCEPTED_STATES for r in rows), "overdue": sum(r.overdue for r in rows)}
