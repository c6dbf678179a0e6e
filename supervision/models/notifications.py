from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .loading import FastLoading


class Notification(FastLoading, models.Model):
    """A persisted notification: nothing is lost while the recipient is offline."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    verb = models.CharField(_("类型"), max_length=64)
    message = models.CharField(_("内容"), max_length=500)
    record_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # The recipient's own running number (1, 2, 3 …, from NotificationCounter): a browser that
    # sees 5 then 7 knows it missed 6 and catches up (DESIGN §6, channels-redis drops silently).
    seq = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["recipient", "read_at"]),
                   # the list page and the badge's "latest" read a user's newest rows first
                   models.Index(fields=["recipient", "-id"], name="notif_recipient_id_desc")]
        constraints = [models.UniqueConstraint(fields=["recipient", "seq"], condition=models.Q(seq__gt=0),
                                               name="uniq_notification_recipient_seq")]

    def __str__(self):
        return self.message

    def as_payload(self) -> dict:
        return {
            "id": self.pk,
            "verb": self.verb,
            "message": self.message,
            "url": self.url,
            "record_type": self.record_type,
            "object_id": self.object_id,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "read": self.read_at is not None,
            "seq": self.seq,
        }


class NotificationCounter(models.Model):
    """The last ``Notification.seq`` given to each user. Taking numbers locks the user's row until
    commit, so two transactions notifying the same user get consecutive numbers in commit order."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.user_id}: {self.last}"
