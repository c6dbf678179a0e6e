"""Generating a document: scope (404), availability, its 文号 once, HTML → PDF, the log."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from supervision import access, registry
from supervision.audit.readlog import log_read
from supervision.models import DocumentCounter, DocumentLog, IssuedDocument

from . import DocumentKind, chinese_date, get

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@dataclass
class Generated:
    kind: DocumentKind
    pdf: bytes
    number: str
    filename: str


def _refuse_fetch(url, *args, **kwargs):
    """Documents are self-contained: WeasyPrint fetches nothing (no file:, no network)."""
    raise ValueError(f"documents fetch no resources: {url[:60]}")


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_refuse_fetch, base_url=str(settings.BASE_DIR)).write_pdf()


def format_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}〔{year}〕{seq}号"


def issue_number(*, kind: DocumentKind, record_type: str, object_id: str, part: str, year: int) -> IssuedDocument:
    """The document's number: taken once from the prefix's yearly counter (locked), then kept."""
    lookup = {"record_type": record_type, "object_id": object_id, "kind": kind.key, "part": part}
    found = IssuedDocument.objects.filter(**lookup).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            DocumentCounter.objects.get_or_create(prefix=kind.prefix, year=year)
            counter = DocumentCounter.objects.select_for_update().get(prefix=kind.prefix, year=year)
            found = IssuedDocument.objects.filter(**lookup).first()  # taken while we waited for the lock
            if found is not None:
                return found
            counter.last += 1
            counter.save(update_fields=["last"])
            return IssuedDocument.objects.create(**lookup, prefix=kind.prefix, year=year, seq=counter.last,
                                                 number=format_number(kind.prefix, year, counter.last))
    except IntegrityError:
        return IssuedDocument.objects.get(**lookup)


def _kind_or_404(user, record_key: str, kind_key: str, *, collection: bool) -> tuple[registry.RecordType, DocumentKind]:
    try:
        rt = registry.for_key(record_key)
        kind = get(record_key, kind_key)
    except LookupError:
        raise Http404 from None
    if kind.collection != collection:
        raise Http404
    if not access.can_anywhere(user, rt, "view"):
        raise Http404
    if kind.roles is not None and not access.has_role(user, *kind.roles):
        raise Http404
    return rt, kind


def _finish(*, user, rt, kind: DocumentKind, context: dict, object_id: str, part: str, via: str,
            own_number: str) -> Generated:
    day = context.get("date")
    if own_number:
        number = own_number
    else:
        year = day.year if isinstance(day, dt.date) else timezone.localdate().year
        number = issue_number(kind=kind, record_type=rt.key, object_id=object_id, part=part, year=year).number
    context = {
        "kind": kind, "number": number, "date_cn": chinese_date(day),
        "print_date_cn": chinese_date(context.get("print_date") or day),
        "label": str(kind.label), **context,
    }
    with translation.override("zh-hans"):  # a county document is written in Chinese whatever the UI says
        pdf = render_pdf(kind.template, context)
    DocumentLog.objects.create(user=user, record_type=rt.key, object_id=object_id, kind=kind.key, part=part,
                               number=number, via=via, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf))
    filename = f"{kind.label}-{number or object_id}.pdf"
    return Generated(kind=kind, pdf=pdf, number=number, filename=filename)


def document_generate(*, user, record_key: str, pk, kind_key: str, part: str = "", via: str = "ui") -> Generated:
    """The PDF of ``kind_key`` for one record ``user`` may see (else 404)."""
    rt, kind = _kind_or_404(user, record_key, kind_key, collection=False)
    try:
        obj = access.visible(user, rt.model).filter(pk=pk).first()
    except (ValueError, TypeError):
        obj = None
    if obj is None or not kind.available(obj):
        raise Http404(_("记录不存在、无权查看或尚无此文书。"))
    if kind.parts is not None:
        parts = dict(kind.parts(obj))
        if not part and len(parts) == 1:
            part = next(iter(parts))
        if part not in parts:
            raise Http404(_("没有该对象的文书。"))
    else:
        part = ""
    if rt.confidential:
        log_read(user, obj, via="document")
    context = kind.context(obj, part)
    own = kind.own_number(obj) if kind.own_number else ""
    return _finish(user=user, rt=rt, kind=kind, context=context, object_id=str(obj.pk), part=part, via=via,
                   own_number=own)


def collection_generate(*, user, record_key: str, kind_key: str, query, via: str = "ui") -> Generated:
    """A document over the records of one type that ``user`` may see (e.g. the year's 公示 list)."""
    rt, kind = _kind_or_404(user, record_key, kind_key, collection=True)
    params = kind.params(query) if kind.params else {}
    qs = access.visible(user, rt.model)
    context = kind.context(qs, params)
    return _finish(user=user, rt=rt, kind=kind, context=context, object_id="", part=kind.collection_part(params),
                   via=via, own_number="")


def documents_for(user, obj) -> list[dict]:
    """The documents offered on a record's page: [{label, url}] (one per part)."""
    from django.urls import reverse

    rt = registry.for_model(obj)
    found = []
    for kind in _kinds_for(obj):
        if kind.roles is not None and not access.has_role(user, *kind.roles):
            continue
        if not kind.available(obj):
            continue
        url = reverse("record-document", args=[rt.key, obj.pk, kind.key])
        if kind.parts is None:
            found.append({"label": kind.label, "url": url})
        else:
            for part, label in kind.parts(obj):
                found.append({"label": f"{kind.label}（{label}）", "url": f"{url}?part={part}"})
    return found


def _kinds_for(obj):
    from . import kinds_for

    return kinds_for(type(obj))
