"""我的待办: the open tasks of every registered workflow that this user may act on now.

Built on the kernel's visibility function (scope in SQL) and object-right function, so a
township user never sees another township's task. A bounded number of queries per record
type, whatever the number of rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from . import access, registry
from .transitions import available_transitions

INBOX_LIMIT = 100


@dataclass
class InboxItem:
    obj: object
    rt: registry.RecordType
    transitions: list[str]
    due: object = None

    @property
    def overdue(self) -> bool:
        return bool(self.due and self.due < timezone.localdate())


@dataclass
class InboxSection:
    workflow: registry.Workflow
    rt: registry.RecordType
    items: list[InboxItem] = field(default_factory=list)


def actionable_states(user, rt: registry.RecordType) -> set[str]:
    states: set[str] = set()
    for t in rt.all_transitions():
        right = t.custom.get("right", t.name)
        rule = rt.rights.get(right)
        if rule is None or not (access.roles(user) & rule.roles):
            continue
        if t.custom.get("inbox", True) is False:
            continue
        source = t.source
        if source in ("*", "+"):
            return {"*"}
        states.add(source)
    return states


def inbox_for(user, limit: int = INBOX_LIMIT) -> list[InboxSection]:
    sections = []
    for wf in registry.workflows():
        for rt in wf.record_types:
            states = actionable_states(user, rt)
            if not states:
                continue
            qs = access.with_scope_related(access.visible(user, rt.model), rt)
            if "*" not in states:
                qs = qs.filter(**{f"{rt.state_field}__in": states})
            if rt.list_related:
                qs = qs.select_related(*rt.list_related)
            order = [rt.due_field, "-pk"] if rt.due_field else ["-pk"]
            section = InboxSection(wf, rt)
            for obj in qs.order_by(*order)[:limit]:
                names = [n for n in available_transitions(obj, user)
                         if rt.transitions()[n].custom.get("inbox", True)]
                if names:
                    due = getattr(obj, rt.due_field) if rt.due_field else None
                    section.items.append(InboxItem(obj, rt, names, due))
            if section.items:
                sections.append(section)
    return sections
