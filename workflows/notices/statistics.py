"""督查考评: notices per township for a period — issued, closed on time, overdue, average working days
to the first response, escalations — and a ranking of the townships. Three queries, whatever the rows."""
from __future__ import annotations

from django.db.models import Count, F, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision import access, workdays
from supervision.charts import Figure, Period, StatsSection, TrafficSource, register, register_traffic
from supervision.models import Region

from .choices import OPEN_STATES
from .models import NoticeAssignment


def township_figures(*, user, period: Period) -> list[dict]:
    """One row per township the user may see: the period is the notices' issue date."""
    county_wide, township_ids = access.scope(user, access.registry.for_model(NoticeAssignment).view_roles)
    townships = Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code")
    if not county_wide:
        townships = townships.filter(pk__in=township_ids)
    qs = access.visible(user, NoticeAssignment).filter(
        notice__issued_on__gte=period.start, notice__issued_on__lte=period.end).exclude(state="withdrawn")
    today = timezone.localdate()
    counts = {r["township_id"]: r for r in qs.values("township_id").annotate(
        issued=Count("pk"),
        closed_on_time=Count("pk", filter=Q(state="closed", closed_at__date__lte=F("due_date"))),
        overdue=Count("pk", filter=Q(state="overdue") | Q(state__in=OPEN_STATES, due_date__lt=today)
                      | Q(state="closed", closed_at__date__gt=F("due_date"))),
        escalated=Count("pk", filter=Q(escalation__gte=1)),
    )}
    # Working days from issue to the first 整改报告, per assignment (computed in Python, one query).
    spans: dict[int, list[int]] = {}
    for row in qs.annotate(first=Min("responses__submitted_at")).filter(first__isnull=False).values(
            "township_id", "notice__issued_on", "first"):
        days = workdays.working_days_between(row["notice__issued_on"], timezone.localtime(row["first"]).date())
        spans.setdefault(row["township_id"], []).append(days)
    rows = []
    for t in townships:
        c = counts.get(t.pk, {})
        issued = c.get("issued", 0)
        span = spans.get(t.pk, [])
        rows.append({
            "township": t, "issued": issued, "closed_on_time": c.get("closed_on_time", 0),
            "overdue": c.get("overdue", 0), "escalated": c.get("escalated", 0),
            "avg_days": round(sum(span) / len(span), 1) if span else None,
            "on_time_rate": round(100 * c.get("closed_on_time", 0) / issued, 1) if issued else None,
        })
    return rows


def ranking(rows: list[dict]) -> list[dict]:
    """Townships with notices, best first: on-time rate, then fewer overdue, fewer escalations, faster."""
    ranked = [r for r in rows if r["issued"]]
    ranked.sort(key=lambda r: (-(r["on_time_rate"] or 0), r["overdue"], r["escalated"],
                               r["avg_days"] if r["avg_days"] is not None else 999, r["township"].code))
    for i, r in enumerate(ranked, 1):
        r["rank"] = i
    return ranked


def _register_link(t, period, **extra):
    query = f"township={t.pk}&issued_from={period.start.isoformat()}&issued_to={period.end.isoformat()}"
    for k, v in extra.items():
        query += f"&{k}={v}"
    return f"{reverse('notices:register')}?{query}"


def build(user, period: Period) -> list[Figure]:
    rows = township_figures(user=user, period=period)
    names = [r["township"].name for r in rows]
    links = [_register_link(r["township"], period) for r in rows]
    ranked = ranking(rows)
    return [
        Figure(key="notices-townships", title=_("各乡镇督办事项办理情况"), category_label=_("乡镇"), kind="bar",
               categories=names, links=links, series=[
                   {"name": _("交办"), "data": [r["issued"] for r in rows]},
                   {"name": _("按期销号"), "data": [r["closed_on_time"] for r in rows]},
                   {"name": _("逾期（含逾期后销号）"), "data": [r["overdue"] for r in rows]},
                   {"name": _("督办升级"), "data": [r["escalated"] for r in rows]}]),
        Figure(key="notices-response-days", title=_("平均报送用时（工作日）"), category_label=_("乡镇"), kind="bar",
               categories=names, links=links, series=[
                   {"name": _("平均工作日"), "data": [r["avg_days"] for r in rows]}]),
        Figure(key="notices-ranking", title=_("乡镇督查考评排名"), category_label=_("名次·乡镇"), kind="hbar",
               categories=[f"{r['rank']}. {r['township'].name}" for r in ranked],
               links=[_register_link(r["township"], period) for r in ranked],
               note=_("按期销号率从高到低；相同时逾期少、督办升级少、报送快者在前。"),
               series=[{"name": _("按期销号率（%）"), "data": [r["on_time_rate"] for r in ranked]},
                       {"name": _("逾期"), "data": [r["overdue"] for r in ranked]}]),
    ]


register(StatsSection(key="notices", label=_("督查考评"), roles=frozenset({"inspector", "leader", "auditor",
                                                                           "township"}), build=build, order=10))


# --- dashboard: traffic lights and trend ----------------------------------------------------------------

ACTIVE_STATES = (*OPEN_STATES, "overdue", "extension_requested")


def red_condition(today):
    """What the register's 「仅看逾期」 filter shows (``filters.AssignmentFilter``'s ``overdue``)."""
    return Q(state="overdue") | Q(state__in=OPEN_STATES, due_date__lt=today)


def traffic(user, today) -> dict[int, dict[str, int]]:
    from . import conf

    window = workdays.add_working_days(today, conf.get("REMIND_WORKING_DAYS_BEFORE")).date
    red = red_condition(today)
    qs = access.visible(user, NoticeAssignment).filter(state__in=ACTIVE_STATES)
    found = {}
    for row in qs.values("township_id").annotate(
            red=Count("pk", filter=red), amber=Count("pk", filter=~red & Q(due_date__lte=window)),
            green=Count("pk", filter=~red & Q(due_date__gt=window))).order_by():
        found[row["township_id"]] = {k: row[k] for k in ("red", "amber", "green")}
    return found


def traffic_link(township_id: int, light: str) -> str:
    url = f"{reverse('notices:register')}?township={township_id}"
    return url + "&overdue=on" if light == "red" else url


def trend(user, start, end):
    qs = access.visible(user, NoticeAssignment)
    issued = dict(qs.filter(notice__issued_on__gte=start, notice__issued_on__lte=end).values_list(
        "notice__issued_on").annotate(n=Count("pk")).order_by())
    closed: dict = {}
    for at in qs.filter(state="closed", closed_at__isnull=False).filter(
            closed_at__date__gte=start, closed_at__date__lte=end).values_list("closed_at", flat=True):
        day = timezone.localtime(at).date()
        closed[day] = closed.get(day, 0) + 1
    return [(_("新交办督办事项"), issued), (_("督办事项销号"), closed)]


register_traffic(TrafficSource(key="notices", label=_("督查督办"), roles=frozenset({"inspector", "leader", "auditor",
                                                                                 "township"}),
                               counts=traffic, link=traffic_link, trend=trend, order=10))
