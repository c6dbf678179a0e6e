"""The one timer/sweep mechanism (DESIGN §3.5).

Each workflow registers sweep jobs (``Workflow.sweeps``): callables ``job(now) -> int``.
``run_sweeps`` calls them all, as the named system actor. Jobs are idempotent:
- state moves go through ``run_transition(as_system=True)``: the row lock and fsm source
  check make a second run (or a second machine) a no-op (its Conflict is swallowed);
- once-only effects (reminders) claim a ``SweepMark`` first; the unique constraint lets
  exactly one process win. Jobs leave already-claimed records out in their query
  (``unclaimed``), so a second run reads nothing and inserts nothing, and the claim is an
  ``INSERT … ON CONFLICT DO NOTHING`` (no integrity error logged when two machines race). The
  claim and the effect it guards (notification, flag) commit together: ``with transaction.atomic()``
  around both, so a crash cannot leave a reminder marked sent but never sent.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.db import OperationalError, connection, models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone

from . import registry
from .audit.actor import acting_as, system_actor
from .errors import Conflict

log = logging.getLogger(__name__)


def claim_once(key: str, obj, period: str = "") -> bool:
    """True exactly once per (key, record, period), across processes and machines.

    Call it inside the transaction that does the once-only thing: a rollback releases the claim.
    """
    from .models import SweepMark

    table = connection.ops.quote_name(SweepMark._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in ("key", "record_type", "object_id", "period", "at"))
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({cols}) VALUES (%s, %s, %s, %s, %s) "
                           f"ON CONFLICT DO NOTHING RETURNING id",
                           [key, obj._meta.label_lower, str(obj.pk), period, at])
            return cursor.fetchone() is not None
    except OperationalError:  # SQLite: another writer held the database past the timeout
        return False


def unclaimed(qs, key: str, period) -> models.QuerySet:
    """``qs`` without the records already claimed for (``key``, ``period``), in SQL.

    ``period`` is a string (e.g. the month) or an expression over the outer record, e.g.
    ``iso_of("due_date")``; it must render exactly as the ``period`` later given to claim_once.
    """
    from .models import SweepMark

    marks = SweepMark.objects.filter(
        key=key, record_type=qs.model._meta.label_lower,
        object_id=Cast(OuterRef("pk"), output_field=models.CharField()),
        period=period)
    return qs.filter(~Exists(marks))


def in_batches(qs, size: int = 500):
    """The records of ``qs``, read ``size`` at a time by primary key (ids first, then each batch
    with the query's own filters and joins again): memory stays flat over 100k records, and a
    record that a concurrent writer moved out of the query meanwhile is skipped."""
    pks = list(qs.order_by().values_list("pk", flat=True))
    pks.sort()
    for i in range(0, len(pks), size):
        yield from qs.filter(pk__in=pks[i:i + size]).order_by("pk")


def iso_of(field: str):
    """The outer record's date field as 'YYYY-MM-DD' (``date.isoformat()``), for ``unclaimed``."""
    return Cast(OuterRef(field), output_field=models.CharField())


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
    return results
