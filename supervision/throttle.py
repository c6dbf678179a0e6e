"""Failed logins are throttled per account and per address (cache-backed, shared by workers)."""
from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str) -> list[str]:
    return [f"login-fail:user:{(username or '').lower()}", f"login-fail:addr:{address or '-'}"]


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def is_locked(username: str, address: str) -> bool:
    limit = settings.SUPERVISION["LOGIN_MAX_FAILURES"]
    counts = cache.get_many(_keys(username, address))
    return any(c >= limit for c in counts.values())


def record_failure(username: str, address: str) -> None:
    timeout = settings.SUPERVISION["LOGIN_LOCKOUT_SECONDS"]
    for key in _keys(username, address):
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout)


def record_success(username: str) -> None:
    cache.delete(_keys(username, "")[0])
