"""The generic register (台账): one django-filter ``FilterSet`` per record type, shared by the page,
the API (``filterset_class``) and the export; sortable columns; one paginator; one export writer
(``supervision.exports``).

A workflow declares a ``Register``::

    RECTIFICATIONS = Register(filterset_class=RectificationFilter, sorts={"year": "year", ...},
                              default_sort="-year", page_size=50)

and its views call ``RECTIFICATIONS.page(request, queryset)`` (→ filterset, page, sort and the
query string for pager/export links) and ``RECTIFICATIONS.rows(request, queryset)`` for the export.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy

from .paging import Paginator
from .validation import MAX_ID
from .widgets import BLANK_LABEL


class RecordFilterSet(django_filters.FilterSet):
    """Base of every register's filters: a keyword search over ``search_fields``."""

    search_fields: tuple[str, ...] = ()
    search_lookup = "contains"  # or "icontains"
    q = django_filters.CharFilter(label=gettext_lazy("关键词"), method="search")

    def search(self, queryset, name, value):
        value = (value or "").strip()[:50]
        if not value or not self.search_fields:
            return queryset
        cond = Q()
        for f in self.search_fields:
            cond |= Q(**{f"{f}__{self.search_lookup}": value})
        return queryset.filter(cond)

    def filter_queryset(self, queryset):
        # A number beyond the database's integer range filters nothing on a page (the API refuses
        # it with a 400 first): SQLite would raise OverflowError.
        for name, value in list(self.form.cleaned_data.items()):
            if isinstance(value, int | Decimal) and not isinstance(value, bool) and abs(value) > MAX_ID:
                self.form.cleaned_data[name] = None
        return super().filter_queryset(queryset)

    def __init__(self, *args, **kwargs):
        cls = type(self)
        if type(cls.__dict__.get("base_filters")) is not _Filters:
            cls.base_filters = _Filters(cls.base_filters)
        super().__init__(*args, **kwargs)
        for f in self.form.fields.values():  # every select's blank choice in Chinese
            if hasattr(f, "empty_label") and f.empty_label in ("---------", "- Select an option -"):
                f.empty_label = BLANK_LABEL


class _Filters(dict):
    """A FilterSet class's filters. django-filter deep-copies them for every instance (every page
    and API list): each label, widget, choice list and queryset callable, hundreds of objects a
    request. A filter's own state is what its instance sets on it (``model``, ``parent``, the
    field it builds and caches, a ``method`` bound to it), so a shallow copy of each, without a
    built field and with ``method`` bound again, is as separate; the field it builds deep-copies
    its widget (``forms.Field``) as before."""

    def __deepcopy__(self, memo):
        return {name: _copy_filter(f) for name, f in self.items()}


def _copy_filter(f):
    clone = copy.copy(f)
    clone.__dict__.pop("_field", None)  # built per instance, from the instance's request
    clone.__dict__.pop("parent", None)
    clone.extra = dict(f.extra)
    if getattr(f, "_method", None) is not None:
        clone.method = f._method  # its FilterMethod calls the clone's parent, not the original's
    return clone


@dataclass
class Register:
    filterset_class: type[RecordFilterSet]
    # ?sort=<key> or -<key> → order_by(field)
    sorts: dict[str, str] = field(default_factory=dict)
    default_sort: str = ""
    page_size: int | Callable[[], int] = 50  # or a callable read per request (a setting)

    def filter(self, request, queryset):
        """The FilterSet bound to the request's query (invalid values are ignored, not 500s)."""
        return self.filterset_class(request.GET, queryset=queryset, request=request)

    def sorted(self, request, qs):
        key = request.GET.get("sort", "") or self.default_sort
        name = key.lstrip("-")
        if name not in self.sorts:
            return qs, ""
        field_name = self.sorts[name]
        return qs.order_by(f"-{field_name}" if key.startswith("-") else field_name, "-pk"), key

    def rows(self, request, queryset):
        """What the page lists, unpaginated: for the export writer."""
        qs, _key = self.sorted(request, self.filter(request, queryset).qs)
        return qs

    def page(self, request, queryset) -> dict:
        filterset = self.filter(request, queryset)
        qs, sort = self.sorted(request, filterset.qs)
        size = self.page_size() if callable(self.page_size) else self.page_size
        page = Paginator(qs, int(size)).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        without_sort = query.copy()
        without_sort.pop("sort", None)
        return {"filterset": filterset, "page": page, "sort": sort, "query": query.urlencode(),
                "query_without_sort": without_sort.urlencode(), "sorts": self.sorts}
