"""Database constraints → clear, translated errors (DESIGN §2: every invariant that two requests
could race past is a database constraint).

A service saves; when the database refuses the row because a unique constraint (or a partial
one: "one active first secretary per village") is violated, the IntegrityError is turned into a
``ConstraintViolation`` carrying the constraint's own ``violation_error_message`` under a field
name: a 400 for the API and the pages, and still an ``IntegrityError`` for code that handles the
race itself (e.g. "return the row the other request created").
"""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.utils.translation import gettext as _


class ConstraintViolation(ValidationError, IntegrityError):
    """A unique constraint refused the row: 400 with the constraint's message."""

    def __init__(self, message, constraint_name: str = ""):
        ValidationError.__init__(self, message)
        self.constraint_name = constraint_name


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def _sqlite_columns(exc: IntegrityError) -> tuple[str, frozenset[str]] | None:
    match = _SQLITE_UNIQUE.search(str(exc))
    if not match:
        return None
    tables, columns = set(), set()
    for part in match.group(1).split(","):
        table, _dot, column = part.strip().rpartition(".")
        tables.add(table)
        columns.add(column)
    return (tables.pop() if len(tables) == 1 else ""), frozenset(columns)


def violated(exc: IntegrityError, model: type[models.Model]) -> tuple[str, list[str], str] | None:
    """(constraint name, field names, message) of the unique rule of ``model`` that ``exc``
    reports, or None when it is not one of them (a foreign key, a NOT NULL …)."""
    opts = model._meta
    candidates: list[tuple[str, list[str], str]] = []
    for c in opts.constraints:
        if isinstance(c, models.UniqueConstraint) and c.fields:
            candidates.append((c.name, list(c.fields), c.get_violation_error_message()))
    for f in opts.concrete_fields:
        if f.unique and not f.primary_key:
            message = f.error_messages.get("unique", "") % {
                "model_name": opts.verbose_name, "field_label": f.verbose_name}
            candidates.append((f"{opts.db_table}_{f.column}_key", [f.name], message))
    name = _constraint_name(exc)
    if name:
        for candidate in candidates:
            if candidate[0] == name:
                return candidate
        return None
    parsed = _sqlite_columns(exc)
    if parsed is None:
        return None
    table, columns = parsed
    if table and table != opts.db_table:
        return None
    for candidate in candidates:
        if frozenset(opts.get_field(f).column for f in candidate[1]) == columns:
            return candidate
    return None


def translate(exc: IntegrityError, model: type[models.Model]) -> ConstraintViolation | None:
    found = violated(exc, model)
    if found is None:
        return None
    name, fields, message = found
    return ConstraintViolation({fields[-1]: [message or _("记录已存在。")]}, constraint_name=name)
