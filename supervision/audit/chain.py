"""Hash chain over history rows, per record (DESIGN §3.3, §6).

Every historical row stores ``prev_hash`` (the ``row_hash`` of the previous row of the same
record) and ``row_hash`` = sha256 over its canonical content. ``verify`` walks every history
table and reports the first row whose link or content does not match.
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from dataclasses import dataclass

from django.apps import apps
from django.db import models

HASH_FIELDS = {"row_hash", "history_id"}


def historical_models() -> list[type[models.Model]]:
    from supervision.models import ChainedHistoryModel

    return sorted(
        (m for m in apps.get_models() if issubclass(m, ChainedHistoryModel)),
        key=lambda m: m._meta.label,
    )


def _canonical_value(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        if isinstance(value, str):
            value = field.to_python(value)
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(field, models.DateField):
        return field.to_python(value).isoformat()
    if isinstance(field, models.DecimalField):
        return str(decimal.Decimal(value).quantize(decimal.Decimal(1).scaleb(-field.decimal_places)))
    if isinstance(field, models.FileField):
        return str(getattr(value, "name", value) or "")
    if isinstance(field, models.JSONField):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(field, (models.BooleanField,)):
        return bool(value)
    if isinstance(field, (models.IntegerField, models.AutoField)):
        return int(value)
    if isinstance(field, models.FloatField):
        return repr(float(value))
    return str(value)


def row_digest(row: models.Model) -> str:
    content = {}
    for field in row._meta.concrete_fields:
        if field.attname in HASH_FIELDS:
            continue
        content[field.attname] = _canonical_value(field, getattr(row, field.attname))
    payload = json.dumps([row._meta.db_table, content], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def previous_hash(model: type[models.Model], object_id, using=None) -> str:
    manager = model._default_manager.db_manager(using) if using else model._default_manager
    return manager.filter(id=object_id).order_by("-history_id").values_list("row_hash", flat=True).first() or ""


def on_pre_create(sender, instance, history_instance, using=None, **kwargs):
    """simple-history signal: stamp the transition metadata and chain the new row."""
    from supervision.models import ChainedHistoryModel

    if not isinstance(history_instance, ChainedHistoryModel):
        return
    history_instance.transition = getattr(instance, "_transition_name", "") or ""
    history_instance.from_state = getattr(instance, "_transition_from", "") or ""
    history_instance.to_state = getattr(instance, "_transition_to", "") or ""
    history_instance.prev_hash = previous_hash(type(history_instance), history_instance.id, using)
    history_instance.row_hash = row_digest(history_instance)


@dataclass
class VerifyResult:
    ok: bool
    rows: int
    head: str
    broken_table: str = ""
    broken_history_id: int | None = None
    broken_object_id: str = ""
    reason: str = ""


def verify() -> VerifyResult:
    rows = 0
    heads = hashlib.sha256()
    for model in historical_models():
        last_for_object: dict = {}
        for row in model._default_manager.order_by("history_id").iterator(chunk_size=2000):
            rows += 1
            expected_prev = last_for_object.get(row.id, "")
            if row.prev_hash != expected_prev:
                return VerifyResult(False, rows, "", model._meta.db_table, row.history_id, str(row.id),
                                    "prev_hash does not link to the previous row of this record")
            if row.row_hash != row_digest(row):
                return VerifyResult(False, rows, "", model._meta.db_table, row.history_id, str(row.id),
                                    "row content does not match its hash")
            last_for_object[row.id] = row.row_hash
        for object_id in sorted(last_for_object, key=str):
            heads.update(f"{model._meta.db_table}:{object_id}:{last_for_object[object_id]}\n".encode())
    return VerifyResult(True, rows, heads.hexdigest())
