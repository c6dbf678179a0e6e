"""The targets registers' filters: one FilterSet per register (built from its description in
``registers.py``), shared by the register page, its export and the API (``filterset_class``) —
the three filter alike — and the kernel ``Register`` (sortable columns, one pager) for each."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from supervision import registers as kernel

from . import registers


def _concrete(model) -> dict:
    return {f.name: f for f in model._meta.concrete_fields}


def filterset_for(reg: registers.Register) -> type[kernel.RecordFilterSet]:
    """township (``?township=<id>``), village, state, year (registers with a year) and ``q``."""
    fields = _concrete(reg.model)
    attrs = {
        "search_fields": tuple(reg.search),
        "search_lookup": "icontains",
        "township": django_filters.NumberFilter(label=_("乡镇"), field_name=f"{reg.township_lookup}_id"
                                                if reg.place == "township" else reg.township_lookup),
        "state": django_filters.ChoiceFilter(label=_("状态"), choices=fields["state"].choices,
                                             empty_label=_("全部状态")),
    }
    names = ["q", "township", "state"]
    if "village" in fields:
        attrs["village"] = django_filters.NumberFilter(label=_("村"), field_name="village_id")
        names.append("village")
    if reg.year_lookup:
        # Bounded: a year lookup on a date field cannot take a year outside 1..9999 (a 400, not a 500).
        attrs["year"] = django_filters.NumberFilter(label=_("年度"), field_name=reg.year_lookup,
                                                    min_value=1900, max_value=2999)
        names.append("year")
    attrs["Meta"] = type("Meta", (), {"model": reg.model, "fields": names})
    return type(f"{reg.model.__name__}Filter", (kernel.RecordFilterSet,), attrs)


def sort_key(reg: registers.Register, column: registers.Column) -> str:
    """The ``?sort=`` key of a register column ("" when it does not sort)."""
    fields = _concrete(reg.model)
    if column.kind == "township":
        return "township"
    if column.field in fields:
        return column.field
    return ""


def _sorts(reg: registers.Register) -> dict[str, str]:
    fields = _concrete(reg.model)
    sorts = {"state": "state", "updated_at": "updated_at"}
    for column in reg.columns:
        key = sort_key(reg, column)
        if key == "township":
            sorts[key] = f"{reg.township_lookup}__code"
        elif key:
            sorts[key] = f"{key}__code" if fields[key].is_relation and key in ("village", "township") else key
    return sorts


FILTERSETS = {reg.key: filterset_for(reg) for reg in registers.REGISTERS}
REGISTERS = {reg.key: kernel.Register(filterset_class=FILTERSETS[reg.key], sorts=_sorts(reg))
             for reg in registers.REGISTERS}
