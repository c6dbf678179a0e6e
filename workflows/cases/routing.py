"""分办台账: the register of routed clues (issue 15 item 2) — one FilterSet for the page and the
XLSX export, so both list the same clues for the same query. Scope is the kernel's: a township
committee sees the clues routed to it, the county commission sees all."""
from __future__ import annotations

import django_filters
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision import access, registry
from supervision.audit.readlog import log_reads
from supervision.exports import xlsx_response
from supervision.models import Region
from supervision.registers import RecordFilterSet, Register

from . import choices
from .filters import _on
from .models import Case

COUNTY = "county"


def routed_clues(user):
    return (access.visible(user, Case).filter(routed_at__isnull=False)
            .select_related("township", "handling_township", "routed_by", "handler"))


class RoutingFilter(RecordFilterSet):
    search_fields = ("number", "description")

    unit = django_filters.CharFilter(label=gettext_lazy("承办单位"), method="by_unit")
    county = django_filters.CharFilter(label=gettext_lazy("仅县纪委监委承办"), method="only_county")
    category = django_filters.ChoiceFilter(label=gettext_lazy("问题类别"), choices=choices.Category.choices)
    year = django_filters.NumberFilter(label=gettext_lazy("分办年度"), field_name="routed_at__year")
    overdue = django_filters.CharFilter(label=gettext_lazy("仅逾期"), method="only_overdue")
    waiting = django_filters.CharFilter(label=gettext_lazy("仅待提出处置意见"), method="only_waiting")

    class Meta:
        model = Case
        fields = ["unit", "county", "category", "year", "overdue", "waiting", "q"]

    def by_unit(self, queryset, name, value):
        value = (value or "").strip()
        if value == COUNTY:
            return queryset.filter(handling_township__isnull=True)
        if value.isdigit() and len(value) < 10:
            return queryset.filter(handling_township_id=int(value))
        return queryset

    def only_county(self, queryset, name, value):
        return queryset.filter(handling_township__isnull=True) if _on(value) else queryset

    def only_overdue(self, queryset, name, value):
        """Past the routing limit: still no disposition after it, or one proposed late."""
        if not _on(value):
            return queryset
        return queryset.filter(Q(route_disposed_at__isnull=True, route_due_on__lt=timezone.localdate())
                               | Q(route_disposed_at__date__gt=F("route_due_on")))

    def only_waiting(self, queryset, name, value):
        return queryset.filter(route_disposed_at__isnull=True, state="received") if _on(value) else queryset


ROUTING = Register(filterset_class=RoutingFilter,
                   sorts={"routed_at": "routed_at", "due_date": "due_date", "received_on": "received_on"},
                   default_sort="-routed_at")


def _status(case) -> str:
    if case.route_disposed_at is not None:
        return _("逾期后提出处置意见") if case.route_late else _("按期提出处置意见")
    if case.route_late:
        return _("逾期未提出处置意见")
    return _("待提出处置意见")


@login_required
def routing_register(request):
    if not access.can_anywhere(request.user, registry.for_model(Case), "view"):
        raise Http404(_("页面不存在。"))
    register = ROUTING.page(request, routed_clues(request.user))
    log_reads(request.user, register["page"], via="ui", request=request)
    rows = [(c, _status(c)) for c in register["page"]]
    # The committees are a searchable select in the page (1,000 at province scale); 县纪委监委 a checkbox.
    return render(request, "cases/routing.html", {
        **register, "rows": rows, "f": request.GET, "county": COUNTY,
        "categories": choices.Category.choices,
    })


EXPORT_COLUMNS = [
    ("number", gettext_lazy("编号")), ("received_on", gettext_lazy("受理日期")),
    ("category", gettext_lazy("问题类别")), ("township", gettext_lazy("所属乡镇")),
    ("unit", gettext_lazy("承办单位")), ("routed_at", gettext_lazy("分办时间")),
    ("routed_by", gettext_lazy("分办人")), ("due", gettext_lazy("处置期限")),
    ("disposed", gettext_lazy("提出处置意见时间")), ("status", gettext_lazy("办理情况")),
    ("state", gettext_lazy("状态")),
]


