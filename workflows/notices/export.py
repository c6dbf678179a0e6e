"""The register 台账 as a spreadsheet, written by the kernel's ``exports.xlsx_response``.

Rows are read as plain values (``values_list``, in chunks), not model instances: building four
model objects per row (assignment, notice, unit, township) was most of a 100k-row export. Choice
labels and the deadline words are translated once per export.
"""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from supervision import deadlines, registry
from supervision.exports import choice_labels, xlsx_response
from supervision.workdays import WorkCalendar

from .models import Notice, NoticeAssignment

# (attribute on the row, lookup on the assignment queryset)
FIELDS = (
    ("number", "notice__number"), ("title", "notice__title"), ("category", "notice__category"),
    ("urgency", "notice__urgency"), ("unit", "notice__issuing_unit__name"), ("township", "township__name"),
    ("issued_on", "notice__issued_on"), ("due_date", "due_date"), ("due_provisional", "due_provisional"),
    ("state", "state"), ("escalation", "escalation"), ("acknowledged_at", "acknowledged_at"),
    ("responded_at", "responded_at"), ("closed_at", "closed_at"),
)


class Row:
    """One register row: what the columns (and the deadline light) read."""

    __slots__ = tuple(name for name, _lookup in FIELDS)

    def __init__(self, values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def register_columns():
    calendar = WorkCalendar()  # one calendar for the whole export (two queries)
    rt = registry.for_model(NoticeAssignment)
    category, urgency = choice_labels(Notice, "category"), choice_labels(Notice, "urgency")
    state, escalation = choice_labels(NoticeAssignment, "state"), choice_labels(NoticeAssignment, "escalation")
    yes = _("是")
    return [
        (_("文号"), lambda a: a.number),
        (_("标题"), lambda a: a.title),
        (_("类别"), lambda a: category(a.category)),
        (_("紧急程度"), lambda a: urgency(a.urgency)),
        (_("发文单位"), lambda a: a.unit),
        (_("乡镇"), lambda a: a.township),
        (_("下发日期"), lambda a: a.issued_on),
        (_("办结期限"), lambda a: a.due_date),
        (_("期限待确认"), lambda a: yes if a.due_provisional else ""),
        (_("状态"), lambda a: state(a.state)),
        (_("督办等级"), lambda a: escalation(a.escalation) if a.escalation else ""),
        (_("签收时间"), lambda a: _local(a.acknowledged_at)),
        (_("最近报送时间"), lambda a: _local(a.responded_at)),
        (_("销号时间"), lambda a: _local(a.closed_at)),
        (_("期限状态"), lambda a: deadlines.light_export_cells(a, calendar=calendar, rt=rt)[0]),
    ]


def register_xlsx_response(assignments):
    """One row per assignment of the (already scoped and filtered) queryset, read in chunks."""
    columns = register_columns()
    values = assignments.values_list(*(lookup for _name, lookup in FIELDS)).iterator(chunk_size=2000)
    rows = ([fn(a) for _title, fn in columns] for a in map(Row, values))
    return xlsx_response(f"notices-{timezone.localdate():%Y%m%d}.xlsx", [title for title, _fn in columns], rows)
