"""The county document's targets (巍办发〔2017〕25号, DESIGN §4.5): the registers behind them.

Every row is a tracked record (``audited_history()``) with a small state machine instead of a
delete: a reserve cadre is entered, trained, promoted into the 两委 or removed; a villager group
is dissolved; an income is confirmed; a pairing ends. State fields are protected and every
state change goes through ``supervision.transitions.run_transition``; every other write goes
through ``services`` under a row lock. Invariants two requests could race past are database
constraints (one income per village and year, one attendance per person and session …).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from supervision.links import record_url
from supervision.models import WorkflowRecord, audited_history

from .choices import AidKind, Background, CadrePost, Education, Gender, TrainingLevel
from .transition_forms import DateForm, PromoteForm, TrainingRecordForm, YearForm

VILLAGE = {"level": "village"}


def _today() -> dt.date:
    return timezone.localdate()


def _village_fk(**kwargs):
    return models.ForeignKey(
        "supervision.Region",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=VILLAGE,
        verbose_name=_("村"),
        **kwargs,
    )


class TargetRecord(FSMModelMixin, WorkflowRecord):
    """Base of every register row: a page of its own and a village (or township) scope."""

    url_name = ""

    class Meta:
        abstract = True

    def get_absolute_url(self):
        return record_url("targets:detail", self.pk, before=(self.register_key,))

    # The register's key in URLs (``targets/r/<key>/``), declared by each model (registers.py reads it).
    register_key = ""


# --- 村级后备力量 ------------------------------------------------------------------------------


class ReserveCadre(TargetRecord):
    """村级后备力量: one person, one file (一人一档), and their movement."""

    register_key = "reserve-cadres"

    class State(models.TextChoices):
        ENTERED = "entered", _("在库培养")
        TRAINED = "trained", _("已培训")
        PROMOTED = "promoted", _("已进入村“两委”")
        REMOVED = "removed", _("已调整出库")

    village = _village_fk()
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("文化程度"), max_length=16, choices=Education.choices)
    background = models.CharField(_("人员类别"), max_length=16, choices=Background.choices)
    is_party_member = models.BooleanField(_("中共党员"), default=False)
    current_post = models.CharField(_("现任职务"), max_length=100, blank=True)
    entered_on = models.DateField(_("入库日期"))
    trained_on = models.DateField(_("最近培训日期"), null=True, blank=True, editable=False)
    training = models.TextField(_("培训情况"), blank=True, default="", editable=False)
    left_on = models.DateField(_("出库日期"), null=True, blank=True, editable=False)
    left_post = models.CharField(_("进入“两委”职务"), max_length=100, blank=True, default="", editable=False)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    state = FSMField(_("状态"), default=State.ENTERED, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["village__code", "entered_on", "pk"]
        verbose_name = _("村级后备力量")
        verbose_name_plural = _("村级后备力量")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("entered_on")),
                name="targets_reserve_left_after_entered",
            ),
            models.CheckConstraint(
                condition=models.Q(entered_on__gt=models.F("birth_date")), name="targets_reserve_born_before_entered"
            ),
        ]
        indexes = [models.Index(fields=["village", "entered_on"])]

    def __str__(self):
        return f"{self.name} · {self.village.name}"

    def age(self, on: dt.date | None = None) -> int:
        on = on or _today()
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

    @transition(
        field=state,
        source=[State.ENTERED, State.TRAINED],
        target=State.TRAINED,
        custom={
            "label": _("登记培训"),
            "right": "edit",
            "comment_required": False,
            "form": TrainingRecordForm,
            "inbox": False,
        },
    )
    def record_training(self, ctx):
        day = ctx.params["date"]
        self.trained_on = max(day, self.trained_on) if self.trained_on else day
        line = f"{day.isoformat()} {ctx.params['content']}"
        self.training = f"{self.training}\n{line}".strip()

    @transition(
        field=state,
        source=[State.ENTERED, State.TRAINED],
        target=State.PROMOTED,
        custom={
            "label": _("充实进村“两委”"),
            "right": "edit",
            "comment_required": False,
            "form": PromoteForm,
            "inbox": False,
        },
    )
    def promote(self, ctx):
        self.left_on = ctx.params["date"]
        self.left_post = ctx.params["post"]
        if self.left_on < self.entered_on:
            from supervision.errors import ValidationError

            raise ValidationError({"date": [gettext("日期不能早于入库日期。")]})

    @transition(
        field=state,
        source=[State.ENTERED, State.TRAINED],
        target=State.REMOVED,
        custom={"label": _("调整出库"), "right": "edit", "form": DateForm, "inbox": False},
    )
    def remove(self, ctx):
        self.left_on = ctx.params["date"]
        if self.left_on < self.entered_on:
            from supervision.errors import ValidationError

            raise ValidationError({"date": [gettext("日期不能早于入库日期。")]})


# --- 村民小组 ---------------------------------------------------------------------------------


class VillagerGroup(TargetRecord):
    """A villager group 村民小组 (a Region of level "group") and its party members."""

    register_key = "villager-groups"

    class State(models.TextChoices):
        ACTIVE = "active", _("在册")
        DISSOLVED = "dissolved", _("已撤并")

    region = models.OneToOneField(
        "supervision.Region",
        on_delete=models.PROTECT,
        related_name="target_group",
        limit_choices_to={"level": "group"},
        verbose_name=_("行政区划"),
        editable=False,
    )
    village = _village_fk()
    name = models.CharField(_("村民小组"), max_length=64)
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    party_members = models.PositiveIntegerField(_("党员人数"))
    has_branch = models.BooleanField(_("已建村民小组党支部"), default=False)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    state = FSMField(_("状态"), default=State.ACTIVE, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["village__code", "region__code"]
        verbose_name = _("村民小组党员情况")
        verbose_name_plural = _("村民小组党员情况")
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="targets_uniq_group_name")]

    def __str__(self):
        return f"{self.village.name}{self.name}"

    @transition(
        field=state,
        source=[State.ACTIVE],
        target=State.DISSOLVED,
        custom={"label": _("撤并"), "right": "edit", "inbox": False},
    )
    def dissolve(self, ctx):
        pass


# --- 村集体经济收入 ---------------------------------------------------------------------------


class CollectiveIncome(TargetRecord):
    """A village's collective-economy income for one year (村集体经济收入), in yuan."""

    register_key = "incomes"

    class State(models.TextChoices):
        REPORTED = "reported", _("乡镇已填报")
        CONFIRMED = "confirmed", _("县级已核定")

    village = _village_fk()
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("收入（元）"), max_digits=14, decimal_places=2)
    sources = models.CharField(_("主要来源"), max_length=300, blank=True)
    state = FSMField(_("状态"), default=State.REPORTED, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["-year", "village__code"]
        verbose_name = _("村集体经济收入")
        verbose_name_plural = _("村集体经济收入")
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="targets_uniq_income_village_year"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="targets_income_not_negative"),
        ]

    def __str__(self):
        return f"{self.village.name} · {self.year}"

    @transition(
        field=state,
        source=[State.REPORTED],
        target=State.CONFIRMED,
        custom={"label": _("核定"), "right": "confirm", "comment_required": False},
    )
    def confirm(self, ctx):
        pass

    @transition(
        field=state,
        source=[State.CONFIRMED],
        target=State.REPORTED,
        custom={"label": _("退回重填"), "right": "confirm", "inbox": False},
    )
    def reopen(self, ctx):
        pass


