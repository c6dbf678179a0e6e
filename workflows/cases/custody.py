"""留置 (detention) as a measure on a subject 被审查调查人 of a filed case (监察法 art. 22, 43, 44).

One ``Detention`` per measure, a record of its own (its history, its rights, the case's
visibility and confidentiality, a part of the case's timeline), through the kernel's one path::

    proposed ──approve (a head ≠ the proposer)──► approved ──start──► started
        └──reject_proposal──► cancelled              └──cancel──► cancelled
    started ──record_notification (family and unit, within 24 hours, or the reason)──► notified
    notified ──propose_extension → approve (the commission's principal head)──► extended
    started | notified | extended ──release──► released

The limit is ``DETENTION_MONTHS`` from the start, plus the one extension (at most
``DETENTION_EXTENSION_MAX_MONTHS``); a second extension is refused (400). The one sweep
(custodysweeps.py) reminds of the notification and of the limit, and marks a detention past its
limit overdue exactly once. At most one open detention per subject: a database constraint.
"""
from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import RETURN_VALUE, FSMField, transition

from supervision import workdays
from supervision.links import record_url
from supervision.models import WorkflowRecord, audited_history

from . import proposals
from .conf import limit
from .forms import max_text


class DetentionState(models.TextChoices):
    PROPOSED = "proposed", gettext_lazy("已提请留置")
    APPROVED = "approved", gettext_lazy("已批准留置")
    STARTED = "started", gettext_lazy("留置中（待通知家属和单位）")
    NOTIFIED = "notified", gettext_lazy("留置中")
    EXTENDED = "extended", gettext_lazy("留置中（已延长）")
    RELEASED = "released", gettext_lazy("已解除留置")
    CANCELLED = "cancelled", gettext_lazy("未采取留置")


class DetentionProposal(models.TextChoices):
    DETENTION = "detention", gettext_lazy("采取留置")
    EXTENSION = "extension", gettext_lazy("延长留置")


# A subject has at most one detention in these states (the constraint below).
OPEN_DETENTION_STATES = ["proposed", "approved", "started", "notified", "extended"]
# The subject is held: the limit runs.
CUSTODY_STATES = ["started", "notified", "extended"]


def _not_overdue(d) -> bool:
    return not d.overdue


def _check_moment(value: dt.datetime, *, field: str, not_before: dt.datetime | None = None,
                  not_before_label: str = "") -> dt.datetime:
    """A moment recorded here: not in the future, not too far back, not before ``not_before``."""
    now = timezone.now()
    if value > now + dt.timedelta(minutes=5):  # a clock a little ahead is not an error
        raise ValidationError({field: _("时间不能晚于现在。")})
    if value < now - dt.timedelta(days=limit("BACKDATE_MAX_DAYS")):
        raise ValidationError({field: _("补录时间不能早于 %(n)d 天前。") % {"n": limit("BACKDATE_MAX_DAYS")}})
    if not_before is not None and value < not_before:
        raise ValidationError({field: _("时间不能早于%(what)s（%(t)s）。") % {
            "what": not_before_label, "t": timezone.localtime(not_before).strftime("%Y-%m-%d %H:%M")}})
    return value


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


# --- transition forms -------------------------------------------------------------------------

class DetentionStartForm(forms.Form):
    started_at = forms.DateTimeField(label=gettext_lazy("留置开始时间"), widget=DateTimeInput)
    place = forms.CharField(label=gettext_lazy("留置场所"), max_length=200)


class DetentionNotifyForm(forms.Form):
    family_notified = forms.BooleanField(label=gettext_lazy("已通知家属"), required=False)
    unit_notified = forms.BooleanField(label=gettext_lazy("已通知所在单位"), required=False)
    notified_at = forms.DateTimeField(label=gettext_lazy("通知时间"), required=False, widget=DateTimeInput)
    not_notified_reason = forms.CharField(
        label=gettext_lazy("未通知或未按时通知的原因"), required=False, validators=[max_text],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("如有碍调查；未在留置后 24 小时内通知的，须说明原因。"))

    def clean(self):
        data = super().clean()
        notified = data.get("family_notified") or data.get("unit_notified")
        if notified and not data.get("notified_at"):
            self.add_error("notified_at", _("请填写通知时间。"))
        if not notified and not (data.get("not_notified_reason") or "").strip():
            self.add_error("not_notified_reason", _("未通知家属和单位的，请填写原因（如有碍调查）。"))
        return data


