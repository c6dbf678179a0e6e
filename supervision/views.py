"""Kernel pages: 我的待办, notifications, generic history and transition endpoints, files.

Thin: each view asks a selector or service and renders.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from . import access, filetypes, notify, registry
from .attachments import attachment_get_visible, sniff_inline_type
from .audit import context as request_context
from .audit.diff import local_minute
from .audit.readlog import (
    READ_LOG_ROLES,
    log_read,
    log_read_ids,
    read_log_chunks,
    read_log_list,
    read_log_records,
)
from .audit.search import PAGE_SIZE, AuditQuery, Cursor, audit_page, audit_record_ids, audit_rows, audit_table
from .audit.timeline import history_entries, shows_context, timeline_table
from .errors import Conflict, PermissionDenied, ValidationError
from .exports import csv_response, xlsx_response
from .forms import ThrottledAuthenticationForm, TownshipFilterForm
from .handlers import handler_assign, handler_release, handler_take
from .inbox import DoneQuery, attach_handlers, done_for, inbox_for, states_of
from .paging import Paginator
from .storage import read_head, stored_file_response
from .transitions import run_transition
from .ui import record_refused, transition_refused, visible_or_404
from .validation import parse_id, parse_ids


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


INBOX_PAGE_SIZE = 30


@login_required
def home(request):
    """我的待办: 指派给我 first, then 待认领; each paginated, each with its count."""
    if access.has_role(request.user, "leader") and "inbox" not in request.GET:
        from .statsviews import dashboard  # the leaders' home page is their dashboard (?inbox=1: the task list)

        return dashboard(request)
    inbox = inbox_for(request.user, request=request)
    mine = Paginator(inbox.mine, INBOX_PAGE_SIZE).get_page(request.GET.get("mine_page"))
    claimable = Paginator(inbox.claimable, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    for item in [*mine, *claimable]:  # case files listed in 我的待办 are reads too
        if item.rt.confidential:
            log_read(request.user, item.obj, via="ui", request=request)
    return render(request, "supervision/home.html", {
        "mine": mine, "claimable": claimable, "task_count": inbox.count,
        "mine_count": len(inbox.mine), "claimable_count": len(inbox.claimable),
    })


def done_query(params) -> DoneQuery:
    """The 已办 filters from a query string; a bad date is a clear 400."""
    def _date(name):
        raw = (params.get(name) or "").strip()
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError({name: _("日期格式应为 YYYY-MM-DD。")}) from None

    workflow = (params.get("workflow") or "").strip()
    if workflow and workflow not in {wf.name for wf in registry.workflows()}:
        raise ValidationError({"workflow": _("未知的业务：%(name)s") % {"name": workflow}})
    query = DoneQuery(workflow=workflow, state=(params.get("state") or "").strip()[:64],
                      date_from=_date("from"), date_to=_date("to"))
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationError({"to": _("结束日期不能早于开始日期。")})
    return query


@login_required
def done_list(request):
    """已办: what this user has acted on, with each record's current state and handler."""
    try:
        query = done_query(request.GET)
    except ValidationError as exc:
        for msg in _messages_of(exc):
            messages.error(request, msg)
        query, status = DoneQuery(), 400
    else:
        status = 200
    items = done_for(request.user, query, request=request) if status == 200 else []
    page = Paginator(items, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    attach_handlers(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "supervision/done.html", {
        "page": page, "query": query, "count": len(items), "querystring": params.urlencode(),
        "workflows": [wf for wf in registry.workflows() if not wf.hidden],
        "states": states_of(query.workflow),
    }, status=status)


@login_required
@require_POST
def record_handler(request, key, pk, op):
    """Take (由我办理), assign/re-assign, release: the kernel's handler services."""
    try:
        rt = registry.for_key(key)
    except LookupError:
        raise Http404 from None
    reason = request.POST.get("reason", "")
    try:
        if op == "take":
            handler_take(actor=request.user, model=rt.model, pk=pk, reason=reason)
            done = _("已由您承办。")
        elif op == "assign":
            handler_assign(actor=request.user, model=rt.model, pk=pk, handler_id=request.POST.get("handler"),
                           reason=reason)
            done = _("已指派承办人。")
        elif op == "release":
            handler_release(actor=request.user, model=rt.model, pk=pk, reason=reason)
            done = _("已释放承办。")
        else:
            raise Http404
    except ValidationError as exc:  # the record's page again, the message on top
        return record_refused(request, rt, pk, "handler", exc)
    except PermissionDenied as exc:
        return record_refused(request, rt, pk, "handler", exc, status=403)
    except Conflict as exc:
        return record_refused(request, rt, pk, "handler", exc)
    messages.success(request, done)
    obj = rt.model._default_manager.get(pk=pk)
    return HttpResponseRedirect(_safe_next(request, request.POST.get("next")) or obj.get_absolute_url())


@login_required
def notification_list(request):
    qs = request.user.notifications.order_by("-id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "supervision/notifications.html", {"page": page})


@login_required
@require_POST
def notification_mark_read(request):
    try:
        ids = parse_ids(request.POST.getlist("id")) or None
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(_messages_of(exc)))
    notify.mark_read(request.user, ids)
    if request.headers.get("accept", "").startswith("application/json"):
        return JsonResponse({"unread": notify.unread_count(request.user)})
    return HttpResponseRedirect(_safe_next(request, request.POST.get("next")) or "/notifications/")


@login_required
def notification_feed(request):
    """JSON catch-up for the live script: notifications after ``after_seq`` (the user's own running
    number; or after the id ``after``), oldest first, at most 50, and the unread count."""
    try:
        after = int(request.GET.get("after") or 0)
    except ValueError:
        after = 0
    try:
        after_seq = int(request.GET["after_seq"]) if request.GET.get("after_seq") else None
    except ValueError:
        after_seq = None
    items = [n.as_payload() for n in notify.notifications_since(request.user, after, after_seq=after_seq)]
    return JsonResponse({"notifications": items, "unread": notify.unread_count(request.user)})


def get_visible_record(user, key: str, pk, via: str = "ui", request=None):
    """(record type, record) of type ``key`` if ``user`` may see it, else 404 (``ui.visible_or_404``)."""
    try:
        rt = registry.for_key(key)
    except LookupError:
        raise Http404 from None
    pk = parse_id(pk)
    if pk is None:
        raise Http404(_("记录不存在或无权查看。"))
    return rt, visible_or_404(user, rt.model, pk, via=via, request=request)


@login_required
def record_history(request, key, pk):
    """The record's timeline: its own changes and its parts', in time order (CSV/XLSX export)."""
    fmt = request.GET.get("export")
    rt, obj = get_visible_record(request.user, key, pk, via="export" if fmt in ("csv", "xlsx") else "ui",
                                 request=request)
    entries = history_entries(obj, request.user)
    with_context = shows_context(request.user)
    if fmt in ("csv", "xlsx"):
        headers, rows = timeline_table(entries, with_context=with_context)
        make = xlsx_response if fmt == "xlsx" else csv_response
        return make(f"history-{rt.model._meta.model_name}-{obj.pk}.{fmt}", headers, rows)
    return render(request, "supervision/history.html", {
        "rt": rt, "obj": obj, "entries": entries, "with_context": with_context,
        "querystring": request.GET.urlencode(),
    })


@login_required
@require_POST
def record_transition(request, key, pk, name):
    """The UI's form target for every transition; the kernel path does the rest."""
    try:
        rt = registry.for_key(key)
    except LookupError:
        raise Http404 from None
    pk = parse_id(pk)
    if pk is None:
        raise Http404(_("记录不存在或无权查看。"))
    version = request.POST.get("version")
    try:
        ctx = run_transition(model=rt.model, pk=pk, name=name, actor=request.user,
                             comment=request.POST.get("comment", ""), data=request.POST, files=request.FILES,
                             version=int(version) if version and version.isdigit() else None)
    except (ValidationError, Conflict) as exc:
        # The record's page again, the input kept and each error next to its field.
        return transition_refused(request, rt, pk, name, exc)
    label = rt.transitions()[name].custom.get("label", name)
    messages.success(request, _("已完成：%(label)s") % {"label": label})
    if not access.can(request.user, "view", ctx.obj):  # e.g. recused (回避): no longer theirs to see
        return HttpResponseRedirect(reverse("home"))
    return HttpResponseRedirect(_safe_next(request, request.POST.get("next")) or ctx.obj.get_absolute_url())


def _safe_next(request, url):
    """``url`` if it stays on this site, else None (no open redirects)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for msgs in exc.message_dict.values() for m in msgs]
    return [str(m) for m in exc.messages]


@login_required
def attachment_download(request, pk):
    return serve_attachment(request, attachment_get_visible(user=request.user, pk=pk))


def serve_attachment(request, attachment):
    """The file as a download (the caller has checked the right): its detected type, nosniff, and
    a read-log row when the record type is confidential."""
    try:
        rt = registry.for_key(attachment.record_type)
        if rt.confidential:
            log_read(request.user, rt.model(pk=attachment.object_id), via="file", request=request)
    except LookupError:
        pass
    detected = filetypes.detect(read_head(attachment.file, filetypes.HEAD_BYTES))
    content_type = filetypes.served_type(filetypes.extension(attachment.name), detected)
    response = stored_file_response(attachment.file, filename=attachment.name, as_attachment=True,
                                    content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@xframe_options_sameorigin
@csp_override({**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]})  # previewed in a frame of our own page
def attachment_inline(request, pk):
    """The same file for a preview in the page: same scope check (404), served inline only when its
    content is a PDF or an image (detected from its bytes, not its name); anything else downloads."""
    attachment = attachment_get_visible(user=request.user, pk=pk)
    mime = sniff_inline_type(attachment)
    if mime is None:
        return attachment_download(request, pk)
    try:
        rt = registry.for_key(attachment.record_type)
        if rt.confidential:
            log_read(request.user, rt.model(pk=attachment.object_id), via="file", request=request)
    except LookupError:
        pass
    response = stored_file_response(attachment.file, filename=attachment.name, as_attachment=False,
                                    content_type=mime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


AUDIT_ROLES = {"auditor", "leader"}


def _iso_date(request, name):
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


@login_required
def audit_search_view(request):
    """历史审计: every history table (scoped) by action, actor, record, type, township, dates and
    channel; each row links its record; CSV/XLSX of exactly what is filtered, streamed."""
    if not access.has_role(request.user, *AUDIT_ROLES):
        raise Http404
    township = request.GET.get("township", "")
    township_id = parse_id(township) if township else None
    if township and township_id is None:
        return HttpResponseBadRequest(_("乡镇参数无效。"))
    via = request.GET.get("via", "").strip()
    if via and via not in request_context.VIA_LABELS:
        return HttpResponseBadRequest(_("途径参数无效。"))
    query = AuditQuery(
        actor=request.GET.get("user", "").strip()[:150],
        record_type=request.GET.get("type", ""),
        township_id=township_id,
        date_from=_iso_date(request, "from"), date_to=_iso_date(request, "to"),
        action=(request.GET.get("action") or request.GET.get("transition") or "").strip()[:100],
        record=request.GET.get("record", "").strip()[:200],
        via=via,
    )
    fmt = request.GET.get("export")
    with_context = shows_context(request.user)
    if fmt in ("csv", "xlsx"):
        # confidential records in the export: logged as read, all of them, before streaming
        for record_type, ids in audit_record_ids(user=request.user, query=query, confidential_only=True).items():
            log_read_ids(request.user, record_type, sorted(ids), via="export", request=request, check=False)
        headers, rows = audit_table(audit_rows(user=request.user, query=query), with_context=with_context)
        make = xlsx_response if fmt == "xlsx" else csv_response
        return make(f"history.{fmt}", headers, rows)
    before = request.GET.get("before", "")
    try:
        after = Cursor.decode(before) if before else None
    except ValueError:
        return HttpResponseBadRequest(_("翻页参数无效。"))
    rows, following = audit_page(user=request.user, query=query, after=after)
    shown = {}
    for r in rows:  # confidential records' history shown: logged like any read
        shown.setdefault(r["record_type"], set()).add(r["object_id"])
    for record_type, ids in shown.items():
        log_read_ids(request.user, record_type, sorted(ids), via="audit", request=request)
    types = [(rt.key, rt.label or rt.model._meta.verbose_name) for rt in registry.record_types()
             if access.can_anywhere(request.user, rt, "view")]
    filters = request.GET.copy()
    filters.pop("before", None)
    return render(request, "supervision/audit_search.html", {
        "rows": rows, "query": query, "types": types, "page_size": PAGE_SIZE, "with_context": with_context,
        "vias": request_context.VIA_CHOICES, "township_form": TownshipFilterForm({"township": township}),
        "querystring": filters.urlencode(), "next_cursor": following.encode() if following else "",
        "paged": after is not None,
    })


READ_VIAS = {"ui": gettext_lazy("页面"), "api": gettext_lazy("接口"), "export": gettext_lazy("导出"),
             "file": gettext_lazy("附件"), "audit": gettext_lazy("审计")}


@login_required
def audit_reads_view(request):
    """Auditors: who read which confidential record, when, from where and how (filters; CSV/XLSX
    of exactly what is filtered, streamed)."""
    if not access.has_role(request.user, *READ_LOG_ROLES):
        raise Http404
    f = {"username": request.GET.get("user", "").strip()[:150], "record_type": request.GET.get("type", "").strip(),
         "object_id": request.GET.get("object", "").strip()[:64], "via": request.GET.get("via", "").strip(),
         "client_ip": request.GET.get("ip", "").strip()[:45], "request_id": request.GET.get("request", "").strip()[:64],
         "date_from": _iso_date(request, "from"), "date_to": _iso_date(request, "to")}
    qs = read_log_list(**f)
    labels = {rt.key: str(rt.label or rt.model._meta.verbose_name) for rt in registry.record_types()}
    vias = {k: str(v) for k, v in READ_VIAS.items()}
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        headers = [_("时间"), _("查阅人"), _("用户名"), _("记录类型"), _("记录编号"), _("记录"), _("途径"),
                   _("客户端地址"), _("请求编号"), _("访问路径")]

        def lines():
            for chunk in read_log_chunks(qs):
                records = read_log_records(chunk)
                for r in chunk:
                    obj = records.get((r.record_type, r.object_id))
                    yield [local_minute(r.at, seconds=True), r.user.display_name(), r.user.username,
                           labels.get(r.record_type, r.record_type), r.object_id, str(obj) if obj else "",
                           vias.get(r.via, r.via), r.client_ip,
                           r.request_id, r.path]

        make = xlsx_response if fmt == "xlsx" else csv_response
        return make(f"reads.{fmt}", headers, lines())
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    items = list(page)
    records = read_log_records(items)
    rows = [{"at": r.at, "when": local_minute(r.at, seconds=True), "user": r.user.display_name(),
             "username": r.user.username, "record_type": r.record_type,
             "record_label": labels.get(r.record_type, r.record_type), "object_id": r.object_id,
             "object": str(records.get((r.record_type, r.object_id), "")),
             "url": _record_url(records.get((r.record_type, r.object_id))),
             "via": vias.get(r.via, r.via), "client_ip": r.client_ip, "request_id": r.request_id, "path": r.path}
            for r in items]
    return render(request, "supervision/audit_reads.html", {
        "rows": rows, "page": page, "f": f, "types": sorted(labels.items(), key=lambda kv: kv[0]),
        "vias": list(vias.items()), "querystring": query.urlencode(),
    })


def _record_url(obj) -> str:
    return obj.get_absolute_url() if obj is not None and hasattr(obj, "get_absolute_url") else ""


@login_required
def audit_integrity_view(request):
    """Auditors: the last ``verify_history`` result and checkpoint (``IntegrityCheck``)."""
    if not access.has_role(request.user, *READ_LOG_ROLES):
        raise Http404
    from .audit.integrity import integrity_status

    return render(request, "supervision/audit_integrity.html", integrity_status())


def not_found(request, exception=None):
    """404: JSON under /api/ (a URL no route matches answers like every other API 404), else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
