"""The rectification's choices (criteria, states), apart from the models so that the forms and
the models both import them without a cycle."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy


class Criterion(models.TextChoices):
    COMMITTEE_INCOMPLETE = "committee_incomplete", gettext_lazy("班子不健全或书记长期缺职")
    SECRETARY_INCOMPETENT = "secretary_incompetent", gettext_lazy("书记不胜任")
    COMMITTEE_DIVIDED = "committee_divided", gettext_lazy("班子不团结、内耗严重")
    RULES_ON_PAPER = "rules_on_paper", gettext_lazy("组织生活和制度流于形式")
    VOTE_BUYING = "vote_buying", gettext_lazy("拉票贿选")
    CLAN_INTERFERENCE = "clan_interference", gettext_lazy("宗族宗教、黑恶势力（含村霸）干扰")
    AFFAIRS_UNDISCLOSED = "affairs_undisclosed", gettext_lazy("村务财务不公开")
    PUBLIC_ORDER = "public_order", gettext_lazy("社会治安问题和信访矛盾集中")
    NO_NEW_MEMBERS = "no_new_members", gettext_lazy("两年以上未发展党员")
    LOW_SATISFACTION = "low_satisfaction", gettext_lazy("群众满意度低于60%")
    OTHER = "other", gettext_lazy("其他")


class State(models.TextChoices):
    SCREENED = "screened", gettext_lazy("排查上报")
    PROPOSED = "proposed", gettext_lazy("拟列入名单")
    LISTED = "listed", gettext_lazy("确定名单")
    DISMISSED = "dismissed", gettext_lazy("不予列入")
    PLANNED = "planned", gettext_lazy("方案已批准")
    RECTIFYING = "rectifying", gettext_lazy("整顿中")
    ACCEPTANCE_REQUESTED = "acceptance_requested", gettext_lazy("申请验收")
    ACCEPTED = "accepted", gettext_lazy("验收销号")
    FAILED = "failed", gettext_lazy("验收未通过")
    FOLLOWED_UP = "followed_up", gettext_lazy("跟踪回访")
    CLOSED = "closed", gettext_lazy("已结束")
    WITHDRAWAL_PROPOSED = "withdrawal_proposed", gettext_lazy("拟撤销整顿")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤销整顿")


# States a withdrawal 撤销整顿 may be proposed from (and returns to when it is not approved).
WITHDRAWABLE_STATES = (State.LISTED, State.PLANNED, State.RECTIFYING)
