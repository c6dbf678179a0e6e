"""The one history formatter (issue 13 item 1): how a history row reads, wherever it is shown —
the record's timeline page, the API's ``history/``, 历史审计 and the exports.

- fields by their label; foreign keys by the related object's name (村/乡镇/人员/单位/用户),
  masked when the field is masked for the viewer or the related record is outside their scope;
- choices by their label, booleans 是/否, dates 2026-12-01, datetimes in the site's time zone
  (Asia/Shanghai) to the minute, amounts with the unit of their label (「工作经费（元）」 →
  「12,500.00 元」), JSON and lists as readable items;
- every operation (transition, kernel operation, creation) by its label in the active language.

Names are resolved in bulk: ``HistoryFormatter.prepare(model, rows)`` for every batch of rows,
then ``resolve()`` — one query per related model, whatever the number of rows.

What an app's history stores as codes without a field's choices (an operation that is no
transition, a JSON list of codes, a kind the record computes, a record type's key, the keys of a
JSON object) the app names once, in its ``AppConfig.ready()``, with ``register_labels``.
"""
from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import re
from collections import defaultdict
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision import access, plans, registry

MASK = access.MASK
# Bookkeeping columns no auditor needs in a diff.
SKIP_DIFF = {"version", "updated_at", "created_at"}
_UNIT = re.compile(r"[（(]\s*([^（）()]{1,6})\s*[）)]\s*$")

TYPE_LABELS = {"+": gettext_lazy("创建"), "~": gettext_lazy("修改"), "-": gettext_lazy("删除")}
# Reasons the kernel wrote as codes: read in the user's language.
REASON_LABELS = {"upload": gettext_lazy("上传附件")}


# Labels apps register (``register_labels``), by model label: operations {code: label}; values
# {field: mapping or a callable giving one}; items {JSON field: {key: (label, mapping or None)}}.
_OPERATIONS: dict[str, dict] = defaultdict(dict)
_VALUES: dict[tuple[str, str], Any] = {}
_ITEMS: dict[tuple[str, str], dict] = {}


def register_labels(model, *, operations: dict | None = None, values: dict | None = None,
                    items: dict | None = None) -> None:
    """Name what ``model``'s history rows store as codes, for the one formatter:

    ``operations``: {code: label} of operations that are no transition (a record created by a
    form: 排查上报); ``values``: {field name: labels} for a field without choices whose value is a
    code or a list of codes (labels: choices, a mapping, or a callable giving one when a row is
    read); ``items``: {JSON field: {key: (label, labels or None)}}, or a callable giving that
    spec for the object — a JSON object shown as 「label：value」 items."""
    key = model._meta.label_lower
    _OPERATIONS[key].update(operations or {})
    for name, labels in (values or {}).items():
        _VALUES[key, name] = labels
    for name, spec in (items or {}).items():
        _ITEMS[key, name] = spec


def registered_operations(model) -> dict:
    """{code: label} of ``model``'s operations that are no transition (``register_labels``)."""
    return dict(_OPERATIONS.get(model._meta.label_lower, {}))


def _mapping(labels) -> dict:
    if callable(labels):
        labels = labels()
    return dict(labels)


def record_type_labels() -> dict:
    """{record type key: its label} (a model that is no record type: its verbose name): for a
    field that stores which record type a row came from (``postings.recall`` → 召回)."""
    from django.apps import apps

    labels = {m._meta.label_lower: m._meta.verbose_name for m in apps.get_models()}
    labels.update({rt.key: rt.label for rt in registry.record_types()})
    return labels


def reason_text(reason: str | None) -> str:
    reason = reason or ""
    return str(REASON_LABELS.get(reason, reason))


