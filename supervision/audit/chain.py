"""Hash chain over history rows, per record (DESIGN §3.3, §6).

Every historical row stores ``prev_hash`` (the ``row_hash`` of the previous row of the same
record) and ``row_hash`` = sha256 over its canonical content. Rows are linked in
``ChainedHistoryModel.save`` under ``lock_record``; the unique (id, prev_hash) constraint of
every history table refuses a fork. ``verify`` walks every history table (raw values, streamed
per table) and reports the first row whose link or content does not match; with a checkpoint
(``supervision.audit.checkpoint``) it also proves that nothing the checkpoint covered is gone.
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import IntegrityError, connections, models, router, transaction

from supervision import clock
from supervision.errors import Conflict

HASH_FIELDS = {"row_hash", "history_id"}
# Added after the first rows were written: left out of the digest while empty, so rows written
# before them still verify (a filled-in value is hashed like any other field).
OPTIONAL_WHEN_EMPTY = {"history_username", "history_user_name", "client_ip", "request_id", "via"}
# The same for one history table only ("<db_table>.<attname>"): a column a workflow added to an
# audited model later (issue 20: cases_historicalcase.registered_by_id …).
OPTIONAL_WHEN_EMPTY_IN = {
    "cases_historicalcase.registered_by_id",
    "cases_historicalaccountabilitymatter.handler_id",
    "cases_historicalaccountabilitymatter.investigation_started_on",
    "cases_historicalaccountabilitymatter.pending_kind",
    "cases_historicalaccountabilitymatter.pending_by_id",
    "cases_historicalaccountabilitymatter.pending_at",
    "cases_historicalaccountabilitymatter.pending_data",
    "cases_historicalaccountabilitymatter.decided_by_id",
    # issue 15: the handling unit, routing and escalation (a False flag is empty too)
    "cases_historicalcase.handling_township_id",
    "cases_historicalcase.routed_at",
    "cases_historicalcase.routed_by_id",
    "cases_historicalcase.route_share_reporter",
    "cases_historicalcase.route_due_on",
    "cases_historicalcase.route_disposed_at",
    "cases_historicalcase.take_up_requested",
    "cases_historicalcase.taken_up_at",
    "cases_historicalcase.taken_up_from_id",
    "cases_historicalcase.supervised",
    "cases_historicalcase.supervise_due",
    "cases_historicalcase.supervise_reported_at",
    "cases_historicalcasesubject.is_township_cadre",
}


class HistoryConflict(Conflict):
    """409: another writer linked a row to the same predecessor first (a refused fork)."""


class HistoryImmutable(Exception):
    """History and the read log are append-only: an ORM update or delete of a row is refused."""


def historical_models() -> list[type[models.Model]]:
    from supervision.models import ChainedHistoryModel

    return sorted(
        (m for m in apps.get_models() if issubclass(m, ChainedHistoryModel)),
        key=lambda m: m._meta.label,
    )


def audited_tables() -> list[str]:
    """Every table that is append-only: the history tables and the read log."""
    from supervision.models import ReadAccess

    return [m._meta.db_table for m in historical_models()] + [ReadAccess._meta.db_table]


# --- canonical values ----------------------------------------------------------------------------

def _dt(value, field):
    if isinstance(value, str):
        value = field.to_python(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def _converter(field: models.Field) -> Callable:
    """value → canonical JSON value, for one field (chosen once per field, not per row)."""
    if isinstance(field, models.DateTimeField):
        return lambda v: None if v is None else _dt(v, field)
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else (v if isinstance(v, dt.date) else field.to_python(v)).isoformat()
    if isinstance(field, models.DecimalField):
        quantum = decimal.Decimal(1).scaleb(-field.decimal_places)
        return lambda v: None if v is None else str(decimal.Decimal(v).quantize(quantum))
    if isinstance(field, models.FileField):
        return lambda v: None if v is None else str(getattr(v, "name", v) or "")
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(field, models.BooleanField):
        return lambda v: None if v is None else bool(v)
    if isinstance(field, (models.IntegerField, models.AutoField)):
        return lambda v: None if v is None else int(v)
    if isinstance(field, models.FloatField):
        return lambda v: None if v is None else repr(float(v))
    return lambda v: None if v is None else str(v)


def _canonical_value(field: models.Field, value):
    return _converter(field)(value)


@dataclass
class _Digester:
    """Computes row hashes of one history table from raw values (attname order)."""

    table: str
    attnames: list[str]
    converters: list[Callable]

    @classmethod
    def for_model(cls, model) -> _Digester:
        fields = [f for f in model._meta.concrete_fields if f.attname not in HASH_FIELDS]
        return cls(model._meta.db_table, [f.attname for f in fields], [_converter(f) for f in fields])

    def digest(self, values: Iterable) -> str:
        content = {}
        for name, convert, value in zip(self.attnames, self.converters, values, strict=True):
            value = convert(value)
            if name in OPTIONAL_WHEN_EMPTY and value in ("", None):
                continue
            if (value in ("", None, "{}") or value is False) and f"{self.table}.{name}" in OPTIONAL_WHEN_EMPTY_IN:
                continue
            content[name] = value
        payload = json.dumps([self.table, content], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_digesters: dict[type, _Digester] = {}


def digester(model) -> _Digester:
    found = _digesters.get(model)
    if found is None:
        found = _digesters[model] = _Digester.for_model(model)
    return found


def row_digest(row: models.Model) -> str:
    d = digester(type(row))
    return d.digest(getattr(row, name) for name in d.attnames)


# --- linking -------------------------------------------------------------------------------------

def _int32(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= (1 << 31) else n


def lock_key(model, object_id) -> tuple[int, int]:
    """The advisory-lock key of one record's chain: (table, id) as two int4."""
    table = zlib.crc32(model._meta.db_table.encode())
    try:
        obj = int(object_id)
    except (TypeError, ValueError):
        obj = zlib.crc32(str(object_id).encode())
    return _int32(table), _int32(obj)


