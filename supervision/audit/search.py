"""Auditors' global history search: by user, record type, township and date range, across every
registered workflow's history tables, scoped by the same visibility function as everything else."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from supervision import access, registry

MAX_ROWS = 500


@dataclass
class AuditQuery:
    username: str = ""
    record_type: str = ""
    township_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    transition: str = ""


def _aware(day: dt.date, end=False):
    t = dt.time.max if end else dt.time.min
    return timezone.make_aware(dt.datetime.combine(day, t))


def audit_search(*, user, query: AuditQuery, limit: int = MAX_ROWS) -> list[dict]:
    """History rows the user may see (newest first), one query per record type."""
    rows = []
    for rt in registry.record_types():
        if query.record_type and rt.key != query.record_type:
            continue
        if not access.can_anywhere(user, rt, "view"):
            continue
        visible = access.visible(user, rt.model)
        if query.township_id:
            if rt.scope_lookup is None:
                continue
            visible = visible.filter(**{f"{rt.scope_lookup}": query.township_id})
        hist = rt.model.history.model.objects.filter(id__in=visible.values("pk"))
        if query.username:
            hist = hist.filter(Q(history_username=query.username)  # the actor as recorded then
                               | Q(history_username="", history_user__username=query.username))
        if query.transition:
            hist = hist.filter(transition=query.transition)
        if query.date_from:
            hist = hist.filter(history_date__gte=_aware(query.date_from))
        if query.date_to:
            hist = hist.filter(history_date__lte=_aware(query.date_to, end=True))
        found = list(hist.select_related("history_user").order_by("-history_date")[:limit])
        current_qs = rt.model._default_manager.all()
        if rt.list_related:
            current_qs = current_qs.select_related(*rt.list_related)
        current = current_qs.in_bulk({r.id for r in found})
        transitions = rt.transitions()
        state_choices = dict(rt.model._meta.get_field(rt.state_field).flatchoices)

        def t_label(name, transitions=transitions):
            t = transitions.get(name)
            return str(t.custom.get("label", name)) if t else name

        for row in found:
            obj = current.get(row.id)
            rows.append({
                "date": row.history_date,
                "record_type": rt.key,
                "record_label": str(rt.model._meta.verbose_name),
                "object_id": row.id,
                "object": str(obj) if obj is not None else f"#{row.id}",
                "user": row.actor_name,  # as recorded when the row was written
                "username": row.actor_username,
                "transition": row.transition,
                "transition_label": t_label(row.transition) if row.transition else "",
                "from_state": row.from_state,
                "to_state": row.to_state,
                "from_label": str(state_choices.get(row.from_state, row.from_state)),
                "to_label": str(state_choices.get(row.to_state, row.to_state)),
                "reason": row.history_change_reason or "",
                "hash": row.row_hash,
            })
    rows.sort(key=lambda r: r["date"], reverse=True)
    return rows[:limit]
