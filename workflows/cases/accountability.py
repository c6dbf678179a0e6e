"""问责 targets: each unit or cadre a matter holds accountable, with its own measure, execution and
appeal (issue 20 item 9). A part of the matter (on its timeline, with history); every change is
made by one of the matter's transitions (models.AccountabilityMatter), under the matter's lock.

    pending 待决定 ──(decision approved)──► decided 待执行 ──apply_measure──► applied 已执行
                                        └─► not_held 不予问责
    decided | applied ──appeal (within ACCOUNTABILITY_APPEAL_MONTHS of the decision)──► appealed
    appealed ──(re-examination approved: a head other than the decider)──►
        upheld → back as it was; modified → decided (the new measure to apply); revoked → revoked
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision import workdays
from supervision.models import audited_history

from . import choices
from .conf import limit


class AccountabilityTarget(models.Model):
    matter = models.ForeignKey("cases.AccountabilityMatter", on_delete=models.PROTECT, related_name="targets",
                               verbose_name=gettext_lazy("问责事项"))
    unit = models.ForeignKey("supervision.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=gettext_lazy("问责单位"))
    person = models.ForeignKey("supervision.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=gettext_lazy("问责干部"))
    status = models.CharField(gettext_lazy("状态"), max_length=20, choices=choices.TargetStatus.choices,
                              default="pending", editable=False, db_index=True)
    measure = models.CharField(gettext_lazy("问责方式"), max_length=20, blank=True, choices=choices.Measure.choices,
                               editable=False)
    decided_on = models.DateField(gettext_lazy("决定日期"), null=True, blank=True, editable=False)
    appeal_due = models.DateField(gettext_lazy("申诉期限"), null=True, blank=True, editable=False)
    applied_on = models.DateField(gettext_lazy("执行日期"), null=True, blank=True, editable=False)
    applied_note = models.TextField(gettext_lazy("执行情况"), blank=True, editable=False)
    appealed_on = models.DateField(gettext_lazy("申诉日期"), null=True, blank=True, editable=False)
    appealed_from = models.CharField(gettext_lazy("申诉前状态"), max_length=20, blank=True, editable=False,
                                     choices=choices.TargetStatus.choices)
    reexam_due = models.DateField(gettext_lazy("复查期限"), null=True, blank=True, editable=False)
    reexam_outcome = models.CharField(gettext_lazy("复查结论"), max_length=20, blank=True, editable=False,
                                      choices=choices.ReexamOutcome.choices)
    reexamined_on = models.DateField(gettext_lazy("复查日期"), null=True, blank=True, editable=False)
    original_measure = models.CharField(gettext_lazy("原问责方式"), max_length=20, blank=True, editable=False,
                                        choices=choices.Measure.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", editable=False, verbose_name=gettext_lazy("登记人"))

    history = audited_history()

    class Meta:
        ordering = ["pk"]
        verbose_name = gettext_lazy("问责对象")
        verbose_name_plural = gettext_lazy("问责对象")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(unit__isnull=False, person__isnull=True)
                           | models.Q(unit__isnull=True, person__isnull=False)),
                name="accountability_target_unit_xor_person",
                violation_error_message=gettext_lazy("问责对象须是一个单位或一名干部。")),
            models.UniqueConstraint(fields=["matter", "unit"], condition=models.Q(unit__isnull=False),
                                    name="uniq_accountability_target_unit",
                                    violation_error_message=gettext_lazy("该单位已是本事项的问责对象。")),
            models.UniqueConstraint(fields=["matter", "person"], condition=models.Q(person__isnull=False),
                                    name="uniq_accountability_target_person",
                                    violation_error_message=gettext_lazy("该干部已是本事项的问责对象。")),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if self.person_id:
            return self.person.name
        return self.unit.name if self.unit_id else ""

    @property
    def kind_label(self) -> str:
        return _("干部") if self.person_id else _("单位")

    @property
    def may_appeal(self) -> bool:
        today = timezone.localdate()
        return (self.status in ("decided", "applied") and not self.reexam_outcome
                and self.appeal_due is not None and today <= self.appeal_due)


def _save(target, *, actor, reason: str) -> None:
    from supervision.transitions import save_with_history

    save_with_history(target, actor=actor, reason=(reason or "")[:500])


def target_add(matter, *, unit=None, person=None, actor, reason: str = "") -> AccountabilityTarget:
    """A target of ``matter`` (called when the matter is opened, or by its ``add_target`` transition)."""
    if bool(unit) == bool(person):
        raise ValidationError(_("请选择一个问责单位或一名问责干部（二者选一）。"))
    same = matter.targets.filter(unit=unit) if unit else matter.targets.filter(person=person)
    if same.exists():
        raise ValidationError({"unit" if unit else "person": _("%(t)s 已是本事项的问责对象。") % {
            "t": (unit or person).name}})
    target = AccountabilityTarget(matter=matter, unit=unit, person=person,
                                  added_by=None if getattr(actor, "is_system", False) else actor)
    _save(target, actor=actor, reason=reason or _("确定问责对象"))
    return target


def apply_decision(matter, measures: dict, *, actor) -> int:
    """The approved decision: each target's measure, or 不予问责. Returns how many are held."""
    today = timezone.localdate()
    due = workdays.period_end(today, months=limit("ACCOUNTABILITY_APPEAL_MONTHS")).date
    held = 0
    targets = list(matter.targets.select_related("unit", "person"))
    for t in targets:
        measure = measures.get(str(t.pk))
        if measure is None:
            raise ValidationError(_("问责意见提出后又增加了问责对象 %(t)s，请退回后重新提出。") % {"t": t.name})
        t.decided_on = today
        if measure == choices.NOT_HELD:
            t.status, t.measure, t.appeal_due = "not_held", "", None
        else:
            t.status, t.measure, t.appeal_due = "decided", measure, due
            held += 1
        _save(t, actor=actor, reason=_("问责决定：%(m)s") % {
            "m": t.get_measure_display() if t.measure else _("不予问责")})
    return held


