"""XLSX import per register: template, row-by-row validation with the register's entry form
(the same validation and scope as the page and the API), all or nothing in one transaction,
and a report of every refused row with its reasons."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from supervision import access
from supervision.errors import Conflict, PermissionDenied, ValidationError
from supervision.models import Region
from supervision.transitions import save_with_history

from . import conf, registers, services

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Refused:
    row: int
    reasons: list[str]


@dataclass
class Report:
    register: registers.Register
    total: int = 0
    created: list = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and self.total > 0


def import_columns(reg: registers.Register) -> list[registers.Column]:
    return [c for c in reg.columns if c.field or c.kind == "township"]


def _header(col) -> str:
    return str(col.header)


def template_bytes(reg: registers.Register) -> bytes:
    """The import template: the header row and one example row to overwrite, plus a sheet of rules."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    form = reg.form(user=None)
    wb = Workbook()
    ws = wb.active
    ws.title = str(reg.label)[:31]
    cols = import_columns(reg)
    ws.append([_header(c) + ("*" if _required(form, c) else "") for c in cols])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, c in enumerate(cols, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(_header(c)) * 2 + 4)
    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("列"), _("必填"), _("填写要求")])
    for c in cols:
        notes.append([_header(c), _("是") if _required(form, c) else _("否"), _rule(c)])
    notes.append([])
    notes.append(
        [_("第一行为列名，请勿修改；从第二行起每行一条记录。有一行不合格则整个文件不导入，请按报告修改后重新上传。")]
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _required(form, col) -> bool:
    if col.kind == "township" and not col.field:
        return True
    f = form.fields.get(col.field)
    return bool(f and f.required)


def _rule(col) -> str:
    if col.kind == "choice":
        return _("以下之一：%(v)s") % {"v": "、".join(str(label) for _v, label in col.choices.choices)}
    if col.kind == "bool":
        return _("是 / 否")
    if col.kind == "date":
        return _("日期，如 %(e)s") % {"e": "2026-03-01"}
    if col.kind in ("int", "decimal"):
        return _("数字")
    if col.kind == "township":
        return _("乡镇全称，如 南诏镇")
    if col.kind == "village":
        return _("村（社区）名称，如 鸡碧村")
    return _("文字")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _date(value) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return _text(value)
    text = _text(value)
    m = DATE_RE.match(text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return text
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _choice_map(choices) -> dict:
    out = {}
    for value, label in choices.choices:
        out[value] = value
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                out[str(label)] = value
        out[str(label)] = value
    return out


def _bool(value) -> str | None:
    text = _text(value).lower()
    if text in ("是", "yes", "y", "true", "1", "√", "党员", "中共党员"):
        return "on"
    if text in ("否", "no", "n", "false", "0", "", "群众"):
        return ""
    return None


class _Places:
    """Township and village names → ids (one query each)."""

    def __init__(self):
        self.towns = {r.name: r.pk for r in Region.objects.filter(level=Region.Level.TOWNSHIP)}
        self.villages = {}
        for pk, name, parent in Region.objects.filter(level=Region.Level.VILLAGE).values_list(
            "pk", "name", "parent_id"
        ):
            self.villages[(parent, name)] = pk
            if name.endswith("村"):
                self.villages.setdefault((parent, name[:-1]), pk)

    def town(self, name):
        return self.towns.get(name)

    def village(self, town_id, name):
        return self.villages.get((town_id, name)) or self.villages.get((town_id, f"{name}村"))


def read_rows(reg: registers.Register, upload) -> tuple[list[registers.Column], list[tuple[int, list]]]:
    """The columns found in the header row and the non-blank data rows (row number, values)."""
    from openpyxl import load_workbook

    if upload is None:
        raise ValidationError({"file": [_("请选择要导入的 Excel 文件。")]})
    if upload.size > conf.get("IMPORT_MAX_BYTES"):
        raise ValidationError(
            {"file": [_("文件过大（上限 %(n)d MB）。") % {"n": conf.get("IMPORT_MAX_BYTES") // 1048576}]}
        )
    if not upload.name.lower().endswith(".xlsx"):
        raise ValidationError({"file": [_("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。")]})
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ValidationError({"file": [_("无法读取该文件：不是有效的 .xlsx 文件。")]}) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    names = [_text(h).rstrip("*").strip() for h in header]
    wanted = import_columns(reg)
    by_header = {_header(c): c for c in wanted}
    form = reg.form(user=None)
    missing = [_header(c) for c in wanted if _required(form, c) and _header(c) not in names]
    if missing:
        raise ValidationError({"file": [_("缺少必填列：%(c)s（请使用导入模板）。") % {"c": "、".join(missing)}]})
    columns = [by_header.get(n) for n in names]
    data = []
    limit = conf.get("IMPORT_MAX_ROWS")
    for number, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        data.append((number, list(values)))
        if len(data) > limit:
            raise ValidationError({"file": [_("一次最多导入 %(n)d 行。") % {"n": limit}]})
    wb.close()
    return columns, data


def _row_data(reg, columns, values, places: _Places) -> tuple[dict, list[str], set[str]]:
    """The row as form data, the problems found reading it, and the fields those concern."""
    data, problems, bad = {}, [], set()
    town_id = None
    cells = list(zip(columns, values, strict=False))
    for col, value in cells:
        if col is None:
            continue
        if col.kind == "township":
            name = _text(value)
            if not name:
                continue
            town_id = places.town(name)
            if town_id is None:
                problems.append(_("%(c)s：本县没有“%(v)s”") % {"c": _header(col), "v": name})
                bad.update({col.field, "village"})
            elif col.field:
                data[col.field] = str(town_id)
    for col, value in cells:
        if col is None or col.kind == "township":
            continue
        header = _header(col)
        if col.kind == "village":
            name = _text(value)
            if not name:
                continue
            village_id = places.village(town_id, name) if town_id else None
            if village_id is None:
                if town_id is not None or reg.place == "township":
                    problems.append(_("%(c)s：所填乡镇没有“%(v)s”") % {"c": header, "v": name})
                bad.add(col.field)
                continue
            data[col.field] = str(village_id)
        elif col.kind == "choice":
            text = _text(value)
            if text:
                mapped = _choice_map(col.choices).get(text)
                if mapped is None:
                    problems.append(_("%(c)s：“%(v)s”不是可选值") % {"c": header, "v": text})
                    bad.add(col.field)
                else:
                    data[col.field] = mapped
        elif col.kind == "bool":
            mapped = _bool(value)
            if mapped is None:
                problems.append(_("%(c)s：请填“是”或“否”") % {"c": header})
                bad.add(col.field)
            elif mapped:
                data[col.field] = mapped
        elif col.kind == "date":
            data[col.field] = _date(value)
        else:
            data[col.field] = _text(value)
    return data, problems, bad


def run_import(*, actor, key: str, upload) -> Report:
    """Validate every row; create them all in one transaction, or none."""
    reg = registers.get(key)
    services._may_create(actor, reg)
    columns, rows = read_rows(reg, upload)
    report = Report(reg, total=len(rows))
    if not rows:
        report.refused.append(Refused(0, [_("文件中没有数据行。")]))
        return report
    labels = {c.field: _header(c) for c in columns if c is not None and c.field}
    places = _Places()
    cleaned_rows, seen = [], {}
    for number, values in rows:
        data, problems, bad = _row_data(reg, columns, values, places)
        form = reg.form(data=data, user=actor)
        if not form.is_valid():
            for name, errors in form.errors.items():
                if name in bad:
                    continue
                label = labels.get(name) or (str(form.fields[name].label) if name in form.fields else "")
                for e in errors:
                    problems.append(f"{label}：{e}" if label else str(e))
        if not problems and reg.unique_in_file:
            key_values = tuple(
                getattr(form.cleaned_data.get(n), "pk", form.cleaned_data.get(n)) for n in reg.unique_in_file
            )
            if key_values in seen:
                problems.append(_("与第 %(n)d 行重复") % {"n": seen[key_values]})
            seen[key_values] = number
        if problems:
            report.refused.append(Refused(number, sorted(set(problems), key=problems.index)))
        else:
            cleaned_rows.append((number, form.cleaned_data))
    if report.refused:
        return report
    current = None
    try:
        with transaction.atomic():
            for number, d in cleaned_rows:
                current = number
                services._lock_place(d)
                obj = services.build(reg, d, actor)
                with transaction.atomic():
                    save_with_history(obj, actor=actor, reason=_("批量导入"), to_state=obj.state)
                report.created.append(obj)
    except IntegrityError as exc:
        report.created = []
        report.refused.append(Refused(current, [str(m) for m in services.integrity_error(exc).messages]))
    except ValidationError as exc:
        report.created = []
        report.refused.append(Refused(current, [str(m) for m in exc.messages]))
    return report


ATTENDANCE_HEADERS = ("乡镇", "村", "姓名")


def attendance_template_bytes() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = str(_("参训名单"))
    ws.append([_(h) + "*" for h in ATTENDANCE_HEADERS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(["南诏镇", "鸡碧村", "张三"])
    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("每行一名参训人员：乡镇、村和姓名须与村干部名册或驻村选派一致。请删除示例行后上传。")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run_attendance_import(*, actor, session_id, upload) -> Report:
    """参训名单导入: each row names a person of the session's roster (by township, village and name);
    all rows are recorded in one transaction, or none."""
    from openpyxl import load_workbook

    from . import forms
    from .models import TrainingAttendance, TrainingSession

    report = Report(registers.get("trainings"))
    if upload is None:
        raise ValidationError({"file": [_("请选择要导入的 Excel 文件。")]})
    if upload.size > conf.get("IMPORT_MAX_BYTES") or not upload.name.lower().endswith(".xlsx"):
        raise ValidationError({"file": [_("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。")]})
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ValidationError({"file": [_("无法读取该文件：不是有效的 .xlsx 文件。")]}) from None
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = [_text(h).rstrip("*").strip() for h in (next(rows, None) or ())]
    wanted = [str(_(h)) for h in ATTENDANCE_HEADERS]
    if any(h not in header for h in wanted):
        raise ValidationError({"file": [_("缺少必填列：%(c)s（请使用导入模板）。") % {"c": "、".join(wanted)}]})
    index = [header.index(h) for h in wanted]
    data = [
        (n, [_text(v[i]) if i < len(v) else "" for i in index])
        for n, v in enumerate(rows, start=2)
        if v and any(x not in (None, "") for x in v)
    ]
    wb.close()
    if len(data) > conf.get("IMPORT_MAX_ROWS"):
        raise ValidationError({"file": [_("一次最多导入 %(n)d 行。") % {"n": conf.get("IMPORT_MAX_ROWS")}]})
    report.total = len(data)
    with transaction.atomic():
        session = services.locked_visible(actor, TrainingSession, session_id)
        if not access.can(actor, "edit", session):
            raise PermissionDenied(_("您无权登记参训人员。"))
        if session.state == TrainingSession.State.CANCELLED:
            raise Conflict(_("培训班已取消，不能登记参训人员。"))
        roster = services.training_roster(session=session, villages=forms.villages_for(actor).values("pk"))
        by_name = {}
        for r in roster:
            by_name.setdefault((r["village_id"], r["name"]), r)
        places = _Places()
        already = set(session.attendance.values_list("person_id", flat=True))
        seen, chosen = {}, []
        for number, (town, village, name) in data:
            town_id = places.town(town)
            village_id = places.village(town_id, village) if town_id else None
            found = by_name.get((village_id, name))
            if town_id is None or village_id is None:
                report.refused.append(Refused(number, [_("乡镇、村填写有误：%(t)s %(v)s") % {"t": town, "v": village}]))
            elif found is None:
                report.refused.append(
                    Refused(
                        number,
                        [_("%(v)s没有名为“%(n)s”的村干部或驻村人员（或不在您的范围内）") % {"v": village, "n": name}],
                    )
                )
            elif found["person_id"] in already:
                report.refused.append(Refused(number, [_("该人员已登记参加本期培训。")]))
            elif found["person_id"] in seen:
                report.refused.append(Refused(number, [_("与第 %(n)d 行重复") % {"n": seen[found["person_id"]]}]))
            else:
                seen[found["person_id"]] = number
                chosen.append(found)
        if report.refused or not data:
            if not data:
                report.refused.append(Refused(0, [_("文件中没有数据行。")]))
            return report
        for r in chosen:
            row = TrainingAttendance(session=session, person_id=r["person_id"], village_id=r["village_id"])
            save_with_history(row, actor=actor, reason=_("批量导入"))
            report.created.append(row)
    return report
