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
from .models import Case

COUNTY = "county"


def routed_clues(user):
    return (access.visible(user, Case).filter(routed_at__isnull=False)
            .select_related("township", "handling_township", "routed_by", "handler"))


def _on(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "on", "yes")


class RoutingFilter(RecordFilterSet):
    search_fields = ("number", "description")

    unit = django_filters.CharFilter(label=gettext_lazy("承办单位"), method="by_unit")
    category = django_filters.ChoiceFilter(label=gettext_lazy("问题类别"), choices=choices.Category.choices)
    year = django_filters.NumberFilter(label=gettext_lazy("分办年度"), field_name="routed_at__year")
    overdue = django_filters.CharFilter(label=gettext_lazy("仅逾期"), method="only_overdue")
    waiting = django_filters.CharFilter(label=gettext_lazy("仅待提出处置意见"), method="only_waiting")

    class Meta:
        model = Case
        fields = ["unit", "category", "year", "overdue", "waiting", "q"]

    def by_unit(self, queryset, name, value):
        value = (value or "").strip()
        if value == COUNTY:
            return queryset.filter(handling_township__isnull=True)
        if value.isdigit() and len(value) < 10:
            return queryset.filter(handling_township_id=int(value))
        return queryset

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


def unit_label(case) -> str:
    return case.handling_unit_label


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
    return render(request, "cases/routing.html", {
        **register, "rows": rows, "f": request.GET, "county": COUNTY,
        "units": Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code"),
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
