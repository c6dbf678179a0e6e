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

_UPDATES: dict = {}
_INSERTS: dict = {}


def _plain_field(field) -> bool:
    return not hasattr(field, "get_placeholder")


def update_versioned(instance, using: str, pk_val, values, expected_version: int) -> int | None:
    """``UPDATE <table> SET <values> WHERE pk = %s AND version = %s``: the number of rows it
    matched (0: changed meanwhile), or ``None`` when the plain case does not apply."""
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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_returning(instance, using: str, fields, returning_fields, raw: bool):
    """``INSERT INTO <table> (<fields>) VALUES (…) RETURNING <auto pk>``: the returned row (as
    ``Model._do_insert`` returns it), or ``None`` when the plain case does not apply."""
    meta = instance._meta
    connection = connections[using]
    if meta.parents or not fields or not connection.features.can_return_columns_from_insert:
        return None
    if any(not isinstance(f, models.AutoField) or f.get_db_converters(connection) for f in returning_fields):
        return None
    params = []
    for field in fields:
        if not _plain_field(field):
            return None
        value = getattr(instance, field.attname) if raw else field.pre_save(instance, add=True)
        if hasattr(value, "resolve_expression"):
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
        cursor.execute(sql, params)
        if not returning_fields:
            return []
        return [cursor.fetchone()]