def file_size(n) -> str:
    n = int(n)
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def local_minute(value: dt.datetime | None, seconds: bool = False) -> str:
    """2026-12-01 15:31 in the site's time zone (with seconds: 15:31:28)."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def field_label(field: models.Field) -> str:
    label = str(field.verbose_name)
    if field.is_relation and label == field.name.replace("_", " ") and field.related_model is not None:
        return str(field.related_model._meta.verbose_name)
    return label


def unit_of(field: models.Field) -> str:
    found = _UNIT.search(str(field.verbose_name))
    return found.group(1) if found else ""


def operation_label(rt_or_model, name: str) -> str:
    """The label of a history operation ``name`` of a record type (or any audited model):
    its transition's label, else a transition of that name in the same app (a record created by
    its parent's transition, e.g. an assignment by the notice's 签发下发), else the kernel's own
    operations (handlers, recomputed deadlines), else the code itself."""
    if not name:
        return ""
    from django.utils import translation

    model = rt_or_model.model if isinstance(rt_or_model, registry.RecordType) else rt_or_model
    return _operation_label(model, name, translation.get_language())


@functools.lru_cache(maxsize=2048)
def _operation_label(model, name: str, language: str) -> str:
    candidates = []
    try:
        candidates.append(registry.for_model(model))
    except LookupError:
        pass
    candidates += [rt for rt in registry.record_types()
                   if rt.app_label == model._meta.app_label and rt.model is not model]
    for rt in candidates:
        t = rt.transitions().get(name)
        if t is not None:
            return str(t.custom.get("label", name))
    registered = _OPERATIONS.get(model._meta.label_lower, {}).get(name)
    if registered is not None:
        return str(registered)
    from supervision.audit.timeline import kernel_operation_label

    return kernel_operation_label(name)


def operation_names(query: str, rts) -> set[str]:
    """Operation codes matching ``query`` among the transitions of ``rts`` and the kernel's
    operations: those whose code or label (Chinese or English) equals it, else those whose
    label contains it («销号» → close)."""
    from django.utils import translation

    from supervision.audit.timeline import kernel_operation_labels

    q = query.strip().casefold()
    if not q:
        return set()
    labels: dict[str, set] = defaultdict(set)
    for rt in rts:
        for name, t in rt.transitions().items():
            labels[name].add(t.custom.get("label", name))
    for name, label in kernel_operation_labels().items():
        labels[name].add(label)
    for rt in rts:
        for name, label in _OPERATIONS.get(rt.key, {}).items():
            labels[name].add(label)
    exact, partial = set(), set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for name, items in labels.items():
                texts = [str(label).casefold() for label in items]
                if name.casefold() == q or q in texts:
                    exact.add(name)
                elif any(q in t for t in texts):
                    partial.add(name)
    # an exact code or label names its operation; otherwise every label containing the text
    return exact or partial


def _json_text(value) -> str:
    if value in (None, "", {}, []):
        return ""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return "；".join(f"{k}：{_json_text(v) if isinstance(v, dict | list) else v}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_json_text(v) if isinstance(v, dict | list) else str(v) for v in value)
    return str(value)


def _coded(value, labels: dict) -> str:
    """A code, or a list of codes (a JSON list, maybe still as text), by their labels."""
    if isinstance(value, str) and value[:1] == "[":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, list | tuple):
        return "、".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, dict):  # {code or id: code}: both named (e.g. each 问责 target's measure)
        return "、".join(f"{labels.get(k, k)}：{labels.get(v, v)}" for k, v in value.items())
    return str(labels.get(value, value))


def _items_text(value, spec: dict) -> str:
    """A JSON object as 「label：value」 items, its keys and coded values named by ``spec`` (in
    the spec's order)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if not isinstance(value, dict):
        return _json_text(value)
    if callable(spec):
        spec = spec(value)
    out = []
    # in the declared order (a JSON column may keep its own), then any key not declared
    for k in [k for k in spec if k in value] + [k for k in value if k not in spec]:
        v = value[k]
        if v in (None, "", {}, []):
            continue
        label, labels = spec.get(k, (k, None))
        text = _coded(v, _mapping(labels)) if labels is not None else (
            _json_text(v) if isinstance(v, dict | list) else str(v))
        out.append(f"{label}：{text}")
    return "；".join(out)


class HistoryFormatter:
    """Formats history rows for one viewer. ``prepare`` every batch, ``resolve`` once, then
    ``value``/``changes``."""

    def __init__(self, user):
        self.user = user
        self._wanted: dict[type, set] = defaultdict(set)
        self._names: dict[tuple[type, object], str] = {}
        self._hidden: set[tuple[type, object]] = set()
        self._fields: dict[type, list[models.Field]] = {}
        # per field, for this formatter's life (one request, one language): its label, its choices
        self._labels: dict[models.Field, str] = {}
        self._choices: dict[models.Field, dict] = {}
        self._words: dict[str, str] = {}

    # --- fields ---------------------------------------------------------------------------------

    def fields(self, model) -> list[models.Field]:
        """The diffed fields of ``model`` (the record's, not simple-history's own columns)."""
        found = self._fields.get(model)
        if found is None:
            found = self._fields[model] = [f for f in model._meta.concrete_fields
                                           if f.attname not in SKIP_DIFF and not f.primary_key]
        return found

    # --- names of related objects ---------------------------------------------------------------

    def prepare(self, model, rows, *, skip: set[str] = frozenset()) -> None:
        """Note the foreign keys ``rows`` (history rows of ``model``) refer to (but for the
        fields ``skip``s, which the diff leaves out: a part's link to its record)."""
        fks = [f for f in self.fields(model) if f.is_relation and f.many_to_one
               and f.name not in skip and f.attname not in skip]
        for row in rows:
            for f in fks:
                value = getattr(row, f.attname, None)
                if value is not None:
                    self._wanted[f.related_model._meta.concrete_model].add(value)

    def resolve(self) -> None:
        """Load the names of everything prepared: one query per related model (for a related
        model that is a registered record, through its scope: what the viewer may not see is
        hidden)."""
        from supervision.models import User

        for model, ids in self._wanted.items():
            ids = {i for i in ids if (model, i) not in self._names and (model, i) not in self._hidden}
            if not ids:
                continue
            related = ()
            if model is User:
                related = ("person",)
            elif registry.is_registered(model):
                related = registry.for_model(model).list_related or ()

            def build(qs=None, model=model, related=related):
                qs = model._default_manager.all() if qs is None else qs
                return qs.select_related(*related) if related else qs

            if registry.is_registered(model):
                # the visible ones (one query): the others are hidden
                found = access.visible_in_bulk(self.user, model, ("names", related), build, ids)
                self._hidden |= {(model, i) for i in ids if i not in found}
                for pk, obj in found.items():
                    self._names[(model, pk)] = str(obj)
                continue
            for pk, obj in plans.in_bulk(("names", model._meta.label_lower, related), build, ids).items():
                self._names[(model, pk)] = obj.display_name() if isinstance(obj, User) else str(obj)
        self._wanted.clear()

    def related_name(self, model, pk) -> str:
        model = model._meta.concrete_model
        if (model, pk) in self._hidden:
            return MASK
        name = self._names.get((model, pk))
        return name if name is not None else f"#{pk}"

    # --- values ---------------------------------------------------------------------------------

    def value(self, field: models.Field, value) -> str:
        if value is None or value == "":
            return ""
        key = (field.model._meta.label_lower, field.name)
        if key in _VALUES:
            return _coded(value, _mapping(_VALUES[key]))
        if key in _ITEMS:
            return _items_text(value, _ITEMS[key])
        if field.is_relation and field.many_to_one:
            return self.related_name(field.related_model, value)
        if getattr(field, "choices", None):
            choices = self._choices.get(field)
            if choices is None:
                choices = self._choices[field] = {k: str(v) for k, v in field.flatchoices}
            found = choices.get(value)
            return found if found is not None else str(value)
        if isinstance(field, models.BooleanField) or isinstance(value, bool):
            word = "yes" if value else "no"
            text = self._words.get(word)
            if text is None:
                text = self._words[word] = _("是") if value else _("否")
            return text
        if isinstance(field, models.DateTimeField):
            if isinstance(value, str):
                value = field.to_python(value)
            return local_minute(value)
        if isinstance(field, models.DateField):
            return value.isoformat() if isinstance(value, dt.date) else str(value)
        if isinstance(field, models.JSONField):
            return _json_text(value)
        if isinstance(field, models.FileField):
            name = str(getattr(value, "name", value) or "")
            return name.rsplit("/", 1)[-1]
        if isinstance(field, models.DecimalField | models.FloatField):
            unit = unit_of(field)
            number = decimal.Decimal(str(value))
            places = getattr(field, "decimal_places", None)
            text = f"{number:,.{places}f}" if places is not None else f"{number:,}"
            if unit in ("%", "％"):
                return f"{text}%"
            return f"{text} {unit}" if unit else text
        if field.name == "size" and field.model._meta.label_lower == "supervision.attachment":
            return file_size(value)
        if isinstance(field, models.IntegerField) and not isinstance(field, models.AutoField):
            unit = unit_of(field)
            return f"{value} {unit}" if unit else str(value)
        return str(value)

    def changes(self, model, row, previous, *, masked: set[str] = frozenset(), skip: set[str] = frozenset()) -> list:
        """The readable diff of ``row`` against ``previous`` (None: the creation row)."""
        out = []
        for f in self.fields(model):
            if f.name in skip or f.attname in skip:
                continue
            new = getattr(row, f.attname, None)
            old = getattr(previous, f.attname, None) if previous is not None else None
            if previous is not None and new == old:
                continue
            if previous is None and new in (None, "", {}, []):
                continue
            hidden = f.name in masked or f.attname in masked
            old_text = self.value(f, old)
            new_text = self.value(f, new)
            if hidden:
                old_text = MASK if old_text else ""
                new_text = MASK if new_text else ""
            if previous is not None and old_text == new_text and not hidden:
                continue
            label = self._labels.get(f)
            if label is None:
                label = self._labels[f] = field_label(f)
            out.append({"field": f.name, "label": label, "old": old_text, "new": new_text})
        return out


def changes_text(changes: list) -> str:
    """One line for exports: 「字段：旧 → 新；…」."""
    parts = []
    for c in changes:
        if c["old"]:
            parts.append(f"{c['label']}：{c['old']} → {c['new']}")
        else:
            parts.append(f"{c['label']}：{c['new']}")
    return "；".join(parts)
