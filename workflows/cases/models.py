"""Clue/case records (one record through its whole life), their subjects and accountability matters.

A ``Case`` starts as a clue 问题线索 in ``received`` and, if filed, continues as a case 案件
under the same number: one state machine, one history chain, one read log (see docs/cases.md).
Once filed, each subject 被审查调查人 has its own matter (``SubjectMatter``, subjects.py):
outcome, sanctions, four-forms tag, transfer for prosecution, execution and appeal are per
subject, and the case closes when every subject's matter is closed.

Two-person rule (proposals.py): a handler proposes — a ``propose_*`` transition that keeps the
state and fills the ``pending_*`` fields — and a head other than the proposer (of the level the
proposal needs) fires ``approve`` or ``reject_proposal``. Each is its own history row.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import RETURN_VALUE, FSMField, transition

from supervision import deadlines, workdays
from supervision.links import record_url
from supervision.models import WorkflowRecord, audited_history

from . import choices, fourforms, proposals, team
from .choices import OPEN_STATES, PROPOSAL_STATES, TIMED_STATES
from .conf import limit, setting
from .forms import (
    ApprovalForm,
    CloseForm,
    DecisionForm,
    DispositionForm,
    ExtensionForm,
    MemberForm,
    MemberRemoveForm,
    RecusalForm,
    ReviewReportForm,
    RouteForm,
    SuperviseForm,
    TargetAppealForm,
    TargetApplyForm,
    TargetForm,
    TargetReexamForm,
    check_earlier_date,
)


def _not_escalated(case) -> bool:
    return not case.escalated


def _not_overdue(case) -> bool:
    return not case.overdue


def _overdue_not_urged(case) -> bool:
    return case.overdue and not case.overdue_urged


def extensions_allowed(stage: str) -> list[str]:
    """Who approves each extension of ``stage`` (its length: how many are allowed)."""
    return list(setting("EXTENSIONS").get(stage, []))


def _extension_left(case) -> bool:
    stage = choices.EXTENSION_STAGES.get(case.state)
    return stage is not None and case.extensions_used(stage) < len(extensions_allowed(stage))


_extension_left.message = lambda case: _("本阶段的延期次数已用完（最多 %(n)d 次）。") % {
    "n": len(extensions_allowed(choices.EXTENSION_STAGES.get(case.state, "")))}


def _not_routed(case) -> bool:
    return case.routed_at is None


_not_routed.message = gettext_lazy("该线索已分办。")


def _at_a_township(case) -> bool:
    return case.handling_township_id is not None


_at_a_township.message = gettext_lazy("该案件由县纪委监委承办。")


def _at_the_county(case) -> bool:
    return case.handling_township_id is None


_at_the_county.message = gettext_lazy("乡镇纪委承办的案件由县纪委监委提级办理或上级督办。")


def _take_up_not_requested(case) -> bool:
    return not case.take_up_requested


_take_up_not_requested.message = gettext_lazy("已申请提级办理，待县纪委监委决定。")


def _take_up_requested(case) -> bool:
    return case.take_up_requested


def _not_supervised(case) -> bool:
    return not case.supervised or case.supervise_reported_at is not None


_not_supervised.message = gettext_lazy("该案件正在上级督办中。")


def _supervision_open(case) -> bool:
    return case.supervised and case.supervise_reported_at is None


def _no_subject_decided(case) -> bool:
    return not case.matters.exclude(state="open").exists()


_no_subject_decided.message = gettext_lazy("已有被审查调查人作出处理决定，不能再退回补充调查。")


class CaseCounter(models.Model):
    """Last case number issued per year (巍纪〔年〕N号); the row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class Case(WorkflowRecord):
    number = models.CharField(gettext_lazy("编号"), max_length=40, blank=True, default="", editable=False)
    number_year = models.PositiveSmallIntegerField(gettext_lazy("编号年度"), null=True, blank=True, editable=False)
    number_seq = models.PositiveIntegerField(gettext_lazy("编号序号"), null=True, blank=True, editable=False)
    source = models.CharField(gettext_lazy("线索来源"), max_length=20, choices=choices.Source.choices)
    category = models.CharField(gettext_lazy("问题类别"), max_length=20, choices=choices.Category.choices,
                                db_index=True)
    reporter_anonymous = models.BooleanField(gettext_lazy("匿名举报"), default=False)
    reporter_name = models.CharField(gettext_lazy("反映人姓名"), max_length=50, blank=True)
    reporter_contact = models.CharField(gettext_lazy("反映人联系方式"), max_length=100, blank=True)
    township = models.ForeignKey("supervision.Region", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=gettext_lazy("所属乡镇"))
    # The handling unit (承办单位): the county commission (empty) or one township's discipline
    # committee (乡镇纪委). The case's scope follows it (``RecordType.scope_lookup``): a township
    # committee sees exactly the clues and cases routed to it.
    handling_township = models.ForeignKey(
        "supervision.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"level": "township"}, verbose_name=gettext_lazy("承办单位（乡镇纪委）"),
        help_text=gettext_lazy("空表示县纪委监委承办。"))
    # 分办 by the county's case management office (``route``); the receiving unit's disposition
    # proposal is due ROUTE_DISPOSITION_WORKING_DAYS later (``due_kind`` "routing").
    routed_at = models.DateTimeField(gettext_lazy("分办时间"), null=True, blank=True, db_index=True)
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=gettext_lazy("分办人"))
    route_share_reporter = models.BooleanField(gettext_lazy("向承办单位提供反映人信息"), default=False)
    route_due_on = models.DateField(gettext_lazy("分办处置期限"), null=True, blank=True)
    route_disposed_at = models.DateTimeField(gettext_lazy("承办单位提出处置意见时间"), null=True, blank=True)
    # Escalation both ways (issue 15 item 4): the county takes a township's case up (提级办理), on
    # its own or at the committee's request; or supervises it from above (上级督办) with a deadline.
    take_up_requested = models.BooleanField(gettext_lazy("乡镇纪委已申请提级办理"), default=False)
    taken_up_at = models.DateTimeField(gettext_lazy("提级办理时间"), null=True, blank=True)
    taken_up_from = models.ForeignKey("supervision.Region", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=gettext_lazy("提级前承办单位"))
    supervised = models.BooleanField(gettext_lazy("上级督办"), default=False, db_index=True)
    supervise_due = models.DateField(gettext_lazy("督办期限"), null=True, blank=True)
    supervise_reported_at = models.DateTimeField(gettext_lazy("督办落实情况报告时间"), null=True, blank=True)
    amount = models.DecimalField(gettext_lazy("涉及金额（元）"), max_digits=14, decimal_places=2, default=0,
                                 validators=[MinValueValidator(0)])
    description = models.TextField(gettext_lazy("问题描述"))
    received_on = models.DateField(gettext_lazy("受理日期"), default=timezone.localdate)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=gettext_lazy("承办人"))
    # Who registered the clue: one of those who know the reporter (team.py).
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", editable=False, verbose_name=gettext_lazy("登记人"))

    state = FSMField(gettext_lazy("状态"), default="received", protected=True, choices=choices.State.choices,
                     db_index=True)

    # The open proposal awaiting a head's approval (two-person rule).
    pending_kind = models.CharField(gettext_lazy("待审批事项"), max_length=20, blank=True,
                                    choices=choices.ProposalKind.choices, db_index=True)
    pending_target = models.CharField(gettext_lazy("提议去向"), max_length=20, blank=True,
                                      choices=choices.State.choices)
    pending_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=gettext_lazy("提议人"))
    pending_at = models.DateTimeField(gettext_lazy("提议时间"), null=True, blank=True)
    pending_data = models.JSONField(gettext_lazy("提议内容"), default=dict, blank=True)

    # Time limits.
    due_date = models.DateField(gettext_lazy("办理期限"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(gettext_lazy("期限待定（节假日未公布）"), default=False)
    due_kind = models.CharField(gettext_lazy("期限类型"), max_length=20, blank=True)
    investigation_due = models.DateField(gettext_lazy("审查调查期限"), null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(gettext_lazy("延期次数"), default=0)
    verification_extensions = models.PositiveSmallIntegerField(gettext_lazy("初步核实延期次数"), default=0)
    investigation_extensions = models.PositiveSmallIntegerField(gettext_lazy("审查调查延期次数"), default=0)
    overdue = models.BooleanField(gettext_lazy("已逾期"), default=False, db_index=True)
    overdue_urged = models.BooleanField(gettext_lazy("已督办"), default=False)

    escalated = models.BooleanField(gettext_lazy("提级办理/上级督办"), default=False, db_index=True)
    escalated_at = models.DateTimeField(gettext_lazy("提级时间"), null=True, blank=True)

    disposition = models.CharField(gettext_lazy("处置方式"), max_length=20, blank=True,
                                   choices=choices.State.choices)
    filed_on = models.DateField(gettext_lazy("立案日期"), null=True, blank=True)
    review_report = models.TextField(gettext_lazy("审理报告"), blank=True)
    light_measure = models.CharField(gettext_lazy("处理方式"), max_length=20, blank=True,
                                     choices=choices.LightMeasure.choices)
    # A clue closed without filing (inquiry, verification): the form its outcome fits, or none.
    # A filed case's forms are its subjects' (``SubjectMatter.four_forms``).
    four_forms = models.CharField(gettext_lazy("“四种形态”"), max_length=10, blank=True,
                                  choices=choices.FourForms.choices, db_index=True)
    closed_on = models.DateField(gettext_lazy("了结日期"), null=True, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["-pk"]
        verbose_name = gettext_lazy("问题线索/案件")
        verbose_name_plural = gettext_lazy("问题线索与案件")
        constraints = [models.UniqueConstraint(
            fields=["number_year", "number_seq"], condition=models.Q(number_seq__isnull=False),
            name="uniq_case_number_per_year",
            violation_error_message=gettext_lazy("该年度的案件编号已被使用。"))]

    def __str__(self):
        return f"{self.number} {self.get_category_display()}"

    @property
    def route_late(self) -> bool:
        """Routed, and its disposition proposed after the limit (or still missing past it)."""
        if self.route_due_on is None:
            return False
        if self.route_disposed_at is not None:
            return timezone.localdate(self.route_disposed_at) > self.route_due_on
        return timezone.localdate() > self.route_due_on

    @property
    def handling_unit_label(self) -> str:
        """The handling unit's name: 县纪委监委 or 〈乡镇〉纪委."""
        if self.handling_township_id is None:
            return str(gettext_lazy("县纪委监委"))
        return str(gettext_lazy("%(township)s纪委")) % {"township": self.handling_township.name}

    def get_absolute_url(self):
        return record_url("cases:detail", self.pk)

    @property
    def is_case(self) -> bool:
        """Filed (立案) at some point: a case 案件 rather than a clue 线索."""
        return self.filed_on is not None

    def extensions_used(self, stage: str) -> int:
        return self.verification_extensions if stage == "verification" else self.investigation_extensions

    def approver_level(self) -> str:
        """The open proposal's approver (proposals.may_approve): an extension by its stage's policy."""
        if self.pending_kind == "extension":
            stage = choices.EXTENSION_STAGES.get(self.state, "")
            policy = extensions_allowed(stage)
            used = self.extensions_used(stage)
            return policy[used] if used < len(policy) else proposals.HEAD
        return proposals.HEAD

    # --- helpers used by transitions ------------------------------------------------------

    def _set_due(self, kind: str, deadline: workdays.Deadline | None):
        self.due_kind = kind if deadline else ""
        self.due_date = deadline.date if deadline else None
        self.due_provisional = bool(deadline and deadline.provisional)
        self.overdue = False
        self.overdue_urged = False
        # Start and rule kept: an extension counts from the period's original end, and a
        # provisional date is recomputed once its year's schedule is entered.
        deadlines.remember(self, "due_date", deadline, provisional_field="due_provisional",
                           mirror_field="investigation_due" if kind == "investigation" else "")

    # --- proposals (handler) --------------------------------------------------------------

    @transition(field=state, source=["received", "inquiry", "parked"], target=None,
                conditions=[proposals.no_pending],
                custom={"label": gettext_lazy("提出处置意见"), "right": "propose", "form": DispositionForm})
    def propose_disposition(self, ctx):
        target = ctx.params["target"]
        if target not in choices.DISPOSITIONS[self.state]:
            raise ValidationError({"target": _("“%(state)s”状态下不能提出“%(target)s”的处置意见。") % {
                "state": self.get_state_display(), "target": choices.State(target).label}})
        proposals.propose(self, ctx, "disposition", target)
        if self.routed_at is not None and self.route_disposed_at is None:
            # The routed clue's limit is met by the receiving unit's first disposition proposal.
            self.route_disposed_at = timezone.now()
            if self.due_kind == "routing":
                self._set_due("", None)

    @transition(field=state, source=["received"], target=None, conditions=[_not_routed, proposals.no_pending],
                custom={"label": gettext_lazy("分办"), "right": "route", "form": RouteForm})
    def route(self, ctx):
        """分办: hand the clue to a township discipline committee (or keep it at the county), with a
        time limit for the receiving unit's disposition proposal. The county handler steps back:
        the receiving unit's head assigns its own 承办人."""
        township = ctx.params.get("handling_township")
        self.handling_township = township
        self.route_share_reporter = bool(township is not None and ctx.params.get("share_reporter"))
        self.routed_at = timezone.now()
        self.routed_by = ctx.actor
        if township is not None:
            self.handler = None
        deadline = workdays.add_working_days(timezone.localdate(), limit("ROUTE_DISPOSITION_WORKING_DAYS"))
        self._set_due("routing", deadline)
        self.route_due_on = deadline.date  # kept after the proposal: was it in time? (the register)

    @transition(field=state, source=["verification"], target=None, conditions=[proposals.no_pending],
                custom={"label": gettext_lazy("提请立案"), "right": "propose"})
    def propose_filing(self, ctx):
        if not self.subjects.exists():
            raise ValidationError(_("立案前须登记至少一名被审查调查人。"))
        proposals.propose(self, ctx, "filing", "filed")

    @transition(field=state, source=["verification", "investigating"], target=None,
                conditions=[proposals.no_pending, _extension_left],
                custom={"label": gettext_lazy("申请延长期限"), "right": "propose", "form": ExtensionForm,
                        "inbox": False})
    def propose_extension(self, ctx):
        days = ctx.params.get("days")
        if self.state == "investigating":
            maximum = limit("INVESTIGATION_EXTENSION_MAX_DAYS")
            if not days:
                raise ValidationError({"days": _("请填写延长天数。")})
            if days > maximum:
                raise ValidationError({"days": _("审查调查最多延长 %(n)d 天。") % {"n": maximum}})
            data = {"days": days}
        else:
            data = {"months": limit("VERIFICATION_EXTENSION_MONTHS")}
        proposals.propose(self, ctx, "extension", self.state, data)

    @transition(field=state, source=["reviewing"], target=None, custom={
        "label": gettext_lazy("提交审理报告"), "right": "handle", "form": ReviewReportForm, "inbox": False})
    def file_review_report(self, ctx):
        self.review_report = ctx.params["review_report"]

    @transition(field=state, source=["reviewing"], target=None,
                conditions=[proposals.no_pending, _no_subject_decided],
                custom={"label": gettext_lazy("提请退回补充调查"), "right": "propose_any", "inbox": False})
    def propose_send_back(self, ctx):
        proposals.propose(self, ctx, "send_back", "investigating")

    # --- approval (head, never the proposer) -------------------------------------------------

    @transition(field=state, source=PROPOSAL_STATES, conditions=[proposals.has_pending],
                target=RETURN_VALUE("inquiry", "verification", "parked", "dismissed", "filed", "investigating"),
                custom={"label": gettext_lazy("审批同意"), "right": "approve", "comment_required": False,
                        "form": ApprovalForm})
    def approve(self, ctx):
        """``approved_on`` (optional): the date of an approval given on paper before it was recorded
        here; the dates and time limits it sets count from that day. History keeps the real time."""
        kind, target, data = self.pending_kind, self.pending_target, self.pending_data or {}
        day = ctx.params.get("approved_on")
        if day is not None:
            earlier = [d for d in (self.received_on, self.filed_on) if d]
            check_earlier_date(day, field="approved_on", not_before=max(earlier, default=None))
        else:
            day = timezone.localdate()
        ctx.approved_on = day
        ctx.approved_kind = kind
        if kind == "disposition":
            self.disposition = target
            if target == "inquiry":
                self._set_due("inquiry", workdays.add_working_days(day, limit("INQUIRY_REPLY_WORKING_DAYS")))
            elif target == "verification":
                self._set_due("verification", workdays.period_end(day, months=limit("VERIFICATION_MONTHS")))
            elif target == "dismissed":
                # 予以了结 on intake, or the 了结 of a parked clue: no violation to answer, no form.
                self._set_due("", None)
                self.closed_on = day
                self.four_forms = fourforms.fitting(
                    clue="parked_closed" if self.state == "parked" else "dismissed")
            else:
                self._set_due("", None)
        elif kind == "filing":
            self.filed_on = day
            deadline = workdays.add_calendar_days(day, limit("INVESTIGATION_DAYS"))
            self.investigation_due = deadline.date
            self._set_due("investigation", deadline)
        elif kind == "send_back":
            due = self.investigation_due
            self._set_due("investigation", workdays.Deadline(due) if due else None)
        elif kind == "extension":
            # Counted from the original end of the period (民法典 art. 201–203), not from a
            # date already clamped to a month's end or moved off a holiday.
            if target == "investigating":
                deadline = deadlines.extended(self, "due_date", days=int(data["days"]), fallback_start=day)
                self.investigation_due = deadline.date
                self.investigation_extensions += 1
            else:
                deadline = deadlines.extended(self, "due_date", months=int(data.get("months", 1)),
                                              fallback_start=day)
                self.verification_extensions += 1
            self.extension_count += 1
            self._set_due(self.due_kind or target, deadline)
        proposals.clear(self)
        return target

    @transition(field=state, source=PROPOSAL_STATES, target=None, conditions=[proposals.has_pending],
                custom={"label": gettext_lazy("不同意（退回提议）"), "right": "approve"})
    def reject_proposal(self, ctx):
        proposals.clear(self)

    # --- handling ---------------------------------------------------------------------------

    @transition(field=state, source=["filed"], target="investigating",
                custom={"label": gettext_lazy("开始审查调查"), "right": "handle", "comment_required": False})
    def start_investigation(self, ctx):
        pass

    @transition(field=state, source=["investigating"], target="reviewing", conditions=[proposals.no_pending],
                custom={"label": gettext_lazy("移送审理"), "right": "handle"})
    def submit_review(self, ctx):
        self._set_due("review", workdays.period_end(timezone.localdate(), months=limit("REVIEW_MONTHS")))

    @transition(field=state, source=["inquiry", "verification"], target="closed",
                conditions=[proposals.no_pending],
                custom={"label": gettext_lazy("了结"), "right": "handle", "form": CloseForm})
    def close(self, ctx):
        """A clue closed without filing: after an inquiry, or after verification with a light
        measure. The four-forms tag must be the one its measure fits (none for "no violation")."""
        p = ctx.params
        measure = p.get("light_measure") or ""
        if self.state == "verification" and not measure:
            raise ValidationError(
                {"light_measure": _("初步核实后了结须选择处理方式（谈话提醒、批评教育或无需处理）。")}
            )
        expected = fourforms.fitting(light_measure=measure) if measure else fourforms.fitting(clue="inquiry")
        self.four_forms = fourforms.check(p.get("four_forms") or "", expected)
        self.light_measure = measure
        self.closed_on = timezone.localdate()
        self._set_due("", None)

    # --- moved by its subjects' matters (subjects.py), never by hand -------------------------

    @transition(field=state, source=["reviewing"], target="decided",
                custom={"label": gettext_lazy("作出处理决定"), "right": "follow_subjects", "inbox": False,
                        "comment_required": False})
    def enter_decisions(self, ctx):
        """The first subject's outcome approved: the case is in its decision and execution phase."""
        self._set_due("", None)

    @transition(field=state, source=["reviewing", "decided"], target="closed",
                custom={"label": gettext_lazy("全案办结"), "right": "follow_subjects", "inbox": False,
                        "comment_required": False})
    def conclude(self, ctx):
        """Every subject's matter is closed: the case is."""
        self.closed_on = timezone.localdate()
        self._set_due("", None)

    # --- the team and recusal 回避 (team.py) ---------------------------------------------------

    @transition(field=state, source="*", target=None,
                custom={"label": gettext_lazy("回避"), "right": "recuse", "inbox": False})
    def recuse(self, ctx):
        """The actor steps aside (the reason is the comment): from now on the case is not theirs to
        see or act on."""
        team.record_recusal(self, user=ctx.actor, actor=ctx.actor, reason=ctx.comment, self_declared=True)

    @transition(field=state, source="*", target=None,
                custom={"label": gettext_lazy("决定回避"), "right": "manage_team", "form": RecusalForm, "inbox": False})
    def order_recusal(self, ctx):
        team.record_recusal(self, user=ctx.params["user"], actor=ctx.actor, reason=ctx.comment, self_declared=False)

    @transition(field=state, source="*", target=None,
                custom={"label": gettext_lazy("确定办案人员"), "right": "manage_team", "form": MemberForm,
                        "inbox": False, "comment_required": False})
    def add_member(self, ctx):
        team.member_add(self, user=ctx.params["user"], role=ctx.params["role"], actor=ctx.actor, reason=ctx.comment)

    @transition(field=state, source="*", target=None,
                custom={"label": gettext_lazy("调出办案组"), "right": "manage_team", "form": MemberRemoveForm,
                        "inbox": False})
    def remove_member(self, ctx):
        team.member_remove(self, user=ctx.params["user"], actor=ctx.actor, reason=ctx.comment)

    # --- supervision ------------------------------------------------------------------------

    @transition(field=state, source=OPEN_STATES, target=None, conditions=[_not_escalated, _at_the_county],
                custom={"label": gettext_lazy("提级办理/上级督办"), "right": "escalate", "inbox": False})
    def escalate(self, ctx):
        self.escalated = True
        self.escalated_at = timezone.now()

    @transition(field=state, source=OPEN_STATES, target=None, conditions=[_at_a_township, _take_up_not_requested],
                custom={"label": gettext_lazy("申请提级办理"), "right": "handle", "inbox": False})
    def request_take_up(self, ctx):
        """A township committee asks the county to take the case up (the reason is the comment)."""
        self.take_up_requested = True

    @transition(field=state, source=OPEN_STATES, target=None, conditions=[_at_a_township],
                custom={"label": gettext_lazy("提级办理"), "right": "take_up"})
    def take_up(self, ctx):
        """提级办理: the county commission becomes the handling unit; the township committee loses
        access from now on (scope follows the unit) and its handler steps back."""
        self.taken_up_from_id = self.handling_township_id
        self.taken_up_at = timezone.now()
        self.handling_township = None
        self.take_up_requested = False
        self.supervised = False
        self.handler = None

    @transition(field=state, source=OPEN_STATES, target=None, conditions=[_at_a_township, _take_up_requested],
                custom={"label": gettext_lazy("不同意提级办理"), "right": "take_up"})
    def decline_take_up(self, ctx):
        self.take_up_requested = False

    @transition(field=state, source=OPEN_STATES, target=None, conditions=[_at_a_township, _not_supervised],
                custom={"label": gettext_lazy("上级督办"), "right": "take_up", "form": SuperviseForm,
                        "inbox": False})
    def supervise(self, ctx):
        """上级督办: the county supervises the committee's handling, with its own deadline; the
        committee reports how it was carried out (``report_supervision``, on its task list)."""
        self.supervised = True
        self.supervise_due = ctx.params["supervise_due"]
        self.supervise_reported_at = None

    @transition(field=state, source=OPEN_STATES, target=None, conditions=[_at_a_township, _supervision_open],
                custom={"label": gettext_lazy("报告督办落实情况"), "right": "handle"})
    def report_supervision(self, ctx):
        self.supervise_reported_at = timezone.now()

    @transition(field=state, source=TIMED_STATES, target=None, conditions=[_not_overdue],
                custom={"label": gettext_lazy("标记逾期"), "right": "mark_overdue", "inbox": False,
                        "comment_required": False})
    def mark_overdue(self, ctx):
        self.overdue = True

    @transition(field=state, source=TIMED_STATES, target=None, conditions=[_overdue_not_urged],
                custom={"label": gettext_lazy("逾期督办"), "right": "urge"})
    def urge(self, ctx):
        self.overdue_urged = True


class CaseSubject(models.Model):
    """A person complained about 被反映人; once the case is filed, a person under review
    被审查调查人 with a matter of their own (``SubjectMatter``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="subjects",
                             verbose_name=gettext_lazy("线索/案件"))
    name = models.CharField(gettext_lazy("姓名"), max_length=50)
    post = models.CharField(gettext_lazy("职务"), max_length=100, blank=True)
    village = models.CharField(gettext_lazy("所在村"), max_length=64, blank=True)
    is_party_member = models.BooleanField(gettext_lazy("中共党员"), default=False)
    is_village_committee = models.BooleanField(gettext_lazy("村委会工作人员"), default=False)
    # A cadre of the township itself (乡镇干部): a committee's decision on them needs the county's
    # approval too (conf.COUNTY_APPROVAL "subject:township_cadre").
    is_township_cadre = models.BooleanField(gettext_lazy("乡镇干部"), default=False)

    history = audited_history()

    class Meta:
        ordering = ["pk"]
        verbose_name = gettext_lazy("被反映人")
        verbose_name_plural = gettext_lazy("被反映人")

    def __str__(self):
        return self.name


def _no_open_target(matter) -> bool:
    return not matter.targets.filter(status__in=choices.TARGET_OPEN).exists()


_no_open_target.message = gettext_lazy("尚有问责对象的问责方式未执行或申诉未复查，不能办结。")


def _has_targets(matter) -> bool:
    return matter.targets.exists()


_has_targets.message = gettext_lazy("请先确定至少一个问责对象。")


class AccountabilityMatter(WorkflowRecord):
    """问责: against units and/or cadres (``AccountabilityTarget``, one row each), opened by hand or
    referred by another workflow (``accountability_referred``).

        opened ──start_investigation (handler)──► investigating
        investigating ──propose_decision (handler: a measure, or 不予问责, per target)──► (pending)
            ──approve (a head, never the proposer)──► decided | dismissed (no target held)
            ──reject_proposal──► investigating
        decided ──apply_measure (per target)──► … ──close (every target settled)──► closed
        decided | closed ──appeal (per target, within ACCOUNTABILITY_APPEAL_MONTHS of the decision)──► decided
            ──propose_reexam (handler) ──approve (a head other than the proposer and the decider)──►
              upheld / modified (the new measure to apply) / revoked

    ``target_unit`` / ``target_person`` name the target the matter was opened against (the
    referral's); ``measure`` is the single measure of matters decided before per-target measures
    (kept so their history verifies). The targets carry the measures."""

    target_unit = models.ForeignKey("supervision.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=gettext_lazy("问责单位"))
    target_person = models.ForeignKey("supervision.Person", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=gettext_lazy("问责干部"))
    reason = models.TextField(gettext_lazy("问责事由"))
    source_kind = models.CharField(gettext_lazy("来源"), max_length=30, choices=choices.MatterSource.choices,
                                   default="manual")
    source_type = models.CharField(gettext_lazy("来源记录类型"), max_length=100, blank=True)
    source_id = models.CharField(gettext_lazy("来源记录"), max_length=64, blank=True)
    source_label = models.CharField(gettext_lazy("来源记录名称"), max_length=200, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=gettext_lazy("登记人"))
    state = FSMField(gettext_lazy("状态"), default="opened", protected=True, choices=choices.MatterState.choices,
                     db_index=True)
    measure = models.CharField(gettext_lazy("问责方式"), max_length=20, blank=True, choices=choices.Measure.choices,
                               editable=False)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=gettext_lazy("承办人"))
    investigation_started_on = models.DateField(gettext_lazy("调查开始日期"), null=True, blank=True)

    pending_kind = models.CharField(gettext_lazy("待审批事项"), max_length=20, blank=True,
                                    choices=choices.MatterProposal.choices, db_index=True)
    pending_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=gettext_lazy("提议人"))
    pending_at = models.DateTimeField(gettext_lazy("提议时间"), null=True, blank=True)
    pending_data = models.JSONField(gettext_lazy("提议内容"), default=dict, blank=True)

    decided_on = models.DateField(gettext_lazy("决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=gettext_lazy("批准决定的领导"))
    closed_on = models.DateField(gettext_lazy("办结日期"), null=True, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["-pk"]
        verbose_name = gettext_lazy("问责事项")
        verbose_name_plural = gettext_lazy("问责事项")
        constraints = [models.UniqueConstraint(
            fields=["source_type", "source_id", "source_kind"], condition=~models.Q(source_id=""),
            name="uniq_accountability_per_source")]

    def __str__(self):
        target = self.target_person or self.target_unit
        return _("问责〔%(n)d〕%(target)s") % {"n": self.pk or 0, "target": target or ""}

    def get_absolute_url(self):
        return record_url("cases:matter-detail", self.pk)

    def approvers_excluded(self) -> set:
        """Besides the proposer: a re-examination is decided by a head other than the one who
        approved the decision (proposals.may_approve)."""
        return {self.decided_by_id} if self.pending_kind == "reexam" and self.decided_by_id else set()

    def _target(self, target_id, *, statuses=None, field: str = "target"):

        try:
            t = self.targets.select_related("unit", "person").get(pk=int(target_id))
        except (AccountabilityTarget.DoesNotExist, TypeError, ValueError):
            raise ValidationError({field: _("该问责对象不属于本问责事项。")}) from None
        if statuses is not None and t.status not in statuses:
            raise ValidationError({field: _("%(t)s 当前为“%(s)s”，不能执行此操作。") % {
                "t": t.name, "s": t.get_status_display()}})
        return t

    # --- investigation (handler) -------------------------------------------------------------

    @transition(field=state, source=["opened", "investigating"], target=None, conditions=[proposals.no_pending],
                custom={"label": gettext_lazy("增加问责对象"), "right": "handle_matter", "form": TargetForm,
                        "inbox": False, "comment_required": False})
    def add_target(self, ctx):
        from . import accountability

        accountability.target_add(self, unit=ctx.params.get("unit"), person=ctx.params.get("person"),
                                  actor=ctx.actor, reason=ctx.comment)

    @transition(field=state, source=["opened"], target="investigating", conditions=[_has_targets],
                custom={"label": gettext_lazy("开始调查核实"), "right": "handle_matter"})
    def start_investigation(self, ctx):
        self.handler = ctx.actor
        self.investigation_started_on = timezone.localdate()

    # --- decision: proposed by a handler, approved by another (a head) -----------------------

    @transition(field=state, source=["investigating"], target=None, conditions=[proposals.no_pending],
                custom={"label": gettext_lazy("提出问责意见"), "right": "propose", "form": DecisionForm})
    def propose_decision(self, ctx):
        """One measure (or 不予问责: ``none``) per target: ``measure_<target id>``."""
        given = {k: v for k, v in ctx.params.items() if k.startswith("measure_")}
        ids = set(self.targets.values_list("pk", flat=True))
        missing = [pk for pk in sorted(ids) if not given.get(f"measure_{pk}")]
        unknown = [k for k in given if not k[len("measure_"):].isdigit() or int(k[len("measure_"):]) not in ids]
        if unknown:
            raise ValidationError({unknown[0]: _("该问责对象不属于本问责事项。")})
        if missing:
            raise ValidationError({f"measure_{missing[0]}": _("请为每个问责对象选择问责方式（或不予问责）。")})
        proposals.propose(self, ctx, "decision", data={
            "measures": {str(pk): given[f"measure_{pk}"] for pk in sorted(ids)}})

    @transition(field=state, source=["decided"], target=None, conditions=[proposals.no_pending],
                custom={"label": gettext_lazy("提出复查意见"), "right": "propose", "form": TargetReexamForm})
    def propose_reexam(self, ctx):
        p = ctx.params
        t = self._target(p["target"], statuses={"appealed"})
        if p["outcome"] == "modified" and (not p.get("measure") or p["measure"] == t.measure):
            raise ValidationError({"measure": _("变更问责方式须选择与原决定不同的问责方式。")})
        proposals.propose(self, ctx, "reexam", data={
            "target": t.pk, "outcome": p["outcome"], "measure": p.get("measure") or ""})

    @transition(field=state, source=["investigating", "decided"], conditions=[proposals.has_pending],
                target=RETURN_VALUE("decided", "dismissed"),
                custom={"label": gettext_lazy("审批同意"), "right": "approve", "comment_required": False})
    def approve(self, ctx):
        from . import accountability

        kind, data = self.pending_kind, self.pending_data or {}
        ctx.approved_kind = kind
        target = self.state
        if kind == "decision":
            held = accountability.apply_decision(self, data["measures"], actor=ctx.actor)
            self.decided_on = timezone.localdate()
            self.decided_by = ctx.actor
            if held:
                target = "decided"
            else:
                target = "dismissed"
                self.closed_on = self.decided_on
        elif kind == "reexam":
            t = self._target(data["target"], statuses={"appealed"})
            accountability.apply_reexam(t, data["outcome"], data.get("measure") or "", actor=ctx.actor,
                                        reason=ctx.comment)
        proposals.clear(self)
        return target

    @transition(field=state, source=["investigating", "decided"], target=None, conditions=[proposals.has_pending],
                custom={"label": gettext_lazy("不同意（退回提议）"), "right": "approve"})
    def reject_proposal(self, ctx):
        proposals.clear(self)

    # --- measures applied, appeals, closing (handler) ----------------------------------------

    @transition(field=state, source=["decided"], target=None,
                custom={"label": gettext_lazy("执行问责"), "right": "handle_matter", "form": TargetApplyForm,
                        "comment_required": False})
    def apply_measure(self, ctx):
        from . import accountability

        p = ctx.params
        t = self._target(p["target"], statuses={"decided"})
        accountability.target_applied(t, day=p.get("applied_on"), note=p.get("note") or ctx.comment,
                                      actor=ctx.actor, decided_on=self.decided_on)

    @transition(field=state, source=["decided", "closed"], target="decided",
                custom={"label": gettext_lazy("登记申诉"), "right": "handle_matter", "form": TargetAppealForm,
                        "inbox": False})
    def appeal(self, ctx):
        from . import accountability

        p = ctx.params
        t = self._target(p["target"], statuses={"decided", "applied"})
        accountability.target_appealed(t, day=p.get("appealed_on"), reason=ctx.comment, actor=ctx.actor)
        self.closed_on = None

    @transition(field=state, source=["decided"], target="closed", conditions=[proposals.no_pending, _no_open_target],
                custom={"label": gettext_lazy("办结"), "right": "handle_matter"})
    def close(self, ctx):
        self.closed_on = timezone.localdate()



from . import custody, workrecords  # noqa: E402,F401  (留置 and the records of the work, modules of their own)
from .accountability import AccountabilityTarget  # noqa: E402,F401
from .subjects import SubjectMatter  # noqa: E402,F401  (registered with the app's models)
from .team import CaseMember, CaseRecusal  # noqa: E402,F401
