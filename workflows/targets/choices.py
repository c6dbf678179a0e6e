"""Choices shared by models, forms and the import (kept apart so forms need not import models)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    JUNIOR = "junior", _("初中及以下")
    SENIOR = "senior", _("高中（中专）")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科及以上")


class Background(models.TextChoices):
    """二(三) 重点培养 … 优秀村民小组长、致富带头人、回乡大中专毕业生、外出务工返乡人员、退伍军人等."""

    GROUP_LEADER = "group_leader", _("村民小组长")
    RICH_LEADER = "rich_leader", _("致富带头人")
    GRADUATE = "graduate", _("回乡大中专毕业生")
    RETURNEE = "returnee", _("外出务工返乡人员")
    VETERAN = "veteran", _("退伍军人")
    OTHER = "other", _("其他")


class CadrePost(models.TextChoices):
    """The village roster of 二(四) 县级全员轮训 (first secretaries and 驻村 teams come from postings)."""

    SECRETARY = "secretary", _("村党组织书记")
    COMMITTEE = "committee", _("村“两委”干部")
    COLLEGE_OFFICIAL = "college_official", _("大学生村官")


class TrainingLevel(models.TextChoices):
    COUNTY = "county", _("县级集中轮训")
    TOWNSHIP = "township", _("乡级分批次培训")


class AidKind(models.TextChoices):
    """四(一) 领导挂点、部门包村、干部帮户."""

    LEADER = "leader", _("县领导挂点")
    DEPARTMENT = "department", _("部门包村")
    CADRE = "cadre", _("干部帮户")


class Status(models.TextChoices):
    """A target's traffic light (never shown by colour alone)."""

    MET = "met", _("达标")
    AT_RISK = "at_risk", _("有风险")
    MISSED = "missed", _("未达标")
    NA = "na", _("不适用")
