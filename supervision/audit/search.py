"""历史审计: the auditors' search over every history table — each record type's own, its parts'
(``RecordType.parts``) and the attachments' — by what an auditor knows (issue 13 item 3):

- the action by its label in either language (「销号」「审核销号」「Close」) or its code (``close``);
- the actor by name (「杨南诏」) or username, as recorded on the row (or the user's name now);
- the record by its number (巍督〔2026〕5号) or title; the record type; the township; a date
  range; the channel (``via``: page, API, sweep, admin, command).

Scoped by ``access.visible`` like everything else. Every result names and links its record and
carries the readable diff (``supervision.audit.diff``). ``audit_page`` returns one page of
``PAGE_SIZE`` rows, newest first, and the keyset ``Cursor`` of the next (older) page: every
table is read from the cursor on with ``LIMIT PAGE_SIZE + 1`` on its ``(history_date,
history_id)`` order, so a page costs the same at the first row and the millionth.
``audit_rows`` streams every matching row (newest first) for the exports, in keyset-paginated
chunks, a fixed number of queries per chunk; ``audit_search`` is its first ``limit`` rows.

The rows of all tables are merged on (history_date, history table, history_id), newest first:
a total order, so a cursor names one place in it exactly.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections, models
from django.db.models import CharField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from supervision import access, plans, registry
from supervision.audit import context
from supervision.audit.diff import (
    TYPE_LABELS,
    HistoryFormatter,
    operation_label,
    operation_names,
    reason_text,
)

MAX_ROWS = 500
PAGE_SIZE = 30
CHUNK = 500
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Record fields an auditor searches by (number, title, names), own or one registered FK away.
TEXT_FIELDS = ("number", "title", "name", "problem", "head_name", "talent_name", "helper_name")


@dataclass
class AuditQuery:
    actor: str = ""
    record_type: str = ""
    township_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    action: str = ""
    record: str = ""
    via: str = ""

    # the old names (username / transition), still accepted
    @property
    def username(self) -> str:
        return self.actor

    @property
    def transition(self) -> str:
        return self.action


_history_models: dict[type, type] = {}


def _history(model) -> type:
    """The history model of ``model`` (``model.history`` builds a manager class on every access)."""
    found = _history_models.get(model)
    if found is None:
        found = _history_models[model] = model.history.model
    return found


def _aware(day: dt.date, end=False):
    t = dt.time.max if end else dt.time.min
    return timezone.make_aware(dt.datetime.combine(day, t))


def _text_q(model, text: str, prefix: str = "", depth: int = 1) -> Q | None:
    from supervision.models import Person

    q = None
    for f in model._meta.concrete_fields:
        if f.name in TEXT_FIELDS and isinstance(f, CharField | models.TextField):
            cond = Q(**{f"{prefix}{f.name}__icontains": text})
            q = cond if q is None else q | cond
    if depth:
        for f in model._meta.concrete_fields:
            if f.is_relation and f.many_to_one and (registry.is_registered(f.related_model)
                                                   or f.related_model is Person):
                sub = _text_q(f.related_model, text, f"{prefix}{f.name}__", depth - 1)
                if sub is not None:
                    q = sub if q is None else q | sub
    return q


def _type_codes(action: str) -> set[str]:
    """history_type codes (+ ~ -) whose label matches ``action`` in either language."""
    from django.utils import translation

    q = action.strip().casefold()
    found = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in TYPE_LABELS.items():
                if q == code or q in str(label).casefold():
                    found.add(code)
    return found


@dataclass
class _Source:
    """One history table's rows for the search: how they link to their record."""

    rt: registry.RecordType  # the record the rows belong to
    model: type  # the audited model (the record's, a part's, or Attachment)
    qs: models.QuerySet  # the history rows, filtered
    record_of: str  # attribute of a history row holding the record id
    part: registry.Part | None = None
    label: str = ""
    attachment: bool = False

    def by_key(self) -> models.QuerySet:
        """This table's history rows, unfiltered, with ``record_of`` (to read rows by key)."""
        qs = _history(self.model).objects.all()
        return qs.annotate(_record=models.F(self.part.path)) if self.part is not None else qs


