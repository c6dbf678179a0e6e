"""The sweep over the province's open items (run ``bench/province.py`` first), twice.

    python bench/sweep.py

The first run reminds what falls due within the reminder window and marks the overdue (through
the transition path, each with history and notifications); the second run finds nothing to do.
Changes the bench data (overdue marks, reminders), like a real first sweep.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402


def main(argv=None):
    common.setup(migrate=False)
    from django.utils import timezone

    from supervision import notify
    from supervision.models import SweepMark
    from supervision.sweep import run_sweeps
    from workflows.notices.choices import OPEN_STATES
    from workflows.notices.models import NoticeAssignment

    open_items = NoticeAssignment.objects.filter(state__in=OPEN_STATES).count()
    print(f"sweep over {open_items} open notice assignments ({common.load_note()})")
    now = timezone.now()
    for label in ("first", "second"):
        marks = SweepMark.objects.count()
        t = time.perf_counter()
        result = run_sweeps(now)
        notify.flush_pushes(timeout=60)
        elapsed = time.perf_counter() - t
        done = {k: v for k, v in result.items() if v}
        print(f"  {label} sweep: {elapsed:.1f} s, {SweepMark.objects.count() - marks} marks inserted, did {done}")


if __name__ == "__main__":
    main()
