"""Pages: the registers (list, entry, detail, import, export), the county board with its
drill-down and "发督办". Thin: selectors and ``evaluate`` read, services write; every state
change posts to the kernel's ``record-transition`` view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from supervision import access, registry, ui
from supervision.errors import Conflict, PermissionDenied, ValidationError
from supervision.exports import xlsx_response

from . import conf, evaluate, filters, forms, imports, registers, selectors, services
from .choices import Status
from .models import TrainingSession


def may_view(user) -> bool:
    return access.has_role(user, *evaluate.VIEW_ROLES)


def _require_view(user):
    if not may_view(user):
        raise Http404(_("记录不存在或无权查看。"))


def _register(key) -> registers.Register:
    try:
        return registers.get(key)
    except KeyError:
        raise Http404 from None


def year_param(value) -> int:
    today = timezone.localdate()
    if value in (None, ""):
        return today.year
    value = str(value).strip()
    if not value.isdigit() or not conf.get("FIRST_YEAR") <= int(value) <= today.year:
        raise ValidationError(
            {"year": [_("年度须在 %(a)d 至 %(b)d 之间。") % {"a": conf.get("FIRST_YEAR"), "b": today.year}]}
        )
    return int(value)


def _can_enter(user, reg) -> bool:
    return access.can_anywhere(user, registry.for_model(reg.model), reg.create_right)


def _messages(request, exc: ValidationError):
    for _field, msgs in exc.message_dict.items():
        for m in msgs:
            messages.error(request, m)


# --- registers --------------------------------------------------------------------------------


@login_required
def index(request):
    _require_view(request.user)
    cards = []
    for reg in registers.REGISTERS:
        cards.append(
            {
                "reg": reg,
                "count": selectors.register_rows(user=request.user, reg=reg).count(),
                "can_enter": _can_enter(request.user, reg),
            }
        )
    return render(request, "targets/index.html", {"cards": cards})


@login_required
def register_list(request, key):
    _require_view(request.user)
    reg = _register(key)
    register = filters.REGISTERS[key].page(request, selectors.register_rows(user=request.user, reg=reg))
    columns = [c for c in reg.columns if c.in_list]
    rows = [{"obj": o, "cells": [registers.as_cell(c.value(o)) for c in columns]}
            for o in register["page"].object_list]
    return render(
        request,
        "targets/register.html",
        {
            **register,
            "reg": reg,
            "rows": rows,
            "columns": [(c, filters.sort_key(reg, c)) for c in columns],
            "f": {k: (request.GET.get(k) or "").strip() for k in register["filterset"].form.fields},
            "states": reg.model._meta.get_field("state").choices,
            "can_enter": _can_enter(request.user, reg),
            "townships": forms.townships_for(request.user, evaluate.VIEW_ROLES),
        },
    )


@login_required
def register_new(request, key):
    reg = _register(key)
    _require_view(request.user)
    if not _can_enter(request.user, reg):
        raise PermissionDenied
    if request.method == "POST":
        try:
            obj = services.record_create(actor=request.user, key=key, data=request.POST)
        except ValidationError as exc:
            form = reg.form(data=request.POST, user=request.user)
            form.is_valid()
            for field, msgs in exc.message_dict.items():
                for m in msgs:
                    if field in form.fields and m not in form.errors.get(field, []):
                        form.add_error(field, m)
                    elif field not in form.fields:
                        messages.error(request, m)
            return render(request, "targets/form.html", {"reg": reg, "form": form}, status=400)
        messages.success(request, _("已填报：%(obj)s") % {"obj": obj})
        return HttpResponseRedirect(obj.get_absolute_url())
    initial = {k: v for k, v in request.GET.items() if k in ("village", "township", "year", "level")}
    return render(request, "targets/form.html", {"reg": reg, "form": reg.form(user=request.user, initial=initial)})


@login_required
def detail(request, key, pk):
    """A register row on the kernel frame: its columns as facts, the kernel panel, and what
    differs declared — the edit form (editable states), a training's attendance."""
    _require_view(request.user)
    reg = _register(key)
    obj = ui.visible_or_404(request.user, reg.model, pk, related=reg.related)
    facts = [(c.header, registers.as_cell(c.value(obj))) for c in reg.columns]
    if getattr(obj, "left_post", ""):
        facts.append((_("进入“两委”职务"), obj.left_post))
    context, sections = {"reg": reg}, []
    if reg.edit_form and obj.state in reg.edit_states and access.can(request.user, "edit", obj):
        context["edit_form"] = ui.bound_form(request, "edit", reg.edit_form,
                                             initial={k: getattr(obj, k) for k in reg.edit_form.base_fields})
        sections.append(ui.Section("targets/_edit.html", title=_("修改"), id="edit"))
    if isinstance(obj, TrainingSession):
        attendance = list(obj.attendance.select_related("person", "village").order_by("village__code", "pk"))
        context["attendance"] = attendance
        if access.can(request.user, "edit", obj) and obj.state != TrainingSession.State.CANCELLED:
            villages = forms.villages_for(request.user).values("pk")
            attended = {a.person_id for a in attendance}
            roster = [r for r in services.training_roster(session=obj, villages=villages)
                      if r["person_id"] not in attended]
            context["attendance_form"] = (ui.bound_form(request, "attendance", forms.AttendanceForm, roster=roster)
                                          if roster else None)
            context["roster_empty"] = not roster
        sections.append(ui.Section("targets/_attendance.html", card=False))
    return ui.record_page(request, obj, template="targets/detail.html", title=str(obj), number="", facts=facts,
                          sections=sections, back=(reg.label, reverse("targets:register", args=[reg.key])),
                          handler=False, context=context)


