"""Scope is checked here, once (DESIGN §2 rule 3).

- ``visible(user, model_or_queryset)``: every queryset a user sees goes through it.
- ``can(user, right, obj)``: every object-level right goes through it.
- ``ScopedRoleBackend``: ``user.has_perm("<app>.<right>", obj)`` answers with ``can``.

A role assignment with no region (or the county) is county-wide; a township assignment
sees only records whose ``RecordType.scope_lookup`` points at that township.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.backends import ModelBackend
from django.db import models
from django.utils.functional import LazyObject, empty

from . import registry


@dataclass(frozen=True)
class Grant:
    role: str
    region_id: int | None  # None = county-wide
    lead: bool = False  # may assign handlers (承办人) in its scope
    principal: bool = False  # the unit's principal (主要负责人) for this role


def grants(user) -> list[Grant]:
    """The user's role assignments, loaded once per user object (one query)."""
    if isinstance(user, LazyObject):  # request.user: a page asks for every row and action, and each
        user = _unwrapped(user)  # attribute read through the lazy proxy is a call
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_supervision_grants", None)
    if cached is None:
        cached = user._supervision_grants = _load_grants([user.pk])[user.pk]
    return cached


def _unwrapped(lazy):
    if lazy._wrapped is empty:
        lazy._setup()
    return lazy._wrapped


def preload_grants(users) -> None:
    """Load the grants of many users in one query (e.g. before checking each recipient). Every copy
    of a user gets them (records loaded apart each hold their own copy of, say, their issuer)."""
    pending: dict[int, list] = {}
    for u in users:
        if u is not None and getattr(u, "_supervision_grants", None) is None:
            pending.setdefault(u.pk, []).append(u)
    if not pending:
        return
    found = _load_grants(list(pending))
    for pk, copies in pending.items():
        for user in copies:
            user._supervision_grants = found[pk]


def _load_grants(user_ids: list) -> dict[int, list[Grant]]:
    """{user id: its grants} in one plain statement (the transition path's first query: no ORM
    compilation). A region that is the county counts as county-wide."""
    from django.db import connections, router

    from .models import Region, RoleAssignment

    connection = connections[router.db_for_read(RoleAssignment)]
    q = connection.ops.quote_name
    found: dict[int, list[Grant]] = {pk: [] for pk in user_ids}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ra.{q('user_id')}, ra.{q('role')}, ra.{q('region_id')}, g.{q('level')}, ra.{q('is_lead')}, "
            f"ra.{q('is_principal')} FROM {q(RoleAssignment._meta.db_table)} ra LEFT JOIN "
            f"{q(Region._meta.db_table)} g ON g.{q('id')} = ra.{q('region_id')} "
            f"WHERE ra.{q('user_id')} IN ({', '.join(['%s'] * len(user_ids))})", list(user_ids))
        for user_id, role, region_id, level, lead, principal in cursor.fetchall():
            found[user_id].append(Grant(role, None if (region_id is None or level == Region.Level.COUNTY)
                                        else region_id, bool(lead), bool(principal)))
    return found


def roles(user) -> set[str]:
    return {g.role for g in grants(user)}


def has_role(user, *wanted: str) -> bool:
    return bool(roles(user) & set(wanted))


def is_principal(user, role: str, region_id: int | None = None) -> bool:
    """Whether ``user`` is the principal (主要负责人) for ``role``: county-wide, or, with
    ``region_id``, of that township (e.g. the township's party secretary for ``township``)."""
    for g in grants(user):
        if g.principal and g.role == role and (region_id is None or g.region_id in (None, region_id)):
            return True
    return False


def township_ids(user) -> set[int]:
    """Townships a user is scoped to through any role (empty for county-wide users)."""
    return {g.region_id for g in grants(user) if g.region_id is not None}


def scope(user, wanted_roles) -> tuple[bool, set[int]]:
    """(county_wide, township_ids) over the user's grants for the wanted roles."""
    county_wide = False
    regions: set[int] = set()
    for g in grants(user):
        if g.role in wanted_roles:
            if g.region_id is None:
                county_wide = True
            else:
                regions.add(g.region_id)
    return county_wide, regions


