"""Handlers 承办人 (DESIGN §3.2): who is expected to act on a record now.

A record in a state that needs action can be taken by an eligible user in scope (由我办理),
assigned or re-assigned by a user with the record type's ``assign`` right (``access.can``)
to an eligible user in scope, and released. Rights do not change: a handler is who is
expected to act, not who may act. "Eligible" means: the user may fire one of the record's
inbox transitions now (role, scope, state and conditions).

Each change runs under the record's row lock, updates the one ``RecordHandler`` row of the
record (a unique constraint), and writes a history row on the record itself (actor, reason,
``handler_take`` / ``handler_assign`` / ``handler_release``), so the record's timeline and
已办 show it. The new handler is notified live. When a transition leaves the handler with
nothing to do, the handler is released automatically (``after_transition``).
"""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, registry
from .errors import Conflict, Http404, PermissionDenied, ValidationError

OPERATIONS = {
    "handler_take": gettext_lazy("由我办理"),
    "handler_assign": gettext_lazy("指派承办人"),
    "handler_release": gettext_lazy("释放承办"),
}


def inbox_transitions(obj, user) -> list[str]:
    """The inbox transitions ``user`` may fire on ``obj`` now."""
    from .transitions import available_transitions

    rt = registry.for_model(obj)
    meta = rt.transitions()
    return [n for n in available_transitions(obj, user) if meta[n].custom.get("inbox", True)]


def is_eligible(user, obj) -> bool:
    return bool(user is not None and user.is_active and not getattr(user, "is_system", False)
                and inbox_transitions(obj, user))


def handler_row(obj, *, lock: bool = False):
    from .models import RecordHandler

    if lock:
        qs = RecordHandler.objects.filter(record_type=obj._meta.label_lower, object_id=obj.pk)
        return qs.select_for_update(of=("self",)).select_related("handler").first()
    from . import plans

    found = plans.rows("handler_row", _handler_of, {"record_type": obj._meta.label_lower, "object_id": obj.pk})
    return found[0] if found else None


def _handler_of(record_type, object_id):
    from .models import RecordHandler

    return RecordHandler.objects.filter(record_type=record_type, object_id=object_id).select_related(
        "handler").order_by("pk")[:1]


def current_handler(obj):
    row = handler_row(obj)
    return row.handler if row is not None else None


def eligible_users(obj):
    """Active users who could be assigned ``obj`` now (a bounded number of queries)."""
    from .models import User

    rt = registry.for_model(obj)
    roles = set()
    for name in inbox_transitions_any(obj):
        rule = rt.rights.get(rt.transitions()[name].custom.get("right", name))
        if rule is not None:
            roles |= rule.roles
    if not roles:
        return []
    candidates = list(User.objects.filter(is_active=True, is_system=False, role_assignments__role__in=roles)
                      .distinct().order_by("username"))
    access.preload_grants(candidates)
    return [u for u in candidates if is_eligible(u, obj)]


def inbox_transitions_any(obj) -> list[str]:
    """Inbox transitions available from the record's state (anyone's)."""
    from django_fsm import get_available_FIELD_transitions

    rt = registry.for_model(obj)
    field = rt.model._meta.get_field(rt.state_field)
    return sorted({t.name for t in get_available_FIELD_transitions(obj, field) if t.custom.get("inbox", True)})


def _lock_record(actor, model, pk):
    rt = registry.for_model(model)
    try:
        obj = access.visible(actor, rt.model).select_for_update(of=("self",)).get(pk=pk)
    except (rt.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("记录不存在或无权查看。")) from None
    return rt, obj


def _clean_reason(reason) -> str:
    from .transitions import clean_comment

    return clean_comment(reason, required=False)


def _write(rt, obj, row, *, actor, handler, op: str, reason: str) -> None:
    from .models import RecordHandler
    from .transitions import save_with_history

    if row is None:
        row = RecordHandler(record_type=rt.key, object_id=obj.pk)
    row.handler = handler
    row.assigned_by = actor if handler is not None else None
    row.since = timezone.now() if handler is not None else None
    row.reason = reason[:500]
    save_with_history(row, actor=actor, reason=reason, transition=op)
    with translation.override(settings.LANGUAGE_CODE):
        label = str(OPERATIONS[op])
        if handler is not None:
            text = _("%(op)s：%(name)s") % {"op": label, "name": handler.display_name()}
        else:
            text = label
        record_reason = f"{text}（{reason}）" if reason else text
    fields = ["updated_at"] if any(f.name == "updated_at" for f in obj._meta.concrete_fields) else None
    save_with_history(obj, actor=actor, reason=record_reason, transition=op, update_fields=fields)


