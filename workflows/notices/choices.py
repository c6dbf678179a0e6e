"""Choices of the notices workflow (shared by models, forms and filters)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")
    DIFFICULT = "difficult", _("复杂疑难")


class Category(models.TextChoices):
    PARTY_BUILDING = "party_building", _("基层党建")
    POVERTY = "poverty", _("脱贫攻坚")
    WORK_STYLE = "work_style", _("作风建设")
    RECTIFICATION = "rectification", _("问题整改")
    OTHER = "other", _("其他")


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已下发")
    COMPLETED = "completed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


class AssignmentState(models.TextChoices):
    ISSUED = "issued", _("已交办")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    RESPONDED = "responded", _("已报送整改报告")
    RETURNED = "returned", _("退回重报")
    EXTENSION_REQUESTED = "extension_requested", _("延期待审")
    OVERDUE = "overdue", _("逾期")
    CLOSED = "closed", _("已销号")
    WITHDRAWN = "withdrawn", _("已撤回")


# States in which the township still owes a response before the deadline.
OPEN_STATES = ("issued", "acknowledged", "returned")
# States that are finished.
FINAL_STATES = ("closed", "withdrawn")


class Escalation(models.IntegerChoices):
    """The escalation ladder of an overdue assignment; each step needs the one before."""

    NONE = 0, _("未督办")
    URGED = 1, _("已催办")
    CRITICIZED = 2, _("已通报批评")
    INTERVIEWED = 3, _("已约谈")
    REFERRED = 4, _("已移交问责")
