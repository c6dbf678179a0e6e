"""人员标记台账: the register of people marks (``PersonMark``) by year, for the organisation
department (and county leaders, auditors): filters (year, kind, township, keyword), pages,
sorting and CSV/XLSX export — the kernel's ``Register`` and ``exports``."""
from __future__ import annotations

import django_filters
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, clock
from .exports import csv_response, xlsx_response
from .models import Person, PersonMark, Region
from .registers import RecordFilterSet, Register

MARK_ROLES = ("organization", "leader", "auditor")


class PersonMarkFilter(RecordFilterSet):
    search_fields = ("person__name", "person__unit__name", "reason")

    year = django_filters.NumberFilter(label=gettext_lazy("年度"), method="in_year")
    kind = django_filters.ChoiceFilter(label=gettext_lazy("类型"), choices=PersonMark.Kind.choices)
    township = django_filters.NumberFilter(label=gettext_lazy("乡镇"), method="of_township")

    class Meta:
        model = PersonMark
        fields = ["year", "kind", "township", "q"]

    def in_year(self, queryset, name, value):
        return queryset.filter(year_from__lte=value, year_to__gte=value)

    def of_township(self, queryset, name, value):
        return queryset.filter(Q(person__region_id=value) | Q(person__region__parent_id=value)
                               | Q(person__unit__region_id=value))


MARKS = Register(filterset_class=PersonMarkFilter,
                 sorts={"person": "person__name", "year": "year_from", "kind": "kind", "created": "created_at"},
                 default_sort="-year")


def marks_visible_to(user):
    """Every mark for the county-wide roles that may read them; nothing for anyone else (404)."""
    county_wide, _towns = access.scope(user, set(MARK_ROLES))
    if not county_wide:
        raise Http404(_("记录不存在或无权查看。"))
    return PersonMark.objects.select_related("person__unit", "person__region")


def _sources(marks) -> None:
    """Attach ``source_obj`` (the record that caused the mark), one query per source type."""
    wanted: dict[str, set[str]] = {}
    for m in marks:
        if m.source_type and m.source_id:
            wanted.setdefault(m.source_type, set()).add(m.source_id)
    found = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        for obj in model._default_manager.filter(pk__in=ids):
            found[(label, str(obj.pk))] = obj
    for m in marks:
        m.source_obj = found.get((m.source_type, m.source_id))


@login_required
def marks_register(request):
    qs = marks_visible_to(request.user)
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        headers = [_("姓名"), _("单位"), _("职务"), _("类型"), _("起始年度"), _("截止年度"), _("原因"), _("记录时间")]
        rows = ([m.person.name, m.person.unit.name if m.person.unit_id else "", m.person.post, m.get_kind_display(),
                 m.year_from, m.year_to, m.reason, m.created_at] for m in MARKS.rows(request, qs).iterator())
        name = f"person-marks-{clock.today().isoformat()}.{fmt}"
        return (csv_response if fmt == "csv" else xlsx_response)(name, headers, rows)
    register = MARKS.page(request, qs)
    marks = list(register["page"].object_list)
    _sources(marks)
    return render(request, "supervision/marks.html", {
        **register, "marks": marks, "kinds": PersonMark.Kind.choices,
        "townships": Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code"),
        "f": {k: request.GET.get(k, "").strip() for k in ("year", "kind", "township", "q")},
    })


@login_required
def person_marks(request, pk: int):
    """One person's marks (the people page of the marks register)."""
    qs = marks_visible_to(request.user)
    person = Person.objects.select_related("unit").filter(pk=pk).first()
    if person is None:
        raise Http404(_("记录不存在或无权查看。"))
    marks = list(qs.filter(person=person).order_by("-year_from", "-pk"))
    _sources(marks)
    return render(request, "supervision/person_marks.html", {"person": person, "marks": marks})
