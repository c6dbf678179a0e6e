"""Today and now for this workflow: the kernel's clock (``supervision.clock``), which the demo
seed moves to each step's story date (``supervision.demo.story_at``). Real requests never move
it; tests move time with time_machine."""
from __future__ import annotations

import contextlib
import datetime as dt

from supervision import clock as kernel_clock


def today() -> dt.date:
    return kernel_clock.today()


def now() -> dt.datetime:
    return kernel_clock.now()


@contextlib.contextmanager
def pinned(day: dt.date):
    """Kept for callers of the old pin: the kernel's story time at ``day``."""
    with kernel_clock.story_at(day):
        yield day
