"""我的待办 and 已办 across every registered workflow.

我的待办 has two parts: 指派给我 (records whose handler is this user) and 待认领 (records this
user may act on now that nobody holds). Candidates come from SQL — the kernel's visibility
function (scope), the states in which one of the user's roles has an inbox transition, and
the handler — with no cut-off; per-object conditions and checks (e.g. "not the proposer")
are then applied in Python to every candidate, at no query cost. Ordered by urgency (the
deadline, the most urgent first; no deadline last), paginated, with a count on each part.

已办 is read from the records' history: every record this user has acted on (a transition,
a response, a handler change, a creation), with its current state and handler.

A bounded number of queries per record type, whatever the number of rows.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from functools import partial

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from . import access, deadlines, registry
from .handlers import inbox_transitions


@dataclass
class InboxItem:
    """One task. Its deadline light is worked out when first read (a page reads only the lights of
    the items it shows): ``today`` and ``calendar`` are those of the request that listed it."""

    obj: object
    rt: registry.RecordType
    transitions: list[str]
    due: object = None
    handler: object = None
    today: dt.date | None = field(default=None, repr=False, compare=False)
    calendar: object = field(default=None, repr=False, compare=False)
    window: int | None = field(default=None, repr=False, compare=False)  # deadlines.reminder_days(rt)

    @functools.cached_property
    def light(self) -> deadlines.Light | None:
        if not self.rt.due_field:
            return None
        return deadlines.light(self.obj, self.rt, today=self.today, calendar=self.calendar, window=self.window)

    @property
    def overdue(self) -> bool:
        return bool(self.due and self.due < timezone.localdate())

    @property
    def workflow(self) -> registry.Workflow:
        return _workflow_of(self.rt)

    def sort_key(self):
        due = self.due
        if isinstance(due, dt.datetime):
            due = due.date()
        return (due is None, due or dt.date.max, -self.obj.pk)


@dataclass
class Inbox:
    mine: list[InboxItem] = field(default_factory=list)
    claimable: list[InboxItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.mine) + len(self.claimable)

    def sections(self) -> list[InboxSection]:
        """Both parts grouped by record type (mine first within each), for summaries."""
        found: dict[str, InboxSection] = {}
        for item in self.mine + self.claimable:
            section = found.get(item.rt.key)
            if section is None:
                section = found[item.rt.key] = InboxSection(item.workflow, item.rt)
            section.items.append(item)
        return list(found.values())


@dataclass
class InboxSection:
    workflow: registry.Workflow
    rt: registry.RecordType
    items: list[InboxItem] = field(default_factory=list)


def _workflow_of(rt):
    for wf in registry.workflows():
        if rt in wf.record_types:
            return wf
    return None


def actionable_states(user, rt: registry.RecordType) -> set[str]:
    states: set[str] = set()
    user_roles = access.roles(user)
    for t in rt.all_transitions():
        right = t.custom.get("right", t.name)
        rule = rt.rights.get(right)
        if rule is None or not (user_roles & rule.roles):
            continue
        if t.custom.get("inbox", True) is False:
            continue
        source = t.source
        if source in ("*", "+"):
            return {"*"}
        states.add(source)
    return states


def _handler_subquery(rt):
    from .models import RecordHandler

    return Subquery(RecordHandler.objects.filter(record_type=rt.key, object_id=OuterRef("pk"))
                    .values("handler_id")[:1])


def _candidates(rt, qs, states: tuple, user_id):
    """The record type's candidates for 我的待办 among ``qs`` (in scope): in a state where one of
    the user's roles has an inbox transition, and held by this user or by nobody."""
    qs = access.with_scope_related(qs, rt)
    if "*" not in states:
        qs = qs.filter(**{f"{rt.state_field}__in": states})
    if rt.list_related:
        qs = qs.select_related(*rt.list_related)
    qs = qs.annotate(_handler_id=_handler_subquery(rt)).filter(Q(_handler_id=user_id) | Q(_handler_id__isnull=True))
    return qs.order_by(*([rt.due_field, "-pk"] if rt.due_field else ["-pk"]))


def candidates(user, rt, states) -> list:
    """``_candidates`` for ``user``, from a statement compiled once per states and shape of scope."""
    states = tuple(sorted(states))
    return access.visible_rows(user, rt.model, ("inbox", states), partial(_candidates, rt, states=states),
                               user_id=user.pk)


