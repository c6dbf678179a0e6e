"""驻村第一书记·工作队: postings, attendance, funds, leave, annual assessment and recall (DESIGN §4.3).

State fields are protected; every state change goes through ``supervision.transitions.run_transition``.
Transition methods take the kernel's ``TransitionContext``; business rules live in ``services``.
"""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from supervision import access, clock, deadlines
from supervision.errors import ValidationError
from supervision.links import record_url
from supervision.models import WorkflowRecord, audited_history
from supervision.workdays import add_calendar_days, add_working_days

from . import conf, forms
from .choices import Grade, PostingRole

# A recall in these states is open: no second one may be proposed (a database rule too).
OPEN_RECALL_STATES = ("proposed", "approved")


def _today() -> dt.date:
    return clock.today()  # the demo's story date while seeding (supervision.demo.story_at)


def with_open_recall(qs):
    """Postings annotated with ``has_open_recall`` (read by the propose_recall condition)."""
    return qs.annotate(has_open_recall=models.Exists(
        Recall.objects.filter(posting=models.OuterRef("pk"), state__in=OPEN_RECALL_STATES)))


class Posting(FSMModelMixin, WorkflowRecord):
    """A person posted by a dispatching unit to a village (选派)."""

    Role = PostingRole

    class State(models.TextChoices):
        ACTIVE = "active", _("在岗")
        COMPLETED = "completed", _("期满离任")
        RECALLED = "recalled", _("已召回")
        RENEWED = "renewed", _("已连任")

    person = models.ForeignKey("supervision.Person", on_delete=models.PROTECT, related_name="postings",
                               verbose_name=_("人员"))
    dispatching_unit = models.ForeignKey("supervision.Unit", on_delete=models.PROTECT, related_name="postings",
                                         verbose_name=_("派出单位"))
    village = models.ForeignKey("supervision.Region", on_delete=models.PROTECT, related_name="postings",
                                verbose_name=_("驻村"))
    role = models.CharField(_("身份"), max_length=20, choices=PostingRole.choices,
                            default=PostingRole.FIRST_SECRETARY)
    start_date = models.DateField(_("到村日期"))
    term_years = models.PositiveSmallIntegerField(_("任期（年）"), default=2)
    end_date = models.DateField(_("任期届满"))
    ended_on = models.DateField(_("离岗日期"), null=True, blank=True)
    renewal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals",
                                   verbose_name=_("连任前选派"))
    term_end_flagged = models.BooleanField(_("已提示任期届满"), default=False)
    state = FSMField(_("状态"), default=State.ACTIVE, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("驻村选派")
        verbose_name_plural = _("驻村选派")
        indexes = [models.Index(fields=["state", "end_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["village"], condition=models.Q(state="active", role=PostingRole.FIRST_SECRETARY),
                name="uniq_active_first_secretary_per_village",
                violation_error_message=_("该村已有在岗的第一书记。")),
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(state="active"), name="uniq_active_posting_per_person",
                violation_error_message=_("该同志已有在岗的驻村选派。")),
        ]

    def __str__(self):
        return f"{self.person.name} · {self.village.name} · {self.get_role_display()}"

    def get_absolute_url(self):
        return record_url("postings:posting-detail", self.pk)

    @transition(field=state, source=[State.ACTIVE], target=State.COMPLETED,
                custom={"label": _("期满离任"), "comment_required": False, "inbox": False})
    def complete(self, ctx):
        self.ended_on = _today()

    @transition(field=state, source=[State.ACTIVE], target=State.RENEWED,
                custom={"label": _("连任"), "comment_required": False, "form": forms.RenewForm, "inbox": False})
    def renew(self, ctx):
        # The new term is created by rules.after_transition, once this posting is saved as renewed
        # (one active posting per person is a database constraint).
        self.ended_on = self.end_date

    @transition(field=state, source=[State.ACTIVE], target=State.RECALLED,
                custom={"label": _("召回离岗"), "right": "end_by_recall", "inbox": False})
    def end_by_recall(self, ctx):
        self.ended_on = _today()

    def no_open_recall(self) -> bool:
        # Lists annotate ``has_open_recall`` (one query for the page, not one per row).
        known = getattr(self, "has_open_recall", None)
        if known is not None:
            return not known
        return not self.recalls.filter(state__in=OPEN_RECALL_STATES).exists()

    no_open_recall.message = lambda p: _("该同志已有未办结的召回，办结前不能再次提出。")

    # The posting stays in post; the recall record is created by actions.posting.do_propose_recall.
    @transition(field=state, source=[State.ACTIVE], target=State.ACTIVE, conditions=[no_open_recall],
                custom={"label": _("提出召回"), "comment_required": False, "form": forms.RecallProposeForm,
                        "inbox": False})
    def propose_recall(self, ctx):
        pass


class AssessmentYear(models.Model):
    """One row per assessed year: locked while an 优秀 is granted so the quota cannot be
    overrun by two finalizations at once (SELECT … FOR UPDATE on PostgreSQL)."""

    year = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        verbose_name = _("考核年度")
        verbose_name_plural = _("考核年度")

    def __str__(self):
        return str(self.year)


class MonthlyAttendance(models.Model):
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="attendance",
                                verbose_name=_("驻村选派"))
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    days_on_site = models.PositiveSmallIntegerField(_("在岗天数"))
    leave_days = models.PositiveSmallIntegerField(_("批准请假天数"), default=0)
    absences = models.PositiveSmallIntegerField(_("无故缺勤（次）"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["year", "month"]
        verbose_name = _("月度考勤")
        verbose_name_plural = _("月度考勤")
        constraints = [models.UniqueConstraint(fields=["posting", "year", "month"], name="uniq_posting_attendance",
                                               violation_error_message=_("该月考勤已由他人登记，请刷新后再更正。"))]

    def __str__(self):
        return f"{self.posting_id} · {self.year}-{self.month:02d}"


class WorkFunds(models.Model):
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="funds", verbose_name=_("驻村选派"))
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("工作经费（元）"), max_digits=12, decimal_places=2)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["year"]
        verbose_name = _("工作经费")
        verbose_name_plural = _("工作经费")
        constraints = [models.UniqueConstraint(fields=["posting", "year"], name="uniq_posting_funds",
                                               violation_error_message=_("该年度工作经费已由他人登记，请刷新后再更正。"))]

    def __str__(self):
        return f"{self.posting_id} · {self.year}"

    @property
    def shortfall(self) -> bool:
        return self.posting.role == PostingRole.FIRST_SECRETARY and self.amount < conf.get("FIRST_SECRETARY_MIN_FUNDS")


