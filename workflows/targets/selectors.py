"""Read side: register rows visible to a user (always through ``supervision.access.visible``)."""

from __future__ import annotations

from django.db.models import Q

from supervision import access

from . import registers

FILTER_KEYS = ("township", "village", "state", "year", "q")


def clean_filters(params) -> dict:
    f = {k: (params.get(k) or "").strip() for k in FILTER_KEYS}
    for k in ("township", "village", "year"):
        if f[k] and not f[k].isdigit():
            f[k] = ""
    return f


def register_rows(*, user, reg: registers.Register, filters=None):
    qs = access.visible(user, reg.model).select_related(*reg.related)
    f = clean_filters(filters or {})
    if f["township"]:
        qs = qs.filter(**{reg.township_lookup: int(f["township"])})
    if f["village"] and "village" in {fl.name for fl in reg.model._meta.fields}:
        qs = qs.filter(village_id=int(f["village"]))
    if f["state"]:
        qs = qs.filter(state=f["state"])
    if f["year"] and reg.year_lookup:
        qs = qs.filter(**{reg.year_lookup: int(f["year"])})
    if f["q"] and reg.search:
        cond = Q()
        for name in reg.search:
            cond |= Q(**{f"{name}__icontains": f["q"]})
        qs = qs.filter(cond)
    return qs
