"""Per-object history with field diffs (pages, API and exports share it)."""
from __future__ import annotations

from django.utils.translation import gettext as _

from supervision import access, registry

SKIP_DIFF = {"version", "updated_at", "created_at"}


def _display(field, value):
    if value is None or value == "":
        return ""
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def kernel_operation_label(name: str) -> str:
    """Labels of the kernel's own history operations (handlers, recomputed deadlines)."""
    from django.utils.translation import gettext_lazy

    from supervision.handlers import OPERATIONS

    labels = {**OPERATIONS, "deadline_recomputed": gettext_lazy("重算期限")}
    return str(labels.get(name, name))


def operation_label(rt, name: str) -> str:
    """The label of a history operation of record type ``rt``: its transition's, a declared
    ``RecordType.operations`` label, or the kernel's own (handlers, recomputed deadlines)."""
    t = rt.transitions().get(name)
    if t is not None:
        return str(t.custom.get("label", name))
    if name in rt.operations:
        return str(rt.operations[name])
    return kernel_operation_label(name)


def history_entries(obj, user) -> list[dict]:
    """Every history row of ``obj`` (oldest first) with who, when, what and the diff.

    One query whatever the number of rows. Masked fields stay masked.
    """
    rt = registry.for_model(obj)
    rows = list(obj.history.select_related("history_user").order_by("history_id"))
    model_fields = {f.attname: f for f in rt.model._meta.concrete_fields}
    hidden = {f for f in rt.masked_fields if access.is_masked(user, rt, f)}
    hidden |= {model_fields[f].attname for f in hidden if f in model_fields}
    labels: dict[str, str] = {}
    state_field = rt.model._meta.get_field(rt.state_field)

    def state_label(value):
        return _display(state_field, value) if value else ""

    def transition_label(name):
        if name not in labels:
            labels[name] = operation_label(rt, name)
        return labels[name]

    entries, previous = [], None
    for row in rows:
        changes = []
        for attname, field in model_fields.items():
            if attname in SKIP_DIFF:
                continue
            new = getattr(row, attname, None)
            old = getattr(previous, attname, None) if previous is not None else None
            if previous is not None and new == old:
                continue
            if previous is None and new in (None, ""):
                continue
            masked = attname in hidden or field.name in hidden
            changes.append({
                "field": field.name,
                "label": str(field.verbose_name),
                "old": access.MASK if masked and old not in (None, "") else _display(field, old),
                "new": access.MASK if masked else _display(field, new),
            })
        entries.append({
            "history_id": row.history_id,
            "date": row.history_date,
            "user": row.actor_name,  # as recorded when the row was written
            "username": row.actor_username,
            "type": row.history_type,
            "type_label": {"+": _("创建"), "~": _("修改"), "-": _("删除")}.get(row.history_type, row.history_type),
            "transition": row.transition,
            "transition_label": transition_label(row.transition) if row.transition else "",
            "from_state": row.from_state,
            "to_state": row.to_state,
            "from_label": state_label(row.from_state),
            "to_label": state_label(row.to_state),
            "reason": row.history_change_reason or "",
            "changes": changes,
            "hash": row.row_hash,
        })
        previous = row
    return entries