def _actor_q(text: str) -> Q:
    from supervision.models import User

    users = User.objects.filter(Q(username__iexact=text) | Q(first_name__icontains=text)
                                | Q(last_name__icontains=text) | Q(person__name__icontains=text)).values("pk")
    return (Q(history_username__iexact=text) | Q(history_user_name__icontains=text)
            | Q(history_username="", history_user__in=users))


def _row_filters(hist, query: AuditQuery, codes: set[str] | None, types: set[str]) -> models.QuerySet | None:
    qs = hist.objects.all()
    if query.action:
        cond = Q(transition__in=codes) if codes else None
        if types:
            t = Q(history_type__in=types, transition="")
            cond = t if cond is None else cond | t
        if cond is None:
            return None
        qs = qs.filter(cond)
    if query.actor:
        qs = qs.filter(_actor_q(query.actor))
    if query.via:
        qs = qs.filter(via=query.via)
    if query.date_from:
        qs = qs.filter(history_date__gte=_aware(query.date_from))
    if query.date_to:
        qs = qs.filter(history_date__lte=_aware(query.date_to, end=True))
    return qs


def _all_codes() -> set[str]:
    from supervision.audit.diff import registered_operations
    from supervision.audit.timeline import kernel_operation_labels

    return ({name for rt in registry.record_types() for name in (*rt.transitions(), *registered_operations(rt.model))}
            | set(kernel_operation_labels()))


def _model_at(model, path: str):
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def sources(*, user, query: AuditQuery) -> list[_Source]:
    """Every history table the query reads, filtered (querysets, not yet run)."""
    from supervision.models import Attachment

    rts = [rt for rt in registry.record_types() if access.can_anywhere(user, rt, "view")]
    if query.record_type:
        rts = [rt for rt in rts if rt.key == query.record_type]
    types = _type_codes(query.action) if query.action else set()
    # an operation's code (``close``) means that operation wherever it occurs; other text is
    # matched against each record type's labels
    code = query.action.strip() if query.action and query.action.strip() in _all_codes() else ""
    found, attachment_q = [], None
    # a part shown under several record types is searched once, under its nearest record
    nearest: dict[type, tuple[int, str]] = {}
    for rt in registry.record_types():
        for part in rt.parts:
            if registry.is_registered(part.model):
                continue
            depth = part.path.count("__")
            if part.model not in nearest or depth < nearest[part.model][0]:
                nearest[part.model] = (depth, rt.key)
    for rt in rts:
        visible = access.visible(user, rt.model)
        if query.township_id:
            if rt.scope_lookup is None:
                continue
            visible = visible.filter(**{rt.scope_lookup: query.township_id})
        if query.record:
            text = _text_q(rt.model, query.record)
            if text is None:
                continue
            visible = visible.filter(text)
        ids = visible.values("pk")
        codes = ({code} if code else operation_names(query.action, [rt])) if query.action else None
        own = _row_filters(_history(rt.model), query, codes, types)
        if own is not None:
            found.append(_Source(rt, rt.model, own.filter(id__in=ids), "id"))
        for part in rt.parts:
            if registry.is_registered(part.model) or nearest.get(part.model, (0, ""))[1] != rt.key:
                continue
            rows = _row_filters(_history(part.model), query, codes, types)
            if rows is None:
                continue
            rows = rows.filter(**{f"{part.path}__in": ids})
            if part.scope:
                rows = rows.filter(**{f"{part.scope}__in": access.visible(
                    user, _model_at(part.model, part.scope)).values("pk")})
            found.append(_Source(rt, part.model, rows.annotate(_record=models.F(part.path)), "_record", part=part,
                                 label=str(part.label or part.model._meta.verbose_name)))
        cond = Q(record_type=rt.key, object_id__in=visible.annotate(_s=Cast("pk", CharField())).values("_s"))
        attachment_q = cond if attachment_q is None else attachment_q | cond
    if attachment_q is not None:
        rows = _row_filters(_history(Attachment), query, set(), types)
        if rows is not None:
            found.append(_Source(None, Attachment, rows.filter(attachment_q), "object_id", label=_("附件"),
                                 attachment=True))
    return found