# --- 村干部名册（轮训对象） -------------------------------------------------------------------


class VillageCadre(TargetRecord):
    """A village party secretary, 两委 member or 大学生村官: who the yearly 集中轮训 must reach."""

    register_key = "village-cadres"

    class State(models.TextChoices):
        SERVING = "serving", _("在任")
        LEFT = "left", _("已离任")

    village = _village_fk()
    person = models.ForeignKey(
        "supervision.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员"), editable=False
    )
    post = models.CharField(_("职务"), max_length=20, choices=CadrePost.choices)
    started_on = models.DateField(_("任职日期"))
    left_on = models.DateField(_("离任日期"), null=True, blank=True, editable=False)
    state = FSMField(_("状态"), default=State.SERVING, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["village__code", "post", "pk"]
        verbose_name = _("村干部名册")
        verbose_name_plural = _("村干部名册")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("started_on")),
                name="targets_cadre_left_after_started",
            )
        ]

    def __str__(self):
        return f"{self.person.name} · {self.village.name} · {self.get_post_display()}"

    @transition(
        field=state,
        source=[State.SERVING],
        target=State.LEFT,
        custom={"label": _("离任"), "right": "edit", "form": DateForm, "inbox": False, "comment_required": False},
    )
    def leave(self, ctx):
        self.left_on = ctx.params["date"]
        if self.left_on < self.started_on:
            from supervision.errors import ValidationError

            raise ValidationError({"date": [gettext("日期不能早于任职日期。")]})


# --- 培训 -------------------------------------------------------------------------------------


