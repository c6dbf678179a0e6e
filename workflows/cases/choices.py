"""Choice lists of the cases workflow (shared by models, forms and the API)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    PETITION = "petition", _("信访举报")
    INSPECTION = "inspection", _("巡察")
    AUDIT = "audit", _("审计")
    NOTICE = "notice", _("督查通知")
    REFERRAL = "referral", _("上级交办")
    MEDIA = "media", _("媒体曝光")
    OTHER = "other", _("其他")


class Category(models.TextChoices):
    VILLAGE_TYRANT = "village_tyrant", _("村霸")
    POVERTY_FUNDS = "poverty_funds", _("侵占挪用扶贫资金")
    EMBEZZLEMENT = "embezzlement", _("贪污扶贫款项")
    FAVOURITISM = "favouritism", _("优亲厚友")
    WORK_STYLE = "work_style", _("作风问题")
    OTHER = "other", _("其他")


class State(models.TextChoices):
    RECEIVED = "received", _("受理登记")
    INQUIRY = "inquiry", _("谈话函询")
    VERIFICATION = "verification", _("初步核实")
    PARKED = "parked", _("暂存待查")
    DISMISSED = "dismissed", _("予以了结")
    FILED = "filed", _("已立案")
    INVESTIGATING = "investigating", _("审查调查")
    REVIEWING = "reviewing", _("审理")
    DECIDED = "decided", _("处理决定执行中")
    CLOSED = "closed", _("已了结")


OPEN_STATES = ["received", "inquiry", "verification", "parked", "filed", "investigating", "reviewing", "decided"]
# States that run against a time limit (``Case.due_date``); after review the limits are the
# subjects' (``SubjectMatter.due_date``).
TIMED_STATES = ["received", "inquiry", "verification", "filed", "investigating", "reviewing"]  # received: routed
# States from which a proposal can be made, and so approved or rejected.
PROPOSAL_STATES = ["received", "inquiry", "parked", "verification", "investigating", "reviewing"]
# States of a filed case in which its subjects' matters are worked on.
CASE_STAGES = ["filed", "investigating", "reviewing", "decided"]

# Disposition targets allowed from each state (the head approves one of these). "dismissed"
# from parked is the 了结 of a parked clue (its reason: the proposal's comment).
DISPOSITIONS = {
    "received": ["inquiry", "verification", "parked", "dismissed"],
    "inquiry": ["verification"],
    "parked": ["verification", "dismissed"],
}

# Extension stages by case state.
EXTENSION_STAGES = {"verification": "verification", "investigating": "investigation"}


class ProposalKind(models.TextChoices):
    DISPOSITION = "disposition", _("处置意见")
    FILING = "filing", _("立案")
    DECISION = "decision", _("处分决定")
    EXTENSION = "extension", _("延长期限")
    SEND_BACK = "send_back", _("退回补充调查")


class FourForms(models.TextChoices):
    FIRST = "first", _("第一种形态（批评教育、谈话提醒）")
    SECOND = "second", _("第二种形态（轻处分、组织调整）")
    THIRD = "third", _("第三种形态（重处分、重大职务调整）")
    FOURTH = "fourth", _("第四种形态（严重违纪涉嫌违法立案审查）")


class PartySanction(models.TextChoices):
    WARNING = "warning", _("警告")
    SERIOUS_WARNING = "serious_warning", _("严重警告")
    REMOVAL = "removal", _("撤销党内职务")
    PROBATION = "probation", _("留党察看")
    EXPULSION = "expulsion", _("开除党籍")


class AdminSanction(models.TextChoices):
    WARNING = "warning", _("警告")
    DEMERIT = "demerit", _("记过")
    MAJOR_DEMERIT = "major_demerit", _("记大过")
    DEMOTION = "demotion", _("降级")
    DISMISSAL = "dismissal", _("撤职")
    EXPULSION = "expulsion", _("开除")


# Village-committee staff may receive only these administrative sanctions.
VILLAGE_COMMITTEE_ADMIN_SANCTIONS = {"warning", "demerit", "major_demerit"}


class LightMeasure(models.TextChoices):
    REMINDER_TALK = "reminder_talk", _("谈话提醒")
    CRITICISM = "criticism", _("批评教育")
    NONE = "none", _("无需处理")


class ReexamOutcome(models.TextChoices):
    UPHELD = "upheld", _("维持原处分")
    MODIFIED = "modified", _("变更处分")
    REVOKED = "revoked", _("撤销处分")


class MatterState(models.TextChoices):
    OPENED = "opened", _("已启动")
    INVESTIGATING = "investigating", _("调查核实")
    DECIDED = "decided", _("已决定问责")
    CLOSED = "closed", _("已办结")
    DISMISSED = "dismissed", _("不予问责")


class MatterProposal(models.TextChoices):
    DECISION = "decision", _("问责决定")
    REEXAM = "reexam", _("申诉复查决定")


class TargetStatus(models.TextChoices):
    PENDING = "pending", _("待决定")
    DECIDED = "decided", _("待执行")
    APPLIED = "applied", _("已执行")
    APPEALED = "appealed", _("申诉复查中")
    NOT_HELD = "not_held", _("不予问责")
    REVOKED = "revoked", _("复查撤销")


# A target not yet settled: the matter cannot close while one is.
TARGET_OPEN = ["pending", "decided", "appealed"]

# In a decision proposal: the target is not held accountable.
NOT_HELD = "none"


class MatterSource(models.TextChoices):
    MANUAL = "manual", _("人工登记")
    NOTICE_OVERDUE = "notice_overdue", _("督查通知逾期移送")
    RECALL = "recall", _("第一书记召回")
    OTHER = "other", _("其他移送")


class Measure(models.TextChoices):
    INSPECTION = "inspection", _("检查")
    CIRCULAR = "circular", _("通报")
    ADMONISHMENT = "admonishment", _("诫勉")
    ORGANIZATIONAL = "organizational", _("组织调整/组织处理")
    DISCIPLINARY = "disciplinary", _("纪律处分")


class SubjectState(models.TextChoices):
    OPEN = "open", _("审查调查中")
    DECIDED = "decided", _("已作出处分决定")
    EXECUTED = "executed", _("已宣布执行")
    APPEALED = "appealed", _("申诉复查中")
    CLOSED = "closed", _("已办结")


# A subject's matter counts as finished in these states (the case closes when all are).
SUBJECT_DONE_STATES = ["closed"]


class Outcome(models.TextChoices):
    SANCTION = "sanction", _("给予处分")
    EXEMPTED = "exempted", _("免予处分")
    NO_SANCTION = "no_sanction", _("不予处分")
    REVOKED = "revoked", _("撤销案件（事实不成立）")


class SubjectProposal(models.TextChoices):
    OUTCOME = "outcome", _("处理意见")
    TRANSFER = "transfer", _("移送审查起诉")
    REEXAM = "reexam", _("复查决定")


class Procuratorate(models.TextChoices):
    PROSECUTED = "prosecuted", _("提起公诉")
    NOT_PROSECUTED = "not_prosecuted", _("不起诉")


class DueKind(models.TextChoices):
    """Which time limit a record's ``due_date`` is (``due_kind``: set by the record, read in history)."""

    ROUTING = "routing", _("分办处置期限")
    INQUIRY = "inquiry", _("函询回复期限")
    VERIFICATION = "verification", _("初步核实期限")
    INVESTIGATION = "investigation", _("审查调查期限")
    INVESTIGATING = "investigating", _("审查调查期限")
    REVIEW = "review", _("审理期限")
    ANNOUNCE = "announce", _("宣布执行期限")
    EXECUTION_REPORT = "execution_report", _("执行情况报告期限")
    REEXAMINATION = "reexamination", _("复查期限")