def _with_previous(qs):
    hist = qs.model
    return qs.annotate(_prev=Subquery(hist.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
                                      .order_by("-history_id").values("history_id")[:1]))


@dataclass(frozen=True)
class Cursor:
    """A place in the merged order: the rows older than (date, table, history_id) come next."""

    date: dt.datetime
    table: str
    history_id: int

    def encode(self) -> str:
        micros = (self.date - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}_{self.history_id}_{self.table}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor of ``encode``; ValueError for anything else."""
        micros, history_id, table = text.split("_", 2)
        if not table or not table.replace("_", "").isalnum() or not micros.isdigit() or not history_id.isdigit():
            raise ValueError(text)
        micros, history_id = int(micros), int(history_id)
        if micros > 10 ** 17 or history_id > 2 ** 63:
            raise ValueError(text)
        return cls(_EPOCH + dt.timedelta(microseconds=micros), table, history_id)


def _table(source: _Source) -> str:
    return _history(source.model)._meta.db_table


def _older_than(table: str, cursor: Cursor) -> Q:
    """Rows of ``table`` after ``cursor`` in the merged (date, table, history_id) descending order."""
    if table < cursor.table:
        return Q(history_date__lte=cursor.date)
    if table > cursor.table:
        return Q(history_date__lt=cursor.date)
    return Q(history_date__lt=cursor.date) | Q(history_date=cursor.date, history_id__lt=cursor.history_id)


def _keys(srcs: list[_Source], after: Cursor | None, n: int) -> list[tuple[int, int]]:
    """(source index, history_id) of the ``n`` newest matching rows of all sources after
    ``after``, in the merged order: one statement, each table's part ``ORDER BY history_date
    DESC, history_id DESC LIMIT n`` (an index scan: ``supervision.audit.indexes``), merged by
    ``UNION ALL … ORDER BY … LIMIT n``."""
    if not srcs:
        return []
    using = srcs[0].qs.db
    parts, params = [], []
    for i, source in enumerate(srcs):
        qs = source.qs
        if after is not None:
            qs = qs.filter(_older_than(_table(source), after))
        qs = qs.order_by("-history_date", "-history_id").values_list("history_date", "history_id")[:n]
        sql, args = qs.query.get_compiler(using=using).as_sql()
        table = _table(source)
        assert table.replace("_", "").isalnum(), table  # a model's table name, inlined as a literal
        parts.append(f"SELECT k.history_date AS d, '{table}' AS t, k.history_id AS h, {i} AS s FROM ({sql}) k")
        params.extend(args)
    sql = " UNION ALL ".join(parts) + f" ORDER BY d DESC, t DESC, h DESC LIMIT {int(n)}"
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(i), int(h)) for _d, _t, h, i in cursor.fetchall()]


# --- the statement of a scope shape, compiled once -------------------------------------------
#
# ``_keys`` builds and compiles every table's queryset for each page: at province scale (36
# history tables) that is most of the page's time, and PostgreSQL plans the statement afresh
# each time (its text changes with the cursor's table). A ``_Statement`` is that statement compiled once
# per scope shape — the user (what ``access.visible`` reads of them: id, grants, person), the
# query but its township, whether a cursor and a township are given, the page size — with the
# township and the cursor as parameters found by their marker values, so a later page or
# another township only binds new values into the same text (and PostgreSQL runs it prepared,
# with its generic plan, but for a search by text: ``_planned``). The rows of a page are then
# read by key (``_rows``), the same for both.
#
# The cursor's condition is uniform over the tables (one text whatever the cursor's table):
# ``history_date <= d AND (history_date < d OR history_id <= h)``, with ``h`` the cursor's
# ``history_id - 1`` in its own table, every id in the tables before it in the merged order, none
# in those after it: the rows ``_older_than`` selects.

_MARK_DATE = dt.datetime(1901, 2, 3, 4, 5, 6, 70809, tzinfo=dt.UTC)  # no cursor is this old
# negative (no row nor township has such an id) and in every integer column's range (Django
# answers an out-of-range value without a parameter)
_MARK_ID = -2_087_654_321
_MARK_TOWNSHIP = -2_087_654_323
_ALL_IDS, _NO_ID = 2 ** 63 - 1, -2 ** 63  # ``history_id <= h``: every row at the cursor's date, none
STATEMENTS_KEPT = 128  # scope shapes kept (least recently used dropped)
_statements: OrderedDict = OrderedDict()
_statements_lock = threading.Lock()


def _cursor_q(date, history_id) -> Q:
    return Q(history_date__lte=date) & (Q(history_date__lt=date) | Q(history_id__lte=history_id))


def _bound_id(table: str, cursor: Cursor) -> int:
    """``h`` of ``_cursor_q`` for ``table``'s rows at the cursor's date."""
    if table < cursor.table:
        return _ALL_IDS
    if table > cursor.table:
        return _NO_ID
    return cursor.history_id - 1


class _Statement:
    """The ``_keys`` statement of one scope shape: sources, SQL text, parameters and the places
    of the township and cursor in them."""

    def __init__(self, srcs: list[_Source], township: bool, generic: bool = True):
        self.srcs = srcs
        self.township = township
        self.generic = generic  # how PostgreSQL plans it (``_planned``)
        self.tables = [_table(s) for s in srcs]
        self.using = srcs[0].qs.db if srcs else "default"
        self.compiled: dict[tuple[int, bool], tuple] = {}

    def _compile(self, n: int, cursor: bool):
        """(sql, params, slots) for ``n`` rows, with or without a cursor; ``None`` if the markers
        cannot be told apart from the other parameters (the caller compiles ``_keys``)."""
        connection = connections[self.using]
        date_field = _history(self.srcs[0].model)._meta.get_field("history_date")
        mark_date = date_field.get_db_prep_value(_MARK_DATE, connection, prepared=True)
        parts, params, slots = [], [], []
        for i, source in enumerate(self.srcs):
            qs = source.qs
            if cursor:
                qs = qs.filter(_cursor_q(_MARK_DATE, _MARK_ID))
            qs = qs.order_by("-history_date", "-history_id").values_list("history_date", "history_id")[:n]
            sql, args = qs.query.get_compiler(using=self.using).as_sql()
            table = self.tables[i]
            assert table.replace("_", "").isalnum(), table  # a model's table name, inlined as a literal
            parts.append(f"SELECT k.history_date AS d, '{table}' AS t, k.history_id AS h, {i} AS s FROM ({sql}) k")
            found = {"date": 0, "id": 0}
            for arg in args:
                if arg == _MARK_ID:
                    slots.append((len(params), "id", i))
                    found["id"] += 1
                elif arg == _MARK_TOWNSHIP:
                    slots.append((len(params), "township", i))
                elif cursor and arg == mark_date:
                    slots.append((len(params), "date", i))
                    found["date"] += 1
                params.append(arg)
            if cursor and (found["id"], found["date"]) != (1, 2):
                return None
        sql = " UNION ALL ".join(parts) + f" ORDER BY d DESC, t DESC, h DESC LIMIT {int(n)}"
        if self.township and not any(kind == "township" for _p, kind, _i in slots):
            return None
        return sql, params, slots

    def keys(self, after: Cursor | None, n: int, township_id: int | None = None) -> list[tuple[int, int]] | None:
        """What ``_keys(sources(...), after, n)`` returns; ``None`` when this shape has no
        statement of its own (the caller compiles ``_keys``)."""
        if not self.srcs:
            return []
        shape = (n, after is not None)
        if shape not in self.compiled:
            self.compiled[shape] = self._compile(n, after is not None)
        compiled = self.compiled[shape]
        if compiled is None:
            return None
        sql, params, slots = compiled
        connection = connections[self.using]
        if slots:
            params = list(params)
            if after is not None:
                date_field = _history(self.srcs[0].model)._meta.get_field("history_date")
                date = date_field.get_db_prep_value(after.date, connection, prepared=True)
            for place, kind, i in slots:
                if kind == "township":
                    params[place] = township_id
                elif kind == "date":
                    params[place] = date
                else:
                    params[place] = _bound_id(self.tables[i], after)
        with connection.cursor() as cursor, _planned(connection, cursor, generic=self.generic):
            cursor.execute(sql, params)
            return [(int(i), int(h)) for _d, _t, h, i in cursor.fetchall()]


@contextlib.contextmanager
def _planned(connection, cursor, *, generic: bool):
    """How PostgreSQL plans the statement run inside, when prepared statements are on
    (server-side binding and ``DB_PREPARE_THRESHOLD``); elsewhere nothing changes.

    ``generic``: prepared at once and run with its generic plan. Its text is the same for every
    page and township, but PostgreSQL would plan it afresh (~6 ms at province scale, more than
    it takes to run) the first ``DB_PREPARE_THRESHOLD`` times it runs on a connection and the
    five times after (its custom plans). Measured at province scale, generic against planned with
    the values: the first and next page, a township, dates, an action, a channel, a type — 0.4–1.8
    ms against 1.5–25 ms.

    Otherwise (a search by text, ``record`` or ``actor``: ``ILIKE '%…%'``) never prepared, so
    always planned with its values: the generic plan of the record search's next page ran 225
    ms against 30 ms, and PostgreSQL's own choice (after five custom plans) took it."""
    server_side = connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get("server_side_binding")
    raw = connection.connection if server_side else None
    threshold = getattr(raw, "prepare_threshold", None)
    if threshold is None:
        yield
        return
    if not generic:
        raw.prepare_threshold = None
        try:
            yield
        finally:
            raw.prepare_threshold = threshold
        return
    cursor.execute("SET plan_cache_mode = force_generic_plan")
    raw.prepare_threshold = 0
    try:
        yield
    finally:
        raw.prepare_threshold = threshold
        try:
            cursor.execute("RESET plan_cache_mode")
        except Exception:  # an aborted transaction: its rollback undoes the SET
            if not connection.in_atomic_block:
                raise


