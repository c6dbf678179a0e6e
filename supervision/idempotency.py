"""Idempotent creation (issue 10 item 6): a repeated submit returns what the first one created.

One mechanism for the pages and the API, applied by the kernel to every workflow:

- **Pages**: ``frame.js`` gives every POST form of a page a one-time token (``_once``, one per form
  and page load; ``data-once="off"`` opts a form out). ``OnceMiddleware`` claims it before the view
  runs; a second submit of the same form — a double click, a quick third 保存草稿 — waits for the
  first (the claim is a unique row inserted in the view's transaction) and is redirected to where
  the first one went (the record it created), instead of creating another.
- **API**: a POST to any record endpoint (``RecordViewSet``: every workflow's creation endpoint,
  transitions and actions) with an ``Idempotency-Key`` header is run once per user and key; a
  repeat gets the first response again (status and body, with ``Idempotent-Replayed: true``);
  the same key on another endpoint is a 422.

Only a success is remembered (a redirect for pages, a 2xx for the API): a refused submit rolls
back with its claim, so the corrected form can be sent again. Claims older than a day are deleted.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone

from .models import SubmissionKey

FORM_FIELD = "_once"
HEADER = "Idempotency-Key"
KEEP = dt.timedelta(days=1)
_VALID = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")


def valid_key(key) -> bool:
    return isinstance(key, str) and bool(_VALID.match(key))


def _fingerprint(request) -> str:
    return hashlib.sha256(f"{request.method} {request.path}".encode()).hexdigest()


def run_once(request, user, key: str, handler, *, remember, replay, mismatch):
    """Run ``handler()`` once per (user, key): ``remember(claim, response)`` → bool stores a success;
    a repeat returns ``replay(claim)``; the key on another request returns ``mismatch()``."""
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = SubmissionKey.objects.create(user=user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            # Another submit holds (or held) the key; on PostgreSQL the insert above waited for it.
            claim = SubmissionKey.objects.filter(user=user, key=key).first()
            if claim is None:  # the first one failed and rolled back meanwhile: run this one
                claim = SubmissionKey.objects.create(user=user, key=key, fingerprint=fingerprint)
            elif claim.fingerprint != fingerprint:
                return mismatch()
            else:
                return replay(claim)
        response = handler()
        if remember(claim, response):
            claim.save()
        else:
            transaction.set_rollback(True)  # a refused submit leaves nothing behind, claim included
    SubmissionKey.objects.filter(user=user, created_at__lt=timezone.now() - KEEP).delete()
    return response


# --- pages -------------------------------------------------------------------------------------

def _remember_redirect(claim, response) -> bool:
    if response.status_code in (301, 302, 303) and response.has_header("Location"):
        claim.status, claim.location = response.status_code, response["Location"][:500]
        return True
    return False


def _replay_redirect(claim):
    return HttpResponseRedirect(claim.location) if claim.location else HttpResponse(status=409)


class OnceMiddleware:
    """Claims a page form's one-time token (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.method != "POST" or request.path.startswith("/api/")
                or not getattr(request, "user", None) or not request.user.is_authenticated):
            return self.get_response(request)
        key = request.POST.get(FORM_FIELD)
        if not valid_key(key):
            return self.get_response(request)
        return run_once(request, request.user, key, lambda: self.get_response(request),
                        remember=_remember_redirect, replay=_replay_redirect,
                        mismatch=lambda: self.get_response(request))


# --- API ---------------------------------------------------------------------------------------

def _remember_api(claim, response) -> bool:
    if not 200 <= response.status_code < 300:
        return False
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    claim.status = response.status_code
    claim.content_type = response.get("Content-Type", "")[:100]
    claim.body = response.content.decode("utf-8", "replace")
    return True


def _replay_api(claim):
    response = HttpResponse(claim.body, status=claim.status, content_type=claim.content_type or "application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def _mismatch_api():
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    return JsonResponse({"detail": _("该 Idempotency-Key 已用于另一个请求。")}, status=422)


class IdempotentPostMixin:
    """For DRF viewsets: POST with an ``Idempotency-Key`` header runs once per user and key."""

    def dispatch(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return super().dispatch(request, *args, **kwargs)
        if not valid_key(key):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            return JsonResponse({"detail": _("Idempotency-Key 须为 8–100 个字母、数字或 _.:- 字符。")}, status=400)
        try:
            user = self.initialize_request(request, *args, **kwargs).user
        except Exception:  # noqa: BLE001 - bad credentials: the normal path answers 401
            user = None
        if user is None or not user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        return run_once(request, user, key, lambda: super(IdempotentPostMixin, self).dispatch(request, *args, **kwargs),
                        remember=_remember_api, replay=_replay_api, mismatch=_mismatch_api)
