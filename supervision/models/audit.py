"""Tamper-evident history: the base for every historical model, and the read-access log."""
from django.conf import settings
from django.db import IntegrityError, models, router, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoricalQuerySet, HistoryDescriptor
from simple_history.models import HistoricalRecords

from .loading import FastLoading


class ChainedHistoryModel(FastLoading, models.Model):
    """Abstract base of every historical table (simple-history ``bases=``).

    Each row carries the hash of the previous row of the same record and its own hash
    (``supervision.audit.chain``), plus what transition produced it. The chain is per
    record, so writers to different records never queue behind one lock (DESIGN §6).

    A row is linked in ``save()``, whatever path wrote the record (transition, service, admin,
    command): inside the writer's transaction, under a lock that serialises the writers of that
    one record (``chain.lock_record``), the predecessor is read and the hash computed. The
    unique (id, prev_hash) constraint every history table gets (``AuditedHistoricalRecords``)
    refuses a fork even from a writer that bypasses the lock. The actor is kept as plain
    values (username, display name) that no later change to the user table alters.
    """

    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    row_hash = models.CharField(max_length=64, blank=True, default="", editable=False, db_index=True)
    transition = models.CharField(_("操作"), max_length=64, blank=True, default="", editable=False)
    from_state = models.CharField(_("原状态"), max_length=64, blank=True, default="", editable=False)
    to_state = models.CharField(_("新状态"), max_length=64, blank=True, default="", editable=False)
    history_username = models.CharField(_("操作人账号"), max_length=150, blank=True, default="", editable=False)
    history_user_name = models.CharField(_("操作人"), max_length=150, blank=True, default="", editable=False)
    # Where the change came from (``supervision.audit.context``), stamped in save(): no query.
    client_ip = models.CharField(_("客户端地址"), max_length=45, blank=True, default="", editable=False)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, default="", editable=False)
    via = models.CharField(_("途径"), max_length=16, blank=True, default="", editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        from supervision.audit import chain

        if not self._state.adding:
            raise chain.HistoryImmutable(_("历史记录只能追加，不能修改。"))
        if not (self.via or self.request_id or self.client_ip):
            from supervision.audit.context import current

            ctx = current()
            self.client_ip, self.request_id, self.via = ctx.client_ip, ctx.request_id, ctx.via
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        head = self.__dict__.pop("_chain_head", None)  # read under the record's row lock (chain.KNOWN_HEAD)
        with transaction.atomic(using=using, savepoint=False):
            if head is None:
                chain.lock_record(type(self), self.id, using)
                head = chain.previous_hash(type(self), self.id, using)
            self.prev_hash = head
            self.row_hash = chain.row_digest(self)
            try:
                if args or set(kwargs) - {"using"} or not self._insert_now(using):
                    super().save(*args, **kwargs)
            except IntegrityError as exc:
                if chain.is_fork(exc, type(self)):
                    raise chain.HistoryConflict(_("记录已被他人同时修改，请刷新后重试。")) from exc
                raise

    def _insert_now(self, using) -> bool:
        """The INSERT that ``Model.save`` ends in, without the steps that do nothing for a new
        history row (issue 11: a share of every transition): no ``pre_save``/``post_save``
        receiver for this class, no parent table, no key set yet. The same fields, values and
        statement as ``save_base`` → ``_save_table`` → ``_do_insert``. False: not that case,
        nothing done (``save()`` runs as ever)."""
        from django.db.models.signals import post_save, pre_save

        from .rowsql import insert_returning

        cls, meta = type(self), self._meta
        if (meta.parents or self._is_pk_set(meta) or pre_save.has_listeners(cls) or post_save.has_listeners(cls)
                or meta.order_with_respect_to):
            return False
        shape = _INSERT_SHAPES.get(cls)
        if shape is None:
            shape = _INSERT_SHAPES[cls] = (
                [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field],
                list(meta.db_returning_fields))
        fields, returning = shape
        self._prepare_related_fields_for_save(operation_name="save")
        found = insert_returning(self, using, fields, returning, False)
        if found is None:  # not the plain statement (a value that is an expression, say): save() does it
            return False
        self._assign_returned_values(found[0], returning)
        self._state.adding, self._state.db = False, using
        return True

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        """The history row's INSERT, its text built once per table (``rowsql``)."""
        from .rowsql import insert_returning

        found = insert_returning(self, using, fields, returning_fields, raw)
        if found is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        return found

    def delete(self, *args, **kwargs):
        from supervision.audit import chain

        raise chain.HistoryImmutable(_("历史记录只能追加，不能删除。"))

    @property
    def actor_name(self) -> str:
        """Who wrote this row, as recorded then (rows older than the snapshot: the user's name now)."""
        if self.history_user_name or self.history_username:
            return self.history_user_name or self.history_username
        user = self.history_user if self.history_user_id else None
        return user.display_name() if user is not None else ""

    @property
    def actor_username(self) -> str:
        if self.history_username:
            return self.history_username
        user = self.history_user if self.history_user_id else None
        return user.username if user is not None else ""


_INSERT_SHAPES: dict = {}  # history class → (its INSERT's fields, the fields it returns)
_HISTORY_FIELDS: dict = {}  # history class → [(attname, field)] of its concrete fields
_ACTORS: dict = {}  # history class → the model of its actor key


def _plain_history(cls) -> bool:
    """Would ``cls(**values)`` only store the values (and the defaults of the fields not given)?
    No ``pre_init``/``post_init`` receiver, Django's own ``__init__``, plain attributes
    (``loading.is_plain``), the actor a plain foreign key, no database default."""
    from django.db.models.signals import post_init, pre_init

    from .loading import is_plain

    if pre_init.receivers or post_init.receivers or not is_plain(cls):
        return False
    if cls not in _HISTORY_FIELDS:
        fields = cls._meta.concrete_fields
        user = next((f for f in fields if f.name == "history_user"), None)
        ok = (all(f.db_default is models.NOT_PROVIDED for f in fields)
              and (user is None or (isinstance(user, models.ForeignKey) and user.attname == "history_user_id")))
        _HISTORY_FIELDS[cls] = [(f.attname, f) for f in fields if not f.generated] if ok else None
    return _HISTORY_FIELDS[cls] is not None


def _actor_model(cls):
    """The model ``history_user`` points at (``NoneType`` if the table has no actor key)."""
    found = _ACTORS.get(cls)
    if found is None:
        field = next((f for f in cls._meta.concrete_fields if f.name == "history_user"), None)
        found = _ACTORS[cls] = field.remote_field.model._meta.concrete_model if field is not None else type(None)
    return found


def _new_history(cls, values: dict, user):
    """``cls(history_user=user, **values)`` as ``Model.__init__`` leaves it, for a class that
    ``_plain_history`` accepts: every concrete field's value under its attname (the given one, else
    the field's default), the actor's key and the actor cached as the related object."""
    new = cls.__new__(cls)
    new._state = ModelState()
    stored = new.__dict__
    for attname, field in _HISTORY_FIELDS[cls]:
        stored[attname] = values[attname] if attname in values else field.get_default()
    if "history_user_id" in stored:  # as its descriptor sets it: the key, and the object (or None) cached
        stored["history_user_id"] = None if user is None else user.pk
        new._state.fields_cache["history_user"] = user
    return new


class AppendOnlyHistoricalQuerySet(HistoricalQuerySet):
    """No bulk rewriting of history through the ORM (``update()`` bypasses ``save()``)."""

    def update(self, **kwargs):
        from supervision.audit import chain

        raise chain.HistoryImmutable(_("历史记录只能追加，不能修改。"))

    def delete(self):
        from supervision.audit import chain

        raise chain.HistoryImmutable(_("历史记录只能追加，不能删除。"))


class _HistoryDescriptor(HistoryDescriptor):
    """``Model.history`` / ``obj.history`` as simple-history's, with the manager class built once:
    simple-history's descriptor builds a new class (``from_queryset``, an ``inspect`` walk over the
    queryset) on every access — and every history row it writes reads it once (issue 11: a
    noticeable share of a transition's Python time). Each access still gets its own manager."""

    def __get__(self, instance, owner):
        manager_cls = self.__dict__.get("_manager_cls")
        if manager_cls is None:
            manager_cls = self._manager_cls = self.manager_class.from_queryset(self.queryset_class)
        return manager_cls(self.model, instance)


class AuditedHistoricalRecords(HistoricalRecords):
    """simple-history, as every audited model uses it:

    - the actor FK is PROTECT (a user who wrote history cannot be deleted, so nothing rewrites
      ``history_user_id``; simple-history's default SET NULL would);
    - every history table has the unique (id, prev_hash) constraint that refuses a fork.
    Every FK copied from the record is already DO_NOTHING without a database constraint.
    """

    def _get_history_user_fields(self):
        fields = super()._get_history_user_fields()
        fk = fields.get("history_user")
        if isinstance(fk, models.ForeignKey):
            fk.remote_field.on_delete = models.PROTECT
        return fields

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        found = sender.__dict__.get(self.manager_name)
        if type(found) is HistoryDescriptor:
            setattr(sender, self.manager_name, _HistoryDescriptor(found.model, manager=found.manager_class,
                                                                  queryset=found.queryset_class))

    def create_historical_record(self, instance, history_type, using=None):
        """simple-history's, with the history instance made without ``Model.__init__`` where that
        builds the same instance (``_new_history``; issue 11: ``__init__`` with keyword arguments
        was a twentieth of a transition's Python time). The same values, signals and save."""
        from simple_history.signals import post_create_historical_record, pre_create_historical_record

        manager = getattr(instance, self.manager_name)
        history_model = manager.model
        history_user = self.get_history_user(instance)
        if (getattr(history_model, "history_relation", None) is not None or not _plain_history(history_model)
                or not (history_user is None or isinstance(history_user, _actor_model(history_model)))):
            return super().create_historical_record(instance, history_type, using=using)
        using = using if self.use_base_model_db else None
        history_date = getattr(instance, "_history_date", timezone.now())
        history_change_reason = self.get_change_reason_for_object(instance, history_type, using)
        values = {field.attname: getattr(instance, field.attname) for field in self._included(instance)}
        values.update(history_date=history_date, history_type=history_type,
                      history_change_reason=history_change_reason)
        history_instance = _new_history(history_model, values, history_user)
        pre_create_historical_record.send(
            sender=history_model, instance=instance, history_date=history_date, history_user=history_user,
            history_change_reason=history_change_reason, history_instance=history_instance, using=using)
        history_instance.save(using=using)
        self.create_historical_record_m2ms(history_instance, instance)
        post_create_historical_record.send(
            sender=history_model, instance=instance, history_instance=history_instance, history_date=history_date,
            history_user=history_user, history_change_reason=history_change_reason, using=using)

    def _included(self, instance) -> list:
        """``fields_included`` worked out once per record class."""
        cache = self.__dict__.setdefault("_included_fields", {})
        found = cache.get(type(instance))
        if found is None:
            found = cache[type(instance)] = self.fields_included(instance)
        return found

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        meta["constraints"] = [
            models.UniqueConstraint(fields=["id", "prev_hash"], name="%(app_label)s_%(class)s_chain",
                                    violation_error_message=_("历史链分叉：该记录已有同一前序的历史行。")),
        ]
        return meta


def _history_user(instance, request, **kwargs):
    from supervision.audit.actor import current_history_user

    return current_history_user(instance, request)


def audited_history(**kwargs) -> HistoricalRecords:
    """The one line a model needs to be audited: ``history = audited_history()``."""
    kwargs.setdefault("bases", [ChainedHistoryModel])
    kwargs.setdefault("get_user", _history_user)
    kwargs.setdefault("cascade_delete_history", False)
    kwargs.setdefault("historical_queryset", AppendOnlyHistoricalQuerySet)
    return AuditedHistoricalRecords(**kwargs)


class WorkflowRecord(FastLoading, models.Model):
    """Abstract base of every workflow record: a version for optimistic checks and stamps."""

    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        """Django's ``get_<field>_display`` with the field's choices read once: keyed by value and
        the labels left lazy, so a display translates its one label, not every choice (Django
        rebuilds and hashes the whole list, translating each label, on every call)."""
        if not isinstance(field.choices, list | tuple):  # callable choices: as Django does
            return super()._get_FIELD_display(field)
        choices = field.__dict__.get("_display_choices")
        if choices is None:
            choices = field.__dict__["_display_choices"] = {make_hashable(k): v for k, v in field.flatchoices}
        value = getattr(self, field.attname)
        return force_str(choices.get(make_hashable(value), value), strings_only=True)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update, returning_fields):
        """With ``_expected_version`` set (run_transition), the UPDATE also matches the version read
        under the lock: a row changed meanwhile is a Conflict, never a silent overwrite."""
        expected = self.__dict__.pop("_expected_version", None)
        if expected is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update,
                                      returning_fields)
        from .rowsql import update_versioned

        matched = None if returning_fields else update_versioned(self, using, pk_val, values, expected)
        if matched is None:  # not the plain case: Django compiles it
            updated = super()._do_update(base_qs.filter(version=expected), using, pk_val, values, update_fields,
                                         True, returning_fields)
        else:
            updated = [()] if matched else []
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
    """Who read which confidential record, when and through which path (DESIGN §3.3).

    Append-only: one row per record per request (``supervision.audit.readlog.log_reads``);
    on PostgreSQL UPDATE, DELETE and TRUNCATE are refused by triggers as on history tables.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("查阅人"))
    record_type = models.CharField(_("记录类型"), max_length=100)
    object_id = models.CharField(_("记录编号"), max_length=64)
    via = models.CharField(_("途径"), max_length=16, default="ui")
    path = models.CharField(_("访问路径"), max_length=300, blank=True, default="")
    client_ip = models.CharField(_("客户端地址"), max_length=45, blank=True, default="")
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, default="")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("查阅记录")
        verbose_name_plural = _("查阅记录")
        indexes = [models.Index(fields=["record_type", "object_id"])]

    def __str__(self):
        return f"{self.user_id} · {self.record_type}#{self.object_id} ({self.via})"

    def save(self, *args, **kwargs):
        from supervision.audit import chain

        if not self._state.adding:
            raise chain.HistoryImmutable(_("查阅记录只能追加，不能修改。"))
        self.stamp()
        super().save(*args, **kwargs)

    def stamp(self):
        """The request context (client address, request id) unless already set."""
        if not (self.client_ip or self.request_id):
            from supervision.audit.context import current

            ctx = current()
            self.client_ip, self.request_id = ctx.client_ip, ctx.request_id
        return self

    def delete(self, *args, **kwargs):
        from supervision.audit import chain

        raise chain.HistoryImmutable(_("查阅记录只能追加，不能删除。"))


class IntegrityCheck(models.Model):
    """The result of one ``verify_history`` run (command or the sweep's checkpoint), for the
    auditors' integrity page. Not history itself: a record of what the check found."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    ok = models.BooleanField(_("结果正常"))
    rows = models.PositiveBigIntegerField(_("行数"), default=0)
    head = models.CharField(_("链头哈希"), max_length=64, blank=True, default="")
    checkpoint = models.CharField(_("检查点"), max_length=300, blank=True, default="")
    checkpoint_created_at = models.CharField(_("检查点时间"), max_length=40, blank=True, default="")
    incremental = models.BooleanField(_("增量"), default=False)
    problem = models.TextField(_("问题"), blank=True, default="")
    via = models.CharField(_("途径"), max_length=16, blank=True, default="")
    seconds = models.FloatField(_("耗时（秒）"), default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("完整性校验")
        verbose_name_plural = _("完整性校验")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'BROKEN'}"
