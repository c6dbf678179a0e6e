"""Assessment grades per year and the 优秀 quota used. Two queries."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supervision import access
from supervision.charts import Figure, Period, StatsSection, TrafficSource, register, register_traffic

from . import conf
from .choices import Grade
from .models import Assessment, Recall


def grades_by_year(*, user) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    qs = access.visible(user, Assessment)
    for year, grade, n in qs.values_list("year", "final_grade").annotate(n=Count("pk")).order_by("year"):
        found.setdefault(year, {})[grade or ""] = n
    return found


def quota_by_year() -> dict[int, dict]:
    """The county's 优秀 quota (it is county-wide by rule): limit = floor(P% × all assessments of the year)."""
    percent = conf.get("EXCELLENT_QUOTA_PERCENT")
    out = {}
    excellent = Q(state=Assessment.State.FINALIZED, final_grade=Grade.EXCELLENT)
    for year, total, used in Assessment.objects.values_list("year").annotate(
            total=Count("pk"), used=Count("pk", filter=excellent)).order_by("year"):
        out[year] = {"total": total, "limit": total * percent // 100, "used": used}
    return out


def build(user, period: Period) -> list[Figure]:
    grades = grades_by_year(user=user)
    years = sorted(grades)
    board = reverse("postings:assessment-board")
    figures = [Figure(
        key="postings-grades", title=_("年度考核等次分布"), category_label=_("年度"), kind="stacked",
        categories=[str(y) for y in years], links=[f"{board}?year={y}" for y in years],
        series=[{"name": label, "data": [grades[y].get(value, 0) for y in years]} for value, label in Grade.choices]
        + [{"name": _("未定档"), "data": [grades[y].get("", 0) for y in years]}])]
    if access.has_role(user, "organization", "leader", "auditor"):
        quota = quota_by_year()
        qyears = sorted(quota)
        figures.append(Figure(
            key="postings-quota", title=_("优秀等次名额使用"), category_label=_("年度"), kind="bar",
            categories=[str(y) for y in qyears], links=[f"{board}?year={y}" for y in qyears],
            note=_("名额为全县当年考核人数的 %(p)s%%（向下取整）。") % {"p": conf.get("EXCELLENT_QUOTA_PERCENT")},
            series=[{"name": _("优秀名额"), "data": [quota[y]["limit"] for y in qyears]},
                    {"name": _("已定档优秀"), "data": [quota[y]["used"] for y in qyears]}]))
    return figures


register(StatsSection(key="postings", label=_("驻村考核"),
                      roles=frozenset({"organization", "leader", "auditor", "township"}), build=build, order=30))


# --- dashboard: recalls awaiting a replacement ----------------------------------------------------------

def traffic(user, today) -> dict[int, dict[str, int]]:
    window = today + dt.timedelta(days=7)
    red = Q(state=Recall.State.OVERDUE) | Q(state=Recall.State.RECALLED, replacement_due__lt=today)
    found = {}
    qs = access.visible(user, Recall).filter(state__in=[Recall.State.RECALLED, Recall.State.OVERDUE])
    for row in qs.values("township_id").annotate(
            red=Count("pk", filter=red), amber=Count("pk", filter=~red & Q(replacement_due__lte=window)),
            green=Count("pk", filter=~red & (Q(replacement_due__gt=window) | Q(replacement_due__isnull=True)))
    ).order_by():
        found[row["township_id"]] = {k: row[k] for k in ("red", "amber", "green")}
    return found


def traffic_link(township_id: int, light: str) -> str:
    url = f"{reverse('postings:recall-list')}?township={township_id}"
    return url + "&state=overdue" if light == "red" else url + "&state=recalled"


register_traffic(TrafficSource(key="postings", label=_("召回补派"),
                               roles=frozenset({"organization", "leader", "auditor", "township"}),
                               counts=traffic, link=traffic_link, order=30))