class TrainingSession(TargetRecord):
    """A training session (集中轮训 by the county, or a township's 分批次培训) with its attendance."""

    register_key = "trainings"

    class State(models.TextChoices):
        PLANNED = "planned", _("计划举办")
        HELD = "held", _("已举办")
        CANCELLED = "cancelled", _("已取消")

    township = models.ForeignKey(
        "supervision.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "township"},
        verbose_name=_("举办乡镇"),
        help_text=_("县级轮训留空。"),
    )
    level = models.CharField(_("层级"), max_length=16, choices=TrainingLevel.choices)
    title = models.CharField(_("培训班名称"), max_length=200)
    start_date = models.DateField(_("开班日期"))
    end_date = models.DateField(_("结业日期"))
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    organizer = models.CharField(_("承办单位"), max_length=100, blank=True)
    state = FSMField(_("状态"), default=State.PLANNED, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="targets_training_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(level="county", township__isnull=True) | models.Q(level="township", township__isnull=False)
                ),
                name="targets_training_level_township",
            ),
        ]

    def __str__(self):
        return f"{self.title}（{self.start_date.isoformat()}）"

    @transition(
        field=state,
        source=[State.PLANNED],
        target=State.HELD,
        custom={"label": _("确认已举办"), "right": "edit", "comment_required": False, "inbox": False},
    )
    def hold(self, ctx):
        pass

    @transition(
        field=state,
        source=[State.PLANNED],
        target=State.CANCELLED,
        custom={"label": _("取消"), "right": "edit", "inbox": False},
    )
    def cancel(self, ctx):
        pass


