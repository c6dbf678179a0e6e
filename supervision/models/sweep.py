from django.db import models


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