def handler_take(*, actor, model, pk, reason: str = ""):
    """由我办理: the actor becomes the handler (eligible, nobody else holds it)."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        rt, obj = _lock_record(actor, model, pk)
        if not is_eligible(actor, obj):
            raise PermissionDenied(_("您当前不能办理此事项。"))
        row = handler_row(obj, lock=True)
        if row is not None and row.handler_id is not None:
            if row.handler_id == actor.pk:
                raise Conflict(_("您已是此事项的承办人。"))
            raise Conflict(_("此事项已由 %(name)s 承办。") % {"name": row.handler.display_name()})
        _write(rt, obj, row, actor=actor, handler=actor, op="handler_take", reason=reason)
    return obj


def handler_assign(*, actor, model, pk, handler_id, reason: str = ""):
    """Assign or re-assign: the actor needs the assign right; the new handler must be eligible."""
    from .models import User
    from .notify import notify

    reason = _clean_reason(reason)
    with transaction.atomic():
        rt, obj = _lock_record(actor, model, pk)
        if not access.can(actor, "assign", obj):
            raise PermissionDenied(_("您无权指派此事项的承办人。"))
        try:
            new = User.objects.get(pk=int(handler_id), is_active=True)
        except (User.DoesNotExist, TypeError, ValueError):
            raise ValidationError({"handler": _("请选择一名有效的承办人。")}) from None
        if not is_eligible(new, obj):
            raise ValidationError({"handler": _("%(name)s 不能办理此事项（无相应职责或不在其范围内）。") % {
                "name": new.display_name()}})
        row = handler_row(obj, lock=True)
        previous = row.handler if row is not None else None
        if previous is not None and previous.pk == new.pk:
            raise Conflict(_("%(name)s 已是此事项的承办人。") % {"name": new.display_name()})
        _write(rt, obj, row, actor=actor, handler=new, op="handler_assign", reason=reason)
        with translation.override(settings.LANGUAGE_CODE):
            notify(recipients=[new], verb="handler.assigned", target=obj, exclude=actor,
                   message=_("%(actor)s 指派您承办：%(obj)s") % {"actor": actor.display_name(), "obj": obj}
                   + (f"（{reason}）" if reason else ""))
            if previous is not None:
                notify(recipients=[previous], verb="handler.reassigned", target=obj, exclude=actor,
                       message=_("%(obj)s 已改由 %(name)s 承办") % {"obj": obj, "name": new.display_name()})
    return obj


def handler_release(*, actor, model, pk, reason: str = ""):
    """Release: by the handler, or by a user with the assign right."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        rt, obj = _lock_record(actor, model, pk)
        row = handler_row(obj, lock=True)
        if row is None or row.handler_id is None:
            raise Conflict(_("此事项当前没有承办人。"))
        if row.handler_id != actor.pk and not access.can(actor, "assign", obj):
            raise PermissionDenied(_("只有承办人本人或有指派权限的负责人可以释放。"))
        _write(rt, obj, row, actor=actor, handler=None, op="handler_release", reason=reason)
    return obj


def after_transition(ctx) -> None:
    """Inside the transition's transaction: release a handler left with nothing to do."""
    from .transitions import save_with_history

    if ctx.has_handler is False:  # read with the row lock (transitions._taken_with_lock)
        return
    row = handler_row(ctx.obj, lock=True)
    if row is None or row.handler_id is None:
        return
    handler = row.handler
    if is_eligible(handler, ctx.obj):
        return
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("办理环节已变更（%(from)s → %(to)s），自动释放承办") % {
            "from": ctx.from_state, "to": ctx.to_state}
    row.handler, row.assigned_by, row.since, row.reason = None, None, None, reason[:500]
    save_with_history(row, actor=ctx.actor, reason=reason, transition="handler_release")


def handlers_for(objs) -> dict:
    """{(record_type, pk): User} for many records, in one query."""
    from .models import RecordHandler

    keys: dict[str, list] = {}
    for obj in objs:
        keys.setdefault(obj._meta.label_lower, []).append(obj.pk)
    if not keys:
        return {}
    from django.db.models import Q

    cond = Q(pk__in=[])
    for key, pks in keys.items():
        cond |= Q(record_type=key, object_id__in=pks)
    return {(r.record_type, r.object_id): r.handler
            for r in RecordHandler.objects.filter(cond, handler__isnull=False).select_related("handler")}