def _shape(user, query: AuditQuery) -> tuple:
    """What ``sources`` reads of the user and the query, but the township's id: the key of a
    ``_Statement``."""
    from django.utils import translation

    fields = dataclasses.astuple(dataclasses.replace(query, township_id=None))
    return (getattr(user, "pk", None), getattr(user, "is_active", None), getattr(user, "person_id", None),
            tuple(access.grants(user)), fields, query.township_id is not None, translation.get_language(),
            timezone.get_current_timezone_name(), tuple(id(rt) for rt in registry.record_types()))


def _statement(user, query: AuditQuery) -> _Statement | None:
    """The cached ``_Statement`` of this user's and query's scope shape (built on first use)."""
    township = query.township_id
    if township is not None and not (isinstance(township, int) and 0 < township <= _ALL_IDS):
        return None
    key = _shape(user, query)
    with _statements_lock:
        found = _statements.get(key)
        if found is not None:
            _statements.move_to_end(key)
            return found
    marked = dataclasses.replace(query, township_id=_MARK_TOWNSHIP) if township is not None else query
    found = _Statement(sources(user=user, query=marked), township is not None,
                       generic=not (query.record or query.actor))
    with _statements_lock:
        _statements[key] = found
        while len(_statements) > STATEMENTS_KEPT:
            _statements.popitem(last=False)
    return found


