"""Rows into model instances without ``Model.__init__`` (issue 11: the pages' object loading).

Django builds every loaded row through ``Model.from_db`` → ``Model.__init__``: the
``pre_init``/``post_init`` signals, a ``setattr`` per column through the field's descriptor, and,
for a query with ``only()``/``defer()``, a full list of the model's fields with a ``DEFERRED``
marker in each place not read. A register page loads 150 such objects (50 rows × assignment,
notice, township): 5–12 µs each, ≈ 2 ms of the page on this machine, against 1–3.5 µs for the
same instance built here.

``FastLoading.from_db`` (Django's documented hook for customising loading) makes the same
instance directly: ``_state`` as ``__init__`` sets it and ``from_db`` marks it (not adding, its
database, its fetch mode), each loaded column's value in the instance's ``__dict__`` under its
attname, the columns not read left out (so they load on first access, as deferred fields do).
It is what ``__init__`` ends up with, and only taken where that is certain: no receiver of
``pre_init`` or ``post_init`` connected (any sender: checked on every call, so a receiver
connected later is honoured), the class's ``__init__`` is Django's own, and every column's
attribute is one whose ``__set__`` (if any) stores the value unchanged under the attname on a new
instance (``_safe_descriptors``; an FSM field's is ``to_python`` of a value the database already
returns as text). Otherwise — and for any class that is not so — Django's ``from_db`` runs.
``tests/kernel/test_loading.py`` compares both paths field by field.
"""
from __future__ import annotations

import inspect

from django.db.models import DEFERRED, Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

_PLAIN: dict[type, bool] = {}


def _safe_descriptors() -> tuple[tuple[type, ...], type]:
    """(the descriptor types whose ``__set__`` on a new instance stores the value as given, the
    FSM field class)."""
    from django.db.models.fields.files import FileDescriptor
    from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
    from django.db.models.query_utils import DeferredAttribute
    from django_fsm import FSMField, FSMFieldDescriptor

    # DeferredAttribute: no __set__ (the value goes to __dict__). ForeignKeyDeferredAttribute:
    # stores it after dropping a cached related object a new instance does not have.
    # FileDescriptor: stores it as given. FSMFieldDescriptor: refuses a second assignment of a
    # protected field and stores ``to_python(value)`` under the field's name (checked == attname
    # below); ``to_python`` of the text the database returns is that text (CharField).
    return (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor, FSMFieldDescriptor), FSMField


def is_plain(cls) -> bool:
    """Does ``Model.__init__`` of ``cls`` with loaded values do nothing but store them (see the
    module's docstring)? Worked out once per class."""
    found = _PLAIN.get(cls)
    if found is not None:
        return found
    descriptors, fsm_field = _safe_descriptors()
    from django.db.models import CharField

    found = cls.__init__ is Model.__init__ and not cls._meta.abstract
    for field in cls._meta.concrete_fields if found else ():
        attribute = inspect.getattr_static(cls, field.attname, None)
        if type(attribute) not in descriptors:
            found = False
        elif isinstance(field, fsm_field) and (field.name != field.attname or not isinstance(field, CharField)):
            found = False
        if not found:
            break
    _PLAIN[cls] = found
    return found


class FastLoading:
    """Mixin for models (before ``models.Model`` in the bases): ``from_db`` without ``__init__``
    where that builds the same instance (module docstring)."""

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        if pre_init.receivers or post_init.receivers or not is_plain(cls):
            return super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        new = cls.__new__(cls)
        state = new._state = ModelState()
        state.adding = False
        state.db = db
        if fetch_mode is not None:
            state.fetch_mode = fetch_mode
        stored = new.__dict__
        for name, value in zip(field_names, values, strict=True):
            if value is not DEFERRED:
                stored[name] = value
        return new