class LeaveRequest(FSMModelMixin, WorkflowRecord):
    """请假: up to LEAVE_TOWNSHIP_MAX_DAYS approved by the township, longer only by organisation."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="leave_requests",
                                verbose_name=_("驻村选派"))
    township = models.ForeignKey("supervision.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("乡镇"))
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    days = models.PositiveSmallIntegerField(_("天数"))
    reason = models.CharField(_("事由"), max_length=500)
    requested_by = models.ForeignKey("supervision.User", null=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("登记人"))
    decided_by = models.ForeignKey("supervision.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("审批人"))
    state = FSMField(_("状态"), default=State.REQUESTED, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("请假申请")
        verbose_name_plural = _("请假申请")

    def __str__(self):
        return _("%(name)s · %(start)s · %(days)d天") % {"name": self.posting.person.name, "start": self.start_date,
                                                         "days": self.days}

    def get_absolute_url(self):
        return record_url("postings:leave-detail", self.pk)

    @transition(field=state, source=[State.REQUESTED], target=State.APPROVED,
                custom={"label": _("批准请假"), "comment_required": False, "right": "decide_leave"})
    def approve(self, ctx):
        # Who may approve is the right's check (apps.leave_approver); this is the reason a
        # township secretary gets when the leave is longer than the township may grant.
        limit = conf.get("LEAVE_TOWNSHIP_MAX_DAYS")
        if self.days > limit and not access.has_role(ctx.actor, "organization"):
            raise ValidationError({"days": [_("请假 %(d)d 天，超过 %(n)d 天的须报县委组织部审批，乡镇无权批准。")
                                            % {"d": self.days, "n": limit}]})
        self.decided_by = ctx.actor

    @transition(field=state, source=[State.REQUESTED], target=State.REJECTED,
                custom={"label": _("不予批准"), "right": "decide_leave"})
    def reject(self, ctx):
        self.decided_by = ctx.actor


class Assessment(FSMModelMixin, WorkflowRecord):
    """年度考核 of one posting for one year."""

    Grade = Grade

    class State(models.TextChoices):
        OPENED = "opened", _("已启动")
        SELF_REPORTED = "self_reported", _("已述职")
        TOWNSHIP_RATED = "township_rated", _("乡镇已初评")
        UNIT_OPINION = "unit_opinion", _("派出单位已提意见")
        OFFICE_REVIEWED = "office_reviewed", _("联席办已审核")
        PUBLICIZED = "publicized", _("公示中")
        FINALIZED = "finalized", _("已定档")

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="assessments",
                                verbose_name=_("驻村选派"))
    person = models.ForeignKey("supervision.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("人员"))
    township = models.ForeignKey("supervision.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("乡镇"))
    year = models.PositiveSmallIntegerField(_("考核年度"))
    self_report = models.TextField(_("述职报告"), blank=True)
    township_grade = models.CharField(_("乡镇初评等次"), max_length=20, choices=Grade.choices, blank=True)
    township_comment = models.TextField(_("乡镇初评意见"), blank=True)
    unit_opinion = models.TextField(_("派出单位意见"), blank=True)
    office_grade = models.CharField(_("联席办建议等次"), max_length=20, choices=Grade.choices, blank=True)
    office_comment = models.TextField(_("联席办审核意见"), blank=True)
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示截止"), null=True, blank=True)
    publicity_provisional = models.BooleanField(_("公示截止日期为估算"), default=False)
    objection_count = models.PositiveSmallIntegerField(_("异议次数"), default=0)
    last_objection = models.TextField(_("最近异议"), blank=True)
    final_grade = models.CharField(_("考核等次"), max_length=20, choices=Grade.choices, blank=True)
    finalized_on = models.DateField(_("定档日期"), null=True, blank=True)
    days_on_site = models.PositiveSmallIntegerField(_("全年在岗天数"), null=True, blank=True)
    absences = models.PositiveSmallIntegerField(_("无故缺勤（次）"), null=True, blank=True)
    state = FSMField(_("状态"), default=State.OPENED, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        constraints = [models.UniqueConstraint(fields=["posting", "year"], name="uniq_posting_assessment_year",
                                               violation_error_message=_("该选派本年度考核已启动。"))]
        indexes = [models.Index(fields=["year", "state"]), models.Index(fields=["year", "final_grade"])]

    def __str__(self):
        return _("%(name)s %(year)s年度考核") % {"name": self.person.name, "year": self.year}

    def get_absolute_url(self):
        return record_url("postings:assessment-detail", self.pk)

    def publicity_over(self) -> bool:
        return self.publicity_end is not None and _today() > self.publicity_end

    def publicity_open(self) -> bool:
        return self.publicity_end is not None and _today() <= self.publicity_end

    # Shown by the kernel when the condition refuses a transition (409).
    publicity_over.message = lambda a: _("公示期至 %(d)s，期满无异议后方可定档。") % {"d": a.publicity_end}
    publicity_open.message = lambda a: _("公示期已于 %(d)s 结束，不能再登记异议。") % {"d": a.publicity_end}

    @transition(field=state, source=[State.OPENED], target=State.SELF_REPORTED,
                custom={"label": _("述职"), "comment_required": False, "form": forms.SelfReportForm})
    def submit_self_report(self, ctx):
        self.self_report = ctx.params["self_report"]

    @transition(field=state, source=[State.SELF_REPORTED], target=State.TOWNSHIP_RATED,
                custom={"label": _("乡镇初评"), "form": forms.GradeForm})
    def township_rate(self, ctx):
        self.township_grade = ctx.params["grade"]
        self.township_comment = ctx.comment

    @transition(field=state, source=[State.TOWNSHIP_RATED], target=State.UNIT_OPINION,
                custom={"label": _("录入派出单位意见"), "comment_required": False, "form": forms.UnitOpinionForm})
    def enter_unit_opinion(self, ctx):
        self.unit_opinion = ctx.params["unit_opinion"]

    # Also from office_reviewed: after an objection the office may revise its review.
    @transition(field=state, source=[State.UNIT_OPINION, State.OFFICE_REVIEWED], target=State.OFFICE_REVIEWED,
                custom={"label": _("联席办审核"), "form": forms.GradeForm})
    def office_review(self, ctx):
        self.office_grade = ctx.params["grade"]
        self.office_comment = ctx.comment

    @transition(field=state, source=[State.OFFICE_REVIEWED], target=State.PUBLICIZED,
                custom={"label": _("公示"), "comment_required": False, "form": forms.PublicizeForm})
    def publicize(self, ctx):
        # The window is the PUBLICITY_WORKING_DAYS working days *after* the start day: posted
        # on a Monday, the fifth of them is the next Monday (the last day objections are taken).
        start = ctx.params.get("publicity_start") or _today()
        deadline = add_working_days(start, conf.get("PUBLICITY_WORKING_DAYS"))
        self.publicity_start = start
        self.publicity_end = deadline.date
        self.publicity_provisional = deadline.provisional
        deadlines.remember(self, "publicity_end", deadline, provisional_field="publicity_provisional")

    @transition(field=state, source=[State.PUBLICIZED], target=State.OFFICE_REVIEWED, conditions=[publicity_open],
                custom={"label": _("登记异议（退回审核）"), "right": "raise_objection"})
    def raise_objection(self, ctx):
        self.objection_count += 1
        self.last_objection = ctx.comment
        self._clear_publicity()

    def publicized_grade(self) -> str:
        """The grade the publicity showed: the office's proposal."""
        return self.office_grade

    def _clear_publicity(self) -> None:
        self.publicity_start = None
        self.publicity_end = None
        self.publicity_provisional = False

    # 定档 uses the publicised grade. Another grade cannot be finalized without being publicised:
    # it becomes the office's new proposal and the assessment goes back to review (this history
    # row, publicized → office_reviewed, with the reason), to be publicised again.
    @transition(field=state, source=[State.PUBLICIZED],
                target=RETURN_VALUE(State.FINALIZED, State.OFFICE_REVIEWED), conditions=[publicity_over],
                custom={"label": _("定档"), "comment_required": False, "form": forms.FinalizeForm})
    def finalize(self, ctx):
        grade = ctx.params.get("grade") or self.publicized_grade()
        if grade == self.publicized_grade():
            # The rules and effects of the grade: actions.assessment.do_finalize.
            totals = MonthlyAttendance.objects.filter(posting_id=self.posting_id, year=self.year).aggregate(
                days=models.Sum("days_on_site"), absences=models.Sum("absences"))
            self.final_grade = grade
            self.finalized_on = _today()
            self.days_on_site = totals["days"] or 0
            self.absences = totals["absences"] or 0
            return self.State.FINALIZED
        if not ctx.comment:
            raise ValidationError({"comment": [
                _("定档等次（%(new)s）与公示等次（%(old)s）不一致，须填写理由；保存后退回联席办审核并重新公示。")
                % {"new": Grade(grade).label, "old": Grade(self.publicized_grade()).label}]})
        self.office_grade = grade
        self.office_comment = ctx.comment
        self._clear_publicity()
        return self.State.OFFICE_REVIEWED


