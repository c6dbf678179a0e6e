"""Weak-branch rectification 软弱涣散村党组织整顿 (DESIGN §4.2).

One ``Rectification`` per village party branch and year, its plan items 一村一策, progress
reports and acceptance attempts. State changes only through the kernel's transition path;
plan items, progress reports and acceptances are written by services/transitions with
history.

States::

    screened ──propose_listing (organization)──▶ proposed ──approve_listing (leader)──▶ listed
       │                                            └──reject_listing (leader)──▶ dismissed
       └──dismiss (organization)──▶ dismissed
    listed ──approve_plan (organization)──▶ planned ──start (township)──▶ rectifying
    rectifying ──request_acceptance (township, every plan item done)──▶ acceptance_requested
    acceptance_requested ──accept (organization, score ≥ 70 and dissatisfied ≤ 50%)──▶ accepted
    acceptance_requested ──fail (organization, otherwise; new deadline)──▶ failed
    failed ──resume (township)──▶ rectifying
    accepted ──follow_up (organization)──▶ followed_up ──close (organization, after a year)──▶ closed
    followed_up ──relapse (organization; new deadline)──▶ rectifying
    listed | planned | rectifying ──propose_withdrawal (organization, township)──▶ withdrawal_proposed
    withdrawal_proposed ──approve_withdrawal (leader, not the proposer)──▶ withdrawn
    withdrawal_proposed ──reject_withdrawal (leader, not the proposer)──▶ the state it came from

Transition methods change only the record's own fields and refuse what cannot be; what a
transition writes elsewhere (acceptance rows, people marks, notifications) is its
``effects.do_<name>``.
"""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import RETURN_VALUE, FSMField, transition

from supervision import clock
from supervision.errors import Conflict, ValidationError
from supervision.links import record_url
from supervision.models import WorkflowRecord, audited_history
from supervision.workdays import add_months

from . import conf, fit
from .choices import WITHDRAWABLE_STATES, Criterion, State
from .forms import AcceptanceForm, FailForm, PlanApprovalForm, RelapseForm

__all__ = ["Criterion", "State", "Rectification", "PlanItem", "ProgressReport", "Acceptance"]


# States in which the rectification deadline runs (overdue flag, reminders).
OPEN_STATES = (State.LISTED, State.PLANNED, State.RECTIFYING, State.FAILED)
# States in which a monthly progress report is owed.
REPORTING_STATES = (State.RECTIFYING,)
VIEW_ROLES = frozenset({"township", "organization", "leader", "auditor"})
# Counted as 已验收 on the board.
ACCEPTED_STATES = (State.ACCEPTED, State.FOLLOWED_UP, State.CLOSED)
# Not (yet) on the list 确定名单: left out of the board's average plan completion.
UNLISTED_STATES = (State.SCREENED, State.PROPOSED, State.DISMISSED)


