"""PDF documents a county office prints and files (督办通知单, 通报, 处分决定书, 召回通知, 验收表, 公示).

Each workflow registers its document kinds in a ``documents.py`` module of its app (found
automatically); a kind names the record type it belongs to, its template, and how the record's
own data becomes the document's context. Generation (``services.document_generate``) checks
scope through ``supervision.access`` (404 outside it), gives the document its 文号 once, renders
HTML to PDF with WeasyPrint and logs every generation (and, for confidential records, a read).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document generated from one record type (or, ``collection=True``, from the
    visible records of that type, e.g. a year's 公示 list)."""

    model: type
    key: str  # URL name: …/documents/<key>.pdf
    label: Any  # e.g. gettext_lazy("督办通知单")
    template: str
    # context(obj, part) -> dict for the template; for a collection: context(queryset, params).
    # Keys the base template reads: issuer, title, addressee, date, cc, printer, township.
    context: Callable[..., dict]
    # The record's own number (a notice's 文号); None: a number is allocated from ``prefix``.
    own_number: Callable[[Any], str] | None = None
    prefix: str = ""
    # Offered (and generated) only when this holds for the record.
    available: Callable[[Any], bool] = lambda obj: True
    # parts(obj) -> [(part_id, label)]: one document per part (e.g. per case subject).
    parts: Callable[[Any], list[tuple[str, str]]] | None = None
    # Extra roles check on top of visibility (None: whoever may see the record).
    roles: frozenset[str] | None = None
    collection: bool = False
    # For collections: params(querydict) -> dict (raise ValidationError on bad input).
    params: Callable[[Any], dict] | None = None
    # For collections: the "part" a generation is numbered and logged under (e.g. the year).
    collection_part: Callable[[dict], str] = field(default=lambda params: "")


_kinds: dict[tuple[str, str], DocumentKind] = {}
_loaded = False


def register(kind: DocumentKind) -> DocumentKind:
    _kinds[(kind.model._meta.label_lower, kind.key)] = kind
    return kind


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        autodiscover_modules("documents")


def get(record_key: str, kind: str) -> DocumentKind:
    _ensure_loaded()
    return _kinds[(record_key, kind)]


def kinds_for(model, *, collection: bool = False) -> list[DocumentKind]:
    _ensure_loaded()
    label = model._meta.label_lower
    return [k for (key, _), k in _kinds.items() if key == label and k.collection == collection]


def all_kinds() -> list[DocumentKind]:
    _ensure_loaded()
    return list(_kinds.values())


_DIGITS = "〇一二三四五六七八九"


def _small_number(n: int) -> str:
    """1..31 in Chinese numerals as documents write them (十一, 二十, 三十一)."""
    tens, ones = divmod(n, 10)
    text = ("" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十"))
    return text + (_DIGITS[ones] if ones else "") if n else _DIGITS[0]


def chinese_date(day: dt.date | None) -> str:
    """二〇二六年十二月一日 — the date form of official documents (GB/T 9704)."""
    if day is None:
        return ""
    year = "".join(_DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"


def county_body(name: str) -> str:
    """A county body's name as a document's header writes it: 县委督查室 → 巍山县委督查室."""
    from django.conf import settings

    short = getattr(settings, "COUNTY_SHORT_NAME", "巍山县")
    if name.startswith("县"):
        return short + name[1:]
    return name


def paragraphs(text: str) -> list[str]:
    """A text field's paragraphs (blank lines and single line breaks both separate)."""
    return [p.strip() for p in (text or "").splitlines() if p.strip()]
