"""Spreadsheet and CSV responses shared by registers and the audit search — streamed.

``xlsx_response`` / ``csv_response`` take the header and an iterable of rows (pass a lazy one:
a generator over ``queryset.iterator(chunk_size=…)``) and return a ``StreamingHttpResponse``
that writes the file while the rows are read: the first bytes leave at once, and memory stays
flat whatever the row count (a 100k-row XLSX is never held in memory, neither as cells nor as
the finished file). The XLSX is written directly (the sheet as inline strings, numbers and
dates typed, one deflated zip entry streamed with data descriptors), which is several times
faster than building openpyxl cells.
"""
from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FLUSH_ROWS = 500  # rows between two chunks handed to the server


class ExportResponse(StreamingHttpResponse):
    """A streamed export. ``content`` (tests, small callers) reads the whole stream once."""

    @property
    def content(self) -> bytes:
        if not hasattr(self, "_joined"):
            self._joined = b"".join(self.streaming_content)
        return self._joined


def choice_labels(model, field_name: str):
    """A fast ``get_<field>_display`` for exports: ``labels(value)`` → the choice's label in the
    active language, translated once per export instead of once per cell (Django's display method
    hashes and translates every choice of the field on each call: most of a 100k-row export)."""
    field = model._meta.get_field(field_name)
    labels = {value: str(label) for value, label in field.flatchoices}
    get = labels.get

    def label(value):
        return get(value, value)

    return label


def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def _cell(value):
    """Numbers and dates stay typed (sortable in Excel); aware datetimes become local time."""
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


# --- XLSX -------------------------------------------------------------------------------------

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = dt.datetime(1899, 12, 30)
_STYLE_DATE, _STYLE_DATETIME = 1, 2

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _xlsx_text(value: str) -> str:
    if not value:
        return "<c/>"
    if value[0] in _FORMULA_START:
        value = "'" + value
    if not value.isprintable():  # control characters are not allowed in XML
        value = _ILLEGAL_XML.sub("", value)
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    return f'<c t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def _xlsx_number(value) -> str:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return f'<c t="inlineStr"><is><t>{value}</t></is></c>'
    return f"<c><v>{value}</v></c>"


def _xlsx_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = timezone.localtime(value).replace(tzinfo=None)
    delta = value - _EPOCH
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return f'<c s="{_STYLE_DATETIME}"><v>{serial!r}</v></c>'


def _xlsx_date(value: dt.date) -> str:
    return f'<c s="{_STYLE_DATE}"><v>{(value - _EPOCH_DATE).days}</v></c>'


_FORMULA_START = frozenset("=+-@\t\r")
_EPOCH_DATE = _EPOCH.date()
_BY_TYPE = {str: _xlsx_text, int: _xlsx_number, float: _xlsx_number, decimal.Decimal: _xlsx_number,
            dt.datetime: _xlsx_datetime, dt.date: _xlsx_date, type(None): lambda v: "<c/>",
            bool: lambda v: _xlsx_text(str(v))}


def _xlsx_cell(value) -> str:
    """One cell (positional: every cell of a row is written, empty ones as <c/>), typed as _cell."""
    write = _BY_TYPE.get(type(value))
    if write is None:  # subclasses (SafeString, lazy strings' results, enums …)
        value = _cell(value)
        write = _BY_TYPE.get(type(value)) or (lambda v: _xlsx_text(str(v)))
        if isinstance(value, str):
            write = _xlsx_text
    return write(value)


class _Sink(io.RawIOBase):
    """A write-only, non-seekable file that hands its bytes back in chunks (zipfile then writes
    data descriptors instead of seeking back)."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._pos = 0

    def writable(self):
        return True

    def write(self, b):
        self._chunks.append(bytes(b))
        self._pos += len(b)
        return len(b)

    def tell(self):
        return self._pos

    def seekable(self):
        return False

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def xlsx_stream(headers: list[str], rows: Iterable) -> Iterator[bytes]:
    """The bytes of an .xlsx with one sheet: the header row, then ``rows``, written as read."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=3) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            parts = [_SHEET_HEAD, '<row r="1">', *(_xlsx_text(str(h)) for h in headers), "</row>"]
            cell = _xlsx_cell
            n = 1
            for row in rows:
                n += 1
                parts.append(f'<row r="{n}">{"".join([cell(v) for v in row])}</row>')
                if n % FLUSH_ROWS == 0:
                    sheet.write("".join(parts).encode("utf-8"))
                    parts.clear()
                    chunk = sink.drain()
                    if chunk:
                        yield chunk
            parts.append(_SHEET_TAIL)
            sheet.write("".join(parts).encode("utf-8"))
    yield sink.drain()


def xlsx_response(filename: str, headers: list[str], rows: Iterable) -> ExportResponse:
    response = ExportResponse(xlsx_stream(headers, rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response


def csv_stream(headers: list[str], rows: Iterable) -> Iterator[bytes]:
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens UTF-8 CSV correctly with a BOM
    writer = csv.writer(buf)
    writer.writerow([str(h) for h in headers])
    for n, row in enumerate(rows, 1):
        writer.writerow(["" if v is None else _defuse(str(v)) for v in row])
        if n % FLUSH_ROWS == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def csv_response(filename: str, headers: list[str], rows: Iterable) -> ExportResponse:
    response = ExportResponse(csv_stream(headers, rows), content_type="text/csv; charset=utf-8")
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
