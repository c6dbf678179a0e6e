"""Health and readiness for the load balancer, answered before any other middleware.

- ``/healthz``: the database answers ``SELECT 1`` and Redis (when ``REDIS_URL`` is set) answers
  PING → 200; otherwise 503 naming what is down. Take a worker out of rotation on 503.
- ``/readyz``: the same, plus every migration applied and the object store's bucket reachable
  (when ``STORAGE_URL`` is set): a freshly started worker is ready only then.

Served by a middleware placed first, so a probe needs no session, no allowed host and no TLS
redirect (load balancers probe by address over plain HTTP). The body names checks, never the
error text (that goes to the log): it is public.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import connections
from django.http import JsonResponse

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2
_redis_clients: dict = {}
_migrated = False


def check_database() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0] == 1


def check_redis() -> bool:
    import redis

    url = settings.REDIS_URL
    client = _redis_clients.get(url)
    if client is None:
        client = _redis_clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
    return bool(client.ping())


def check_migrations() -> bool:
    global _migrated
    if not _migrated:  # once applied, they stay applied until the next deployment restarts us
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections["default"])
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


def check_storage() -> bool:
    from django.core.files.storage import default_storage

    from .storage import is_object_storage

    if not is_object_storage(default_storage):
        return True
    default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)
    return True


def _run(checks) -> tuple[dict[str, str], list[str]]:
    results, down = {}, []
    for name, check in checks:
        try:
            ok = check()
        except Exception:  # noqa: BLE001 - any failure means "down"; the detail goes to the log
            log.warning("health check %s failed", name, exc_info=True)
            ok = False
        results[name] = "ok" if ok else "down"
        if not ok:
            down.append(name)
    return results, down


def health(ready: bool = False) -> JsonResponse:
    checks = [("database", check_database)]
    if settings.REDIS_URL:
        checks.append(("redis", check_redis))
    if ready:
        checks += [("migrations", check_migrations), ("storage", check_storage)]
    results, down = _run(checks)
    body = {"status": "ok" if not down else "unavailable", "checks": results}
    if down:
        body["down"] = down
    response = JsonResponse(body, status=503 if down else 200)
    response["Cache-Control"] = "no-store"
    return response


PATHS = {"/healthz": False, "/healthz/": False, "/readyz": True, "/readyz/": True}


class HealthCheckMiddleware:
    """First in MIDDLEWARE: answers the probes before host validation, TLS redirect or sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ready = PATHS.get(request.path_info)
        if ready is not None and request.method in ("GET", "HEAD"):
            return health(ready=ready)
        return self.get_response(request)
