"""Searchable selects for choice lists that grow (townships, villages, people).

- ``GET /autocomplete/<kind>/?q=…&page=N`` → ``{"results": [{"id", "text"}], "more": bool}``, at
  most ``PAGE`` a time, scoped by ``supervision.access``: a county-wide user finds every township,
  village and person; a township user only their township's (villages under it, people of it).
- ``AutocompleteSelect(kind)``: a ``Select`` widget; beyond ``SMALL`` choices it renders only the
  empty choice and the selected option (not thousands of ``<option>``s) and marks itself for
  ``static/supervision/autocomplete.js``, which adds the search box and loads matches on demand.
  The field keeps its full queryset, so a submitted id is validated as before (one query).
- Filters narrow a kind to the people that fit a field: ``?filter=<name>`` (plus the filter's own
  parameters, e.g. ``&township=<id>``), registered by a workflow with
  ``register_filter("person", "first_secretary", fn)`` where ``fn(qs, params) -> qs``; the widget
  takes them as ``AutocompleteSelect("person", filter="first_secretary", params={...})``. An
  unknown filter name answers 404.
"""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import access
from .paging import order_keeps_rows

PAGE = 20


def _scope(user) -> tuple[bool, set[int]]:
    county_wide = any(g.region_id is None for g in access.grants(user))
    return county_wide, access.township_ids(user)


def _townships(user, q):
    from .models import Region

    qs = Region.objects.filter(level=Region.Level.TOWNSHIP)
    county_wide, mine = _scope(user)
    if not county_wide:
        qs = qs.filter(pk__in=mine)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(pinyin__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code"), lambda r: r.name


def _villages(user, q):
    from .models import Region

    qs = Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent")
    county_wide, mine = _scope(user)
    if not county_wide:
        qs = qs.filter(parent_id__in=mine)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(parent__name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code"), lambda r: f"{r.parent.name if r.parent_id else ''} {r.name}".strip()


def _people(user, q):
    from .models import Person

    qs = Person.objects.select_related("unit")
    county_wide, mine = _scope(user)
    if not county_wide:
        qs = qs.filter(Q(region_id__in=mine) | Q(region__parent_id__in=mine))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(unit__name__icontains=q))
    return qs.order_by("name", "pk"), lambda p: f"{p.name}（{p.unit.name}）" if p.unit_id else p.name


KINDS = {"township": _townships, "village": _villages, "person": _people}
# kind → {filter name → fn(queryset, params: QueryDict | dict) → queryset}
FILTERS: dict[str, dict[str, Callable]] = {kind: {} for kind in KINDS}


def register_filter(kind: str, name: str, fn: Callable) -> None:
    """A named narrowing of ``kind`` (``?filter=<name>``), e.g. the people fit to be a
    rectification's first secretary. Registered once, from a workflow's ``ready()``."""
    FILTERS[kind][name] = fn


def apply_filter(kind: str, name: str, qs, params):
    if not name:
        return qs
    fn = FILTERS[kind].get(name)
    if fn is None:
        raise Http404
    return fn(qs, params)


@login_required
def autocomplete(request, kind: str):
    finder = KINDS.get(kind)
    if finder is None or not access.grants(request.user):
        raise Http404
    q = (request.GET.get("q") or "").strip()[:50]
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    qs, label = finder(request.user, q)
    qs = apply_filter(kind, (request.GET.get("filter") or "").strip(), qs, request.GET)
    found = list(qs[(page - 1) * PAGE: page * PAGE + 1])
    return JsonResponse({"results": [{"id": o.pk, "text": label(o)} for o in found[:PAGE]],
                         "more": len(found) > PAGE})


class AutocompleteSelect(forms.Select):
    """A select of a list that can grow: up to ``SMALL`` choices it is a plain select; beyond, only
    the chosen option is rendered and the rest load on demand as you type. Either way one query
    of keys decides, then one loads what is shown (never more than ``SMALL`` records)."""

    SMALL = 200

    def __init__(self, kind: str, attrs=None, *, filter: str = "", params: dict | None = None):
        if kind not in KINDS:
            raise ValueError(kind)
        super().__init__(attrs)
        self.kind = kind
        self.filter = filter
        self.params = dict(params or {})

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.params = dict(self.params)
        return obj

    def url(self) -> str:
        url = reverse("autocomplete", args=[self.kind])
        query = {**({"filter": self.filter} if self.filter else {}), **self.params}
        return f"{url}?{urlencode(query)}" if query else url

    def get_context(self, name, value, attrs):
        self._on_demand = False
        context = super().get_context(name, value, attrs)  # runs optgroups, which decides
        if self._on_demand:
            context["widget"]["attrs"]["data-autocomplete"] = self.url()
            context["widget"]["attrs"].setdefault("data-placeholder", str(_("输入名称搜索")))
        return context

    def optgroups(self, name, value, attrs=None):
        field = getattr(self.choices, "field", None)
        if field is None:  # plain choices: nothing to hold back
            return super().optgroups(name, value, attrs)
        chosen = {str(v) for v in value if v not in (None, "")}
        # the keys first: beyond SMALL (a province's townships) no record is loaded but the chosen
        keys = field.queryset
        if order_keeps_rows(keys.query):  # how many there are, not which come first: read unsorted
            keys = keys.order_by()
        self._on_demand = len(keys.values_list("pk", flat=True)[: self.SMALL + 1]) > self.SMALL
        if self._on_demand:
            try:
                objs = list(field.queryset.filter(pk__in=chosen)) if chosen else []
            except (ValueError, TypeError):
                objs = []
        else:
            objs = list(field.queryset[: self.SMALL])
        options = []
        if not self.allow_multiple_selected and field.empty_label is not None:
            options.append(self.create_option(name, "", field.empty_label, not chosen, 0, attrs=attrs))
        for i, obj in enumerate(objs, 1):
            key = str(field.prepare_value(obj))
            options.append(self.create_option(name, key, field.label_from_instance(obj), key in chosen, i,
                                              attrs=attrs))
        return [(None, options, 0)]