@login_required
@require_POST
def edit(request, key, pk):
    reg = _register(key)
    try:
        services.record_update(actor=request.user, key=key, pk=pk, data=request.POST)
    except (ValidationError, Conflict) as exc:
        return ui.refused(request, None, "edit", exc, page_url=reverse("targets:detail", args=[key, pk]))
    messages.success(request, _("已保存修改：%(r)s") % {"r": reg.label})
    return HttpResponseRedirect(reverse("targets:detail", args=[key, pk]))


@login_required
@require_POST
def attendance_add(request, pk):
    back = reverse("targets:detail", args=["trainings", pk])
    try:
        made = services.attendance_add(actor=request.user, session_id=pk, data=request.POST)
    except (ValidationError, Conflict) as exc:
        return ui.refused(request, None, "attendance", exc, page_url=back)
    messages.success(request, _("已登记 %(n)d 名参训人员。") % {"n": len(made)})
    return HttpResponseRedirect(back)


@login_required
def import_view(request, key):
    _require_view(request.user)
    reg = _register(key)
    if not _can_enter(request.user, reg):
        raise PermissionDenied
    if request.method != "POST":
        return render(request, "targets/import.html", {"reg": reg})
    try:
        report = imports.run_import(actor=request.user, key=key, upload=request.FILES.get("file"))
    except ValidationError as exc:
        _messages(request, exc)
        return render(request, "targets/import.html", {"reg": reg}, status=400)
    if report.refused:
        return render(request, "targets/import.html", {"reg": reg, "report": report}, status=400)
    messages.success(request, _("已导入 %(n)d 条记录。") % {"n": len(report.created)})
    return render(request, "targets/import.html", {"reg": reg, "report": report})


@login_required
def import_template(request, key):
    _require_view(request.user)
    reg = _register(key)
    response = HttpResponse(imports.template_bytes(reg), content_type=imports.XLSX_TYPE)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(str(reg.label) + '-导入模板.xlsx')}"
    return response


@login_required
def export(request, key):
    _require_view(request.user)
    reg = _register(key)
    qs = filters.REGISTERS[key].rows(request, selectors.register_rows(user=request.user, reg=reg))
    headers = [c.header for c in reg.columns] + [_("状态"), _("更新时间")]
    return xlsx_response(
        f"{reg.key}-{timezone.localdate().isoformat()}.xlsx",
        headers,
        (
            [c.value(o) for c in reg.columns] + [o.get_state_display(), o.updated_at]
            for o in qs.iterator(chunk_size=500)
        ),
    )


# --- the board --------------------------------------------------------------------------------


def _board_params(request):
    error = None
    try:
        year = year_param(request.GET.get("year"))
    except ValidationError as exc:
        error = exc
        year = timezone.localdate().year
    township = request.GET.get("township", "")
    return year, (int(township) if township.isdigit() else None), error


@login_required
def board(request):
    _require_view(request.user)
    year, township, error = _board_params(request)
    if error:
        _messages(request, error)
    data = evaluate.board_for(user=request.user, year=year, township_id=township)
    may_draft = access.can_anywhere(request.user, registry.for_model(_notice_model()), "draft")
    return render(
        request,
        "targets/board.html",
        {
            "board": data,
            "year": year,
            "township": township,
            "labels": evaluate.TARGET_LABELS,
            "columns": [(k, evaluate.TARGET_LABELS[k]) for k in evaluate.VILLAGE_TARGETS],
            "statuses": [(s, Status(s).label) for s in (Status.MET, Status.AT_RISK, Status.MISSED)],
            "townships": forms.townships_for(request.user, evaluate.VIEW_ROLES),
            "years": list(range(timezone.localdate().year, conf.get("FIRST_YEAR") - 1, -1)),
            "may_draft": may_draft,
            "income_min": conf.get("INCOME_MIN"),
        },
        status=400 if error else 200,
    )


def _notice_model():
    from workflows.notices.models import Notice

    return Notice