class TrainingAttendance(models.Model):
    """One person's attendance of one session (part of the session's record)."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("培训班")
    )
    person = models.ForeignKey("supervision.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员"))
    village = _village_fk()
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    history = audited_history()

    class Meta:
        ordering = ["session", "village__code", "pk"]
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="targets_uniq_attendance")]

    def __str__(self):
        return f"{self.person.name} · {self.session.title}"


# --- 人才挂钩 ---------------------------------------------------------------------------------


class TalentPairing(TargetRecord):
    """四(四) 人才挂钩建档立卡贫困村: a professional talent paired with a poor village."""

    register_key = "talents"

    class State(models.TextChoices):
        ACTIVE = "active", _("挂钩中")
        ENDED = "ended", _("已结束")

    village = _village_fk()
    talent_name = models.CharField(_("人才姓名"), max_length=50)
    unit = models.CharField(_("所在单位"), max_length=100)
    specialty = models.CharField(_("专业领域"), max_length=100)
    started_on = models.DateField(_("挂钩日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True, editable=False)
    state = FSMField(_("状态"), default=State.ACTIVE, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["village__code", "-started_on"]
        verbose_name = _("人才挂钩")
        verbose_name_plural = _("人才挂钩")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="targets_talent_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.talent_name} · {self.village.name}"

    @transition(
        field=state,
        source=[State.ACTIVE],
        target=State.ENDED,
        custom={"label": _("结束挂钩"), "right": "edit", "form": DateForm, "inbox": False},
    )
    def end(self, ctx):
        self.ended_on = ctx.params["date"]
        if self.ended_on < self.started_on:
            from supervision.errors import ValidationError

            raise ValidationError({"date": [gettext("日期不能早于挂钩日期。")]})


# --- 挂包帮 -----------------------------------------------------------------------------------


class PoorHousehold(TargetRecord):
    """A registered poor household 建档立卡贫困户, entered by the county."""

    register_key = "households"

    class State(models.TextChoices):
        POOR = "poor", _("未脱贫")
        LIFTED = "lifted", _("已脱贫")

    village = _village_fk()
    household_no = models.CharField(_("户编号"), max_length=40, unique=True)
    head_name = models.CharField(_("户主姓名"), max_length=50)
    members = models.PositiveSmallIntegerField(_("家庭人口"))
    lifted_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True, editable=False)
    state = FSMField(_("状态"), default=State.POOR, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["village__code", "household_no"]
        verbose_name = _("建档立卡贫困户")
        verbose_name_plural = _("建档立卡贫困户")

    def __str__(self):
        return f"{self.head_name}（{self.household_no}）"

    @transition(
        field=state,
        source=[State.POOR],
        target=State.LIFTED,
        custom={"label": _("标注脱贫"), "right": "enter_household", "form": YearForm, "inbox": False},
    )
    def lift(self, ctx):
        self.lifted_year = ctx.params["year"]


def _can_unpair(pairing) -> bool:
    """不脱贫不脱钩: a pairing ends only when its village or household is out of poverty, or
    another active pairing of the same kind takes over."""
    same = AidPairing.objects.filter(state=AidPairing.State.ACTIVE, kind=pairing.kind).exclude(pk=pairing.pk)
    if pairing.household_id:
        if pairing.household.state == PoorHousehold.State.LIFTED:
            return True
        return same.filter(household_id=pairing.household_id).exists()
    if not pairing.village.is_poor_village:
        return True
    return same.filter(village_id=pairing.village_id, household__isnull=True).exists()


_can_unpair.message = lambda pairing: gettext(
    "不脱贫不脱钩：帮扶对象尚未脱贫，请先安排接替的挂包帮人员，再结束本结对。"
)


class AidPairing(TargetRecord):
    """四(一) 挂包帮: a county leader, a department or a cadre paired with a poor village or household."""

    register_key = "aid-pairings"

    class State(models.TextChoices):
        ACTIVE = "active", _("结对中")
        ENDED = "ended", _("已脱钩")

    kind = models.CharField(_("类别"), max_length=16, choices=AidKind.choices)
    village = _village_fk()
    household = models.ForeignKey(
        PoorHousehold,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("帮扶贫困户"),
    )
    helper_name = models.CharField(_("挂包帮领导/部门/干部"), max_length=100)
    helper_unit = models.CharField(_("所在单位"), max_length=100, blank=True)
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("脱钩日期"), null=True, blank=True, editable=False)
    state = FSMField(_("状态"), default=State.ACTIVE, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["village__code", "kind", "pk"]
        verbose_name = _("挂包帮结对")
        verbose_name_plural = _("挂包帮结对")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(household__isnull=True) | models.Q(kind="cadre"),
                name="targets_aid_household_only_cadre",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="targets_aid_end_after_start",
            ),
        ]

    def __str__(self):
        target = self.household.head_name if self.household_id else self.village.name
        return f"{self.get_kind_display()} · {self.helper_name} → {target}"

    @transition(
        field=state,
        source=[State.ACTIVE],
        target=State.ENDED,
        conditions=[_can_unpair],
        custom={"label": _("脱钩"), "right": "edit", "form": DateForm, "inbox": False},
    )
    def end(self, ctx):
        self.ended_on = ctx.params["date"]
        if self.ended_on < self.started_on:
            from supervision.errors import ValidationError

            raise ValidationError({"date": [gettext("日期不能早于结对日期。")]})


# --- 电商示范点 -------------------------------------------------------------------------------


class EcommerceShop(TargetRecord):
    """一(四) 农村电子商务实体店示范点: one per township within the year."""

    register_key = "shops"

    class State(models.TextChoices):
        BUILDING = "building", _("建设中")
        OPENED = "opened", _("已建成运营")
        CLOSED = "closed", _("已停业")

    township = models.ForeignKey(
        "supervision.Region",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "township"},
        verbose_name=_("乡镇"),
    )
    village = models.ForeignKey(
        "supervision.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=VILLAGE,
        verbose_name=_("所在村"),
    )
    name = models.CharField(_("示范点名称"), max_length=100)
    operator = models.CharField(_("经营者（领办党组织/党员）"), max_length=100)
    opened_on = models.DateField(_("建成日期"), null=True, blank=True, editable=False)
    closed_on = models.DateField(_("停业日期"), null=True, blank=True, editable=False)
    state = FSMField(_("状态"), default=State.BUILDING, choices=State.choices, protected=True)

    history = audited_history()

    class Meta:
        ordering = ["township__code", "pk"]
        verbose_name = _("电商实体店示范点")
        verbose_name_plural = _("电商实体店示范点")
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="targets_uniq_shop_name")]

    def __str__(self):
        return f"{self.name} · {self.township.name}"

    @transition(
        field=state,
        source=[State.BUILDING],
        target=State.OPENED,
        custom={
            "label": _("建成运营"),
            "right": "edit",
            "form": DateForm,
            "comment_required": False,
            "inbox": False,
        },
    )
    def open(self, ctx):
        self.opened_on = ctx.params["date"]

    @transition(
        field=state,
        source=[State.OPENED],
        target=State.CLOSED,
        custom={"label": _("停业"), "right": "edit", "form": DateForm, "inbox": False},
    )
    def close(self, ctx):
        self.closed_on = ctx.params["date"]
        if self.opened_on and self.closed_on < self.opened_on:
            from supervision.errors import ValidationError

            raise ValidationError({"date": [gettext("日期不能早于建成日期。")]})