class DetentionExtensionForm(forms.Form):
    months = forms.IntegerField(label=gettext_lazy("延长月数"), min_value=1)


class DetentionReleaseForm(forms.Form):
    released_at = forms.DateTimeField(label=gettext_lazy("解除留置时间"), required=False, widget=DateTimeInput,
                                      help_text=gettext_lazy("默认现在。"))
    release_reason = forms.CharField(label=gettext_lazy("解除原因"), validators=[max_text],
                                     widget=forms.Textarea(attrs={"rows": 2}))


# --- the record -------------------------------------------------------------------------------

class Detention(WorkflowRecord):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="detentions",
                             verbose_name=gettext_lazy("案件"))
    subject = models.ForeignKey("cases.CaseSubject", on_delete=models.PROTECT, related_name="detentions",
                                verbose_name=gettext_lazy("被审查调查人"))
    state = FSMField(gettext_lazy("状态"), default="proposed", protected=True, choices=DetentionState.choices,
                     db_index=True)
    grounds = models.TextField(gettext_lazy("留置理由"))

    pending_kind = models.CharField(gettext_lazy("待审批事项"), max_length=20, blank=True,
                                    choices=DetentionProposal.choices, db_index=True)
    pending_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=gettext_lazy("提议人"))
    pending_at = models.DateTimeField(gettext_lazy("提议时间"), null=True, blank=True)
    pending_data = models.JSONField(gettext_lazy("提议内容"), default=dict, blank=True)

    approved_on = models.DateField(gettext_lazy("批准日期"), null=True, blank=True)
    started_at = models.DateTimeField(gettext_lazy("留置开始时间"), null=True, blank=True)
    place = models.CharField(gettext_lazy("留置场所"), max_length=200, blank=True)
    notify_due_at = models.DateTimeField(gettext_lazy("通知期限"), null=True, blank=True, db_index=True)
    family_notified = models.BooleanField(gettext_lazy("已通知家属"), default=False)
    unit_notified = models.BooleanField(gettext_lazy("已通知所在单位"), default=False)
    notified_at = models.DateTimeField(gettext_lazy("通知时间"), null=True, blank=True)
    not_notified_reason = models.TextField(gettext_lazy("未通知或未按时通知的原因"), blank=True)
    extended_months = models.PositiveSmallIntegerField(gettext_lazy("延长月数"), default=0)
    extended_on = models.DateField(gettext_lazy("延长批准日期"), null=True, blank=True)
    due_date = models.DateField(gettext_lazy("留置期限"), null=True, blank=True, db_index=True)
    overdue = models.BooleanField(gettext_lazy("已超期"), default=False, db_index=True)
    released_at = models.DateTimeField(gettext_lazy("解除留置时间"), null=True, blank=True)
    release_reason = models.TextField(gettext_lazy("解除原因"), blank=True)

    history = audited_history()

    class Meta:
        ordering = ["pk"]
        verbose_name = gettext_lazy("留置")
        verbose_name_plural = gettext_lazy("留置")
        constraints = [models.UniqueConstraint(
            fields=["subject"], condition=models.Q(state__in=OPEN_DETENTION_STATES),
            name="uniq_open_detention_per_subject",
            violation_error_message=gettext_lazy("该被审查调查人已有未解除的留置措施。"))]

    def __str__(self):
        return _("留置 · %(name)s") % {"name": self.subject.name}

    def get_absolute_url(self):
        return record_url("cases:detail", self.case_id) + f"?detention={self.pk}#detentions"

    def approver_level(self) -> str:
        """An extension needs the commission's principal head; the detention itself a head."""
        return proposals.PRINCIPAL if self.pending_kind == "extension" else proposals.HEAD

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_DETENTION_STATES

    @property
    def notified_late(self) -> bool:
        return bool(self.notified_at and self.notify_due_at and self.notified_at > self.notify_due_at)

    def _limit(self) -> dt.date | None:
        if self.started_at is None:
            return None
        start = timezone.localdate(self.started_at)
        return workdays.period_end(start, months=limit("DETENTION_MONTHS") + self.extended_months).date

    # --- proposals ------------------------------------------------------------------------

    @transition(field=state, source=["proposed", "notified"], conditions=[proposals.has_pending],
                target=RETURN_VALUE("approved", "extended"),
                custom={"label": gettext_lazy("审批同意"), "right": "approve", "comment_required": False})
    def approve(self, ctx):
        kind, data = self.pending_kind, self.pending_data or {}
        ctx.approved_kind = kind
        proposals.clear(self)
        if kind == "extension":
            self.extended_months = int(data["months"])
            self.extended_on = timezone.localdate()
            self.due_date = self._limit()
            self.overdue = self.due_date < timezone.localdate()
            return "extended"
        self.approved_on = timezone.localdate()
        return "approved"

    @transition(field=state, source=["proposed", "notified"], conditions=[proposals.has_pending],
                target=RETURN_VALUE("cancelled", "notified"),
                custom={"label": gettext_lazy("不同意（退回提议）"), "right": "approve"})
    def reject_proposal(self, ctx):
        ctx.rejected_kind = self.pending_kind
        proposals.clear(self)
        return "notified" if self.state == "notified" else "cancelled"

    @transition(field=state, source=["notified", "extended"], target=None, conditions=[proposals.no_pending],
                custom={"label": gettext_lazy("申请延长留置"), "right": "propose", "form": DetentionExtensionForm})
    def propose_extension(self, ctx):
        if self.extended_months:
            raise ValidationError(_("留置只能延长一次：已于 %(d)s 延长 %(n)d 个月。") % {
                "d": self.extended_on, "n": self.extended_months})
        months, maximum = ctx.params["months"], limit("DETENTION_EXTENSION_MAX_MONTHS")
        if months > maximum:
            raise ValidationError({"months": _("留置最多延长 %(n)d 个月。") % {"n": maximum}})
        proposals.propose(self, ctx, "extension", data={"months": months})

    # --- handling -------------------------------------------------------------------------

    @transition(field=state, source=["approved"], target="started",
                custom={"label": gettext_lazy("执行留置"), "right": "handle", "form": DetentionStartForm,
                        "comment_required": False})
    def start(self, ctx):
        p = ctx.params
        approved = self.approved_on or timezone.localdate()
        if timezone.localdate(p["started_at"]) < approved:
            raise ValidationError({"started_at": _("留置开始时间不能早于批准日期（%(d)s）。") % {"d": approved}})
        self.started_at = _check_moment(p["started_at"], field="started_at")
        self.place = p["place"].strip()
        if not self.place:
            raise ValidationError({"place": _("请填写留置场所。")})
        self.notify_due_at = self.started_at + dt.timedelta(hours=limit("DETENTION_NOTIFY_HOURS"))
        self.due_date = self._limit()
        self.overdue = False

    @transition(field=state, source=["approved"], target="cancelled",
                custom={"label": gettext_lazy("撤销（未执行留置）"), "right": "handle", "inbox": False})
    def cancel(self, ctx):
        pass

    @transition(field=state, source=["started"], target="notified",
                custom={"label": gettext_lazy("登记通知家属和单位"), "right": "handle", "form": DetentionNotifyForm,
                        "comment_required": False})
    def record_notification(self, ctx):
        p = ctx.params
        reason = (p.get("not_notified_reason") or "").strip()
        at = p.get("notified_at")
        if at is not None:
            _check_moment(at, field="notified_at", not_before=self.started_at, not_before_label=_("留置开始时间"))
        self.family_notified = bool(p.get("family_notified"))
        self.unit_notified = bool(p.get("unit_notified"))
        self.notified_at = at if (self.family_notified or self.unit_notified) else None
        self.not_notified_reason = reason
        late = self.notified_at is not None and self.notified_at > self.notify_due_at
        if (late or not (self.family_notified and self.unit_notified)) and not reason:
            raise ValidationError({"not_notified_reason": _(
                "未在留置后 %(n)d 小时内通知家属和所在单位的，须填写原因。") % {"n": limit("DETENTION_NOTIFY_HOURS")}})

    @transition(field=state, source=CUSTODY_STATES, target="released",
                custom={"label": gettext_lazy("解除留置"), "right": "handle", "form": DetentionReleaseForm,
                        "comment_required": False})
    def release(self, ctx):
        p = ctx.params
        at = p.get("released_at") or timezone.now()
        self.released_at = _check_moment(at, field="released_at", not_before=self.started_at,
                                         not_before_label=_("留置开始时间"))
        self.release_reason = p["release_reason"].strip()
        if not self.release_reason:
            raise ValidationError({"release_reason": _("请填写解除原因。")})
        proposals.clear(self)  # an extension still awaiting approval lapses

    @transition(field=state, source=CUSTODY_STATES, target=None, conditions=[_not_overdue],
                custom={"label": gettext_lazy("标记超期"), "right": "mark_overdue", "inbox": False,
                        "comment_required": False})
    def mark_overdue(self, ctx):
        self.overdue = True
