"""XLSX export of the register 台账 (openpyxl, write-only: constant memory, one query)."""
from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font


def register_columns():
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
    ]


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def register_xlsx(assignments) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("督查督办台账"))
    columns = register_columns()
    header = []
    for title, _fn in columns:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for assignment in assignments.iterator(chunk_size=500):
        sheet.append([fn(assignment) for _title, fn in columns])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
