"""The notices registers' filters: one FilterSet per record type, shared by the register page, its
export and the API (``filterset_class``) — the three filter alike."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from supervision.autocomplete import AutocompleteSelect
from supervision.models import Region
from supervision.registers import RecordFilterSet, Register
from supervision.widgets import DateInput

from . import clock, conf
from .choices import OPEN_STATES, AssignmentState, NoticeState, Urgency
from .models import Notice, NoticeAssignment


class CheckFilter(django_filters.BooleanFilter):
    """A checkbox (``overdue=on``, ``=true`` or ``=1``); unticked filters nothing."""

    field_class = forms.BooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxInput)
        super().__init__(*args, **kwargs)


def _townships(request):
    return Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code")


class AssignmentFilter(RecordFilterSet):
    """The 台账: one row per notice × township. A township user filtering by another township
    finds nothing (their scope), never an error; on the page an invalid value matches nothing."""

    search_fields = ("notice__number", "notice__title")

    township = django_filters.ModelChoiceFilter(label=_("乡镇"), queryset=_townships, empty_label=_("全部"),
                                                widget=AutocompleteSelect("township"))
    state = django_filters.ChoiceFilter(label=_("状态"), choices=AssignmentState.choices, empty_label=_("全部"))
    urgency = django_filters.ChoiceFilter(label=_("紧急程度"), field_name="notice__urgency", choices=Urgency.choices,
                                          empty_label=_("全部"))
    overdue = CheckFilter(label=_("仅看逾期"), method="only_overdue")
    issued_from = django_filters.DateFilter(label=_("下发日期自"), field_name="notice__issued_on", lookup_expr="gte",
                                            widget=DateInput)
    issued_to = django_filters.DateFilter(label=_("至"), field_name="notice__issued_on", lookup_expr="lte",
                                          widget=DateInput)
    notice = django_filters.NumberFilter(label=_("通知"), field_name="notice_id", widget=forms.HiddenInput)

    class Meta:
        model = NoticeAssignment
        fields = ["q", "township", "state", "urgency", "overdue", "issued_from", "issued_to", "notice"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].label = _("搜索")
        self.form.fields["q"].widget = forms.TextInput(attrs={"type": "search", "placeholder": _("文号或标题")})

    def only_overdue(self, queryset, name, value):
        if not value:  # unticked
            return queryset
        return queryset.filter(Q(state="overdue") | Q(state__in=OPEN_STATES, due_date__lt=clock.today()))

    @property
    def qs(self):
        if self.is_bound and not self.form.is_valid():
            return self.queryset.none()
        return super().qs


class NoticeFilter(RecordFilterSet):
    """``/api/v1/notices/``: a notice by its state, urgency, or a township it was assigned to."""

    search_fields = ("number", "title")

    state = django_filters.ChoiceFilter(label=_("状态"), choices=NoticeState.choices)
    urgency = django_filters.ChoiceFilter(label=_("紧急程度"), choices=Urgency.choices)
    township = django_filters.NumberFilter(label=_("乡镇"), field_name="assignments__township", distinct=True)

    class Meta:
        model = Notice
        fields = ["q", "state", "urgency", "township"]


# The register page and its export (the API sets ``filterset_class = AssignmentFilter``).
ASSIGNMENTS = Register(
    filterset_class=AssignmentFilter,
    sorts={"township": "township__code", "issued_on": "notice__issued_on",
           "due_date": "due_date", "state": "state"},
    page_size=lambda: conf.get("REGISTER_PAGE_SIZE"),
)

