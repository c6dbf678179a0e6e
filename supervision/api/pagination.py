"""Bounded pagination and filtering for every list endpoint (issue 10 item 2)."""
from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework import pagination, serializers

from supervision.validation import MAX_ID

MAX_LIMIT = 200
MAX_OFFSET = 10**9


class BoundedLimitOffsetPagination(pagination.LimitOffsetPagination):
    """``limit`` 1…200 (a larger one is cut to 200), ``offset`` 0…10⁹; anything else is a 400."""

    max_limit = MAX_LIMIT

    def _param(self, request, name, default, low, high):
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        if not (raw.isascii() and raw.isdigit()) or int(raw) < low:
            raise serializers.ValidationError({name: [_("必须是不小于 %(n)d 的整数。") % {"n": low}]})
        value = int(raw)
        if name == "limit":
            return min(value, high)
        if value > high:
            raise serializers.ValidationError({name: [_("不能大于 %(n)d。") % {"n": high}]})
        return value

    def get_limit(self, request):
        return self._param(request, self.limit_query_param, self.default_limit, 1, MAX_LIMIT)

    def get_offset(self, request):
        return self._param(request, self.offset_query_param, 0, 0, MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for p in params:
            if p["name"] == self.limit_query_param:
                p["schema"].update({"minimum": 1, "maximum": MAX_LIMIT})
            elif p["name"] == self.offset_query_param:
                p["schema"].update({"minimum": 0, "maximum": MAX_OFFSET})
        return params


class BoundedFilterBackend(DjangoFilterBackend):
    """django-filter, with numbers beyond the database's integer range refused (400) instead of
    reaching the database (SQLite raises OverflowError for them)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        for name, value in filterset.form.cleaned_data.items():
            if isinstance(value, int | Decimal) and not isinstance(value, bool) and abs(value) > MAX_ID:
                raise serializers.ValidationError({name: [_("数值超出范围。")]})
        return filterset.qs