def _rule_scope(user, roles: frozenset) -> tuple[bool, frozenset]:
    """``scope(user, roles)`` for ``can``, kept on the user object with the grants it was worked
    out from: a page checks every row and action against the same few rules (我的待办: each
    candidate's each transition)."""
    found_grants = grants(user)
    target = _unwrapped(user) if isinstance(user, LazyObject) else user
    values = getattr(target, "__dict__", None)
    if values is None:
        county_wide, regions = scope(user, roles)
        return county_wide, frozenset(regions)
    cache = values.get("_supervision_scopes")
    if cache is None or cache[0] is not found_grants:  # grants loaded anew: work it out again
        cache = values["_supervision_scopes"] = (found_grants, {})
    found = cache[1].get(roles)
    if found is None:
        county_wide, regions = scope(user, roles)
        found = cache[1][roles] = (county_wide, frozenset(regions))
    return found


def visible(user, model_or_qs) -> models.QuerySet:
    """Records of a registered type that ``user`` may see, as a queryset."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    rt = registry.for_model(qs.model)
    return _narrowed(user, rt, visible_by(rt, qs, **scope_values(user, rt)))


def scope_values(user, rt) -> dict:
    """What ``visible`` reads of ``user`` for ``rt`` before the record type's own narrowing
    (``scope_filter``), as plain values: county-wide, the township ids, the person whose own
    records they may read (or None)."""
    county_wide, regions = scope(user, rt.view_roles)
    person_id = getattr(user, "person_id", None) if user is not None and user.is_authenticated else None
    if not (rt.person_lookup and person_id and user.is_active):
        person_id = None
    return {"county_wide": county_wide, "regions": () if county_wide else tuple(sorted(regions)),
            "person_id": None if county_wide else person_id}


def visible_by(rt, qs, *, county_wide: bool, regions: tuple, person_id) -> models.QuerySet:
    """``qs`` narrowed to ``scope_values`` (``visible`` without ``scope_filter``): the one place
    that turns a scope into SQL."""
    if county_wide:
        return qs
    conditions = []
    if regions and rt.scope_lookup is not None:
        conditions.append(models.Q(**{f"{rt.scope_lookup}__in": regions}))
    if person_id:
        conditions.append(models.Q(**{rt.person_lookup: person_id}))  # records about oneself, read-only
    if not conditions:
        return qs.none()
    condition = conditions[0]
    for extra in conditions[1:]:
        condition |= extra
    lookups = [rt.scope_lookup if regions else None, rt.person_lookup if person_id else None]
    if all(_single_valued(qs.model, lookup) for lookup in lookups if lookup):
        # Each record reaches one township (and one person) at most: the condition itself, with
        # no duplicates to fear (a township user's 我的待办 and register read their rows straight
        # from the township index, not through a join of the table with itself).
        return qs.filter(condition)
    inner = qs.model._default_manager.filter(condition).values("pk")
    return qs.filter(pk__in=inner)


_SINGLE_VALUED: dict = {}


def _single_valued(model, lookup: str) -> bool:
    """Does ``lookup`` (``township``, ``village__parent``, ``assignments__township``) lead from a
    record of ``model`` to one row at most, every step a foreign key or one-to-one?"""
    key = (model, lookup)
    found = _SINGLE_VALUED.get(key)
    if found is None:
        found = _SINGLE_VALUED[key] = _walk_single(model, lookup.split("__"))
    return found


def _walk_single(model, parts: list[str]) -> bool:
    from django.core.exceptions import FieldDoesNotExist

    current = model
    for i, part in enumerate(parts):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:  # a transform or the like: the general form
            return False
        if field.is_relation:
            if field.many_to_many or field.one_to_many:
                return False
            current = field.related_model
        elif i != len(parts) - 1:
            return False
    return True


def visible_rows(user, model, key, narrow, **values) -> list:
    """``list(narrow(visible(user, model), **values))``, from a statement compiled once per ``key``
    and shape of scope (``supervision.plans``): ``key`` names what ``narrow`` does, and ``narrow``
    reads nothing but the queryset and ``values`` (ints, strs). A record type that narrows by user
    (``scope_filter``, e.g. recusal) is read as ever."""
    rt = registry.for_model(model)
    if rt.scope_filter is not None:
        return list(narrow(visible(user, rt.model), **values))
    from . import plans

    def build(county_wide, regions, person_id, **rest):
        scoped = visible_by(rt, rt.model._default_manager.all(), county_wide=county_wide, regions=regions,
                            person_id=person_id)
        return narrow(scoped, **rest)

    return plans.rows(("visible", rt.key, key), build, {**scope_values(user, rt), **values})


def visible_in_bulk(user, model, key, narrow, ids) -> dict:
    """``narrow(visible(user, model)).in_bulk(ids)`` through ``visible_rows`` (``key`` names what
    ``narrow`` does)."""
    from .plans import IN_BULK_PLANNED

    ids = tuple(sorted(set(ids)))
    if not ids:
        return {}
    if len(ids) > IN_BULK_PLANNED:
        return narrow(visible(user, model)).in_bulk(ids)
    found = visible_rows(user, model, ("in_bulk", key), lambda qs, ids: narrow(qs).filter(pk__in=ids), ids=ids)
    return {obj.pk: obj for obj in found}


def _narrowed(user, rt, qs) -> models.QuerySet:
    """The record type's own per-record scope (``RecordType.scope_filter``, e.g. recusal)."""
    return rt.scope_filter(user, qs) if rt.scope_filter is not None else qs


