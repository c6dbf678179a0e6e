"""Statistics drawn as charts (Apache ECharts from the project's static files) with the same numbers
as a table beside each chart and an XLSX of every figure.

Each workflow registers a ``StatsSection`` in its ``statistics.py`` (found automatically); a section
builds its ``Figure`` list from selectors over the records the user may see (``supervision.access``).
The page ships each figure's data in a ``json_script`` block; ``charts.js`` draws it (no inline script).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass
class Figure:
    """One chart and its table: ``categories`` along one axis, one or more ``series`` of numbers."""

    key: str
    title: Any
    categories: list[str]
    series: list[dict]  # [{"name": str, "data": [numbers]}], same length as categories
    kind: str = "bar"  # bar | stacked | line | pie | hbar
    category_label: Any = ""
    # A link per category (e.g. the register filtered by that township), or None.
    links: list[str | None] | None = None
    note: Any = ""

    @property
    def data_id(self) -> str:
        return f"{self.key}-data"

    def payload(self) -> dict:
        return {"kind": self.kind, "title": str(self.title), "categories": [str(c) for c in self.categories],
                "series": [{"name": str(s["name"]), "data": list(s["data"])} for s in self.series],
                "links": list(self.links) if self.links else []}

    def rows(self) -> list[dict]:
        return [{"label": c, "values": [s["data"][i] for s in self.series],
                 "link": self.links[i] if self.links else None} for i, c in enumerate(self.categories)]

    def headers(self) -> list[str]:
        return [str(self.category_label)] + [str(s["name"]) for s in self.series]


@dataclass(frozen=True)
class StatsSection:
    key: str
    label: Any
    roles: frozenset[str]
    # build(user, period) -> [Figure]; period: Period
    build: Callable[..., list[Figure]]
    order: int = 50


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} — {self.end.isoformat()}"


_sections: dict[str, StatsSection] = {}
_loaded = False


def register(section: StatsSection) -> StatsSection:
    _sections[section.key] = section
    return section


def sections() -> list[StatsSection]:
    global _loaded
    if not _loaded:
        _loaded = True
        autodiscover_modules("statistics")
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def sections_for(user) -> list[StatsSection]:
    from . import access

    mine = access.roles(user)
    return [s for s in sections() if s.roles & mine]


@dataclass
class SectionFigures:
    section: StatsSection
    figures: list[Figure] = field(default_factory=list)


def figures_for(user, period: Period, only: str | None = None) -> list[SectionFigures]:
    return [SectionFigures(s, s.build(user, period)) for s in sections_for(user) if only in (None, "", s.key)]


def parse_period(query, today: dt.date | None = None) -> Period:
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD``; default: this year up to today. Bad input: ValidationError."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    values = {}
    for name, default in (("from", dt.date(today.year, 1, 1)), ("to", today)):
        raw = (query.get(name) or "").strip()
        if not raw:
            values[name] = default
            continue
        try:
            values[name] = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError(_("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": raw[:20]}) from None
    if values["from"] > values["to"]:
        raise ValidationError(_("开始日期不能晚于结束日期。"))
    if (values["to"] - values["from"]).days > 366 * 5:
        raise ValidationError(_("统计期间最长五年。"))
    return Period(values["from"], values["to"])


# --- the leaders' dashboard 领导看板: traffic lights by township and this month's trend -----------------

RED, AMBER, GREEN = "red", "amber", "green"
LIGHTS = (RED, AMBER, GREEN)


@dataclass(frozen=True)
class TrafficSource:
    """A workflow's open items with a deadline, by township: red = overdue, amber = inside the reminder
    window before the due date, green = on schedule. ``link(township_id, light)`` is the register URL
    filtered to what the figure counts (None when the register has no such filter)."""

    key: str
    label: Any
    roles: frozenset[str]
    counts: Callable[..., dict[int, dict[str, int]]]  # counts(user, today) -> {township_id: {light: n}}
    link: Callable[[int, str], str | None]
    # trend(user, start, end) -> [(series name, {date: n})]
    trend: Callable[..., list[tuple[Any, dict]]] | None = None
    order: int = 50


_traffic: dict[str, TrafficSource] = {}


def register_traffic(source: TrafficSource) -> TrafficSource:
    _traffic[source.key] = source
    return source


def traffic_sources_for(user) -> list[TrafficSource]:
    from . import access

    sections()  # loads every workflow's statistics module
    mine = access.roles(user)
    return sorted((s for s in _traffic.values() if s.roles & mine), key=lambda s: (s.order, s.key))
