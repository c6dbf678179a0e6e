"""Per-subject matters: one ``SubjectMatter`` per subject 被审查调查人 of a filed case.

Its own record type (registered like the case: county-level, confidential, the same roles),
with its own state machine fired through ``run_transition``:

    open 审查调查中 ──(outcome approved: sanction)──► decided ──announce──► executed ──report_execution──► closed
    open ──(outcome approved: 免予处分 / 不予处分 / 撤销案件)──► closed
    executed | closed ──appeal──► appealed ──(re-examination approved)──► executed | closed

Proposals (``propose_outcome`` from the case's review, ``propose_transfer`` 移送审查起诉 from its
investigation or review, ``propose_reexam``) are approved by a head other than the proposer
(proposals.py). A transferred subject keeps its matter: its party and administrative sanctions
are still decided, announced and executed here (the fourth form), and ``record_prosecution``
keeps the procuratorate's and the court's outcome. The case follows its matters (rules.py):
``enter_decisions`` when the first outcome is approved, ``conclude`` when every matter is closed.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import RETURN_VALUE, FSMField, transition

from supervision import deadlines, workdays
from supervision.links import record_url
from supervision.models import WorkflowRecord, audited_history

from . import choices, fourforms, proposals, units
from .conf import limit
from .forms import (
    AnnounceForm,
    ApprovalForm,
    ExecutionForm,
    OutcomeForm,
    ProsecutionForm,
    ReexamForm,
    check_earlier_date,
)


def _case_in_review(matter) -> bool:
    return matter.case.state in ("reviewing", "decided")


_case_in_review.message = gettext_lazy("案件移送审理后才能提出处理意见。")


def _case_in_investigation_or_review(matter) -> bool:
    return matter.case.state in ("investigating", "reviewing", "decided")


_case_in_investigation_or_review.message = gettext_lazy("审查调查或审理阶段才能移送审查起诉。")


def _not_transferred(matter) -> bool:
    return not matter.transferred


def _transferred(matter) -> bool:
    return matter.transferred


_transferred.message = gettext_lazy("该被审查调查人未移送审查起诉。")


def _appealable(matter) -> bool:
    return matter.outcome in ("sanction", "exempted", "no_sanction")


class SubjectMatter(WorkflowRecord):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="matters",
                             verbose_name=gettext_lazy("案件"))
    subject = models.OneToOneField("cases.CaseSubject", on_delete=models.PROTECT, related_name="matter",
                                   verbose_name=gettext_lazy("被审查调查人"))
    state = FSMField(gettext_lazy("状态"), default="open", protected=True, choices=choices.SubjectState.choices,
                     db_index=True)

    pending_kind = models.CharField(gettext_lazy("待审批事项"), max_length=20, blank=True,
                                    choices=choices.SubjectProposal.choices, db_index=True)
    pending_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=gettext_lazy("提议人"))
    pending_at = models.DateTimeField(gettext_lazy("提议时间"), null=True, blank=True)
    pending_data = models.JSONField(gettext_lazy("提议内容"), default=dict, blank=True)

    outcome = models.CharField(gettext_lazy("处理结果"), max_length=20, blank=True, choices=choices.Outcome.choices)
    party_sanction = models.CharField(gettext_lazy("党纪处分"), max_length=20, blank=True,
                                      choices=choices.PartySanction.choices)
    admin_sanction = models.CharField(gettext_lazy("政务处分"), max_length=20, blank=True,
                                      choices=choices.AdminSanction.choices)
    four_forms = models.CharField(gettext_lazy("“四种形态”"), max_length=10, blank=True,
                                  choices=choices.FourForms.choices, db_index=True)
    decided_on = models.DateField(gettext_lazy("决定日期"), null=True, blank=True)
    executed_on = models.DateField(gettext_lazy("宣布执行日期"), null=True, blank=True)
    execution_report = models.TextField(gettext_lazy("执行情况报告"), blank=True)
    closed_on = models.DateField(gettext_lazy("办结日期"), null=True, blank=True)

    transferred = models.BooleanField(gettext_lazy("已移送审查起诉"), default=False, db_index=True)
    transferred_on = models.DateField(gettext_lazy("移送日期"), null=True, blank=True)
    procuratorate = models.CharField(gettext_lazy("检察机关决定"), max_length=20, blank=True,
                                     choices=choices.Procuratorate.choices)
    procuratorate_on = models.DateField(gettext_lazy("检察机关决定日期"), null=True, blank=True)
    judgement = models.TextField(gettext_lazy("法院判决"), blank=True)
    judgement_on = models.DateField(gettext_lazy("判决日期"), null=True, blank=True)

    appealed_on = models.DateField(gettext_lazy("申诉日期"), null=True, blank=True)
    appealed_from = models.CharField(gettext_lazy("申诉前状态"), max_length=20, blank=True,
                                     choices=choices.SubjectState.choices)
    reexam_outcome = models.CharField(gettext_lazy("复查结论"), max_length=20, blank=True,
                                      choices=choices.ReexamOutcome.choices)
    reexamined_on = models.DateField(gettext_lazy("复查日期"), null=True, blank=True)

    due_date = models.DateField(gettext_lazy("办理期限"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(gettext_lazy("期限待定（节假日未公布）"), default=False)
    due_kind = models.CharField(gettext_lazy("期限类型"), max_length=20, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["pk"]
        verbose_name = gettext_lazy("被审查调查人处理事项")
        verbose_name_plural = gettext_lazy("被审查调查人处理事项")

    def __str__(self):
        return _("%(case)s · %(name)s") % {"case": self.case.number, "name": self.subject.name}

    def get_absolute_url(self):
        # The subject's matter is shown (and its forms re-rendered on a refusal) on the case page.
        return record_url("cases:detail", self.case_id) + f"?subject={self.pk}"

    @property
    def is_done(self) -> bool:
        return self.state in choices.SUBJECT_DONE_STATES

    # --- helpers --------------------------------------------------------------------------

    def _set_due(self, kind: str, deadline: workdays.Deadline | None):
        self.due_kind = kind if deadline else ""
        self.due_date = deadline.date if deadline else None
        self.due_provisional = bool(deadline and deadline.provisional)
        deadlines.remember(self, "due_date", deadline, provisional_field="due_provisional")

    def check_sanctions(self, party_sanction: str, admin_sanction: str, *, prefix: str = ""):
        """Village-committee staff get only 警告/记过/记大过; non-members get no party sanction (400)."""
        s = self.subject
        if admin_sanction and admin_sanction not in choices.VILLAGE_COMMITTEE_ADMIN_SANCTIONS \
                and s.is_village_committee:
            raise ValidationError({f"{prefix}admin_sanction": _(
                "%(name)s 是村委会工作人员，政务处分只能是警告、记过或记大过。") % {"name": s.name}})
        if party_sanction and not s.is_party_member:
            raise ValidationError({f"{prefix}party_sanction": _(
                "%(name)s 不是中共党员，不能给予党纪处分。") % {"name": s.name}})

    def fitting_form(self, outcome: str, party_sanction: str, admin_sanction: str) -> str:
        return fourforms.fitting(party_sanction=party_sanction, admin_sanction=admin_sanction, outcome=outcome,
                                 transferred=self.transferred)

    # --- proposals ------------------------------------------------------------------------

    @transition(field=state, source=["open"], target=None, conditions=[proposals.no_pending, _case_in_review],
                custom={"label": gettext_lazy("提出处理意见"), "right": "propose", "form": OutcomeForm})
    def propose_outcome(self, ctx):
        p = ctx.params
        if not (self.case.review_report or "").strip():
            raise ValidationError(_("提出处理意见前，案件须有审理报告。"))
        outcome, party, admin = p["outcome"], p.get("party_sanction") or "", p.get("admin_sanction") or ""
        self.check_sanctions(party, admin)
        forms_tag = fourforms.check(p.get("four_forms") or "", self.fitting_form(outcome, party, admin))
        proposals.propose(self, ctx, "outcome", data={
            "outcome": outcome, "party_sanction": party, "admin_sanction": admin, "four_forms": forms_tag})

    @transition(field=state, source=["open"], target=None,
                conditions=[proposals.no_pending, _not_transferred, _case_in_investigation_or_review],
                custom={"label": gettext_lazy("提请移送审查起诉"), "right": "propose_any", "inbox": False})
    def propose_transfer(self, ctx):
        proposals.propose(self, ctx, "transfer")

    @transition(field=state, source=["appealed"], target=None, conditions=[proposals.no_pending],
                custom={"label": gettext_lazy("提出复查意见"), "right": "propose_any", "form": ReexamForm})
    def propose_reexam(self, ctx):
        p = ctx.params
        party, admin = p.get("party_sanction") or "", p.get("admin_sanction") or ""
        if p["outcome"] == "modified":
            self.check_sanctions(party, admin)
        proposals.propose(self, ctx, "reexam", data={"outcome": p["outcome"], "party_sanction": party,
                                                     "admin_sanction": admin})

    @transition(field=state, source=["open", "appealed"], conditions=[proposals.has_pending],
                target=RETURN_VALUE("open", "decided", "closed", "executed"),
                custom={"label": gettext_lazy("审批同意"), "right": "approve", "comment_required": False,
                        "form": ApprovalForm})
    def approve(self, ctx):
        kind, data = self.pending_kind, self.pending_data or {}
        if units.needs_county(self) and not units.unit_approved(self):
            # A township committee's decision above the set level: its head's approval is
            # recorded, and the proposal goes on to the county commission (units.may_approve_here).
            self.pending_data = {**data, "unit_approved_by": ctx.actor.pk,
                                 "unit_approved_at": timezone.now().isoformat(timespec="seconds")}
            ctx.approved_kind = "unit"
            return self.state
        day = ctx.params.get("approved_on")
        if day is not None:
            check_earlier_date(day, field="approved_on", not_before=self.case.filed_on)
        else:
            day = timezone.localdate()
        ctx.approved_kind = kind
        target = self.state
        if kind == "outcome":
            # Checked again: the rules (and the mapping setting) hold at the moment of decision.
            self.check_sanctions(data["party_sanction"], data["admin_sanction"])
            self.four_forms = fourforms.check(data.get("four_forms", ""), self.fitting_form(
                data["outcome"], data["party_sanction"], data["admin_sanction"]))
            self.outcome = data["outcome"]
            self.party_sanction = data["party_sanction"]
            self.admin_sanction = data["admin_sanction"]
            self.decided_on = day
            if self.outcome == "sanction":
                target = "decided"
                self._set_due("announce", workdays.period_end(day, months=limit("ANNOUNCE_MONTHS")))
            else:
                target = "closed"
                self.closed_on = day
                self._set_due("", None)
        elif kind == "transfer":
            self.transferred = True
            self.transferred_on = day
        elif kind == "reexam":
            self.reexam_outcome = data["outcome"]
            self.reexamined_on = day
            if data["outcome"] == "modified":
                self.check_sanctions(data["party_sanction"], data["admin_sanction"])
                self.party_sanction = data["party_sanction"]
                self.admin_sanction = data["admin_sanction"]
                self.four_forms = self.fitting_form("sanction", self.party_sanction, self.admin_sanction)
            elif data["outcome"] == "revoked":
                self.party_sanction = ""
                self.admin_sanction = ""
                self.four_forms = self.fitting_form("revoked", "", "")
            target = "closed" if data["outcome"] == "revoked" else (self.appealed_from or "closed")
            if target == "executed":
                self._set_due("execution_report",
                              workdays.period_end(self.executed_on or day, months=limit("EXECUTION_REPORT_MONTHS")))
            else:
                self._set_due("", None)
        proposals.clear(self)
        return target

    @transition(field=state, source=["open", "appealed"], target=None, conditions=[proposals.has_pending],
                custom={"label": gettext_lazy("不同意（退回提议）"), "right": "approve"})
    def reject_proposal(self, ctx):
        proposals.clear(self)

    # --- execution and appeal (handler) -----------------------------------------------------

    @transition(field=state, source=["decided"], target="executed",
                custom={"label": gettext_lazy("宣布执行"), "right": "handle", "form": AnnounceForm,
                        "comment_required": False})
    def announce(self, ctx):
        today = timezone.localdate()
        day = ctx.params.get("announced_on") or today
        if day > today or (self.decided_on and day < self.decided_on):
            raise ValidationError({"announced_on": _("宣布日期须在决定日期（%(d)s）与今天之间。") % {
                "d": self.decided_on}})
        self.executed_on = day
        self._set_due("execution_report", workdays.period_end(day, months=limit("EXECUTION_REPORT_MONTHS")))

    @transition(field=state, source=["executed"], target="closed",
                custom={"label": gettext_lazy("报告执行情况"), "right": "handle", "form": ExecutionForm,
                        "comment_required": False})
    def report_execution(self, ctx):
        self.execution_report = ctx.params["execution_report"].strip()
        self.closed_on = timezone.localdate()
        self._set_due("", None)

    @transition(field=state, source=["executed", "closed"], target="appealed", conditions=[_appealable],
                custom={"label": gettext_lazy("登记申诉"), "right": "handle", "inbox": False})
    def appeal(self, ctx):
        today = timezone.localdate()
        self.appealed_from = self.state
        self.appealed_on = today
        self._set_due("reexamination", workdays.period_end(today, months=limit("REEXAMINATION_MONTHS")))

    @transition(field=state, source=["open", "decided", "executed", "appealed", "closed"], target=None,
                conditions=[_transferred],
                custom={"label": gettext_lazy("登记检察、审判结果"), "right": "handle", "form": ProsecutionForm,
                        "inbox": False, "comment_required": False})
    def record_prosecution(self, ctx):
        p = ctx.params
        for day in (p.get("procuratorate_on"), p.get("judgement_on")):
            if day and self.transferred_on and day < self.transferred_on:
                raise ValidationError(_("检察、审判日期不能早于移送日期（%(d)s）。") % {"d": self.transferred_on})
        if p.get("procuratorate"):
            self.procuratorate = p["procuratorate"]
            self.procuratorate_on = p["procuratorate_on"]
        if (p.get("judgement") or "").strip():
            self.judgement = p["judgement"].strip()
            self.judgement_on = p["judgement_on"]
