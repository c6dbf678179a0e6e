"""The two-person rule, once for every record of the cases workflow.

A handler (or a head) *proposes* — a transition that keeps the state and fills the record's
``pending_*`` fields — and a head *approves* (or rejects) it. The approver is never the proposer,
and some proposals need a particular approver (the second investigation extension: only the
commission's principal head). ``may_approve`` is the one check the ``approve`` right of every
record type here carries (``Right.of("discipline_head", check=may_approve)``): refused → 403.
"""
from __future__ import annotations

from django.utils import timezone

from supervision import access

HEAD = "head"
PRINCIPAL = "principal"


def propose(obj, ctx, kind: str, target: str = "", data: dict | None = None) -> None:
    obj.pending_kind = kind
    if hasattr(obj, "pending_target"):
        obj.pending_target = target
    obj.pending_by = ctx.actor
    obj.pending_at = timezone.now()
    obj.pending_data = data or {}


def clear(obj) -> None:
    """Forget the decided proposal; its proposer stays on ``_last_proposer_id`` for the notice."""
    obj._last_proposer_id = obj.pending_by_id
    obj.pending_kind = ""
    if hasattr(obj, "pending_target"):
        obj.pending_target = ""
    obj.pending_by = None
    obj.pending_at = None
    obj.pending_data = {}


def has_pending(obj) -> bool:
    return bool(obj.pending_kind)


def no_pending(obj) -> bool:
    return not obj.pending_kind


def approver_level(obj) -> str:
    """Who must approve the open proposal: ``obj.approver_level()`` when the record says, else a head."""
    level = getattr(obj, "approver_level", None)
    return level() if callable(level) else HEAD


def may_approve(user, obj) -> bool:
    """Someone other than the proposer, of the level the proposal needs."""
    if obj.pending_by_id is not None and obj.pending_by_id == user.pk:
        return False
    excluded = getattr(obj, "approvers_excluded", None)  # e.g. a re-examination: not the decider
    if callable(excluded) and user.pk in excluded():
        return False
    if approver_level(obj) == PRINCIPAL:
        return access.is_principal(user, "discipline_head")
    return True
