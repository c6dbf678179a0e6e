"""One timeline per record (issue 13 item 2): the record's own history rows and the changes to
its parts (``RecordType.parts``, and the attachments of the record and of its parts), each marked
with the part it concerns, in time order — NetBox's ``related_object`` in spirit. Pages, the API
and the exports share it; every value is formatted by ``supervision.audit.diff``.

Scope and masking are the record's: a part that is itself a registered record (a notice's
assignments) or declares ``scope`` shows only the rows of what the user may see; masked fields
go through ``access.unmasked``. A fixed number of queries: one per history table read, one per
part model named, one per related model named.
"""
from __future__ import annotations

from collections import Counter

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision import access, plans, registry
from supervision.audit import context
from supervision.audit.diff import TYPE_LABELS, HistoryFormatter, local_minute, operation_label, reason_text

# Who sees where a change came from (client address, request id, channel).
CONTEXT_ROLES = frozenset({"auditor"})
# Attachment columns that say nothing to a reader (the target, the storage key).
ATTACHMENT_SKIP = {"record_type", "object_id", "part", "file"}


def kernel_operation_labels() -> dict:
    from supervision.handlers import OPERATIONS

    return {**OPERATIONS, "deadline_recomputed": gettext_lazy("重算期限")}


def kernel_operation_label(name: str) -> str:
    """Labels of the kernel's own history operations (handlers, recomputed deadlines)."""
    return str(kernel_operation_labels().get(name, name))


def shows_context(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or access.has_role(user, *CONTEXT_ROLES))


def _model_at(model, path: str):
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


class _Source:
    """History rows of one table on the timeline, with how to read them."""

    def __init__(self, model, rows, *, part=None, label="", masked=frozenset(), skip=frozenset(), names=None,
                 state_field=None, keep=None):
        self.model, self.rows, self.part, self.label = model, rows, part, label
        self.masked, self.skip, self.names = set(masked), set(skip), names or {}
        self.state_field = state_field
        self.keep = keep  # which rows become entries (all when None); each is still diffed with its predecessor


def _part_rows(user, obj, part: registry.Part, scoped: bool = True):
    """The part's history rows of ``obj``, of the parts ``user`` may see (``scoped``): from a statement
    compiled once per part and shape of scope (``access.visible_rows``)."""
    hist = part.model.history.model
    key = ("timeline_part", part.model._meta.label_lower, part.path, part.scope)

    def rows_of(scope_qs, pk):
        qs = hist.objects.filter(**{part.path: pk})
        if scope_qs is not None:
            qs = qs.filter(**{f"{part.scope}__in" if part.scope else "id__in": scope_qs.values("pk")})
        return qs.select_related("history_user").order_by("id", "history_id")

    scoped_model = None
    if scoped and part.scope:
        scoped_model = _model_at(part.model, part.scope)
    elif scoped and registry.is_registered(part.model):
        scoped_model = part.model
    if scoped_model is None:
        return plans.rows(key, lambda pk: rows_of(None, pk), {"pk": obj.pk})
    return access.visible_rows(user, scoped_model, key, lambda qs, pk: rows_of(qs, pk), pk=obj.pk)


def _own_rows(obj, rt) -> list:
    """The record's own history rows (oldest first), from a statement compiled once per type."""
    hist = rt.model.history.model
    name = rt.model._meta.pk.name
    return plans.rows(("timeline_own", rt.key), lambda pk: hist.objects.filter(**{name: pk}).select_related(
        "history_user").order_by("history_id"), {"pk": obj.pk})


def _names(model, ids, related=()) -> dict:
    if not ids:
        return {}
    if not related and registry.is_registered(model):
        related = registry.for_model(model).list_related or ()
    related = tuple(related)

    def build():
        qs = model._default_manager.all()
        return qs.select_related(*related) if related else qs

    return {pk: str(o) for pk, o in plans.in_bulk(("part_names", model._meta.label_lower, related), build, ids).items()}


def _file_rows(rt, obj, parts) -> list:
    """The history rows of the attachments of ``obj`` and of its parts' rows (``parts``: [(record
    type, ids)]), oldest first per attachment: a statement compiled once per record type, the part
    types and each one's number of ids (``plans.rows``)."""
    from supervision.models import Attachment

    types = tuple(label for label, _ids in parts)
    values = {"pk": str(obj.pk)}
    for i, (_label, ids) in enumerate(parts):
        values[f"ids{i}"] = tuple(sorted(str(pk) for pk in ids))

    def build(pk, **ids):
        targets = Q(record_type=rt.key, object_id=pk)
        for i, label in enumerate(types):
            targets |= Q(record_type=label, object_id__in=ids[f"ids{i}"])
        return Attachment.history.model.objects.filter(targets).select_related("history_user").order_by(
            "id", "history_id")

    if any(len(ids) > plans.IN_BULK_PLANNED for _label, ids in parts):  # a plan per count: not beyond this
        return list(build(**values))
    return plans.rows(("timeline_files", rt.key, types), build, values)


