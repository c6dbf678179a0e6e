"""The two statements every audited write repeats, built once per model and column list.

A transition's save is one UPDATE of the record (with its version check) and one INSERT of its
history row. Django compiles both afresh on every save — a query object, a compiler, quoting of
every column — which is a large share of a transition's Python time (issue 11). These helpers
emit the same SQL Django would (same columns, same values prepared by the same
``get_db_prep_save``, same ``pre_save``), but the statement text is built once and kept.

They take only the plain case and return ``None`` otherwise, so the caller falls back to
Django: a value that is an expression (``F()``, a database default), a field with its own SQL
placeholder, a returning column that needs a converter, a model with parents (multi-table
inheritance).
"""
from __future__ import annotations

from django.db import connections, models
from django.db.models.sql import Query

_UPDATES: dict = {}
_INSERTS: dict = {}


def _plain_field(field) -> bool:
    return not hasattr(field, "get_placeholder")


def _versioned_statement(instance, using: str, pk_val, values, expected_version: int):
    """(sql, params) of ``UPDATE <table> SET <values> WHERE pk = %s AND version = %s``, or ``None``
    when the plain case does not apply."""
    meta = instance._meta
    if meta.parents or not values:
        return None
    connection = connections[using]
    params = []
    for field, _model, value in values:
        if hasattr(value, "resolve_expression") or not _plain_field(field):
            return None
        if hasattr(value, "prepare_database_save"):
            if not field.remote_field:
                return None
            value = value.prepare_database_save(field)
        else:
            value = field.get_db_prep_save(value, connection=connection)
        params.append(value)
    key = (meta.label_lower, connection.alias, tuple(f.column for f, _m, _v in values))
    sql = _UPDATES.get(key)
    if sql is None:
        q = connection.ops.quote_name
        version = meta.get_field("version")
        sets = ", ".join(f"{q(f.column)} = %s" for f, _m, _v in values)
        sql = _UPDATES[key] = (f"UPDATE {q(meta.db_table)} SET {sets} WHERE {q(meta.pk.column)} = %s "
                               f"AND {q(version.column)} = %s")
    params.append(meta.pk.get_db_prep_value(pk_val, connection))
    params.append(expected_version)
    return sql, params


def update_versioned(instance, using: str, pk_val, values, expected_version: int) -> int | None:
    """``UPDATE <table> SET <values> WHERE pk = %s AND version = %s``: the number of rows it
    matched (0: changed meanwhile), or ``None`` when the plain case does not apply.

    On PostgreSQL, an instance that asks for it (``DEFER_UPDATE``: ``run_transition``'s save,
    whose history row follows at once) does not run it here: the statement is kept on the
    instance (``PENDING_UPDATE``) and runs as part of the history row's INSERT
    (``insert_returning``) — one statement fewer per transition — or, should no history row
    follow, on its own (``run_pending``). Reported as matched; a version that no longer matches
    is a Conflict when it runs, before the transaction commits."""
    statement = _versioned_statement(instance, using, pk_val, values, expected_version)
    if statement is None:
        return None
    connection = connections[using]
    if instance.__dict__.pop(DEFER_UPDATE, False) and connection.vendor == "postgresql":
        instance.__dict__[PENDING_UPDATE] = (using, *statement)
        return 1
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


DEFER_UPDATE = "_rowsql_defer_update"  # set by the caller: the record's UPDATE may ride with its history row
PENDING_UPDATE = "_rowsql_pending_update"  # (using, sql, params) of a deferred UPDATE, not run yet


def _conflict():
    from django.utils.translation import gettext

    from supervision.errors import Conflict

    return Conflict(gettext("记录已被他人修改，请刷新后重试。"))


def run_pending(instance) -> None:
    """Run the instance's deferred UPDATE if no history row took it (a Conflict if the version
    no longer matches)."""
    run_pending_statement(instance.__dict__.pop(PENDING_UPDATE, None))


