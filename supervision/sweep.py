"""The one timer/sweep mechanism (DESIGN §3.5).

Each workflow registers sweep jobs (``Workflow.sweeps``): callables ``job(now) -> int``.
``run_sweeps`` calls them all, as the named system actor. Jobs are idempotent:
- state moves go through ``run_transition(as_system=True)``: the row lock and fsm source
  check make a second run (or a second machine) a no-op (its Conflict is swallowed);
- once-only effects (reminders) claim a ``SweepMark`` first; the unique constraint lets
  exactly one process win.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import registry
from .audit.actor import acting_as, system_actor
from .errors import Conflict

log = logging.getLogger(__name__)


def claim_once(key: str, obj, period: str = "") -> bool:
    """True exactly once per (key, record, period), across processes and machines."""
    from .models import SweepMark

    try:
        with transaction.atomic():
            SweepMark.objects.create(key=key, record_type=obj._meta.label_lower, object_id=str(obj.pk),
                                     period=period)
        return True
    except IntegrityError:
        return False


def fire_system_transition(obj, name: str, *, comment: str, data=None) -> bool:
    """Fire ``name`` as the system actor; False when another run already did it."""
    from .transitions import run_transition

    try:
        run_transition(model=type(obj), pk=obj.pk, name=name, actor=system_actor(), comment=comment,
                       data=data, as_system=True)
        return True
    except Conflict:
        return False


def today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now())


def run_sweeps(now: dt.datetime | None = None, only: str | None = None) -> dict[str, int]:
    now = now or timezone.now()
    results: dict[str, int] = {}
    with acting_as(system_actor()):
        for workflow in registry.workflows():
            if only and workflow.name != only:
                continue
            for job in workflow.sweeps:
                label = f"{workflow.name}.{getattr(job, '__name__', 'job')}"
                results[label] = int(job(now) or 0)
    if not only:
        from .audit.checkpoint import daily

        results["kernel.history_checkpoint"] = daily(now)  # one signed checkpoint a day (when configured)
    return results