def path_ids(obj, lookup: str) -> set:
    """Follow ``lookup`` ("township", "village__parent", "assignments__township") from ``obj``
    in Python and return the ids at its end. The last hop reads the foreign key's id, so with
    ``with_scope_related`` applied to the queryset no query is needed per object."""
    parts = lookup.split("__")
    values = [obj]
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt = []
        for v in values:
            if v is None:
                continue
            field = v._meta.get_field(part)
            if last and (field.many_to_one or field.one_to_one) and hasattr(field, "attname"):
                nxt.append(getattr(v, field.attname))
                continue
            attr = getattr(v, part)
            if hasattr(attr, "all"):
                nxt.extend(attr.all())
            else:
                nxt.append(attr)
        values = nxt
    return {v if isinstance(v, int) else getattr(v, "pk", v) for v in values if v is not None}


_UNKNOWN = object()
_DIRECT: dict = {}  # (model, lookup) → the foreign key's attname when the lookup is that one hop, else None


def _direct_attname(model, lookup: str) -> str | None:
    if "__" in lookup or not hasattr(model, "_meta"):
        return None
    try:
        field = model._meta.get_field(lookup)
    except Exception:  # noqa: BLE001 (not a field: the general walk says what it is)
        return None
    if (field.many_to_one or field.one_to_one) and getattr(field, "attname", None) and field.concrete:
        return field.attname
    return None


def scope_region_ids(obj, rt=None) -> set[int]:
    """The township ids an object belongs to."""
    rt = rt or registry.for_model(obj)
    return path_ids(obj, rt.scope_lookup) if rt.scope_lookup else set()


def _own_record(user, obj, rt) -> bool:
    """Is ``obj`` about the person this user account belongs to (``RecordType.person_lookup``)?"""
    person_id = getattr(user, "person_id", None)
    return bool(rt.person_lookup and person_id and person_id in path_ids(obj, rt.person_lookup))


def with_scope_related(qs: models.QuerySet, rt=None) -> models.QuerySet:
    """Load what ``scope_region_ids`` walks, so per-object right checks cost no query."""
    rt = rt or registry.for_model(qs.model)
    if rt.scope_prefetch:  # what the per-record hooks (unmask, scope_check) read
        qs = qs.prefetch_related(*rt.scope_prefetch)
    if not rt.scope_lookup or "__" not in rt.scope_lookup:
        return qs
    path = rt.scope_lookup.rsplit("__", 1)[0]
    model, many = qs.model, False
    for part in path.split("__"):
        field = model._meta.get_field(part)
        many = many or field.many_to_many or field.one_to_many
        model = field.related_model
    return qs.prefetch_related(path) if many else qs.select_related(path)