def timeline_sources(obj, user, *, only=None) -> list[_Source]:
    """The timeline's history rows of ``obj`` and its parts, scoped and masked for ``user``.

    ``only(row) -> bool`` keeps as entries the rows it accepts (each still shown as the change from
    the row before it) and reads the parts unscoped: a caller that shows a unit what it wrote itself
    on a record it may no longer see (a case taken up from a township committee) has checked that
    right and names the rows. Masking stays ``user``'s."""
    from supervision.models import Attachment

    rt = registry.for_model(obj)
    own = _own_rows(obj, rt)
    unmasked = access.unmasked(user, obj)
    sources = [_Source(rt.model, own, masked=() if unmasked else rt.masked_fields, state_field=rt.state_field,
                       keep=only)]
    with_files = []  # (part's record type, ids of its rows on the timeline): their attachments' rows too
    for part in rt.parts:
        rows = _part_rows(user, obj, part, scoped=only is None)
        ids = {r.id for r in rows}
        skip = {part.path.split("__")[0]}
        state_field = registry.for_model(part.model).state_field if registry.is_registered(part.model) else None
        sources.append(_Source(part.model, rows, part=part, label=str(part.label or part.model._meta.verbose_name),
                               masked=() if unmasked else part.masked_fields, skip=skip,
                               names=_names(part.model, ids, part.related), state_field=state_field, keep=only))
        if ids:
            with_files.append((part.model._meta.label_lower, ids))
    files = _file_rows(rt, obj, with_files)
    sources.append(_Source(Attachment, files, part="attachment", label=_("附件"), skip=ATTACHMENT_SKIP,
                           names={r.id: r.name for r in files}, keep=only))
    return sources


def _state_label(model, state_field, value) -> str:
    if not value or not state_field:
        return value or ""
    field = model._meta.get_field(state_field)
    return str(dict(field.flatchoices).get(value, value))


def entries_from(sources: list[_Source], user, fmt: HistoryFormatter | None = None, *,
                 changes: bool = True) -> list[dict]:
    """Timeline entries (oldest first) from ``sources``; ``when`` carries seconds only where two
    entries share a minute. ``changes=False``: each entry's ``changes`` left empty (a record's page
    shows who did what and why, not the field-by-field diff): no diffing, and none of the queries
    that name the records the changed links point to."""
    if changes:
        fmt = fmt or HistoryFormatter(user)
        for s in sources:
            fmt.prepare(s.model, s.rows, skip=s.skip)
        fmt.resolve()
    with_context = shows_context(user)
    entries = []
    for order, s in enumerate(sources):
        previous = {}
        for row in s.rows:
            before = previous.get(row.id)
            previous[row.id] = row
            if s.keep is not None and not s.keep(row):
                continue
            part = None
            if s.part is not None:
                part = {"model": s.model._meta.label_lower, "label": s.label, "id": row.id,
                        "name": s.names.get(row.id) or f"#{row.id}"}
            entries.append({
                "history_id": row.history_id,
                "date": row.history_date,
                "user": row.actor_name,  # as recorded when the row was written
                "username": row.actor_username,
                "type": row.history_type,
                "type_label": str(TYPE_LABELS.get(row.history_type, row.history_type)),
                "transition": row.transition,
                "transition_label": operation_label(s.model, row.transition) if row.transition else "",
                "from_state": row.from_state,
                "to_state": row.to_state,
                "from_label": _state_label(s.model, s.state_field, row.from_state),
                "to_label": _state_label(s.model, s.state_field, row.to_state),
                "reason": reason_text(row.history_change_reason),
                "changes": fmt.changes(s.model, row, before, masked=s.masked, skip=s.skip) if changes else [],
                "part": part,
                "via": row.via if with_context else "",
                "via_label": context.via_label(row.via) if with_context else "",
                "client_ip": row.client_ip if with_context else "",
                "request_id": row.request_id if with_context else "",
                "hash": row.row_hash,
                "_order": order,
            })
    entries.sort(key=lambda e: (e["date"], e["_order"], e["history_id"]))
    minutes = Counter(local_minute(e["date"]) for e in entries)
    for e in entries:
        del e["_order"]
        minute = local_minute(e["date"])
        e["when"] = local_minute(e["date"], seconds=minutes[minute] > 1)
    return entries


def history_entries(obj, user, *, changes: bool = True) -> list[dict]:
    """The record's timeline (oldest first): its own rows and its parts' changes, readable,
    scoped and masked for ``user`` (``changes=False``: without the field-by-field diffs)."""
    return entries_from(timeline_sources(obj, user), user, changes=changes)


def timeline_table(entries: list[dict], *, with_context: bool = False) -> tuple[list[str], list[list]]:
    """(headers, rows) of a timeline for CSV/XLSX: the same words as the page."""
    from supervision.audit.diff import changes_text

    headers = [_("时间"), _("部分"), _("操作人"), _("用户名"), _("操作"), _("原状态"), _("新状态"), _("理由"),
               _("变更内容")]
    if with_context:
        headers += [_("途径"), _("客户端地址"), _("请求编号")]
    headers.append(_("哈希"))
    rows = []
    for e in entries:
        part = f"{e['part']['label']} · {e['part']['name']}" if e["part"] else ""
        row = [e["when"], part, e["user"], e["username"], e["transition_label"] or e["type_label"],
               e["from_label"], e["to_label"], e["reason"], changes_text(e["changes"])]
        if with_context:
            row += [e["via_label"], e["client_ip"], e["request_id"]]
        row.append(e["hash"])
        rows.append(row)
    return headers, rows
