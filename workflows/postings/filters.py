"""The postings and assessment registers' filters: one FilterSet each for the page, the API
(``filterset_class``) and the export (``supervision.registers``)."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from supervision.registers import RecordFilterSet, Register

from .choices import Grade, PostingRole
from .models import Assessment, Posting


class PostingFilter(RecordFilterSet):
    search_fields = ("person__name", "village__name")

    township = django_filters.NumberFilter(label=_("乡镇"), field_name="village__parent_id")
    unit = django_filters.NumberFilter(label=_("派出单位"), field_name="dispatching_unit_id")
    dispatching_unit = django_filters.NumberFilter(label=_("派出单位"), field_name="dispatching_unit_id")
    village = django_filters.NumberFilter(label=_("村/社区"), field_name="village_id")
    state = django_filters.ChoiceFilter(label=_("状态"), choices=Posting.State.choices)
    role = django_filters.ChoiceFilter(label=_("身份"), choices=PostingRole.choices)

    class Meta:
        model = Posting
        fields = ["township", "unit", "dispatching_unit", "village", "state", "role", "q"]


class AssessmentFilter(RecordFilterSet):
    search_fields = ("person__name", "posting__village__name")

    year = django_filters.NumberFilter(label=_("考核年度"))
    township = django_filters.NumberFilter(label=_("乡镇"), field_name="township_id")
    state = django_filters.ChoiceFilter(label=_("状态"), choices=Assessment.State.choices)
    final_grade = django_filters.ChoiceFilter(label=_("考核等次"), choices=Grade.choices)

    class Meta:
        model = Assessment
        fields = ["year", "township", "state", "final_grade", "q"]


POSTINGS = Register(
    filterset_class=PostingFilter,
    sorts={"township": "village__parent__code", "village": "village__code", "name": "person__name",
           "start": "start_date", "end": "end_date", "state": "state"},
)

ASSESSMENTS = Register(
    filterset_class=AssessmentFilter,
    sorts={"township": "township__code", "village": "posting__village__code", "name": "person__name",
           "state": "state", "grade": "final_grade"},
)
