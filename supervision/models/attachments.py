import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .audit import audited_history
from .loading import FastLoading


def attachment_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"attachments/{instance.record_type.replace('.', '/')}/{uuid.uuid4().hex}.{ext}"


class Attachment(FastLoading, models.Model):
    """A file attached to any workflow record; stored through Django's storage API and served
    only by ``supervision.views.attachment_download``, which checks the record's scope."""

    record_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    # Optional finer owner inside the record (e.g. one response of an assignment).
    part = models.CharField(max_length=100, blank=True, default="")
    file = models.FileField(_("文件"), upload_to=attachment_path)
    name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    history = audited_history()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["record_type", "object_id"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("attachment-download", args=[self.pk])
