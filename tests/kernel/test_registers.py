"""The generic register's FilterSet base (``supervision.registers.RecordFilterSet``)."""
import pytest
from django.http import QueryDict
from django.test import RequestFactory

from workflows.notices.filters import AssignmentFilter
from workflows.notices.models import NoticeAssignment

pytestmark = pytest.mark.django_db


def test_each_filterset_has_filters_of_its_own_and_the_class_keeps_its_own_untouched(users):
    """The filters are copied shallowly per instance: each instance's filters, fields and
    ``method`` filters are its own, and the class's filters never get a field or a parent."""
    built = AssignmentFilter.base_filters["township"].field  # as a schema generator reads it, request-less
    rf = RequestFactory()
    first_request, second_request = rf.get("/"), rf.get("/")
    first_request.user, second_request.user = users["inspector"], users["township_nanzhao"]
    first = AssignmentFilter(QueryDict("q=甲&overdue=on"), queryset=NoticeAssignment.objects.all(),
                             request=first_request)
    second = AssignmentFilter(QueryDict("q=乙"), queryset=NoticeAssignment.objects.all(), request=second_request)
    assert first.form.is_valid() and second.form.is_valid()
    for name in AssignmentFilter.base_filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert first.form.fields[name] is not second.form.fields[name]
        base = AssignmentFilter.base_filters[name]
        assert "parent" not in base.__dict__ and first.filters[name].field is not base.__dict__.get("_field")
    assert first.filters["township"].field is not built
    # a method filter calls its own filterset (RecordFilterSet.search, AssignmentFilter.only_overdue)
    assert first.filters["q"].filter.f is first.filters["q"]
    assert first.filters["overdue"].filter.f is first.filters["overdue"]
    assert "甲" in str(first.qs.query) and "乙" in str(second.qs.query) and "乙" not in str(first.qs.query)
    assert "overdue" in str(first.qs.query) and "overdue" not in str(second.qs.query)
