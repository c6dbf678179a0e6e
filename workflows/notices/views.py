"""Pages of the notices workflow. Thin: a selector or a service, then render.

Transitions post to the kernel's ``record-transition`` endpoint (the one path for every
state change); these views only show what the user may see and fire.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from supervision import access, deadlines, registry, ui
from supervision.errors import Conflict, PermissionDenied, ValidationError

from . import clock, export, selectors, services
from .filters import ASSIGNMENTS
from .forms import NoticeForm
from .models import Notice, NoticeAssignment
from .tables import ASSIGNMENT_TABLE


def _require_view(user):
    if not access.can_anywhere(user, registry.for_model(NoticeAssignment), "view"):
        raise Http404


def _rows(request):
    """The register's rows before the FilterSet: the user's scope, the deadline light (?light=)."""
    return deadlines.filter_by_colour(selectors.assignment_list_visible_to(user=request.user),
                                      deadlines.colour_of(request.GET), today=clock.today())


@login_required
def register(request):
    _require_view(request.user)
    register = ASSIGNMENTS.page(request, ASSIGNMENT_TABLE.rows(_rows(request)))
    can_draft = access.can_anywhere(request.user, registry.for_model(Notice), "draft")
    return render(request, "notices/register.html", {
        **register, "table": ASSIGNMENT_TABLE, "can_draft": can_draft,
        "show_township_filter": not selectors.is_township_only(user=request.user),
        "drafts": selectors.drafts_visible_to(user=request.user) if can_draft else [],
        "today": clock.today(),
    })


@login_required
def register_export(request):
    _require_view(request.user)
    return export.register_xlsx_response(ASSIGNMENTS.rows(request, _rows(request)))


def _notice_form_kwargs(form):
    data = dict(form.cleaned_data)
    data["target_townships"] = list(data["target_townships"])
    return data


@login_required
def notice_create(request):
    if not access.can_anywhere(request.user, registry.for_model(Notice), "draft"):
        raise PermissionDenied
    form = NoticeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_create(actor=request.user, **_notice_form_kwargs(form))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("通知草稿已保存，核对无误后请签发下发。"))
            return redirect(notice.get_absolute_url())
    return render(request, "notices/notice_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def notice_edit(request, pk):
    notice = ui.visible_or_404(request.user, Notice, pk)
    if not access.can(request.user, "draft", notice):
        raise PermissionDenied
    if notice.state != "draft":
        messages.error(request, _("只有草稿可以修改。"))
        return redirect(notice.get_absolute_url())
    initial = {"title": notice.title, "category": notice.category, "urgency": notice.urgency,
               "issuing_unit": notice.issuing_unit, "findings": notice.findings,
               "requirements": notice.requirements, "target_townships": list(notice.target_townships.all())}
    form = NoticeForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_update_draft(actor=request.user, notice=notice, **_notice_form_kwargs(form))
        except (ValidationError, Conflict) as exc:
            form.add_error(None, getattr(exc, "message", None) or exc)
        else:
            messages.success(request, _("草稿已修改。"))
            return redirect(notice.get_absolute_url())
    return render(request, "notices/notice_form.html", {"form": form, "notice": notice},
                  status=400 if form.errors else 200)


def _notice_page(request, notice, only=None):
    """The notice on the kernel frame; what notices declare: its facts, its text, the assignments."""
    context = selectors.notice_detail_for(user=request.user, notice=notice, only=only)
    facts = [(_("发文单位"), notice.issuing_unit.name), (_("类别"), notice.get_category_display()),
             (_("紧急程度"), notice.get_urgency_display())]
    if notice.issued_on:
        facts.append((_("下发日期"), notice.issued_on))
    if context["targets"]:
        facts.append(ui.Fact(_("交办乡镇"), [t.name for t in context["targets"]], key="targets"))
    return ui.record_page(
        request, notice, template="notices/detail.html", title=notice.title, number=notice.number,
        back=(_("督查督办台账"), reverse("notices:register")), handler=False, facts=facts,
        sections=[ui.Section("notices/_text.html", id="text")], attachments=context["notice_files"],
        panel={"names": context["notice_transitions"], "primary": {"issue"}, "collapsed": {"withdraw"}},
        timeline=context["timeline"], context=context)


@login_required
def notice_detail(request, pk):
    return _notice_page(request, ui.visible_or_404(request.user, Notice, pk, related=("issuing_unit", "issued_by")))


@login_required
def assignment_detail(request, pk):
    assignment = ui.visible_or_404(request.user, NoticeAssignment, pk,
                                   related=("notice", "notice__issuing_unit", "township"))
    return _notice_page(request, assignment.notice, only=assignment)
