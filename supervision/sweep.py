"""The one timer/sweep mechanism (DESIGN §3.5).

Each workflow registers sweep jobs (``Workflow.sweeps``): callables ``job(now) -> int``.
``run_sweeps`` calls them all, as the named system actor. Jobs are idempotent:
- state moves go through ``run_transition(as_system=True)``: the row lock and fsm source
  check make a second run (or a second machine) a no-op (its Conflict is swallowed);
- once-only effects (reminders) claim a ``SweepMark`` first; the unique constraint lets
  exactly one process win. Jobs leave already-claimed records out in their query
  (``unclaimed``), so a second run reads nothing and inserts nothing, and the claim is an
  ``INSERT … ON CONFLICT DO NOTHING`` (no integrity error logged when two machines race). The
  claim and the effect it guards (notification, flag) commit together: ``remind`` claims a
  batch of records in one statement (``claim_many``) and sends in the same transaction (the
  notices' and targets' reminders with ``notify.notify_many``: one insert per batch), so a crash
  cannot leave a reminder marked sent but never sent;
- state moves run one per record through the one transition path (its own transaction, history
  row and notifications); a job looks up the actor (``sweep_actor``) and what the records share
  (the notices' township staff) once per run or batch, not per record.

The runner (``run_sweep_jobs``) is what makes "a timer on every machine" safe and cheap:
- each job runs under a PostgreSQL advisory lock (try-lock, per job): while one machine runs
  a job, another machine's run skips that job instead of scanning the same rows;
- with ``min_interval`` a job that succeeded (anywhere) more recently than that is skipped, so
  N machines firing the same timer do a job about once per interval, not N times;
- each job is isolated: an exception is logged and recorded, and the next job still runs;
- each job's last start, success, failure and error are kept in ``SweepJob`` (admin).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import traceback
import zlib
from dataclasses import dataclass, field

from django.db import OperationalError, connection, models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone

from . import clock, registry
from .audit import context as request_context
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


def claim_many(key: str, objs, period) -> list:
    """``claim_once`` for many records in one statement: the records of ``objs`` this call
    claimed (in their order); those another run claimed first are left out.

    ``period`` is a string, or a function of the record giving its string. Call it inside the
    transaction that does the once-only things (``remind``): a rollback releases every claim.
    """
    from .models import SweepMark

    objs = list(objs)
    if not objs:
        return []
    period_of = period if callable(period) else (lambda _obj: period)
    keyed = [(str(obj.pk), str(period_of(obj))) for obj in objs]
    table = connection.ops.quote_name(SweepMark._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in ("key", "record_type", "object_id", "period", "at"))
    oid, per = connection.ops.quote_name("object_id"), connection.ops.quote_name("period")
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    label = objs[0]._meta.label_lower
    params = []
    for object_id, p in keyed:
        params += [key, label, object_id, p, at]
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({cols}) VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(objs))} "
                           f"ON CONFLICT DO NOTHING RETURNING {oid}, {per}", params)
            won = {tuple(row) for row in cursor.fetchall()}
    except OperationalError:  # SQLite: another writer held the database past the timeout
        return []
    return [obj for obj, k in zip(objs, keyed, strict=True) if k in won]


def remind(qs, key: str, period, send, size: int = 500) -> int:
    """The once-only effect ``send`` for every record of ``qs`` not yet claimed under (``key``,
    ``period``), a batch at a time: each batch is one transaction holding its claims (one
    ``INSERT … ON CONFLICT DO NOTHING``) and ``send(claimed)`` (the notifications, in bulk), so a
    crash or an error leaves no record marked but not told. ``qs`` should already leave the
    claimed records out (``unclaimed``); the claim still settles a race with another machine.
    Returns how many records were claimed (and told)."""
    done = 0
    batch = []

    def flush():
        nonlocal done
        with transaction.atomic():  # the marks and the notifications commit together
            claimed = claim_many(key, batch, period)
            if claimed:
                send(claimed)
        done += len(claimed)
        batch.clear()

    for obj in in_batches(qs, size):
        batch.append(obj)
        if len(batch) >= size:
            flush()
    if batch:
        flush()
    return done


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


def sweep_actor():
    """The system actor: the one ``run_sweep_jobs`` acts as (no look-up), else looked up."""
    from .audit.actor import current_actor

    actor = current_actor()
    return actor if getattr(actor, "is_system", False) else system_actor()


def fire_system_transition(obj, name: str, *, comment: str, data=None, actor=None) -> bool:
    """Fire ``name`` as the system actor (``actor``: that user, looked up once by the caller);
    False when another run already did it."""
    from .transitions import run_transition

    if actor is None or not getattr(actor, "is_system", False):
        actor = sweep_actor()
    try:
        with request_context.system():
            run_transition(model=type(obj), pk=obj.pk, name=name, actor=actor, comment=comment,
                           data=data, as_system=True)
        return True
    except Conflict:
        return False


def today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or clock.now())  # clock: the demo's story time, else now


# First key of the two-key advisory lock: "sweep jobs" (the second is the job's crc32).
ADVISORY_NAMESPACE = 0x5EE9


@dataclass(frozen=True)
class JobOutcome:
    label: str
    status: str  # "ok" | "failed" | "busy" (running elsewhere) | "fresh" (ran within min_interval)
    count: int = 0
    error: str = ""
    exception: BaseException | None = field(default=None, compare=False, repr=False)


def history_checkpoint(now) -> int:
    """The kernel's job: one signed history checkpoint a day (when HISTORY_CHECKPOINT_DIR is set)."""
    from .audit.checkpoint import daily

    return daily(now)


