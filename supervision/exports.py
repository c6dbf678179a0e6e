"""Spreadsheet and CSV responses shared by registers and the audit search."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

from django.http import HttpResponse


def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def _cell(value):
    """Numbers and dates stay typed (sortable in Excel); aware datetimes become local time."""
    import datetime as dt
    import decimal

    from django.utils import timezone

    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value
    return _defuse(str(value))


def _defuse(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @) is kept as plain text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def xlsx_response(filename: str, headers: list[str], rows) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([str(h) for h in headers])
    for row in rows:
        ws.append([_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = _disposition(filename)
    return response


def csv_response(filename: str, headers: list[str], rows) -> HttpResponse:
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens UTF-8 CSV correctly with a BOM
    writer = csv.writer(buf)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else _defuse(str(v)) for v in row])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response


def xlsx_sheets_response(filename: str, sheets) -> HttpResponse:
    """One workbook, one sheet per ``(title, headers, rows)`` (e.g. every figure of a statistics page)."""
    import re

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set[str] = set()
    for title, headers, rows in sheets:
        name = re.sub(r"[\[\]\*\?/\\:]", "", str(title))[:28] or "Sheet"
        base, n = name, 2
        while name in used:
            name, n = f"{base[:26]}{n}", n + 1
        used.add(name)
        ws = wb.create_sheet(title=name)
        ws.append([str(h) for h in headers])
        for row in rows:
            ws.append([_cell(v) for v in row])
    if not used:
        wb.create_sheet(title="Sheet")
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = _disposition(filename)
    return response
