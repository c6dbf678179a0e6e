from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionKey(models.Model):
    """One submission of a form (its one-time token) or of an API request (its Idempotency-Key),
    claimed before the request runs: a repeated submit finds it and gets the first one's result
    (supervision/idempotency.py). Unique per user, so a key cannot reveal another user's result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)  # method + path: the same key on another request is refused
    status = models.PositiveSmallIntegerField(default=0)
    location = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("提交记录")
        verbose_name_plural = _("提交记录")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="submissionkey_once_per_user")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"
