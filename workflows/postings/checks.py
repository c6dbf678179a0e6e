"""Per-record checks of the postings rights (``Right.of(..., check=fn(user, obj))``): a refusal
is a 403, and the action is not offered (available_transitions, inbox, pages)."""
from __future__ import annotations

from supervision import access


def may_decide_recall(user, recall) -> bool:
    """批准/不予召回: the county leading group (``leader``) or the organisation department's head
    (``RoleAssignment.is_principal``), and never the person who proposed it."""
    if recall.proposed_by_id is not None and recall.proposed_by_id == user.pk:
        return False
    return access.has_role(user, "leader") or access.is_principal(user, "organization")


def may_decide_leave(user, leave) -> bool:
    """请假审批: the organisation department, or the party secretary of the leave's township (the
    length limit of a township approval is the transition's own 400 with its reason)."""
    return access.has_role(user, "organization") or access.is_principal(user, "township", leave.township_id)
