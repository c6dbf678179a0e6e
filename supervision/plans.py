"""Read statements compiled once per shape and run again with new values (issue 11).

Building a queryset and compiling it costs Django more than PostgreSQL spends running it: 我的待办
built and compiled four statements per request (≈ 16 ms) that ran in ≈ 5 ms. ``rows(key, build,
values)`` compiles ``build(**values)`` once per ``key`` and shape of ``values``, and later runs
the same statement with the new values put in their places. The objects are loaded by Django's
own iterable, as from the queryset (``select_related``, annotations, converters, prefetches).

Where each value goes is found, not assumed: the first time, ``build`` runs twice, with the real
values and with probe values of the same kinds (integers and strings no record holds); the two
statements must be the same text, and every parameter in which they differ must be a probe,
standing where the real compile has the real value. Anything else (a value inlined into the SQL,
transformed, compared in Python, a statement that cannot match anything) and the shape is not
planned: that ``build`` runs each time, as before.

``build`` must depend on ``values`` only through the statement's parameters; everything else it
reads (the record type, states from the user's roles, a None that drops a condition) belongs in
``key``, and each bool, None and tuple length is part of the shape already. Refused: a ``Prefetch``
with its own queryset (it could carry a value that is not a parameter), a related manager's
queryset (it carries its instance), a lazy translation among the parameters. The active language
and time zone are part of every shape (a compile may read them: a label turned into text, a
date truncated in the user's zone).
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.utils import timezone, translation
from django.utils.functional import Promise

from .models.rowsql import planned

PLAN_LIMIT = 512  # statements kept per process, least recently used dropped first
_PROBE_INT = 2_000_000_000  # within a 32-bit integer column's range, and no id here comes close
_plans: OrderedDict = OrderedDict()
_refused: set = set()
_lock = threading.Lock()


class _Unplannable(Exception):
    pass


def _kind(value):
    if value is None or isinstance(value, bool):
        return ("is", value)
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "str"
    if isinstance(value, tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return ("ints", len(value))
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return ("strs", len(value))
    raise _Unplannable(type(value).__name__)


def _probes(values: dict) -> tuple[dict, dict]:
    """Probe values of the same kinds, and {probe: (name, index)}."""
    probes, owners, n = {}, {}, 0

    def probe(like, name, index):
        nonlocal n
        n += 1
        value = _PROBE_INT + n if isinstance(like, int) else f"~plan-probe-{n}~"
        owners[value] = (name, index)
        return value

    for name, value in values.items():
        if value is None or isinstance(value, bool):
            probes[name] = value
        elif isinstance(value, tuple):
            probes[name] = tuple(probe(v, name, i) for i, v in enumerate(value))
        else:
            probes[name] = probe(value, name, None)
    return probes, owners


def _compile(qs):
    return qs.query.get_compiler(qs.db).as_sql()


def _make_plan(qs, build, values):
    """(queryset that runs the plan, [(parameter position, name, index)], parameters) or None."""
    if any(not isinstance(lookup, str) for lookup in qs._prefetch_related_lookups):
        return None
    if qs._known_related_objects:  # a related manager's queryset: it carries its instance
        return None
    if qs.query.combinator:  # plain selects (a slice is in the statement's text): what ``planned`` serves
        return None
    compiler = qs.query.get_compiler(qs.db)
    sql, params = compiler.as_sql()
    probes, owners = _probes(values)
    probe_sql, probe_params = _compile(build(**probes))
    if probe_sql != sql or len(probe_params) != len(params):
        return None
    slots = []
    for i, (real, probe) in enumerate(zip(params, probe_params, strict=True)):
        try:
            owner = owners.get(probe)
        except TypeError:  # an unhashable parameter: a constant, checked below
            owner = None
        if owner is None:
            if type(real) is not type(probe) or real != probe:
                return None  # differs, but not by a probe: a value reached the statement otherwise
            if isinstance(real, Promise):
                return None  # a lazy translation: the same in both compiles, not in another language
            continue
        name, index = owner
        if real != (values[name] if index is None else values[name][index]):
            return None
        slots.append((i, name, index))
    template = planned(qs, (sql, compiler.select, compiler.klass_info, dict(compiler.annotation_col_map or {})))
    return template, tuple(slots), tuple(params)


def rows(key, build, values: dict) -> list:
    """``list(build(**values))``, from a statement compiled once per ``key`` and shape of
    ``values`` (ints, strs, tuples of either; None and bools as part of the shape)."""
    try:
        # the language and time zone a compile may have read (a lazy label, a date truncation)
        shape = (key, tuple((name, _kind(value)) for name, value in values.items()),
                 translation.get_language(), timezone.get_current_timezone_name())
    except _Unplannable:
        return list(build(**values))
    with _lock:
        plan = _plans.get(shape)
        if plan is not None:
            _plans.move_to_end(shape)
        refused = shape in _refused
    if plan is None:
        qs = build(**values)
        if refused:
            return list(qs)
        try:
            plan = _make_plan(qs, build, values)
        except (EmptyResultSet, FullResultSet):  # these values match nothing (no scope, a key out of
            return list(qs)  # range): not the shape's fault, so it is not refused
        with _lock:
            if plan is None:
                _refused.add(shape)
            else:
                _plans[shape] = plan
                while len(_plans) > PLAN_LIMIT:
                    _plans.popitem(last=False)
        if plan is None:
            return list(qs)
    template, slots, params = plan
    params = list(params)
    for i, name, index in slots:
        params[i] = values[name] if index is None else values[name][index]
    qs = template._chain()
    qs.query.plan_params = params
    return list(qs)


def clear() -> None:
    """Forget every plan (tests; a plan holds no data, only statement text)."""
    with _lock:
        _plans.clear()
        _refused.clear()


IN_BULK_PLANNED = 200  # beyond this many keys a lookup is compiled as ever (one shape per count)


def in_bulk(key, build, ids) -> dict:
    """``build().in_bulk(ids)``, from a statement compiled once per ``key`` and number of ids:
    ``build()`` takes no values (everything it reads belongs in ``key``)."""
    ids = tuple(sorted(set(ids)))
    if not ids:
        return {}
    if len(ids) > IN_BULK_PLANNED:
        return build().in_bulk(ids)
    return {obj.pk: obj for obj in rows(("in_bulk", key), lambda ids: build().filter(pk__in=ids), {"ids": ids})}