def end_of_year(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def passes_bar(score, dissatisfied) -> bool:
    return score >= conf.get("ACCEPT_MIN_SCORE") and dissatisfied <= conf.get("ACCEPT_MAX_DISSATISFIED")


class Rectification(WorkflowRecord):
    village = models.ForeignKey("supervision.Region", on_delete=models.PROTECT, related_name="rectifications",
                                verbose_name=gettext_lazy("村党组织"), limit_choices_to={"level": "village"})
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    criteria = models.JSONField(gettext_lazy("软弱涣散情形"), default=list)
    other_criteria = models.CharField(gettext_lazy("其他情形说明"), max_length=200, blank=True)
    problem = models.TextField(gettext_lazy("主要问题"))
    # 四个一: county leader contact, township leader, first secretary, twinned county unit.
    county_leader = models.ForeignKey("supervision.Person", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=gettext_lazy("联系县领导"))
    township_leader = models.ForeignKey("supervision.Person", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=gettext_lazy("包村乡镇领导"))
    first_secretary = models.ForeignKey("supervision.Person", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=gettext_lazy("第一书记"))
    twinned_unit = models.ForeignKey("supervision.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=gettext_lazy("结对县级单位"))
    # Accountable if acceptance fails (no 优秀 that year).
    township_secretary = models.ForeignKey("supervision.Person", on_delete=models.PROTECT, related_name="+",
                                           verbose_name=gettext_lazy("乡镇党委书记"))
    responsible_cadre = models.ForeignKey("supervision.Person", on_delete=models.PROTECT, related_name="+",
                                          verbose_name=gettext_lazy("乡镇责任干部"))
    state = FSMField(gettext_lazy("状态"), default=State.SCREENED, choices=State.choices, protected=True)
    due_date = models.DateField(gettext_lazy("整顿期限"))
    due_provisional = models.BooleanField(gettext_lazy("期限待确认（节假日未公布）"), default=False, editable=False)
    screened_by = models.ForeignKey("supervision.User", null=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=gettext_lazy("上报人"), editable=False)
    rectifying_since = models.DateField(gettext_lazy("开始整顿日期"), null=True, blank=True, editable=False)
    accepted_on = models.DateField(gettext_lazy("验收销号日期"), null=True, blank=True, editable=False)
    follow_up_until = models.DateField(gettext_lazy("跟踪回访截止"), null=True, blank=True, editable=False)
    overdue_flagged_on = models.DateField(gettext_lazy("逾期标记日期"), null=True, blank=True, editable=False)
    # A withdrawal 撤销整顿 awaiting the leader: the state it was proposed from, and by whom.
    withdrawal_from = models.CharField(gettext_lazy("撤销前状态"), max_length=32, blank=True, editable=False)
    withdrawal_proposed_by = models.ForeignKey("supervision.User", null=True, blank=True, on_delete=models.PROTECT,
                                               related_name="+", editable=False,
                                               verbose_name=gettext_lazy("撤销提议人"))

    history = audited_history()

    class Meta:
        ordering = ["-year", "village__code"]
        verbose_name = gettext_lazy("软弱涣散村党组织整顿")
        verbose_name_plural = gettext_lazy("软弱涣散村党组织整顿")
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="uniq_rectification_village_year",
                                               violation_error_message=gettext_lazy("该村本年度已有整顿记录。"))]
        indexes = [models.Index(fields=["state", "due_date"])]

    def __str__(self):
        return f"{self.village.name} · {self.year}"

    def get_absolute_url(self):
        return record_url("rectification:detail", self.pk)

    @property
    def township_id(self):
        return self.village.parent_id

    def criteria_labels(self) -> list[str]:
        labels = dict(Criterion.choices)
        return [str(labels.get(c, c)) for c in self.criteria or []]

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or clock.today()
        return self.state in OPEN_STATES and self.due_date < today

    # --- transitions (all fired through supervision.transitions.run_transition) ---

    @transition(field=state, source=State.SCREENED, target=State.PROPOSED,
                custom={"label": gettext_lazy("提议列入名单"), "comment_required": False})
    def propose_listing(self, ctx):
        pass

    @transition(field=state, source=State.SCREENED, target=State.DISMISSED,
                custom={"label": gettext_lazy("不予列入")})
    def dismiss(self, ctx):
        pass

    @transition(field=state, source=State.PROPOSED, target=State.LISTED,
                custom={"label": gettext_lazy("批准列入名单"), "comment_required": False})
    def approve_listing(self, ctx):
        pass

    @transition(field=state, source=State.PROPOSED, target=State.DISMISSED,
                custom={"label": gettext_lazy("不批准列入")})
    def reject_listing(self, ctx):
        pass

    @transition(field=state, source=State.LISTED, target=State.PLANNED,
                custom={"label": gettext_lazy("批准一村一策方案"), "comment_required": False,
                        "form": PlanApprovalForm})
    def approve_plan(self, ctx):
        p = ctx.params
        for name in ("county_leader", "township_leader", "first_secretary", "twinned_unit"):
            if p.get(name) is not None:
                setattr(self, name, p[name])
        if p.get("due_date"):
            self.due_date = p["due_date"]
        missing = [str(self._meta.get_field(n).verbose_name)
                   for n in ("county_leader", "township_leader", "first_secretary", "twinned_unit")
                   if getattr(self, f"{n}_id") is None]
        if missing:
            raise ValidationError({"four_ones": _("“四个一”未落实：%(m)s。") % {"m": "、".join(missing)}})
        if p.get("township_leader") is not None and p["township_leader"].pk not in fit.township_people_ids(
                self.village.parent_id):
            raise ValidationError({"township_leader": _("包村乡镇领导应为本乡镇的干部。")})
        if not self.plan_items.exists():
            raise ValidationError({"plan": _("一村一策方案还没有任何问题整改项，不能批准。")})

    @transition(field=state, source=State.PLANNED, target=State.RECTIFYING,
                custom={"label": gettext_lazy("开始整顿"), "comment_required": False})
    def start(self, ctx):
        self.rectifying_since = clock.today()

    def open_item_count(self) -> int:
        """Plan items not done yet; from the selectors' annotations when present (no query)."""
        if hasattr(self, "items_total"):
            return self.items_total - self.items_done
        return self.plan_items.filter(done=False).count()

    def all_items_done(self) -> bool:
        return self.open_item_count() == 0

    # Shown by the kernel when the condition refuses the transition (409).
    all_items_done.message = lambda obj: _("还有 %(n)d 项整改措施未完成，不能申请验收。") % {
        "n": obj.open_item_count()}

    @transition(field=state, source=State.RECTIFYING, target=State.ACCEPTANCE_REQUESTED,
                conditions=[all_items_done],
                custom={"label": gettext_lazy("申请验收"), "comment_required": False})
    def request_acceptance(self, ctx):
        pass

    @transition(field=state, source=State.ACCEPTANCE_REQUESTED, target=State.ACCEPTED,
                custom={"label": gettext_lazy("验收通过（销号）"), "comment_required": False,
                        "form": AcceptanceForm})
    def accept(self, ctx):
        p = ctx.params
        if not passes_bar(p["score"], p["dissatisfied_pct"]):
            raise Conflict(_("验收得分 %(score)s 分、群众不满意率 %(pct)s%%，未达到销号标准（得分不低于 %(min)s 分且"
                             "不满意率不高于 %(max)s%%），只能判定为验收不通过。")
                           % {"score": p["score"], "pct": p["dissatisfied_pct"],
                              "min": conf.get("ACCEPT_MIN_SCORE"), "max": conf.get("ACCEPT_MAX_DISSATISFIED")})
        self.accepted_on = p["date"]
        self.overdue_flagged_on = None

    @transition(field=state, source=State.ACCEPTANCE_REQUESTED, target=State.FAILED,
                custom={"label": gettext_lazy("验收不通过"), "comment_required": False,
                        "form": FailForm})
    def fail(self, ctx):
        p = ctx.params
        if passes_bar(p["score"], p["dissatisfied_pct"]):
            raise Conflict(_("验收得分 %(score)s 分、群众不满意率 %(pct)s%% 已达到销号标准，应当验收通过。")
                           % {"score": p["score"], "pct": p["dissatisfied_pct"]})
        today = clock.today()
        new_deadline = p.get("new_deadline") or max(end_of_year(max(self.year, today.year)),
                                                     today + dt.timedelta(days=30))
        if new_deadline <= today:
            raise ValidationError({"new_deadline": _("新的整顿期限必须晚于今天。")})
        p["new_deadline"] = new_deadline  # what effects.do_fail records
        self.due_date = new_deadline
        self.overdue_flagged_on = None

    @transition(field=state, source=State.FAILED, target=State.RECTIFYING,
                custom={"label": gettext_lazy("重新整顿"), "comment_required": False})
    def resume(self, ctx):
        pass

    @transition(field=state, source=State.ACCEPTED, target=State.FOLLOWED_UP,
                custom={"label": gettext_lazy("转入跟踪回访")})
    def follow_up(self, ctx):
        self.follow_up_until = add_months(self.accepted_on or clock.today(),
                                          conf.get("FOLLOW_UP_MONTHS")).date

    def follow_up_over(self) -> bool:
        return not self.follow_up_until or clock.today() >= self.follow_up_until

    follow_up_over.message = lambda obj: _("跟踪回访期至 %(d)s 结束，届时才能结束跟踪。") % {
        "d": obj.follow_up_until.isoformat()}

    @transition(field=state, source=State.FOLLOWED_UP, target=State.CLOSED, conditions=[follow_up_over],
                custom={"label": gettext_lazy("结束跟踪")})
    def close(self, ctx):
        pass

    @transition(field=state, source=State.FOLLOWED_UP, target=State.RECTIFYING,
                custom={"label": gettext_lazy("问题反弹，重新整顿"), "form": RelapseForm})
    def relapse(self, ctx):
        """Problems found again during the follow-up: back to rectifying with a new deadline."""
        new_deadline = ctx.params["new_deadline"]
        if new_deadline <= clock.today():
            raise ValidationError({"new_deadline": _("新的整顿期限必须晚于今天。")})
        self.due_date = new_deadline
        self.rectifying_since = clock.today()
        self.follow_up_until = None
        self.overdue_flagged_on = None

    @transition(field=state, source=list(WITHDRAWABLE_STATES), target=State.WITHDRAWAL_PROPOSED,
                custom={"label": gettext_lazy("提议撤销整顿")})
    def propose_withdrawal(self, ctx):
        """E.g. villages merged: proposed with a reason; a county leader other than the proposer decides."""
        self.withdrawal_from = ctx.from_state
        self.withdrawal_proposed_by = ctx.actor

    @transition(field=state, source=State.WITHDRAWAL_PROPOSED, target=State.WITHDRAWN,
                custom={"label": gettext_lazy("批准撤销整顿"), "comment_required": False})
    def approve_withdrawal(self, ctx):
        pass

    @transition(field=state, source=State.WITHDRAWAL_PROPOSED, target=RETURN_VALUE(*WITHDRAWABLE_STATES),
                custom={"label": gettext_lazy("不批准撤销")})
    def reject_withdrawal(self, ctx):
        back = self.withdrawal_from or State.LISTED
        self.withdrawal_from = ""
        self.withdrawal_proposed_by = None
        return back

    def not_the_withdrawal_proposer(self, user) -> bool:
        """The leader deciding a withdrawal is not the one who proposed it (a Right check)."""
        return user.pk != self.withdrawal_proposed_by_id


