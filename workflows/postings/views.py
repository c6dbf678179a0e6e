"""Pages (thin): each asks a selector or a service and renders. State changes post to the
kernel's generic transition endpoint; the app's own inputs post here and call services."""
from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from supervision import access, deadlines, registry
from supervision.errors import ValidationError
from supervision.exports import xlsx_response
from supervision.paging import Paginator
from supervision.transitions import available_transitions
from supervision.ui import Fact, Section, bound_form, record_page, refused, transition_panel, visible_or_404

from . import conf, forms, selectors, services
from .choices import PostingRole
from .filters import ASSESSMENTS, POSTINGS
from .models import Assessment, LeaveRequest, Posting, Recall


def _require_viewer(user):
    """The app's own pages are for the roles that see postings (the registry's view roles)."""
    if not access.can_anywhere(user, registry.for_model(Posting), "view"):
        raise Http404(_("记录不存在或无权查看。"))


def _visible(user, model, pk, *related):
    """The record if ``user`` may see it (404 otherwise), with what its page shows preloaded."""
    return visible_or_404(user, model, pk, related=related)


def _int_or_none(value):
    return int(value) if value and str(value).isdigit() else None


def _initial(obj, name) -> dict:
    """Pre-fill a grade with the previous step's proposal."""
    if isinstance(obj, Assessment):
        if name == "office_review":
            return {"grade": obj.office_grade or obj.township_grade}
        if name == "finalize":
            return {"grade": ""}  # blank: the publicised grade
    return {}


def transition_forms(request, obj, hide=(), names=None):
    """The kernel transition panel; what postings declare: hidden actions and pre-filled grades."""
    names = [n for n in (available_transitions(obj, request.user) if names is None else names) if n not in hide]
    return transition_panel(request, obj, names=names, initial={n: _initial(obj, n) for n in names})


# --- Posting register, export, create ---------------------------------------------------------------------

def _register_filters(request):
    """The filter values as the page shows them back (``filters.POSTINGS`` does the filtering)."""
    g = request.GET
    return {"township": _int_or_none(g.get("township")), "unit": _int_or_none(g.get("unit")),
            "state": g.get("state") if g.get("state") in Posting.State.values else None,
            "role": g.get("role") if g.get("role") in PostingRole.values else None,
            "q": (g.get("q") or "").strip()[:50] or None}


@login_required
def posting_list(request):
    _require_viewer(request.user)
    register = POSTINGS.page(request, selectors.posting_list_visible_to(user=request.user))
    return render(request, "postings/posting_list.html", {
        **register, "filters": _register_filters(request),
        "summary": selectors.posting_summary(register["filterset"].qs),
        "townships": selectors.townships_visible_to(user=request.user), "units": selectors.dispatching_units(),
        "states": Posting.State.choices, "roles": PostingRole.choices,
        "can_create": access.has_role(request.user, "organization"),
    })


@login_required
def posting_export(request):
    """The register as XLSX, with the same filters (``filters.POSTINGS``) and scope as the page."""
    _require_viewer(request.user)
    qs = POSTINGS.rows(request, selectors.posting_list_visible_to(user=request.user))
    header = [_("乡镇"), _("村/社区"), _("姓名"), _("身份"), _("派出单位"), _("到村日期"), _("任期（年）"),
              _("任期届满"), _("离岗日期"), _("状态"), _("编号")]
    rows = ([p.village.parent.name if p.village.parent_id else "", p.village.name, p.person.name,
             p.get_role_display(), p.dispatching_unit.name, p.start_date, p.term_years, p.end_date, p.ended_on,
             p.get_state_display(), p.pk] for p in qs.iterator(chunk_size=500))
    return xlsx_response(f"postings-{timezone.localdate():%Y%m%d}.xlsx", header, rows)


@login_required
def posting_create(request):
    if not access.has_role(request.user, "organization"):
        raise Http404(_("记录不存在或无权查看。"))
    form = forms.PostingForm(request.POST or None, initial={"start_date": timezone.localdate(),
                                                            "role": PostingRole.FIRST_SECRETARY})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                posting = services.posting_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    for m in msgs:
                        form.add_error(field if field in form.fields else None, m)
            else:
                messages.success(request, _("已选派：%(p)s") % {"p": posting})
                return HttpResponseRedirect(posting.get_absolute_url())
        status = 400
    return render(request, "postings/posting_form.html", {"form": form}, status=status)