def lock_record(model, object_id, using=None) -> None:
    """Serialise the writers of one record's history until the end of the transaction.

    PostgreSQL: a transaction-scoped advisory lock keyed by table and record id (a writer of
    another record never waits). SQLite serialises every writer of the database anyway.
    """
    using = using or router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", lock_key(model, object_id))


# On a record: its chain's head (the last history row's hash), read after its row lock was taken
# in this transaction (``run_transition``). The record's next history row links to it without
# the advisory lock or another read: every other writer of that chain must first UPDATE (or
# DELETE) the locked row, so it waits for this transaction's commit. Used once (popped).
KNOWN_HEAD = "_history_chain_head"

_history_models: dict[type, type] = {}


def history_model(model) -> type:
    """The history model of a tracked model (``model.history`` builds a manager on every access)."""
    found = _history_models.get(model)
    if found is None:
        found = _history_models[model] = model.history.model
    return found


def previous_hash(model: type[models.Model], object_id, using=None) -> str:
    manager = model._default_manager.db_manager(using) if using else model._default_manager
    return manager.filter(id=object_id).order_by("-history_id").values_list("row_hash", flat=True).first() or ""


def is_fork(exc: IntegrityError, model) -> bool:
    from supervision.constraints import violated

    found = violated(exc, model)
    return found is not None and found[0].endswith("_chain")


def on_pre_create(sender, instance, history_instance, using=None, **kwargs):
    """simple-history signal: stamp the transition metadata and the actor as plain values.

    The row is chained in ``ChainedHistoryModel.save`` (under the record's lock)."""
    from supervision.models import ChainedHistoryModel

    if not isinstance(history_instance, ChainedHistoryModel):
        return
    from supervision.models.rowsql import PENDING_UPDATE

    same_record = str(history_instance.id) == str(instance.pk)
    head = instance.__dict__.pop(KNOWN_HEAD, None)
    if head is not None and same_record:
        history_instance._chain_head = head
    pending = instance.__dict__.pop(PENDING_UPDATE, None)  # the record's UPDATE, run with this row's INSERT
    if pending is not None:
        (history_instance if same_record else instance).__dict__[PENDING_UPDATE] = pending
    story = clock.story_now()  # a demo step replayed at its story date (supervision.demo.story_at)
    if story is not None:
        history_instance.history_date = story
    history_instance.transition = getattr(instance, "_transition_name", "") or ""
    history_instance.from_state = getattr(instance, "_transition_from", "") or ""
    history_instance.to_state = getattr(instance, "_transition_to", "") or ""
    user = kwargs.get("history_user")
    if user is None and history_instance.history_user_id:
        user = history_instance.history_user
    if user is not None:
        history_instance.history_username = user.username[:150]
        display = user.display_name() if hasattr(user, "display_name") else user.get_username()
        history_instance.history_user_name = (display or user.username)[:150]


# --- verification --------------------------------------------------------------------------------

@dataclass
class TableState:
    """Where one table's chains stand: rows, the last history_id, and per record
    (count, last history_id, last row_hash)."""

    rows: int = 0
    max_history_id: int = 0
    records: dict = field(default_factory=dict)

    def head(self, table: str) -> str:
        h = hashlib.sha256()
        for object_id in sorted(self.records, key=str):
            h.update(f"{table}:{object_id}:{self.records[object_id][2]}\n".encode())
        return h.hexdigest()


