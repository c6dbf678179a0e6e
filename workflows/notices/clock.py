"""Today's date for this workflow, with a pin for the demo seed (its notices are issued "in
the past"). Real requests never pin it; tests freeze time with time_machine instead."""
from __future__ import annotations

import contextlib
import datetime as dt
from contextvars import ContextVar

from django.utils import timezone

_pinned: ContextVar[dt.date | None] = ContextVar("notices_today", default=None)


def today() -> dt.date:
    return _pinned.get() or timezone.localdate()


@contextlib.contextmanager
def pinned(day: dt.date):
    token = _pinned.set(day)
    try:
        yield day
    finally:
        _pinned.reset(token)
