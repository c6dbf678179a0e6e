"""Assessment transitions' side effects."""
from __future__ import annotations

from .. import services
from ..models import Assessment


def do_finalize(ctx) -> None:
    """定档 with the publicised grade: the grade rules (a refusal is a 400 and rolls back), then
    its effects. A different grade went back to review instead (Assessment.finalize): nothing here."""
    if ctx.to_state != Assessment.State.FINALIZED:
        return
    services.assessment_apply_final_grade(actor=ctx.actor, assessment=ctx.obj, reason=ctx.comment)
