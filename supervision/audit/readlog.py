"""The read-access log (DESIGN §3.3, §4.4): who read which confidential record, when, how.

One kernel helper, ``log_reads``, used by every path that returns confidential content: the
UI pages (lists, details, queues, exports, the audit search) call it with what they show; the
API logs by itself (``RecordSerializer`` notes every confidential record it serializes). Within
a request the reads are collected — one row per record per request whatever the number of
times it is shown — and written in one INSERT when the response is ready
(``ReadLogMiddleware``), only when the content was actually sent (status < 400). Without a
request (a command) the rows are written at once.
"""
from __future__ import annotations

from collections.abc import Iterable

from supervision.models import ReadAccess

_ATTR = "_supervision_reads"


def _is_confidential(label: str) -> bool:
    from supervision import registry

    try:
        return registry.for_key(label).confidential
    except LookupError:
        return False


def _http_request(request):
    return getattr(request, "_request", request)  # DRF's Request wraps Django's


def log_read_ids(user, record_type: str, object_ids: Iterable, *, via: str = "ui", request=None,
                 check: bool = True) -> int:
    """Log reads of ``record_type`` records by id (``check``: only if the type is confidential)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    if check and not _is_confidential(record_type):
        return 0
    ids = [str(i) for i in object_ids]
    if not ids:
        return 0
    if request is not None:
        http = _http_request(request)
        pending = http.__dict__.setdefault(_ATTR, {"user": user, "path": http.get_full_path()[:300], "rows": {}})
        for object_id in ids:
            pending["rows"].setdefault((record_type, object_id), via)
        return len(ids)
    rows = {(record_type, i): via for i in ids}
    ReadAccess.objects.bulk_create([ReadAccess(user=user, record_type=t, object_id=i, via=v).stamp()
                                    for (t, i), v in rows.items()])
    return len(rows)


def log_reads(user, objs, via: str = "export", *, request=None) -> int:
    """Log that ``user`` read each record in ``objs`` (the caller shows confidential content).

    With ``request``: collected and written once per request (one row per record); without:
    written now, in one INSERT."""
    by_type: dict[str, list] = {}
    for obj in objs:
        label = obj._meta.label_lower
        by_type.setdefault(label, []).append(obj.pk)
    done = 0
    for label, ids in by_type.items():
        done += log_read_ids(user, label, ids, via=via, request=request, check=False)
    return done


def log_read(user, obj, via: str = "ui", *, request=None) -> int:
    """One record opened (a detail page, a file, a history)."""
    return log_reads(user, [obj], via=via, request=request)


def flush(request, response) -> int:
    """Write what the request collected (ReadLogMiddleware), if the content was sent."""
    pending = request.__dict__.pop(_ATTR, None)
    if not pending or not pending["rows"] or response.status_code >= 400:
        return 0
    user, path = pending["user"], pending["path"]
    ReadAccess.objects.bulk_create([ReadAccess(user=user, record_type=t, object_id=i, via=v, path=path).stamp()
                                    for (t, i), v in pending["rows"].items()])
    return len(pending["rows"])


# --- the auditors' page ---------------------------------------------------------------------------

READ_LOG_ROLES = {"auditor"}


def read_log_list(*, username: str = "", record_type: str = "", object_id: str = "", via: str = "",
                  client_ip: str = "", request_id: str = "", date_from=None, date_to=None):
    """The read log, newest first, filtered (one query; the reader joined). ``username`` matches
    the reader's username or name."""
    import datetime as dt

    from django.db.models import Q
    from django.utils import timezone

    qs = ReadAccess.objects.select_related("user", "user__person").order_by("-at", "-pk")
    if username:
        qs = qs.filter(Q(user__username__iexact=username) | Q(user__first_name__icontains=username)
                       | Q(user__last_name__icontains=username) | Q(user__person__name__icontains=username))
    if record_type:
        qs = qs.filter(record_type=record_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if via:
        qs = qs.filter(via=via)
    if client_ip:
        qs = qs.filter(client_ip=client_ip)
    if request_id:
        qs = qs.filter(request_id=request_id)
    if date_from:
        qs = qs.filter(at__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time.min)))
    if date_to:
        qs = qs.filter(at__lte=timezone.make_aware(dt.datetime.combine(date_to, dt.time.max)))
    return qs


def read_log_chunks(qs, size: int = 2000):
    """``qs`` (newest first) in keyset-paginated chunks: exports stream without a held cursor."""
    from django.db.models import Q

    last = None
    while True:
        page = qs if last is None else qs.filter(Q(at__lt=last[0]) | Q(at=last[0], pk__lt=last[1]))
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = (rows[-1].at, rows[-1].pk)


def _records(rows) -> dict:
    from supervision import registry

    by_type: dict[str, set] = {}
    for r in rows:
        by_type.setdefault(r.record_type, set()).add(r.object_id)
    found = {}
    for key, ids in by_type.items():
        try:
            rt = registry.for_key(key)
        except LookupError:
            continue
        qs = rt.model._default_manager.all()
        if rt.list_related:
            qs = qs.select_related(*rt.list_related)
        for pk, obj in qs.in_bulk({int(i) for i in ids if i.isdigit()}).items():
            found[(key, str(pk))] = obj
    return found


def read_log_records(rows) -> dict:
    """{(record type, id): the record} for read-log rows (one query per record type)."""
    return _records(rows)