def assign_rule(rt: registry.RecordType) -> registry.Right:
    """Who may assign handlers: ``rt.assign_right``, or a lead of one of the type's roles."""
    if rt.assign_right is not None:
        return rt.assign_right
    roles_ = rt.acting_roles()

    def is_lead(user, obj) -> bool:
        regions = None
        for g in grants(user):
            if g.lead and g.role in roles_:
                if g.region_id is None:
                    return True
                regions = scope_region_ids(obj, rt) if regions is None else regions
                if g.region_id in regions:
                    return True
        return False

    return registry.Right(roles_, is_lead)


def rule_for(rt: registry.RecordType, right: str) -> registry.Right | None:
    if right == "view":
        return registry.Right(rt.view_roles)
    if right == "assign":
        return assign_rule(rt)
    return rt.rights.get(right)


def can(user, right: str, obj) -> bool:
    """May ``user`` exercise ``right`` on ``obj`` (role, scope and per-object check)?
    ``view`` and ``assign`` (handlers) are kernel rights of every record type."""
    rt = registry.for_model(obj)
    rule = rule_for(rt, right)
    if rule is None:
        return False
    if rt.scope_check is not None and not rt.scope_check(user, obj):
        return False  # e.g. recused from this record: neither sees nor acts
    if right == "view" and user.is_active and _own_record(user, obj, rt):
        return True
    county_wide, regions = _rule_scope(user, rule.roles)
    if not county_wide:
        if not regions or not (regions & scope_region_ids(obj, rt)):
            return False
    if rule.check is not None and not rule.check(user, obj):
        return False
    return True


def unmasked(user, obj) -> bool:
    """May ``user`` see the masked fields (``RecordType.masked_fields``) of ``obj``?

    The one masking decision of pages, the API, diffs, timelines, part changes and exports:
    a role in ``RecordType.unmask_roles`` and, for a record type that decides per record,
    ``RecordType.unmask(user, obj)`` (issue 20: the reporter is known to the case's registrar,
    handlers and deciding heads only). ``obj`` is a record, or its model for a type-wide answer
    (masked whenever the type decides per record)."""
    rt = registry.for_model(obj)
    if not rt.masked_fields:
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not (roles(user) & rt.unmask_roles):
        return False
    if rt.unmask is None:
        return True
    if isinstance(obj, type) or (rt.scope_check is not None and not rt.scope_check(user, obj)):
        return False
    return bool(rt.unmask(user, obj))


def is_masked(user, rt: registry.RecordType, field_name: str, obj=None) -> bool:
    """Is ``field_name`` of ``obj`` (of this record type; None: type-wide) hidden from ``user``?"""
    return field_name in rt.masked_fields and not unmasked(user, obj if obj is not None else rt.model)


MASK = "***"


def can_anywhere(user, rt: registry.RecordType, right: str) -> bool:
    """Does any of the user's roles carry ``right`` on this record type (scope aside)?"""
    rule = rule_for(rt, right)
    return rule is not None and bool(roles(user) & rule.roles)


class ScopedRoleBackend(ModelBackend):
    """Authentication as usual; permissions from roles and scope for workflow records.

    ``user.has_perm("notices.acknowledge", assignment)`` → ``can(user, "acknowledge", obj)``.
    Without an object it answers whether any of the user's roles carries the right.
    Django model permissions (admin) keep working for staff through ModelBackend.
    """

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active:
            return False
        app_label, _, right = perm.partition(".")
        if obj is not None and registry.is_registered(obj):
            rt = registry.for_model(obj)
            if rt.app_label == app_label:
                return can(user_obj, right, obj)
            return False
        for rt in registry.record_types():
            if rt.app_label == app_label and can_anywhere(user_obj, rt, right):
                return True
        return super().has_perm(user_obj, perm, obj)