@login_required
def board_village(request, pk):
    """Drill-down: one village's targets for a year, with the register rows behind each."""
    _require_view(request.user)
    year, _t, error = _board_params(request)
    village = evaluate.villages_visible(request.user).select_related("parent").filter(pk=pk).first()
    if village is None:
        raise Http404(_("记录不存在或无权查看。"))
    data = evaluate.board_for(user=request.user, year=year, township_id=village.parent_id)
    row = next(v for t in data.towns for v in t.villages if v.village.pk == village.pk)
    from workflows.postings.models import Posting

    rows = {}
    for reg in registers.REGISTERS:
        if reg.place == "village":
            qs = selectors.register_rows(user=request.user, reg=reg, filters={"village": str(village.pk)})
            if reg.year_lookup:
                qs = qs.filter(**{reg.year_lookup: year})
            rows[reg.key] = list(qs[:200])
    postings = list(
        Posting.objects.filter(village=village)
        .select_related("person", "dispatching_unit")
        .order_by("-start_date")[:50]
    )
    roster = evaluate.roster_for([village.pk], data.as_of).get(village.pk, {})
    trained = evaluate.trained_people([village.pk], year, data.as_of)
    roster_rows = [
        {"name": name, "trained": pid in trained} for pid, name in sorted(roster.items(), key=lambda p: p[1])
    ]
    return render(
        request,
        "targets/village.html",
        {
            "village": village,
            "row": row,
            "year": year,
            "board": data,
            "rows": rows,
            "postings": postings,
            "roster": roster_rows,
            "labels": evaluate.TARGET_LABELS,
            "registers": registers.BY_KEY,
            "shop": data.towns[0].shop,
        },
        status=400 if error else 200,
    )


@login_required
def board_export(request):
    _require_view(request.user)
    year, township, error = _board_params(request)
    if error:  # the board again, the message on top (400)
        return board(request)
    data = evaluate.board_for(user=request.user, year=year, township_id=township)
    headers = [_("乡镇"), _("村"), _("建档立卡贫困村")]
    for k in evaluate.VILLAGE_TARGETS:
        headers += [evaluate.TARGET_LABELS[k], _("%(t)s·情况") % {"t": evaluate.TARGET_LABELS[k]}]
    headers += [evaluate.TARGET_LABELS["shop"], _("%(t)s·情况") % {"t": evaluate.TARGET_LABELS["shop"]}]

    def lines():
        for t in data.towns:
            for v in t.villages:
                cells = []
                for _k, c in v.ordered():
                    cells += [c.label, c.gap]
                yield [
                    t.township.name,
                    v.village.name,
                    _("是") if v.village.is_poor_village else _("否"),
                    *cells,
                    t.shop.label,
                    t.shop.gap,
                ]

    return xlsx_response(f"targets-board-{year}.xlsx", headers, lines())


@login_required
@require_POST
def notice_draft(request):
    """发督办: a draft inspection notice to one township naming its shortfall villages."""
    _require_view(request.user)
    back = reverse("targets:board") + f"?year={request.POST.get('year', '')}"
    township = request.POST.get("township", "")
    target = request.POST.get("target", "")
    if target and target not in evaluate.TARGET_LABELS:
        target = ""
    try:
        year = year_param(request.POST.get("year"))
        if not township.isdigit():
            raise ValidationError({"township": [_("请选择乡镇。")]})
        notice = services.shortfall_notice_draft(
            actor=request.user, township_id=int(township), year=year, target=target
        )
    except (ValidationError, Conflict) as exc:  # the board again, the message on top
        return ui.refused(request, None, "notice_draft", exc, page_url=back)
    messages.success(request, _("已生成督办通知草稿，请修改后签发。"))
    return HttpResponseRedirect(notice.get_absolute_url())


@login_required
def attendance_import(request, pk):
    """参训名单导入 for one session (all rows or none)."""
    _require_view(request.user)
    reg = registers.get("trainings")
    session = ui.visible_or_404(request.user, reg.model, pk, related=reg.related)
    if not access.can(request.user, "edit", session):
        raise PermissionDenied
    context = {
        "reg": reg,
        "title": _("参训名单：%(s)s") % {"s": session},
        "back_url": session.get_absolute_url(),
        "template_url": reverse("targets:attendance-template"),
    }
    if request.method != "POST":
        return render(request, "targets/import.html", context)
    try:
        report = imports.run_attendance_import(actor=request.user, session_id=pk, upload=request.FILES.get("file"))
    except ValidationError as exc:
        _messages(request, exc)
        return render(request, "targets/import.html", context, status=400)
    except Conflict as exc:
        messages.error(request, exc.message)
        return render(request, "targets/import.html", context, status=409)
    if report.refused:
        return render(request, "targets/import.html", {**context, "report": report}, status=400)
    messages.success(request, _("已登记 %(n)d 名参训人员。") % {"n": len(report.created)})
    return render(request, "targets/import.html", {**context, "report": report})


@login_required
def attendance_template(request):
    _require_view(request.user)
    from urllib.parse import quote

    response = HttpResponse(imports.attendance_template_bytes(), content_type=imports.XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(str(_('参训名单')) + '-导入模板.xlsx')}"
    return response