@login_required
def posting_detail(request, pk):
    """The posting's page on the kernel record-detail frame: its facts, then attendance, funds,
    leave, assessments and recalls as sections, the transition panel and the timeline."""
    posting = _visible(request.user, Posting, pk, "person", "dispatching_unit", "village__parent")
    user = request.user
    today = timezone.localdate()
    names = available_transitions(posting, user)
    detail = selectors.posting_detail(user=user, posting=posting)
    facts = [
        Fact(_("姓名"), posting.person.name, template="postings/_posting_person.html", key="person"),
        Fact(_("身份"), posting.get_role_display(), key="role"),
        Fact(_("派出单位"), posting.dispatching_unit.name, key="unit"),
        Fact(_("驻村"), f"{posting.village.parent.name} {posting.village.name}", key="village"),
        Fact(_("任期"), posting.end_date, template="postings/_posting_term.html", key="term"),
    ]
    if posting.ended_on:
        facts.append(Fact(_("离岗日期"), posting.ended_on, key="ended_on"))
    if posting.renewal_of_id or detail["renewals"]:
        facts.append(Fact(_("连任"), True, template="postings/_posting_renewals.html", key="renewals"))
    return record_page(
        request, posting, template="postings/posting_detail.html",
        title=f"{posting.person.name} · {posting.village.parent.name}{posting.village.name}",
        back=(_("驻村选派"), reverse("postings:posting-list")), facts=facts, facts_title=_("选派信息"),
        sections=[Section("postings/_posting_attendance.html", title=_("月度考勤"), id="attendance"),
                  Section("postings/_posting_funds.html", title=_("工作经费"), id="funds"),
                  Section("postings/_posting_leave.html", title=_("请假"), id="leave"),
                  Section("postings/_posting_assessments.html", title=_("年度考核"), id="assessments"),
                  Section("postings/_posting_recalls.html", title=_("召回"), id="recalls")],
        # 提出召回 is in the panel only while no recall of the posting is open (its condition).
        panel={"names": names, "initial": {n: _initial(posting, n) for n in names}},
        context={
            "posting": posting, **detail,
            "can_attendance": access.can(user, "record_attendance", posting),
            "can_funds": access.can(user, "record_funds", posting),
            "can_leave": access.can(user, "request_leave", posting) and posting.state == Posting.State.ACTIVE,
            "can_assess": access.can(user, "open_assessment", posting),
            "attendance_form": bound_form(request, "attendance", forms.AttendanceForm,
                                          initial={"year": today.year, "month": today.month}),
            "funds_form": bound_form(request, "funds", forms.FundsForm, initial={"year": today.year}),
            "leave_form": bound_form(request, "leave", forms.LeaveForm,
                                     day_count_help=services.leave_day_count_label()),
            "open_form": bound_form(request, "open", forms.OpenYearForm, initial={"year": today.year}),
            "min_funds": conf.get("FIRST_SECRETARY_MIN_FUNDS"),
        })


def _posting_for_post(request, pk) -> Posting:
    return _visible(request.user, Posting, pk, "village", "person")


FORM_KEYS = {"AttendanceForm": "attendance", "FundsForm": "funds", "LeaveForm": "leave", "OpenYearForm": "open"}


def _posting_action(request, pk, form_class, call, done_message):
    """A form of the posting page: refused → the same page, input kept, errors at their fields."""
    posting = _posting_for_post(request, pk)
    back = posting.get_absolute_url()
    key = FORM_KEYS[form_class.__name__]
    form = form_class(request.POST)
    if not form.is_valid():
        return refused(request, posting, key, ValidationError(form.errors.as_data()))
    try:
        call(posting, form.cleaned_data)
    except ValidationError as exc:
        return refused(request, posting, key, exc)
    messages.success(request, done_message)
    return HttpResponseRedirect(back)


@login_required
@require_POST
def posting_attendance(request, pk):
    return _posting_action(request, pk, forms.AttendanceForm, lambda p, d: services.attendance_record(
        actor=request.user, posting=p, **d), _("考勤已登记。"))


@login_required
@require_POST
def posting_funds(request, pk):
    return _posting_action(request, pk, forms.FundsForm, lambda p, d: services.funds_record(
        actor=request.user, posting=p, **d), _("工作经费已登记。"))


@login_required
@require_POST
def posting_leave(request, pk):
    return _posting_action(request, pk, forms.LeaveForm, lambda p, d: services.leave_request_create(
        actor=request.user, posting=p, **d), _("请假申请已登记。"))


@login_required
@require_POST
def posting_assessment_open(request, pk):
    return _posting_action(request, pk, forms.OpenYearForm, lambda p, d: services.assessment_open(
        actor=request.user, posting=p, year=d["year"]), _("年度考核已启动。"))


# --- People -----------------------------------------------------------------------------------------------

@login_required
def person_detail(request, pk):
    _require_viewer(request.user)
    person = selectors.person_get_visible(user=request.user, pk=pk)
    if person is None:
        raise Http404(_("记录不存在或无权查看。"))
    data = selectors.person_page(user=request.user, person=person)
    return render(request, "postings/person_detail.html", {"person": person, **data,
                                                           "month_numbers": range(1, 13)})


# --- Assessments ------------------------------------------------------------------------------------------

def _board_request(request):
    """The board's request with its year: the one asked for, else the latest year that has
    assessments (this year when there are none)."""
    today = timezone.localdate()
    default_year = selectors.assessment_latest_year(user=request.user) or today.year
    year = _int_or_none(request.GET.get("year")) or default_year
    if not 2000 <= year <= 2100:
        year = default_year
    shown = copy.copy(request)
    shown.GET = request.GET.copy()
    shown.GET["year"] = str(year)
    return shown, year, default_year


