"""Pages of the cases workflow. Thin: selectors and services do the work.

Every page is 404 for users whose roles do not see cases (township, organisation, inspector,
leader): nothing reveals that a case, or how many, exists.
"""
from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from supervision import access, deadlines, registry
from supervision.attachments import attachments_of
from supervision.audit.readlog import log_reads
from supervision.audit.timeline import history_entries
from supervision.exports import choice_labels, xlsx_response
from supervision.paging import Paginator
from supervision.transitions import available_transitions
from supervision.ui import (
    Fact,
    RecordDetailView,
    Section,
    Upload,
    bound_form,
    refused,
    transition_panel,
    visible_or_404,
)

from . import choices, handover, selectors, services
from .filters import CASES
from .forms import AttachmentForm, ClueForm, MatterForm, SubjectForm, SubjectFormSet
from .models import AccountabilityMatter, Case, CaseMember, CaseRecusal
from .recordviews import SECTIONS as RECORD_SECTIONS

PAGE_SIZE = 50
FILTER_KEYS = ("state", "category", "source", "township", "four_forms", "overdue", "escalated", "pending", "q")


def case_roles_required(view):
    """Login, then 404 unless the user's roles see case records at all."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_anywhere(request.user, registry.for_model(Case), "view"):
            raise Http404(_("页面不存在。"))
        return view(request, *args, **kwargs)

    return wrapper


def _filters(request) -> dict:
    f = {k: request.GET.get(k, "").strip() for k in FILTER_KEYS}
    if f["township"] and not f["township"].isdigit():
        f["township"] = ""
    return f


def _filter_context(f):
    return {
        "f": f, "states": choices.State.choices, "categories": choices.Category.choices,
        "sources": choices.Source.choices, "four_forms": choices.FourForms.choices,
    }


@case_roles_required
def case_list(request):
    f = _filters(request)
    register = CASES.page(request, selectors.case_list_visible_to(user=request.user))
    log_reads(request.user, register["page"], via="ui", request=request)
    return render(request, "cases/list.html", {
        **_filter_context(f), **register,
        "can_create": access.can_anywhere(request.user, registry.for_model(Case), "create"),
        "committee": bool(handover.committee_townships(request.user)),
    })


@case_roles_required
def case_create(request):
    if not access.can_anywhere(request.user, registry.for_model(Case), "create"):
        raise PermissionDenied(_("只有办案人员可以登记问题线索。"))
    form = ClueForm(request.POST or None, request.FILES or None)
    subjects = SubjectFormSet(request.POST or None, prefix="subjects")
    if request.method == "POST" and form.is_valid() and subjects.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_register(
                actor=request.user, source=data["source"], category=data["category"],
                description=data["description"], reporter_anonymous=data["reporter_anonymous"],
                reporter_name=data["reporter_name"], reporter_contact=data["reporter_contact"],
                township=data["township"], amount=data["amount"] or 0,
                subjects=[s for s in subjects.cleaned_data if s], attachment=data.get("attachment"),
                received_on=data.get("received_on"))
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("已登记问题线索 %(case)s。") % {"case": case})
            return HttpResponseRedirect(case.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/create.html", {"form": form, "subjects": subjects}, status=status)


def _timeline(obj, user):
    """History entries (labels included, masked fields masked by the kernel), newest first."""
    return list(reversed(history_entries(obj, user)))


# --- the case page on the kernel record frame -------------------------------------------------
# What the case page declares: its facts, its sections (SECTIONS, below) and the panel's heading;
# the header, deadline light, handler, documents, attachments (with the upload form), transition
# panel, refusals re-rendered with the input kept, and the timeline come from the kernel frame.

def _subjects_context(request, case) -> dict:
    """The subjects section: each subject with its matter (filed cases) and that matter's own
    transition panel; the form adding a subject while the case is open."""
    matters = {m.subject_id: m for m in case.matters.all()}
    rows = []
    for s in case.subjects.all():
        m = matters.get(s.pk)
        if m is not None:
            m.case = case  # the conditions read the case: no query per subject
            m.subject = s
        rows.append({"subject": s, "matter": m,
                     "actions": transition_panel(request, m, next_url=case.get_absolute_url()) if m else []})
    may_add = access.can(request.user, "handle", case) and case.state in choices.OPEN_STATES
    return {"subject_rows": rows,
            "subject_form": bound_form(request, "subject", SubjectForm, prefix="subject") if may_add else None}


TEAM_FORMS = ("order_recusal", "add_member", "remove_member")
# what the reporter's masking and the team section read: one query each
TEAM_PREFETCH = (Prefetch("members", queryset=CaseMember.objects.select_related("user__person")),
                 Prefetch("recusals", queryset=CaseRecusal.objects.select_related("user__person", "recorded_by")))


def _team_forms(case):
    """The panel's ``customize``: the team's forms choose among the handling unit's discipline staff
    (the county commission's, or the township committee's and — for recusals — the county's too),
    read once."""
    from django import forms

    from .forms import discipline_users

    people = []

    def customize(name, form):
        if name in TEAM_FORMS:
            if not people:
                township = case.handling_township_id
                people.extend((u.pk, u.display_name()) for u in discipline_users(township))
            field = form.fields["user"]
            form.fields["user"] = forms.TypedChoiceField(label=field.label, coerce=int, choices=people)

    return customize


def _team_context(request, case) -> dict:
    """The team section: who is on the case (and may know the reporter), and who recused."""
    return {"team": [m for m in case.members.all() if m.active], "recusals": list(case.recusals.all())}


def _subjects_title(case):
    return _("被审查调查人") if case.is_case else _("被反映人")


# The case page's sections, in page order. A new part of the case file is one entry here (a
# template under cases/, an id, and what it needs: ``context(request, case)``, ``show(request, case)``).
SECTIONS = [
    Section("cases/_case_description.html", title=gettext_lazy("问题描述"), id="description"),
    Section("cases/_case_subjects.html", title=_subjects_title, id="subjects", context=_subjects_context),
    Section("cases/_case_proposal.html", title=gettext_lazy("待审批"), id="proposal",
            show=lambda request, case: bool(case.pending_kind)),
    *RECORD_SECTIONS,  # 留置 and the records of the work (recordviews.py)
    Section("cases/_case_team.html", title=gettext_lazy("办案人员与回避"), id="team", context=_team_context),
]


class CaseDetail(RecordDetailView):
    """A clue or case on the kernel frame (404 to roles that do not see cases; the read is logged)."""

    model = Case
    related = ("township", "handler", "pending_by", "registered_by__person", "handling_township", "taken_up_from")
    prefetch = ("subjects", "matters__pending_by", *TEAM_PREFETCH)
    template = "cases/detail.html"

    def facts(self, case):
        masked = not access.unmasked(self.request.user, case)  # per case: its registrar, handlers, deciding heads
        facts = [
            Fact(_("线索来源"), case.get_source_display(), key="source"),
            Fact(_("问题类别"), case.get_category_display(), key="category"),
            Fact(_("所属乡镇"), case.township.name if case.township_id else None, key="township"),
            Fact(_("涉及金额"), case.amount, template="cases/_case_amount.html", key="amount"),
            Fact(_("受理日期"), case.received_on, key="received_on"),
            Fact(_("承办单位"), case.handling_unit_label, key="handling_unit"),
            *([Fact(_("提级前承办单位"), _("%(township)s纪委") % {"township": case.taken_up_from.name},
                    key="taken_up_from")] if case.taken_up_from_id else []),
            *([Fact(_("督办期限"), case.supervise_due, key="supervise_due")]
              if case.supervised and not case.supervise_reported_at else []),
            Fact(_("承办人"), case.handler.display_name if case.handler_id else None, key="handler"),
            Fact(_("反映人"), access.MASK if masked else None, template="cases/_case_reporter.html", key="reporter"),
        ]
        if case.filed_on:
            facts += [Fact(_("立案日期"), case.filed_on, key="filed_on"),
                      Fact(_("审查调查期限"), case.investigation_due, template="cases/_case_investigation.html",
                           key="investigation_due")]
        if case.four_forms:
            facts.append(Fact(_("四种形态"), case.get_four_forms_display(), key="four_forms"))
        if case.light_measure:
            facts.append(Fact(_("处理方式"), case.get_light_measure_display(), key="light_measure"))
        if case.closed_on:
            facts.append(Fact(_("了结日期"), case.closed_on, key="closed_on"))
        return facts

    def sections(self, case):
        return SECTIONS

    def panel(self, case):
        return {"next_url": case.get_absolute_url(), "customize": _team_forms(case)}

    def frame(self, case):
        upload = None
        if access.can(self.request.user, "handle", case):
            upload = Upload(reverse("cases:attachment-add", args=[case.pk]),
                            bound_form(self.request, "attachment", AttachmentForm))
        return {"title": case.get_category_display(), "number": case.number, "state_id": "case-state",
                "facts_title": _("案件信息") if case.is_case else _("线索信息"),
                "back": (_("线索与案件"), reverse("cases:list")), "upload": upload,
                # the case's own files; a talk's or a letter's are shown with it (its section)
                "attachments": list(attachments_of(case, part=""))}

    def timeline(self, case):
        return _timeline(case, self.request.user)

    def context(self, case):
        return {"case": case, "panel_title": _("可办理")}


case_detail = case_roles_required(CaseDetail.as_view())


@case_roles_required
@require_POST
def case_attachment_add(request, pk):
    """A handler adds a file (evidence, report) to a case; the kernel serves it by scope."""
    case = visible_or_404(request.user, Case, pk, via="ui")
    if not access.can(request.user, "handle", case):
        raise PermissionDenied(_("您无权执行此操作。"))
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return refused(request, case, "attachment", ValidationError(form.errors.as_data()))
    services.case_attachment_add(actor=request.user, case=case, upload=form.cleaned_data["file"])
    messages.success(request, _("已上传附件。"))
    return HttpResponseRedirect(case.get_absolute_url())


@case_roles_required
@require_POST
def case_subject_add(request, pk):
    case = visible_or_404(request.user, Case, pk)
    form = SubjectForm(request.POST, prefix="subject")
    if not access.can(request.user, "handle", case):
        raise PermissionDenied(_("您无权执行此操作。"))
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        services.case_subject_add(actor=request.user, case=case, **form.cleaned_data)
    except ValidationError as exc:
        return refused(request, case, "subject", exc)
    messages.success(request, _("已增加被反映人。"))
    return HttpResponseRedirect(case.get_absolute_url())


@case_roles_required
def approval_queue(request):
    qs = selectors.approvals_for(user=request.user).prefetch_related("matters__subject", "matters__pending_by")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rt = registry.for_model(Case)
    rows = []
    for c in page:
        subjects = [m for m in c.matters.all() if m.pending_kind]
        for m in subjects:
            m.case = c
        own = bool(c.pending_kind) and "approve" in available_transitions(c, request.user)
        rows.append({"case": c, "can_decide": own,
                     "subjects": [{"matter": m, "can_decide": "approve" in available_transitions(m, request.user)}
                                  for m in subjects]})
    log_reads(request.user, page, via="ui", request=request)
    return render(request, "cases/approvals.html", {"page": page, "rows": rows, "key": rt.key})


@case_roles_required
def statistics(request):
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
    stats = selectors.case_statistics(user=request.user, year=year)
    labels = {"category": dict(choices.Category.choices), "four_forms": dict(choices.FourForms.choices),
              "state": dict(choices.State.choices)}
    tables = []
    for key, title, field in (("category", _("按问题类别"), "category"), ("township", _("按乡镇"), "township__name"),
                              ("four_forms", _("按“四种形态”"), "four_forms"), ("state", _("按办理状态"), "state")):
        rows = []
        for row in stats["by"][key]:
            value = row[field]
            label = labels.get(key, {}).get(value, value) if value else _("（未标注）")
            rows.append({"label": label, "n": row["n"], "amount": row["amount"] or 0})
        tables.append({"key": key, "title": title, "rows": rows})
    this_year = timezone.localdate().year
    return render(request, "cases/stats.html", {"tables": tables, "totals": stats["totals"], "year": year,
                                                "years": list(range(this_year, this_year - 6, -1))})


EXPORT_COLUMNS = [
    ("number", gettext_lazy("编号")), ("received_on", gettext_lazy("受理日期")), ("source", gettext_lazy("线索来源")),
    ("category", gettext_lazy("问题类别")), ("township", gettext_lazy("乡镇")), ("subjects", gettext_lazy("被反映人")),
    ("reporter_name", gettext_lazy("反映人")), ("reporter_contact", gettext_lazy("联系方式")),
    ("amount", gettext_lazy("涉及金额（元）")), ("state", gettext_lazy("状态")), ("due_date", gettext_lazy("办理期限")),
    ("light", gettext_lazy("期限状态")), ("overdue", gettext_lazy("逾期")), ("escalated", gettext_lazy("提级办理")),
    ("outcomes", gettext_lazy("处理结果（按被审查调查人）")), ("four_forms", gettext_lazy("四种形态")),
]


def _matter_labels() -> dict:
    """The export's choice labels of a subject's matter, translated once per export (exports.choice_labels)."""
    from .subjects import SubjectMatter

    return {name: choice_labels(SubjectMatter, name)
            for name in ("outcome", "state", "party_sanction", "admin_sanction", "four_forms")}


def _outcome_cell(matter, labels=None) -> str:
    labels = labels or _matter_labels()
    bits = [labels["outcome"](matter.outcome) or labels["state"](matter.state)]
    sanctions = (labels["party_sanction"](matter.party_sanction), labels["admin_sanction"](matter.admin_sanction))
    bits += [x for x in sanctions if x]
    if matter.transferred:
        bits.append(_("移送审查起诉"))
    return f"{matter.subject.name}：{'、'.join(bits)}"


@case_roles_required
def case_export(request):
    rt = registry.for_model(Case)
    cases = list(CASES.rows(request, selectors.case_list_visible_to(user=request.user)
                            .prefetch_related("matters__subject")))
    calendar = deadlines.calendar_for(request)
    source, category, state, four_forms = (choice_labels(Case, name)
                                           for name in ("source", "category", "state", "four_forms"))
    matter_labels = _matter_labels()
    rows = []
    for c in cases:
        masked = () if access.unmasked(request.user, c) else rt.masked_fields  # per case (team.py)
        values = {
            "number": c.number, "received_on": c.received_on, "source": source(c.source),
            "category": category(c.category), "township": c.township.name if c.township_id else "",
            "subjects": "、".join(s.name for s in c.subjects.all()),
            "reporter_name": _("匿名") if c.reporter_anonymous else c.reporter_name,
            "reporter_contact": c.reporter_contact, "amount": float(c.amount), "state": state(c.state),
            "due_date": c.due_date, "overdue": _("是") if c.overdue else "",
            "light": deadlines.light_export_cells(c, calendar=calendar)[0],
            "escalated": _("是") if c.escalated else "",
            "outcomes": "；".join(_outcome_cell(m, matter_labels) for m in c.matters.all()),
            "four_forms": "、".join(x for x in [four_forms(c.four_forms),
                                                *[matter_labels["four_forms"](m.four_forms) for m in c.matters.all()]]
                                    if x),
        }
        for name in masked:
            values[name] = access.MASK
        rows.append([values[key] for key, _label in EXPORT_COLUMNS])
    # An export opens every exported case file: one read-log row each, in one insert.
    log_reads(request.user, cases, via="export", request=request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(_("线索与案件-%(stamp)s.xlsx") % {"stamp": stamp},
                         [label for _key, label in EXPORT_COLUMNS], rows)


# --- accountability -------------------------------------------------------------------------

@case_roles_required
def matter_list(request):
    f = {"state": request.GET.get("state", ""), "source_kind": request.GET.get("source_kind", "")}
    qs = selectors.matter_list_visible_to(user=request.user, filters=f)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    log_reads(request.user, page, via="ui", request=request)
    return render(request, "cases/matter_list.html", {
        "page": page, "f": f, "states": choices.MatterState.choices, "sources": choices.MatterSource.choices,
        "can_create": access.can_anywhere(request.user, registry.for_model(AccountabilityMatter), "create"),
    })


@case_roles_required
def matter_create(request):
    if not access.can_anywhere(request.user, registry.for_model(AccountabilityMatter), "create"):
        raise PermissionDenied(_("您无权登记问责事项。"))
    form = MatterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            matter, _created = services.accountability_open(actor=request.user, reason=d["reason"],
                                                            target_unit=d["target_unit"],
                                                            target_person=d["target_person"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已登记问责事项。"))
            return HttpResponseRedirect(matter.get_absolute_url())
    return render(request, "cases/matter_create.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


# which targets each per-target action of a matter offers (by the target's status)
TARGET_ACTIONS = {"apply_measure": {"decided"}, "appeal": {"decided", "applied"}, "propose_reexam": {"appealed"}}


def _matter_form(targets, name, form):
    """The matter's forms name its targets: one measure per target for a decision, and a choice of
    the targets an action applies to (the kernel checks again)."""
    from django import forms

    from .forms import decision_choices

    if name == "propose_decision":
        for t in targets:
            form.fields[f"measure_{t.pk}"] = forms.ChoiceField(
                label=_("%(t)s 的问责方式") % {"t": t.name}, choices=[("", "—"), *decision_choices()])
    elif name in TARGET_ACTIONS:
        offered = [(t.pk, t.name) for t in targets if t.status in TARGET_ACTIONS[name]]
        form.fields["target"] = forms.TypedChoiceField(label=_("问责对象"), coerce=int, choices=offered)
    form.order_fields([n for n in form.fields if n != "comment"] + ["comment"])


MATTER_SECTIONS = [
    Section("cases/_matter_targets.html", title=gettext_lazy("问责对象"), id="targets",
            context=lambda request, matter: {"targets": list(matter.targets.all())}),
]


class MatterDetail(RecordDetailView):
    """An accountability matter on the kernel frame."""

    model = AccountabilityMatter
    related = ("target_unit", "target_person", "opened_by", "handler", "pending_by", "decided_by")
    prefetch = ("targets__unit", "targets__person")

    def facts(self, matter):
        source = matter.get_source_kind_display()
        if matter.source_label:
            source = f"{source}：{matter.source_label}"
        facts = [
            Fact(_("来源"), source, key="source"),
            Fact(_("事由"), matter.reason, template="cases/_matter_reason.html", key="reason"),
            Fact(_("登记人"), matter.opened_by.display_name if matter.opened_by_id else _("系统"), key="opened_by"),
            Fact(_("承办人"), matter.handler.display_name if matter.handler_id else None, key="handler"),
        ]
        if matter.pending_kind:
            by = matter.pending_by.display_name() if matter.pending_by_id else ""
            facts.append(Fact(_("待审批事项"), f"{matter.get_pending_kind_display()}（{by}）", key="pending"))
        if matter.decided_on:
            by = matter.decided_by.display_name() if matter.decided_by_id else ""
            facts.append(Fact(_("决定日期"), f"{matter.decided_on}（{by}）", key="decided_on"))
        if matter.measure and not matter.targets.all():
            facts.append(Fact(_("问责方式"), matter.get_measure_display(), key="measure"))
        return facts

    def sections(self, matter):
        return MATTER_SECTIONS

    def panel(self, matter):
        return {"next_url": matter.get_absolute_url(),
                "customize": functools.partial(_matter_form, list(matter.targets.all()))}

    def frame(self, matter):
        return {"title": str(matter), "number": "", "handler": False, "attachments": [],
                "back": (_("问责"), reverse("cases:matter-list"))}

    def timeline(self, matter):
        return _timeline(matter, self.request.user)

    def context(self, matter):
        return {"matter": matter, "panel_title": _("可办理")}


matter_detail = case_roles_required(MatterDetail.as_view())
