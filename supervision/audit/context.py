"""Request context: where a change or a read came from (issue 13 item 4).

Set once per request (``RequestContextMiddleware``), per sweep run (``run_sweep_jobs``,
``fire_system_transition``) and per management command (``manage.py``), in a contextvar; the
history base (``ChainedHistoryModel.save``) and the read log stamp it on every row — no query.

- ``client_ip``: ``REMOTE_ADDR``, or, behind a configured ``TRUSTED_PROXIES`` proxy, the
  nearest untrusted ``X-Forwarded-For`` address (``supervision.signin.client_address``);
- ``request_id``: a trusted proxy's ``X-Request-ID`` when well formed, else a new one; returned
  as the ``X-Request-ID`` response header and put on log records (``RequestIdLogFilter``);
- ``via``: the channel — ``ui`` (a page), ``api``, ``admin``, ``system`` (a sweep/timer),
  ``command`` (a management command).
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

UI, API, ADMIN, SYSTEM, COMMAND = "ui", "api", "admin", "system", "command"
VIA_CHOICES = [
    (UI, _("页面")),
    (API, _("接口")),
    (ADMIN, _("管理后台")),
    (SYSTEM, _("系统定时任务")),
    (COMMAND, _("管理命令")),
]
VIA_LABELS = dict(VIA_CHOICES)

HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


@dataclass(frozen=True)
class RequestContext:
    client_ip: str = ""
    request_id: str = ""
    via: str = ""


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("supervision_request_context",
                                                                                  default=None)
# The process's context when nothing narrower is set (``manage.py`` sets a command's).
_process_default: RequestContext = _EMPTY


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> RequestContext:
    return _current.get() or _process_default


def via_label(via: str) -> str:
    return str(VIA_LABELS.get(via, via or ""))


@contextlib.contextmanager
def using(ctx: RequestContext):
    """Every row written inside the block carries ``ctx``."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextlib.contextmanager
def system(request_id: str = ""):
    """A sweep / timer: ``via=system``, one request id per run (an enclosing sweep run's is kept)."""
    outer = current()
    if outer.via == SYSTEM and outer.request_id:
        yield outer
        return
    with using(RequestContext(client_ip="", request_id=request_id or new_request_id(), via=SYSTEM)) as ctx:
        yield ctx


def set_process_default(ctx: RequestContext) -> None:
    """For the whole process (``manage.py``: each command run is ``via=command`` with one id)."""
    global _process_default
    _process_default = ctx


def for_command(argv) -> RequestContext:
    return RequestContext(client_ip="", request_id=new_request_id(), via=COMMAND)


def channel_of(request) -> str:
    from django.conf import settings

    path = request.path_info or ""
    if path.startswith("/api/"):
        return API
    admin = getattr(settings, "ADMIN_URL_PREFIX", "/admin/")
    if path.startswith(admin):
        return ADMIN
    return UI


def _trusted_remote(request) -> bool:
    from supervision.signin import _networks, _trusted

    nets = _networks()
    return bool(nets) and _trusted((request.META.get("REMOTE_ADDR") or "").strip(), nets)


def from_request(request) -> RequestContext:
    from supervision.signin import client_address

    request_id = ""
    offered = (request.META.get("HTTP_X_REQUEST_ID") or "").strip()
    if offered and _VALID_ID.match(offered) and _trusted_remote(request):
        request_id = offered
    return RequestContext(client_ip=client_address(request)[:45], request_id=request_id or new_request_id(),
                          via=channel_of(request))


class RequestIdLogFilter(logging.Filter):
    """Puts ``request_id``, ``via`` and ``client_ip`` on every log record (``%(request_id)s``)."""

    def filter(self, record):
        ctx = current()
        record.request_id = ctx.request_id or "-"
        record.via = ctx.via or "-"
        record.client_ip = ctx.client_ip or "-"
        return True