@login_required
def assessment_board(request):
    _require_viewer(request.user)
    today = timezone.localdate()
    shown, year, default_year = _board_request(request)
    register = ASSESSMENTS.page(shown, selectors.assessment_list_visible_to(user=request.user))
    township = _int_or_none(request.GET.get("township"))
    state = request.GET.get("state") if request.GET.get("state") in Assessment.State.values else None
    board = selectors.assessment_board(user=request.user, year=year, township=township,
                                       rows=register["page"].object_list)
    return render(request, "postings/assessment_board.html", {
        **register, **board, "year": year,
        "years": range(max(today.year, default_year) + 1, min(today.year, default_year) - 5, -1),
        "township": township,
        "state": state, "townships": selectors.townships_visible_to(user=request.user),
        "can_open": access.has_role(request.user, "organization"),
        "min_days": conf.get("MIN_DAYS_ON_SITE"),
    })


@login_required
def assessment_export(request):
    """The board's rows as XLSX: the same filters (``filters.ASSESSMENTS``), year and scope."""
    _require_viewer(request.user)
    shown, year, _default = _board_request(request)
    qs = ASSESSMENTS.rows(shown, selectors.assessment_list_visible_to(user=request.user))
    header = [_("考核年度"), _("乡镇"), _("村/社区"), _("姓名"), _("乡镇初评等次"), _("联席办建议等次"), _("状态"),
              _("考核等次"), _("全年在岗天数"), _("无故缺勤（次）"), _("编号")]
    rows = ([a.year, a.township.name, a.posting.village.name, a.person.name, a.get_township_grade_display(),
             a.get_office_grade_display(), a.get_state_display(), a.get_final_grade_display(), a.days_on_site,
             a.absences, a.pk] for a in qs.iterator(chunk_size=500))
    return xlsx_response(f"assessments-{year}.xlsx", header, rows)


@login_required
@require_POST
def assessment_open_year(request):
    back = reverse("postings:assessment-board")
    form = forms.OpenYearForm(request.POST)
    if not form.is_valid():
        return refused(request, None, "open_year", ValidationError(form.errors.as_data()), page_url=back)
    try:
        n = services.assessments_open_year(actor=request.user, year=form.cleaned_data["year"])
    except ValidationError as exc:
        return refused(request, None, "open_year", exc, page_url=back)
    messages.success(request, _("已为 %(n)d 名在岗驻村干部启动 %(y)d 年度考核。")
                     % {"n": n, "y": form.cleaned_data["year"]})
    return HttpResponseRedirect(f"{back}?year={form.cleaned_data['year']}")


@login_required
def assessment_detail(request, pk):
    obj = _visible(request.user, Assessment, pk, "person", "township", "posting__village",
                   "posting__dispatching_unit")
    return render(request, "postings/assessment_detail.html", {
        "a": obj, "transitions": transition_forms(request, obj), **selectors.assessment_detail(assessment=obj),
        "min_days": conf.get("MIN_DAYS_ON_SITE"), "publicity_days": conf.get("PUBLICITY_WORKING_DAYS"),
        "recall": access.visible(request.user, Recall).filter(assessment=obj).first(),
    })


# --- Recalls and leave ------------------------------------------------------------------------------------

@login_required
def recall_list(request):
    _require_viewer(request.user)
    state = request.GET.get("state") if request.GET.get("state") in Recall.State.values else None
    township = _int_or_none(request.GET.get("township"))
    qs = deadlines.filter_by_colour(selectors.recall_list_visible_to(user=request.user, state=state, township=township),
                                    deadlines.colour_of(request.GET))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "postings/recall_list.html", {
        "page": page, "query": query.urlencode(), "state": state, "township": township,
        "states": Recall.State.choices, "townships": selectors.townships_visible_to(user=request.user),
    })


@login_required
def recall_detail(request, pk):
    obj = _visible(request.user, Recall, pk, "person", "township", "posting__village", "posting__dispatching_unit",
                   "proposed_by", "decided_by", "replacement__person", "replacement__dispatching_unit", "assessment")
    return render(request, "postings/recall_detail.html", {"r": obj,
                                                           "transitions": transition_forms(request, obj)})


@login_required
def leave_detail(request, pk):
    obj = _visible(request.user, LeaveRequest, pk, "posting__person", "posting__village", "township",
                   "requested_by", "decided_by")
    limit = conf.get("LEAVE_TOWNSHIP_MAX_DAYS")
    needs_org = obj.days > limit
    hide = ("approve",) if needs_org and not access.has_role(request.user, "organization") else ()
    return render(request, "postings/leave_detail.html", {
        "leave": obj, "transitions": transition_forms(request, obj, hide=hide), "needs_org": needs_org,
        "limit": limit, "day_count": services.leave_day_count_label(),
    })


