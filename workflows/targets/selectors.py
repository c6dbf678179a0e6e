"""Read side: register rows visible to a user (always through ``supervision.access.visible``)."""

from __future__ import annotations

from supervision import access

from . import registers
from .filters import FILTERSETS


def register_rows(*, user, reg: registers.Register, filters=None):
    """The rows of ``reg`` the user may see; ``filters`` (query values) through the register's
    FilterSet (``filters.FILTERSETS``), as on its page, its export and the API."""
    qs = access.visible(user, reg.model).select_related(*reg.related)
    if filters:
        qs = FILTERSETS[reg.key](filters, queryset=qs).qs
    return qs
