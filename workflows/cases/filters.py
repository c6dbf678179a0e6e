"""The cases register's filters: one FilterSet for the page, the API (``filterset_class``) and
the XLSX export, so the three list the same cases for the same query."""
from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from supervision import deadlines
from supervision.registers import RecordFilterSet, Register

from . import choices
from .models import Case


def _on(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "on", "yes")


class CaseFilter(RecordFilterSet):
    search_fields = ("description", "number")

    state = django_filters.ChoiceFilter(label=_("状态"), choices=choices.State.choices)
    category = django_filters.ChoiceFilter(label=_("问题类别"), choices=choices.Category.choices)
    source = django_filters.ChoiceFilter(label=_("线索来源"), choices=choices.Source.choices)
    township = django_filters.NumberFilter(label=_("乡镇"), field_name="township_id")
    four_forms = django_filters.ChoiceFilter(label=_("“四种形态”"), choices=choices.FourForms.choices,
                                             method="by_four_forms")
    year = django_filters.NumberFilter(label=_("年度"), field_name="number_year")
    # Flags: "1" / "true" / "on" (links and checkboxes alike) turn them on.
    overdue = django_filters.CharFilter(label=_("仅逾期"), method="only_true")
    escalated = django_filters.CharFilter(label=_("仅提级办理"), method="only_true")
    pending = django_filters.CharFilter(label=_("仅待审批"), method="only_pending")
    light = deadlines.light_filter()

    class Meta:
        model = Case
        fields = ["state", "category", "source", "township", "four_forms", "year", "overdue", "escalated",
                  "pending", "q"]

    def search(self, queryset, name, value):
        """Description, number, a subject's name, or the record id."""
        value = (value or "").strip()[:50]
        if not value:
            return queryset
        cond = Q(description__contains=value) | Q(number__contains=value) | Q(subjects__name__contains=value)
        if value.isdigit():
            cond |= Q(pk=int(value))
        return queryset.filter(pk__in=Case.objects.filter(cond).values("pk"))

    def by_four_forms(self, queryset, name, value):
        """The clue's own tag, or any of its subjects'."""
        if not value:
            return queryset
        return queryset.filter(Q(four_forms=value) | Q(pk__in=Case.objects.filter(
            matters__four_forms=value).values("pk")))

    def only_true(self, queryset, name, value):
        return queryset.filter(**{name: True}) if _on(value) else queryset

    def only_pending(self, queryset, name, value):
        if not _on(value):
            return queryset
        return queryset.filter(Q(pk__in=Case.objects.exclude(pending_kind="").values("pk"))
                               | Q(pk__in=Case.objects.filter(matters__pending_kind__gt="").values("pk")))


CASES = Register(
    filterset_class=CaseFilter,
    sorts={"received_on": "received_on", "state": "state", "due_date": "due_date",
           "amount": "amount"},
    default_sort="-received_on",
)