@dataclass
class VerifyResult:
    ok: bool
    rows: int
    head: str
    broken_table: str = ""
    broken_history_id: int | None = None
    broken_object_id: str = ""
    reason: str = ""
    tables: dict = field(default_factory=dict)  # table → TableState (when ok)
    problems: list = field(default_factory=list)  # every problem found: (table, object_id, reason)
    rows_read: int = 0  # rows streamed from the history tables (incremental: only the new ones)


CHUNK = 5000


def stream_rows(model, *, after_history_id: int = 0, using=None):
    """(history_id, id, prev_hash, row_hash, digest values…) of ``model``'s rows after
    ``after_history_id``, in history_id order, as raw tuples (never model instances), from one
    statement read ``CHUNK`` rows at a time: on PostgreSQL a server-side cursor inside a
    transaction (the table's rows as of one snapshot). Keyset pages (``history_id > last …
    LIMIT``) were planned afresh each: on a table whose statistics were never gathered (a bulk
    load, autovacuum off) every page was a scan and sort of the whole table."""
    d = digester(model)
    using = using or router.db_for_read(model)
    columns = ["history_id", "id", "prev_hash", "row_hash", *d.attnames]
    rows = (model._default_manager.db_manager(using).filter(history_id__gt=after_history_id)
            .order_by("history_id").values_list(*columns))
    with transaction.atomic(using=using):
        yield from rows.iterator(chunk_size=CHUNK)


def verify_table(model, *, start: TableState | None = None, anchors: dict | None = None,
                 using=None) -> tuple[TableState, tuple | None, list]:
    """Walk ``model``'s rows after ``start`` (a checkpoint's state; None: from the first row).

    ``anchors`` (a checkpoint's records: id → (rows, last history_id, last hash)) are checked on
    the way: each record must reach its anchored row with the same hash after the same number
    of rows. Returns the state reached, the first broken row as (history_id, object_id, reason),
    and the anchor problems as [(object_id, reason)]."""
    d = digester(model)
    state = TableState(rows=start.rows, max_history_id=start.max_history_id,
                       records=dict(start.records)) if start else TableState()
    records = state.records
    pending = dict(anchors) if anchors else None
    anchor_problems = []
    for history_id, object_id, prev_hash, row_hash, *values in stream_rows(
            model, after_history_id=state.max_history_id, using=using):
        known = records.get(object_id)
        expected_prev = known[2] if known else ""
        if prev_hash != expected_prev:
            return state, (history_id, object_id, "prev_hash does not link to the previous row of this record"), []
        if row_hash != d.digest(values):
            return state, (history_id, object_id, "row content does not match its hash"), []
        count = (known[0] if known else 0) + 1
        records[object_id] = (count, history_id, row_hash)
        state.rows += 1
        state.max_history_id = history_id
        if pending is not None:
            anchor = pending.get(object_id)
            if anchor is not None and history_id >= anchor[1]:
                del pending[object_id]
                if history_id != anchor[1]:
                    anchor_problems.append((object_id, f"checkpointed row history_id={anchor[1]} is gone"))
                elif row_hash != anchor[2]:
                    anchor_problems.append((object_id, f"row history_id={anchor[1]} no longer has the checkpointed "
                                                       "hash (chain rewritten)"))
                elif count != anchor[0]:
                    anchor_problems.append((object_id, f"{anchor[0] - count} checkpointed rows removed"))
    for object_id, anchor in (pending or {}).items():
        now = records.get(object_id)
        if now is None:
            anchor_problems.append((object_id, f"all {anchor[0]} checkpointed rows of this record are gone"))
        else:
            anchor_problems.append((object_id, f"checkpointed row history_id={anchor[1]} is gone "
                                               f"({now[0]} of {anchor[0]} rows left)"))
    return state, None, anchor_problems


def verify(*, models_: list | None = None, using=None) -> VerifyResult:
    """Verify every history table from its first row (DESIGN §3.3)."""
    rows = 0
    heads = hashlib.sha256()
    tables = {}
    for model in models_ or historical_models():
        table = model._meta.db_table
        state, broken, _anchors = verify_table(model, using=using)
        rows += state.rows
        if broken is not None:
            history_id, object_id, reason = broken
            return VerifyResult(False, rows + 1, "", table, history_id, str(object_id), reason,
                                problems=[(table, str(object_id), reason)])
        tables[table] = state
        for object_id in sorted(state.records, key=str):
            heads.update(f"{table}:{object_id}:{state.records[object_id][2]}\n".encode())
    return VerifyResult(True, rows, heads.hexdigest(), tables=tables, rows_read=rows)
