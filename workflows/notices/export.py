"""The register 台账 as a spreadsheet, written by the kernel's ``exports.xlsx_response``."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from supervision import deadlines
from supervision.exports import xlsx_response
from supervision.workdays import WorkCalendar


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def register_columns():
    calendar = WorkCalendar()  # one calendar for the whole export (two queries)
    return [
        (_("文号"), lambda a: a.notice.number),
        (_("标题"), lambda a: a.notice.title),
        (_("类别"), lambda a: a.notice.get_category_display()),
        (_("紧急程度"), lambda a: a.notice.get_urgency_display()),
        (_("发文单位"), lambda a: a.notice.issuing_unit.name),
        (_("乡镇"), lambda a: a.township.name),
        (_("下发日期"), lambda a: a.notice.issued_on),
        (_("办结期限"), lambda a: a.due_date),
        (_("期限待确认"), lambda a: _("是") if a.due_provisional else ""),
        (_("状态"), lambda a: a.get_state_display()),
        (_("督办等级"), lambda a: a.get_escalation_display() if a.escalation else ""),
        (_("签收时间"), lambda a: _local(a.acknowledged_at)),
        (_("最近报送时间"), lambda a: _local(a.responded_at)),
        (_("销号时间"), lambda a: _local(a.closed_at)),
        (_("期限状态"), lambda a: deadlines.light_export_cells(a, calendar=calendar)[0]),
    ]


def register_xlsx_response(assignments):
    """One row per assignment of the (already scoped and filtered) queryset, read in chunks."""
    columns = register_columns()
    rows = ([fn(a) for _title, fn in columns] for a in assignments.iterator(chunk_size=500))
    return xlsx_response(f"notices-{timezone.localdate():%Y%m%d}.xlsx", [title for title, _fn in columns], rows)