def _rows(srcs: list[_Source], keys: list[tuple[int, int]]) -> list[tuple[int, object]]:
    """The history rows of ``keys`` (one query per table they come from), in the keys' order.

    By primary key alone: the keys come from the filtered statement (``_keys``), so the rows
    are not filtered again (nor need the source's filters: a cached ``_Statement`` has none to
    give)."""
    wanted: dict[int, list[int]] = {}
    for i, history_id in keys:
        wanted.setdefault(i, []).append(history_id)
    found = {}
    for i, ids in wanted.items():
        source = srcs[i]
        key = ("audit_rows", source.model._meta.label_lower, source.part.path if source.part is not None else None)

        def build(ids, source=source):
            return _with_previous(source.by_key().filter(history_id__in=ids)).select_related("history_user")

        # compiled once per table and number of rows (``plans.rows``): the next page, another
        # township, the same text with other keys
        values = {"ids": tuple(ids)}
        found.update({(i, r.history_id): r for r in (
            plans.rows(key, build, values) if len(ids) <= plans.IN_BULK_PLANNED else build(**values))})
    return [(i, found[(i, h)]) for i, h in keys if (i, h) in found]


def _pages(srcs: list[_Source], size: int, after: Cursor | None = None,
           limit: int | None = None, keys=None) -> Iterator[tuple[list[tuple[int, object]], Cursor | None]]:
    """Pages of (source index, history row), newest first, each with the cursor of the next.
    ``keys(after, n)``: the keys of a page (``_keys`` of ``srcs`` without it)."""
    left = limit
    while left is None or left > 0:
        n = size if left is None else min(size, left)
        keys_found = keys(after, n + 1) if keys is not None else _keys(srcs, after, n + 1)
        more = len(keys_found) > n
        rows = _rows(srcs, keys_found[:n])
        following = None
        if more and rows:
            i, row = rows[-1]
            following = Cursor(row.history_date, _table(srcs[i]), row.history_id)
        yield rows, following
        if following is None:
            return
        after = following
        if left is not None:
            left -= len(rows)


