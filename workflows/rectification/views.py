"""Pages: register 台账, screening form, detail, board 看板, overdue list, XLSX export.

Thin: selectors read, services write; every state change posts to the kernel's
``record-transition`` view.
"""
from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from supervision import access, clock, deadlines
from supervision.attachments import attachments_of
from supervision.errors import Conflict, ValidationError
from supervision.exports import choice_labels, xlsx_response
from supervision.ui import Fact, RecordDetailView, Section, bound_form, refused, visible_or_404

from . import conf, fit, selectors, services
from .choices import Criterion
from .filters import RECTIFICATIONS
from .forms import PlanItemForm, ProgressForm, ScreeningForm
from .models import VIEW_ROLES, Rectification, State


def _require_view(user):
    if not access.has_role(user, *VIEW_ROLES):
        raise Http404(_("记录不存在或无权查看。"))


def _filters(request, overdue_only=False) -> dict:
    """The filter values as the page shows them back (the FilterSet does the filtering)."""
    f = {k: request.GET.get(k, "").strip() for k in ("state", "township", "year", "q", "overdue")}
    for k in ("township", "year"):
        if f[k] and not f[k].isdigit():
            f[k] = ""
    if overdue_only:
        f["overdue"] = "1"
    return f


def _query(request, overdue_only=False):
    if not overdue_only:
        return request
    shown = copy.copy(request)
    shown.GET = request.GET.copy()
    shown.GET["overdue"] = "true"
    return shown


@login_required
def register(request, overdue_only=False):
    _require_view(request.user)
    f = _filters(request, overdue_only)
    base = deadlines.filter_by_colour(selectors.rectification_list_visible_to(user=request.user),
                                      deadlines.colour_of(request.GET))
    register = RECTIFICATIONS.page(_query(request, overdue_only), base)
    rows = selectors.decorate(register["page"].object_list)
    return render(request, "rectification/list.html", {
        **register, "rows": rows, "f": f, "states": State.choices,
        "townships": selectors.townships_for(request.user),
        "overdue_only": overdue_only, "can_screen": request.user.has_perm("rectification.screen"),
    })


@login_required
def overdue(request):
    if not access.has_role(request.user, "organization", "leader"):
        raise Http404
    return register(request, overdue_only=True)


@login_required
def screen(request):
    if not request.user.has_perm("rectification.screen"):
        raise PermissionDenied
    towns = access.scope(request.user, {"township"})[1]
    if request.method == "POST":
        try:
            obj = services.rectification_screen(actor=request.user, data=request.POST)
        except ValidationError as exc:
            form = ScreeningForm(data=request.POST, townships=towns)
            form.is_valid()
            for field, msgs in exc.message_dict.items():
                for m in msgs:
                    if field in form.fields and m not in form.errors.get(field, []):
                        form.add_error(field, m)
                    elif field not in form.fields:
                        messages.error(request, m)
            return render(request, "rectification/screen.html", {"form": form}, status=400)
        messages.success(request, _("已上报：%(obj)s") % {"obj": obj})
        return HttpResponseRedirect(obj.get_absolute_url())
    return render(request, "rectification/screen.html", {"form": ScreeningForm(townships=towns)})


# --- the record's page on the kernel record frame ---------------------------------------------
# What rectification declares: its facts, its sections (SECTIONS), the plan approval's panel
# pre-filled with the four ones; the header, deadline light, handler, documents, the transition
# panel, refusals re-rendered with the input kept, and the timeline come from the kernel frame.

def _plan_context(request, obj) -> dict:
    can_edit = access.can(request.user, "edit_plan", obj) and obj.state in services.PLAN_EDIT_STATES
    return {"items": list(obj.plan_items.all()),
            "item_form": bound_form(request, "plan_item", PlanItemForm) if can_edit else None,
            "can_mark": access.can(request.user, "mark_item", obj) and obj.state in services.ITEM_DONE_STATES}


def _progress_context(request, obj) -> dict:
    reports = list(obj.progress_reports.all())
    for r in reports:
        r.files = obj.files_by_part.get(r.attachment_part, [])
    can_report = access.can(request.user, "report_progress", obj) and obj.state in services.PROGRESS_STATES
    return {"reports": reports,
            "progress_form": bound_form(request, "progress", ProgressForm) if can_report else None}


# The page's sections, in page order: one entry per part of the record (a template, an id, and
# what it needs: ``context(request, obj)``, ``show(request, obj)``).
SECTIONS = [
    Section("rectification/_four_ones.html", title=gettext_lazy("四个一"), id="four-ones"),
    Section("rectification/_plan.html", title=gettext_lazy("一村一策整改方案"), id="plan", context=_plan_context),
    Section("rectification/_progress.html", title=gettext_lazy("整顿进展"), id="progress",
            context=_progress_context),
    Section("rectification/_acceptances.html", title=gettext_lazy("验收记录"), id="acceptances",
            show=lambda request, obj: bool(obj.acceptances.all()),
            context=lambda request, obj: {"acceptances": list(obj.acceptances.all())}),
]


