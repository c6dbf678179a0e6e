"""Inspection notices 督查督办通知 (DESIGN §4.1).

A ``Notice`` is drafted and issued by the county inspection office; issuing creates one
``NoticeAssignment`` per target township, each with its own state machine and deadline.
Transition methods change only their own record's fields; related rows, notifications and
cross-workflow events are the services' ``do_<transition>`` functions (same transaction).
"""
from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from supervision.errors import ValidationError
from supervision.links import record_url
from supervision.models import WorkflowRecord, audited_history
from supervision.models.loading import FastLoading

from . import clock, conf
from .choices import (
    FINAL_STATES,
    OPEN_STATES,
    AssignmentState,
    Category,
    Escalation,
    NoticeState,
    Urgency,
)
from .forms import (
    ExtensionApproveForm,
    ExtensionRequestForm,
    RespondForm,
    ReturnForm,
)


class NoticeCounter(models.Model):
    """Last number issued per year; the row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"

    @classmethod
    def take(cls, *, year: int) -> tuple[int, int, str]:
        """The next number of ``year`` (巍督〔2026〕12号), safe under concurrency.

        Called inside the issuing transaction: the counter row is created once (a race on the
        create is caught), then incremented with one UPDATE, which takes the row lock on
        PostgreSQL and the write lock on SQLite, so two issuers never read the same value.
        The unique (year, seq) constraint on Notice is the backstop.
        """
        if not cls.objects.filter(year=year).exists():
            try:
                with transaction.atomic():
                    cls.objects.create(year=year, last=0)
            except IntegrityError:
                pass  # another issuer created it first
        cls.objects.filter(year=year).update(last=F("last") + 1)
        seq = cls.objects.get(year=year).last
        return year, seq, f"{conf.get('NUMBER_PREFIX')}〔{year}〕{seq}号"


class Notice(WorkflowRecord):
    number = models.CharField(_("文号"), max_length=40, blank=True, default="", editable=False)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True, editable=False)
    seq = models.PositiveIntegerField(_("序号"), null=True, blank=True, editable=False)
    title = models.CharField(_("标题"), max_length=200)
    findings = models.TextField(_("督查发现的问题"))
    requirements = models.TextField(_("整改要求"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.OTHER)
    urgency = models.CharField(_("紧急程度"), max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    issuing_unit = models.ForeignKey("supervision.Unit", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("发文单位"))
    target_townships = models.ManyToManyField("supervision.Region", related_name="+", verbose_name=_("交办乡镇"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("起草人"), editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("签发人"), editable=False)
    issued_on = models.DateField(_("下发日期"), null=True, blank=True, editable=False)
    state = FSMField(_("状态"), default=NoticeState.DRAFT, choices=NoticeState.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("督查督办通知")
        verbose_name_plural = _("督查督办通知")
        constraints = [
            models.UniqueConstraint(fields=["year", "seq"], condition=models.Q(seq__isnull=False),
                                    name="uniq_notice_number_per_year"),
        ]
        # The register's order (newest issued first): its first page reads 20 rows through this
        # index instead of joining and sorting every assignment (EXPLAIN at 100k: 280 ms → 0.5 ms).
        indexes = [models.Index(fields=["-issued_on", "-id"], name="notice_issued_on_id_desc"),
                   # the register's 草稿 card: the few drafts among every notice ever issued (EXPLAIN at
                   # 6,000 notices: a 1.1 ms walk of the table → an index probe; selectors.drafts_visible_to)
                   models.Index(fields=["-id"], condition=models.Q(state="draft"), name="notice_drafts")]

    def __str__(self):
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self):
        return record_url("notices:detail", self.pk)

    # --- transitions -------------------------------------------------------------------

    @transition(field=state, source=NoticeState.DRAFT, target=NoticeState.ISSUED,
                custom={"label": _("签发下发"), "comment_required": False})
    def issue(self, ctx):
        if not self.target_townships.exists():
            raise ValidationError({"target_townships": gettext("请至少选择一个交办乡镇。")})
        self.issued_on = clock.today()
        self.issued_by = ctx.actor
        self.year, self.seq, self.number = NoticeCounter.take(year=self.issued_on.year)

    @transition(field=state, source=[NoticeState.DRAFT, NoticeState.ISSUED], target=NoticeState.WITHDRAWN,
                custom={"label": _("撤回"), "inbox": False})
    def withdraw(self, ctx):
        pass

    @transition(field=state, source=NoticeState.ISSUED, target=NoticeState.COMPLETED,
                custom={"label": _("办结"), "comment_required": False, "inbox": False})
    def complete(self, ctx):
        """Fired by the system when the last assignment is closed."""


def _escalation_is(level):
    def check(assignment) -> bool:
        return assignment.escalation == level

    check.__name__ = f"escalation_is_{int(level)}"
    return check


def before_deadline(assignment) -> bool:
    """An extension must be asked for before the deadline (DESIGN §4.1)."""
    return not assignment.is_past_due()


before_deadline.message = lambda assignment: gettext(
    "已超过办结期限（%(due)s），不能再申请延期，请尽快报送整改报告。") % {"due": assignment.due_date.isoformat()}


class NoticeAssignment(WorkflowRecord):
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="assignments",
                               verbose_name=_("通知"))
    township = models.ForeignKey("supervision.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("乡镇"))
    state = FSMField(_("状态"), default=AssignmentState.ISSUED, choices=AssignmentState.choices, protected=True)
    due_date = models.DateField(_("办结期限"), editable=False)
    due_provisional = models.BooleanField(_("期限待确认"), default=False, editable=False,
                                          help_text=_("期限跨入尚未公布节假日安排的年份，按周末和固定节日推算。"))
    original_due_date = models.DateField(_("原定期限"), editable=False)
    escalation = models.PositiveSmallIntegerField(_("督办等级"), choices=Escalation.choices,
                                                  default=Escalation.NONE, editable=False)
    # The state an extension request came from; approval or rejection returns there.
    state_before_extension = models.CharField(_("申请延期前状态"), max_length=32, blank=True, default="",
                                              choices=AssignmentState.choices, editable=False)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True, editable=False)
    responded_at = models.DateTimeField(_("最近报送时间"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True, editable=False)
    referred_at = models.DateTimeField(_("移交问责时间"), null=True, blank=True, editable=False)
    referral_reason = models.TextField(_("移交问责理由"), blank=True, default="", editable=False)

    history = audited_history()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("乡镇交办事项")
        verbose_name_plural = _("乡镇交办事项")
        constraints = [models.UniqueConstraint(fields=["notice", "township"], name="uniq_notice_township")]
        indexes = [
            models.Index(fields=["state", "due_date"]),
            # The register filtered by state: its count and page join the notices in notice order,
            # and a scan of the notice index filtering on state walked every other state's rows
            # first (7.5 ms at province scale once the first notices' assignments were signed for).
            models.Index(fields=["state", "notice"], name="assignment_state_notice"),
        ]

    def __str__(self):
        return f"{self.notice} · {self.township.name}"

    def get_absolute_url(self):
        return record_url("notices:assignment", self.pk)

    def is_past_due(self, day=None) -> bool:
        return (day or clock.today()) > self.due_date

    def pending_extension(self):
        """The extension request awaiting a decision (or None)."""
        return self.extensions.filter(decision=ExtensionRequest.Decision.PENDING).order_by("-pk").first()

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES

    # --- the township ------------------------------------------------------------------

    @transition(field=state, source=AssignmentState.ISSUED, target=AssignmentState.ACKNOWLEDGED,
                custom={"label": _("签收"), "comment_required": False})
    def acknowledge(self, ctx):
        self.acknowledged_at = clock.now()

    @transition(field=state, source=[AssignmentState.ACKNOWLEDGED, AssignmentState.RETURNED,
                                     AssignmentState.OVERDUE],
                target=AssignmentState.RESPONDED,
                custom={"label": _("报送整改报告"), "comment_required": False, "form": RespondForm})
    def respond(self, ctx):
        self.responded_at = clock.now()

    @transition(field=state, source=list(OPEN_STATES), target=AssignmentState.EXTENSION_REQUESTED,
                conditions=[before_deadline],
                custom={"label": _("申请延期"), "form": ExtensionRequestForm})
    def request_extension(self, ctx):
        if ctx.params["due_date"] <= self.due_date:
            raise ValidationError({"due_date": gettext("申请的新期限必须晚于当前期限（%(due)s）。")
                                   % {"due": self.due_date.isoformat()}})
        self.state_before_extension = self.state

    # --- the inspection office ---------------------------------------------------------

    @transition(field=state, source=AssignmentState.RESPONDED, target=AssignmentState.RETURNED,
                custom={"label": _("退回重报"), "form": ReturnForm})
    def return_for_rework(self, ctx):
        new_due = ctx.params.get("due_date")
        if new_due:
            if new_due < clock.today():
                raise ValidationError({"due_date": gettext("新的办结期限不能早于今天。")})
            self.due_date = new_due

    @transition(field=state, source=AssignmentState.RESPONDED, target=AssignmentState.CLOSED,
                custom={"label": _("审核销号"), "comment_required": False})
    def close(self, ctx):
        self.closed_at = clock.now()

    @transition(field=state, source=AssignmentState.EXTENSION_REQUESTED,
                target=RETURN_VALUE(*OPEN_STATES),
                custom={"label": _("批准延期"), "comment_required": False, "form": ExtensionApproveForm})
    def approve_extension(self, ctx):
        pending = self.pending_extension()
        new_due = ctx.params.get("due_date") or pending.requested_due_date
        if new_due <= self.due_date:
            raise ValidationError({"due_date": gettext("批准的期限必须晚于当前期限（%(due)s）。")
                                   % {"due": self.due_date.isoformat()}})
        self.due_date = new_due
        return self._leave_extension()

    @transition(field=state, source=AssignmentState.EXTENSION_REQUESTED,
                target=RETURN_VALUE(*OPEN_STATES),
                custom={"label": _("不予延期")})
    def reject_extension(self, ctx):
        return self._leave_extension()

    def _leave_extension(self) -> str:
        back = self.state_before_extension or AssignmentState.ACKNOWLEDGED
        self.state_before_extension = ""
        return back

    # --- escalation ladder (overdue) ---------------------------------------------------

    @transition(field=state, source=list(OPEN_STATES), target=AssignmentState.OVERDUE,
                custom={"label": _("逾期"), "inbox": False})
    def mark_overdue(self, ctx):
        """Fired by the sweep the day after the deadline."""

    @transition(field=state, source=AssignmentState.OVERDUE, target=AssignmentState.OVERDUE,
                conditions=[_escalation_is(Escalation.NONE)], custom={"label": _("催办")})
    def urge(self, ctx):
        self.escalation = Escalation.URGED

    @transition(field=state, source=AssignmentState.OVERDUE, target=AssignmentState.OVERDUE,
                conditions=[_escalation_is(Escalation.URGED)], custom={"label": _("通报批评")})
    def criticize(self, ctx):
        self.escalation = Escalation.CRITICIZED

    @transition(field=state, source=AssignmentState.OVERDUE, target=AssignmentState.OVERDUE,
                conditions=[_escalation_is(Escalation.CRITICIZED)], custom={"label": _("约谈")})
    def interview(self, ctx):
        self.escalation = Escalation.INTERVIEWED

    @transition(field=state, source=AssignmentState.OVERDUE, target=AssignmentState.OVERDUE,
                conditions=[_escalation_is(Escalation.INTERVIEWED)], custom={"label": _("移交问责")})
    def refer_accountability(self, ctx):
        self.escalation = Escalation.REFERRED
        self.referred_at = clock.now()
        self.referral_reason = ctx.comment

    @transition(field=state, source=[s for s in AssignmentState.values if s not in FINAL_STATES],
                target=AssignmentState.WITHDRAWN, custom={"label": _("随通知撤回"), "inbox": False})
    def cancel(self, ctx):
        """Fired by the system when the notice is withdrawn."""


class NoticeResponse(FastLoading, models.Model):
    """One 整改报告 submitted by a township (a returned assignment gets a new one)."""

    assignment = models.ForeignKey(NoticeAssignment, on_delete=models.PROTECT, related_name="responses",
                                   verbose_name=_("交办事项"))
    round = models.PositiveSmallIntegerField(_("报送轮次"), default=1)
    text = models.TextField(_("整改情况"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("报送人"))
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)

    history = audited_history()

    class Meta:
        ordering = ["assignment_id", "round"]
        verbose_name = _("整改报告")
        verbose_name_plural = _("整改报告")
        constraints = [models.UniqueConstraint(fields=["assignment", "round"], name="uniq_response_round")]

    def __str__(self):
        return gettext("第%(n)d次整改报告") % {"n": self.round}

    @property
    def attachment_part(self) -> str:
        return f"response:{self.pk}"


class ExtensionRequest(FastLoading, models.Model):
    """One 延期申请 and its decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不予批准")
        CANCELLED = "cancelled", _("随通知撤回")

    assignment = models.ForeignKey(NoticeAssignment, on_delete=models.PROTECT, related_name="extensions",
                                   verbose_name=_("交办事项"))
    previous_due_date = models.DateField(_("原期限"))
    requested_due_date = models.DateField(_("申请期限"))
    granted_due_date = models.DateField(_("批准期限"), null=True, blank=True)
    reason = models.TextField(_("申请理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decision = models.CharField(_("审批结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True, default="")

    history = audited_history()

    class Meta:
        ordering = ["assignment_id", "pk"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [models.UniqueConstraint(
            fields=["assignment"], condition=models.Q(decision="pending"), name="uniq_pending_extension",
            violation_error_message=_("该交办事项已有待审批的延期申请。"))]

    def __str__(self):
        return f"{self.assignment} → {self.requested_due_date}"