def _local_minute(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
def routing_export(request):
    if not access.can_anywhere(request.user, registry.for_model(Case), "view"):
        raise Http404(_("页面不存在。"))
    cases = list(ROUTING.rows(request, routed_clues(request.user)))
    category, state = dict(choices.Category.choices), dict(choices.State.choices)
    rows = [[c.number, c.received_on, str(category.get(c.category, c.category)),
             c.township.name if c.township_id else "", c.handling_unit_label, _local_minute(c.routed_at),
             c.routed_by.display_name() if c.routed_by_id else "",
             c.route_due_on,
             _local_minute(c.route_disposed_at), _status(c), str(state.get(c.state, c.state))] for c in cases]
    log_reads(request.user, cases, via="export", request=request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(_("分办台账-%(stamp)s.xlsx") % {"stamp": stamp},
                         [str(label) for _key, label in EXPORT_COLUMNS], rows)


# --- the quarterly report (督办通报) ----------------------------------------------------------

def quarter_bounds(year: int, quarter: int):
    import datetime as dt

    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, end


def quarterly_report(*, user, year: int, quarter: int) -> dict:
    """Routed clues of one quarter (by routing date) per receiving unit: received, disposed within
    the limit, overdue (late or still missing past the limit), taken up, by category and by the
    four forms (a clue closed unfiled once, a filed case once per subject). The unit of a case
    taken up is the committee it was routed to. A fixed number of queries."""
    import datetime as dt

    from django.db.models import Count
    from django.db.models.functions import Coalesce

    from .models import SubjectMatter

    start, end = quarter_bounds(year, quarter)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    qs = (access.visible(user, Case).filter(routed_at__gte=since, routed_at__lt=until)
          .annotate(unit_id=Coalesce("taken_up_from_id", "handling_township_id")))
    today = timezone.localdate()
    units: dict = {}

    def row(unit_id):
        return units.setdefault(unit_id, {"received": 0, "in_time": 0, "overdue": 0, "taken_up": 0,
                                          "category": {}, "four_forms": {}})

    for c in qs.only("pk", "category", "route_due_on", "route_disposed_at", "taken_up_at",
                     "taken_up_from", "handling_township", "four_forms", "filed_on"):
        r = row(c.unit_id)
        r["received"] += 1
        r["category"][c.category] = r["category"].get(c.category, 0) + 1
        late = c.route_due_on is not None and (
            (c.route_disposed_at is not None and timezone.localdate(c.route_disposed_at) > c.route_due_on)
            or (c.route_disposed_at is None and today > c.route_due_on))
        if c.route_disposed_at is not None and not late:
            r["in_time"] += 1
        if late:
            r["overdue"] += 1
        if c.taken_up_at is not None:
            r["taken_up"] += 1
        if c.filed_on is None and c.four_forms:
            r["four_forms"][c.four_forms] = r["four_forms"].get(c.four_forms, 0) + 1
    for unit_id, form, n in (SubjectMatter.objects.filter(case__in=qs.values("pk")).exclude(four_forms="")
                             .annotate(unit_id=Coalesce("case__taken_up_from_id", "case__handling_township_id"))
                             .values_list("unit_id", "four_forms").annotate(n=Count("pk")).order_by()):
        r = row(unit_id)
        r["four_forms"][form] = r["four_forms"].get(form, 0) + n
    names = dict(Region.objects.filter(pk__in=[u for u in units if u]).values_list("pk", "name"))
    order = {pk: code for pk, code in Region.objects.filter(pk__in=list(names)).values_list("pk", "code")}
    rows = []
    for unit_id in sorted(units, key=lambda u: ("" if u is None else order.get(u, ""))):
        label = _("县纪委监委") if unit_id is None else _("%(township)s纪委") % {"township": names[unit_id]}
        rows.append({"unit_id": unit_id, "unit": label, **units[unit_id]})
    total = {"received": sum(r["received"] for r in rows), "in_time": sum(r["in_time"] for r in rows),
             "overdue": sum(r["overdue"] for r in rows), "taken_up": sum(r["taken_up"] for r in rows)}
    return {"year": year, "quarter": quarter, "start": start, "end": end - dt.timedelta(days=1), "rows": rows,
            "total": total, "categories": choices.Category.choices, "forms": choices.FourForms.choices}


def _quarter_from(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        quarter = int(request.GET.get("quarter") or (today.month - 1) // 3 + 1)
    except (TypeError, ValueError):
        year, quarter = today.year, (today.month - 1) // 3 + 1
    if not (2000 <= year <= 2100) or quarter not in (1, 2, 3, 4):
        year, quarter = today.year, (today.month - 1) // 3 + 1
    return year, quarter


@login_required
def routing_report(request):
    if not access.can_anywhere(request.user, registry.for_model(Case), "view"):
        raise Http404(_("页面不存在。"))
    year, quarter = _quarter_from(request)
    report = quarterly_report(user=request.user, year=year, quarter=quarter)
    for r in report["rows"]:
        r["category_cells"] = [r["category"].get(v, 0) for v, _l in report["categories"]]
        r["form_cells"] = [r["four_forms"].get(v, 0) for v, _l in report["forms"]]
    return render(request, "cases/routing_report.html", {**report, "quarters": [1, 2, 3, 4]})


@login_required
def routing_report_export(request):
    if not access.can_anywhere(request.user, registry.for_model(Case), "view"):
        raise Http404(_("页面不存在。"))
    year, quarter = _quarter_from(request)
    report = quarterly_report(user=request.user, year=year, quarter=quarter)
    headers = [str(_("承办单位")), str(_("分办线索")), str(_("按期提出处置意见")), str(_("逾期")),
               str(_("提级办理")), *[str(label) for _v, label in report["categories"]],
               *[str(label) for _v, label in report["forms"]]]
    rows = [[r["unit"], r["received"], r["in_time"], r["overdue"], r["taken_up"],
             *[r["category"].get(v, 0) for v, _l in report["categories"]],
             *[r["four_forms"].get(v, 0) for v, _l in report["forms"]]] for r in report["rows"]]
    rows.append([str(_("合计")), report["total"]["received"], report["total"]["in_time"],
                 report["total"]["overdue"], report["total"]["taken_up"]])
    return xlsx_response(_("分办线索督办通报-%(year)d年第%(quarter)d季度.xlsx") % {"year": year, "quarter": quarter},
                         headers, rows)
