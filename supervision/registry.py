"""The workflow registry (DESIGN §2 rule 4).

Each workflow app registers one ``Workflow`` in its ``AppConfig.ready()``. Menus, the task
inbox, the API router, audit views, the sweep and the meta-tests loop over it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Right:
    """Who may do something to a record: roles (each within its scope) and an optional
    per-object check ``check(user, obj) -> bool`` (e.g. "not the proposer")."""

    roles: frozenset[str]
    check: Callable[[Any, Any], bool] | None = None

    @classmethod
    def of(cls, *roles: str, check=None) -> Right:
        return cls(frozenset(roles), check)


@dataclass(frozen=True)
class Part:
    """A part of a record whose changes belong on the record's timeline (issue 13): e.g. a
    notice assignment's responses, ``Part(NoticeResponse, "assignment", _("整改报告"))``.

    - ``model``: the part's model (audited: ``history = audited_history()``);
    - ``path``: lookup from the part to the record (``"assignment"``, ``"assignment__notice"``);
    - ``label``: what the timeline calls the part ("整改报告"); each row also names the part
      object (``str(part)``);
    - ``scope``: lookup from the part to a registered record whose visibility decides whether
      the user sees this part's rows (``"assignment"``: only responses of assignments the user
      may see); ``None``: the part itself when it is a registered record, else as the record;
    - ``masked_fields``: fields shown as *** unless ``access.unmasked(user, record)``;
    - ``related``: select_related for naming the part objects (what their ``__str__`` reads).
    Attachments of the record and of its parts are on the timeline without a declaration.
    """

    model: type[models.Model]
    path: str
    label: Any = ""
    scope: str | None = None
    masked_fields: tuple[str, ...] = ()
    related: tuple[str, ...] = ()


@dataclass
class RecordType:
    """One kind of record a workflow tracks, with its state machine and rights."""

    model: type[models.Model]
    view_roles: frozenset[str]
    rights: dict[str, Right]
    # Path from the record to the township Region that scopes it (e.g. "township",
    # "village__parent", "assignments__township"); None: county-level only.
    scope_lookup: str | None
    # Path from the record to a supervision.Person: a user linked to that person may view
    # (only view) the records about themselves, e.g. a first secretary's own posting.
    person_lookup: str | None = None
    state_field: str = "state"
    confidential: bool = False
    label: str = ""
    # Called inside the transition's transaction after the state changed and was saved:
    # after_transition(ctx: TransitionContext). Side effects it schedules run on commit.
    after_transition: Callable[[Any], None] | None = None
    # URL of a record's page: get_absolute_url(obj) by default.
    api_basename: str = ""
    api_viewset: Any = None
    # select_related for run_transition's locked read: the relations after_transition and the
    # notification rules read (e.g. ("notice__issued_by", "township")), loaded with the lock.
    transition_related: tuple[str, ...] = ()
    # select_related/prefetch used by the generic history and inbox lists.
    list_related: tuple[str, ...] = ()
    # Field holding the record's due date, for the inbox's order and overdue flag.
    due_field: str | None = None
    # Fields hidden from every role outside ``unmask_roles`` (e.g. a reporter's identity),
    # in pages, the API, history and exports alike.
    masked_fields: tuple[str, ...] = ()
    unmask_roles: frozenset[str] = frozenset()
    # Per-record masking: ``unmask(user, obj) -> bool``, asked (after ``unmask_roles``) by
    # ``access.unmasked`` for each record, e.g. "the reporter is shown to this case's registrar,
    # handlers and deciding heads only". None: the roles decide alone.
    unmask: Callable[[Any, Any], bool] | None = None
    # Per-record scope beyond roles and townships (e.g. recusal 回避): ``scope_filter(user, qs) -> qs``
    # narrows ``access.visible``; ``scope_check(user, obj) -> bool`` narrows ``access.can`` (every
    # right, ``view`` included). Both or neither.
    scope_filter: Callable[[Any, Any], Any] | None = None
    scope_check: Callable[[Any, Any], bool] | None = None
    # prefetch_related lookups ``unmask``/``scope_check`` read, so a list costs no query per row;
    # applied by ``access.with_scope_related``.
    scope_prefetch: tuple[str, ...] = ()
    # Boolean field marking ``due_field`` provisional; None: guessed (``due_provisional`` …),
    # "" : none.
    due_provisional_field: str | None = None
    # Traffic lights: amber within this many working days of the deadline (an int or a
    # callable reading the workflow's settings); None: SUPERVISION["REMINDER_WORKING_DAYS"].
    reminder_days: int | Callable[[], int] | None = None
    # States in which the deadline runs (lights shown); None: every source state of an inbox
    # transition.
    timed_states: frozenset[str] | None = None
    # Who may assign and re-assign handlers (承办人); None: a lead (``RoleAssignment.is_lead``)
    # holding one of the record type's roles, in scope.
    assign_right: Right | None = None
    # The issuing side, told when a recomputed deadline moves earlier: watchers(obj) -> users.
    deadline_watchers: Callable[[Any], Iterable[Any]] | None = None
    # The record's parts whose changes its timeline shows (``Part``), in time order with its own.
    parts: tuple[Part, ...] = ()

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def app_label(self) -> str:
        return self.model._meta.app_label

    def perm(self, right: str) -> str:
        return f"{self.app_label}.{right}"

    def all_transitions(self) -> tuple[Any, ...]:
        """Every django-fsm Transition of the state field (one per source state). A model's
        transitions are declared with its class: walked once per record type, not on every call
        (我的待办 asks for each task, a transition for its meta)."""
        return self._transitions()[0]

    def transitions(self) -> Mapping[str, Any]:
        """The transitions of the state field by name (their ``custom`` metadata), read-only."""
        return self._transitions()[1]

    def _transitions(self):
        key = (self.model, self.state_field)
        found = self.__dict__.get("_transitions_cache")
        if found is None or found[0] != key:
            every = tuple(self.model._meta.get_field(self.state_field).get_all_transitions(self.model))
            by_name: dict[str, Any] = {}
            for t in every:
                by_name.setdefault(t.name, t)
            found = self.__dict__["_transitions_cache"] = (key, (every, MappingProxyType(by_name)))
        return found[1]

    def acting_roles(self) -> frozenset[str]:
        """Every role that holds some right on this record type."""
        found: set[str] = set()
        for rule in self.rights.values():
            found |= rule.roles
        return frozenset(found)

    def right_for(self, transition_name: str) -> str:
        t = self.transitions()[transition_name]
        return t.custom.get("right", transition_name)


@dataclass
class MenuItem:
    label: str
    url_name: str
    roles: frozenset[str]


@dataclass
class Workflow:
    name: str  # the app label
    label: str
    record_types: list[RecordType]
    menu: list[MenuItem] = field(default_factory=list)
    # Sweep jobs: callables sweep(now) -> int (number of things done), run by run_sweeps.
    sweeps: list[Callable] = field(default_factory=list)
    # seed_demo(stdout) adds this workflow's demo records (idempotent); None: nothing.
    seed_demo: Callable | None = None
    # Dotted module of the workflow's page URLs, mounted at /<name>/.
    urls: str | None = None
    # Test-only workflows are not in menus.
    hidden: bool = False
    # API endpoints of the workflow's other models (parts that are not records of their own):
    # (prefix, viewset), under /api/v1/ like the record types' (e.g. ("case-talks", TalkViewSet)).
    api_routes: list[tuple[str, Any]] = field(default_factory=list)


_workflows: dict[str, Workflow] = {}
_by_model: dict[type, RecordType] = {}


_generation = [0]  # bumped by every register(): what is built from the registry (menus) is keyed by it


def register(workflow: Workflow) -> Workflow:
    _workflows[workflow.name] = workflow
    _generation[0] += 1
    for rt in workflow.record_types:
        _by_model[rt.model] = rt
    return workflow


def generation() -> int:
    """How many times a workflow was registered: a key for what is built from the registry."""
    return _generation[0]


def workflows() -> Iterable[Workflow]:
    return list(_workflows.values())


def get_workflow(name: str) -> Workflow:
    return _workflows[name]


def record_types() -> list[RecordType]:
    return [rt for wf in _workflows.values() for rt in wf.record_types]


def for_model(model) -> RecordType:
    if not isinstance(model, type):
        model = type(model)
    model = model._meta.concrete_model
    try:
        return _by_model[model]
    except KeyError:
        raise LookupError(f"{model._meta.label} is not a registered workflow record") from None


def for_key(key: str) -> RecordType:
    for rt in record_types():
        if rt.key == key:
            return rt
    raise LookupError(key)


def is_registered(model) -> bool:
    try:
        for_model(model)
        return True
    except LookupError:
        return False
