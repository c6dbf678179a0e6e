"""The last history-integrity result, for the auditors' page (issue 13 item 5).

``verify_history`` and every checkpoint (the command and the sweep's daily one) record what they
found in ``IntegrityCheck``; ``integrity_status()`` reads the newest result and checkpoint."""
from __future__ import annotations

from supervision.audit import context
from supervision.models import IntegrityCheck


def record(result, *, checkpoint: str = "", checkpoint_created_at: str = "", incremental: bool = False,
           seconds: float = 0.0, problem: str = "") -> IntegrityCheck:
    from supervision.audit.checkpoint import describe

    if not result.ok and not problem:
        problem = describe(result) if result.problems else (
            f"{result.broken_table} history_id={result.broken_history_id} "
            f"(record id={result.broken_object_id}): {result.reason}")
    return IntegrityCheck.objects.create(
        ok=result.ok, rows=result.rows, head=result.head or "", checkpoint=str(checkpoint or "")[:300],
        checkpoint_created_at=str(checkpoint_created_at or "")[:40], incremental=incremental,
        problem=problem, via=context.current().via or "", seconds=round(seconds, 3))


def integrity_status() -> dict:
    """{"last": the newest check, "last_ok": the newest successful one, "last_checkpoint": the
    newest check that wrote or used a checkpoint, "recent": the ten newest} (three queries)."""
    recent = list(IntegrityCheck.objects.order_by("-at", "-pk")[:10])
    last = recent[0] if recent else None
    last_ok = next((c for c in recent if c.ok), None) or IntegrityCheck.objects.filter(ok=True).first()
    last_checkpoint = (next((c for c in recent if c.checkpoint), None)
                       or IntegrityCheck.objects.exclude(checkpoint="").first())
    return {"last": last, "last_ok": last_ok, "last_checkpoint": last_checkpoint, "recent": recent}
