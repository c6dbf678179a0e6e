import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SweepMark(models.Model):
    """"This happened once": a unique row per (key, record, period).

    The sweep inserts one before doing a once-only thing (a reminder); the unique
    constraint makes that safe from several processes or machines at once.
    """

    key = models.CharField(max_length=100)
    record_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    period = models.CharField(max_length=32, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "record_type", "object_id", "period"], name="uniq_sweep_mark")
        ]

    def __str__(self):
        return f"{self.key} {self.record_type}#{self.object_id} {self.period}".rstrip()


class SweepJob(models.Model):
    """One sweep job's last runs, whichever machine ran them (written by ``supervision.sweep``).

    Not a domain record (no history): a status board for administrators, who see it in the
    admin with a warning when a job has not succeeded for ``SUPERVISION["SWEEP_OVERDUE_MINUTES"]``.
    """

    name = models.CharField(_("任务"), max_length=150, unique=True)
    last_started_at = models.DateTimeField(_("最近开始"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("最近结束"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("最近成功"), null=True, blank=True)
    last_count = models.PositiveIntegerField(_("最近处理数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True, default="")
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_host = models.CharField(_("运行主机"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self):
        return self.name

    def is_overdue(self, now=None) -> bool:
        """No success within the allowed gap (never run counts as overdue)."""
        now = now or timezone.now()
        limit = dt.timedelta(minutes=settings.SUPERVISION["SWEEP_OVERDUE_MINUTES"])
        return self.last_success_at is None or self.last_success_at < now - limit

    def is_failing(self) -> bool:
        return self.consecutive_failures > 0
