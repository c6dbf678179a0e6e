"""Tamper-evident history: the base for every historical model, and the read-access log."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ChainedHistoryModel(models.Model):
    """Abstract base of every historical table (simple-history ``bases=``).

    Each row carries the hash of the previous row of the same record and its own hash
    (``supervision.audit.chain``), plus what transition produced it. The chain is per
    record, so writers to different records never queue behind one lock (DESIGN §6).
    """

    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    row_hash = models.CharField(max_length=64, blank=True, default="", editable=False, db_index=True)
    transition = models.CharField(_("操作"), max_length=64, blank=True, default="", editable=False)
    from_state = models.CharField(_("原状态"), max_length=64, blank=True, default="", editable=False)
    to_state = models.CharField(_("新状态"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        abstract = True


def _history_user(instance, request, **kwargs):
    from supervision.audit.actor import current_history_user

    return current_history_user(instance, request)


def audited_history(**kwargs) -> HistoricalRecords:
    """The one line a model needs to be audited: ``history = audited_history()``."""
    kwargs.setdefault("bases", [ChainedHistoryModel])
    kwargs.setdefault("get_user", _history_user)
    kwargs.setdefault("cascade_delete_history", False)
    return HistoricalRecords(**kwargs)


class WorkflowRecord(models.Model):
    """Abstract base of every workflow record: a version for optimistic checks and stamps."""

    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update, returning_fields):
        """With ``_expected_version`` set (run_transition), the UPDATE also matches the version read
        under the lock: a row changed meanwhile is a Conflict, never a silent overwrite."""
        expected = self.__dict__.pop("_expected_version", None)
        if expected is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update,
                                      returning_fields)
        updated = super()._do_update(base_qs.filter(version=expected), using, pk_val, values, update_fields,
                                     True, returning_fields)
        if not updated:
            from django.utils.translation import gettext

            from supervision.errors import Conflict

            raise Conflict(gettext("记录已被他人修改，请刷新后重试。"))
        return updated

    def refresh_from_db(self, *args, **kwargs):
        """Protected FSM fields refuse assignment; reloading from the database is allowed."""
        from django_fsm import FSMFieldMixin

        protected = [f for f in self._meta.concrete_fields if isinstance(f, FSMFieldMixin) and f.protected]
        for f in protected:
            self.__dict__.pop(f.attname, None)
        super().refresh_from_db(*args, **kwargs)


class ReadAccess(models.Model):
    """Who opened which confidential record, when (DESIGN §3.3). Append-only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    via = models.CharField(max_length=16, default="ui")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("查阅记录")
        verbose_name_plural = _("查阅记录")
        indexes = [models.Index(fields=["record_type", "object_id"])]

    def __str__(self):
        return f"{self.user_id} · {self.record_type}#{self.object_id} ({self.via})"
