from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import audited_history
from .loading import FastLoading


class Region(FastLoading, models.Model):
    """Administrative region tree: county → township → village → villager group."""

    class Level(models.TextChoices):
        COUNTY = "county", _("县")
        TOWNSHIP = "township", _("乡镇")
        VILLAGE = "village", _("村/社区")
        GROUP = "group", _("村民小组")

    code = models.CharField(_("行政区划代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    pinyin = models.CharField(_("拼音"), max_length=64, blank=True)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级"))
    is_poor_village = models.BooleanField(_("建档立卡贫困村"), default=False)

    history = audited_history()

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return self.name

    @property
    def township_id(self):
        """The township this region belongs to (itself for a township)."""
        if self.level == self.Level.TOWNSHIP:
            return self.pk
        if self.level == self.Level.VILLAGE:
            return self.parent_id
        if self.level == self.Level.GROUP:
            return self.parent.parent_id
        return None


class VillageIncome(models.Model):
    """Yearly collective-economy income of a village (村集体经济收入), in yuan."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="incomes", verbose_name=_("村"))
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("收入（元）"), max_digits=14, decimal_places=2)

    history = audited_history()

    class Meta:
        verbose_name = _("村集体经济收入")
        verbose_name_plural = _("村集体经济收入")
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="uniq_village_income_year")]

    def __str__(self):
        return f"{self.village_id} · {self.year}"


class Unit(FastLoading, models.Model):
    """A county body, a township government, a dispatching unit or a paired enterprise."""

    class Kind(models.TextChoices):
        DISCIPLINE = "discipline", _("纪委监委")
        ORGANIZATION = "organization", _("组织部")
        INSPECTION = "inspection", _("督查室")
        JOINT_OFFICE = "joint_office", _("联席会议办公室")
        DEPARTMENT = "department", _("县级部门")
        TOWNSHIP = "township", _("乡镇党委政府")
        ENTERPRISE = "enterprise", _("非公企业")
        OTHER = "other", _("其他")

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="units",
                               verbose_name=_("所在区域"))
    is_dispatching = models.BooleanField(_("派出单位"), default=False)

    history = audited_history()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self):
        return self.name


class Person(FastLoading, models.Model):
    """A cadre or staff member (人员)."""

    name = models.CharField(_("姓名"), max_length=50)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="people",
                             verbose_name=_("单位"))
    post = models.CharField(_("职务"), max_length=100, blank=True)
    is_party_member = models.BooleanField(_("中共党员"), default=True)
    cadre_level = models.CharField(_("干部层级"), max_length=50, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="people",
                               verbose_name=_("所在区域"))

    history = audited_history()

    class Meta:
        ordering = ["name"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self):
        return self.name


class PersonMark(models.Model):
    """A standing mark on a person that one workflow sets and another reads, e.g. a failed
    rectification bars 优秀 for a year; an 优秀 grade gives promotion priority; a recall bars
    promotion for 3 years. ``source`` names the record that caused it."""

    class Kind(models.TextChoices):
        NO_EXCELLENT = "no_excellent", _("不得评为优秀")
        PROMOTION_PRIORITY = "promotion_priority", _("优先提拔使用")
        NO_PROMOTION = "no_promotion", _("不得提拔")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="marks", verbose_name=_("人员"))
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    year_from = models.PositiveSmallIntegerField(_("起始年度"))
    year_to = models.PositiveSmallIntegerField(_("截止年度"))
    reason = models.CharField(_("原因"), max_length=300)
    source_type = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = audited_history()

    class Meta:
        ordering = ["-year_from", "person_id"]
        verbose_name = _("人员标记")
        verbose_name_plural = _("人员标记")
        constraints = [models.UniqueConstraint(fields=["person", "kind", "year_from", "source_type", "source_id"],
                                               name="uniq_person_mark")]

    def __str__(self):
        return f"{self.person} · {self.get_kind_display()} · {self.year_from}-{self.year_to}"