class RectificationDetail(RecordDetailView):
    model = Rectification
    template = "rectification/detail.html"

    def get_object(self, pk):
        _require_view(self.request.user)
        obj = (selectors.rectification_list_visible_to(user=self.request.user).filter(pk=pk)
               .prefetch_related("plan_items", "acceptances__recorded_by", "progress_reports__reported_by").first())
        if obj is None:
            raise Http404(_("记录不存在或无权查看。"))
        selectors.decorate([obj])
        obj.files_by_part = {}
        for a in attachments_of(obj):  # the record's own files and its reports', in one query
            obj.files_by_part.setdefault(a.part, []).append(a)
        return obj

    def facts(self, obj):
        facts = [
            Fact(_("软弱涣散情形"), obj.criteria_labels(), template="rectification/_criteria.html", key="criteria"),
            Fact(_("主要问题"), obj.problem, template="rectification/_text_fact.html", key="problem"),
            Fact(_("方案完成"), obj.completion, template="rectification/_completion.html", key="completion"),
            Fact(_("乡镇党委书记"), obj.township_secretary.name, key="township_secretary"),
            Fact(_("乡镇责任干部"), obj.responsible_cadre.name, key="responsible_cadre"),
        ]
        if obj.accepted_on:
            facts.append(Fact(_("验收销号日期"), obj.accepted_on, key="accepted_on"))
        if obj.follow_up_until:
            facts.append(Fact(_("跟踪回访截止"), obj.follow_up_until, key="follow_up_until"))
        return facts

    def sections(self, obj):
        return SECTIONS

    def panel(self, obj):
        # The plan approval pre-filled with the four ones (the first secretary posted to the
        # village, from the postings register) and narrowed to the people who fit (that township's
        # leaders).
        posted = fit.posted_first_secretary(obj.village_id, clock.today())
        return {"initial": {"approve_plan": {
            "due_date": obj.due_date, "county_leader": obj.county_leader_id,
            "township_leader": obj.township_leader_id,
            "first_secretary": posted.pk if posted else obj.first_secretary_id,
            "twinned_unit": obj.twinned_unit_id}}, "customize": _customize(obj)}

    def frame(self, obj):
        return {"title": f"{obj.village.parent.name} · {obj.village.name}", "number": "", "state_id": "rect-state",
                "back": (_("整顿台账"), reverse("rectification:list")),
                "attachments": obj.files_by_part.get("", [])}

    def context(self, obj):
        return {"min_score": conf.get("ACCEPT_MIN_SCORE"), "max_dissatisfied": conf.get("ACCEPT_MAX_DISSATISFIED")}


detail = login_required(RectificationDetail.as_view())


def _customize(obj):
    def customize(name, form):
        if name == "approve_plan":
            form.for_record(obj)
    return customize


def _service_post(request, pk, key, call, success):
    """A form of the detail page: refused → the same page again, input kept, errors at their fields."""
    try:
        call()
    except (ValidationError, Conflict) as exc:
        obj = visible_or_404(request.user, Rectification, pk)
        return refused(request, obj, key, exc)
    messages.success(request, success)
    return HttpResponseRedirect(reverse("rectification:detail", args=[pk]))


@login_required
@require_POST
def plan_item_add(request, pk):
    return _service_post(request, pk, "plan_item", lambda: services.plan_item_add(
        actor=request.user, rectification_id=pk, data=request.POST), _("已添加整改项。"))


@login_required
@require_POST
def plan_item_done(request, pk, item_id):
    done = request.POST.get("done", "1") not in ("0", "false")
    return _service_post(request, pk, "plan_item_done", lambda: services.plan_item_set_done(
        actor=request.user, rectification_id=pk, item_id=item_id, done=done), _("已更新整改项。"))


@login_required
@require_POST
def progress_add(request, pk):
    return _service_post(request, pk, "progress", lambda: services.progress_report_add(
        actor=request.user, rectification_id=pk, data=request.POST, files=request.FILES), _("已报送整顿进展。"))


@login_required
def board(request):
    _require_view(request.user)
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else clock.today().year
    data = selectors.board_for(user=request.user, year=year)
    labels = dict(State.choices)
    peak = max(list(data["by_state"].values()) + [1])
    state_bars = [{"state": s, "label": labels[s], "count": data["by_state"].get(s, 0),
                   "pct": round(100 * data["by_state"].get(s, 0) / peak)} for s, _l in State.choices]
    return render(request, "rectification/board.html", {**data, "year": year, "state_bars": state_bars})


@login_required
def export_xlsx(request):
    _require_view(request.user)
    base = deadlines.filter_by_colour(selectors.rectification_list_visible_to(user=request.user),
                                      deadlines.colour_of(request.GET))
    rows = selectors.decorate(RECTIFICATIONS.rows(request, base))
    calendar = deadlines.calendar_for(request)
    header = [_("乡镇"), _("村党组织"), _("年度"), _("软弱涣散情形"), _("主要问题"), _("状态"), _("整顿期限"),
              _("期限状态"), _("方案完成率（%）"), _("逾期"), _("联系县领导"), _("包村乡镇领导"), _("第一书记"),
              _("结对县级单位"),
              _("乡镇党委书记"), _("乡镇责任干部"), _("最近进展"), _("验收销号日期")]

    def name(p):
        return p.name if p is not None else ""

    # choice labels translated once per export, not per cell (exports.choice_labels)
    state = choice_labels(Rectification, "state")
    criteria = {value: str(label) for value, label in Criterion.choices}
    return xlsx_response(f"rectifications-{clock.today().isoformat()}.xlsx", header, (
        [r.village.parent.name, r.village.name, r.year, "、".join(criteria.get(c, c) for c in r.criteria or []),
         r.problem, state(r.state), r.due_date, deadlines.light_export_cells(r, calendar=calendar)[0],
         r.completion, _("是") if r.overdue else "",
         name(r.county_leader), name(r.township_leader), name(r.first_secretary), name(r.twinned_unit),
         name(r.township_secretary), name(r.responsible_cadre), r.last_progress, r.accepted_on]
        for r in rows))