def _search(user, query: AuditQuery, cached: bool = True):
    """(sources, ``keys(after, n)``) of a search: the cached ``_Statement`` of its scope shape
    (``cached``), or ``_keys`` compiled afresh when that has no statement for a page."""
    statement = _statement(user, query) if cached else None
    if statement is None:
        return sources(user=user, query=query), None
    plain = []

    def keys(after, n):
        found = statement.keys(after, n, query.township_id)
        if found is None:  # the same sources in the same order, with the township's id
            if not plain:
                plain.append(sources(user=user, query=query))
            found = _keys(plain[0], after, n)
        return found

    return statement.srcs, keys


def _format(source: _Source, rows: list, user, with_context: bool) -> list[dict]:
    """Result dicts for one chunk of one source: a fixed number of queries."""
    from supervision.audit.timeline import ATTACHMENT_SKIP

    hist = _history(source.model)
    previous = plans.in_bulk(("history", hist._meta.label_lower), hist.objects.all, [r._prev for r in rows if r._prev])
    fmt = HistoryFormatter(user)
    fmt.prepare(source.model, rows)
    fmt.prepare(source.model, previous.values())
    fmt.resolve()
    # the records the rows belong to: named, linked, and masked per record
    by_type: dict[str, set] = {}
    for r in rows:
        key = r.record_type if source.attachment else source.rt.key
        by_type.setdefault(key, set()).add(getattr(r, source.record_of))
    records = {}
    for key, ids in by_type.items():
        rt = registry.for_key(key)

        def build(rt=rt):
            qs = access.with_scope_related(rt.model._default_manager.all(), rt)  # what unmasked() reads
            return qs.select_related(*rt.list_related) if rt.list_related else qs

        ids = {int(i) for i in ids if str(i).isdigit()}
        records.update({(key, pk): obj for pk, obj in plans.in_bulk(("records", key), build, ids).items()})
    part_names = {}
    if source.part is not None:
        part_ids = {r.id for r in rows}
        model, related = source.model, tuple(source.part.related or ())

        def build():
            qs = model._default_manager.all()
            return qs.select_related(*related) if related else qs

        found = plans.in_bulk(("part_names", model._meta.label_lower, related), build, part_ids)
        part_names = {pk: str(o) for pk, o in found.items()}
    out = []
    # per record type, once per chunk: labels and state names as text (not per row)
    kinds: dict[str, tuple] = {}
    type_labels = {code: str(label) for code, label in TYPE_LABELS.items()}
    links: dict[tuple, tuple[str, str]] = {}
    operation_labels: dict[str, str] = {}  # this chunk's labels by code (one language, one model)
    reasons: dict = {}
    via_labels: dict = {}
    for r in rows:
        key = r.record_type if source.attachment else source.rt.key
        kind = kinds.get(key)
        if kind is None:
            rt = registry.for_key(key)
            state_field = rt.state_field if source.part is None and not source.attachment else None
            states = ({k: str(v) for k, v in rt.model._meta.get_field(state_field).flatchoices}
                      if state_field else {})
            kind = kinds[key] = (rt, states, str(rt.label or rt.model._meta.verbose_name))
        rt, states, record_label = kind
        record_id = getattr(r, source.record_of)
        try:
            record_id = int(record_id)
        except (TypeError, ValueError):
            pass
        obj = records.get((key, record_id))
        if source.attachment:
            masked, skip, part = set(), ATTACHMENT_SKIP, {"label": str(source.label), "name": r.name}
        elif source.part is not None:
            unmasked = obj is not None and access.unmasked(user, obj)
            masked = set() if unmasked else set(source.part.masked_fields)
            skip = {source.part.path.split("__")[0]}
            part = {"label": source.label, "name": part_names.get(r.id) or f"#{r.id}"}
        else:
            unmasked = obj is not None and access.unmasked(user, obj)
            masked, skip, part = (set() if unmasked else set(rt.masked_fields)), set(), None
        label = ""
        if r.transition:
            label = operation_labels.get(r.transition)
            if label is None:
                label = operation_labels[r.transition] = operation_label(source.model, r.transition)
        reason = reasons.get(r.history_change_reason)
        if reason is None:
            reason = reasons[r.history_change_reason] = reason_text(r.history_change_reason)
        via_label = ""
        if with_context:
            via_label = via_labels.get(r.via)
            if via_label is None:
                via_label = via_labels[r.via] = context.via_label(r.via)
        link = links.get((key, record_id))
        if link is None:
            link = links[(key, record_id)] = (
                str(obj) if obj is not None else f"#{record_id}",
                obj.get_absolute_url() if obj is not None and hasattr(obj, "get_absolute_url") else "")
        type_label = type_labels.get(r.history_type, r.history_type)
        out.append({
            "date": r.history_date,
            "when": "",  # by _format_batch: to the second where the minute is shared
            "record_type": key,
            "record_label": record_label,
            "object_id": record_id,
            "object": link[0],
            "url": link[1],
            "part": part,
            "user": r.actor_name,  # as recorded when the row was written
            "username": r.actor_username,
            "type": r.history_type,
            "type_label": type_label,
            "transition": r.transition,
            "transition_label": label,
            "action_label": label or type_label,
            "from_state": r.from_state,
            "to_state": r.to_state,
            "from_label": states.get(r.from_state, r.from_state),
            "to_label": states.get(r.to_state, r.to_state),
            "reason": reason,
            "changes": fmt.changes(source.model, r, previous.get(r._prev), masked=masked, skip=skip),
            "via": r.via if with_context else "",
            "via_label": via_label,
            "client_ip": r.client_ip if with_context else "",
            "request_id": r.request_id if with_context else "",
            "hash": r.row_hash,
            "history_id": r.history_id,
        })
    return out


