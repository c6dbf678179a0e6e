"""The one path for every state change (DESIGN §2 rule 2).

``run_transition`` opens a transaction, locks the row, checks the actor's right and scope,
the fsm source state and conditions, validates the payload, applies the transition, saves
(one history row carrying actor, reason, transition, from→to and its chained hash) and
lets the workflow schedule side effects, which run only after commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, router, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_fsm import can_proceed, get_available_FIELD_transitions

from . import access, registry
from .audit.chain import KNOWN_HEAD
from .constraints import translate as translate_violation
from .errors import (
    Conflict,
    Http404,
    PermissionDenied,
    UnknownTransition,
    ValidationError,
)
from .forms import form_data
from .models import rowsql
from .models.rowsql import keyed_get
from .validation import bad_text


@dataclass
class TransitionContext:
    obj: Any
    name: str
    actor: Any
    comment: str
    params: dict = field(default_factory=dict)
    from_state: str = ""
    to_state: str = ""
    rt: registry.RecordType | None = None
    # read with the row lock (``_taken_with_lock``, or ``_read_after_lock`` where the lock's
    # statement could not carry it): whether the record has a handler now (None: not read, ask
    # the database)
    has_handler: bool | None = None


def transition_meta(rt: registry.RecordType, name: str) -> dict:
    try:
        t = rt.transitions()[name]
    except KeyError:
        raise UnknownTransition({"transition": _("未知的操作：%(name)s") % {"name": name}}) from None
    return t.custom


def clean_comment(comment, *, required: bool) -> str:
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise ValidationError({"comment": _("意见/理由必须是文本。")})
    if bad_text(comment):
        raise ValidationError({"comment": _("文本不能包含空字符或无效的 Unicode 字符。")})
    comment = comment.strip()
    if required and not comment:
        raise ValidationError({"comment": _("请填写意见或理由。")})
    limit = settings.SUPERVISION["MAX_COMMENT_LENGTH"]
    if len(comment) > limit:
        raise ValidationError({"comment": _("意见/理由不能超过 %(n)d 个字。") % {"n": limit}})
    return comment


def clean_params(meta: dict, data, files) -> dict:
    form_class = meta.get("form")
    if form_class is None:
        return {}
    form = form_class(data=form_data(data or {}), files=files or {})
    if not form.is_valid():
        raise ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    return form.cleaned_data


def available_transitions(obj, user) -> list[str]:
    """Names of the transitions ``user`` may fire on ``obj`` now (state, conditions, right)."""
    rt = registry.for_model(obj)
    state_field = rt.model._meta.get_field(rt.state_field)
    names = []
    for t in get_available_FIELD_transitions(obj, state_field):
        if access.can(user, t.custom.get("right", t.name), obj) and t.name not in names:
            names.append(t.name)
    return names


def run_transition(*, model, pk, name: str, actor, comment: str | None = "", data=None, files=None,
                   version: int | None = None, as_system: bool = False) -> TransitionContext:
    rt = registry.for_model(model)
    with transaction.atomic():
        # The row is locked by its key alone and its scope checked on the object right after
        # (``access.can(actor, "view", obj)``, the object form of ``access.visible``): the actor's
        # grants come with the lock's own statement (``_lock_columns``), not in one of their own
        # before it. The statement is compiled once per record type (``rowsql.keyed_get``).
        using = router.db_for_write(rt.model)
        reader = None if as_system else actor
        try:
            obj = keyed_get(("transition", rt.model._meta.label_lower, as_system),
                            lambda: _locked_queryset(rt, as_system), pk, using,
                            columns=partial(_lock_columns, rt), column_params=[_grants_wanted(reader)])
        except (rt.model.DoesNotExist, ValueError, TypeError, DjangoValidationError):
            raise Http404(_("记录不存在或无权查看。")) from None
        has_handler = _taken_with_lock(obj, reader)
        if has_handler is None:  # the statement could not carry them: one more statement
            has_handler = _read_after_lock(obj, rt, reader)
        if not as_system and not access.can(actor, "view", obj):
            raise Http404(_("记录不存在或无权查看。"))
        meta = transition_meta(rt, name)
        right = meta.get("right", name)
        if not as_system and not access.can(actor, right, obj):
            raise PermissionDenied(_("您无权执行此操作。"))
        # What the scope check prefetched (a notice's assignments, say) was read before the
        # transition: the transition and its hooks may change it, so they read it afresh.
        obj.__dict__.pop("_prefetched_objects_cache", None)
        if version is not None and obj.version != version:
            raise Conflict(_("记录已被他人修改，请刷新后重试。"))
        method = getattr(obj, name)
        if not can_proceed(method, check_conditions=False):
            raise Conflict(
                _("当前状态“%(state)s”下不能执行此操作。") % {"state": _state_label(obj, rt)}
            )
        if not can_proceed(method):
            raise Conflict(_failed_condition_message(obj, method, rt))
        comment = clean_comment(comment, required=meta.get("comment_required", True))
        params = clean_params(meta, data, files)
        ctx = TransitionContext(obj=obj, name=name, actor=actor, comment=comment, params=params,
                                from_state=getattr(obj, rt.state_field), rt=rt)
        method(ctx)
        ctx.to_state = getattr(obj, rt.state_field)
        # Optimistic guard as well as the row lock (SELECT … FOR UPDATE is a no-op on SQLite):
        # the save's own UPDATE carries "WHERE version = <read>" and bumps it (one statement);
        # no row matched → Conflict (WorkflowRecord._do_update).
        ctx.has_handler = has_handler
        old_version = obj.version
        obj.version = old_version + 1
        obj._expected_version = old_version
        save_with_history(obj, actor=actor, reason=comment, transition=name,
                          from_state=ctx.from_state, to_state=ctx.to_state)
        from .handlers import after_transition as release_idle_handler

        release_idle_handler(ctx)
        if rt.after_transition is not None:
            # Side effects (notification texts above all) are written once for everyone, in
            # the county's language, whatever language the actor's screen is in.
            with translation.override(settings.LANGUAGE_CODE):
                rt.after_transition(ctx)
    return ctx


def _locked_queryset(rt, as_system: bool):
    """The transition's read: the row locked, with what the scope check walks and what
    ``after_transition`` reads joined (``RecordType.transition_related``)."""
    locked = rt.model._default_manager.select_for_update(of=("self",))
    if not as_system:
        locked = access.with_scope_related(locked, rt)
    if rt.transition_related:
        locked = locked.select_related(*rt.transition_related)
    return locked


def save_with_history(obj, *, actor, reason: str = "", transition: str = "", from_state: str = "",
                      to_state: str = "", **save_kwargs) -> None:
    """Save a tracked record with an explicit actor and reason, then reset them (DESIGN §6)."""
    if actor is not None:  # otherwise: the acting_as() actor or the request's user
        obj._history_user = actor
    obj._change_reason = reason
    obj._transition_name = transition
    obj._transition_from = from_state
    obj._transition_to = to_state
    if "_expected_version" in obj.__dict__:  # run_transition's save: its UPDATE may ride with the history row
        obj.__dict__[rowsql.DEFER_UPDATE] = True
    try:
        obj.save(**save_kwargs)
        rowsql.run_pending(obj)  # no history row took the deferred UPDATE: it runs on its own
    except IntegrityError as exc:  # a unique rule two requests raced past: 400 with its message
        violation = translate_violation(exc, type(obj))
        if violation is None:
            raise
        raise violation from exc
    finally:
        for attr in ("_history_user", "_change_reason", "_transition_name", "_transition_from", "_transition_to",
                     "_expected_version", KNOWN_HEAD, rowsql.DEFER_UPDATE, rowsql.PENDING_UPDATE):
            obj.__dict__.pop(attr, None)


def _related_users(obj, paths) -> list:
    """The users ``select_related`` loaded along ``paths`` (e.g. a notice's issuer): the
    recipients ``after_transition`` usually notifies. Only what is already cached (no query)."""
    from .models import User

    found = []
    for path in paths:
        node = obj
        for name in path.split("__"):
            field = node._meta.get_field(name)
            if not field.is_relation or not field.is_cached(node):
                node = None
                break
            node = getattr(node, name)
            if node is None:
                break
            if isinstance(node, User):
                found.append(node)
        if node is None:
            continue
    return [u for u in found if u.is_active and getattr(u, "_supervision_grants", None) is None]


# What the row lock's statement reads besides the row (``keyed_get(columns=…)``): the three reads
# ``_read_after_lock`` makes, as columns of the same statement — one round trip fewer per
# transition (issue 11). Each is read under the row lock, so fresh: a writer of any of them
# (a transition, a handler change) takes the same lock first.
_HEAD, _HANDLER, _GRANTS = "_lock_chain_head", "_lock_has_handler", "_lock_grants"


def _grants_wanted(actor) -> int | None:
    """The actor whose grants the lock's statement should bring, if not loaded yet."""
    if (actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active
            and getattr(actor, "_supervision_grants", None) is None):
        return actor.pk
    return None


def _lock_columns(rt, compiler, connection) -> list[tuple[str, str]]:
    """The added columns: the chain head (the last history row's hash), whether the record has a
    handler, and the grants of the actor (the one parameter) and of every user the statement
    joins (the recipients ``after_transition`` checks), as ``user,role,region,level,lead,principal``
    items joined by ``;`` (one text: the same on every backend; roles and levels are choice
    identifiers, with no ``,`` or ``;``)."""
    from .audit.chain import history_model
    from .models import RecordHandler, Region, RoleAssignment, User

    q = connection.ops.quote_name
    record = compiler.select[compiler.klass_info["select_fields"][0]][0]  # the record's own alias
    record_pk = f"{q(record.alias)}.{q(rt.model._meta.pk.column)}"
    label = rt.model._meta.label_lower
    if not all(c.isalnum() or c in "._" for c in label):  # written into the statement as a literal
        return []
    user_pks = []

    def walk(info):
        if issubclass(info["model"], User):
            col = compiler.select[info["select_fields"][0]][0]
            user_pks.append(f"{q(col.alias)}.{q(info['model']._meta.pk.column)}")
        for child in info.get("related_klass_infos", ()):
            walk(child)

    walk(compiler.klass_info)
    hist = history_model(rt.model)
    ra, region = q(RoleAssignment._meta.db_table), q(Region._meta.db_table)
    user_id, role, region_id, level, lead, principal = (
        f"ra.{q('user_id')}", f"ra.{q('role')}", f"ra.{q('region_id')}", f"g.{q('level')}",
        f"ra.{q('is_lead')}", f"ra.{q('is_principal')}")
    item = " || ',' || ".join([f"CAST({user_id} AS TEXT)", role, f"COALESCE(CAST({region_id} AS TEXT), '')",
                               f"COALESCE({level}, '')", f"CAST({lead} AS TEXT)", f"CAST({principal} AS TEXT)"])
    aggregate = (f"string_agg({item}, ';')" if connection.vendor == "postgresql"
                 else f"group_concat({item}, ';')")
    return [
        (_HEAD, f"SELECT h.{q('row_hash')} FROM {q(hist._meta.db_table)} h WHERE h.{q('id')} = {record_pk} "
                f"ORDER BY h.{q('history_id')} DESC LIMIT 1"),
        (_HANDLER, f"SELECT COUNT(*) FROM {q(RecordHandler._meta.db_table)} rh WHERE rh.{q('record_type')} = "
                   f"'{label}' AND rh.{q('object_id')} = {record_pk} AND rh.{q('handler_id')} IS NOT NULL"),
        (_GRANTS, f"SELECT {aggregate} FROM {ra} ra LEFT JOIN {region} g ON g.{q('id')} = ra.{q('region_id')} "
                  f"WHERE ra.{q('user_id')} IN ({', '.join(['%s', *user_pks])})"),
    ]


def _taken_with_lock(obj, actor) -> bool | None:
    """Sets what the lock's statement brought (the chain head on the record, the grants on the
    actor and the joined users whose grants were not loaded) and returns whether the record has
    a handler; ``None`` when the statement did not carry them."""
    from .access import Grant
    from .models import Region, User

    values = obj.__dict__
    if _HEAD not in values:
        return None
    values[KNOWN_HEAD] = values.pop(_HEAD) or ""
    has_handler = bool(values.pop(_HANDLER))
    grants: dict[int, list] = {}
    for entry in (values.pop(_GRANTS) or "").split(";"):
        if not entry:
            continue
        user_id, role, region_id, level, lead, principal = entry.split(",")
        region = None if (not region_id or level == Region.Level.COUNTY) else int(region_id)
        grants.setdefault(int(user_id), []).append(
            Grant(role, region, lead in ("true", "1", "t"), principal in ("true", "1", "t")))
    users = [actor] if _grants_wanted(actor) is not None else []
    stack, walked = [obj], {id(obj)}
    while stack:  # every user the statement joined (select_related's cache; it may point back)
        node = stack.pop()
        for related in node._state.fields_cache.values():
            if related is None or id(related) in walked:
                continue
            walked.add(id(related))
            if isinstance(related, User):
                users.append(related)
            stack.append(related)
    for user in users:
        if getattr(user, "_supervision_grants", None) is None:
            user._supervision_grants = grants.get(user.pk, [])
    return has_handler


def _read_after_lock(obj, rt, actor=None) -> bool:
    """One statement after the row lock, three reads the path needs (each fresh: a writer of
    any of them waits for the same row lock, or has none):

    - the record's chain head (its last history row's hash): the history row of this transition
      links to it with no advisory lock and no read of its own (``chain.KNOWN_HEAD``);
    - whether the record has a handler (``handlers.after_transition`` reads no further if not);
    - the grants of the actor (unless this request loaded them already) and of the users the
      lock's join loaded (the recipients' scope check).

    Returns whether the record has a handler."""
    from django.db import connections, router

    from .access import Grant
    from .audit.chain import history_model
    from .models import RecordHandler, Region, RoleAssignment

    using = router.db_for_write(rt.model, instance=obj)
    connection = connections[using]
    q = connection.ops.quote_name
    hist = history_model(rt.model)
    users: dict[int, list] = {}
    wanted = _related_users(obj, rt.transition_related)
    if (actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active
            and getattr(actor, "_supervision_grants", None) is None):
        wanted.append(actor)
    for user in wanted:
        users.setdefault(user.pk, []).append(user)
    sql = [f"SELECT 'h', (SELECT {q('row_hash')} FROM {q(hist._meta.db_table)} WHERE {q('id')} = %s "
           f"ORDER BY {q('history_id')} DESC LIMIT 1), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), NULL, "
           "CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN)",
           f"SELECT 'r', CASE WHEN EXISTS (SELECT 1 FROM {q(RecordHandler._meta.db_table)} WHERE "
           f"{q('record_type')} = %s AND {q('object_id')} = %s AND {q('handler_id')} IS NOT NULL) THEN 'y' ELSE '' "
           f"END, NULL, NULL, NULL, NULL, NULL"]
    params = [obj.pk, obj._meta.label_lower, obj.pk]
    if users:
        ra, region = RoleAssignment._meta.db_table, Region._meta.db_table
        sql.append(f"SELECT 'g', ra.{q('role')}, ra.{q('user_id')}, ra.{q('region_id')}, g.{q('level')}, "
                   f"ra.{q('is_lead')}, ra.{q('is_principal')} FROM {q(ra)} ra LEFT JOIN {q(region)} g "
                   f"ON g.{q('id')} = ra.{q('region_id')} WHERE ra.{q('user_id')} IN "
                   f"({', '.join(['%s'] * len(users))})")
        params += list(users)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), params)
        rows = cursor.fetchall()
    has_handler = False
    grants: dict[int, list] = {pk: [] for pk in users}
    for kind, a, b, c, d, e, f in rows:
        if kind == "h":
            obj.__dict__[KNOWN_HEAD] = a or ""
        elif kind == "r":
            has_handler = a == "y"
        else:
            grants[b].append(Grant(a, None if (c is None or d == Region.Level.COUNTY) else c, bool(e), bool(f)))
    for pk, copies in users.items():
        for user in copies:
            user._supervision_grants = grants[pk]
    return has_handler


def _failed_condition_message(obj, method, rt) -> str:
    """The ``message`` of the first failing fsm condition (a function attribute: a string, or a
    callable taking the record), or a default."""
    current = getattr(obj, rt.state_field)
    transition = method._django_fsm.get_transition(current)
    for condition in getattr(transition, "conditions", []) or []:
        if not condition(obj):
            message = getattr(condition, "message", None)
            if callable(message):
                message = message(obj)
            if message:
                return str(message)
    return _("当前条件下不能执行此操作。")


def _state_label(obj, rt) -> str:
    getter = getattr(obj, f"get_{rt.state_field}_display", None)
    return str(getter()) if getter else str(getattr(obj, rt.state_field))