def inbox_for(user, *, request=None) -> Inbox:
    """Both parts of 我的待办, every item (paginate the lists; each item's light is worked out
    when read, so a page pays only for the lights it shows)."""
    from . import clock

    inbox = Inbox()
    calendar = deadlines.calendar_for(request)
    today = timezone.localdate()
    with clock.one_day():  # the conditions of every candidate read today: once for the listing
        for wf in registry.workflows():
            for rt in wf.record_types:
                states = actionable_states(user, rt)
                if not states:
                    continue
                window = deadlines.reminder_days(rt) if rt.due_field else None
                for obj in candidates(user, rt, states):
                    names = inbox_transitions(obj, user)
                    if not names:
                        continue
                    due = getattr(obj, rt.due_field) if rt.due_field else None
                    item = InboxItem(obj, rt, names, due, user if obj._handler_id == user.pk else None,
                                     today=today, calendar=calendar, window=window)
                    (inbox.mine if obj._handler_id == user.pk else inbox.claimable).append(item)
    inbox.mine.sort(key=InboxItem.sort_key)
    inbox.claimable.sort(key=InboxItem.sort_key)
    return inbox


# --- 已办 --------------------------------------------------------------------------------

@dataclass
class DoneItem:
    obj: object
    rt: registry.RecordType
    last_at: dt.datetime
    last_operation: str
    handler: object = None
    light: deadlines.Light | None = None

    @property
    def workflow(self) -> registry.Workflow:
        return _workflow_of(self.rt)

    @property
    def last_operation_label(self) -> str:
        from .audit.diff import operation_label

        return operation_label(self.rt, self.last_operation) if self.last_operation else ""


@dataclass(frozen=True)
class DoneQuery:
    workflow: str = ""
    state: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _aware(day: dt.date, end: bool = False) -> dt.datetime:
    moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time.min)
    return timezone.make_aware(moment)


def done_for(user, query: DoneQuery = DoneQuery(), *, request=None) -> list[DoneItem]:
    """Records ``user`` has acted on (newest action first), visible to them now."""

    items: list[DoneItem] = []
    calendar = deadlines.calendar_for(request)
    today = timezone.localdate()
    for wf in registry.workflows():
        if query.workflow and wf.name != query.workflow:
            continue
        for rt in wf.record_types:
            if not access.can_anywhere(user, rt, "view") and not rt.person_lookup:
                continue
            history = rt.model.history.model
            mine = history.objects.filter(**{rt.model._meta.pk.attname: OuterRef("pk")}, history_user=user)
            if query.date_from:
                mine = mine.filter(history_date__gte=_aware(query.date_from))
            if query.date_to:
                mine = mine.filter(history_date__lt=_aware(query.date_to, end=True))
            mine = mine.order_by("-history_date", "-history_id")
            qs = access.with_scope_related(access.visible(user, rt.model), rt)
            if query.state:
                qs = qs.filter(**{rt.state_field: query.state})
            if rt.list_related:
                qs = qs.select_related(*rt.list_related)
            qs = qs.annotate(_done_at=Subquery(mine.values("history_date")[:1]),
                             _done_op=Subquery(mine.values("transition")[:1])).filter(_done_at__isnull=False)
            for obj in qs:
                items.append(DoneItem(obj, rt, obj._done_at, obj._done_op or "",
                                      light=deadlines.light(obj, rt, today=today, calendar=calendar)
                                      if rt.due_field else None))
    items.sort(key=lambda i: (i.last_at, i.obj.pk), reverse=True)
    return items


def attach_handlers(items) -> None:
    """Fill ``item.handler`` for a page of items in one query."""
    from .handlers import handlers_for

    found = handlers_for([i.obj for i in items])
    for i in items:
        i.handler = found.get((i.rt.key, i.obj.pk))


def states_of(workflow: str = "") -> list[tuple[str, str]]:
    """(value, label) of the states of every record type (of one workflow) for the filter."""
    seen: dict[str, str] = {}
    for wf in registry.workflows():
        if wf.hidden or (workflow and wf.name != workflow):
            continue
        for rt in wf.record_types:
            f = rt.model._meta.get_field(rt.state_field)
            for value, label in f.flatchoices:
                seen.setdefault(value, str(label))
    return sorted(seen.items(), key=lambda kv: kv[1])
