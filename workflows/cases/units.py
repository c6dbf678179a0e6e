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
    township_id = case.handling_township_id
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