class Recall(FSMModelMixin, WorkflowRecord):
    """召回: proposed → approved → recalled (posting ends) → replaced (new posting to the village)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("已提出")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")
        RECALLED = "recalled", _("已召回")
        OVERDUE = "overdue", _("补派逾期")
        REPLACED = "replaced", _("已补派")

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="recalls", verbose_name=_("驻村选派"))
    person = models.ForeignKey("supervision.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("人员"))
    township = models.ForeignKey("supervision.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("乡镇"))
    grounds = models.TextField(_("召回理由"))
    proposed_by = models.ForeignKey("supervision.User", null=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("提出人"))
    auto = models.BooleanField(_("考核不称职自动提出"), default=False)
    assessment = models.OneToOneField(Assessment, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="recall", verbose_name=_("依据考核"))
    decided_by = models.ForeignKey("supervision.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("批准人"))
    decided_on = models.DateField(_("批准日期"), null=True, blank=True)
    withdrawn_on = models.DateField(_("召回日期"), null=True, blank=True)
    replacement_due = models.DateField(_("补派期限"), null=True, blank=True)
    replacement_due_provisional = models.BooleanField(_("补派期限为估算"), default=False)
    replacement = models.OneToOneField(Posting, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="replaces", verbose_name=_("补派选派"))
    state = FSMField(_("状态"), default=State.PROPOSED, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("召回")
        verbose_name_plural = _("召回")
        constraints = [models.UniqueConstraint(
            fields=["posting"], condition=models.Q(state__in=list(OPEN_RECALL_STATES)),
            name="uniq_open_recall_per_posting", violation_error_message=_("该同志已有未办结的召回。"))]

    def __str__(self):
        return _("召回：%(name)s（%(village)s）") % {"name": self.person.name, "village": self.posting.village.name}

    def get_absolute_url(self):
        return record_url("postings:recall-detail", self.pk)

    @property
    def replacement_overdue(self) -> bool:
        return self.state in (self.State.RECALLED, self.State.OVERDUE) and bool(
            self.replacement_due and self.replacement_due < _today())

    @transition(field=state, source=[State.PROPOSED], target=State.APPROVED, custom={"label": _("批准召回")})
    def approve(self, ctx):
        self.decided_by = ctx.actor
        self.decided_on = _today()

    @transition(field=state, source=[State.PROPOSED], target=State.REJECTED, custom={"label": _("不予召回")})
    def reject(self, ctx):
        self.decided_by = ctx.actor
        self.decided_on = _today()

    @transition(field=state, source=[State.APPROVED], target=State.RECALLED,
                custom={"label": _("召回（派出单位撤回）"), "comment_required": False})
    def withdraw(self, ctx):
        # The posting ends, the person is marked and the cases workflow hears of it in
        # actions.recall.do_withdraw.
        today = _today()
        due = add_calendar_days(today, conf.get("REPLACEMENT_DAYS"))
        self.withdrawn_on = today
        self.replacement_due = due.date
        self.replacement_due_provisional = due.provisional
        deadlines.remember(self, "replacement_due", due, provisional_field="replacement_due_provisional")

    @transition(field=state, source=[State.RECALLED], target=State.OVERDUE,
                custom={"label": _("补派逾期"), "right": "mark_overdue", "inbox": False})
    def mark_overdue(self, ctx):
        pass

    @transition(field=state, source=[State.RECALLED, State.OVERDUE], target=State.REPLACED,
                custom={"label": _("补派到村"), "comment_required": False, "form": forms.ReplaceForm})
    def replace(self, ctx):
        pass  # the new posting: actions.recall.do_replace
