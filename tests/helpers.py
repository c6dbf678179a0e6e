"""The one set of test helpers every workflow's tests use.

- ``fire(obj, name, user, data=None, comment="同意", **fields)`` → the record reloaded, after the
  transition went through the kernel's one path (``run_transition``).
- ``reload(obj)`` → the same row read again.
- ``advance(obj, steps)`` → fire each ``(name, user, data)`` step in turn; the reloaded record.
- ``attempt(model, pk, name, user, data)`` → the outcome of one transition as the API would answer
  it (200, 404, 403, 409 or ``("400", messages)``), rolled back whatever happened (matrix tests).
- ``assert_max_queries(n, label)`` → a context manager failing when the block ran more than ``n``
  SQL queries (the queries are listed in the message); ``count_queries(fn)`` → how many ``fn`` ran.
"""
from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from supervision.errors import Conflict, Http404, PermissionDenied, ValidationError
from supervision.transitions import run_transition


class _Rollback(Exception):
    pass


def attempt(model, pk, name, user, data=None, comment="意见"):
    """Fire ``name`` through the kernel's one path and roll it back; the outcome as a status."""
    result = None
    try:
        with transaction.atomic():
            try:
                run_transition(model=model, pk=pk, name=name, actor=user, comment=comment, data=data or {})
                result = 200
            except Http404:
                result = 404
            except PermissionDenied:
                result = 403
            except Conflict:
                result = 409
            except ValidationError as exc:
                result = ("400", exc.messages)
            raise _Rollback
    except _Rollback:
        pass
    return result


def reload(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


def fire(obj, name, user, data=None, comment="同意", **fields):
    """Fire transition ``name`` on ``obj`` as ``user`` (form fields in ``data`` and/or keywords)."""
    payload = {**(data or {}), **fields}
    run_transition(model=type(obj), pk=obj.pk, name=name, actor=user, comment=comment, data=payload)
    return reload(obj)


def advance(obj, steps):
    """Walk ``obj`` through ``steps``: ``(name, user)`` or ``(name, user, data)`` tuples."""
    for step in steps:
        name, user, data = (*step, None) if len(step) == 2 else step
        obj = fire(obj, name, user, data)
    return obj


@contextmanager
def assert_max_queries(limit: int, label: str = ""):
    """Fail when the block runs more than ``limit`` queries; yields the capture context."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx
    n = len(ctx.captured_queries)
    if n > limit:
        listing = "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(ctx.captured_queries, 1))
        raise AssertionError(f"{label or 'block'}: {n} queries > {limit}\n{listing}")


def count_queries(fn, expect_status: int | None = 200) -> int:
    """Run ``fn`` (e.g. a client GET) and return how many queries it ran; check its status."""
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    if expect_status is not None and hasattr(result, "status_code"):
        assert result.status_code == expect_status, (result.status_code, getattr(result, "content", b"")[:300])
    return len(ctx.captured_queries)
