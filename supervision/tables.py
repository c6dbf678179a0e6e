"""A register's rows built in Python: the kernel UI layer's table body.

A register page lists up to 50 records of 7 cells each. Rendered by the template engine, that was
two thirds of the page's time (every ``{{ a.notice.title }}`` is a variable resolution, an escape
and a localisation; 50 rows cost 15 ms on the notices register at province scale). A ``Table``
declares its columns once — label, value, cell attributes — and ``{% table_rows table page %}``
writes the ``<tr>`` markup with one escape per cell, the column labels translated once per page
(each cell carries its label as ``data-label`` for the phone layout, where rows stack).

    ASSIGNMENT_TABLE = Table(columns=(
        Column(_("文号"), lambda a, ctx: a.notice.number),
        Column(_("标题"), lambda a, ctx: link(a.get_absolute_url(), a.notice.title), attrs=' class="title"',
               labelled=False),
        Column(_("办结期限"), lambda a, ctx: ctx.deadline(a)),
        ...), row_attrs=lambda a: {"class": "overdue" if a.state == "overdue" else "", "data-assignment": a.pk})

A cell's value is escaped unless it is already safe (``format_html``, ``link``, ``ctx.deadline``).
"""
from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise, cached_property
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Column:
    label: str | Promise
    value: Callable[[Any, RowContext], Any]
    attrs: str = ""  # extra attributes of the cell, as markup: ' class="title"'
    labelled: bool = True  # the cell carries data-label (its header, shown when rows stack)
    # What the cell depends on, when that is less than the record (a state and its escalation, an
    # urgency): the cell is then written once a page per distinct key, not once per row.
    key: Callable[[Any], Any] | None = None


class RowContext:
    """What a cell may need beyond its record: the request's working-day calendar, once a page."""

    def __init__(self, request=None):
        self.request = request
        self._lights: dict = {}  # (type, due, state, provisional) → the light's markup
        # model → (record type, its due, state and provisional fields, its reminder window)
        self._types: dict = {}

    @cached_property
    def calendar(self):
        from supervision import deadlines

        return deadlines.calendar_for(self.request)

    @cached_property
    def today(self):
        """The lights' today, read once a page (``deadlines.light``'s own default)."""
        from django.utils import timezone

        return timezone.localdate()

    def _fields(self, obj):
        from supervision import deadlines, registry

        rt = registry.for_model(obj)
        found = self._types[type(obj)] = (rt, rt.due_field, rt.state_field, deadlines.provisional_field(rt),
                                          deadlines.reminder_days(rt))
        return found

    def deadline(self, obj, due=None) -> SafeString:
        """The record's deadline traffic light, as ``{% deadline obj %}`` writes it. A light depends
        on the record only through its due date, state and provisional flag, and a page's rows
        share a few of each: each distinct one is worked out and written once a page."""
        rt, due_field, state_field, pfield, window = self._types.get(type(obj)) or self._fields(obj)
        if not (due_field or due):
            return _deadline_html(None)
        if due is None:
            due = getattr(obj, due_field, None)
        key = (rt.key, due, getattr(obj, state_field, None), bool(pfield and getattr(obj, pfield, False)))
        found = self._lights.get(key)
        if found is None:
            from supervision import deadlines

            light = deadlines.light(obj, rt, calendar=self.calendar, due=due, today=self.today, window=window)
            found = self._lights[key] = _deadline_html(light)
        return found


def _deadline_html(light) -> SafeString:
    from supervision.templatetags.supervision import deadline_html

    return deadline_html(light)


def _escape(value) -> str:
    """``conditional_escape`` without its lazy-string wrapper (one call per cell): the same markup."""
    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def link(href: str, text) -> SafeString:
    return mark_safe(f'<a href="{html.escape(href)}">{_escape(text)}</a>')  # noqa: S308 (escaped)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    row_attrs: Callable[[Any], dict] = field(default=lambda obj: {})
    # What the cells and row attributes read, for the page's query (``rows``): the related objects
    # they follow and the fields (``QuerySet.only``, the primary keys implied). Empty: as given.
    related: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()

    def rows(self, queryset):
        """``queryset`` loading only what the table shows: a register row's assignment, notice and
        township had every column read and decoded (the notice's texts, six time stamps) and built
        into objects, and its issuing unit joined, for ten values."""
        if self.related:
            queryset = queryset.select_related(None).select_related(*self.related)
        if self.reads:
            queryset = queryset.only(*self.reads)
        return queryset

    def render(self, objects: Iterable, *, request=None, empty: str | Promise = "") -> SafeString:
        ctx = RowContext(request)
        cells = [(f'<td data-label="{_escape(c.label)}"{c.attrs}>' if c.labelled else f"<td{c.attrs}>", c.value,
                  c.key, {}) for c in self.columns]
        out = []
        for obj in objects:
            attrs = "".join(f' {k}="{_escape(v)}"' for k, v in self.row_attrs(obj).items())
            out.append(f"\n    <tr{attrs}>\n")
            for opening, value, key, written in cells:
                if key is None:
                    out.append(f"      {opening}{_escape(value(obj, ctx))}</td>\n")
                    continue
                k = key(obj)
                cell = written.get(k)
                if cell is None:
                    cell = written[k] = f"      {opening}{_escape(value(obj, ctx))}</td>\n"
                out.append(cell)
            out.append("    </tr>\n  ")
        if not out:
            out.append(f'<tr><td colspan="{len(self.columns)}" class="muted">{_escape(empty)}</td></tr>')
        return mark_safe("".join(out))  # noqa: S308 (every value escaped above)