def target_applied(t, *, day, note: str, actor, decided_on) -> None:
    today = timezone.localdate()
    day = day or today
    if day > today or (decided_on and day < decided_on):
        raise ValidationError({"applied_on": _("执行日期须在决定日期（%(d)s）与今天之间。") % {"d": decided_on}})
    t.status, t.applied_on, t.applied_note = "applied", day, (note or "").strip()
    _save(t, actor=actor, reason=_("执行问责：%(m)s") % {"m": t.get_measure_display()})


def target_appealed(t, *, day, reason: str, actor) -> None:
    today = timezone.localdate()
    day = day or today
    if t.reexam_outcome:
        raise ValidationError({"target": _("%(t)s 的申诉已复查，不能再次申诉。") % {"t": t.name}})
    if day > today or (t.decided_on and day < t.decided_on):
        raise ValidationError({"appealed_on": _("申诉日期须在决定日期（%(d)s）与今天之间。") % {"d": t.decided_on}})
    if t.appeal_due is None or day > t.appeal_due:
        raise ValidationError({"appealed_on": _("申诉期限已过（%(d)s 前可以申诉）。") % {"d": t.appeal_due}})
    t.appealed_from, t.status, t.appealed_on = t.status, "appealed", day
    t.reexam_due = workdays.period_end(day, months=limit("ACCOUNTABILITY_REEXAM_MONTHS")).date
    _save(t, actor=actor, reason=_("申诉：%(r)s") % {"r": reason})


def apply_reexam(t, outcome: str, measure: str, *, actor, reason: str) -> None:
    t.reexam_outcome, t.reexamined_on = outcome, timezone.localdate()
    if outcome == "upheld":
        t.status = t.appealed_from or "applied"
    elif outcome == "modified":
        t.original_measure, t.measure, t.status = t.measure, measure, "decided"
        t.applied_on, t.applied_note = None, ""
    else:
        t.status = "revoked"
    _save(t, actor=actor, reason=_("复查：%(o)s") % {"o": choices.ReexamOutcome(outcome).label}
          + (f"（{reason}）" if reason else ""))