def _format_batch(srcs, batch, user, with_context) -> list[dict]:
    """Format one batch of merged rows, source by source, keeping the merged order."""
    from collections import Counter, defaultdict

    by_source = defaultdict(list)
    for i, row in batch:
        by_source[i].append(row)
    formatted = {}
    for i, rows in by_source.items():
        for row, result in zip(rows, _format(srcs[i], rows, user, with_context), strict=True):
            formatted[(i, row.history_id)] = result
    out = [formatted[(i, row.history_id)] for i, row in batch]
    local = [timezone.localtime(r["date"]) if timezone.is_aware(r["date"]) else r["date"] for r in out]
    minutes = [t.strftime("%Y-%m-%d %H:%M") for t in local]  # local_minute's, localtime once a row
    shared = Counter(minutes)
    for r, t, minute in zip(out, local, minutes, strict=True):
        r["when"] = t.strftime("%Y-%m-%d %H:%M:%S") if shared[minute] > 1 else minute
    return out


def audit_rows(*, user, query: AuditQuery, chunk: int = CHUNK, limit: int | None = None) -> Iterator[dict]:
    """Every matching row (or the first ``limit``), newest first, streamed: keyset pages of
    ``chunk`` rows over every history table at once, formatted a page at a time (a fixed
    number of queries per page)."""
    from supervision.audit.timeline import shows_context

    with_context = shows_context(user)
    srcs, keys = _search(user, query)
    for rows, _following in _pages(srcs, chunk, limit=limit, keys=keys):
        if rows:
            yield from _format_batch(srcs, rows, user, with_context)


