"""Case statistics as charts: by category, township, the four forms and month received. Five queries."""
from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supervision import access
from supervision.charts import Figure, Period, StatsSection, TrafficSource, register, register_traffic
from supervision.models import Region

from . import choices
from .apps import CASE_VIEW_ROLES
from .models import Case
from .selectors import four_forms_counts


def case_counts(*, user, period: Period) -> dict:
    qs = access.visible(user, Case).filter(received_on__gte=period.start, received_on__lte=period.end)
    by_category = dict(qs.values_list("category").annotate(n=Count("pk")).order_by())
    by_township = dict(qs.values_list("township_id").annotate(n=Count("pk")).order_by())
    by_forms = {row["four_forms"]: row["n"] for row in four_forms_counts(qs) if row["four_forms"]}
    by_month = {m.strftime("%Y-%m"): n for m, n in qs.annotate(m=TruncMonth("received_on")).values_list("m")
                .annotate(n=Count("pk")).order_by("m")}
    return {"category": by_category, "township": by_township, "four_forms": by_forms, "month": by_month}


def _months(period: Period) -> list[str]:
    """The period's months, at most the last 60."""
    out, y, m = [], period.end.year, period.end.month
    while (y, m) >= (period.start.year, period.start.month) and len(out) < 60:
        out.append(f"{y}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def build(user, period: Period) -> list[Figure]:
    c = case_counts(user=user, period=period)
    base = reverse("cases:list")
    townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code"))
    months = _months(period)
    return [
        Figure(key="cases-category", title=_("按问题类别"), category_label=_("类别"), kind="pie",
               categories=[label for _v, label in choices.Category.choices],
               links=[f"{base}?category={v}" for v, _label in choices.Category.choices],
               series=[{"name": _("件数"), "data": [c["category"].get(v, 0) for v, _l in choices.Category.choices]}]),
        Figure(key="cases-township", title=_("按乡镇"), category_label=_("乡镇"), kind="bar",
               categories=[t.name for t in townships], links=[f"{base}?township={t.pk}" for t in townships],
               series=[{"name": _("件数"), "data": [c["township"].get(t.pk, 0) for t in townships]}]),
        Figure(key="cases-four-forms", title=_("“四种形态”"), category_label=_("形态"), kind="pie",
               categories=[label for _v, label in choices.FourForms.choices],
               links=[f"{base}?four_forms={v}" for v, _label in choices.FourForms.choices],
               series=[{"name": _("件数"),
                        "data": [c["four_forms"].get(v, 0) for v, _l in choices.FourForms.choices]}]),
        Figure(key="cases-month", title=_("按受理月份"), category_label=_("月份"), kind="line", categories=months,
               series=[{"name": _("受理件数"), "data": [c["month"].get(m, 0) for m in months]}]),
    ]


register(StatsSection(key="cases", label=_("案件统计"), roles=CASE_VIEW_ROLES, build=build, order=40))


# --- dashboard (only for those who may see case files) -------------------------------------------------

def traffic(user, today) -> dict[int, dict[str, int]]:
    from django.db.models import Q

    from supervision import workdays

    from .conf import limit

    window = workdays.add_working_days(today, limit("REMIND_WORKING_DAYS")).date
    red = Q(overdue=True)
    found = {}
    qs = access.visible(user, Case).filter(state__in=choices.TIMED_STATES, due_date__isnull=False)
    for row in qs.values("township_id").annotate(
            red=Count("pk", filter=red), amber=Count("pk", filter=~red & Q(due_date__lte=window)),
            green=Count("pk", filter=~red & Q(due_date__gt=window))).order_by():
        found[row["township_id"]] = {k: row[k] for k in ("red", "amber", "green")}
    return found


def traffic_link(township_id: int, light: str) -> str:
    url = f"{reverse('cases:list')}?township={township_id}"
    return url + "&overdue=1" if light == "red" else url


def trend(user, start, end):
    received = dict(access.visible(user, Case).filter(received_on__gte=start, received_on__lte=end)
                    .values_list("received_on").annotate(n=Count("pk")).order_by())
    return [(_("受理问题线索"), received)]


register_traffic(TrafficSource(key="cases", label=_("线索与案件"), roles=CASE_VIEW_ROLES, counts=traffic,
                               link=traffic_link, trend=trend, order=40))
