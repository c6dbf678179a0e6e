"""Leave request transitions' side effects."""
from __future__ import annotations

from .. import services


def do_approve(ctx) -> None:
    """批准请假: the approved days appear in the months' attendance as leave, not absence."""
    services.attendance_apply_leave(actor=ctx.actor, leave=ctx.obj)
