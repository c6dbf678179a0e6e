"""The rectification register's filters: one FilterSet for the page, the API and the export."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from supervision.registers import RecordFilterSet, Register

from .models import Rectification, State
from .selectors import overdue_filter


class RectificationFilter(RecordFilterSet):
    search_fields = ("village__name", "problem")

    state = django_filters.ChoiceFilter(label=_("状态"), choices=State.choices)
    township = django_filters.NumberFilter(label=_("乡镇"), field_name="village__parent_id")
    year = django_filters.NumberFilter(label=_("年度"))
    village = django_filters.NumberFilter(label=_("村"), field_name="village_id")
    overdue = django_filters.BooleanFilter(label=_("仅逾期"), method="only_overdue")

    class Meta:
        model = Rectification
        fields = ["state", "township", "year", "village", "q", "overdue"]

    def only_overdue(self, queryset, name, value):
        return overdue_filter(queryset) if value else queryset


RECTIFICATIONS = Register(
    filterset_class=RectificationFilter,
    sorts={"village": "village__code", "year": "year", "state": "state", "due_date": "due_date",
           "last_progress": "last_progress"},
)
