"""Records of the work on a clue or case: the 函询 letter and its reply, talks 谈话 and the
evidence list 证据清单.

Each is a tracked part of the case (``history = audited_history()``, saved with
``save_with_history`` under the case's row lock, on the case's timeline through
``RecordType.parts``), seen by whoever sees the case and only there (confidential like it: every
read of them is a read of the case, logged). Added and edited by those who may handle the case
(recordservices.py). A file belongs to the case, in the record's own attachment part
(``attachment_part``), so the kernel's attachment views and the timeline show it.

The 函询 reply's conclusion is not a path of its own: "accepted" is the case's 了结 from inquiry
(``Case.close``), "further verification" its disposition proposal to 初步核实
(``Case.propose_disposition``), both fired through the kernel with the letter's conclusion.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision.links import record_url
from supervision.models import audited_history


class InquiryConclusion(models.TextChoices):
    ACCEPTED = "accepted", gettext_lazy("说明属实，予以采信（了结）")
    VERIFY = "verify", gettext_lazy("需进一步核实（初步核实）")


class EvidenceKind(models.TextChoices):
    DOCUMENTARY = "documentary", gettext_lazy("书证")
    PHYSICAL = "physical", gettext_lazy("物证")
    WITNESS = "witness", gettext_lazy("证人证言")
    STATEMENT = "statement", gettext_lazy("被审查调查人陈述和辩解")
    EXPERT = "expert", gettext_lazy("鉴定意见")
    INSPECTION = "inspection", gettext_lazy("勘验检查、辨认、调查实验等笔录")
    AUDIOVISUAL = "audiovisual", gettext_lazy("视听资料、电子数据")
    OTHER = "other", gettext_lazy("其他")


class _CasePart(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+",
                             verbose_name=gettext_lazy("线索/案件"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=gettext_lazy("登记人"))
    created_at = models.DateTimeField(gettext_lazy("登记时间"), auto_now_add=True)

    kind_key = ""

    class Meta:
        abstract = True

    def get_absolute_url(self):
        return record_url("cases:detail", self.case_id) + f"#{self.kind_key}-{self.pk}"

    @property
    def attachment_part(self) -> str:
        return f"{self.kind_key}:{self.pk}"


class InquiryLetter(_CasePart):
    """函询: the letter sent to the person reported and their written reply."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="inquiry_letters",
                             verbose_name=gettext_lazy("线索/案件"))
    sent_on = models.DateField(gettext_lazy("函询日期"))
    letter_text = models.TextField(gettext_lazy("函询内容"))
    reply_on = models.DateField(gettext_lazy("回复日期"), null=True, blank=True)
    reply_text = models.TextField(gettext_lazy("回复内容"), blank=True)
    conclusion = models.CharField(gettext_lazy("函询结论"), max_length=20, blank=True,
                                  choices=InquiryConclusion.choices)
    concluded_on = models.DateField(gettext_lazy("结论日期"), null=True, blank=True)

    history = audited_history()
    kind_key = "inquiry"

    class Meta:
        ordering = ["pk"]
        verbose_name = gettext_lazy("函询及回复")
        verbose_name_plural = gettext_lazy("函询及回复")

    def __str__(self):
        return _("%(d)s 函询") % {"d": self.sent_on}


class Talk(_CasePart):
    """谈话: a talk held in handling the case (date, who was present, summary, file)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="talks",
                             verbose_name=gettext_lazy("线索/案件"))
    held_on = models.DateField(gettext_lazy("谈话日期"))
    present = models.CharField(gettext_lazy("参加人员"), max_length=500)
    summary = models.TextField(gettext_lazy("谈话内容摘要"))

    history = audited_history()
    kind_key = "talk"

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = gettext_lazy("谈话记录")
        verbose_name_plural = gettext_lazy("谈话记录")

    def __str__(self):
        return _("%(d)s 谈话") % {"d": self.held_on}


class EvidenceItem(_CasePart):
    """One line of a case's evidence list 证据清单."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="evidence",
                             verbose_name=gettext_lazy("线索/案件"))
    item = models.CharField(gettext_lazy("证据名称"), max_length=200)
    kind = models.CharField(gettext_lazy("证据种类"), max_length=20, choices=EvidenceKind.choices)
    source = models.CharField(gettext_lazy("证据来源"), max_length=200)
    obtained_on = models.DateField(gettext_lazy("取得日期"))

    history = audited_history()
    kind_key = "evidence"

    class Meta:
        ordering = ["pk"]
        verbose_name = gettext_lazy("证据清单")
        verbose_name_plural = gettext_lazy("证据清单")

    def __str__(self):
        return self.item
