"""Choices shared by models and forms (kept apart so forms need not import models)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class PostingRole(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", _("第一书记")
    TEAM_LEADER = "team_leader", _("工作队长")
    MEMBER = "member", _("队员")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basic", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")


# Lower is better; used by the absence caps ("at most 基本称职").
GRADE_RANK = {Grade.EXCELLENT: 0, Grade.COMPETENT: 1, Grade.BASIC: 2, Grade.INCOMPETENT: 3}
