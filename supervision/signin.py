"""Sign-in throttling on django-axes (DESIGN §6: never key the lockout on the address alone).

- **Per account**: ``AXES_FAILURE_LIMIT`` failures (default 5) within ``AXES_COOLOFF_TIME`` lock that
  account; every spelling of a username (case, width, surrounding blanks) counts as one account.
- **Per address**: a separate, much higher limit (``SUPERVISION["LOGIN_MAX_FAILURES_PER_ADDRESS"]``,
  default 100), so one township behind a NAT cannot lock out the county, but one machine still
  cannot try thousands of accounts. The address is ``REMOTE_ADDR`` unless that is one of the
  configured ``TRUSTED_PROXIES``; only then is ``X-Forwarded-For`` read (right to left, skipping
  trusted proxies). A client-supplied header is never believed otherwise.
- **Atomic**: an attempt is *reserved* (counted) before its password is checked, under a lock per
  account and per address (PostgreSQL advisory locks; SQLite's IMMEDIATE transactions serialise
  writers), so twenty parallel guesses across workers check at most the limit. A successful sign-in
  gives the account its reservations back (``AXES_RESET_ON_SUCCESS``).
- **The lockout says when it ends** (``locked_until``), on the login page and in the API's 429.
- **Administrators** see attempts and failures in the admin (axes' AccessAttempt / AccessFailureLog)
  and unlock an account by deleting its attempts there (or ``manage.py axes_reset_username NAME``).
- **Redis is not involved**: the counts live in the database, so sign-in keeps working, with the
  same limits, when Redis is down (the stated fallback is that there is nothing to fall back from).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import unicodedata

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_query_str
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def normalise_username(value) -> str:
    """The one spelling of an account for counting: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().casefold()[:150]


def username_callable(request, credentials) -> str:
    """AXES_USERNAME_CALLABLE: the normalised username from the credentials or the posted form."""
    if credentials:
        raw = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        raw = data.get("username") if hasattr(data, "get") else None
    return normalise_username(raw)


def _networks():
    nets = []
    for item in getattr(settings, "TRUSTED_PROXIES", ()):
        try:
            nets.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return nets


def _trusted(address: str, nets) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in nets)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or, when that is a trusted proxy, the nearest untrusted
    address in X-Forwarded-For (the proxies append, so read right to left)."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    nets = _networks()
    if not nets or not _trusted(remote, nets):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for candidate in reversed(forwarded):
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            return remote  # a malformed chain: do not guess
        if not _trusted(candidate, nets):
            return candidate
    return forwarded[0] if forwarded else remote


def _cooloff() -> dt.timedelta:
    return settings.AXES_COOLOFF_TIME


def _address_limit() -> int:
    return settings.SUPERVISION["LOGIN_MAX_FAILURES_PER_ADDRESS"]


def _lock(kind: str, value: str) -> None:
    """Serialise reservations for one account / one address until the transaction ends."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"signin:{kind}:{value}".encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    # SQLite: transaction_mode IMMEDIATE makes every write transaction exclusive already.


def _locked_until(rows: list[tuple[dt.datetime, int]], limit: int) -> dt.datetime | None:
    """When the count of these (attempt_time, failures) rows falls below ``limit`` again."""
    total = 0
    for when, failures in sorted(rows, reverse=True):
        total += failures
        if total >= limit:
            return when + _cooloff()
    return None


def locked_message(until: dt.datetime) -> str:
    local = timezone.localtime(until)
    return _("登录失败次数过多，已暂时锁定，请于 %(time)s 后再试。") % {
        "time": date_format(local, "Y-m-d H:i")}


class AtomicAxesHandler(AxesDatabaseHandler):
    """axes' database handler with per-account and per-address limits and reserve-then-check."""

    def get_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        since = timezone.now() - _cooloff()
        rows = AccessAttempt.objects.filter(attempt_time__gte=since, username=username)
        return sum(rows.values_list("failures_since_start", flat=True))

    def is_allowed(self, request, credentials=None) -> bool:
        if self.is_blacklisted(request, credentials):
            return False
        if self.is_whitelisted(request, credentials):
            return True
        return self._reserve(request, credentials)

    def _reserve(self, request, credentials) -> bool:
        username = get_client_username(request, credentials)
        address = request.axes_ip_address or None
        now = request.axes_attempt_time
        since = now - _cooloff()
        with transaction.atomic():
            _lock("user", username)
            _lock("addr", address or "")
            expired = AccessAttempt.objects.filter(attempt_time__lt=since)
            expired.filter(username=username).delete()
            live = AccessAttempt.objects.filter(attempt_time__gte=since)
            checks = []
            if username:
                checks.append((list(live.filter(username=username).values_list(
                    "attempt_time", "failures_since_start")), settings.AXES_FAILURE_LIMIT))
            if address:
                expired.filter(ip_address=address).delete()
                checks.append((list(live.filter(ip_address=address).values_list(
                    "attempt_time", "failures_since_start")), _address_limit()))
            for rows, limit in checks:
                until = _locked_until(rows, limit)
                if until is not None:
                    request.signin_locked_until = until
                    return False
            attempt, created = AccessAttempt.objects.select_for_update().get_or_create(
                username=username, ip_address=address, user_agent=request.axes_user_agent,
                defaults={"get_data": get_query_str(request.GET).replace("\0", ""), "post_data": "",
                          "http_accept": request.axes_http_accept, "path_info": request.axes_path_info,
                          "failures_since_start": 1, "attempt_time": now})
            if not created:
                AccessAttempt.objects.filter(pk=attempt.pk).update(
                    failures_since_start=F("failures_since_start") + 1, attempt_time=now,
                    path_info=request.axes_path_info)
        request.signin_reserved = True
        return True

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        """The failure was counted when it was reserved; keep the failure log only."""
        if request is None:
            return
        locked = getattr(request, "signin_locked_until", None) is not None
        if settings.AXES_ENABLE_ACCESS_FAILURE_LOG:
            AccessFailureLog.objects.create(
                username=get_client_username(request, credentials), ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent, http_accept=request.axes_http_accept,
                path_info=request.axes_path_info, attempt_time=request.axes_attempt_time, locked_out=locked)

    def user_logged_in(self, sender, request, user, **kwargs):
        """A successful sign-in gives back that account's reservations (and logs the access)."""
        if request is None:
            return
        super().user_logged_in(sender, request, user, **kwargs)  # the access log
        AccessAttempt.objects.filter(username=normalise_username(user.get_username())).delete()


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page and the API render the lockout themselves (with its
    end time); only the status becomes 429."""
    if original_response is not None:
        original_response.status_code = 429
        return original_response
    from django.http import HttpResponse

    until = getattr(request, "signin_locked_until", None)
    return HttpResponse(locked_message(until) if until else _("登录失败次数过多，请稍后再试。"), status=429)


class SigninBackend(AxesStandaloneBackend):
    """axes' backend; a call without a request (only in-process callers such as the test client's
    ``login()`` make one: every view passes its request) is not throttled instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