def insert_returning(instance, using: str, fields, returning_fields, raw: bool):
    """``INSERT INTO <table> (<fields>) VALUES (…) RETURNING <auto pk>``: the returned row (as
    ``Model._do_insert`` returns it), or ``None`` when the plain case does not apply.

    A history row that carries its record's deferred UPDATE (``PENDING_UPDATE``, PostgreSQL)
    runs both in one statement — ``WITH h AS (INSERT … RETURNING <pk>) UPDATE … WHERE pk = %s
    AND version = %s RETURNING (SELECT <pk> FROM h)`` — and a version that no longer matches
    returns no row: a Conflict (the transaction, and with it the inserted row, rolls back)."""
    meta = instance._meta
    connection = connections[using]
    pending = instance.__dict__.pop(PENDING_UPDATE, None)
    if pending is not None and (pending[0] != using or len(returning_fields) != 1):
        run_pending_statement(pending)
        pending = None
    if meta.parents or not fields or not connection.features.can_return_columns_from_insert:
        run_pending_statement(pending)
        return None
    if any(not isinstance(f, models.AutoField) or f.get_db_converters(connection) for f in returning_fields):
        run_pending_statement(pending)
        return None
    params = []
    for field in fields:
        if not _plain_field(field):
            run_pending_statement(pending)
            return None
        value = getattr(instance, field.attname) if raw else field.pre_save(instance, add=True)
        if hasattr(value, "resolve_expression"):
            run_pending_statement(pending)
            return None
        params.append(field.get_db_prep_save(value, connection=connection))
    key = (meta.label_lower, connection.alias, tuple(f.column for f in fields),
           tuple(f.column for f in returning_fields))
    sql = _INSERTS.get(key)
    if sql is None:
        q = connection.ops.quote_name
        sql = (f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        if returning_fields:
            sql += " RETURNING " + ", ".join(q(f.column) for f in returning_fields)
        _INSERTS[key] = sql
    with connection.cursor() as cursor:
        if pending is not None:
            _using, update_sql, update_params = pending
            returned = connection.ops.quote_name(returning_fields[0].column)
            cursor.execute(f"WITH h AS ({sql}) {update_sql} RETURNING (SELECT {returned} FROM h)",
                           [*params, *update_params])
            row = cursor.fetchone()
            if row is None:
                raise _conflict()
            return [row]
        cursor.execute(sql, params)
        if not returning_fields:
            return []
        return [cursor.fetchone()]


def run_pending_statement(pending) -> None:
    """A deferred UPDATE that cannot ride with this INSERT: run it first, on its own."""
    if pending is None:
        return
    using, sql, params = pending
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise _conflict()


# --- the transition's locked read -------------------------------------------------------------

class PlannedQuery(Query):
    """A query whose statement was compiled before: ``plan`` is (sql, select, klass_info,
    annotation_col_map) of that compile, ``plan_params`` this run's parameters. Its compiler skips
    Django's compile and returns them; loading the rows is Django's own (converters,
    ``select_related`` objects, prefetches). Used as it is: a filter or a slice added to it would
    not reach the statement, so it is never handed out as a queryset (``keyed_get`` and
    ``supervision.plans.rows`` iterate it themselves)."""

    plan = None
    plan_params = ()

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        if using:
            connection = connections[using]
        base = connection.ops.compiler(self.compiler)
        cls = _COMPILERS.get(base)
        if cls is None:
            cls = _COMPILERS[base] = type(f"Planned{base.__name__}", (_PlannedCompilerMixin, base), {})
        return cls(self, connection, using, elide_empty)


_CONVERTERS: dict = {}  # (id of a plan's select, connection alias) → (that select, its converters)


class _PlannedCompilerMixin:
    def as_sql(self, with_limits=True, with_col_aliases=False):
        sql, select, klass_info, annotation_col_map = self.query.plan
        self.select, self.klass_info, self.annotation_col_map = select, klass_info, annotation_col_map
        self.col_count, self.has_extra_select = len(select), False
        return sql, tuple(self.query.plan_params)

    def get_converters(self, expressions):
        """The plan's columns' converters, worked out once per plan and connection (Django asks
        every expression of the select again on every run: a tenth of a transition's lock read)."""
        select = self.query.plan[1]
        if len(expressions) != len(select) or any(e is not s[0] for e, s in zip(expressions, select, strict=False)):
            return super().get_converters(expressions)
        key = (id(select), self.connection.alias)
        found = _CONVERTERS.get(key)
        if found is None or found[0] is not select:
            if len(_CONVERTERS) > 4096:  # plans come and go (plans.PLAN_LIMIT): forget the old
                _CONVERTERS.clear()
            found = _CONVERTERS[key] = (select, super().get_converters(expressions))
        return found[1]


def planned(qs, plan):
    """A copy of ``qs`` that runs ``plan`` (see ``PlannedQuery``) instead of compiling."""
    chained = qs._chain()
    chained.query.__class__ = PlannedQuery
    chained.query.plan = plan
    return chained


def _out_of_range(field, value, connection) -> bool:
    """An integer key the column cannot hold (Django's lookup answers it with an empty result)."""
    if not isinstance(value, int) or not isinstance(field, models.IntegerField | models.AutoField):
        return False
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return (low is not None and value < low) or (high is not None and value > high)


_COMPILERS: dict = {}
_KEYED: dict = {}


def keyed_get(key, build, pk, using: str, *, columns=None, column_params=()):
    """The one row of ``build()`` (a queryset, e.g. locked and with its joins) whose primary key is
    ``pk``: ``DoesNotExist`` if none; ``ValueError``/``TypeError`` for a key of the wrong kind.

    ``build()`` is compiled once per ``key`` (and database alias) with Django's compiler; later calls
    run the same statement with the new key and load the objects through Django's own iterable
    (converters, ``select_related`` objects, prefetches as the template says).

    ``columns(compiler, connection)``, called at that compile, may add columns to the statement's
    select list: ``[(name, sql), …]``, each ``sql`` an expression that may name the compiled
    statement's tables by their aliases (found in ``compiler.select``) and hold ``%s``
    placeholders, filled on each call from ``column_params`` (in order). Each value is set on the
    returned object as attribute ``name``, raw from the database (no converter). When the
    statement could not be kept (see above), the object comes without those attributes."""
    connection = connections[using]
    template = _KEYED.get((key, using))
    if template is None:
        qs = build().using(using)
        model_pk = qs.model._meta.pk
        first = model_pk.get_prep_value(pk)
        if _out_of_range(model_pk, first, connection):
            return qs.get(pk=first)  # Django's lookup: an empty result, DoesNotExist
        compiler = qs.filter(pk=first).query.get_compiler(using)
        sql, params = compiler.as_sql()
        if list(params) != [model_pk.get_db_prep_value(first, connection, prepared=True)]:
            return qs.get(pk=first)  # more than the key in the statement: no plan kept
        annotation_col_map = dict(compiler.annotation_col_map or {})
        if columns is not None:
            added = columns(compiler, connection)
            head, sep, tail = sql.partition(" FROM ")
            if not (added and sep and head.startswith("SELECT ")):
                return qs.get(pk=first)
            q = connection.ops.quote_name
            sql = head + "".join(f", ({expr}) AS {q(name)}" for name, expr in added) + sep + tail
            for i, (name, _expr) in enumerate(added):
                annotation_col_map[name] = len(compiler.select) + i
        template = _KEYED[(key, using)] = planned(
            qs, (sql, compiler.select, compiler.klass_info, annotation_col_map))
    model_pk = template.model._meta.pk
    value = model_pk.get_prep_value(pk)
    if _out_of_range(model_pk, value, connection):  # as Django's lookup: an empty result
        raise template.model.DoesNotExist(f"{template.model._meta.object_name} matching query does not exist.")
    qs = template._chain()
    qs.query.plan_params = (*(column_params if columns is not None else ()),
                            model_pk.get_db_prep_value(value, connection, prepared=True))
    rows = list(qs)
    if not rows:
        raise template.model.DoesNotExist(f"{template.model._meta.object_name} matching query does not exist.")
    return rows[0]
