"""The handling unit (承办单位) of a clue or case: the county commission, or the township
discipline committee (乡镇纪委) the clue was routed to (``Case.handling_township``).

Scope (who sees a case) follows the unit through ``RecordType.scope_lookup``; this module
is the one rule for who *acts* on it: the unit's own people. The county's handlers do not act
on a case a township committee handles (the county routes, supervises and can take it up);
a township committee acts only on what was routed to it."""
from __future__ import annotations

COUNTY_CASE_ROLES = frozenset({"discipline", "discipline_head"})
TOWNSHIP_CASE_ROLES = frozenset({"township_discipline", "township_discipline_head"})


def case_of(obj):
    return getattr(obj, "case", obj)


def acts_for_unit(user, obj) -> bool:
    """Does ``user`` belong to the unit handling ``obj`` (a case, or a part of one)?"""
    from supervision import access  # apps.py imports this module before the app registry is ready

    case = case_of(obj)
    township_id = getattr(case, "handling_township_id", None)  # a 问责 matter: the county commission's
    for g in access.grants(user):
        if township_id is None and g.region_id is None and g.role in COUNTY_CASE_ROLES:
            return True
        if township_id is not None and g.region_id == township_id and g.role in TOWNSHIP_CASE_ROLES:
            return True
    return False


def all_of(*checks):
    """A right's per-object check made of several (every one must hold)."""
    def check(user, obj) -> bool:
        return all(c(user, obj) for c in checks)
    return check


def needs_county(matter) -> bool:
    """Does the open proposal on a subject's matter, in a case a township committee handles, also
    need the county commission's approval (``conf.COUNTY_APPROVAL``)?"""
    from .conf import setting

    if not hasattr(matter, "subject_id"):  # a subject's matter only (the case's own steps stay with the unit)
        return False
    case = case_of(matter)
    if case.handling_township_id is None or not matter.pending_kind:
        return False
    data = matter.pending_data or {}
    keys = {f"kind:{matter.pending_kind}"}
    if matter.pending_kind in ("outcome", "reexam"):
        keys |= {f"party:{data.get('party_sanction') or ''}", f"admin:{data.get('admin_sanction') or ''}",
                 f"outcome:{data.get('outcome') or ''}"}
    if matter.subject.is_township_cadre:  # every decision on a cadre of the township itself
        keys.add("subject:township_cadre")
    return bool(keys & set(setting("COUNTY_APPROVAL")))


def unit_approved(matter) -> bool:
    """The committee's head has approved; the proposal waits for the county."""
    return bool((matter.pending_data or {}).get("unit_approved_by"))


def is_county_head(user) -> bool:
    from supervision import access

    return any(g.role == "discipline_head" and g.region_id is None for g in access.grants(user))


def is_county_staff(user) -> bool:
    from supervision import access

    return any(g.role in COUNTY_CASE_ROLES and g.region_id is None for g in access.grants(user))


def is_unit_head(user, obj) -> bool:
    """A head of the unit handling ``obj``: the commission's, or that township committee's."""
    from supervision import access

    township_id = getattr(case_of(obj), "handling_township_id", None)
    if township_id is None:
        return is_county_head(user)
    return any(g.role == "township_discipline_head" and g.region_id == township_id for g in access.grants(user))


def may_approve_here(user, obj) -> bool:
    """The approver a proposal needs now: the handling unit's head — and, for a township decision
    above the set level once its committee head has approved, a head of the county commission."""
    from .proposals import may_approve

    if not may_approve(user, obj):
        return False
    if needs_county(obj) and unit_approved(obj):
        return is_county_head(user)
    return acts_for_unit(user, obj)