class PlanItem(models.Model):
    """One problem of the 一村一策 plan with its measure, responsible person and deadline."""

    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="plan_items",
                                      verbose_name=gettext_lazy("整顿"))
    problem = models.CharField(gettext_lazy("问题"), max_length=300)
    measure = models.TextField(gettext_lazy("整改措施"))
    responsible = models.CharField(gettext_lazy("责任人"), max_length=100)
    deadline = models.DateField(gettext_lazy("完成时限"))
    done = models.BooleanField(gettext_lazy("已完成"), default=False)
    done_on = models.DateField(gettext_lazy("完成日期"), null=True, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = gettext_lazy("整改项")
        verbose_name_plural = gettext_lazy("整改项")

    def __str__(self):
        return self.problem


class ProgressReport(models.Model):
    """A periodic progress report (text + attachments part ``progress:<id>``)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="progress_reports",
                                      verbose_name=gettext_lazy("整顿"))
    date = models.DateField(gettext_lazy("报告日期"))
    text = models.TextField(gettext_lazy("进展情况"))
    reported_by = models.ForeignKey("supervision.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=gettext_lazy("报告人"))
    created_at = models.DateTimeField(auto_now_add=True)

    history = audited_history()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = gettext_lazy("整顿进展")
        verbose_name_plural = gettext_lazy("整顿进展")

    def __str__(self):
        return f"{self.rectification_id} · {self.date}"

    @property
    def attachment_part(self) -> str:
        return f"progress:{self.pk}"


class Acceptance(models.Model):
    """One acceptance inspection 验收 (passed or failed)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="acceptances",
                                      verbose_name=gettext_lazy("整顿"))
    score = models.PositiveSmallIntegerField(gettext_lazy("验收得分"))
    dissatisfied_pct = models.DecimalField(gettext_lazy("群众不满意率（%）"), max_digits=5, decimal_places=2)
    inspectors = models.CharField(gettext_lazy("验收人员"), max_length=300)
    date = models.DateField(gettext_lazy("验收日期"))
    opinion = models.TextField(gettext_lazy("验收意见"), blank=True)
    passed = models.BooleanField(gettext_lazy("通过"))
    new_deadline = models.DateField(gettext_lazy("新的整顿期限"), null=True, blank=True)
    recorded_by = models.ForeignKey("supervision.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=gettext_lazy("登记人"))
    created_at = models.DateTimeField(auto_now_add=True)

    history = audited_history()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = gettext_lazy("验收")
        verbose_name_plural = gettext_lazy("验收")

    def __str__(self):
        return f"{self.rectification_id} · {self.date}"
