"""Generated documents: the number a document kind was given once, and a log of every generation."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentCounter(models.Model):
    """Last sequence number per document prefix and year (e.g. 巍督通 2026 → 3); locked while taken."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="uniq_document_counter")]

    def __str__(self):
        return f"{self.prefix} {self.year}: {self.last}"


class IssuedDocument(models.Model):
    """The 文号 a document (kind × record × part) received when it was first generated; kept for good."""

    record_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    kind = models.CharField(_("文书类型"), max_length=40)
    part = models.CharField(max_length=64, blank=True, default="")
    number = models.CharField(_("文号"), max_length=60)
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    prefix = models.CharField(max_length=20)
    issued_at = models.DateTimeField(_("首次生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文书编号")
        verbose_name_plural = _("文书编号")
        constraints = [
            models.UniqueConstraint(fields=["record_type", "object_id", "kind", "part"], name="uniq_issued_document"),
            models.UniqueConstraint(fields=["prefix", "year", "seq"], name="uniq_issued_document_number"),
        ]

    def __str__(self):
        return self.number


class DocumentLog(models.Model):
    """One row per generated PDF: who, which record, which kind, the number and the file's hash."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("生成人"))
    record_type = models.CharField(_("记录类型"), max_length=100)
    object_id = models.CharField(_("记录"), max_length=64)
    kind = models.CharField(_("文书类型"), max_length=40)
    part = models.CharField(max_length=64, blank=True, default="")
    number = models.CharField(_("文号"), max_length=60, blank=True, default="")
    via = models.CharField(max_length=16, default="ui")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    at = models.DateTimeField(_("生成时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("文书生成记录")
        verbose_name_plural = _("文书生成记录")
        indexes = [models.Index(fields=["record_type", "object_id"])]

    def __str__(self):
        return f"{self.kind} {self.record_type}#{self.object_id}"