def jobs(only: str | None = None) -> list[tuple[str, object]]:
    """(label, job) of every registered sweep job, labelled ``<workflow>.<function>``, and the
    kernel's daily history checkpoint (``kernel.history_checkpoint``)."""
    found = [(f"{wf.name}.{getattr(job, '__name__', 'job')}", job)
             for wf in registry.workflows() if not only or wf.name == only for job in wf.sweeps]
    if not only:
        found.append(("kernel.history_checkpoint", history_checkpoint))
    return found


@contextlib.contextmanager
def job_lock(label: str):
    """Yield True if this process now holds ``label``'s lock (always True outside PostgreSQL,
    where there is one machine). A session-level lock: it survives the job's own transactions
    and is released in ``finally`` (or by the server if the connection dies)."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = zlib.crc32(label.encode()) - 2**31  # into int4's range
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_NAMESPACE, key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_NAMESPACE, key])
            except Exception:  # noqa: BLE001 - a dead connection has released it already
                log.warning("could not release the sweep lock of %s", label, exc_info=True)


def _host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _run_job(label: str, job, now: dt.datetime, min_interval: dt.timedelta | None) -> JobOutcome:
    from .models import SweepJob

    with job_lock(label) as acquired:
        if not acquired:
            return JobOutcome(label, "busy")
        status, _created = SweepJob.objects.get_or_create(name=label)
        started = timezone.now()
        if min_interval and status.last_success_at and status.last_success_at > started - min_interval:
            return JobOutcome(label, "fresh")
        SweepJob.objects.filter(pk=status.pk).update(last_started_at=started, last_host=_host())
        # Inside a caller's transaction (tests, or a caller that wraps the sweep) a failing job
        # must not poison it: give the job a savepoint there. Otherwise each of the job's own
        # writes commits on its own, as in production.
        isolate = transaction.atomic if connection.in_atomic_block else contextlib.nullcontext
        try:
            with isolate():
                count = int(job(now) or 0)
        except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the others
            log.exception("sweep job %s failed", label)
            error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
            finished = timezone.now()
            SweepJob.objects.filter(pk=status.pk).update(
                last_finished_at=finished, last_failure_at=finished, last_error=error,
                consecutive_failures=status.consecutive_failures + 1)
            return JobOutcome(label, "failed", error=error, exception=exc)
        finished = timezone.now()
        SweepJob.objects.filter(pk=status.pk).update(
            last_finished_at=finished, last_success_at=finished, last_count=count, consecutive_failures=0)
        return JobOutcome(label, "ok", count=count)


def run_sweep_jobs(now: dt.datetime | None = None, only: str | None = None,
                   min_interval: dt.timedelta | None = None) -> list[JobOutcome]:
    """Run every job (or one workflow's) once, each isolated; never raises for a job's error."""
    now = now or timezone.now()
    outcomes = []
    with acting_as(system_actor()), request_context.system():
        for label, job in jobs(only):
            outcomes.append(_run_job(label, job, now, min_interval))
    return outcomes


def run_sweeps(now: dt.datetime | None = None, only: str | None = None) -> dict[str, int]:
    """{label: actions this run did} (a job skipped because another machine runs it: 0).

    Every job runs; if one failed, its exception is raised afterwards (recorded and logged as
    well), so a direct caller — a test — sees it. The command uses ``run_sweep_jobs``."""
    outcomes = run_sweep_jobs(now, only)
    for o in outcomes:
        if o.exception is not None:
            raise o.exception
    return {o.label: o.count for o in outcomes}


def overdue_jobs(now: dt.datetime | None = None) -> list[tuple[str, object]]:
    """(label, SweepJob or None) of registered jobs that are overdue or failing, for the admin."""
    from .models import SweepJob

    rows = {j.name: j for j in SweepJob.objects.filter(name__in=[label for label, _job in jobs()])}
    found = []
    for label, _job in jobs():
        row = rows.get(label)
        if row is None or row.is_overdue(now) or row.is_failing():
            found.append((label, row))
    return found
