"""Now and today, as every rule that stamps a date reads them.

Outside the demo seed these are ``timezone.now()`` / ``timezone.localdate()`` (tests move time with
time_machine). While the demo seed replays a step of its story (``supervision.demo.story_at``)
they answer that step's story time, and so does the history save path: the row written then is
stamped with it (``supervision.audit.chain.on_pre_create``), hashed and chained as any other row.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from contextvars import ContextVar

from django.utils import timezone

_story: ContextVar[dt.datetime | None] = ContextVar("story_at", default=None)
_day: ContextVar[dt.date | None] = ContextVar("one_day", default=None)


def story_now() -> dt.datetime | None:
    """The story time being replayed, or None (real time)."""
    return _story.get()


def now() -> dt.datetime:
    return _story.get() or timezone.now()


def today() -> dt.date:
    day = _day.get()
    if day is not None:
        return day
    story = _story.get()
    return timezone.localdate(story) if story is not None else timezone.localdate()


@contextlib.contextmanager
def one_day():
    """Inside, ``today()`` answers the day it was on entering: one listing (我的待办 checks each
    candidate's conditions, several of which read today) works out the day once, not per record
    and condition, and never straddles midnight halfway through."""
    token = _day.set(today())
    try:
        yield _day.get()
    finally:
        _day.reset(token)


def _aware(when) -> dt.datetime:
    if isinstance(when, dt.datetime):
        return when if timezone.is_aware(when) else timezone.make_aware(when)
    # a date: 10:00 that day, county time
    return timezone.make_aware(dt.datetime.combine(when, dt.time(10, 0)))


@contextlib.contextmanager
def story_at(when: dt.date | dt.datetime):
    """Replay what happens inside at ``when`` (a date means 10:00 that day; never later than
    now). Only the demo seed uses it; it must never wrap a real request."""
    token = _story.set(min(_aware(when), timezone.now()))
    try:
        yield _story.get()
    finally:
        _story.reset(token)