def audit_search(*, user, query: AuditQuery, limit: int = MAX_ROWS) -> list[dict]:
    """The newest ``limit`` matching rows."""
    return list(audit_rows(user=user, query=query, chunk=limit, limit=limit))


def audit_page(*, user, query: AuditQuery, after: Cursor | None = None,
               size: int = PAGE_SIZE) -> tuple[list[dict], Cursor | None]:
    """One page: the ``size`` newest matching rows older than ``after`` (the first page without
    it), and the cursor of the next page (None on the last)."""
    from supervision.audit.timeline import shows_context

    srcs, keys = _search(user, query)
    rows, following = next(_pages(srcs, size, after, keys=keys))
    return (_format_batch(srcs, rows, user, shows_context(user)) if rows else []), following


def audit_record_ids(*, user, query: AuditQuery, confidential_only: bool = False) -> dict[str, set]:
    """{record type: ids} of the records the query's rows belong to (one query per table): an
    export logs the confidential ones as read before it streams."""
    found: dict[str, set] = {}
    for s in sources(user=user, query=query):
        if s.attachment:
            for key, object_id in s.qs.values_list("record_type", "object_id").distinct():
                try:
                    confidential = registry.for_key(key).confidential
                except LookupError:
                    continue
                if confidential or not confidential_only:
                    found.setdefault(key, set()).add(object_id)
            continue
        if confidential_only and not s.rt.confidential:
            continue
        found.setdefault(s.rt.key, set()).update(s.qs.values_list(s.record_of, flat=True).distinct())
    return found


def audit_table(rows, *, with_context: bool = False):
    """(headers, lazy rows) for the CSV/XLSX export: the page's words, one line per change."""
    from supervision.audit.diff import changes_text

    headers = [_("时间"), _("记录类型"), _("记录"), _("编号"), _("部分"), _("操作人"), _("用户名"), _("操作"),
               _("原状态"), _("新状态"), _("理由"), _("变更内容")]
    if with_context:
        headers += [_("途径"), _("客户端地址"), _("请求编号")]
    headers.append(_("哈希"))

    def lines():
        for r in rows:
            part = f"{r['part']['label']} · {r['part']['name']}" if r["part"] else ""
            line = [r["when"], r["record_label"], r["object"], r["object_id"], part, r["user"], r["username"],
                    r["action_label"], r["from_label"], r["to_label"], r["reason"], changes_text(r["changes"])]
            if with_context:
                line += [r["via_label"], r["client_ip"], r["request_id"]]
            line.append(r["hash"])
            yield line

    return headers, lines()
